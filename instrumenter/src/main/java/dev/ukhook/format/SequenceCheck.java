package dev.ukhook.format;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Sequence accounting for one stream: received records, the sequence numbers never received (holes), records
 * received twice and records that arrived after a newer one. Mutable; one per stream.
 *
 * <p>The guest numbers every call and writes records in that order, dropping some in {@code drop} mode, so a
 * clean stream only ever moves forward. A record below the highest one received either fills a hole (out of
 * order) or repeats a number already received (a duplicate). Only holes are remembered, so a stream without
 * drops costs one compare per record here.
 */
public final class SequenceCheck {
  // Holes kept, oldest forgotten first. A number below the oldest hole kept cannot be told apart as a
  // duplicate or a late record; it is counted out of order (either way the stream is damaged).
  private static final int MAX_HOLES = 1 << 16;

  /**
   * The bits of a seq a guest writes: it numbers calls from 0, 2^48 of them take years at millions a second,
   * and its tickets keep only 48 bits of a record's seq (ukhook_ticket in
   * templates/libukhook/include/ukhook/stream.h.ftl), past which calls would lose their records' returns. A seq
   * beyond is a corrupted record ({@link StreamDecoder} stops there), which keeps every count here below 2^48.
   */
  public static final long SEQ_MASK = (1L << 48) - 1;

  // Holes below `next` as [start, end), keyed by start.
  private final TreeMap<Long, Long> holes = new TreeMap<>();
  private long forgottenBelow;
  private long received;
  private long duplicates;
  private long outOfOrder;
  private long holeCount;
  private long next;
  private long lastSeq = -1;
  // The time of the record of the highest seq so far; 0 before the first, as the guest's clock starts at boot.
  private long latestT;

  /** The seq of the next record of a stream without gaps. */
  public long next() {
    return next;
  }

  /**
   * Why a record of {@code seq} at time {@code t} cannot follow the records so far, or null when it can. A guest
   * skips a seq only for a call whose record it dropped, and it makes no more calls than its clock ticks (a call
   * takes hundreds of ticks), give or take {@code slack} records (the ring's) for a clock that stands still: a
   * jump beyond is a corrupted seq, never billions of records missing.
   */
  public String jumpProblem(long seq, long t, long slack) {
    long ticks = Math.max(0, t - latestT);
    if (seq <= next || seq - next <= ticks + slack) {
      return null;
    }
    return "a record has seq " + seq + ", " + (seq - next) + " after the " + next + " expected, but the guest's"
        + " clock ticked only " + ticks + " times since the record before: the record is corrupted";
  }

  /** {@link #accept(long)} of a record taken at time {@code t} ({@link #jumpProblem}). */
  public boolean accept(long seq, long t) {
    if (seq >= next) {
      latestT = t;
    }
    return accept(seq);
  }

  /**
   * Accounts for one syscall record; returns false for a duplicate, which callers must not count again.
   * Sequence numbers are u64, compared unsigned; the decoder lets none beyond {@link #SEQ_MASK} through.
   */
  public boolean accept(long seq) {
    lastSeq = seq;
    if (seq == next) {
      next++;
      received++;
      return true;
    }
    if (Long.compareUnsigned(seq, next) > 0) {
      addHole(next, seq);
      next = seq + 1;
      received++;
      return true;
    }
    if (fillHole(seq) || Long.compareUnsigned(seq, forgottenBelow) < 0) {
      outOfOrder++;
      received++;
      return true;
    }
    duplicates++;
    return false;
  }

  private void addHole(long start, long end) {
    holes.put(start, end);
    holeCount += end - start;
    if (holes.size() > MAX_HOLES) {
      Map.Entry<Long, Long> oldest = holes.pollFirstEntry();
      forgottenBelow = oldest.getValue();
      holeCount -= oldest.getValue() - oldest.getKey();
    }
  }

  private boolean fillHole(long seq) {
    Map.Entry<Long, Long> h = holes.floorEntry(seq);
    if (h == null || Long.compareUnsigned(seq, h.getValue()) >= 0) {
      return false;
    }
    holes.remove(h.getKey());
    if (h.getKey() != seq) {
      holes.put(h.getKey(), seq);
    }
    if (seq + 1 != h.getValue()) {
      holes.put(seq + 1, h.getValue());
    }
    holeCount--;
    return true;
  }

  /** Distinct syscall records received (duplicates not counted). */
  public long received() {
    return received;
  }

  /** The last record's seq, -1 before the first. */
  public long lastSeq() {
    return lastSeq;
  }

  /** The accounting so far; {@code ringRecords} is the header's, for the plausibility of the final record. */
  public TraceStats stats(long ringRecords, Optional<FinalRecord> finalRecord) {
    return new TraceStats(received, duplicates, outOfOrder, holeCount, next, ringRecords, finalRecord);
  }
}
