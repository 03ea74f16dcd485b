package dev.ukhook.format;

import java.util.HexFormat;

/**
 * The 64-byte stream header.
 *
 * @param imageId the 16-byte image identity as 32 lowercase hex digits, as in the {@code image-id} file
 * @param tsHz timestamp ticks per second, 0 when the guest could not calibrate
 */
public record TraceHeader(
    int version,
    int headerSize,
    int recordSize,
    int frames,
    int tsSource,
    long tsHz,
    String imageId,
    long ringRecords,
    Overflow overflow) {

  /** What the guest ring does when it is full. */
  public enum Overflow {
    /** The calling thread waits: no record is ever lost. */
    BLOCK,
    /** The record is dropped and counted in the final record. */
    DROP;

    public int code() {
      return ordinal();
    }
  }

  public TraceHeader {
    if (frames < 0 || frames > 255) {
      throw new IllegalArgumentException("frames must be 0..255, got " + frames);
    }
    if (imageId.length() != 2 * TraceFormat.IMAGE_ID_BYTES) {
      throw new IllegalArgumentException("image id must be 32 hex digits, got '" + imageId + "'");
    }
    imageId = HexFormat.of().formatHex(HexFormat.of().parseHex(imageId));
  }

  /** A version-1 header with the sizes derived from {@code frames}, as the guest writes it. */
  public static TraceHeader of(int frames, long tsHz, String imageId, long ringRecords, Overflow overflow) {
    return new TraceHeader(
        TraceFormat.VERSION,
        TraceFormat.HEADER_SIZE,
        TraceFormat.recordSize(frames),
        frames,
        TraceFormat.TS_SOURCE_TSC,
        tsHz,
        imageId,
        ringRecords,
        overflow);
  }
}
