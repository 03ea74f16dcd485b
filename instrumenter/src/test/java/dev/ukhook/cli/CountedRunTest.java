package dev.ukhook.cli;

import static dev.ukhook.report.TestRuns.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.format.CountSnapshot;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.report.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that counted its calls in the guest (--mode count) against the trace of the same calls: the guest's cells
 * are computed from the trace's records ({@link dev.ukhook.report.TestRuns#counts}), and everything that does not
 * need the calls' order must come out the same.
 */
class CountedRunTest {
  static final int WRITE = 1, GETPID = 39, SOCKET = 41, EXIT_GROUP = 231, OPENAT = 257;
  static final int EPERM = 1, ENOENT = 2, EACCES = 13;
  static final String SYSCALLS = "SELECT library, syscall, count, errors, errnos, refused, nested, phases, total "
      + "FROM syscalls ORDER BY library, syscall";

  /** Every kind of call a cell tells apart, in two phases. */
  static final List<Object> RECORDS = List.of(
      posix(0, GETPID),
      returns(app(1, OPENAT), 0, 0, -ENOENT, 800),
      returns(app(2, OPENAT), 0, 0, -EACCES, 300),
      returns(app(3, WRITE), 0, 0, 5, 3000),
      returns(ukdebug(4, WRITE), 1, 0, 5, 40),
      libc(5, GETPID),
      mark(6, 0, 1),
      returns(app(7, SOCKET), 0, TraceLayout.FLAG_REFUSED, -EPERM, 20),
      returns(app(8, OPENAT), 0, 0, -ENOENT, 900),
      nowhere(9, GETPID),
      // Beyond the guest's last histogram bucket, which has no upper end; a whole number of the 2^16 ticks a trace
      // record counts a call this long in (format 4's dur), so that trace and count agree to the tick.
      returns(app(10, WRITE), 0, 0, 5, 152_588L << 16),
      returns(app(11, EXIT_GROUP), 0, TraceLayout.FLAG_AT_ENTRY, 0, 0));

  @TempDir Path dir;
  Path traced;
  Path counted;

  /** {@code r} made with {@code nest}, {@code flags}, returning {@code ret} after {@code ticks}. */
  static SyscallRecord returns(SyscallRecord r, int nest, int flags, long ret, long ticks) {
    return new SyscallRecord(r.seq(), r.tEnter(), r.tEnter() + ticks, r.nr(), r.path(), nest, flags, r.args(), ret,
        r.rip(), r.frames());
  }

  @BeforeEach
  void runs() throws IOException {
    traced = write(dir.resolve("traced"), IMAGE_A, RECORDS);
    counted = writeCounted(dir.resolve("counted"), IMAGE_A, RECORDS);
  }

  static JsonNode json(Run r) throws IOException {
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertEquals("", r.err()); // nor a warning: the counting image's native hook point counts no path
    return new ObjectMapper().readTree(r.out());
  }

  /** What the report's libraries say that needs no call order: per library and syscall. */
  static ArrayNode orderFree(JsonNode report) {
    ArrayNode out = new ObjectMapper().createArrayNode();
    for (JsonNode l : report.path("libraries")) {
      ObjectNode lib = out.addObject();
      for (String k : List.of("library", "transparent_only", "total", "errors", "refused")) {
        lib.set(k, l.path(k));
      }
      ArrayNode calls = lib.putArray("syscalls");
      for (JsonNode s : l.path("syscalls")) {
        ObjectNode c = calls.addObject();
        for (String k : List.of("syscall", "nr", "count", "errors", "refused", "nested", "phases")) {
          c.set(k, s.path(k));
        }
        c.set("returned", s.path("latency").path("calls"));
        c.set("time", s.path("latency").path("total"));
      }
    }
    return out;
  }

