package dev.ukhook.format;

import static dev.ukhook.format.Traces.encode;
import static dev.ukhook.format.Traces.header;
import static dev.ukhook.format.Traces.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Sequence accounting and the final record's totals: every way the counts of a trace can be wrong is a problem
 * line (issue 6, defects 5 to 7), and the counts printed never go negative or absurd.
 */
class TraceIntegrityTest {
  private static final TraceHeader H = header(2);

  private static List<SyscallRecord> records(long... seqs) {
    return LongStream.of(seqs).mapToObj(s -> record(s, 39, 0x101000)).toList();
  }

  private static DecodedTrace decode(List<SyscallRecord> records, FinalRecord fin) {
    return TraceDecoder.decode(ByteBuffer.wrap(encode(H, records, fin)));
  }

  @Test
  void aCleanTraceHasNoProblems() {
    DecodedTrace t = decode(records(0, 1, 2), new FinalRecord(3, 0, 3, 9));
    assertEquals(List.of(), t.problems());
    assertTrue(t.stats().missingIsExact());
  }

  @Test
  void guestDropsAreNotAProblem() {
    DecodedTrace t = decode(records(0, 2), new FinalRecord(4, 2, 2, 9));
    assertEquals(List.of(), t.problems());
    assertEquals(2, t.stats().dropped());
    assertEquals(2, t.stats().gaps());
  }

  @Test
  void recordsMissingAreAProblem() {
    DecodedTrace t = decode(records(0, 1, 2), new FinalRecord(5, 0, 5, 9));
    assertEquals(List.of("2 records missing: sent by the guest but never received"), t.problems());
  }

  @Test
  void replayedRecordsAreDuplicatesNotNegativeMissing() {
    // Defect 6: three records replayed gave "-3 missing".
    DecodedTrace t = decode(records(0, 1, 2, 0, 1, 2), new FinalRecord(3, 0, 3, 9));
    assertEquals(3, t.received());
    assertEquals(3, t.stats().duplicates());
    assertEquals(0, t.stats().missing());
    assertEquals(1, t.problems().size());
    assertTrue(t.problems().get(0).startsWith("3 records arrived twice"), t.problems().toString());
  }

  @Test
  void moreDropsThanCallsIsImpossible() {
    // Defect 6: a final record claiming more drops than records gave "-100 missing".
    DecodedTrace t = decode(records(0, 1, 2), new FinalRecord(3, 103, 0, 9));
    assertEquals(List.of(
        "the final record says 103 records dropped of 3 calls in total, which is impossible: the final record is"
            + " corrupted"), t.problems());
    assertFalse(t.stats().missingIsExact());
    assertEquals(0, t.stats().missing(), "without a trusted final record, missing counts the holes only");
  }

  @Test
  void aBitFlipInTheTotalIsCaughtAndNeverPrintedAsMissing() {
    // Defect 6: bit flips gave "2199023255552 missing".
    long flipped = 3 | 1L << 41;
    DecodedTrace t = decode(records(0, 1, 2), new FinalRecord(flipped, 0, 3, 9, 3));
    assertEquals(List.of(
        "the final record says 3 records emitted, but total 2199023255555 - dropped 0 = 2199023255555: the final"
            + " record is corrupted",
        "the final record counts 2199023255555 calls, 2199023255552 after the last record received, more than its 0"
            + " dropped plus a whole ring (4096): the final record is corrupted"), t.problems());
    assertEquals(0, t.stats().missing());
  }

  @Test
  void aConsistentlyCorruptedTotalIsImplausible() {
    long total = 1L << 41;
    DecodedTrace t = decode(records(0, 1, 2), new FinalRecord(total, 0, total, 9));
    assertEquals(1, t.problems().size(), t.problems().toString());
    assertTrue(t.problems().get(0).contains("more than its 0 dropped plus a whole ring (4096)"));
  }

  @Test
  void finalTotalBelowTheRecordsReceivedIsImpossible() {
    DecodedTrace t = decode(records(0, 1, 2, 3), new FinalRecord(2, 0, 2, 9));
    assertEquals(List.of(
        "4 distinct records arrived but the final record counts only 2 calls: the final record or the stream is"
            + " corrupted",
        "a record has seq 3 but the final record counts 2 calls: a record or the final record is corrupted"),
        t.problems());
  }

