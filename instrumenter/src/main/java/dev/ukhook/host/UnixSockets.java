package dev.ukhook.host;

import dev.ukhook.core.TextFiles;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
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
   * Binds {@code server} to {@code socket} and gives the socket file to its owner alone (rw-------), whatever the
   * umask: connecting needs write permission on it, and any local user who can connect could feed a fake trace or
   * push a policy. Java binds and listens in one call, so the file exists with the umask's permissions until
   * they are set here: the run's sockets are bound inside its run directory (rwx------) or a private temporary
   * directory, where no one else can reach them even then; a socket placed in a shared directory ({@code collect
   * --socket}) has only that moment open. On failure the socket file is removed.
   */
  static void bindOwnerOnly(ServerSocketChannel server, Path socket) throws IOException {
    server.bind(UnixDomainSocketAddress.of(socket));
    try {
      Files.setPosixFilePermissions(socket, TextFiles.OWNER_FILE);
    } catch (IOException e) {
      server.close();
      Files.deleteIfExists(socket);
      throw e;
    }
  }

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
