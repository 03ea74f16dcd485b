package dev.ukhook.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ukhook.core.UkhookException;
import dev.ukhook.host.UserNet.Forward;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** ukhook's side of a port forward: relays both ways, passes ends on, and takes a burst of connections at once. */
class ForwardProxyTest {

  /** QEMU's side as slirp has it: a backlog of one; each connection gets its bytes back upper-cased, then EOF. */
  private static ServerSocket slirpLike(int port) throws IOException {
    ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!s.isClosed()) {
        try {
          Socket c = s.accept();
          new Thread(() -> {
            try (c) {
              byte[] all = c.getInputStream().readAllBytes(); // up to the client's end
              c.getOutputStream().write(new String(all, StandardCharsets.US_ASCII).toUpperCase()
                  .getBytes(StandardCharsets.US_ASCII));
            } catch (IOException ignored) {
              // the client went away
            }
          }).start();
          Thread.sleep(20); // slirp accepts from its poll loop, not at once
        } catch (IOException | InterruptedException closed) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
    return s;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String ask(int port, String what) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.getOutputStream().write(what.getBytes(StandardCharsets.US_ASCII));
      s.shutdownOutput(); // the end reaches the far side, whose answer and end come back
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  @Test
  @Timeout(60)
  void fiftyConnectionsAtOnceAllGetThroughAListenerWithABacklogOfOne() throws Exception {
    Forward asked = new Forward("127.0.0.1", freePort(), 6379);
    List<Forward> inner = ForwardProxy.inner(List.of(asked));
    assertNotEquals(asked.hostPort(), inner.get(0).hostPort());
    assertEquals(6379, inner.get(0).guestPort());
    ExecutorService clients = Executors.newFixedThreadPool(50);
    try (ServerSocket slirp = slirpLike(inner.get(0).hostPort());
        ForwardProxy proxy = ForwardProxy.start(List.of(asked), inner)) {
      List<Future<String>> answers = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String q = "ping " + i;
        answers.add(clients.submit(() -> ask(asked.hostPort(), q)));
      }
      for (int i = 0; i < 50; i++) {
        assertEquals("PING " + i, answers.get(i).get());
      }
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  @Timeout(30)
  void aClientFindsTheConnectionClosedWhenNothingListensBehindTheForward() throws Exception {
    Forward asked = new Forward("127.0.0.1", freePort(), 80);
    try (ForwardProxy proxy = ForwardProxy.start(List.of(asked), ForwardProxy.inner(List.of(asked)))) {
      assertEquals("", ask(asked.hostPort(), "GET /")); // as slirp does: accepted, then closed
    }
  }

  @Test
  void aPortInUseIsOneClearError() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Forward asked = new Forward("127.0.0.1", taken.getLocalPort(), 80);
      UkhookException e = assertThrows(UkhookException.class,
          () -> ForwardProxy.start(List.of(asked), ForwardProxy.inner(List.of(asked))));
      assertEquals("cannot listen on 127.0.0.1:" + asked.hostPort() + " for the forward " + asked + ": Address "
          + "already in use; choose another host port", e.getMessage());
    }
  }
}
