package dev.ukhook.cli;

import static dev.ukhook.report.TestRuns.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.report.QueryTables;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueryCommandTest {
  static final int READ = 0, WRITE = 1, GETPID = 39, ACCEPT = 43;
  static final String PER_LIBRARY =
      "SELECT library, count(*) AS calls FROM calls GROUP BY library ORDER BY calls DESC, library";

  @TempDir Path dir;
  Path run;

  @BeforeEach
  void run() throws IOException {
    run = write(dir.resolve("run"), IMAGE_A, List.of(posix(0, GETPID), app(1, WRITE), app(2, ACCEPT), app(3, READ),
        nowhere(4, GETPID), posix(5, GETPID)));
  }

  @Test
  void callsPerLibrary() {
    assertEquals(new Run(ExitCode.OK, """
        library           calls
        apphello              3
        libposix_process      2
        <unattributed>        1
        """, ""), CliTest.ukhook("query", run.toString(), PER_LIBRARY));
  }

  @Test
  void aTraceAndItsMapInsteadOfARunDirectory() {
    Run r = CliTest.ukhook("query", "--trace", run.resolve("trace.ukt").toString(), "--map",
        run.resolve("link.map").toString(), "SELECT count(*) AS n, count(DISTINCT library) AS libraries FROM calls");
    // libnolibc is transparent by default too, so the same libraries
    assertEquals(new Run(ExitCode.OK, "n  libraries\n6          3\n", ""), r);
  }

  @Test
  void csvOfTheSyscallsTable() {
    assertEquals(new Run(ExitCode.OK, """
        library,syscall,count,phases
        <unattributed>,getpid,1,serving=1
        apphello,accept,1,serving=1
        apphello,read,1,serving=1
        apphello,write,1,start-up=1
        libposix_process,getpid,2,start-up=1 serving=1
        """, ""), CliTest.ukhook("query", run.toString(),
        "SELECT library, syscall, count, phases FROM syscalls ORDER BY library, syscall", "--format", "csv"));
  }

  @Test
  void jsonLinesAndMaxRows() {
    assertEquals(new Run(ExitCode.OK, """
        {"seq":0,"library":"libposix_process","phase":"start-up"}
        {"seq":2,"library":"apphello","phase":"serving"}
        """, ""), CliTest.ukhook("query", run.toString(),
        "SELECT seq, library, phase FROM calls WHERE seq IN (0, 2) ORDER BY seq", "--format", "json"));
    assertEquals(new Run(ExitCode.OK, "seq\n  0\n  1\n(6 rows, first 2 shown; add LIMIT or use --format csv)\n", ""),
        CliTest.ukhook("query", run.toString(), "SELECT seq FROM calls ORDER BY seq", "--max-rows", "2"));
    Run csvRows = CliTest.ukhook("query", run.toString(), "SELECT 1", "--format", "csv", "--max-rows", "2");
    assertEquals(new Run(ExitCode.USAGE, "", "ukhook: --max-rows takes a number of at least 1 and goes with "
        + "--format text; csv and json write every row (add LIMIT to the SQL)\n"), csvRows);
  }

  @Test
  void badSqlIsOneLineWithTheTables() {
    Run r = CliTest.ukhook("query", run.toString(), "SELECT nosuch FROM calls");
    assertEquals(ExitCode.USAGE, r.exitCode());
    assertEquals("", r.out());
    CliTest.assertOneLine(r.err());
    assertTrue(r.err().startsWith("ukhook: Binder Error: Referenced column \"nosuch\" not found"), r.err());
    assertTrue(r.err().endsWith("; tables: calls(seq, t_enter, t_exit, duration_ns, library, phase, syscall, nr, ret, "
        + "errno, refused, flags, path, nest, thread, a0, a1, a2, a3, a4, a5, rip, path_arg, buffer), syscalls(library, syscall, nr, "
        + "count, errors, errnos, refused, nested, unit, p50, p99, max, total, first_seq, last_seq, first_t, last_t, "
        + "phases)\n"), r.err());
  }

  @Test
  void withoutSqlTheTablesTheirColumnsAndExamples() {
    Run r = CliTest.ukhook("query", run.toString());
    assertEquals(ExitCode.OK, r.exitCode());
    assertEquals("", r.err());
    assertTrue(r.out().startsWith("""
        calls: one row per call (not in a count run)
          seq          BIGINT   record number, in the order the guest numbered the calls
          t_enter      BIGINT   entry, in trace ticks
        """), r.out());
    assertTrue(r.out().contains("""
          phases     VARCHAR  calls by phase, NAME=count separated by spaces

        examples:
          ukhook query RUN_DIR "SELECT library, count(*) AS calls FROM calls GROUP BY library ORDER BY calls DESC, \
        library"
          ukhook query RUN_DIR "SELECT library, syscall, errnos FROM syscalls WHERE errors > 0 ORDER BY errors DESC"
        """), r.out());
    assertEquals(r, CliTest.ukhook("query"), "the schema needs no run");
    for (String example : QueryTables.EXAMPLES) {
      assertEquals(ExitCode.OK, CliTest.ukhook("query", run.toString(), example).exitCode(), example);
    }
  }

  @Test
  void aRunWithProblemsPrintsThenWarnsAndFails() throws IOException {
    Path damaged = write(dir.resolve("damaged"), IMAGE_A, List.of(posix(0, GETPID), app(1, WRITE)), 3);
    assertEquals(new Run(ExitCode.FAILURE, "n\n2\n", "ukhook: warning: 3 records missing: sent by the guest but "
        + "never received (the tables may be wrong)\n"),
        CliTest.ukhook("query", damaged.toString(), "SELECT count(*) AS n FROM calls"));
  }
}
