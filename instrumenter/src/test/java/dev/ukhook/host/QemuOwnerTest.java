package dev.ukhook.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.format.RunDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, defect 21: a QEMU whose ukhook was killed ran on for ever, and its pidfile stayed; the next command
 * on the app now stops the one and removes the other.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QemuOwnerTest {
  @TempDir Path dir;
  private Process qemu;

  @AfterEach
  void killFakeQemu() {
    if (qemu != null) {
      qemu.destroyForcibly();
    }
  }

  @Test
  void aPidfileWhoseQemuIsGoneIsRemoved() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path pidFile = Files.createDirectories(dir.resolve("runs/20241001-120000")).resolve("qemu.pid");
    Files.writeString(pidFile, gone.pid() + "\n");

    List<String> done = QemuOwner.cleanUp(dir.resolve("runs"));

    assertEquals(1, done.size(), done.toString());
    // (Its pid may have gone to another program since, which changes only the end of the line.)
    assertTrue(done.get(0).startsWith("note: removed the stale " + pidFile + ": its QEMU "), done.get(0));
    assertFalse(Files.exists(pidFile));
  }

  @Test
  void aQemuWhoseUkhookIsGoneIsStopped() throws Exception {
    Path run = Files.createDirectories(dir.resolve("runs/20241001-120000"));
    // The lock file of a ukhook that was killed: there, but nobody holds it.
    Files.createFile(run.resolve(RunDir.QEMU_LOCK));
    ProcessHandle left = startFakeQemu(run);

    List<String> done = QemuOwner.cleanUp(dir.resolve("runs"));

    assertEquals(List.of("warning: stopped QEMU (pid " + left.pid() + "), which the ukhook that ran " + run
        + " left running when it was killed; that run's trace is incomplete"), done);
    assertFalse(left.isAlive());
    assertFalse(Files.exists(run.resolve("qemu.pid")));
    assertFalse(Files.exists(run.resolve(RunDir.QEMU_LOCK)));
  }

  @Test
  void aQemuWhoseUkhookRunsIsLeftAlone() throws Exception {
    Path run = Files.createDirectories(dir.resolve("runs/20241001-120000"));
    ProcessHandle running;
    try (QemuOwner owner = QemuOwner.hold(run)) {
      running = startFakeQemu(run);

      assertEquals(List.of(), QemuOwner.cleanUp(dir.resolve("runs")));
      assertTrue(running.isAlive());
      assertTrue(Files.exists(run.resolve("qemu.pid")));
    }
    assertFalse(Files.exists(run.resolve(RunDir.QEMU_LOCK)), "the owner removes its lock file");
    // Its owner gone (no lock file: as an older ukhook left it), the next look stops it.
    assertEquals(1, QemuOwner.cleanUp(dir.resolve("runs")).size());
    assertFalse(running.isAlive());
  }

  // A QEMU that ukhook had to kill with SIGKILL leaves its pidfile: the next run called it stale.
  @Test
  void theOwnerRemovesThePidfileOfAQemuThatIsGone() throws Exception {
    Path run = Files.createDirectories(dir.resolve("runs/20241001-120000"));
    try (QemuOwner owner = QemuOwner.hold(run)) {
      Process gone = new ProcessBuilder("true").start();
      gone.waitFor();
      Files.writeString(run.resolve(RunDir.QEMU_PID), gone.pid() + "\n");
    }
    assertFalse(Files.exists(run.resolve(RunDir.QEMU_PID)));
    assertEquals(List.of(), QemuOwner.cleanUp(dir.resolve("runs")));
  }

  @Test
  void aPidReusedByAnotherProgramIsNotKilled() throws Exception {
    Path run = Files.createDirectories(dir.resolve("runs/20241001-120000"));
    qemu = new ProcessBuilder("sleep", "300").start();
    Path pidFile = run.resolve("qemu.pid");
    Files.writeString(pidFile, qemu.pid() + "\n");

    List<String> done = QemuOwner.cleanUp(dir.resolve("runs"));

    assertEquals(List.of("note: removed the stale " + pidFile + ": its QEMU was killed before it could remove it, "
        + "and pid " + qemu.pid() + " is another program now"), done);
    assertTrue(qemu.isAlive());
    assertFalse(Files.exists(pidFile));
  }

  /** A process with QEMU's -pidfile argument that writes the pidfile, as QEMU does, and runs until killed. */
  private ProcessHandle startFakeQemu(Path run) throws IOException, InterruptedException {
    Path script = dir.resolve("fake-qemu");
    Files.writeString(script, "#!/bin/sh\necho $$ > \"$2.tmp\" && mv \"$2.tmp\" \"$2\"\n"
        + "while :; do sleep 0.1; done\n");
    script.toFile().setExecutable(true);
    Path pidFile = run.resolve("qemu.pid");
    qemu = new ProcessBuilder(script.toString(), "-pidfile", pidFile.toString()).start();
    for (int i = 0; i < 200 && !Files.exists(pidFile); i++) {
      Thread.sleep(50);
    }
    assertEquals(qemu.pid() + "\n", Files.readString(pidFile));
    return qemu.toHandle();
  }
}
