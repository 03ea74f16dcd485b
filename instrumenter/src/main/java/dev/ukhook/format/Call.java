package dev.ukhook.format;

/**
 * One system call of a trace, read where it lies: a decoded {@link SyscallRecord}, or a {@link SyscallView} over
 * the trace's bytes that the decoder moves from record to record. Attribution and aggregation take a {@code Call},
 * so the hot path allocates nothing per record and the slower paths share the same code.
 */
public interface Call {
  long seq();

  long tEnter();

  long tExit();

  int nr();

  int path();

  int nest();

  int flags();

  /** Whether the image recorded the arguments (else {@link #arg} must not be asked). */
  boolean hasArgs();

  long arg(int i);

  long ret();

  long rip();

  /** The guest's charge ({@link TraceLayout.Syscall#LIB}): 0 for none. */
  int lib();

  /** The calling thread, numbered by the guest from 1; 0 where unknown. */
  int thread();

  /** The number of valid frame slots. */
  int depth();

  long frame(int i);

  /** The call's path argument as copied at entry, or null (see {@link SyscallRecord.Tail}). */
  String pathArg();

  /** The first bytes the call read or wrote as copied at its return ({@link TraceLayout#FLAG_BUFFER}), or null. */
  byte[] buffer();

  /** An immutable record of this call, to keep beyond the sink's call. */
  SyscallRecord toRecord();

  /** Whether the policy refused the call (deny or kill): it did not run. */
  default boolean refused() {
    return (flags() & TraceLayout.FLAG_INJECTED) == TraceLayout.FLAG_REFUSED;
  }

  /** Whether an injection rule failed the call on purpose: it did not run, its caller got {@link #ret()}. */
  default boolean injected() {
    return (flags() & TraceLayout.FLAG_INJECTED) == TraceLayout.FLAG_INJECTED;
  }

  default boolean atEntry() {
    return (flags() & TraceLayout.FLAG_AT_ENTRY) != 0;
  }

  /** The errno of a failed call (its return value in -4095..-1), else 0. */
  default int errno() {
    long r = ret();
    return r < 0 && r >= -4095 ? (int) -r : 0;
  }
}
