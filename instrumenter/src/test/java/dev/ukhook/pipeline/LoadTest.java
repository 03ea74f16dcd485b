package dev.ukhook.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import dev.ukhook.format.RunDir;
import dev.ukhook.host.HoldingServer;
import dev.ukhook.host.UserNet.Forward;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadTest {
  private static final Duration GRACE = Duration.ofSeconds(2);

  @TempDir Path dir;

  /** A guest that is alive until it is stopped (if it obeys stop requests) or killed, and idles as told. */
  static class FakeGuest implements Load.Guest {
    final AtomicBoolean alive = new AtomicBoolean(true);
    final AtomicInteger stopRequests = new AtomicInteger();
    final AtomicInteger kills = new AtomicInteger();
    final boolean obeys;
    final Duration idle;

    FakeGuest(boolean obeys, Duration idle) {
      this.obeys = obeys;
      this.idle = idle;
    }

    @Override
    public boolean alive() {
      return alive.get();
    }

    @Override
    public Duration sinceWork() {
      return idle;
    }

    @Override
    public boolean requestStop() {
      stopRequests.incrementAndGet();
      if (obeys) {
        alive.set(false);
      }
      return true;
    }

    @Override
    public void kill() {
      kills.incrementAndGet();
      alive.set(false);
    }
  }

  private static Load load(int port, String load, String stop, Duration stall) {
    return new Load(List.of(new Forward("127.0.0.1", port, 6379)), load, stop, stall);
  }

  @Test
  void theLoadRunsOnceTheServerListensThenTheStopAndBothAreLogged() throws Exception {
    try (HoldingServer server = new HoldingServer()) {
      Path gone = dir.resolve("gone");
      Load l = load(server.port(), "echo requests 42", "echo bye; touch " + gone + "; exit 3", Duration.ofSeconds(30));
      // The server exits on the stop command (here: it makes the file that says so).
      FakeGuest guest = new FakeGuest(true, Duration.ZERO) {
        @Override
        public boolean alive() {
          return Files.notExists(gone);
        }
      };
      Load.Result r = l.drive(dir, Duration.ofSeconds(20), guest, GRACE);

      assertTrue(r.ready());
      assertEquals(Optional.of(0), r.loadExit());
      assertEquals(Optional.of(3), r.stopExit());
      assertEquals(Load.Ending.COMMAND, r.ending());
      assertEquals(0, guest.stopRequests.get());
      assertEquals(0, guest.kills.get());
      assertEquals("$ echo requests 42\nrequests 42\n$ echo bye; touch " + gone + "; exit 3\nbye\n",
          Files.readString(dir.resolve(RunDir.LOAD_LOG)));
      assertEquals(List.of("the stop command exited with 3; its output is in " + dir.resolve(RunDir.LOAD_LOG)),
          r.problems(l, dir));
    }
  }

  @Test
  void withoutAStopCommandTheGuestGetsOneStopRequestAfterTheLoad() throws Exception {
    try (HoldingServer server = new HoldingServer()) {
      Load l = load(server.port(), "echo requests 42", null, Duration.ofSeconds(30));
      FakeGuest guest = new FakeGuest(true, Duration.ZERO);
      Load.Result r = l.drive(dir, Duration.ofSeconds(20), guest, GRACE);

      assertEquals(Load.Ending.REQUEST, r.ending());
      assertEquals(1, guest.stopRequests.get());
      assertEquals(0, guest.kills.get());
      assertEquals(List.of(), r.problems(l, dir));
    }
  }

  @Test
  void aGuestIdlingWhileTheLoadRunsHasStalledTheLoadIsEndedAndTheGuestAskedToStop() throws Exception {
    try (HoldingServer server = new HoldingServer()) {
      Load l = load(server.port(), "sleep 60", "echo never", Duration.ofSeconds(1));
      FakeGuest guest = new FakeGuest(true, Duration.ofSeconds(2));
      long t0 = System.nanoTime();
      Load.Result r = l.drive(dir, Duration.ofSeconds(20), guest, GRACE);

      assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 30, "the load was ended, not waited for");
      assertTrue(r.stalled());
      assertEquals(Load.Ending.REQUEST, r.ending(), "the stop command is not run on a stalled guest");
      assertEquals(Optional.empty(), r.stopExit());
      assertEquals(List.of("the guest made no system call but waits, sleeps and clock reads for 1 s while the load "
          + "ran: it stalled (see \"Servers\" in docs/benchmarks.md), so the load was ended"), r.problems(l, dir));
    }
  }

  @Test
  void aGuestThatIgnoresTheStopRequestIsKilledAfterTheGraceTime() throws Exception {
    try (HoldingServer server = new HoldingServer()) {
      Load l = load(server.port(), "true", null, Duration.ZERO);
      FakeGuest guest = new FakeGuest(false, Duration.ofDays(1)); // stall 0: never judged stalled
      Load.Result r = l.drive(dir, Duration.ofSeconds(20), guest, GRACE);

      assertTrue(!r.stalled());
      assertEquals(GRACE, r.killedAfter());
      assertEquals(1, guest.kills.get());
      assertEquals(List.of("the guest was still running 2 s after it was asked to "
          + "end, and was killed (an image without the hook library's control thread: no scheduler, or built by an "
          + "older ukhook)"), r.problems(l, dir));
    }
  }

  /**
   * A load generator outlived an interrupted run (seen when a test failed mid-run: redis-benchmark kept connecting
   * to a port nobody listened on, at 73% of a CPU, for minutes). Ending the run ends the load and its children.
   */
  @Test
  void anInterruptedRunLeavesNoLoadBehind() throws Exception {
    try (HoldingServer server = new HoldingServer()) {
      Path pid = dir.resolve("pid");
      Load l = load(server.port(), "sh -c 'echo $$ > " + pid + "; sleep 600'", null, Duration.ZERO);
      Thread run = new Thread(() -> {
        try {
          l.drive(dir, Duration.ofSeconds(20), new FakeGuest(true, Duration.ZERO), GRACE);
        } catch (InterruptedException expected) {
          // ended
        }
      });
      run.start();
      for (int i = 0; i < 100 && !(Files.exists(pid) && Files.size(pid) > 0); i++) {
        Thread.sleep(100);
      }
      long child = Long.parseLong(Files.readString(pid).strip());
      assertTrue(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "the load runs");
      run.interrupt();
      run.join(10_000);
      for (int i = 0; i < 50 && ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false); i++) {
        Thread.sleep(100);
      }
      assertTrue(ProcessHandle.of(child).filter(ProcessHandle::isAlive).isEmpty(), "the load's own child is gone");
    }
  }

  @Test
  void aGuestThatNeverListensIsAProblemAndNoLoadRuns() throws Exception {
    Load l = load(1, "touch " + dir.resolve("ran"), null, Duration.ofSeconds(30));
    Load.Result r = l.drive(dir, Duration.ofSeconds(1), new FakeGuest(true, Duration.ZERO), GRACE);
    assertEquals(false, r.ready());
    assertTrue(Files.notExists(dir.resolve("ran")));
    assertEquals(List.of("the guest never listened behind --forward 127.0.0.1:1:6379, so the load did not run; see "
        + "the guest console in " + dir.resolve("console.log")), r.problems(l, dir));
  }

  @Test
  void aServerRunNeedsAForward() {
    assertEquals("--net user needs at least one --forward HOSTADDR:HOSTPORT:GUESTPORT (a server unikernel is "
        + "reached through a forward from the host's loopback)",
        assertThrows(UkhookException.class, () -> new Load(List.of(), null, null, Duration.ZERO)).getMessage());
  }

  /** explore's k-th run at once: its forwards' host ports and the commands' mentions of them move by k, nothing else. */
  @Test
  void aShiftedRunTakesItsOwnPortsInItsForwardsAndCommands() {
    Load l = new Load(List.of(new Forward("127.0.0.1", 16379, 6379), new Forward("127.0.0.1", 8080, 80)),
        "redis-benchmark -p 16379 -n 163790 && curl 127.0.0.1:8080/x8080", "redis-cli -p 16379 shutdown",
        Duration.ofSeconds(5));
    Load s = l.shifted(2);
    assertEquals(List.of(new Forward("127.0.0.1", 16381, 6379), new Forward("127.0.0.1", 8082, 80)), s.forwards());
    assertEquals("redis-benchmark -p 16381 -n 163790 && curl 127.0.0.1:8082/x8080", s.load());
    assertEquals("redis-cli -p 16381 shutdown", s.stop());
    assertEquals(Duration.ofSeconds(5), s.stall());
    assertEquals(l, l.shifted(0));
    // Forwards on neighbouring ports: each mention moves once, not onto the next forward's and on again.
    Load next = new Load(List.of(new Forward("127.0.0.1", 16379, 6379), new Forward("127.0.0.1", 16380, 80)),
        "a -p 16379 && b -p 16380", null, Duration.ZERO);
    assertEquals("a -p 16380 && b -p 16381", next.shifted(1).load());
    assertEquals("--forward 127.0.0.1:65535:80: runs in parallel take the host ports from 65535 to 65536, beyond "
        + "65535; forward from a lower port or give fewer --jobs", assertThrows(UkhookException.class,
        () -> new Load(List.of(new Forward("127.0.0.1", 65535, 80)), null, null, Duration.ZERO).shifted(1))
        .getMessage());
  }
}
