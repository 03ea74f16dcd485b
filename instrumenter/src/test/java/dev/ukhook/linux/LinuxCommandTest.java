package dev.ukhook.linux;

import static dev.ukhook.cli.CliTest.ukhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.cli.ExitCode;
import dev.ukhook.core.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `ukhook linux` on a Linux (glibc) build of examples/musl-files, under the real strace: the program's own calls,
 * counted by its source (10 rounds of open, write, lseek, read and close, 6 getpid, 3 syscall(SYS_getppid), one
 * printf line written at exit), are charged to the program, glibc's start-up to ld.so; and report, query, policy
 * infer and diff read the run as they read a unikernel's.
 */
class LinuxCommandTest {
  @TempDir Path dir;

  static final Path HOME = Path.of(System.getenv().getOrDefault("UKHOOK_HOME", "..")).toAbsolutePath().normalize();

  private Path build() throws Exception {
    assumeTrue(Tools.onPath("strace", Tools.path()) && Tools.onPath("gcc", Tools.path()),
        "SKIPPED: strace and gcc are needed (Debian: apt-get install strace gcc)");
    Path program = dir.resolve("musl-files");
    Process gcc = new ProcessBuilder("gcc", "-O1", "-DMUSL_FILES_PATH=\"" + dir.resolve("f.tmp") + "\"", "-o",
        program.toString(), HOME.resolve("examples/musl-files/main.c").toString()).inheritIO().start();
    assertEquals(0, gcc.waitFor());
    return program;
  }

  @Test
  void theProgramsOwnCallsAreChargedToIt() throws Exception {
    Path program = build();
    Run r = ukhook("linux", "--runs", dir.resolve("runs").toString(), "--", program.toString());
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    Path run;
    try (Stream<Path> s = Files.list(dir.resolve("runs"))) {
      run = s.findFirst().orElseThrow();
    }
    JsonNode results = new ObjectMapper().readTree(run.resolve("results.json").toFile());
    Map<String, Long> own = new HashMap<>();
    results.at("/libraries/musl-files/syscalls").fields().forEachRemaining(e -> own.put(e.getKey(),
        e.getValue().asLong()));
    for (String call : new String[] {"openat", "lseek", "read", "close"}) {
      assertEquals(10, own.get(call), call + ": " + own);
    }
    assertEquals(11, own.get("write"), "10 rounds and the printf line, flushed by exit from the program's _start");
    assertEquals(6, own.get("getpid"));
    assertEquals(3, own.get("getppid"), "syscall(SYS_getppid) through glibc's syscall(): charged to the caller");
    assertEquals(0, results.get("unattributed").asLong(), results.toString());
    assertTrue(results.at("/libraries/ld-linux-x86-64.so.2/syscalls/mmap").asLong() > 0, "the loader's start-up");
    assertTrue(r.out().contains("musl-files:main "), "the functions table: " + r.out());
    assertTrue(r.out().contains(": " + results.get("records").asLong() + " calls in strace's log\n"), r.out());
    assertTrue(!r.out().contains("dropped by the guest"), "no guest here: " + r.out());
    assertEquals("strace", results.get("mode").asText());

    Run json = ukhook("report", run.toString(), "--json");
    assertEquals(ExitCode.OK, json.exitCode(), json.err());
    Run q = ukhook("query", run.toString(), "--format", "csv",
        "SELECT count(*) FROM calls WHERE library = 'musl-files' AND syscall = 'openat' AND path_arg LIKE '%f.tmp'");
    assertEquals(ExitCode.OK, q.exitCode(), q.err());
    assertTrue(q.out().strip().endsWith("\n10"), q.out());
    Path policy = dir.resolve("p.yaml");
    Run infer = ukhook("policy", "infer", run.toString(), "-o", policy.toString());
    assertEquals(ExitCode.OK, infer.exitCode(), infer.err());
    assertTrue(Files.readString(policy).contains("  musl-files:\n    allow:\n"), Files.readString(policy));
    assertTrue(Files.readString(policy).contains("\ntransparent: [glibc]\n"), "what the run looked through");
    Run diff = ukhook("diff", run.toString(), run.toString());
    assertEquals(ExitCode.OK, diff.exitCode(), diff.err());
    assertTrue(diff.out().contains("no difference"), diff.out());
    Path groups = Files.writeString(dir.resolve("groups"), "# ld.so's calls as the program's own\n"
        + "ld-linux-x86-64.so.2: program\n");
    Path html = dir.resolve("compare.html");
    Run compare = ukhook("compare", run.toString(), run.toString(), "--format", "json", "--groups", groups.toString(),
        "--html", html.toString());
    assertEquals(ExitCode.OK, compare.exitCode(), compare.err());
    JsonNode c = new ObjectMapper().readTree(compare.out());
    long programMmaps = 0;
    for (JsonNode row : c.get("rows")) {
      assertEquals(row.get("count_a"), row.get("count_b"), "a run against itself: " + row);
      if (row.get("group").asText().equals("program") && row.get("syscall").asText().equals("mmap")) {
        programMmaps = row.get("count_a").asLong();
      }
    }
    assertTrue(programMmaps > 0, "the loader's mmaps are in the program's group: " + compare.out());
    assertTrue(Files.readString(html).contains("<section id=\"compare\""), "the HTML report's compare section");
    Run bad = ukhook("compare", run.toString(), run.toString(), "--groups", Files.writeString(dir.resolve("bad"),
        "libc.so.6 program\n").toString());
    assertEquals(ExitCode.USAGE, bad.exitCode(), bad.err());
    assertTrue(bad.err().contains("bad:1: expected `LIBRARY: GROUP`"), bad.err());

    // A damaged log is read up to the damage, which is reported, and the exit is 1.
    Path log = run.resolve("strace.log");
    java.util.List<String> lines = new java.util.ArrayList<>(Files.readAllLines(log));
    lines.set(30, "garbage here");
    Files.write(log, lines);
    Run damaged = ukhook("report", run.toString());
    assertEquals(ExitCode.FAILURE, damaged.exitCode(), damaged.err());
    assertTrue(damaged.err().contains("strace.log cannot be read past line 31: garbage here"), damaged.err());
  }

  @Test
  void whatIsNotAProgramIsRefusedInOneLineBeforeAnythingRuns() throws Exception {
    Path runs = dir.resolve("runs");
    for (String[] args : new String[][] {{"linux", "--runs", runs.toString()},
        {"linux", "--runs", runs.toString(), "--", "/dev/zero"},
        {"linux", "--runs", runs.toString(), "--", "no-such-program-here"},
        {"linux", "--runs", runs.toString(), "--", dir.toString()}}) {
      Run r = ukhook(args);
      assertEquals(ExitCode.USAGE, r.exitCode(), String.join(" ", args) + ": " + r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertTrue(!Files.exists(runs), "nothing was created");
    }
  }
}
