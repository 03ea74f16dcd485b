package dev.ukhook.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ukhook.core.Tools;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner against the real qemu-system-x86_64, booting tiny Multiboot guests under TCG. */
class QemuRunnerIT {
  @TempDir Path dir;
  private final ByteArrayOutputStream terminalBytes = new ByteArrayOutputStream();
  private final PrintStream terminal = new PrintStream(terminalBytes, true, StandardCharsets.UTF_8);

  @BeforeAll
  static void needsQemu() {
    boolean present = Tools.onPath(QemuSpec.DEFAULT_QEMU, Tools.path());
    assumeTrue(present, QemuSpec.DEFAULT_QEMU + " is not on PATH: skipping the tests that start QEMU");
  }

  @Test
  void guestShutdownThroughIsaDebugExitIsANormalEnd() throws Exception {
    Path kernel = new MultibootGuest().print("hello from the guest\r\n").debugExit(41).halt()
        .writeTo(dir.resolve("guest"));
    QemuSpec spec = QemuSpec.of(kernel, Accel.TCG, dir.resolve("run")).withArgs(List.of(), List.of("a"));

    QemuResult result = new QemuRunner(terminal, Duration.ofSeconds(30)).run(spec);

    assertEquals(QemuResult.DEBUG_EXIT_SHUTDOWN, result.exitCode(), result.logTail().toString());
    assertTrue(result.guestShutDown());
    assertEquals("hello from the guest\n", terminalBytes.toString(StandardCharsets.UTF_8));
    assertEquals("hello from the guest\n", Files.readString(spec.consoleLog()));
    assertFalse(Files.exists(spec.pidFile()), "QEMU removes its pidfile when it exits");
  }

  @Test
  void guestCrashIsTold() throws Exception {
    Path kernel = new MultibootGuest().debugExit(42).halt().writeTo(dir.resolve("guest"));

    QemuResult result =
        new QemuRunner(terminal, Duration.ofSeconds(30)).run(QemuSpec.of(kernel, Accel.TCG, dir));

    assertEquals(QemuResult.DEBUG_EXIT_CRASH, result.exitCode());
    assertTrue(result.guestCrashed());
  }

  @Test
  void icountIsAcceptedUnderTcg() throws Exception {
    Path kernel = new MultibootGuest().print("x\n").debugExit(41).halt().writeTo(dir.resolve("guest"));

    QemuResult result = new QemuRunner(terminal, Duration.ofSeconds(30))
        .run(QemuSpec.of(kernel, Accel.TCG, dir).withIcount(true));

    assertTrue(result.guestShutDown(), result.problem().orElse(""));
  }

  @Test
  void missingKernelFailsWithTheTailOfQemuLog() throws Exception {
    QemuSpec spec = QemuSpec.of(dir.resolve("no-such-kernel"), Accel.TCG, dir.resolve("run"));

    QemuResult result = new QemuRunner(terminal, Duration.ofSeconds(30)).run(spec);

    assertEquals(1, result.exitCode());
    String problem = result.problem().orElseThrow();
    assertTrue(problem.startsWith("QEMU failed with exit code 1 after "), problem);
    assertTrue(problem.contains("could not open kernel file '" + dir.resolve("no-such-kernel") + "'"), problem);
  }

  @Test
  void pausedQemuIsKilledOnTimeout() throws Exception {
    Path log = dir.resolve("qemu.log");
    List<String> args = List.of(QemuSpec.DEFAULT_QEMU, "-nodefaults", "-display", "none", "-accel", "tcg",
        "-S", "-D", log.toString());

    QemuResult result =
        new QemuRunner(terminal, Duration.ofSeconds(2)).run(args, log, dir.resolve("console.log"));

    assertTrue(result.timedOut());
    assertFalse(result.guestShutDown());
    assertTrue(result.duration().compareTo(Duration.ofSeconds(2)) >= 0, result.duration().toString());
    assertTrue(result.duration().compareTo(Duration.ofSeconds(10)) < 0, result.duration().toString());
  }

  @Test
  void qemuConnectsToTheCollectorsSocketAsAClient() throws Exception {
    Path kernel = new MultibootGuest().halt().writeTo(dir.resolve("guest"));
    Path socket = dir.resolve("t.sock");
    QemuSpec spec = QemuSpec.of(kernel, Accel.TCG, dir.resolve("run")).withVirtioSocket(socket);
    QemuRunner runner = new QemuRunner(terminal, Duration.ofSeconds(30));
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      CompletableFuture<QemuResult> run = CompletableFuture.supplyAsync(() -> {
        try {
          return runner.run(spec);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      try (SocketChannel qemu = server.accept()) {
        assertTrue(qemu.isConnected());
      } finally {
        runner.stop();
      }

      QemuResult result = run.get(30, TimeUnit.SECONDS);
      assertTrue(result.stoppedByUser(), result.summary());
      assertTrue(result.problem().orElseThrow().startsWith("QEMU was stopped after"));
    }
  }

  @Test
  void unikraftImageShutsDownWhenMainReturns() throws Exception {
    String image = System.getenv("UKHOOK_TEST_KERNEL");
    assumeTrue(image != null && Files.isRegularFile(Path.of(image)),
        "set UKHOOK_TEST_KERNEL to a Unikraft qemu-x86_64 image whose main returns to run this test");

    QemuResult result = new QemuRunner(terminal, Duration.ofSeconds(60))
        .run(QemuSpec.of(Path.of(image), Accel.TCG, dir).withIcount(true).withArgs(List.of(), List.of("a")));

    assertTrue(result.guestShutDown(), result.problem().orElse(""));
    assertFalse(Files.readString(dir.resolve("console.log")).isEmpty());
  }
}
