package dev.ukhook.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.format.DecodedTrace;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceDecoder;
import dev.ukhook.format.TraceStats;
import dev.ukhook.format.Traces;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** `collect` finds the same problems in a trace as `report` (TraceStats#problems), plus its own. */
class CollectResultTest {
  private static final Path SOCKET = Path.of("/tmp/u.sock");
  private static final Path TRACE = Path.of("/tmp/trace.ukt");

  private static CollectResult collected(byte[] bytes) {
    DecodedTrace t = TraceDecoder.decode(ByteBuffer.wrap(bytes));
    return new CollectResult(SOCKET, TRACE, CollectResult.End.PEER_CLOSED, bytes.length, Optional.of(t.header()),
        t.stats(), t.damage());
  }

  private static byte[] trace(FinalRecord fin, long... seqs) {
    List<SyscallRecord> rs = LongStream.of(seqs).mapToObj(s -> Traces.record(s, 39, 0x1000)).toList();
    return Traces.encode(Traces.header(4), rs, fin);
  }

  @Test
  void aCleanTraceHasNoProblems() {
    assertEquals(List.of(), collected(trace(new FinalRecord(3, 0, 3, 9), 0, 1, 2)).problems());
  }

  @Test
  void theSameLinesAsTheReport() {
    byte[] replayed = trace(new FinalRecord(3, 0, 3, 9), 0, 1, 2, 1);
    CollectResult r = collected(replayed);
    assertEquals(TraceDecoder.decode(ByteBuffer.wrap(replayed)).problems(), r.problems());
    assertTrue(r.problems().get(0).startsWith("1 records arrived twice"), r.problems().toString());
    assertTrue(r.summary().endsWith("; 0 dropped by the guest, 0 missing"), r.summary());
  }

  @Test
  void aCorruptedFinalRecordIsNotSummarisedAsExact() {
    CollectResult r = collected(trace(new FinalRecord(3, 103, 0, 9), 0, 1, 2));
    assertEquals(1, r.problems().size());
    assertTrue(r.summary().endsWith("; the final record is corrupted, 0 missing or dropped"), r.summary());
  }

  @Test
  void damageComesFirstAndNoConnectionIsAProblem() {
    byte[] bytes = trace(null, 0, 1);
    CollectResult cut = collected(Arrays.copyOf(bytes, bytes.length - 3));
    assertEquals("connection closed after 1 records, 117 trailing bytes of a partial record", cut.problems().get(0));
    assertTrue(cut.problems().get(1).startsWith("no final record"), cut.problems().toString());

    CollectResult none = new CollectResult(SOCKET, TRACE, CollectResult.End.NO_CONNECTION, 0, Optional.empty(),
        TraceStats.EMPTY, Optional.empty());
    assertEquals(List.of("no connection on /tmp/u.sock: QEMU never connected, nothing was traced"), none.problems());
  }
}
