package dev.ukhook.host;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A loopback server that accepts connections and holds them open, as a guest server behind QEMU's forward does. */
public final class HoldingServer implements AutoCloseable {
  private final ServerSocket server;
  private final List<Socket> held = new CopyOnWriteArrayList<>();

  public HoldingServer() throws IOException {
    this(0);
  }

  /** Listens on loopback {@code port} (0: a free one). */
  public HoldingServer(int port) throws IOException {
    server = new ServerSocket(port, 10, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          held.add(server.accept());
        } catch (IOException closed) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : held) {
      s.close();
    }
  }
}
