package dev.ukhook.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Linux facts about Unix domain sockets that java.nio does not expose. */
final class UnixSockets {
  private static final Path PROC_NET_UNIX = Path.of("/proc/net/unix");
  // __SO_ACCEPTCON in the Flags column: the socket is listening.
  private static final String LISTENING = "00010000";

  private UnixSockets() {}

  /**
   * Whether some process listens on {@code socket}. Read from /proc/net/unix rather than by connecting, because
   * a probe connection would be the one connection a running collector accepts.
   */
  static boolean isListening(Path socket) {
    if (!Files.isReadable(PROC_NET_UNIX)) {
      return false;
    }
    try {
      return isListening(Files.readAllLines(PROC_NET_UNIX), socket);
    } catch (IOException e) {
      return false;
    }
  }

  static boolean isListening(List<String> procNetUnix, Path socket) {
    String absolute = socket.toAbsolutePath().normalize().toString();
    for (String line : procNetUnix) {
      // Num RefCount Protocol Flags Type St Inode Path
      String[] f = line.trim().split("\\s+", 8);
      if (f.length == 8 && f[3].equals(LISTENING) && (f[7].equals(absolute) || f[7].equals(socket.toString()))) {
        return true;
      }
    }
    return false;
  }
}
