package dev.ukhook.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import dev.ukhook.host.HoldingServer;
import dev.ukhook.host.UserNet.Forward;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadTest {
  @TempDir Path dir;

  @Test
  void theLoadRunsOnceTheServerListensThenTheStopAndBothAreLogged() throws Exception {
    try (HoldingServer server = new HoldingServer()) {
      Load l = new Load(List.of(new Forward("127.0.0.1", server.port(), 6379)), "echo requests 42",
          "echo bye; exit 3");
      Load.Result r = l.drive(dir, Duration.ofSeconds(20), () -> true);

      assertTrue(r.ready());
      assertEquals(Optional.of(0), r.loadExit());
      assertEquals(Optional.of(3), r.stopExit());
      assertEquals("$ echo requests 42\nrequests 42\n$ echo bye; exit 3\nbye\n",
          Files.readString(dir.resolve(Load.LOG)));
      assertEquals(List.of("the stop command exited with 3; its output is in " + dir.resolve(Load.LOG)),
          r.problems(l, dir));
    }
  }

  @Test
  void aGuestThatNeverListensIsAProblemAndNoLoadRuns() throws Exception {
    Load l = new Load(List.of(new Forward("127.0.0.1", 1, 6379)), "touch " + dir.resolve("ran"), null);
    Load.Result r = l.drive(dir, Duration.ofSeconds(1), () -> true);
    assertEquals(false, r.ready());
    assertTrue(Files.notExists(dir.resolve("ran")));
    assertEquals(List.of("the guest never listened behind --forward 127.0.0.1:1:6379, so the load did not run; see "
        + "the guest console in " + dir.resolve("console.log")), r.problems(l, dir));
  }

  @Test
  void aServerRunNeedsAForward() {
    assertEquals("--net user needs at least one --forward HOSTADDR:HOSTPORT:GUESTPORT (a server unikernel is "
        + "reached through a forward from the host's loopback)",
        assertThrows(UkhookException.class, () -> new Load(List.of(), null, null)).getMessage());
  }
}
