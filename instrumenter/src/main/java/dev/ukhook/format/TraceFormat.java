package dev.ukhook.format;

import java.nio.charset.StandardCharsets;

/** Constants of trace stream format version 1, as specified in docs/trace-format.md. */
public final class TraceFormat {
  public static final int VERSION = 1;
  public static final int HEADER_SIZE = 64;
  /** Record size without frame slots; each slot adds 8 bytes. */
  public static final int RECORD_BASE_SIZE = 96;
  public static final int ARGS = 6;
  public static final int IMAGE_ID_BYTES = 16;
  public static final int TS_SOURCE_TSC = 1;
  public static final int KIND_SYSCALL = 1;
  public static final int KIND_FINAL = 2;
  public static final int FLAG_REFUSED = 1;
  /** frames[0] is the word at the caller's stack pointer: a frameless leaf function's return address. */
  public static final int FLAG_LEAF_FRAME = 2;

  static final byte[] MAGIC = "UKHOOKTR".getBytes(StandardCharsets.US_ASCII);

  // Header field offsets.
  static final int H_VERSION = 8;
  static final int H_HEADER_SIZE = 10;
  static final int H_RECORD_SIZE = 12;
  static final int H_FRAMES = 14;
  static final int H_TS_SOURCE = 15;
  static final int H_TS_HZ = 16;
  static final int H_IMAGE_ID = 24;
  static final int H_RING_RECORDS = 40;
  static final int H_OVERFLOW = 44;

  // Record field offsets; the final record reuses seq, kind and the slots at 8, 32, 40, 48.
  static final int R_SEQ = 0;
  static final int R_T_ENTER = 8;
  static final int R_T_EXIT = 16;
  static final int R_NR = 24;
  static final int R_KIND = 28;
  static final int R_DEPTH = 29;
  static final int R_FLAGS = 30;
  static final int R_ARGS = 32;
  static final int R_RET = 80;
  static final int R_RIP = 88;
  static final int R_FRAMES = 96;
  static final int F_T_END = 8;
  static final int F_TOTAL = 32;
  static final int F_DROPPED = 40;
  static final int F_EMITTED = 48;

  private TraceFormat() {}

  /** The record size an image keeping {@code frames} return addresses per record writes. */
  public static int recordSize(int frames) {
    return RECORD_BASE_SIZE + 8 * frames;
  }
}
