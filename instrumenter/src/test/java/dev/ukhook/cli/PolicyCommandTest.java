package dev.ukhook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.attribution.LinkMap;
import dev.ukhook.attribution.TestMaps;
import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.format.EventRecord;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.format.RunDir;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceWriter;
import dev.ukhook.format.Traces;
import dev.ukhook.policy.LibTable;
import dev.ukhook.report.TestRuns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `ukhook policy check` and `ukhook policy infer`, in process. */
class PolicyCommandTest {
  static final String POLICY = """
      version: 1
      phases: [startup, serving]
      libraries:
        lib1:
          allow: [getpid, write]
        lib2:
          default: log
          allow:
            startup: [read]
      """;

  @TempDir Path dir;

  /** A run of a TestMaps image (lib0..lib3): lib1 calls getpid through lib0, which is transparent. */
  Path runDir(Path run) throws IOException {
    Files.createDirectories(run);
    List<SyscallRecord> records = LongStream.range(0, 6).mapToObj(s -> new SyscallRecord(s, 10 * s, 10 * s + 5, 39,
        0, new long[6], 1, TestMaps.in(0, 0x10), new long[] {TestMaps.in(1, 0x20)})).toList();
    TraceHeader h = Traces.header(2).withText(TestMaps.TEXT_START, TestMaps.textEnd(4));
    Files.write(run.resolve(RunDir.TRACE), Traces.encode(h, records, new FinalRecord(6, 0, 6, 99)));
    Files.writeString(run.resolve(RunDir.LINK_MAP), TestMaps.map(Traces.IMAGE_ID, 4));
    Files.writeString(run.resolve(RunDir.IMAGE_ID), Traces.IMAGE_ID + "\n");
    Files.writeString(run.resolve(RunDir.RUN_JSON), "{\"transparent\": [\"lib0\"]}");
    return run;
  }

  static final String INFERRED_TAIL = """
      version: 1
      default: deny
      errno: EPERM
      phases: [all]
      transparent: [lib0]
      libraries:
        lib1:
          allow:
            - getpid  # 6 calls
      """;

  static final String NO_CALLS = "ukhook: warning: 2 libraries of the image made no system call in these runs, so "
      + "none is allowed to them: lib2, lib3\n";

  @Test
  void checkPrintsASummary() throws IOException {
    Path f = Files.writeString(dir.resolve("p.yaml"), POLICY);
    Run r = CliTest.ukhook("policy", "check", f.toString());
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertEquals(f + ": ok (2 libraries, 2 phases, 5 syscalls allowed in all)\n", r.out());
    assertEquals("", r.err());
  }

  @Test
  void checkAgainstARunsImage() throws IOException {
    Path run = runDir(dir.resolve("run"));
    Path f = Files.writeString(dir.resolve("p.yaml"), POLICY);
    assertEquals(ExitCode.OK, CliTest.ukhook("policy", "check", f.toString(), run.toString()).exitCode());

    Files.writeString(f, POLICY.replace("lib2:", "libsmnet:"));
    Run r = CliTest.ukhook("policy", "check", f.toString(), run.toString());
    assertEquals(ExitCode.USAGE, r.exitCode());
    assertEquals("", r.out());
    assertEquals("ukhook: " + f + ":6: library `libsmnet` is not in this image; the closest it has: lib0, lib1, "
        + "lib2\nfix it (the format is in docs/policy.md) and check again with `ukhook policy check " + f
        + "`; nothing was changed\n", r.err());
  }

  @Test
  void checkListsEveryProblem() throws IOException {
    Path f = Files.writeString(dir.resolve("p.yaml"), "version: 1\ndefault: block\nlibraries:\n  lib1:\n"
        + "    allow: [getpd]\n");
    Run r = CliTest.ukhook("policy", "check", f.toString());
    assertEquals(ExitCode.USAGE, r.exitCode());
    assertEquals("ukhook: " + f + ":2: unknown action `block`: use allow, log, deny or kill\n"
        + f + ":5: unknown system call `getpd` (did you mean getpid?): use the x86-64 Linux name, as in "
        + "syscall_64.tbl\n"
        + "fix these 2 problems (the format is in docs/policy.md) and check again with `ukhook policy check " + f
        + "`; nothing was changed\n", r.err());
  }

