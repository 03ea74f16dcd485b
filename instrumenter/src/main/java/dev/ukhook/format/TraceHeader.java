package dev.ukhook.format;

import java.util.HexFormat;

/**
 * The 64-byte stream header.
 *
 * @param argWords the arguments at the start of every record's tail, in 8-byte words: 6 or 0
 * @param pathWords the path copy of every record's tail, in 8-byte words (0: none)
 * @param stackWords the stack area of every record's tail, in 8-byte words (0: none; else sp, bp and a snapshot)
 * @param imageId the 16-byte image identity as 32 lowercase hex digits, as in the {@code image-id} file
 * @param tsHz timestamp ticks per second, 0 when the guest could not calibrate
 * @param hookPoints {@link TraceLayout#HOOK_BINARY} and {@link TraceLayout#HOOK_NATIVE} bits: what the image hooks
 * @param textStart the image's {@code _text}: its code is {@code [textStart, textEnd)}
 * @param textEnd the image's {@code _etext}
 */
public record TraceHeader(
    int version,
    int headerSize,
    int recordSize,
    int frames,
    int argWords,
    long tsHz,
    String imageId,
    long ringRecords,
    Overflow overflow,
    int hookPoints,
    long textStart,
    long textEnd,
    int pathWords,
    int stackWords) {

  /** What the guest ring does when it is full. */
  public enum Overflow {
    /** The calling thread waits: no record is ever lost. */
    BLOCK(TraceLayout.OVERFLOW_BLOCK),
    /** The record is dropped and counted in the final record. */
    DROP(TraceLayout.OVERFLOW_DROP);

    private final int code;

    Overflow(int code) {
      this.code = code;
    }

    /** The value of the header's {@code overflow} byte. */
    public int code() {
      return code;
    }
  }

  public TraceHeader {
    if (pathWords < 0 || pathWords > 255 || stackWords < 0 || stackWords > 255
        || (stackWords > 0 && stackWords <= TraceLayout.STACK_REGS)) {
      throw new IllegalArgumentException("path_words and stack_words must be 0..255, stack_words 0 or above "
          + TraceLayout.STACK_REGS + ", got " + pathWords + ", " + stackWords);
    }
    if (argWords != 0 && argWords != TraceLayout.ARGS) {
      throw new IllegalArgumentException("arg_words must be 0 or " + TraceLayout.ARGS + ", got " + argWords);
    }
    if (frames < 0 || frames > 255) {
      throw new IllegalArgumentException("frames must be 0..255, got " + frames);
    }
    if (imageId.length() != 2 * TraceLayout.IMAGE_ID_BYTES) {
      throw new IllegalArgumentException("image id must be 32 hex digits, got '" + imageId + "'");
    }
    imageId = HexFormat.of().formatHex(HexFormat.of().parseHex(imageId));
  }

  /**
   * A header as the guest writes it, with the sizes derived from {@code frames}, the arguments recorded, the binary
   * hook point and no text bounds (see {@link #withText}).
   */
  public static TraceHeader of(int frames, long tsHz, String imageId, long ringRecords, Overflow overflow) {
    return new TraceHeader(
        TraceLayout.VERSION,
        TraceLayout.HEADER_SIZE,
        TraceLayout.recordSize(frames, TraceLayout.ARGS, 0, 0),
        frames,
        TraceLayout.ARGS,
        tsHz,
        imageId,
        ringRecords,
        overflow,
        TraceLayout.HOOK_BINARY,
        0,
        0,
        0,
        0);
  }

  /** This header with the image's code at {@code [start, end)}. */
  public TraceHeader withText(long start, long end) {
    return new TraceHeader(version, headerSize, recordSize, frames, argWords, tsHz, imageId, ringRecords, overflow,
        hookPoints, start, end, pathWords, stackWords);
  }

  /** This header with a record tail of {@code pathWords} and {@code stackWords} words, and the record size to match. */
  public TraceHeader withTail(int pathWords, int stackWords) {
    return withTail(argWords, pathWords, stackWords);
  }

  /** This header with a record tail of arguments, path copy and stack area, and the record size to match. */
  public TraceHeader withTail(int argWords, int pathWords, int stackWords) {
    return new TraceHeader(version, headerSize, TraceLayout.recordSize(frames, argWords, pathWords, stackWords),
        frames, argWords, tsHz, imageId, ringRecords, overflow, hookPoints, textStart, textEnd, pathWords, stackWords);
  }

  /** A: bytes of arguments per record's tail. */
  public int argBytes() {
    return 8 * argWords;
  }

  /** P: bytes of path copy per record. */
  public int pathBytes() {
    return 8 * pathWords;
  }

  /** The bytes of stack a record's snapshot holds (after sp and bp), 0 without a stack area. */
  public int snapshotBytes() {
    return stackWords == 0 ? 0 : 8 * (stackWords - TraceLayout.STACK_REGS);
  }

  /** Whether the guest filled in its text bounds (a header written by hand or by a test may not). */
  public boolean hasText() {
    return textEnd != 0;
  }
}