  @Test
  void moreRecordsThanTheGuestSentIsImpossible() {
    DecodedTrace t = decode(records(0, 1, 2, 3), new FinalRecord(4, 2, 2, 9));
    assertEquals(List.of(
        "4 distinct records arrived but the final record says only 2 were sent (total - dropped): the final record"
            + " or the stream is corrupted"), t.problems());
  }

  @Test
  void aRecordBeyondTheTotalIsImpossible() {
    DecodedTrace t = decode(records(0, 1, 9), new FinalRecord(3, 0, 3, 9));
    assertEquals(List.of(
        "a record has seq 9 but the final record counts 3 calls: a record or the final record is corrupted"),
        t.problems());
  }

  @Test
  void noFinalRecordIsAProblemWhereverTheStreamEnds() {
    // Defect 7: header only, or cut at a record boundary, exited 0 with nothing on stderr.
    DecodedTrace headerOnly = decode(List.of(), null);
    assertEquals(List.of("no final record: the guest did not shut down cleanly or the stream was cut, so its"
        + " totals are unknown; 0 records are missing or dropped before the last one received, and any after it"
        + " cannot be counted"), headerOnly.problems());

    DecodedTrace cut = decode(records(0, 1, 3), null);
    assertEquals(1, cut.problems().size());
    assertTrue(cut.problems().get(0).contains("; 1 records are missing or dropped before"), cut.problems().get(0));
    assertEquals(1, cut.stats().missing());
  }

  @Test
  void damageComesFirst() {
    byte[] bytes = encode(H, records(0, 1), null);
    DecodedTrace t = TraceDecoder.decode(ByteBuffer.wrap(bytes, 0, bytes.length - 5));
    assertEquals(2, t.problems().size());
    assertEquals("the trace is damaged: the stream ends 99 bytes into a 104-byte record (byte offset 168, after 1"
        + " records)", t.problems().get(0));
  }

  @Test
  void manyHolesStayBoundedAndLateRecordsStillCount() {
    // Every other record dropped: one hole per record, more than the accounting keeps.
    SequenceCheck s = new SequenceCheck();
    int n = 200_000;
    for (long seq = 0; seq < 2L * n; seq += 2) {
      assertTrue(s.accept(seq));
    }
    assertEquals(n, s.received());
    assertTrue(s.accept(1), "a record below every hole kept is late, not a duplicate");
    assertTrue(s.accept(2L * n - 3), "fills a hole still kept");
    assertEquals(false, s.accept(2L * n - 2), "already received");
    TraceStats st = s.stats(4096, java.util.Optional.empty());
    assertEquals(2, st.outOfOrder());
    assertEquals(1, st.duplicates());
  }

  @Test
  void outOfOrderFillsSplitHoles() {
    SequenceCheck s = new SequenceCheck();
    List<Boolean> fresh = new ArrayList<>();
    for (long seq : new long[] {0, 10, 5, 6, 9, 1, 5}) {
      fresh.add(s.accept(seq));
    }
    assertEquals(List.of(true, true, true, true, true, true, false), fresh);
    TraceStats st = s.stats(16, java.util.Optional.empty());
    assertEquals(4, st.outOfOrder());
    assertEquals(1, st.duplicates());
    assertEquals(5, st.holes()); // 2, 3, 4, 7, 8
    assertEquals(11, st.seqEnd());
  }
  /**
   * Issue 18, defect 3: seqs read as signed gave "0 missing" with a record gone, "-20 missing", absurd counts. A
   * record holds its seq modulo 2^32, read as the nearest to the one expected: one that falls before the first is
   * damage, never a count.
   */
  @Test
  void aSeqBeforeTheFirstIsDamageNeverACount() {
    long[][] cases = {
      {0, 1, 2, 3, 4, 0xffffffffL, 6, 7, 8, 9}, // 2^32-1 in place of 5: seq -1
      {0, 1, 2, 3, 4, 0xfffffff0L, 6}, // seq -16
    };
    for (long[] seqs : cases) {
      DecodedTrace t = decode(records(seqs), new FinalRecord(seqs.length, 0, seqs.length, 9));
      long seq = (int) seqs[5];
      String detail = "a record has seq " + seq + " (" + seqs[5] + " modulo 2^32), before the first: the record is"
          + " corrupted";
      assertEquals(new Damage(Damage.Kind.BAD_RECORD, 64 + 5 * H.recordSize(), 5,
          (seqs.length - 5L + 1) * H.recordSize(), detail), t.damage().orElseThrow(), detail);
      assertEquals(5, t.received());
      assertEquals(0, t.stats().missing());
      assertEquals(List.of("the trace is damaged: " + detail + " (byte offset " + (64 + 5 * H.recordSize())
          + ", after 5 records)", "no final record: the guest did not shut down cleanly or the stream was cut, so its"
              + " totals are unknown; 0 records are missing or dropped before the last one received, and any after it"
              + " cannot be counted"), t.problems());
    }
  }

