package dev.ukhook.format;

import dev.ukhook.core.UkhookException.Kind;
import static dev.ukhook.format.Traces.encode;
import static dev.ukhook.format.Traces.header;
import static dev.ukhook.format.Traces.record;
import static org.junit.jupiter.api.Assertions.*;

import dev.ukhook.core.UkhookException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceDecoderTest {
  private static final TraceHeader H4 = header(4);
  private static final int R = 40 + 4 * 8 + 48; // the base, 4 frames, the arguments
  private static final List<SyscallRecord> THREE =
      List.of(
          record(0, 39, 0x115ac5L),
          record(1, 1, 0xffff_8000_0000_1000L, 0x116340L, 0x117000L),
          record(2, 231, 0x120000L, 1L, 2L, 3L, 4L));

  private static DecodedTrace decode(byte[] bytes) throws IOException {
    return TraceDecoder.decode(new ByteArrayInputStream(bytes));
  }

  @Test
  void handWrittenStreamDecodesFieldByField() throws IOException {
    DecodedTrace t = decode(Traces.hexResource("/trace/frames2-drop.hex"));

    assertEquals(HAND_HEADER, t.header());
    SyscallRecord r = t.records().get(0);
    assertEquals(HAND_RECORD, r);
    assertTrue(r.refused());
    assertEquals("getpid", r.name());
    assertEquals(TraceLayout.PATH_NATIVE_RAW, r.path());
    assertEquals(2, r.nest());
    assertEquals(Optional.of(new FinalRecord(3, 1, 2, 0x9999)), t.finalRecord());
    assertEquals(Optional.empty(), t.damage());
    assertEquals(272, t.bytes());
    assertEquals(1, t.received());
    assertEquals(2, t.stats().gaps()); // seq 1 and 2 never arrived
    assertEquals(1, t.stats().dropped());
    assertEquals(1, t.stats().missing()); // 3 total - 1 dropped - 1 received
  }

  private static final TraceHeader HAND_HEADER =
      new TraceHeader(4, 64, 104, 2, 6, 2_000_000_000L, "00112233445566778899aabbccddeeff", 1024,
          TraceHeader.Overflow.DROP, 1, 0x100000L, 0x12eb67L, 0, 0);
  private static final SyscallRecord HAND_RECORD =
      new SyscallRecord(0, 0x1000, 0x1234, 39, 1, 2, 1, new long[] {1, -1, 0, 0, 0, 0}, -38, 0x115ac5L,
          new long[] {0x116340L}, SyscallRecord.Tail.NONE, 3, 2);

  @Test
  void writerProducesTheHandWrittenBytes() throws IOException {
    byte[] expected = Traces.hexResource("/trace/frames2-drop.hex");
    assertArrayEquals(expected, encode(HAND_HEADER, List.of(HAND_RECORD), new FinalRecord(3, 1, 2, 0x9999)));
  }

  @Test
  void roundTripKeepsEveryFieldAndCountsNothingMissing() throws IOException {
    DecodedTrace t = decode(encode(H4, THREE, new FinalRecord(3, 0, 3, 999)));

    assertEquals(H4, t.header());
    assertEquals(THREE, t.records());
    assertEquals(3, t.received());
    assertEquals(0, t.stats().gaps());
    assertEquals(0, t.stats().missing());
    assertTrue(t.stats().missingIsExact());
    assertEquals(64 + 4 * R, t.bytes());
    assertEquals(Optional.empty(), t.damage());
  }

  @Test
  void anyChunkingDecodesTheSame() throws IOException {
    byte[] bytes = encode(H4, THREE, new FinalRecord(3, 0, 3, 999));
    for (int chunk = 1; chunk <= R + 1; chunk++) {
      List<SyscallRecord> got = new ArrayList<>();
      StreamDecoder d = new StreamDecoder(got::add);
      for (int at = 0; at < bytes.length; at += chunk) {
        d.feed(ByteBuffer.wrap(bytes, at, Math.min(chunk, bytes.length - at)).slice());
      }
      d.end();
      assertEquals(THREE, got, "chunk size " + chunk);
      assertEquals(Optional.of(new FinalRecord(3, 0, 3, 999)), d.finalRecord(), "chunk size " + chunk);
      assertEquals(Optional.empty(), d.damage(), "chunk size " + chunk);
      assertEquals(bytes.length, d.bytes());
    }
  }

  @Test
  void feedLeavesTheCallersByteOrderAndConsumesEverything() {
    ByteBuffer b = ByteBuffer.wrap(encode(H4, THREE, null)).order(ByteOrder.BIG_ENDIAN);
    StreamDecoder d = new StreamDecoder(null);
    d.feed(b);
    assertEquals(ByteOrder.BIG_ENDIAN, b.order());
    assertFalse(b.hasRemaining());
    assertEquals(3, d.received());
    assertEquals(2, d.lastSeq());
    assertEquals(2, d.work(), "getpid idles; write and exit_group are work, counted without a sink");
  }

  @Test
  void streamEndingMidRecordKeepsWholeRecordsAndReportsTheRest() throws IOException {
    byte[] full = encode(H4, THREE, null);
    DecodedTrace t = decode(Arrays.copyOf(full, 64 + 2 * R + 17));

    assertEquals(THREE.subList(0, 2), t.records());
    Damage d = t.damage().orElseThrow();
    assertEquals(Damage.Kind.TRUNCATED_RECORD, d.kind());
    assertEquals(64 + 2 * R, d.offset());
    assertEquals(2, d.records());
    assertEquals(17, d.undecodedBytes());
    assertEquals(
        "the stream ends 17 bytes into a 120-byte record (byte offset 304, after 2 records)", d.message());
    assertEquals(Optional.empty(), t.finalRecord());
  }

  @Test
  void streamEndingOnARecordBoundaryWithoutFinalRecordIsNotDamaged() throws IOException {
    DecodedTrace t =
        decode(encode(H4, List.of(record(0, 39, 1), record(1, 39, 1), record(5, 39, 1)), null));

    assertEquals(Optional.empty(), t.damage());
    assertEquals(Optional.empty(), t.finalRecord());
    assertEquals(3, t.stats().gaps());
    assertEquals(3, t.stats().missing()); // missing or dropped: seq 2, 3, 4
    assertEquals(0, t.stats().dropped());
    assertFalse(t.stats().missingIsExact());
  }

  @Test
  void gapsIncludeTheStartAndTheRecordsBeforeATrustedFinalRecord() throws IOException {
    List<SyscallRecord> rs = List.of(record(2, 0, 1), record(3, 0, 1), record(6, 0, 1), record(7, 0, 1));
    DecodedTrace t = decode(encode(H4, rs, new FinalRecord(10, 3, 7, 0)));

    assertEquals(2 + 2 + 2, t.stats().gaps()); // 0-1, 4-5, 8-9
    assertEquals(3, t.stats().dropped());
    assertEquals(10 - 3 - 4, t.stats().missing());
  }

  @Test
  void aRepeatedSequenceNumberIsADuplicateAndIsNotCountedTwice() throws IOException {
    List<SyscallRecord> rs = List.of(record(0, 0, 1), record(1, 0, 1), record(1, 0, 1), record(2, 0, 1));
    List<SyscallRecord> seen = new ArrayList<>();
    DecodedTrace t = TraceDecoder.decode(new ByteArrayInputStream(encode(H4, rs, new FinalRecord(3, 0, 3, 0))),
        seen::add);

    assertEquals(1, t.stats().duplicates());
    assertEquals(0, t.stats().outOfOrder());
    assertEquals(3, t.received());
    assertEquals(3, seen.size(), "the duplicate does not reach the sink");
    assertEquals(0, t.stats().missing());
    assertEquals(List.of("1 records arrived twice (a sequence number already received): the stream was replayed or"
        + " corrupted; each call is counted once"), t.problems());
  }

  @Test
  void aSequenceNumberFillingAnEarlierGapIsOutOfOrder() throws IOException {
    List<SyscallRecord> rs = List.of(record(0, 0, 1), record(2, 0, 1), record(3, 0, 1), record(1, 0, 1),
        record(1, 0, 1));
    DecodedTrace t = decode(encode(H4, rs, new FinalRecord(4, 0, 4, 0)));

    assertEquals(1, t.stats().outOfOrder());
    assertEquals(1, t.stats().duplicates(), "the second 1 repeats the one that filled the gap");
    assertEquals(0, t.stats().gaps());
    assertEquals(4, t.received());
    assertEquals(0, t.stats().missing());
    assertEquals(2, t.problems().size(), t.problems().toString());
    assertTrue(t.problems().get(1).startsWith("1 records arrived out of order"), t.problems().toString());
  }

  @Test
  void unknownKindStopsDecodingAtItsOffset() throws IOException {
    byte[] bytes = encode(H4, THREE, new FinalRecord(3, 0, 3, 0));
    bytes[64 + R + 28] = 7;
    DecodedTrace t = decode(bytes);

    assertEquals(THREE.subList(0, 1), t.records());
    Damage d = t.damage().orElseThrow();
    assertEquals(Damage.Kind.UNKNOWN_KIND, d.kind());
    assertEquals(64 + R, d.offset());
    assertEquals(3 * R, d.undecodedBytes());
    assertEquals("a record has kind 7, expected 1 (syscall), 2 (final), 3 (load), 4 (event), 5 (counts)",
        d.detail());
    assertEquals(Optional.empty(), t.finalRecord());
  }

  private static CountSnapshot.Cell cell(int nr, int lib, int phase, long calls, long errors) {
    long[] hist = new long[TraceLayout.HIST_BUCKETS];
    hist[TraceLayout.bucket(100)] = calls - 1;
    return new CountSnapshot.Cell(nr, lib, phase, calls, errors, 1, 2, 100 * (calls - 1),
        errors == 0 ? Map.of() : Map.of(11, errors), hist);
  }

  private static byte[] counted(CountSnapshot... snapshots) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TraceWriter w = new TraceWriter(out, H4);
    for (CountSnapshot c : snapshots) {
      w.counts(c);
    }
    w.end(new FinalRecord(0, 0, 0, 500));
    return out.toByteArray();
  }

  /** A counting image's stream: snapshots of cells, the last one final, in any chunking. */
  @Test
  void countsSnapshotsRoundTripAndTheLastIsTheRunsCount() throws IOException {
    CountSnapshot first = new CountSnapshot(0, 100, false, true, 0, List.of(cell(39, 3, 0, 10, 0)));
    CountSnapshot last = new CountSnapshot(0, 400, true, true, 0, List.of(cell(39, 3, 0, 12, 0),
        cell(0, 0x85, 1, 7, 3)));
    byte[] bytes = counted(first, last);
    assertEquals(64 + R + 344 + R + 2 * 344 + R, bytes.length);
    for (int chunk : new int[] {1, 7, 344, bytes.length}) {
      StreamDecoder d = new StreamDecoder(null);
      for (int at = 0; at < bytes.length; at += chunk) {
        d.feed(ByteBuffer.wrap(bytes, at, Math.min(chunk, bytes.length - at)));
      }
      d.end();
      assertEquals(Optional.empty(), d.damage(), "chunks of " + chunk);
      CountSnapshot got = d.counts().orElseThrow();
      assertEquals(List.of(39, 0), got.cells().stream().map(CountSnapshot.Cell::nr).toList());
      assertEquals(19, got.calls());
      assertTrue(got.finalSnapshot() && got.latency());
      CountSnapshot.Cell c = got.cells().get(1);
      assertEquals(List.of(0x85, 1, 7L, 3L, 1L, 2L, 600L, Map.of(11, 3L), 6L), List.of(c.lib(), c.phase(), c.calls(),
          c.errors(), c.refused(), c.nested(), c.ticks(), c.errnos(), c.returned()));
      assertEquals(7, d.work(), "the calls that are not idling (getpid is) are the collector's measure of work");
    }
    DecodedTrace t = decode(bytes);
    assertEquals(List.of(), t.problems());
    assertEquals(List.of(), t.records());
  }

  @Test
  void aDamagedCountsRecordStopsDecodingAndTheSnapshotBeforeItStays() throws IOException {
    CountSnapshot ok = new CountSnapshot(0, 100, false, true, 0, List.of(cell(39, 3, 0, 10, 0)));
    byte[] good = counted(ok, ok);
    int second = 64 + R + 344;
    byte[] tooMany = good.clone();
    ByteBuffer.wrap(tooMany).order(ByteOrder.LITTLE_ENDIAN).putInt(second + 16, 5000);
    byte[] notInUse = good.clone();
    notInUse[second + R + 3] = 0;
    byte[] moreErrors = good.clone();
    ByteBuffer.wrap(moreErrors).order(ByteOrder.LITTLE_ENDIAN).putLong(second + R + 16, 11);
    for (byte[] bad : List.of(tooMany, notInUse, moreErrors)) {
      DecodedTrace t = decode(bad);
      Damage d = t.damage().orElseThrow();
      assertEquals(Damage.Kind.BAD_RECORD, d.kind(), d.detail());
      assertEquals(10, t.counts().orElseThrow().calls(), "the first snapshot stays");
      assertTrue(d.detail().endsWith("the record is corrupted"), d.detail());
    }
    assertEquals("a counts record announces 5000 cells of 344 bytes; a guest sends at most 1024 of 344:"
        + " the record is corrupted", decode(tooMany).damage().orElseThrow().detail());
    DecodedTrace cut = decode(Arrays.copyOf(good, second + R + 100));
    assertEquals(Damage.Kind.TRUNCATED_RECORD, cut.damage().orElseThrow().kind());
    assertEquals("the stream ends 100 bytes into the 344 bytes of a counts record's cells",
        cut.damage().orElseThrow().detail());
    CountSnapshot overflowed = new CountSnapshot(0, 100, true, true, 4, List.of(cell(39, 3, 0, 10, 0)));
    assertEquals(List.of("4 calls found no free cell in the guest's table of 1024 counters and are counted nowhere"),
        decode(counted(overflowed)).problems());
  }

  @Test
  void dataAfterTheFinalRecordIsDamageButTheFinalRecordCounts() throws IOException {
    byte[] bytes = encode(H4, THREE, new FinalRecord(3, 0, 3, 0));
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 5);
    DecodedTrace t = decode(longer);

    assertEquals(THREE, t.records());
    assertTrue(t.finalRecord().isPresent());
    Damage d = t.damage().orElseThrow();
    assertEquals(Damage.Kind.DATA_AFTER_FINAL, d.kind());
    assertEquals(bytes.length, d.offset());
    assertEquals(5, d.undecodedBytes());
  }

  @Test
  void sinkReceivesRecordsInsteadOfTheResult() throws IOException {
    List<SyscallRecord> seen = new ArrayList<>();
    DecodedTrace t =
        TraceDecoder.decode(new ByteArrayInputStream(encode(H4, THREE, null)), seen::add);

    assertEquals(THREE, seen);
    assertEquals(List.of(), t.records());
    assertEquals(3, t.received());
  }

  @Test
  void byteBufferInputDecodes() {
    DecodedTrace t = TraceDecoder.decode(ByteBuffer.wrap(encode(H4, THREE, null)));
    assertEquals(THREE, t.records());
  }

  @Test
  void manyRecordsStreamThroughASinkWithoutBeingKept() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TraceWriter w = new TraceWriter(out, header(0));
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      w.syscall(new SyscallRecord(i, 0, 0, i % 400, 0, new long[6], 0, i, new long[0]));
    }
    w.end(new FinalRecord(n, 0, n, 0));
    long[] nrSum = {0};
    DecodedTrace t =
        TraceDecoder.decode(new ByteArrayInputStream(out.toByteArray()), rec -> nrSum[0] += rec.nr());

    assertEquals(n, t.received());
    assertEquals(0, t.stats().missing());
    assertEquals(500L * (399 * 400 / 2), nrSum[0]);
  }

  private static String headerError(byte[] bytes) {
    UkhookException e = assertThrows(UkhookException.class, () -> decode(bytes));
    assertEquals(Kind.FAILURE, e.kind());
    return e.getMessage();
  }

  @Test
  void wrongMagicIsRefusedInOneLine() {
    byte[] elf = encode(H4, THREE, null);
    System.arraycopy(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}, 0, elf, 0, 8);
    assertEquals(
        "cannot read trace: not a ukhook trace: it starts with bytes 7f 45 4c 46 02 01 01 00, expected \"UKHOOKTR\"",
        headerError(elf));

    byte[] text = "hello world, this is a serial console log and not a trace at all......."
        .getBytes(StandardCharsets.US_ASCII);
    assertEquals(
        "cannot read trace: not a ukhook trace: it starts with \"hello wo\", expected \"UKHOOKTR\"",
        headerError(text));
  }

  @Test
  void unsupportedVersionSizesAndValuesAreRefused() {
    byte[] v1 = encode(H4, THREE, null);
    v1[8] = 1;
    assertEquals(
        "cannot read trace: trace format version 1 is not supported: this ukhook reads version 4 only (version 4"
            + " records are compact, an older trace's are not); trace the app again with this ukhook",
        headerError(v1));
    byte[] older = encode(H4, THREE, null);
    older[8] = 3; // the format before compact records: refused in one line, never misread
    assertEquals(
        "cannot read trace: trace format version 3 is not supported: this ukhook reads version 4 only (version 4"
            + " records are compact, an older trace's are not); trace the app again with this ukhook",
        headerError(older));
    byte[] v3 = encode(H4, THREE, null);
    v3[8] = 5;
    assertEquals(
        "cannot read trace: trace format version 5 is not supported: this ukhook reads version 4; read it with a"
            + " newer ukhook",
        headerError(v3));

    byte[] hs = encode(H4, THREE, null);
    hs[10] = 80;
    assertEquals("cannot read trace: header_size is 80, format version 4 needs 64", headerError(hs));

    byte[] rs = encode(H4, THREE, null);
    rs[12] = 112;
    assertEquals(
        "cannot read trace: record_size is 112 but 4 frames, 6 argument words, 0 path words and 0 stack words need 120"
            + " (40 + 8 * (frames + words))", headerError(rs));

    byte[] sw = encode(H4, THREE, null);
    sw[47] = 2;
    assertEquals("cannot read trace: stack_words is 2: a stack area holds sp, bp and at least one word",
        headerError(sw));

    byte[] of = encode(H4, THREE, null);
    of[44] = 9;
    assertEquals("cannot read trace: overflow mode is 9, expected 0 (block), 1 (drop)", headerError(of));

    byte[] aw = encode(H4, THREE, null);
    aw[15] = 3;
    assertEquals("cannot read trace: arg_words is 3, expected 0 or 6", headerError(aw));

    byte[] hp = encode(H4, THREE, null);
    hp[45] = 8;
    assertEquals("cannot read trace: hook_points is 8, expected a combination of 1 (binary), 2 (native), 4 (process)",
        headerError(hp));

    byte[] text = encode(H4.withText(0x200000, 0x100000), THREE, null);
    assertEquals("cannot read trace: text_end 0x100000 is below text_start 0x200000", headerError(text));
  }

  @Test
  void nestingBeyondWhatTheRecordCountsIsKeptAsItsLimit() throws IOException {
    SyscallRecord deep = new SyscallRecord(0, 1, 2, 39, TraceLayout.PATH_NATIVE_ERRNO, 200, 0, new long[6], 0, 0x100,
        new long[0]);
    SyscallRecord got = decode(encode(H4, List.of(deep), null)).records().get(0);

    assertEquals(TraceLayout.NEST_MASK, got.nest(), "63 stands for 63 or more");
    assertEquals(TraceLayout.PATH_NATIVE_ERRNO, got.path(), "the path keeps its own bits");
  }

  @Test
  void pathNestAndTextBoundsRoundTrip() throws IOException {
    TraceHeader h = H4.withText(0x100000, 0x12eb67);
    List<SyscallRecord> rs = List.of(
        new SyscallRecord(0, 1, 2, 0xffff, TraceLayout.PATH_STUB, 3, 0, new long[6], -38, 0x100100, new long[0]),
        new SyscallRecord(1, 3, 4, 1030, TraceLayout.PATH_NATIVE_ERRNO, 63, 1, new long[6], 0, 0x100200,
            new long[] {0x100300}));
    DecodedTrace t = decode(encode(h, rs, new FinalRecord(2, 0, 2, 5)));

    assertEquals(h, t.header());
    assertEquals(rs, t.records());
    assertEquals("#0 <unknown native>(0x0, 0x0, 0x0, 0x0, 0x0, 0x0) = -38 stub nest=3 rip=0x100100",
        t.records().get(0).toString());
  }

  @Test
  void shortOrEmptyStreamIsRefused() {
    assertEquals("cannot read trace: the stream is empty: no trace header arrived", headerError(new byte[0]));
    assertEquals(
        "cannot read trace: the stream ends after 40 of the 64 header bytes",
        headerError(Arrays.copyOf(encode(H4, THREE, null), 40)));
  }

  @Test
  void headerOnlyIsAnEmptyTrace() throws IOException {
    DecodedTrace t = decode(encode(H4, List.of(), null));
    assertEquals(0, t.received());
    assertEquals(Optional.empty(), t.damage());
    assertEquals(1, t.problems().size());
    assertTrue(t.problems().get(0).startsWith("no final record"), t.problems().toString());
  }

  @Test
  void readNamesTheFileInErrors(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("trace.ukt");
    Files.write(file, new byte[10]);
    UkhookException bad = assertThrows(UkhookException.class, () -> TraceDecoder.read(file, r -> {}));
    assertEquals("cannot read trace " + file + ": the stream ends after 10 of the 64 header bytes", bad.getMessage());

    Path none = dir.resolve("none.ukt");
    UkhookException missing = assertThrows(UkhookException.class, () -> TraceDecoder.read(none, r -> {}));
    assertEquals("trace file " + none + " does not exist; pass the trace.ukt of a run", missing.getMessage());

    Files.write(file, encode(H4, THREE, null));
    List<SyscallRecord> got = new ArrayList<>();
    assertEquals(3, TraceDecoder.read(file, got::add).received());
    assertEquals(THREE, got);
    assertEquals(THREE, TraceDecoder.read(file).records());
  }

  @Test
  void flagsSayRefusedAndLeafFrame() {
    SyscallRecord leaf = new SyscallRecord(0, 0, 0, 1, 2, new long[6], 0, 0x10, new long[] {0x20});
    SyscallRecord both = new SyscallRecord(0, 0, 0, 1, 3, new long[6], 0, 0x10, new long[] {0x20});
    assertTrue(leaf.leafFrame());
    assertFalse(leaf.refused());
    assertTrue(both.leafFrame() && both.refused());
    assertEquals("#0 write(0x0, 0x0, 0x0, 0x0, 0x0, 0x0) = 0 refused leaf rip=0x10 <- 0x20", both.toString());
  }

  @Test
  void recordsAreImmutable() {
    long[] args = {1, 2, 3, 4, 5, 6};
    long[] frames = {7};
    SyscallRecord r = new SyscallRecord(0, 0, 0, 1, 0, args, 0, 0, frames);
    args[0] = 99;
    frames[0] = 99;
    r.args()[1] = 99;
    r.frames()[0] = 98;
    assertArrayEquals(new long[] {1, 2, 3, 4, 5, 6}, r.args());
    assertArrayEquals(new long[] {7}, r.frames());
  }

  @Test
  void headerValidatesAndNormalisesTheImageId() {
    assertEquals(
        "0123456789abcdef0123456789abcdef",
        TraceHeader.of(4, 0, "0123456789ABCDEF0123456789ABCDEF", 1, TraceHeader.Overflow.BLOCK).imageId());
    assertThrows(
        IllegalArgumentException.class, () -> TraceHeader.of(4, 0, "abc", 1, TraceHeader.Overflow.BLOCK));
  }

  @Test
  void tailsAndLoadRecordsRoundTrip() throws IOException {
    TraceHeader h = H4.withTail(4, 2 + 4);
    assertEquals(R + 32 + 48, h.recordSize());
    byte[] stack = new byte[32];
    stack[0] = 1;
    stack[31] = 2;
    SyscallRecord open = new SyscallRecord(0, 1, 2, 257, TraceLayout.PATH_BINARY, 0,
        TraceLayout.FLAG_PATH_ARG | TraceLayout.FLAG_STACK, new long[] {-100, 0x5000, 0, 0, 0, 0}, 3, 0x401000,
        new long[0], new SyscallRecord.Tail("/lib/libc.so.6", 0x7ff0, 0x7ff8, stack));
    SyscallRecord exit = new SyscallRecord(2, 5, 5, 231, TraceLayout.PATH_BINARY, 0, TraceLayout.FLAG_AT_ENTRY,
        new long[6], 0, 0x401100, new long[0]);
    LoadRecord load = new LoadRecord(1, 3, 0x40, 13, 0x1040, 0x9000, "/linux-static");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    TraceWriter w = new TraceWriter(out, h);
    w.syscall(open);
    w.load(load);
    w.syscall(exit);
    w.end(new FinalRecord(3, 0, 3, 9));
    DecodedTrace t = TraceDecoder.decode(ByteBuffer.wrap(out.toByteArray()));

    assertEquals(List.of(), t.problems());
    assertEquals(h, t.header());
    assertEquals(List.of(open, exit), t.records());
    assertEquals(List.of(load), t.loads());
    assertTrue(t.records().get(1).atEntry());
    // Without its flag a tail part is not read, whatever the bytes.
    assertEquals(SyscallRecord.Tail.NONE, t.records().get(1).tail());
  }
}
