package dev.ukhook.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner against small shell scripts standing in for QEMU; see QemuRunnerIT for the real one. */
class QemuRunnerTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream terminalBytes = new ByteArrayOutputStream();
  private final PrintStream terminal = new PrintStream(terminalBytes, true, StandardCharsets.UTF_8);

  @Test
  void consoleGoesToTheTerminalAndConsoleLogAndStderrToQemuLog() throws Exception {
    QemuSpec spec = spec("printf 'Booting\\r\\nhello pid=1\\r\\nno newline at the end'\n"
        + "echo 'qemu-system-x86_64: warning: host does not support x' >&2\n"
        + "printf '%s\\n' \"$@\" > \"$(dirname \"$0\")/args.txt\"\n");
    Files.createDirectories(spec.runDir());
    Files.writeString(spec.logFile(), "a previous run\n");

    QemuResult result = new QemuRunner(terminal, Duration.ofSeconds(20)).run(spec);

    String console = "Booting\nhello pid=1\nno newline at the end\n";
    assertEquals(console, terminalBytes.toString(StandardCharsets.UTF_8));
    assertEquals(console, Files.readString(spec.consoleLog()));
    assertEquals(
        "qemu-system-x86_64: warning: host does not support x\n", Files.readString(spec.logFile()));
    assertEquals(spec.toArgs().subList(1, spec.toArgs().size()), Files.readAllLines(dir.resolve("args.txt")));
    assertEquals(0, result.exitCode());
    assertTrue(result.guestShutDown());
    assertEquals(java.util.Optional.empty(), result.problem());
  }

  @Test
  void timeoutKillsQemu() throws Exception {
    QemuResult result = new QemuRunner(terminal, Duration.ofMillis(300)).run(spec("exec sleep 30\n"));

    assertTrue(result.timedOut());
    assertFalse(result.stoppedByUser());
    assertFalse(result.guestShutDown());
    assertTrue(result.duration().compareTo(Duration.ofSeconds(10)) < 0, result.duration().toString());
    assertTrue(result.summary().startsWith("QEMU was killed: the run timed out after 0."), result.summary());
  }

  // Issue 18, defect 5: a timeout killed QEMU at once, without the stop request that lets the guest end its trace.
  @Test
  void aTimeoutAsksTheGuestToStopBeforeKillingQemu() throws Exception {
    Path request = dir.resolve("stop-request");
    QemuSpec spec = spec("while [ ! -e '" + request + "' ]; do sleep 0.05; done\n"
        + "echo 'final record sent'\nexit 0\n");

    QemuResult result = new QemuRunner(terminal, Duration.ofMillis(300)).run(spec, () -> {
      try {
        Files.createFile(request);
        return true;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });

    assertTrue(Files.exists(request), "the guest was asked to stop");
    assertEquals("final record sent\n", terminalBytes.toString(StandardCharsets.UTF_8));
    assertEquals(0, result.exitCode(), "QEMU exited by itself, not on a signal");
    assertTrue(result.timedOut());
    assertEquals(QemuResult.StopRequest.OBEYED, result.stopRequest());
    assertTrue(result.summary().startsWith("the run timed out after 0."), result.summary());
    assertTrue(result.summary().endsWith(" s; the guest shut down on ukhook's stop request"), result.summary());
  }

  @Test
  void aGuestThatIgnoresTheStopRequestIsKilledAfterItsGracePeriod() throws Exception {
    QemuRunner runner = new QemuRunner(terminal, Duration.ofMillis(200), Duration.ofMillis(200),
        Duration.ofMillis(200));
    boolean[] asked = {false};

    QemuResult result = runner.run(spec("exec sleep 30\n"), () -> asked[0] = true);

    assertTrue(asked[0]);
    assertTrue(result.timedOut());
    assertEquals(QemuResult.StopRequest.IGNORED, result.stopRequest());
    assertTrue(result.summary().startsWith("QEMU was killed: the run timed out after "), result.summary());
    assertTrue(result.summary().endsWith(" and the guest did not act on ukhook's stop request (a program that never"
        + " blocks keeps the guest's control thread from running), so the records since its last batch and its final"
        + " record are lost"), result.summary());
  }

  // Issue 18, defect 21: SIGKILL of ukhook left QEMU running for ever.
  @Test
  void qemuRunsInASessionOfItsOwnAndDiesWithItsParent() {
    assertEquals(List.of("setsid", "setpriv", "--pdeathsig", "KILL", "qemu-system-x86_64", "-m", "64"),
        QemuRunner.command(List.of("qemu-system-x86_64", "-m", "64")));
  }

  @Test
  void aProgramStartedThatWayDiesWhenItsParentIsKilled() throws Exception {
    // sh stands in for ukhook: it starts the program as QemuRunner starts QEMU, then gets SIGKILL.
    List<String> parent = new java.util.ArrayList<>(List.of("sh", "-c", "\"$@\" & echo $!; wait", "sh"));
    parent.addAll(QemuRunner.command(List.of("sleep", "300")));
    Process sh = new ProcessBuilder(parent).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    long pid = Long.parseLong(new java.io.BufferedReader(new java.io.InputStreamReader(sh.getInputStream(),
        StandardCharsets.UTF_8)).readLine().strip());
    ProcessHandle child = ProcessHandle.of(pid).orElseThrow();
    try {
      // Killed before setpriv has run, it would not have its signal yet: wait until it is the program.
      for (int i = 0; i < 200 && !child.info().command().orElse("").endsWith("/sleep"); i++) {
        Thread.sleep(50);
      }
      assertTrue(child.info().command().orElse("").endsWith("/sleep"), child.info().toString());

      sh.destroyForcibly().waitFor();

      try {
        child.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException stillRunning) {
        // asserted below
      }
      assertFalse(child.isAlive(), "the program outlived its parent");
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void qemuIgnoringSigtermIsKilledAfterTheGracePeriod() throws Exception {
    QemuRunner runner = new QemuRunner(terminal, Duration.ofMillis(200), Duration.ofMillis(200));

    QemuResult result = runner.run(spec("trap '' TERM\nexec sleep 30\n"));

    assertTrue(result.timedOut());
    assertEquals(128 + 9, result.exitCode(), "killed by SIGKILL");
    assertTrue(result.duration().compareTo(Duration.ofSeconds(10)) < 0, result.duration().toString());
  }

  @Test
  void stopFromAnotherThreadEndsTheRun() throws Exception {
    QemuRunner runner = new QemuRunner(terminal, null);
    Thread stopper = new Thread(() -> {
      sleep(300);
      runner.stop();
    });
    stopper.start();

    QemuResult result = runner.run(spec("echo started\nexec sleep 30\n"));
    stopper.join();

    assertTrue(result.stoppedByUser());
    assertFalse(result.timedOut());
    assertEquals("started\n", terminalBytes.toString(StandardCharsets.UTF_8));
    assertTrue(result.duration().compareTo(Duration.ofSeconds(10)) < 0, result.duration().toString());
    assertTrue(result.summary().startsWith("QEMU was stopped after"), result.summary());
  }

  @Test
  void stopBeforeTheRunStopsItAtOnce() throws Exception {
    QemuRunner runner = new QemuRunner(terminal, Duration.ofSeconds(20));
    runner.stop();

    QemuResult result = runner.run(spec("exec sleep 30\n"));

    assertTrue(result.stoppedByUser());
    assertTrue(result.duration().compareTo(Duration.ofSeconds(10)) < 0, result.duration().toString());
  }

  @Test
  void qemusOwnSignalMessageMarksTheRunAsStopped() throws Exception {
    // What QEMU prints when Ctrl-C reached it before the JVM's shutdown hook called stop().
    QemuResult result = new QemuRunner(terminal, Duration.ofSeconds(20))
        .run(spec("echo 'qemu-system-x86_64: terminating on signal 2 from pid 4242 (java)' >&2\nexit 0\n"));

    assertEquals(0, result.exitCode());
    assertTrue(result.stoppedByUser());
    assertFalse(result.guestShutDown());
  }

  @Test
  void failureKeepsTheLastTwentyLinesOfQemuLog() throws Exception {
    QemuSpec spec = spec("i=1; while [ $i -le 30 ]; do echo \"qemu error line $i\" >&2; i=$((i+1)); done\n"
        + "exit 1\n");

    QemuResult result = new QemuRunner(terminal, Duration.ofSeconds(20)).run(spec);

    List<String> expected =
        IntStream.rangeClosed(11, 30).mapToObj(i -> "qemu error line " + i).collect(Collectors.toList());
    assertEquals(1, result.exitCode());
    assertFalse(result.guestShutDown());
    assertEquals(expected, result.logTail());
    String problem = result.problem().orElseThrow();
    assertTrue(
        problem.startsWith("QEMU failed with exit code 1 after "), problem);
    assertTrue(problem.contains("; see " + spec.logFile() + ", which ends with:"), problem);
    assertTrue(problem.endsWith("  qemu error line 30"), problem);
    assertFalse(problem.contains("qemu error line 10" + System.lineSeparator()), problem);
  }

  @Test
  void crashExitCodeIsAGuestCrash() throws Exception {
    QemuResult result = new QemuRunner(terminal, Duration.ofSeconds(20)).run(spec("exit 85\n"));

    assertTrue(result.guestCrashed());
    assertTrue(result.problem().orElseThrow().startsWith("guest crashed (QEMU exit code 85) after "));
  }

  @Test
  void missingQemuIsAnEnvironmentError() {
    QemuSpec spec = spec("exit 0\n").withQemu("qemu-system-ukhook-absent");

    UkhookException e =
        assertThrows(UkhookException.class, () -> new QemuRunner(terminal, null).run(spec));

    assertEquals(Kind.ENVIRONMENT, e.kind());
    assertEquals(
        "missing on PATH: qemu-system-ukhook-absent; install it",
        e.getMessage());
  }

  @Test
  void qemuPathThatIsNotAnExecutableIsAnEnvironmentError() {
    QemuSpec spec = spec("exit 0\n").withQemu(dir.resolve("no-such-qemu").toString());

    UkhookException e =
        assertThrows(UkhookException.class, () -> new QemuRunner(terminal, null).run(spec));

    assertEquals(Kind.ENVIRONMENT, e.kind());
    assertEquals(dir.resolve("no-such-qemu") + " is not an executable file", e.getMessage());
  }

  @Test
  void tailReadsOnlyTheEndOfALargeLog() throws IOException {
    Path log = dir.resolve("big.log");
    Files.write(log, IntStream.range(0, 100_000).mapToObj(i -> "trace line " + i).toList());

    List<String> tail = QemuRunner.tail(log, 3);

    assertEquals(List.of("trace line 99997", "trace line 99998", "trace line 99999"), tail);
    assertEquals(List.of(), QemuRunner.tail(dir.resolve("absent.log"), 3));
  }

  /** A spec whose "QEMU" is a shell script with {@code body}, run in {@code <dir>/run}. */
  private QemuSpec spec(String body) {
    try {
      Path script = dir.resolve("fake-qemu");
      Files.writeString(script, "#!/bin/sh\n" + body);
      script.toFile().setExecutable(true);
      return QemuSpec.of(dir.resolve("kernel"), Accel.TCG, dir.resolve("run")).withQemu(script.toString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
