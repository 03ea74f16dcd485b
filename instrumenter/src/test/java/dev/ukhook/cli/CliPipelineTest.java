package dev.ukhook.cli;

import static dev.ukhook.cli.CliTest.assertOneLine;
import static dev.ukhook.cli.CliTest.ukhook;
import static dev.ukhook.cli.CliTest.ukhookProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.core.Unwritable;
import dev.ukhook.pipeline.Fakes;
import dev.ukhook.pipeline.Fakes.FakeMake;
import dev.ukhook.pipeline.Fakes.FakeQemu;
import dev.ukhook.pipeline.Make;
import dev.ukhook.pipeline.Output;
import dev.ukhook.pipeline.Steps;
import dev.ukhook.pipeline.TestTrees;
import dev.ukhook.unikraft.BuildResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The commands end to end with a fake make and a fake QEMU, and the defects of issue 6 (8 to 12). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliPipelineTest {
  @TempDir Path dir;
  final FakeMake make = new FakeMake();
  final FakeQemu qemu = new FakeQemu();
  final Function<Output, Steps> fakes = out -> Fakes.steps(out, make, qemu);
  Path uk;
  Path app;
  Path handler;

  @BeforeEach
  void setUp() throws IOException {
    uk = TestTrees.tree017(dir, "uk");
    app = TestTrees.app(dir, "app");
    handler = uk.resolve(TestTrees.HANDLER);
  }

  Run fake(String... args) {
    return ukhook(fakes, args);
  }

  @Test
  void tracePrintsTheTableOnStdoutAndExitsZero() throws IOException {
    Run r = fake("trace", app.toString(), "--unikraft", uk.toString(), "--accel", "tcg");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    String imageId = Files.readString(app.resolve(".ukhook/build/image-id")).strip();
    assertEquals(Fakes.table(imageId), r.out());
    r.err().lines().forEach(l -> assertTrue(l.startsWith("ukhook: "), l));
    assertTrue(r.err().contains("ukhook: guest shut down after"), r.err());
    assertTrue(r.err().endsWith("ukhook: results in " + app.resolve(".ukhook/runs/" + Fakes.RUN_DIR)
        + " (table.txt, results.json, trace.ukt, console.log, qemu.log)\n"), r.err());
  }

  @Test
  void theStepsOneByOneSayWhatComesNext() {
    Run i = fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg");
    assertEquals(ExitCode.OK, i.exitCode(), i.err());
    assertEquals("next: ukhook build " + app + "\n", i.out());
    Run b = fake("build", app.toString());
    assertEquals(ExitCode.OK, b.exitCode(), b.err());
    assertEquals("next: ukhook run " + app + "\n", b.out());
    Run r = fake("run", app.toString(), "--accel", "tcg", "--timeout", "7");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertEquals(java.time.Duration.ofSeconds(7), qemu.timeouts.get(0));
  }

  @Test
  void missingRecordsAreAFailure() {
    qemu.claimedTotal = 4;
    Run r = fake("trace", app.toString(), "--unikraft", uk.toString(), "--accel", "tcg");
    assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
    assertTrue(r.err().contains("ukhook: 1 records missing (sent by the guest but not received)"), r.err());
  }

  @Test
  void enumOptionsTakeAnyCase() throws IOException {
    Run r = fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "TCG", "--overflow", "Drop");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    var state = new ObjectMapper().readTree(app.resolve(".ukhook/instrument.json").toFile());
    assertEquals("drop", state.get("overflow").asText());
    assertEquals("tcg", state.get("accel").asText());
  }

  @Test
  void everySubcommandHasHelp() {
    for (String cmd : List.of("instrument", "build", "run", "trace", "collect", "report", "restore")) {
      Run r = ukhook(cmd, "--help");
      assertEquals(ExitCode.OK, r.exitCode(), cmd + ": " + r.err());
      assertTrue(r.out().startsWith("Usage: ukhook " + cmd), r.out());
      assertEquals("", r.err());
    }
    assertTrue(ukhook("instrument", "--help").out().contains("--overflow=block|drop"));
  }

  // An exception that is not a UkhookException is a bug in ukhook: exit 4, one line, no stack trace.
  @Test
  void anUnexpectedExceptionIsAnInternalErrorNotAUsageError() {
    Make broken = new Make() {
      @Override
      public BuildResult run(List<String> args, Path logFile) {
        throw new IllegalArgumentException("a bug");
      }

      @Override
      public List<String> tools() {
        return List.of();
      }
    };
    Function<Output, Steps> wiring = out -> Fakes.steps(out, make, qemu).withMake(broken);
    Run r = ukhook(wiring, "instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg");
    assertEquals(ExitCode.INTERNAL, r.exitCode());
    assertTrue(r.err().endsWith("\nukhook: internal error: java.lang.IllegalArgumentException: a bug (rerun with "
        + "--stacktrace and report it)\n"), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    Run traced = ukhook(wiring, "instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg",
        "--stacktrace");
    assertTrue(traced.err().contains("\tat dev.ukhook."), traced.err());
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
            guest.write(ByteBuffer.wrap(CliPipelineTest.stream()));
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
    Run r = fake("instrument", "--unikraft", uk.toString(), spaced.toString(), "--accel", "tcg");
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertOneLine(r.err());
    assertTrue(r.err().startsWith("ukhook: the application directory " + spaced + " contains a space, which "
        + "Unikraft's make cannot handle"), r.err());
    assertEquals(before, Files.readString(handler));
    assertFalse(Files.exists(spaced.resolve(".ukhook")));
  }

  // Defect 12: two instrument runs on the same app raced. The other ukhook here is another JVM.
  @Test
  void instrumentRefusesWhileAnotherProcessWorksOnTheApp() throws Exception {
    Path holder = Files.writeString(dir.resolve("LockHolder.java"), """
        import java.nio.channels.FileChannel;
        import java.nio.file.*;
        public class LockHolder {
          public static void main(String[] a) throws Exception {
            Files.createDirectories(Path.of(a[0]).getParent());
            try (FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE); var l = c.lock()) {
              System.out.println("locked");
              System.out.flush();
              System.in.read();
            }
          }
        }
        """);
    String before = Files.readString(handler);
    Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        holder.toString(), app.resolve(".ukhook/lock").toString()).start();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(other.getInputStream(),
        StandardCharsets.UTF_8))) {
      assertEquals("locked", lines.readLine());
      Run r = fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg");
      assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
      assertEquals("ukhook: another ukhook is working on " + app + " (it holds " + app.resolve(".ukhook/lock")
          + "); wait for it to finish and try again; nothing was changed\n", r.err());
    } finally {
      other.getOutputStream().close();
      other.waitFor(20, TimeUnit.SECONDS);
    }
    assertEquals(before, Files.readString(handler));
    assertFalse(Files.exists(app.resolve(".ukhook/instrument.json")));
    Run after = fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg");
    assertEquals(ExitCode.OK, after.exitCode(), after.err());
  }

  // Defect 12: a tree the user cannot write still got APP/.ukhook written, and the message named a temporary file.
  @Test
  void anUnwritableTreeIsRefusedBeforeTheWorkspaceIsWritten() throws Exception {
    Path shim = handler.getParent();
    try {
      assumeTrue(Unwritable.make(shim), Unwritable.SKIPPED);
      Run r = fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg");
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
    assertEquals("ukhook: --timeout must be 0 (no limit) or a number of seconds, not -1\n", r.err());
    assertFalse(Files.exists(built.resolve(".ukhook/runs")));

    r = ukhook("collect", "--socket", dir.resolve("s.sock").toString(), "--timeout", "-5");
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertEquals("ukhook: --timeout must be a number of seconds, not -5\n", r.err());
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
    try (InputStream map = getClass().getResourceAsStream("/attrib/hello.map")) {
      Files.write(ws.resolve("build/link.map"), map.readAllBytes());
    }
    return a;
  }

  /** A short trace stream: header, three records, a final record. */
  static byte[] stream() throws IOException {
    return dev.ukhook.format.Traces.encode(dev.ukhook.format.Traces.header(4),
        List.of(dev.ukhook.format.Traces.record(0, 39, 0x101605), dev.ukhook.format.Traces.record(1, 39, 0x101605),
            dev.ukhook.format.Traces.record(2, 39, 0x101605)),
        new dev.ukhook.format.FinalRecord(3, 0, 3, 400));
  }
}
