package dev.ukhook.format;

import java.util.Optional;

/**
 * Sequence-number accounting for one trace.
 *
 * @param received syscall records decoded
 * @param gaps sum of the jumps in {@code seq}: sequence numbers never received, counted from 0 up to the
 *     last record, or up to the final record's total when there is one
 * @param outOfOrder records whose {@code seq} was not above every earlier one (the guest never writes these)
 * @param finalRecord the guest's own count, absent when it did not shut down cleanly
 */
public record TraceStats(long received, long gaps, long outOfOrder, Optional<FinalRecord> finalRecord) {

  public static final TraceStats EMPTY = new TraceStats(0, 0, 0, Optional.empty());

  /** Records the guest says it dropped; 0 without a final record (then they are part of {@link #missing()}). */
  public long dropped() {
    return finalRecord.map(FinalRecord::dropped).orElse(0L);
  }

  /**
   * Records lost between the guest and the host: {@code total - dropped - received} with a final record.
   * Without one the guest's drops cannot be told apart from losses, so this is the {@link #gaps()}: missing or
   * dropped.
   */
  public long missing() {
    return finalRecord.map(f -> f.total() - f.dropped() - received).orElse(gaps);
  }

  /** Whether {@link #missing()} is exact (a final record arrived) or includes guest drops. */
  public boolean missingIsExact() {
    return finalRecord.isPresent();
  }
}