  @Test
  void checkAMissingFileOrRunDirectory() throws IOException {
    Path none = dir.resolve("none.yaml");
    Run r = CliTest.ukhook("policy", "check", none.toString());
    assertEquals(ExitCode.USAGE, r.exitCode());
    assertEquals("ukhook: no policy file at " + none + ": pass a policy (docs/policy.md), or infer one from a run "
        + "with `ukhook policy infer RUN_DIR -o " + none + "`\n", r.err());

    Path f = Files.writeString(dir.resolve("p.yaml"), POLICY);
    Run noRun = CliTest.ukhook("policy", "check", f.toString(), dir.resolve("norun").toString());
    assertEquals(ExitCode.USAGE, noRun.exitCode());
    assertEquals("ukhook: " + dir.resolve("norun") + " is not a run directory; pass APP/.ukhook/runs/<time>, or "
        + "leave it out to check the policy without an image\n", noRun.err());
  }

  /** A run of a filtering TestMaps image that is still going: its table, and run.json naming its push socket. */
  Path runningRun(Path run, Path socket) throws IOException {
    runDir(run);
    byte[] text = new byte[(int) (TestMaps.textEnd(4) - TestMaps.TEXT_START)];
    LibTable t = LibTable.of(LinkMap.read(run.resolve(RunDir.LINK_MAP)), Traces.IMAGE_ID, TestMaps.TEXT_START,
        TestMaps.textEnd(4), ByteBuffer.wrap(text));
    Files.write(run.resolve(RunDir.LIB_TABLE), t.bytes());
    Files.writeString(run.resolve(RunDir.RUN_JSON), "{\"transparent\": [\"lib0\"], \"policy_socket\": \""
        + socket + "\"}");
    return run;
  }