  @Test
  void theReportCountsWhatTheTraceRecords() throws IOException {
    JsonNode t = json(CliTest.ukhook("report", traced.toString(), "--json"));
    JsonNode c = json(CliTest.ukhook("report", counted.toString(), "--json"));
    assertEquals(orderFree(t).toPrettyString(), orderFree(c).toPrettyString());
    assertEquals(t.path("phases").path("names"), c.path("phases").path("names"));
    assertEquals(t.path("phases").path("sets"), c.path("phases").path("sets"));
    assertEquals(t.path("security"), c.path("security"));
    assertEquals("trace", t.path("mode").asText());
    assertEquals("count", c.path("mode").asText());
    assertEquals(RunReport.COUNTED_LACKS.size(), c.path("unavailable").size());
    // What needs each call is null, not zero: a counting image does not keep it.
    JsonNode write = c.path("libraries").get(0).path("syscalls").get(0);
    assertTrue(write.path("first_seq").isNull() && write.path("paths").isNull(), write.toString());
    assertTrue(c.path("span").isNull());
    assertEquals(0, c.path("sequences").size());
    assertEquals(0, c.path("timeline").path("libraries").size());
  }

  @Test
  void diffQueryAndInferenceSeeNoDifference() {
    Run d = CliTest.ukhook("diff", traced.toString(), counted.toString(), "--exit-code");
    assertEquals(ExitCode.OK, d.exitCode(), d.out() + d.err());
    assertTrue(d.out().endsWith("no difference in syscall sets\n"), d.out());
    assertEquals(ExitCode.OK, CliTest.ukhook("diff", counted.toString(), traced.toString(), "--exit-code").exitCode());

    Run qt = CliTest.ukhook("query", traced.toString(), SYSCALLS, "--format", "csv");
    Run qc = CliTest.ukhook("query", counted.toString(), SYSCALLS, "--format", "csv");
    assertEquals(new Run(ExitCode.OK, qt.out(), ""), qc);
    assertTrue(qt.out().contains("apphello,openat,3,3,EACCES=1 ENOENT=2,0,0,phase0=2 phase1=1,"), qt.out());

    Run it = CliTest.ukhook("policy", "infer", traced.toString());
    Run ic = CliTest.ukhook("policy", "infer", counted.toString());
    assertEquals(ExitCode.OK, ic.exitCode(), ic.err());
    assertEquals(it.out().replace(traced.toString(), "RUN"), ic.out().replace(counted.toString(), "RUN"));
    assertEquals(it.err().replace(traced.toString(), "RUN"), ic.err().replace(counted.toString(), "RUN"));
    assertTrue(ic.out().contains("      phase0:\n        - openat  # 2 calls, all failed\n"), ic.out());
  }

  @Test
  void theReportSaysOnceWhatACountedRunCannotShow() throws IOException {
    Path html = dir.resolve("report.html");
    Run r = CliTest.ukhook("report", counted.toString(), "--html", html.toString());
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertTrue(r.out().startsWith(RunReport.countedNote() + "\n\n"), r.out());
    assertEquals(1, r.out().split("counted its calls in the guest", -1).length - 1, r.out());
    assertFalse(r.out().contains("sequences ("), r.out());
    assertTrue(r.out().contains("\nfilter: 1 refused (a counting image counts no killed or logged calls, and injected ones as refused)\n"), r.out());
    // No first or last call, no maximum; p99 in the guest's last bucket is only known to be at least its lower end.
    assertTrue(r.out().contains(""
        + "apphello          openat          3  EACCES 1, ENOENT 2  1.02us   1.02us    -      -     -\n"
        + "apphello          write           2                      4.10us  >=3.04s    -      -     -\n"), r.out());
    assertTrue(r.out().endsWith("image " + IMAGE_A + ": 11 calls counted in the guest (paths not counted; 1 nested "
        + "in another call), 1 records, 0 dropped by the guest, 0 missing, 1 unattributed\n"), r.out());
    String page = Files.readString(html);
    assertTrue(page.contains("<b>Counted in the guest:</b>"), page);
    assertTrue(page.contains("No timeline in this report.") && page.contains("No call sequences in this report."));
  }