  /**
   * Issue 18, defect 3: a seq with bit 41 flipped passed as 2^41 records missing. A guest skips no more seqs than
   * its clock ticks (here 100 from a record to the next), give or take a ring of records (4096).
   */
  @Test
  void aSeqThatJumpsFurtherThanTheClockTickedIsDamage() {
    long flipped = 5 | 1L << 29;
    List<SyscallRecord> rs = new ArrayList<>(records(0, 1, 2, 3, 4));
    rs.add(new SyscallRecord(flipped, 500, 507, 39, 0, new long[6], 0, 0x101000, new long[0]));
    rs.add(record(6, 39, 0x101000));
    DecodedTrace t = decode(rs, new FinalRecord(7, 0, 7, 9));
    assertEquals(new Damage(Damage.Kind.BAD_RECORD, 64 + 5 * H.recordSize(), 5, 3L * H.recordSize(),
        "a record has seq 536870917, 536870912 after the 5 expected, but the guest's clock ticked only 100"
            + " times since the record before: the record is corrupted"), t.damage().orElseThrow());
    assertEquals(0, t.stats().missing());
    // As far as the clock and a ring allow is a plausible burst of drops.
    rs.set(5, new SyscallRecord(5 + 100 + 4096, 500, 507, 39, 0, new long[6], 0, 0x101000, new long[0]));
    rs.remove(6);
    DecodedTrace drops = decode(rs, null);
    assertEquals(java.util.Optional.empty(), drops.damage());
    assertEquals(4196, drops.stats().holes());
  }

  /** An exit_group's record is committed at entry: its return time is never read, so it is no damage. */
  @Test
  void anAtEntryRecordsReturnTimeIsNotChecked() {
    List<SyscallRecord> rs = new ArrayList<>(records(0));
    rs.add(new SyscallRecord(1, 2200, 0, 231, TraceLayout.FLAG_AT_ENTRY, new long[6], 0, 0x101000, new long[0]));
    assertEquals(List.of(), decode(rs, new FinalRecord(2, 0, 2, 9)).problems());
  }

  /** Issue 18, defect 3: a final record counting 2^62 calls, 2^62 - 3 of them dropped, passed as consistent. */
  @Test
  void aFinalRecordBeyondWhatAGuestNumbersIsCorrupted() {
    long total = 1L << 62;
    DecodedTrace t = decode(records(0, 1, 2), new FinalRecord(total, total - 3, 3, 9));
    assertEquals(List.of("the final record counts 4611686018427387904 calls, beyond the 2^48 a guest numbers: the"
        + " final record is corrupted"), t.problems());
    assertEquals(0, t.stats().dropped());
    assertFalse(t.stats().missingIsExact());
  }

  /** Issue 18, defect 12: a return before the entry printed a latency of -0.32 s; a maximal entry a bogus p99. */
  @Test
  void impossibleTimestampsAreDamage() {
    long late = Long.MAX_VALUE - 10;
    SyscallRecord overflowing = new SyscallRecord(2, late, late + (1L << 40), 39, 0, new long[6], 0, 0x101000,
        new long[0]);
    SyscallRecord maximal = new SyscallRecord(2, -1L, 9_500L, 39, 0, new long[6], 0, 0x101000, new long[0]);
    SyscallRecord bothMaximal = new SyscallRecord(2, -2L, -1L, 39, 0, new long[6], 0, 0x101000, new long[0]);
    String[] expected = {
      "syscall record seq 2 entered at tick 9223372036854775797 and lasted 1099511627776 ticks, beyond the 2^63 ticks"
          + " a clock started at boot can reach: the record is corrupted",
      "syscall record seq 2 has timestamp 18446744073709551615, beyond the 2^63 ticks a clock started at boot can"
          + " reach: the record is corrupted",
      "syscall record seq 2 has timestamp 18446744073709551614, beyond the 2^63 ticks a clock started at boot can"
          + " reach: the record is corrupted",
    };
    SyscallRecord[] bad = {overflowing, maximal, bothMaximal};
    for (int i = 0; i < bad.length; i++) {
      List<SyscallRecord> rs = new ArrayList<>(records(0, 1));
      rs.add(bad[i]);
      rs.add(record(3, 39, 0x101000));
      DecodedTrace t = decode(rs, new FinalRecord(4, 0, 4, 9));
      assertEquals(new Damage(Damage.Kind.BAD_RECORD, 64 + 2 * H.recordSize(), 2, 3L * H.recordSize(),
          expected[i]), t.damage().orElseThrow());
      assertEquals(2, t.records().size());
    }
    // A call that took no time at all is possible (a coarse clock).
    DecodedTrace same = decode(List.of(new SyscallRecord(0, 5, 5, 39, 0, new long[6], 0, 0x101000, new long[0])),
        new FinalRecord(1, 0, 1, 9));
    assertEquals(List.of(), same.problems());
  }

