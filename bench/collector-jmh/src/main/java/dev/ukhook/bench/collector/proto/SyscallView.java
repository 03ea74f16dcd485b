package dev.ukhook.bench.collector.proto;

import dev.ukhook.format.SyscallRecord;
import java.nio.ByteBuffer;

/**
 * Prototype: a syscall record read in place, the flyweight that {@link ViewStreamDecoder} hands its sink.
 * One instance per decoder is moved from record to record, so decoding allocates nothing per record; a sink
 * that keeps a record calls {@link #toRecord()}. Valid only during the sink's call.
 */
public final class SyscallView {
  // Record field offsets of trace format version 1 (dev.ukhook.format.TraceFormat keeps them package-private).
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

  private static final int FLAG_REFUSED = 1;

  private ByteBuffer b;
  private int at;
  private long seq;
  private int depth;
  private int slots;

  void moveTo(ByteBuffer b, int at, long seq, int depth, int slots) {
    this.b = b;
    this.at = at;
    this.seq = seq;
    this.depth = depth;
    this.slots = slots;
  }

  public long seq() {
    return seq;
  }

  public long tEnter() {
    return b.getLong(at + R_T_ENTER);
  }

  public long tExit() {
    return b.getLong(at + R_T_EXIT);
  }

  public int nr() {
    return b.getInt(at + R_NR);
  }

  public int flags() {
    return Short.toUnsignedInt(b.getShort(at + R_FLAGS));
  }

  public boolean refused() {
    return (b.get(at + R_FLAGS) & FLAG_REFUSED) != 0;
  }

  public long arg(int i) {
    return b.getLong(at + R_ARGS + 8 * java.util.Objects.checkIndex(i, 6));
  }

  public long ret() {
    return b.getLong(at + R_RET);
  }

  public long rip() {
    return b.getLong(at + R_RIP);
  }

  public int depth() {
    return depth;
  }

  public long frame(int i) {
    return b.getLong(at + R_FRAMES + 8 * java.util.Objects.checkIndex(i, depth));
  }

  /** The frame slots every record of this image has, valid or not: the header's {@code frames}. */
  public int slots() {
    return slots;
  }

  /** Frame slot {@code i < slots()}, also past {@link #depth()}, where the guest writes zero. */
  public long slot(int i) {
    return b.getLong(at + R_FRAMES + 8 * java.util.Objects.checkIndex(i, slots));
  }

  /** A copy that outlives the call. */
  public SyscallRecord toRecord() {
    long[] args = new long[6];
    for (int i = 0; i < args.length; i++) {
      args[i] = arg(i);
    }
    long[] frames = new long[depth];
    for (int i = 0; i < depth; i++) {
      frames[i] = frame(i);
    }
    return new SyscallRecord(seq, tEnter(), tExit(), nr(), flags(), args, ret(), rip(), frames);
  }
}