  /** The running ukhook's side of a push: takes the policy, then answers {@code answer} (nothing if empty). */
  static CompletableFuture<byte[]> answers(ServerSocketChannel server, String answer) {
    return CompletableFuture.supplyAsync(() -> {
      try (SocketChannel c = server.accept()) {
        ByteBuffer b = ByteBuffer.allocate(PolicyLayout.Policy.SIZE + 1);
        while (c.read(b) >= 0) {
          // until the client shuts its side down
        }
        c.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)));
        return Arrays.copyOf(b.array(), b.position());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  // Issue 18 defect 2: a push whose run ended before the guest answered printed "ukhook: FILE: " with no reason,
  // and kept policy-<sum>.yaml beside the trace for a policy that never came into force.
  @Test
  void aPushTheRunEndsBeforeAnsweringSaysSoAndKeepsNoPolicyFile() throws Exception {
    Path socket = dir.resolve("policy.sock");
    Path run = runningRun(dir.resolve("run"), socket);
    Path f = Files.writeString(dir.resolve("p.yaml"), POLICY);
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      CompletableFuture<byte[]> got = answers(server, "");
      Run r = CliTest.ukhook("policy", "push", run.toString(), f.toString());

      assertEquals(PolicyLayout.Policy.SIZE, got.get().length);
      assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
      assertEquals("", r.out());
      assertEquals("ukhook: " + f + ": not in force: the run on " + socket + " ended before it answered, so the "
          + "policy may never have been applied; push into a run that is still going\n", r.err());
      try (Stream<Path> files = Files.list(run)) {
        assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("policy-"))
            .toList());
      }
    }
  }

  @Test
  void aPushTheGuestPutsInForceIsKeptBesideTheTraceForItsOwnerOnly() throws Exception {
    Path socket = dir.resolve("policy.sock");
    Path run = runningRun(dir.resolve("run"), socket);
    Path f = Files.writeString(dir.resolve("p.yaml"), POLICY);
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      CompletableFuture<byte[]> got = answers(server, "in force from record #7 on (policy 1234)\n");
      Run r = CliTest.ukhook("policy", "push", run.toString(), f.toString());

      assertEquals(ExitCode.OK, r.exitCode(), r.err());
      assertEquals(f + ": in force from record #7 on (policy 1234)\n", r.out());
      long checksum = ByteBuffer.wrap(got.get()).order(ByteOrder.LITTLE_ENDIAN)
          .getLong(PolicyLayout.Policy.CHECKSUM.offset());
      Path kept = run.resolve("policy-" + Long.toHexString(checksum) + ".yaml");
      assertEquals(POLICY, Files.readString(kept));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)));
    }
  }

  @Test
  void policyAloneSaysWhatToDo() {
    Run r = CliTest.ukhook("policy");
    assertEquals(ExitCode.USAGE, r.exitCode());
    assertEquals("ukhook: missing policy command: try `ukhook policy check FILE` or `ukhook policy infer RUN_DIR -o "
        + "FILE`\n", r.err());
  }

  @Test
  void inferToStdout() throws IOException {
    Path run = runDir(dir.resolve("run"));
    Run r = CliTest.ukhook("policy", "infer", run.toString());
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertTrue(r.out().startsWith("# Inferred by `ukhook policy infer` from 1 run:\n#   " + run + " (image "
        + Traces.IMAGE_ID + ")\n"), r.out());
    assertTrue(r.out().endsWith(INFERRED_TAIL), r.out());
    assertEquals(NO_CALLS + "next: ukhook trace APP --policy FILE\n", r.err());
  }

  @Test
  void inferToAFileThenCheckIt() throws IOException {
    Path app = dir.resolve("app");
    Path run = runDir(app.resolve(".ukhook/runs/2026-11-26T10-00-00"));
    Path f = dir.resolve("policy.yaml");
    Run r = CliTest.ukhook("policy", "infer", run.toString(), "-o", f.toString());
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertEquals("", r.out());
    assertTrue(Files.readString(f).endsWith(INFERRED_TAIL), Files.readString(f));
    assertEquals(NO_CALLS + "wrote " + f + ": 1 library, 1 syscall allowed\nnext: ukhook trace " + app
        + " --policy " + f + "\n", r.err());

    Run check = CliTest.ukhook("policy", "check", f.toString(), run.toString());
    assertEquals(ExitCode.OK, check.exitCode(), check.err());
    assertEquals(f + ": ok (1 library, 1 phase, 1 syscall allowed in all)\n", check.out());
  }

  /** --sequences: each library's transitions per thread (one thread here: getpid after getpid), checked by check. */
  @Test
  void inferWithSequencesThenCheckIt() throws IOException {
    Path run = runDir(dir.resolve("run"));
    Path f = dir.resolve("policy.yaml");
    Run r = CliTest.ukhook("policy", "infer", "--sequences", run.toString(), "-o", f.toString());
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertTrue(Files.readString(f).endsWith("""
              - getpid  # 6 calls
            sequence:  # 2 transitions seen, per thread
              after:
                start: [getpid]
                getpid: [getpid]
        """), Files.readString(f));
    assertTrue(r.err().contains("wrote " + f + ": 1 library, 1 syscall allowed, 2 transitions in their sequences\n"),
        r.err());
    Run check = CliTest.ukhook("policy", "check", f.toString(), run.toString());
    assertEquals(f + ": ok (1 library, 1 phase, 1 syscall allowed in all; 2 transitions in 1 sequence)\n",
        check.out());
  }

  @Test
  void inferRefusesToOverwriteUnlessForced() throws IOException {
    Path run = runDir(dir.resolve("run"));
    Path f = Files.writeString(dir.resolve("policy.yaml"), "mine\n");
    Run r = CliTest.ukhook("policy", "infer", run.toString(), "-o", f.toString());
    assertEquals(ExitCode.USAGE, r.exitCode());
    assertEquals("ukhook: -o " + f + ": the file exists; pass --overwrite to replace it, or name another file; "
        + "nothing was written\n", r.err());
    assertEquals("mine\n", Files.readString(f));

    Run forced = CliTest.ukhook("policy", "infer", run.toString(), "-o", f.toString(), "--force");
    assertEquals(ExitCode.OK, forced.exitCode(), forced.err());
    assertTrue(Files.readString(f).endsWith(INFERRED_TAIL), Files.readString(f));
  }

  // Issue 18, defect 19: docs/policy.md said infer puts every call in phase `all`; a run with phase marks gets a
  // phase per mark, and the doc shows what infer writes for one.
  @Test
  void inferWithPhaseMarksWritesWhatTheDocShows() throws IOException {
    Path run = TestRuns.write(dir.resolve("run"), TestRuns.IMAGE_A, List.of(TestRuns.posix(0, 39),
        TestRuns.app(1, 12), TestRuns.mark(2, 0, 1), TestRuns.app(3, 1), TestRuns.app(4, 1), TestRuns.posix(5, 39)));
    Run r = CliTest.ukhook("policy", "infer", run.toString());
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    String policy = r.out().substring(r.out().indexOf("phases: "));
    assertTrue(policy.startsWith("phases: [phase0, phase1]\n"), policy);
    String doc = Files.readString(Path.of("../docs/policy.md"));
    assertTrue(doc.contains("```yaml\n" + policy + "```\n"), "docs/policy.md does not show:\n" + policy);
  }

  @Test
  void inferFromTwoRunsAndFromNone() throws IOException {
    Path a = runDir(dir.resolve("a"));
    Path b = runDir(dir.resolve("b"));
    Run r = CliTest.ukhook("policy", "infer", a.toString(), b.toString());
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertTrue(r.out().contains("from 2 runs:\n"), r.out());
    assertTrue(r.out().contains("- getpid  # 12 calls\n"), r.out());

    Run none = CliTest.ukhook("policy", "infer");
    assertEquals(ExitCode.USAGE, none.exitCode());
    assertTrue(none.err().startsWith("ukhook: missing required parameter: 'RUN_DIR'"), none.err());
  }
  /** A run of the TestMaps image whose trace holds {@code records}: syscall and event records, in stream order. */
  Path runDir(Path run, List<?> records) throws IOException {
    runDir(run);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    TraceWriter w = new TraceWriter(out, Traces.header(2).withText(TestMaps.TEXT_START, TestMaps.textEnd(4)));
    for (Object r : records) {
      if (r instanceof SyscallRecord c) {
        w.syscall(c);
      } else {
        w.event((EventRecord) r);
      }
    }
    w.end(new FinalRecord(records.size(), 0, records.size(), 99));
    Files.write(run.resolve(RunDir.TRACE), out.toByteArray());
    return run;
  }

  /** lib1's getpid through lib0, as record {@code seq}. */
  static SyscallRecord getpid(long seq) {
    return new SyscallRecord(seq, 10 * seq, 10 * seq + 5, 39, 0, new long[6], 1, TestMaps.in(0, 0x10),
        new long[] {TestMaps.in(1, 0x20)});
  }

  static EventRecord mark(long seq, int to) {
    return new EventRecord(seq, 10 * seq, 0, PolicyLayout.EVENT_MARK, 0, to, 0, 0, 0);
  }

  /** Issue 18, defect 6: `ukhook_phase(9)` in a trace made `policy infer` fail with an internal error (exit 4). */
  @Test
  void inferRefusesAPhaseBeyondThePolicyLimitInOneLine() throws IOException {
    Path f = dir.resolve("policy.yaml");
    for (int phase : new int[] {8, 9, 255}) {
      Path run = runDir(dir.resolve("run" + phase), List.of(getpid(0), mark(1, phase), getpid(2)));
      Run r = CliTest.ukhook("policy", "infer", run.toString(), "-o", f.toString());
      assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
      assertEquals("ukhook: run " + run + ": its trace switches to phase " + phase + " (event record seq 1), but a"
          + " policy holds at most 8 phases (0 to 7) and the guest writes no switch beyond them: the trace is"
          + " corrupted; infer from the other runs\n", r.err());
      assertEquals("", r.out());
      assertFalse(Files.exists(f));
    }
    // The last phase a policy holds is inferred like any other.
    Path run = runDir(dir.resolve("run7"), List.of(getpid(0), mark(1, 7), getpid(2)));
    Run r = CliTest.ukhook("policy", "infer", run.toString(), "-o", f.toString());
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertTrue(Files.readString(f).contains("phases: [phase0, phase1, phase2, phase3, phase4, phase5, phase6,"
        + " phase7]\n"), Files.readString(f));
  }

  /** Issue 18, defect 16: a trace without a system call gave an allow-nothing policy with exit 0. */
  @Test
  void inferFromATraceWithoutACallRefusesAndWritesNothing() throws IOException {
    Path f = dir.resolve("policy.yaml");
    Path empty = runDir(dir.resolve("empty"), List.of());
    Path marked = runDir(dir.resolve("marked"), List.of(mark(0, 1)));
    for (Path run : List.of(empty, marked)) {
      Run r = CliTest.ukhook("policy", "infer", run.toString(), "-o", f.toString());
      assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
      assertEquals("ukhook: " + run + ": no system call was recorded although the guest sent a trace"
          + (run == marked ? " (only 1 load or filter event record)" : "") + ": if the program makes system calls,"
          + " the image was built without the hooks (the tree restored, or objects older than"
          + " `ukhook instrument`); run `ukhook instrument` and `ukhook build` again; no policy was written\n",
          r.err());
      assertFalse(Files.exists(f));
      Run toStdout = CliTest.ukhook("policy", "infer", run.toString());
      assertEquals(ExitCode.FAILURE, toStdout.exitCode(), toStdout.err());
      assertEquals("", toStdout.out());
    }
    // Calls that no library can be allowed (here, none from the image's code) are no better.
    Path nowhere = runDir(dir.resolve("nowhere"), List.of(new SyscallRecord(0, 0, 5, 39, 0, new long[6], 1,
        0x900000L, new long[0])));
    Run r = CliTest.ukhook("policy", "infer", nowhere.toString(), "-o", f.toString());
    assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
    assertEquals("ukhook: the 1 call of run " + nowhere + " (image " + Traces.IMAGE_ID + ") cannot be allowed to"
        + " a library (1 unattributed): a policy inferred from it would refuse every call; trace the program doing"
        + " its work and infer from that run\n", r.err());
    assertFalse(Files.exists(f));
  }
}
