package dev.ukhook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.LoadRecord;
import dev.ukhook.format.RunDir;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.format.TraceWriter;
import dev.ukhook.report.TestRuns;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: the defects a hostile user found in what the commands read and write (7, 10, 13, 14, 15, 18, 20),
 * each through the command line; every test failed on the code before its fix.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HostileInputTest {
  static final String ESC = "\u001b";

  @TempDir Path dir;

  Path run() throws IOException {
    return TestRuns.write(dir.resolve("run"), TestRuns.IMAGE_A, List.of(TestRuns.posix(0, 39),
        TestRuns.app(1, 1), TestRuns.posix(2, 39)));
  }

  // 7: a policy is refused by what it is and by its size, before it is read.
  @Test
  void policyCheckRefusesADeviceAFifoAndAHugeFileBeforeReadingThem() throws Exception {
    Run zero = CliTest.ukhook("policy", "check", "/dev/zero");
    assertEquals(new Run(ExitCode.USAGE, "", "ukhook: cannot read policy file /dev/zero: it is a character device, "
        + "not a regular file; pass the file itself\n"), zero);

    Path fifo = fifo(dir.resolve("p.yaml"));
    Run blocked = CliTest.ukhook("policy", "check", fifo.toString()); // it blocked for ever
    assertEquals(new Run(ExitCode.USAGE, "", "ukhook: cannot read policy file " + fifo + ": it is a FIFO (named "
        + "pipe), not a regular file; pass the file itself\n"), blocked);

    Path big = dir.resolve("big.yaml");
    try (OutputStream out = Files.newOutputStream(big)) {
      out.write("version: 1\n".getBytes());
      byte[] comment = ("# " + "x".repeat(1021) + "\n").getBytes();
      for (int i = 0; i < 8 * 1024; i++) { // 8 MiB of comment: 17 s and 1 GB of memory
        out.write(comment);
      }
    }
    Run huge = CliTest.ukhook("policy", "check", big.toString());
    assertEquals(new Run(ExitCode.USAGE, "", "ukhook: cannot read policy file " + big + ": it holds 8388619 bytes, "
        + "more than the 1 MiB a policy file may have; is it the right file?\n"), huge);
  }

  // 13: a cut link map is named as damaged; the policy is not blamed for the libraries the cut took.
  @Test
  void policyCheckBlamesACutMapNotThePolicy() throws IOException {
    Path run = new PolicyCommandTest().runDir(dir.resolve("run"));
    Path map = run.resolve(RunDir.LINK_MAP);
    String whole = Files.readString(map);
    Files.writeString(map, whole.substring(0, whole.indexOf("/abs/build/lib2.o") + "/abs/build/lib2".length()));
    Path f = Files.writeString(dir.resolve("p.yaml"), PolicyCommandTest.POLICY.replace("lib2:", "lib3:"));
    Run r = CliTest.ukhook("policy", "check", f.toString(), run.toString());
    assertEquals(new Run(ExitCode.FAILURE, "", "ukhook: link map " + map + " is damaged: it covers only 8160 of "
        + "the 16384 bytes of the image's code [0x100000, 0x104000) (a hole of 8208 bytes at 0x101ff0): the map is "
        + "cut or belongs to another build; pass the whole map of the image's final link; the policy was not "
        + "checked\n"), r);

    Files.writeString(map, whole);
    assertEquals(ExitCode.OK, CliTest.ukhook("policy", "check", f.toString(), run.toString()).exitCode());
  }

  // 14: a damaged run.json is one line: where, what, what to do; no parser internals.
  @Test
  void aDamagedRunJsonIsOneLine() throws IOException {
    Path run = run();
    Files.writeString(run.resolve(RunDir.RUN_JSON), "{\"transparent\": [\n");
    Run r = CliTest.ukhook("report", run.toString());
    assertEquals(new Run(ExitCode.FAILURE, "", "ukhook: " + run.resolve(RunDir.RUN_JSON) + ":2:1: not valid "
        + "JSON: unexpected end-of-input: expected close marker for Array (opened at line 1, column 17); `ukhook "
        + "trace` wrote it whole, so it was changed since: fix it by hand, or trace the app again\n"), r);
    Run infer = CliTest.ukhook("policy", "infer", run.toString());
    assertEquals(r.err(), infer.err());
  }

  // 15: every file to write is checked before the trace is read; nothing is printed for a bad one.
  @Test
  void reportChecksItsOutputsBeforeAnyWork() throws IOException {
    Path run = run();
    Run html = CliTest.ukhook("report", run.toString(), "--html", dir.toString());
    assertEquals(new Run(ExitCode.USAGE, "", "ukhook: --html " + dir + ": it is a directory; name the file to "
        + "write\n"), html);
    Path missing = dir.resolve("none/p.json");
    Run perfetto = CliTest.ukhook("report", run.toString(), "--dot", dir.resolve("a.dot").toString(), "--perfetto",
        missing.toString());
    assertEquals(new Run(ExitCode.USAGE, "", "ukhook: --perfetto " + missing + ": directory " + missing.getParent()
        + " does not exist; create it, or name a file in a directory that does; nothing was written\n"), perfetto);
    assertFalse(Files.exists(dir.resolve("a.dot")));
  }

  // 18: a map from a pipe is read once, as a stream.
  @Test
  void aMapFromAPipe() throws Exception {
    Path run = run();
    Path fifo = fifo(dir.resolve("map.fifo"));
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      try (OutputStream out = Files.newOutputStream(fifo)) {
        Files.copy(run.resolve(RunDir.LINK_MAP), out);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Run r = CliTest.ukhook("report", "--trace", run.resolve(RunDir.TRACE).toString(), "--map", fifo.toString(),
        "--transparent", "libnolibc");
    writer.get(10, TimeUnit.SECONDS);
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertEquals(CliTest.ukhook("report", run.toString()).out(), r.out());
    assertEquals("", r.err());

    Run device = CliTest.ukhook("report", "--trace", run.resolve(RunDir.TRACE).toString(), "--map", "/dev/zero");
    assertEquals(new Run(ExitCode.USAGE, "", "ukhook: cannot read link map /dev/zero: it is a character device, "
        + "not a file; pass the file itself\n"), device);
  }

  // 20: report -o and policy infer -o follow one rule: an existing file is kept without --overwrite, a missing
  // directory is not made.
  @Test
  void reportAndInferWriteFilesByOneRule() throws IOException {
    Path run = run();
    Path mine = Files.writeString(dir.resolve("mine.txt"), "mine\n");
    String kept = "ukhook: -o " + mine + ": the file exists; pass --overwrite to replace it, or name another file; "
        + "nothing was written\n";
    assertEquals(new Run(ExitCode.USAGE, "", kept), CliTest.ukhook("report", run.toString(), "-o", mine.toString()));
    assertEquals(new Run(ExitCode.USAGE, "", kept), CliTest.ukhook("policy", "infer", run.toString(), "-o",
        mine.toString()));
    assertEquals("mine\n", Files.readString(mine));

    Path deep = dir.resolve("no/such/out.txt");
    String noDir = "ukhook: -o " + deep + ": directory " + deep.getParent() + " does not exist; create it, or name "
        + "a file in a directory that does; nothing was written\n";
    assertEquals(new Run(ExitCode.USAGE, "", noDir), CliTest.ukhook("report", run.toString(), "-o", deep.toString()));
    assertEquals(new Run(ExitCode.USAGE, "", noDir), CliTest.ukhook("policy", "infer", run.toString(), "-o",
        deep.toString(), "--overwrite"));
    assertFalse(Files.exists(dir.resolve("no")));

    Run report = CliTest.ukhook("report", run.toString(), "-o", mine.toString(), "--overwrite");
    assertEquals(ExitCode.OK, report.exitCode(), report.err());
    assertTrue(Files.readString(mine).startsWith("library "), Files.readString(mine));
    Run infer = CliTest.ukhook("policy", "infer", run.toString(), "-o", mine.toString(), "--overwrite");
    assertEquals(ExitCode.OK, infer.exitCode(), infer.err());
    assertTrue(Files.readString(mine).startsWith("# Inferred by"), Files.readString(mine));
    assertEquals(List.of("mine.txt", "run"), names(dir));
  }

  /** A run whose guest names carry terminal controls: its link map's app object, a program's path, a path. */
  Path hostileRun() throws IOException {
    Path run = run();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TraceWriter w = new TraceWriter(out, TraceHeader.of(4, 1_000_000_000L, TestRuns.IMAGE_A, 4096,
        TraceHeader.Overflow.BLOCK).withText(0x101000L, 0x102800L).withTail(4, 0));
    w.syscall(new SyscallRecord(0, 0, 5, 257, TraceLayout.PATH_BINARY, 0, TraceLayout.FLAG_PATH_ARG,
        new long[] {-100, 0x5000, 0, 0, 0, 0}, 3, 0x101605L, new long[] {0x101e10L},
        new SyscallRecord.Tail("/etc/" + ESC + "[2J\u0007", 0, 0, null)));
    w.load(new LoadRecord(1, 10, 0, 0, 0x401000L, 0, "/bin/" + ESC + "]0;owned\u0007sh"));
    w.end(new FinalRecord(2, 0, 2, 20));
    Files.write(run.resolve(RunDir.TRACE), out.toByteArray());
    Files.writeString(run.resolve(RunDir.LINK_MAP), TestRuns.map(TestRuns.IMAGE_A)
        .replace("/abs/build/apphello.o", "/abs/build/app" + ESC + "[31mhello.o"));
    return run;
  }

  // 10: nothing the guest, a link map or a file name says reaches the terminal as a control character.
  @Test
  void guestNamesReachTheTerminalEscaped() throws IOException {
    Path run = hostileRun();
    Run report = CliTest.ukhook("report", run.toString());
    assertEquals(ExitCode.OK, report.exitCode(), report.err());
    assertFalse(report.out().contains(ESC), report.out());
    assertTrue(report.out().contains("\napp\\x1b[31mhello  openat "), report.out());
    assertEquals("ukhook: warning: the image ran 1 Linux program(s) (/bin/\\x1b]0;owned\\x07sh), but no rootfs was "
        + "given: their calls are unattributed; pass --rootfs DIR (the files the initrd was made of)\n", report.err());

    Run query = CliTest.ukhook("query", run.toString(), "SELECT library, path_arg FROM calls");
    assertEquals("library           path_arg\napp\\x1b[31mhello  /etc/\\x1b[2J\\x07\n", query.out());
    assertFalse(query.err().contains(ESC), query.err());

    Run calls = CliTest.ukhook("report", run.toString(), "--calls");
    assertTrue(calls.out().startsWith("[app\\x1b[31mhello] openat(AT_FDCWD, \"/etc/\\x1b[2J\\x07\""), calls.out());
    assertFalse(calls.out().contains(ESC), calls.out());

    Path named = Files.writeString(dir.resolve("p" + ESC + "[2J.yaml"), PolicyCommandTest.POLICY);
    Run check = CliTest.ukhook("policy", "check", named.toString());
    assertEquals(new Run(ExitCode.OK, dir + "/p\\x1b[2J.yaml: ok (2 libraries, 2 phases, 5 syscalls allowed in "
        + "all)\n", ""), check);
    // YAML refuses a raw ESC, but a double-quoted scalar may spell one: \e, \a
    Files.writeString(named, "version: 1\nlibraries:\n  \"lib\\e]0;x\\a\":\n    allow: [getpid]\n");
    Run bad = CliTest.ukhook("policy", "check", named.toString(), run.toString());
    assertEquals(ExitCode.USAGE, bad.exitCode());
    assertFalse(bad.err().contains(ESC), bad.err());
    assertTrue(bad.err().startsWith("ukhook: " + dir + "/p\\x1b[2J.yaml:3: library `lib\\x1b]0;x\\x07` is not in "
        + "this image"), bad.err());
  }

  static List<String> names(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** A FIFO made with mkfifo(1): Java cannot make one. */
  static Path fifo(Path at) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("mkfifo", at.toString()).redirectErrorStream(true).start();
    assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
    return at;
  }
}
