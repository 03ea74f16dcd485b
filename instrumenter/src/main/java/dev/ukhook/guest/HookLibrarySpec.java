package dev.ukhook.guest;

import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import java.util.HexFormat;

/**
 * Everything the generated hook microlibrary depends on.
 *
 * @param frames frame-pointer return addresses kept per record
 * @param ringRecords capacity of the guest ring, a power of two
 * @param batchRecords records per virtio buffer; divides ringRecords
 * @param overflow what the guest does when the ring is full
 * @param imageId 16 random bytes identifying the image, as 32 hex digits
 */
public record HookLibrarySpec(int frames, int ringRecords, int batchRecords, Overflow overflow,
    String imageId) {

  public enum Overflow {
    BLOCK, DROP;

    public static Overflow parse(String s) {
      for (Overflow o : values()) {
        if (o.name().equalsIgnoreCase(s)) {
          return o;
        }
      }
      throw new IllegalArgumentException("--overflow must be block or drop, got '" + s + "'");
    }
  }

  public static final int DEFAULT_FRAMES = 4;
  public static final int DEFAULT_RING = 4096;
  public static final int DEFAULT_BATCH = 512;

  public HookLibrarySpec {
    if (frames < 0 || frames > 32) {
      throw new UkhookException(Kind.USAGE, "--frames must be between 0 and 32, got " + frames);
    }
    if (Integer.bitCount(ringRecords) != 1 || ringRecords < 2) {
      throw new UkhookException(Kind.USAGE, "--ring must be a power of two of at least 2 records, got " + ringRecords);
    }
    if (Integer.bitCount(batchRecords) != 1 || batchRecords > ringRecords / 2) {
      throw new UkhookException(Kind.USAGE, "--batch must be a power of two of at most half the ring ("
          + ringRecords / 2 + "), got " + batchRecords);
    }
    if (HexFormat.of().parseHex(imageId).length != 16) {
      throw new IllegalArgumentException("image id must be 32 hex digits, got " + imageId);
    }
  }

  public int recordSize() {
    return dev.ukhook.format.TraceLayout.recordSize(frames);
  }
}
