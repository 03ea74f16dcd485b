package dev.ukhook.host;

import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.host.UserNet.Forward;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The host side of a port forward. QEMU's user network (libslirp 4.7) listens on a forwarded port with a backlog
 * of one, so a burst of connections loses SYNs that the clients send again after 1, 3, 7, 15 and 31 s: a load
 * generator that opens its connections at once waits for half a minute and looks like a stalled guest
 * (docs/virtio-net-stall.md). This proxy listens on the forward's port itself with a full backlog and connects
 * to QEMU's forward, on a port of its own, one connection at a time; then it copies bytes both ways.
 */
public final class ForwardProxy implements AutoCloseable {
  private static final int BACKLOG = 512;
  private static final int CONNECT_TIMEOUT_MS = 60_000;
  private static final ThreadFactory COPY = daemon("ukhook-forward-copy");

  private final List<ServerSocket> listeners = new ArrayList<>();
  private final List<Socket> open = new ArrayList<>();
  /** Connects to QEMU one connection at a time: never more than one SYN waiting in its backlog of one. */
  private final ExecutorService connector = Executors.newSingleThreadExecutor(daemon("ukhook-forward-connect"));
  private volatile boolean closed;

  private ForwardProxy() {}

  /** The forwards QEMU gets: each of {@code forwards} moved to a free loopback port of its own. */
  public static List<Forward> inner(List<Forward> forwards) {
    List<Forward> inner = new ArrayList<>();
    for (Forward f : forwards) {
      try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getByName(f.hostAddress()))) {
        inner.add(new Forward(f.hostAddress(), free.getLocalPort(), f.guestPort()));
      } catch (IOException e) {
        throw new UkhookException(Kind.ENVIRONMENT, "no free port on " + f.hostAddress() + " for QEMU's side of the "
            + "forward " + f + ": " + e.getMessage());
      }
    }
    return inner;
  }

  /** Listens on each of {@code forwards} and relays to the same-numbered one of {@code inner}. */
  public static ForwardProxy start(List<Forward> forwards, List<Forward> inner) {
    ForwardProxy p = new ForwardProxy();
    try {
      for (int i = 0; i < forwards.size(); i++) {
        Forward f = forwards.get(i);
        ServerSocket s = new ServerSocket();
        p.listeners.add(s);
        try {
          s.bind(new InetSocketAddress(f.hostAddress(), f.hostPort()), BACKLOG);
        } catch (IOException e) {
          throw new UkhookException(Kind.ENVIRONMENT, "cannot listen on " + f.hostAddress() + ":" + f.hostPort()
              + " for the forward " + f + ": " + e.getMessage() + "; choose another host port");
        }
        Forward to = inner.get(i);
        daemon("ukhook-forward-" + f.hostPort()).newThread(() -> p.accept(s, to)).start();
      }
      return p;
    } catch (IOException | RuntimeException e) {
      p.close();
      throw e instanceof UkhookException u ? u
          : new UkhookException(Kind.ENVIRONMENT, "cannot set up the forwards " + forwards + ": " + e.getMessage());
    }
  }

  private void accept(ServerSocket listener, Forward to) {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      track(client);
      try {
        connector.execute(() -> relay(client, to));
      } catch (RejectedExecutionException closing) {
        closeQuietly(client); // accepted while the proxy closed
      }
    }
  }

  /** Runs on the connector: connects to QEMU's forward, then hands the two sockets to their copying threads. */
  private void relay(Socket client, Forward to) {
    Socket guest = new Socket();
    track(guest);
    try {
      guest.connect(new InetSocketAddress(to.hostAddress(), to.hostPort()), CONNECT_TIMEOUT_MS);
    } catch (IOException e) {
      closeQuietly(client);
      closeQuietly(guest);
      return;
    }
    AtomicInteger ended = new AtomicInteger();
    COPY.newThread(() -> copy(client, guest, ended)).start();
    COPY.newThread(() -> copy(guest, client, ended)).start();
  }

  /**
   * Copies until {@code from} ends and passes the end on ({@code to}'s output is shut down); when both
   * directions have ended, or either fails, both sockets are closed.
   */
  private static void copy(Socket from, Socket to, AtomicInteger ended) {
    byte[] buf = new byte[16384];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
      to.shutdownOutput();
      if (ended.incrementAndGet() < 2) {
        return;
      }
    } catch (IOException e) {
      // a reset or a close on one side ends the other too
    }
    closeQuietly(from);
    closeQuietly(to);
  }

  private synchronized void track(Socket s) {
    if (closed) {
      closeQuietly(s);
      return;
    }
    open.removeIf(Socket::isClosed);
    open.add(s);
  }

  @Override
  public void close() {
    closed = true;
    connector.shutdownNow();
    listeners.forEach(ForwardProxy::closeQuietly);
    synchronized (this) {
      open.forEach(ForwardProxy::closeQuietly);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // closing
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
