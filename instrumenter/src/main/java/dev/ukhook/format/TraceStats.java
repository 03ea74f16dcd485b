package dev.ukhook.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Sequence-number accounting for one trace, and what it says about the trace's integrity.
 *
 * @param received distinct syscall records received
 * @param duplicates records whose sequence number had already been received (not counted in {@code received})
 * @param outOfOrder records that arrived after a newer one (the guest never writes these)
 * @param holes sequence numbers below the highest one received that never arrived
 * @param seqEnd the highest sequence number received + 1; 0 before the first record
 * @param ringRecords the guest ring's capacity (header), which bounds what can go missing after the last record
 * @param finalRecord the guest's own count, absent when it did not shut down cleanly
 */
public record TraceStats(
    long received,
    long duplicates,
    long outOfOrder,
    long holes,
    long seqEnd,
    long ringRecords,
    Optional<FinalRecord> finalRecord) {

  public static final TraceStats EMPTY = new TraceStats(0, 0, 0, 0, 0, 0, Optional.empty());

  /** The final record if it is consistent with itself and with the records received. */
  public Optional<FinalRecord> trustedFinal() {
    return finalRecord.filter(f -> finalProblems(f).isEmpty());
  }

  /** Records the guest says it dropped; 0 without a trusted final record (then they are part of {@link #missing()}). */
  public long dropped() {
    return trustedFinal().map(FinalRecord::dropped).orElse(0L);
  }

  /**
   * Sequence numbers never received: the holes, and with a trusted final record also those after the last
   * record up to its total. Dropped records are among them.
   */
  public long gaps() {
    return holes + trustedFinal().map(f -> f.total() - seqEnd).orElse(0L);
  }

  /**
   * Records lost between the guest and the host: {@code total - dropped - received} with a trusted final
   * record. Without one the guest's drops cannot be told apart from losses, so this is the {@link #holes()}:
   * missing or dropped, before the last record received.
   */
  public long missing() {
    return trustedFinal().map(f -> f.total() - f.dropped() - received).orElse(holes);
  }

  /** Whether {@link #missing()} is exact (a trusted final record arrived) or includes guest drops. */
  public boolean missingIsExact() {
    return trustedFinal().isPresent();
  }

  /**
   * Everything that makes this trace's counts untrustworthy, one line each saying what and what it means:
   * duplicated or reordered records, a missing or impossible final record, records missing. Empty for a clean
   * trace. Damage to the byte stream itself is reported by the decoder ({@link Damage}).
   */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    if (duplicates > 0) {
      p.add(duplicates + " records arrived twice (a sequence number already received): the stream was replayed"
          + " or corrupted; each call is counted once");
    }
    if (outOfOrder > 0) {
      p.add(outOfOrder + " records arrived out of order (a sequence number below a newer one): the guest writes in"
          + " order, so the stream was reordered or corrupted");
    }
    if (finalRecord.isEmpty()) {
      p.add("no final record: the guest did not shut down cleanly or the stream was cut, so its totals are"
          + " unknown; " + holes + " records are missing or dropped before the last one received, and any after"
          + " it cannot be counted");
      return p;
    }
    List<String> bad = finalProblems(finalRecord.get());
    p.addAll(bad);
    if (bad.isEmpty() && missing() > 0) {
      p.add(missing() + " records missing: sent by the guest but never received");
    }
    return p;
  }

  private List<String> finalProblems(FinalRecord f) {
    List<String> p = new ArrayList<>();
    String corrupted = ": the final record is corrupted";
    if (Long.compareUnsigned(f.total(), SequenceCheck.SEQ_MASK + 1) > 0) {
      p.add("the final record counts " + u(f.total()) + " calls, beyond the 2^48 a guest numbers" + corrupted);
    }
    if (f.seq() != f.total()) {
      p.add("the final record's seq " + u(f.seq()) + " differs from its total " + u(f.total()) + corrupted);
    }
    if (Long.compareUnsigned(f.dropped(), f.total()) > 0) {
      p.add("the final record says " + u(f.dropped()) + " records dropped of " + u(f.total())
          + " calls in total, which is impossible" + corrupted);
    } else if (f.emitted() != f.total() - f.dropped()) {
      p.add("the final record says " + u(f.emitted()) + " records emitted, but total " + u(f.total())
          + " - dropped " + u(f.dropped()) + " = " + u(f.total() - f.dropped()) + corrupted);
    }
    if (Long.compareUnsigned(received, f.total()) > 0) {
      p.add(received + " distinct records arrived but the final record counts only " + u(f.total())
          + " calls: the final record or the stream is corrupted");
    } else if (Long.compareUnsigned(f.dropped(), f.total()) <= 0
        && Long.compareUnsigned(received, f.total() - f.dropped()) > 0) {
      p.add(received + " distinct records arrived but the final record says only " + u(f.total() - f.dropped())
          + " were sent (total - dropped): the final record or the stream is corrupted");
    }
    if (Long.compareUnsigned(seqEnd, f.total()) > 0) {
      p.add("a record has seq " + u(seqEnd - 1) + " but the final record counts " + u(f.total())
          + " calls: a record or the final record is corrupted");
    } else {
      // After the last record received, a record is either dropped (counted) or lost in transit, and the guest
      // never has more than a ring of records in transit: anything beyond that is a corrupted total.
      long after = f.total() - seqEnd;
      long bound = Long.compareUnsigned(f.dropped(), f.total()) <= 0 ? f.dropped() + ringRecords : ringRecords;
      if (Long.compareUnsigned(after, bound) > 0) {
        p.add("the final record counts " + u(f.total()) + " calls, " + u(after) + " after the last record received,"
            + " more than its " + u(f.dropped()) + " dropped plus a whole ring (" + ringRecords + ")"
            + corrupted);
      }
    }
    return p;
  }

  private static String u(long v) {
    return Long.toUnsignedString(v);
  }
}
