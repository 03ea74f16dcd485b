package dev.ukhook.format;

import java.util.Optional;

/** Counts received records and the jumps in their sequence numbers. Mutable; one per stream. */
public final class SequenceCheck {
  private long received;
  private long next;
  private long gaps;
  private long outOfOrder;
  private long lastSeq = -1;

  /** Accounts for one syscall record. */
  public void accept(long seq) {
    received++;
    lastSeq = seq;
    // Unsigned because seq is a u64; in practice it never reaches 2^63.
    if (Long.compareUnsigned(seq, next) >= 0) {
      gaps += seq - next;
      next = seq + 1;
    } else {
      outOfOrder++;
    }
  }

  /** Accounts for the final record, whose seq is the number of syscalls seen: the records after the last one. */
  public void acceptFinal(long totalSeq) {
    if (Long.compareUnsigned(totalSeq, next) > 0) {
      gaps += totalSeq - next;
      next = totalSeq;
    }
  }

  public long received() {
    return received;
  }

  public long gaps() {
    return gaps;
  }

  /** The last record's seq, -1 before the first. */
  public long lastSeq() {
    return lastSeq;
  }

  public TraceStats stats(Optional<FinalRecord> finalRecord) {
    return new TraceStats(received, gaps, outOfOrder, finalRecord);
  }
}
