package dev.ukhook.format;

import static dev.ukhook.format.TraceLayout.Syscall;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A syscall record read in place: {@link StreamDecoder} moves one view from record to record, so a sink that only
 * aggregates allocates nothing per record. Offsets are {@link TraceLayout}'s.
 */
public final class SyscallView implements Call {
  private static final int T_ENTER = Syscall.T_ENTER.offset();
  private static final int DUR = Syscall.DUR.offset();
  private static final int NR = Syscall.NR.offset();
  private static final int LIB = Syscall.LIB.offset();
  private static final int NEST = Syscall.NEST.offset();
  private static final int FLAGS = Syscall.FLAGS.offset();
  private static final int THREAD = Syscall.THREAD.offset();
  private static final int RET = Syscall.RET.offset();
  private static final int RIP = Syscall.RIP.offset();
  private static final int FRAMES = Syscall.FRAMES.offset();

  private final TraceHeader header;
  private ByteBuffer b;
  private int at;
  private long seq;
  private int depth;

  /** A view for records of the trace {@code header} describes (little-endian buffers only). */
  public SyscallView(TraceHeader header) {
    this.header = header;
  }

  /**
   * Moves the view to the record at absolute index {@code at} of {@code b}, whose full sequence number (the record
   * holds it modulo 2^32) the reader found to be {@code seq}.
   */
  public SyscallView at(ByteBuffer b, int at, long seq) {
    this.b = b;
    this.at = at;
    this.seq = seq;
    int n = 0;
    while (n < header.frames() && b.getLong(at + FRAMES + 8 * n) != 0) {
      n++;
    }
    this.depth = n;
    return this;
  }

  @Override
  public long seq() {
    return seq;
  }

  @Override
  public long tEnter() {
    return b.getLong(at + T_ENTER);
  }

  @Override
  public long tExit() {
    return tEnter() + TraceLayout.duration(b.getInt(at + DUR));
  }

  @Override
  public int nr() {
    return Short.toUnsignedInt(b.getShort(at + NR));
  }

  @Override
  public int path() {
    return Byte.toUnsignedInt(b.get(at + NEST)) >>> TraceLayout.PATH_SHIFT;
  }

  @Override
  public int nest() {
    return b.get(at + NEST) & TraceLayout.NEST_MASK;
  }

  @Override
  public int flags() {
    return Byte.toUnsignedInt(b.get(at + FLAGS));
  }

  @Override
  public int lib() {
    return Byte.toUnsignedInt(b.get(at + LIB));
  }

  @Override
  public int thread() {
    return Short.toUnsignedInt(b.getShort(at + THREAD));
  }

  @Override
  public boolean hasArgs() {
    return header.argWords() != 0;
  }

  @Override
  public long arg(int i) {
    if (!hasArgs()) {
      throw new IllegalStateException("the image does not record arguments");
    }
    return b.getLong(tailStart() + 8 * i);
  }

  @Override
  public long ret() {
    return b.getLong(at + RET);
  }

  /**
   * The caller's return address where the record keeps a walk (frames), else the return address that decided the
   * guest's charge.
   */
  @Override
  public long rip() {
    return b.getLong(at + RIP);
  }

  @Override
  public int depth() {
    return depth;
  }

  @Override
  public long frame(int i) {
    return b.getLong(at + FRAMES + 8 * i);
  }

  private int tailStart() {
    return at + FRAMES + 8 * header.frames();
  }

  private int pathStart() {
    return tailStart() + header.argBytes();
  }

  @Override
  public String pathArg() {
    return (flags() & TraceLayout.FLAG_PATH_ARG) == 0 ? null : string(b, pathStart(), header.pathBytes());
  }

  @Override
  public byte[] buffer() {
    if ((flags() & TraceLayout.FLAG_BUFFER) == 0) {
      return null;
    }
    byte[] copy = new byte[(int) Math.max(0, Math.min(ret(), header.pathBytes()))];
    b.get(pathStart(), copy);
    return copy;
  }

  /** The tail the flags say is filled in: the path argument or buffer, and the stack area. */
  private SyscallRecord.Tail tail() {
    String pathArg = pathArg();
    byte[] buffer = buffer();
    if ((flags() & TraceLayout.FLAG_STACK) == 0 || header.stackWords() == 0) {
      return pathArg == null && buffer == null ? SyscallRecord.Tail.NONE
          : new SyscallRecord.Tail(pathArg, 0, 0, null, buffer);
    }
    int area = pathStart() + header.pathBytes();
    byte[] stack = new byte[header.snapshotBytes()];
    b.get(area + 8 * TraceLayout.STACK_REGS, stack);
    return new SyscallRecord.Tail(pathArg, b.getLong(area), b.getLong(area + 8), stack, buffer);
  }

  @Override
  public SyscallRecord toRecord() {
    long[] args = new long[hasArgs() ? TraceLayout.ARGS : 0];
    for (int i = 0; i < args.length; i++) {
      args[i] = arg(i);
    }
    long[] frames = new long[depth()];
    for (int i = 0; i < frames.length; i++) {
      frames[i] = frame(i);
    }
    return new SyscallRecord(seq(), tEnter(), tExit(), nr(), path(), nest(), flags(), args, ret(), rip(), frames,
        tail(), lib(), thread());
  }

  /** The NUL-terminated string of at most {@code max} bytes at {@code at}. */
  static String string(ByteBuffer b, int at, int max) {
    int n = 0;
    while (n < max && b.get(at + n) != 0) {
      n++;
    }
    byte[] s = new byte[n];
    b.get(at, s);
    return new String(s, StandardCharsets.ISO_8859_1);
  }
}
