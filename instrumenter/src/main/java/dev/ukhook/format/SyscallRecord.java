package dev.ukhook.format;

import java.util.Arrays;

/**
 * One binary syscall as the hook saw it (record kind 1). The arrays are copied in and out, so the record is
 * immutable; hot loops use {@link #arg(int)} and {@link #frame(int)}, which do not copy.
 *
 * @param seq sequence number, 0 for the first binary syscall after boot
 * @param nr x86-64 Linux syscall number, see {@link SyscallNames}
 * @param flags {@link TraceFormat#FLAG_REFUSED}, {@link TraceFormat#FLAG_LEAF_FRAME}
 * @param args the six argument registers
 * @param ret return value, negative errno on failure
 * @param rip the caller's return address, the instruction after {@code syscall}
 * @param frames return addresses, innermost first: from the caller's frame-pointer chain, the first one
 *     possibly from the stack pointer instead (see {@link #leafFrame()})
 */
public record SyscallRecord(
    long seq, long tEnter, long tExit, int nr, int flags, long[] args, long ret, long rip, long[] frames) {

  public SyscallRecord {
    if (args.length != TraceFormat.ARGS) {
      throw new IllegalArgumentException("a syscall has 6 arguments, got " + args.length);
    }
    if (frames.length > 255) {
      throw new IllegalArgumentException("at most 255 frames fit a record, got " + frames.length);
    }
    args = args.clone();
    frames = frames.clone();
  }

  public boolean refused() {
    return (flags & TraceFormat.FLAG_REFUSED) != 0;
  }

  /** Whether frames[0] was read at the caller's stack pointer, as the return address of a frameless leaf. */
  public boolean leafFrame() {
    return (flags & TraceFormat.FLAG_LEAF_FRAME) != 0;
  }

  /** The number of valid frame slots. */
  public int depth() {
    return frames.length;
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
        && flags == r.flags
        && Arrays.equals(args, r.args)
        && ret == r.ret
        && rip == r.rip
        && Arrays.equals(frames, r.frames);
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
    sb.append(" rip=0x").append(Long.toHexString(rip));
    for (long f : frames) {
      sb.append(" <- 0x").append(Long.toHexString(f));
    }
    return sb.toString();
  }
}
