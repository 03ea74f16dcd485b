package dev.ukhook.format;

import java.util.Arrays;
import java.util.Objects;

/**
 * One system call as the hook saw it (record kind 1). The arrays are copied in and out, so the record is
 * immutable; hot loops use {@link #arg(int)} and {@link #frame(int)}, which do not copy.
 *
 * @param seq sequence number, 0 for the first syscall after boot
 * @param nr x86-64 Linux syscall number, see {@link SyscallNames}; {@link TraceLayout#NR_UNKNOWN} for a native
 *     syscall whose name ukhook does not know
 * @param path how the call was made: {@link TraceLayout#PATHS}
 * @param nest how many system calls of the same thread were in progress when this one began
 * @param flags {@link TraceLayout#FLAG_REFUSED}, {@link TraceLayout#FLAG_LEAF_FRAME}
 * @param args the six argument registers, or none where the image does not record them
 * @param ret return value, negative errno on failure
 * @param rip the caller's return address, the instruction after {@code syscall}; where the record keeps no frames,
 *     the return address that decided the guest's charge (which is the caller's own unless transparent libraries
 *     were looked through)
 * @param frames return addresses beyond rip, innermost first: from the caller's frame-pointer chain, the first
 *     one possibly from the stack pointer instead (see {@link #leafFrame()})
 * @param tail what the record's tail held: the path argument and the stack snapshot, where the image copies them
 * @param lib the guest's charge: the library table's index of the library (bits 0-6, 0 for none) and bit 7 when
 *     every library on the path was transparent ({@link TraceLayout.Syscall#LIB})
 * @param thread the calling thread, numbered by the guest from 1; 0 where unknown
 */
