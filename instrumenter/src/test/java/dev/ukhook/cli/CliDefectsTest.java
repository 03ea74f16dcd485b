package dev.ukhook.cli;

import static dev.ukhook.cli.CliTest.assertOneLine;
import static dev.ukhook.cli.CliTest.ukhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.core.Unwritable;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.Traces;
import dev.ukhook.pipeline.AppOnTreeTest;
import dev.ukhook.pipeline.TestTrees;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regression tests for the defects 8 to 12 of issue 6 that need only the command line: each failed on the
 * code before the fix. (Those that need a fake make are in CliPipelineTest and PipelineTest.)
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliDefectsTest extends AppOnTreeTest {

  /**
   * ukhook in a JVM of its own, as `./ukhook` runs it: what a shutdown hook prints when the JVM exits shows up
   * only there. {@code whileRunning} gets the process and its stderr so far before it is waited for.
   */
  static Run ukhookProcess(BiConsumer<Process, StringBuffer> whileRunning, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    StringBuffer err = new StringBuffer();
    Thread errReader = new Thread(() -> {
      try {
        p.getErrorStream().transferTo(new OutputStream() {
          @Override
          public void write(int b) {
            err.append((char) b);
          }
        });
      } catch (IOException ignored) {
        // the process ended
      }
    });
    errReader.start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    });
    whileRunning.accept(p, err);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("ukhook " + String.join(" ", args) + " did not end; stderr so far: " + err);
    }
    errReader.join(5_000);
    return new Run(p.exitValue(), out.get(5, TimeUnit.SECONDS), err.toString());
  }

  static Run ukhookProcess(String... args) throws Exception {
    return ukhookProcess((p, err) -> {}, args);
  }

  // Defect 11: parse errors exited 4 and printed the whole usage.
  @Test
  void parseErrorsAreOneLineAndExit2() {
    assertParseError("ukhook: invalid value for option '--frames': 'abc' is not an int (try: ukhook help instrument)",
        "instrument", "--frames", "abc", "x");
    assertParseError("ukhook: unknown option: '--bogus' (try: ukhook help instrument)", "instrument", "--bogus", "x");
    assertParseError("ukhook: invalid value for option '--accel': expected one of [AUTO, KVM, TCG] (case-insensitive)"
        + " but was 'fast' (try: ukhook help run)", "run", "x", "--accel", "fast");
    assertParseError("ukhook: invalid value for option '--overflow': expected one of [BLOCK, DROP] (case-insensitive)"
        + " but was 'lose' (try: ukhook help trace)", "trace", "x", "--overflow", "lose");
    assertParseError("ukhook: missing required option: '--socket=PATH' (try: ukhook help collect)", "collect");
    assertParseError("ukhook: unmatched argument at index 0: 'instrumnet' (try: ukhook help)", "instrumnet");
    assertParseError("ukhook: missing required parameter: 'FILE' (try: ukhook policy check --help)", "policy",
        "check");
  }

  private static void assertParseError(String expected, String... args) {
    Run r = ukhook(args);
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertEquals(expected + "\n", r.err());
    assertEquals("", r.out());
  }

  // Defect 8: collect printed a Java stack trace on every startup failure.
  @Test
  void collectStartupFailuresAreOneLine() throws Exception {
    Path missingDir = dir.resolve("missing/ukhook.sock");
    Run r = ukhookProcess("collect", "--socket", missingDir.toString(), "-o", dir.resolve("t.ukt").toString());
    assertEquals(ExitCode.ENVIRONMENT, r.exitCode(), r.err());
    assertEquals("ukhook: cannot listen on socket " + missingDir + ": no such file or directory\n", r.err());

    Path regular = Files.writeString(dir.resolve("regular"), "x");
    r = ukhookProcess("collect", "--socket", regular.toString(), "-o", dir.resolve("t.ukt").toString());
    assertEquals(ExitCode.ENVIRONMENT, r.exitCode(), r.err());
    assertEquals("ukhook: " + regular + " exists and is not a socket; remove it or choose another socket path\n",
        r.err());
    assertFalse(Files.exists(dir.resolve("t.ukt")));
  }

  // Defect 8: --connect said "connected" before it was, and its timeout printed a stack trace.
  @Test
  void collectConnectSaysConnectedOnlyOnceItIs() throws Exception {
    Path socket = dir.resolve("qemu.sock");
    Path trace = dir.resolve("t.ukt");
    Run r = ukhookProcess((process, err) -> {
      try {
        Thread.sleep(1_500); // the JVM is up and retrying; QEMU has not made its socket yet
        assertFalse(err.toString().contains("connected"), err.toString());
        try (ServerSocketChannel qemu = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
          qemu.bind(UnixDomainSocketAddress.of(socket));
          try (SocketChannel guest = qemu.accept()) {
            guest.write(ByteBuffer.wrap(stream()));
          }
        }
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }, "collect", "--connect", "--socket", socket.toString(), "-o", trace.toString(), "--timeout", "30");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertEquals("ukhook: connected to " + socket + ", writing " + trace + "\n", r.err());
    assertTrue(r.out().startsWith("3 records ("), r.out());
  }

  @Test
  void collectConnectTimeoutIsOneLine() throws Exception {
    Path socket = dir.resolve("qemu.sock");
    Run r = ukhookProcess("collect", "--connect", "--socket", socket.toString(), "-o", dir.resolve("t.ukt").toString(),
        "--timeout", "1");
    assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
    assertOneLine(r.err());
    assertTrue(r.err().startsWith("ukhook: could not connect to QEMU's trace socket " + socket + " within 1000 ms"),
        r.err());
    assertFalse(Files.exists(dir.resolve("t.ukt")));
  }

  // Defect 9: a timeout with no connection exited 0 and left an empty trace file.
  @Test
  void collectTimeoutWithoutAConnectionIsAFailureAndLeavesNoFile() throws Exception {
    Path socket = dir.resolve("c.sock");
    Path trace = dir.resolve("t.ukt");
    Run r = ukhookProcess("collect", "--socket", socket.toString(), "-o", trace.toString(), "--timeout", "1");
    assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
    assertEquals("ukhook: listening on " + socket + ", writing " + trace + "\n"
        + "ukhook: no connection on " + socket + ": QEMU never connected, nothing was traced (no trace file written)\n",
        r.err());
    assertEquals("", r.out());
    assertFalse(Files.exists(trace));
    assertFalse(Files.exists(socket));
  }

  // Defect 10: a path with a space passed instrument, then broke the build.
  @Test
  void anAppPathWithASpaceIsRefusedUpFront() throws IOException {
    Path spaced = TestTrees.app(dir, "my app");
    String before = Files.readString(handler);
    Run r = ukhook("instrument", "--unikraft", uk.toString(), spaced.toString(), "--accel", "tcg");
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertOneLine(r.err());
    assertTrue(r.err().startsWith("ukhook: the application directory " + spaced + " contains a space, which "
        + "Unikraft's make cannot handle"), r.err());
    assertEquals(before, Files.readString(handler));
    assertFalse(Files.exists(spaced.resolve(".ukhook")));
  }

  // Defect 12: a tree the user cannot write still got APP/.ukhook written, and the message named a temporary file.
  @Test
  void anUnwritableTreeIsRefusedBeforeTheWorkspaceIsWritten() throws Exception {
    Path shim = handler.getParent();
    try {
      assumeTrue(Unwritable.make(shim), Unwritable.SKIPPED);
      Run r = ukhook("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg");
      assertEquals(ExitCode.ENVIRONMENT, r.exitCode(), r.err());
      assertOneLine(r.err());
      assertTrue(r.err().startsWith("ukhook: cannot write " + handler + ": "), r.err());
      assertFalse(r.err().contains(".tmp"), r.err());
      assertFalse(Files.exists(app.resolve(".ukhook")));
    } finally {
      Unwritable.undo(shim);
    }
  }

  // Defect 12: -M 0 left a run directory behind; --timeout -1 was accepted.
  @Test
  void badRunOptionsLeaveNoRunDirectory() throws IOException {
    Path built = handMadeBuild();
    Run r = ukhook("run", built.toString(), "--accel", "tcg", "-M", "0", "--qemu", "/bin/true");
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertEquals("ukhook: guest memory must be a positive number of MiB, not 0\n", r.err());
    assertFalse(Files.exists(built.resolve(".ukhook/runs")));

    r = ukhook("run", built.toString(), "--accel", "tcg", "--timeout", "-1", "--qemu", "/bin/true");
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertEquals("ukhook: --timeout must be 0 (no limit) or a positive number of seconds up to 315360000 (ten years), "
        + "not -1\n", r.err());
    assertFalse(Files.exists(built.resolve(".ukhook/runs")));

    r = ukhook("collect", "--socket", dir.resolve("s.sock").toString(), "--timeout", "-5");
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertEquals("ukhook: --timeout must be a positive number of seconds up to 315360000 (ten years), not -5\n",
        r.err());
  }

  // Format 4: an image built before every image had a library table was refused with "cannot copy ... no such file".
  @Test
  void anImageWithoutALibraryTableIsRefusedBeforeAnythingIsCreated() throws IOException {
    Path built = handMadeBuild();
    Files.delete(built.resolve(".ukhook/build/libtable.bin"));
    Run r = ukhook("run", built.toString(), "--accel", "tcg", "--qemu", "/bin/true");
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertEquals("ukhook: the image in " + built.resolve(".ukhook/build") + " has no library table (libtable.bin): it "
        + "was built by an older ukhook or its build did not finish; run `ukhook build " + built + "` again\n", r.err());
    assertFalse(Files.exists(built.resolve(".ukhook/runs")));
  }

  // Issue 18, defect 8: a huge --timeout overflowed (internal error) after the socket and an empty trace file were
  // made, and the rerun was refused because of that file.
  @Test
  void aHugeTimeoutIsAUsageErrorBeforeAnythingIsCreated() throws IOException {
    Path socket = dir.resolve("s.sock");
    Path trace = dir.resolve("t.ukt");
    Run r = ukhook("collect", "--socket", socket.toString(), "-o", trace.toString(), "--timeout", "99999999999999");
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertEquals("ukhook: --timeout must be a positive number of seconds up to 315360000 (ten years), "
        + "not 99999999999999\n", r.err());
    assertFalse(Files.exists(socket));
    assertFalse(Files.exists(trace));

    Path built = handMadeBuild();
    r = ukhook("run", built.toString(), "--accel", "tcg", "--timeout", "99999999999999", "--qemu", "/bin/true");
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertEquals("ukhook: --timeout must be 0 (no limit) or a positive number of seconds up to 315360000 "
        + "(ten years), not 99999999999999\n", r.err());
    r = ukhook("run", built.toString(), "--accel", "tcg", "--net", "user", "--forward", "127.0.0.1:16379:6379",
        "--stall", "315360001", "--qemu", "/bin/true");
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertEquals("ukhook: --stall must be 0 (no limit) or a positive number of seconds up to 315360000 "
        + "(ten years), not 315360001\n", r.err());
    assertFalse(Files.exists(built.resolve(".ukhook/runs")));
  }

  // Issue 18, defect 21: SIGKILL of ukhook left QEMU running for ever with its pidfile; nothing noticed later.
  @Test
  void qemuDiesWithAKilledUkhookAndTheNextRunRemovesItsPidfile() throws Exception {
    Path built = handMadeBuild();
    // QEMU as far as this needs: writes its -pidfile, then runs until it is killed.
    Path fakeQemu = dir.resolve("fake-qemu");
    Files.writeString(fakeQemu, "#!/bin/sh\nwhile [ $# -gt 1 ]; do [ \"$1\" = -pidfile ] && pidfile=$2; shift; done\n"
        + "echo $$ > \"$pidfile.tmp\" && mv \"$pidfile.tmp\" \"$pidfile\"\nwhile :; do sleep 0.1; done\n");
    assertTrue(fakeQemu.toFile().setExecutable(true));
    Path runs = built.resolve(".ukhook/runs");
    long[] qemuPid = {0};
    Path[] pidFile = {null};

    ukhookProcess((ukhook, err) -> {
      try {
        for (int i = 0; i < 400 && pidFile[0] == null; i++) {
          Thread.sleep(50);
          try (var dirs = Files.list(runs)) {
            pidFile[0] = dirs.map(d -> d.resolve("qemu.pid")).filter(Files::exists).findFirst().orElse(null);
          } catch (IOException notYet) {
            // no run directory yet
          }
        }
        qemuPid[0] = Long.parseLong(Files.readString(pidFile[0]).strip());
      } catch (Exception e) {
        throw new AssertionError("QEMU did not start; ukhook said: " + err, e);
      } finally {
        ukhook.destroyForcibly(); // SIGKILL: no shutdown hook runs
      }
    }, "run", built.toString(), "--accel", "tcg", "--timeout", "0", "--qemu", fakeQemu.toString());

    ProcessHandle qemu = ProcessHandle.of(qemuPid[0]).orElse(null);
    if (qemu != null) {
      try {
        qemu.onExit().get(20, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException stillRunning) {
        qemu.destroyForcibly();
        throw new AssertionError("QEMU (pid " + qemuPid[0] + ") outlived the ukhook that ran it");
      }
    }
    assertTrue(Files.exists(pidFile[0]), "QEMU had no time to remove its pidfile");

    Run r = ukhook("run", built.toString(), "--accel", "tcg", "--qemu", "/bin/true");
    assertTrue(r.err().startsWith("ukhook: note: removed the stale " + pidFile[0] + ": its QEMU (pid " + qemuPid[0]
        + ") was killed before it could remove it\n"), r.err());
    assertFalse(Files.exists(pidFile[0]));
  }

  /** An app as `ukhook build` leaves it, written by hand: the workspace files `run` reads. */
  private Path handMadeBuild() throws IOException {
    Path a = TestTrees.app(dir, "built");
    Path ws = a.resolve(".ukhook");
    Files.createDirectories(ws.resolve("build"));
    Files.writeString(ws.resolve("instrument.json"), """
        {"unikraft": "%s", "version": "0.17.0", "spec": "0.17", "imageId": "0123456789abcdef0123456789abcdef",
         "accel": "tcg", "frames": 4, "ringRecords": 4096, "batchRecords": 512, "overflow": "block",
         "libraries": ["%s"], "transparent": ["libnolibc", "libsyscall_shim"]}
        """.formatted(uk, ws.resolve("libukhook")));
    Files.writeString(ws.resolve("config"), "CONFIG_LIBUKLIBPARAM=y\n");
    Files.writeString(ws.resolve("build/built_qemu-x86_64"), "image");
    Files.writeString(ws.resolve("build/libtable.bin"), "table"); // run only copies it
    try (InputStream map = getClass().getResourceAsStream("/attrib/hello.map")) {
      Files.write(ws.resolve("build/link.map"), map.readAllBytes());
    }
    return a;
  }

  /** A short trace stream: header, three records, a final record. */
  static byte[] stream() {
    return Traces.encode(Traces.header(4),
        List.of(Traces.record(0, 39, 0x101605), Traces.record(1, 39, 0x101605), Traces.record(2, 39, 0x101605)),
        new FinalRecord(3, 0, 3, 400));
  }
}
