package dev.ukhook.format;

import java.util.List;
import java.util.Optional;

/**
 * A decoded trace: every whole record before any damage.
 *
 * @param records the syscall records in stream order; empty when they went to a sink instead
 * @param bytes the stream's length, decoded or not
 */
public record DecodedTrace(
    TraceHeader header, List<SyscallRecord> records, TraceStats stats, Optional<Damage> damage, long bytes) {

  public DecodedTrace {
    records = List.copyOf(records);
  }

  public Optional<FinalRecord> finalRecord() {
    return stats.finalRecord();
  }

  /** Syscall records decoded, also when they went to a sink. */
  public long received() {
    return stats.received();
  }
}
