package dev.ukhook.attribution;

/**
 * A GNU ld map of a made-up image big enough for the coverage rule (hello.map's 6 KiB of code are less than
 * the page-sized hole the rule allows): {@code libraries} microlibraries of 4 KiB of code each, 16 bytes of
 * fill between them, from {@link #TEXT_START}, and the hook library's image id symbol.
 */
public final class TestMaps {
  public static final long TEXT_START = 0x100000L;
  public static final long LIBRARY_BYTES = 0x1000L;

  private TestMaps() {}

  public static long textEnd(int libraries) {
    return TEXT_START + libraries * LIBRARY_BYTES;
  }

  /** The address of {@code offset} into library {@code i}'s code ({@code lib<i>}). */
  public static long in(int library, long offset) {
    return TEXT_START + library * LIBRARY_BYTES + offset;
  }

  public static String map(String imageId, int libraries) {
    StringBuilder sb = new StringBuilder("Memory Configuration\n\nLinker script and memory map\n\n");
    sb.append(String.format("                0x%016x                _text = .%n", TEXT_START));
    sb.append(String.format(".text           0x%016x %#10x%n", TEXT_START, libraries * LIBRARY_BYTES));
    for (int i = 0; i < libraries; i++) {
      long at = in(i, 0);
      sb.append(String.format(" .text          0x%016x %#10x /abs/build/lib%d.o%n", at, LIBRARY_BYTES - 16, i));
      sb.append(String.format(" *fill*         0x%016x       0x10 %n", at + LIBRARY_BYTES - 16));
    }
    sb.append(String.format("                0x%016x                _etext = .%n", textEnd(libraries)));
    long data = textEnd(libraries) + 0x1000;
    sb.append(String.format("%n.data           0x%016x       0x40%n", data));
    sb.append(String.format(" .data.ukhook_header%n                0x%016x       0x40 /abs/build/libukhook.o%n", data));
    sb.append(String.format("                0x%016x                ukhook_image_id_%s%n", data, imageId));
    return sb.toString();
  }
}
