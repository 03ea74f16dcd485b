package dev.ukhook.attribution;

/**
 * The microlibrary a syscall is charged to.
 *
 * @param viaTransparentOnly every address of the call that maps to a library maps to a transparent one (say,
 *     the libc whose wrapper issued the {@code syscall}), so the call is charged to the outermost of those
 * @param function the function of {@code library} the call is charged to, where symbols tell (programs loaded
 *     at run time), else null
 */
public record Attribution(String library, boolean viaTransparentOnly, String function) {
  public Attribution(String library, boolean viaTransparentOnly) {
    this(library, viaTransparentOnly, null);
  }

  /**
   * The row of calls none of whose return addresses lies in a mapped code range: counted and shown, never
   * skipped, because a wrong or partial map shows up here first.
   */
  public static final String UNATTRIBUTED_LIBRARY = "<unattributed>";

  public static final Attribution UNATTRIBUTED = new Attribution(UNATTRIBUTED_LIBRARY, false);

  public boolean isUnattributed() {
    return library.equals(UNATTRIBUTED_LIBRARY);
  }
}