  /** What needs each call in order is one usage error, and nothing is written. */
  @Test
  void requestsThatNeedEachCallAreRefused() {
    String why = counted.resolve("trace.ukt") + " counted calls in the guest (--mode count): it has no per-call "
        + "records for ";
    String what = "; trace the app without --mode count\n";
    Path file = dir.resolve("out");
    String[][] cases = {
      {"--calls", "report", counted.toString(), "--calls"},
      {"--calls", "report", counted.toString(), "--calls", "--format", "csv", "-o", file.toString()},
      {"--perfetto", "report", counted.toString(), "--perfetto", file.toString()},
      {"--dot", "report", counted.toString(), "--dot", file.toString()},
      {"the calls table", "query", counted.toString(), "SELECT count(*) FROM calls"},
      {"--phase-at", "report", counted.toString(), "--phase-at", "getpid"},
      {"--phase-at", "diff", counted.toString(), counted.toString(), "--phase-at", "getpid"},
    };
    for (String[] c : cases) {
      Run r = CliTest.ukhook(java.util.Arrays.copyOfRange(c, 1, c.length));
      assertEquals(new Run(ExitCode.USAGE, "", "ukhook: " + why + c[0] + what), r);
      assertFalse(Files.exists(file), String.join(" ", c));
    }
  }

  /** A snapshot that may miss calls makes every command that prints counts fail, as a trace without its end does. */
  @Test
  void countsThatMayBeWrongNeverExitZero() throws IOException {
    CountSnapshot s = counts(IMAGE_A, RECORDS);
    Path periodic = writeCounted(dir.resolve("periodic"), IMAGE_A, RECORDS,
        new CountSnapshot(s.seq(), s.t(), false, true, 0, s.cells()), true);
    Path died = writeCounted(dir.resolve("died"), IMAGE_A, RECORDS,
        new CountSnapshot(s.seq(), s.t(), false, true, 0, s.cells()), false);
    Path overflowed = writeCounted(dir.resolve("overflowed"), IMAGE_A, RECORDS,
        new CountSnapshot(s.seq(), s.t(), true, true, 3, s.cells()), true);
    String notFinal = "the last counts snapshot is a periodic one (tick " + s.t() + "), not the one the guest sends at "
        + "shutdown: the calls made after it are not counted";
    assertProblem(periodic, notFinal);
    assertProblem(died, "no final record: the guest did not shut down cleanly");
    assertProblem(died, notFinal);
    assertProblem(overflowed, "3 calls found no free cell in the guest's table of 1024 counters and are counted "
        + "nowhere");
  }

  /** A counting image that died before any snapshot is not said to lack its hooks. */
  @Test
  void aCountingRunWithoutASnapshotSaysSo() throws IOException {
    Path none = writeCounted(dir.resolve("none"), IMAGE_A, RECORDS, null, true);
    Run r = CliTest.ukhook("report", none.toString());
    assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
    assertTrue(r.err().contains("ukhook: the counting image sent no snapshot of its counters: it stopped before its "
        + "first periodic snapshot (--snapshot-every) and before its shutdown could send one; its console log says "
        + "why"), r.err());
    assertFalse(r.err().contains("built without the hooks"), r.err());
  }

  private static void assertProblem(Path run, String problem) {
    Run r = CliTest.ukhook("report", run.toString());
    assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
    assertTrue(r.out().contains("apphello"), r.out()); // printed, then failed
    assertTrue(r.err().contains("ukhook: " + problem), r.err());
    Run q = CliTest.ukhook("query", run.toString(), SYSCALLS);
    assertEquals(ExitCode.FAILURE, q.exitCode(), q.err());
    assertTrue(q.err().contains("ukhook: warning: " + problem), q.err());
    assertEquals(ExitCode.FAILURE, CliTest.ukhook("diff", run.toString(), run.toString()).exitCode());
  }
}