public record SyscallRecord(
    long seq,
    long tEnter,
    long tExit,
    int nr,
    int path,
    int nest,
    int flags,
    long[] args,
    long ret,
    long rip,
    long[] frames,
    Tail tail,
    int lib,
    int thread) implements Call {

  /**
   * A record's tail, where the image has one (docs/trace-format.md, "Tail").
   *
   * @param pathArg the call's path argument as copied at entry (cut to the tail's size), or null
   * @param sp the caller's stack pointer at the call, when {@code stack} is not null
   * @param bp the caller's rbp at the call, when {@code stack} is not null
   * @param stack the bytes of stack from {@code sp} up, or null
   * @param buffer the first bytes the call read or wrote ({@link TraceLayout#FLAG_BUFFER}), or null
   */
  public record Tail(String pathArg, long sp, long bp, byte[] stack, byte[] buffer) {
    public static final Tail NONE = new Tail(null, 0, 0, null, null);

    /** A tail without a buffer copy. */
    public Tail(String pathArg, long sp, long bp, byte[] stack) {
      this(pathArg, sp, bp, stack, null);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Tail t && Objects.equals(pathArg, t.pathArg) && sp == t.sp && bp == t.bp
          && Arrays.equals(stack, t.stack) && Arrays.equals(buffer, t.buffer);
    }

    @Override
    public int hashCode() {
      return Objects.hashCode(pathArg) + Long.hashCode(sp) + Arrays.hashCode(stack) + Arrays.hashCode(buffer);
    }

    @Override
    public String toString() {
      return (pathArg == null ? "" : " \"" + pathArg + "\"")
          + (buffer == null ? "" : " buffer=" + buffer.length)
          + (stack == null ? "" : String.format(" sp=0x%x bp=0x%x stack=%d", sp, bp, stack.length));
    }
  }

  public SyscallRecord {
    if (nr < 0 || nr > 0xffff || path < 0 || path > 0xff || nest < 0 || nest > 0xff) {
      throw new IllegalArgumentException("nr, path or nest out of range: " + nr + ", " + path + ", " + nest);
    }
    if (args.length != TraceLayout.ARGS && args.length != 0) {
      throw new IllegalArgumentException("a syscall has 6 arguments (or none recorded), got " + args.length);
    }
    if (lib < 0 || lib > 0xff || thread < 0 || thread > 0xffff) {
      throw new IllegalArgumentException("lib or thread out of range: " + lib + ", " + thread);
    }
    if (frames.length > 255) {
      throw new IllegalArgumentException("at most 255 frames fit a record, got " + frames.length);
    }
    args = args.clone();
    frames = frames.clone();
    tail = Objects.requireNonNull(tail);
  }

  /** A record without the guest's charge or thread. */
  public SyscallRecord(long seq, long tEnter, long tExit, int nr, int path, int nest, int flags, long[] args,
      long ret, long rip, long[] frames, Tail tail) {
    this(seq, tEnter, tExit, nr, path, nest, flags, args, ret, rip, frames, tail, 0, 0);
  }

  /** A record without a tail. */
  public SyscallRecord(long seq, long tEnter, long tExit, int nr, int path, int nest, int flags, long[] args,
      long ret, long rip, long[] frames) {
    this(seq, tEnter, tExit, nr, path, nest, flags, args, ret, rip, frames, Tail.NONE);
  }

  /** A binary syscall made by application-level code: path binary, nest 0. */
  public SyscallRecord(long seq, long tEnter, long tExit, int nr, int flags, long[] args, long ret, long rip,
      long[] frames) {
    this(seq, tEnter, tExit, nr, TraceLayout.PATH_BINARY, 0, flags, args, ret, rip, frames);
  }

  /** Whether the policy refused the call (deny or kill): it did not run. */
  public boolean refused() {
    return (flags & TraceLayout.FLAG_INJECTED) == TraceLayout.FLAG_REFUSED;
  }

  /** Whether an injection rule failed the call on purpose: it did not run, its caller got {@link #ret()}. */
  public boolean injected() {
    return (flags & TraceLayout.FLAG_INJECTED) == TraceLayout.FLAG_INJECTED;
  }

  /** Whether frames[0] was read at the caller's stack pointer, as the return address of a frameless leaf. */
  public boolean leafFrame() {
    return (flags & TraceLayout.FLAG_LEAF_FRAME) != 0;
  }

  /** Whether the record was written when the call began, because the call does not return. */
  public boolean atEntry() {
    return (flags & TraceLayout.FLAG_AT_ENTRY) != 0;
  }

  /** The number of valid frame slots. */
  public int depth() {
    return frames.length;
  }

  @Override
  public boolean hasArgs() {
    return args.length != 0;
  }

  @Override
  public long[] args() {
    return args.clone();
  }

  @Override
  public long[] frames() {
    return frames.clone();
  }

  public long arg(int i) {
    return args[i];
  }

  public long frame(int i) {
    return frames[i];
  }

  @Override
  public String pathArg() {
    return tail.pathArg();
  }

  @Override
  public byte[] buffer() {
    return tail.buffer() == null ? null : tail.buffer().clone();
  }

  @Override
  public SyscallRecord toRecord() {
    return this;
  }

  public String name() {
    return SyscallNames.name(nr);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SyscallRecord r
        && seq == r.seq
        && tEnter == r.tEnter
        && tExit == r.tExit
        && nr == r.nr
        && path == r.path
        && nest == r.nest
        && flags == r.flags
        && Arrays.equals(args, r.args)
        && ret == r.ret
        && rip == r.rip
        && Arrays.equals(frames, r.frames)
        && tail.equals(r.tail);
  }

  @Override
  public int hashCode() {
    return 31 * Long.hashCode(seq) + Arrays.hashCode(frames) + Long.hashCode(rip);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append('#').append(seq).append(' ').append(name()).append('(');
    for (int i = 0; i < args.length; i++) {
      sb.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(args[i]));
    }
    sb.append(") = ").append(ret).append(refused() ? " refused" : "").append(leafFrame() ? " leaf" : "");
    if (path != TraceLayout.PATH_BINARY || nest != 0) {
      sb.append(' ').append(TraceLayout.pathName(path)).append(" nest=").append(nest);
    }
    sb.append(atEntry() ? " at-entry" : "").append(tail).append(" rip=0x").append(Long.toHexString(rip));
    for (long f : frames) {
      sb.append(" <- 0x").append(Long.toHexString(f));
    }
    return sb.toString();
  }
}