  /**
   * Hostile bytes: every byte of a compact trace (40-byte records) set to each of a few values is a header refused in
   * one line, or decodes without an exception, counts every byte and never claims more records than were written;
   * what it cannot trust is damage or a problem, never a silent count.
   */
  @Test
  void anyByteOfACompactTraceDamagedIsDecodedToTheDamage() {
    TraceHeader compact = TraceHeader.of(0, 1_000_000_000L, Traces.IMAGE_ID, 4096, TraceHeader.Overflow.BLOCK)
        .withTail(0, 0, 0);
    List<SyscallRecord> rs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      rs.add(new SyscallRecord(i, 100L * i, 100L * i + 7, 39 + i, TraceLayout.PATH_BINARY, i % 3, 0, new long[0],
          -i, 0x101000 + i, new long[0], SyscallRecord.Tail.NONE, i % 5, 1 + i % 2));
    }
    byte[] good = encode(compact, rs, new FinalRecord(20, 0, 20, 5000));
    assertEquals(64 + 21 * 40, good.length);
    assertEquals(List.of(), TraceDecoder.decode(ByteBuffer.wrap(good)).problems());
    for (int at = 0; at < good.length; at++) {
      for (byte v : new byte[] {0, (byte) 0xff, (byte) (good[at] ^ 0x80), (byte) (good[at] + 1)}) {
        byte[] bad = good.clone();
        bad[at] = v;
        String where = "byte " + at + " = " + v;
        DecodedTrace t;
        try {
          t = TraceDecoder.decode(ByteBuffer.wrap(bad));
        } catch (dev.ukhook.core.UkhookException e) {
          // A header it cannot read is refused in one line.
          assertTrue(at < TraceLayout.HEADER_SIZE && e.getMessage().startsWith("cannot read trace: ")
              && e.getMessage().lines().count() == 1, where + ": " + e.getMessage());
          continue;
        }
        assertEquals(bad.length, t.bytes(), where);
        assertTrue(t.received() <= 20, where);
        if (t.damage().isEmpty() && t.problems().isEmpty()) {
          assertEquals(20, t.received(), where + ": a trace read without a problem has all its records");
        }
      }
    }
  }

  @Test
  void anImpossibleClockRateIsABadHeader() {
    byte[] bytes = encode(TraceHeader.of(2, -1L, Traces.IMAGE_ID, 4096, TraceHeader.Overflow.BLOCK), records(0),
        new FinalRecord(1, 0, 1, 9));
    dev.ukhook.core.UkhookException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.ukhook.core.UkhookException.class, () -> TraceDecoder.decode(ByteBuffer.wrap(bytes)));
    assertEquals("cannot read trace: ts_hz is 18446744073709551615 ticks per second, beyond the 2^40 (1.1 THz) of"
        + " any clock a guest reads", e.getMessage());
    for (long hz : new long[] {0, 3_000_000_000L, 1L << 40}) {
      byte[] ok = encode(TraceHeader.of(2, hz, Traces.IMAGE_ID, 4096, TraceHeader.Overflow.BLOCK), records(0),
          new FinalRecord(1, 0, 1, 9));
      assertEquals(hz, TraceDecoder.decode(ByteBuffer.wrap(ok)).header().tsHz(), "0 is a guest that could not"
          + " measure its clock (QEMU -icount)");
    }
  }
}
