package dev.ukhook.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketPathsTest {
  @TempDir Path dir;

  @Test
  void aShortPathStaysInItsDirectory() {
    assertEquals(dir.resolve("ukhook.sock"), SocketPaths.inside(dir, "ukhook.sock"));
  }

  @Test
  void aDeepDirectoryFallsBackToAShortTemporaryOne() {
    Path deep = dir.resolve("d".repeat(120));
    Path socket = SocketPaths.inside(deep, "ukhook.sock");
    assertNotEquals(deep, socket.getParent());
    assertEquals("ukhook.sock", socket.getFileName().toString());
    assertTrue(SocketPaths.fits(socket));
  }

  @Test
  void tooLongIsAOneLineUsageError() {
    Path p = Path.of("/" + "x".repeat(107));
    UkhookException e = assertThrows(UkhookException.class, () -> SocketPaths.requireFits(p));
    assertEquals(UkhookException.Kind.USAGE, e.kind());
    assertEquals("socket path " + p + " is 108 bytes, more than the 107 a Unix socket allows; choose a shorter path",
        e.getMessage());
    SocketPaths.requireFits(Path.of("/" + "x".repeat(106)));
  }
}
