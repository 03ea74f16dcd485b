package dev.ukhook.host;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The one rule for Unix socket paths: sun_path holds 108 bytes including the terminating NUL. */
public final class SocketPaths {
  public static final int MAX_BYTES = 107;

  private SocketPaths() {}

  public static boolean fits(Path socket) {
    return bytes(socket) <= MAX_BYTES;
  }

  /** Fails with one line when {@code socket} is too long to bind or connect to. */
  public static void requireFits(Path socket) {
    if (!fits(socket)) {
      throw new UkhookException(Kind.USAGE, "socket path " + socket + " is " + bytes(socket) + " bytes, more than the "
          + MAX_BYTES + " a Unix socket allows; choose a shorter path");
    }
  }

  /**
   * {@code dir/name} if that fits, else {@code name} in a new private directory under the temporary directory
   * (removed when the JVM exits, once the socket in it is gone), so that a deep run directory still works.
   */
  public static Path inside(Path dir, String name) {
    Path socket = dir.resolve(name);
    if (fits(socket)) {
      return socket;
    }
    Path tmp = TextFiles.createTempDirectory("ukhook-");
    tmp.toFile().deleteOnExit();
    Path fallback = tmp.resolve(name);
    requireFits(fallback);
    return fallback;
  }

  private static int bytes(Path socket) {
    return socket.toString().getBytes(StandardCharsets.UTF_8).length;
  }
}
