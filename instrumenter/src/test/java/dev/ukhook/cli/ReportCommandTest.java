package dev.ukhook.cli;

import java.util.Set;
import dev.ukhook.attribution.LinkMap;
import dev.ukhook.attribution.Attributor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.attribution.TestMaps;
import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.format.Traces;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `ukhook report` refuses a map that is not the trace's and a trace whose counts cannot be trusted (issue 6,
 * defects 3 to 7). The traces are written with the test writer and the text bounds patched in by offset, so
 * that this class also runs against the code before format version 2 (where each case exited 0).
 */
class ReportCommandTest {
  static final String ID = "00112233445566778899aabbccddeeff";
  static final String OTHER_ID = "ffeeddccbbaa99887766554433221100";
  // hello.map's code: _text 0x101000, the last code (libmusl) ends at 0x102800.
  static final long TEXT_START = 0x101000L;
  static final long TEXT_END = 0x102800L;

  @TempDir Path dir;

  static String helloMap() throws IOException {
    try (InputStream in = ReportCommandTest.class.getResourceAsStream("/attrib/hello.map")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** getpid through libnolibc from libposix_process, seq 0.. */
  static List<SyscallRecord> calls(long... seqs) {
    return LongStream.of(seqs)
        .mapToObj(s -> new SyscallRecord(s, 10 * s, 10 * s + 5, 39, 0, new long[6], s, 0x101605L,
            new long[] {0x101950L}))
        .toList();
  }

  static byte[] trace(String id, List<SyscallRecord> records, FinalRecord fin) {
    return trace(id, records, fin, TEXT_START, TEXT_END);
  }

  static byte[] trace(String id, List<SyscallRecord> records, FinalRecord fin, long textStart, long textEnd) {
    byte[] bytes = Traces.encode(TraceHeader.of(4, 1_000_000_000L, id, 4096, TraceHeader.Overflow.BLOCK), records,
        fin);
    // text_start and text_end (header offsets 48 and 56 of format version 2)
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(48, textStart).putLong(56, textEnd);
    return bytes;
  }

  Run report(byte[] trace, String map, String... more) throws IOException {
    Path t = Files.write(dir.resolve("trace.ukt"), trace);
    Path m = Files.writeString(dir.resolve("link.map"), map);
    List<String> args = new ArrayList<>(List.of("report", "--trace", t.toString(), "--map", m.toString()));
    args.addAll(List.of(more));
    return CliTest.ukhook(args.toArray(String[]::new));
  }

  private static void assertFails(Run r, String expectedStart) {
    assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
    assertTrue(r.err().contains("ukhook: " + expectedStart), r.err());
  }

  /**
   * Format 4 records carry the guest's charge: where the record's walk lets the host decide, the two must agree, or
   * the image's library table is not the map's. (The test traces keep 4 frames, as an image with --frames 4.)
   */
  @Test
  void aGuestChargeTheMapDoesNotGiveFailsTheReport() throws IOException {
    List<String> names = new Attributor(LinkMap.read(Files.writeString(dir.resolve("names.map"), helloMap())),
        Set.of()).libraryNames();
    int posix = names.indexOf("libposix_process");
    List<SyscallRecord> charged = calls(0, 1, 2).stream().map(r -> new SyscallRecord(r.seq(), r.tEnter(), r.tExit(),
        r.nr(), r.path(), r.nest(), r.flags(), r.args(), r.ret(), r.rip(), r.frames(), r.tail(), posix, 1)).toList();
    Run agreed = report(trace(ID, charged, new FinalRecord(3, 0, 3, 99)), helloMap());
    assertEquals(ExitCode.OK, agreed.exitCode(), agreed.err());

    List<SyscallRecord> wrong = new ArrayList<>(charged);
    SyscallRecord r = wrong.get(1);
    wrong.set(1, new SyscallRecord(r.seq(), r.tEnter(), r.tExit(), r.nr(), r.path(), r.nest(), r.flags(), r.args(),
        r.ret(), r.rip(), r.frames(), r.tail(), names.indexOf("apphello"), 1));
    assertFails(report(trace(ID, wrong, new FinalRecord(3, 0, 3, 99)), helloMap()), "1 calls were charged by the"
        + " guest to another library than the link map gives for the same return addresses (first: seq 1: the"
        + " guest's apphello, the host's libposix_process): the image's library table is not this map's, or the"
        + " trace is damaged");

    // A charge to a library number the map does not have (a damaged record or another image's table) is named so.
    wrong.set(1, new SyscallRecord(r.seq(), r.tEnter(), r.tExit(), r.nr(), r.path(), r.nest(), r.flags(), r.args(),
        r.ret(), r.rip(), r.frames(), r.tail(), 0x7f, 1));
    assertFails(report(trace(ID, wrong, new FinalRecord(3, 0, 3, 99)), helloMap()), "1 calls were charged by the"
        + " guest to another library than the link map gives for the same return addresses (first: seq 1: the"
        + " guest's library 127, the host's libposix_process)");
  }

  @Test
  void theTracesOwnMapGivesTheTable() throws IOException {
    Run r = report(trace(ID, calls(0, 1, 2), new FinalRecord(3, 0, 3, 99)), helloMap());
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertEquals("", r.err());
    assertTrue(r.out().contains("libposix_process  getpid       3"), r.out());
    assertTrue(r.out().endsWith("image " + ID + ": 3 records (binary 3), 0 dropped by the guest, 0 missing\n"), r.out());
  }

  /** Each selection or format mistake is one line, exit 2, and writes nothing. */
  @Test
  void badSelectionsAndFormatsAreOneLineEach() throws IOException {
    byte[] t = trace(ID, calls(0, 1, 2), new FinalRecord(3, 0, 3, 99));
    String map = helloMap();
    Path out = dir.resolve("out.parquet");
    String[][] cases = {
      {"-e and --lib select calls: add --calls (or --perfetto FILE)", "-e", "trace=getpid"},
      {"-e takes trace=NAME[,NAME...] as strace does, not `getpid`", "--calls", "-e", "getpid"},
      {"-e trace=: unknown system call `getpd`; the closest: getpid", "--calls", "-e", "trace=getpd"},
      {"--phase-at: unknown system call `acept`; the closest: accept", "--phase-at", "acept"},
      {"--lib libnope: no call of this run is charged to it; the libraries that made calls: libposix_process",
          "--calls", "--lib", "libnope"},
      {"--format parquet writes a file: add -o FILE.parquet", "--format", "parquet"},
    };
    for (String[] c : cases) {
      String[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
      Run r = report(t, map, args);
      assertEquals(ExitCode.USAGE, r.exitCode(), String.join(" ", args) + ": " + r.err());
      assertTrue(r.err().startsWith("ukhook: " + c[0]), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
    }
    assertFalse(Files.exists(out));
    // And the selections that are right: one line per selected call.
    Run ok = report(t, map, "--calls", "-e", "trace=getpid", "--lib", "libposix_process");
    assertEquals(ExitCode.OK, ok.exitCode(), ok.err());
    assertEquals(3, ok.out().lines().filter(l -> l.startsWith("[libposix_process] getpid() = ")).count(), ok.out());
  }

  @Test
  void anotherImagesMapIsRefused() throws IOException {
    // Defect 3: another app's map printed a wrong table with exit 0.
    Run r = report(trace(ID, calls(0, 1, 2), new FinalRecord(3, 0, 3, 99)), helloMap().replace(ID, OTHER_ID));
    assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
    assertEquals("", r.out());
    CliTest.assertOneLine(r.err());
    assertTrue(r.err().contains("belongs to image " + OTHER_ID + " but trace "), r.err());
    assertTrue(r.err().contains("was made by image " + ID + ": calls would be charged to the wrong libraries"),
        r.err());
  }

  @Test
  void aMapWithoutImageIdIsRefused() throws IOException {
    String noId = helloMap().replace("ukhook_image_id_" + ID, "some_other_symbol");
    Run r = report(trace(ID, calls(0, 1, 2), new FinalRecord(3, 0, 3, 99)), noId);
    assertFails(r, "link map ");
    assertTrue(r.err().contains("names no ukhook image id (no ukhook_image_id_* symbol)"), r.err());
  }

  @Test
  void forceAttributesAnywayWithAWarning() throws IOException {
    Run r = report(trace(ID, calls(0, 1, 2), new FinalRecord(3, 0, 3, 99)), helloMap().replace(ID, OTHER_ID),
        "--force");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertTrue(r.err().startsWith("ukhook: warning: link map "), r.err());
    assertTrue(r.out().contains("libposix_process"), r.out());
  }

  @Test
  void aCutMapIsRefused() throws IOException {
    // Defect 4: a map cut to its first half charged every call to the libraries it still listed, exit 0.
    String map = TestMaps.map(ID, 40);
    List<SyscallRecord> records = LongStream.range(0, 3).mapToObj(s -> new SyscallRecord(s, 0, 1, 39, 0,
        new long[6], 0, TestMaps.in(30, 0x100), new long[0])).toList();
    byte[] bytes = trace(ID, records, new FinalRecord(3, 0, 3, 99), TestMaps.TEXT_START, TestMaps.textEnd(40));
    assertEquals(ExitCode.OK, report(bytes, map).exitCode(), "the whole map");
    Run r = report(bytes, map.substring(0, map.length() / 2));
    assertFails(r, "link map ");
    assertTrue(r.err().contains("covers only 85680 of the 163840 bytes of the image's code"), r.err());
  }

  @Test
  void callsOutsideEveryMappedRangeAreUnattributedNotSkipped() throws IOException {
    List<SyscallRecord> records = new ArrayList<>(calls(0, 1));
    records.add(new SyscallRecord(2, 20, 25, 39, 0, new long[6], 0, 0x900000L, new long[] {0x900100L}));
    Run r = report(trace(ID, records, new FinalRecord(3, 0, 3, 99)), helloMap(), "--json");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertTrue(r.out().contains("\"unattributed\": 1"), r.out());
    assertTrue(r.out().contains("\"<unattributed>\": {"), r.out());
  }

  @Test
  void aTraceWithoutASingleCallFailsAndSaysWhy() throws IOException {
    Run r = report(trace(ID, List.of(), new FinalRecord(0, 0, 0, 99)), helloMap());
    assertFails(r, "no system call was recorded although the guest sent a trace");
    assertTrue(r.err().contains("run `ukhook instrument` and `ukhook build` again"), r.err());
  }

  @Test
  void aSilentNativeHookInAMuslImageIsAWarning() throws IOException {
    // The header says both hook points are compiled in; the map has libmusl; only binary calls arrived.
    String musl = helloMap().replace("/abs/build/libnolibc.o", "/abs/build/libmusl.o");
    byte[] both = trace(ID, calls(0, 1, 2), new FinalRecord(3, 0, 3, 99));
    both[TraceLayout.Header.HOOK_POINTS.offset()] = (byte) (TraceLayout.HOOK_BINARY | TraceLayout.HOOK_NATIVE);
    Run r = report(both, musl);
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertTrue(r.err().startsWith("ukhook: warning: the native hook point never fired although libmusl is in the "
        + "image"), r.err());
    Run clean = report(trace(ID, calls(0, 1, 2), new FinalRecord(3, 0, 3, 99)), helloMap());
    assertEquals("", clean.err());
  }

  @Test
  void recordsMissingFailTheReport() throws IOException {
    // Defect 5: report exited 0 with records missing.
    Run r = report(trace(ID, calls(0, 1, 2), new FinalRecord(5, 0, 5, 99)), helloMap());
    assertFails(r, "2 records missing: sent by the guest but never received");
    assertTrue(r.out().contains("3 records (binary 3), 0 dropped by the guest, 2 missing"), r.out());
  }

  @Test
  void replayedRecordsAreReportedNotNegativeMissing() throws IOException {
    // Defect 6: replayed records gave "-3 missing", exit 0.
    Run r = report(trace(ID, calls(0, 1, 2, 0, 1, 2), new FinalRecord(3, 0, 3, 99)), helloMap());
    assertFails(r, "3 records arrived twice");
    assertTrue(r.out().contains("3 records (binary 3), 0 dropped by the guest, 0 missing"), r.out());
    assertTrue(r.out().contains("libposix_process  getpid       3"), "each call counted once: " + r.out());
  }

  @Test
  void outOfOrderRecordsAreReported() throws IOException {
    // Defect 6: out-of-order counts were tracked and never shown.
    Run r = report(trace(ID, calls(0, 2, 1), new FinalRecord(3, 0, 3, 99)), helloMap());
    assertFails(r, "1 records arrived out of order");
  }

  @Test
  void impossibleTotalsAreReported() throws IOException {
    // Defect 6: a final record claiming more drops than records gave "-100 missing", exit 0.
    Run drops = report(trace(ID, calls(0, 1, 2), new FinalRecord(3, 103, 0, 99)), helloMap());
    assertFails(drops, "the final record says 103 records dropped of 3 calls in total, which is impossible");
    assertFalse(drops.out().contains("-100"), drops.out());

    // Defect 6: a bit flip gave "2199023255552 missing", exit 0.
    long flipped = 3 | 1L << 41;
    Run flip = report(trace(ID, calls(0, 1, 2), new FinalRecord(flipped, 0, 3, 99)), helloMap());
    assertEquals(ExitCode.FAILURE, flip.exitCode(), flip.err());
    assertTrue(flip.err().contains("the final record is corrupted"), flip.err());
    assertFalse(flip.out().contains("2199023255552"), flip.out());
  }

  @Test
  void aTraceWithoutFinalRecordFails() throws IOException {
    // Defect 7: header only, or cut at a record boundary, exited 0 with nothing on stderr.
    Run headerOnly = report(trace(ID, List.of(), null), helloMap());
    assertFails(headerOnly, "no final record: the guest did not shut down cleanly or the stream was cut");

    Run cut = report(trace(ID, calls(0, 1, 2), null), helloMap());
    assertFails(cut, "no final record");
  }

  @Test
  void aRunDirectoryIsCheckedAgainstItsImageId() throws IOException {
    Path run = Files.createDirectories(dir.resolve("run"));
    Files.write(run.resolve("trace.ukt"), trace(ID, calls(0, 1, 2), new FinalRecord(3, 0, 3, 99)));
    Files.writeString(run.resolve("link.map"), helloMap());
    Files.writeString(run.resolve("image-id"), ID + "\n");
    Files.writeString(run.resolve("run.json"), "{\"transparent\": [\"libposix_process\"]}");
    Run ok = CliTest.ukhook("report", run.toString());
    assertEquals(ExitCode.OK, ok.exitCode(), ok.err());
    // The run's own transparent libraries: libposix_process is looked through, so the calls go to libnolibc.
    assertTrue(ok.out().contains("libnolibc  getpid       3"), ok.out());

    Files.writeString(run.resolve("image-id"), OTHER_ID + "\n");
    Run mismatch = CliTest.ukhook("report", run.toString());
    assertFails(mismatch, "trace " + run.resolve("trace.ukt") + " was made by image " + ID
        + ", but the run's image-id says " + OTHER_ID);
  }

  @Test
  void aRunDirectoryOrTraceAndMapNotBoth() {
    Run both = CliTest.ukhook("report", dir.toString(), "--trace", "t", "--map", "m");
    assertEquals(ExitCode.USAGE, both.exitCode());
    assertEquals("ukhook: pass a run directory or --trace and --map, not both", both.err().strip());
    Run none = CliTest.ukhook("report", "--trace", "t");
    assertEquals(ExitCode.USAGE, none.exitCode());
  }
  /**
   * Issue 18, defect 9: /dev/zero was read to its end (there is none) before its first bytes were checked. The
   * timeout only turns that hang into a failure.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aDeviceThatIsNoTraceIsRefusedByItsFirstBytes() throws IOException {
    Path m = Files.writeString(dir.resolve("link.map"), helloMap());
    Run r = CliTest.ukhook("report", "--trace", "/dev/zero", "--map", m.toString());
    assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
    assertEquals("ukhook: cannot read trace /dev/zero: not a ukhook trace: it starts with bytes 00 00 00 00 00 00 00"
        + " 00, expected \"UKHOOKTR\"\n", r.err());
    assertEquals("", r.out());
  }

  /** Decoding stops at damage, and so does the reading; a file's rest is still counted, by its size. */
  @Test
  void theBytesAfterDamageAreCountedWithoutBeingRead() throws IOException {
    byte[] good = trace(ID, calls(0, 1, 2), new FinalRecord(3, 0, 3, 99));
    byte[] bytes = java.util.Arrays.copyOf(good, good.length + 5_000_000); // zeros after the final record
    Run r = report(bytes, helloMap());
    assertFails(r, "the trace is damaged: data follows the final record (byte offset " + good.length + ", after 3"
        + " records)");
    assertTrue(r.out().contains("damaged trace: decoding stopped at byte offset " + good.length + " after 3 records;"
        + " 5000000 bytes lost: data follows the final record\n"), r.out());
  }
  /**
   * Issue 18, defects 3 and 12: a record of seq 2^64-1 in place of seq 5 gave "0 missing" and exit 0; a return
   * before the entry printed a latency of -0.32 s with exit 0. Each is damage: the report fails and says where. (In
   * format 4 a record holds its seq modulo 2^32 and its duration unsigned: the damage is a seq before the first, a
   * return beyond the clock's reach.)
   */
  @Test
  void aCorruptedSeqOrTimestampFailsTheReport() throws IOException {
    List<SyscallRecord> seqs = new ArrayList<>(calls(0, 1, 2, 3, 4, 6, 7, 8, 9));
    seqs.add(5, calls(0xffff_ffffL).get(0));
    int r = TraceLayout.recordSize(4, TraceLayout.ARGS, 0, 0);
    Run seq = report(trace(ID, seqs, new FinalRecord(10, 0, 10, 999)), helloMap());
    assertFails(seq, "the trace is damaged: a record has seq -1 (4294967295 modulo 2^32), before the first: the"
        + " record is corrupted (byte offset " + (64 + 5 * r) + ", after 5 records)");
    assertTrue(seq.out().endsWith("image " + ID + ": 5 records (binary 5), 0 missing or dropped (no final record); 2"
        + " problems: the counts may be wrong\n"), seq.out());

    List<SyscallRecord> times = new ArrayList<>(calls(0, 1, 2, 4));
    long late = Long.MAX_VALUE - 10;
    times.add(3, new SyscallRecord(3, late, late + (1L << 40), 39, 0, new long[6], 3, 0x101605L,
        new long[] {0x101950L}));
    Run time = report(trace(ID, times, new FinalRecord(5, 0, 5, 2_000_000_000L)), helloMap(), "--calls");
    assertFails(time, "the trace is damaged: syscall record seq 3 entered at tick 9223372036854775797 and lasted"
        + " 1099511627776 ticks, beyond the 2^63 ticks a clock started at boot can reach: the record is corrupted"
        + " (byte offset " + (64 + 3 * r) + ", after 3 records)");
    assertFalse(time.out().contains("<-"), time.out());
  }
}
