package dev.ukhook.analysis;

/**
 * The microlibrary a binary syscall is charged to.
 *
 * @param viaTransparentOnly every address of the call that maps to a library maps to a transparent one (say,
 *     the libc whose wrapper issued the {@code syscall}), so the call is charged to the outermost of those
 */
public record Attribution(String library, boolean viaTransparentOnly) {
  /** The library name used when no address of the call lies in the image's code. */
  public static final String UNKNOWN_LIBRARY = "<unknown>";

  public static final Attribution UNKNOWN = new Attribution(UNKNOWN_LIBRARY, false);

  public boolean isUnknown() {
    return library.equals(UNKNOWN_LIBRARY);
  }
}
