package dev.ukhook.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import dev.ukhook.host.UserNet.Forward;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class UserNetTest {
  @Test
  void forwardsParseAndStayOnLoopback() {
    assertEquals(new Forward("127.0.0.1", 16379, 6379), Forward.parse("127.0.0.1:16379:6379"));
    assertEquals(new Forward("127.1.2.3", 8080, 80), Forward.parse("127.1.2.3:8080:80"));
    assertEquals("--forward 0.0.0.0:16379:6379: the host side must be a loopback address (127.0.0.0/8), so the "
        + "guest is reachable from this machine only; use 127.0.0.1",
        assertThrows(UkhookException.class, () -> Forward.parse("0.0.0.0:16379:6379")).getMessage());
    assertEquals("--forward 16379:6379: expected HOSTADDR:HOSTPORT:GUESTPORT, for example 127.0.0.1:16379:6379",
        assertThrows(UkhookException.class, () -> Forward.parse("16379:6379")).getMessage());
    assertEquals("--forward 127.0.0.1:70000:80: ports are 1 to 65535",
        assertThrows(UkhookException.class, () -> Forward.parse("127.0.0.1:70000:80")).getMessage());
  }

  @Test
  void qemuGetsOneDeviceWithEveryForward() {
    assertEquals(List.of("-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:16379-:6379,hostfwd=tcp:127.0.0.1:8080-:80",
        "-device", "virtio-net-pci,netdev=n0"),
        UserNet.qemuArgs(List.of(Forward.parse("127.0.0.1:16379:6379"), Forward.parse("127.0.0.1:8080:80"))));
  }

  @Test
  void aServerThatHoldsTheConnectionIsListening() throws Exception {
    try (HoldingServer server = new HoldingServer()) {
      assertTrue(UserNet.awaitListening(new Forward("127.0.0.1", server.port(), 1), Duration.ofSeconds(10),
          () -> true));
    }
  }

  @Test
  void aForwardThatClosesAtOnceIsNotListening() throws Exception {
    // What QEMU's forward does while nothing listens in the guest: accept, then close.
    try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            server.accept().close();
          } catch (Exception ignored) {
            return;
          }
        }
      });
      t.start();
      Forward f = new Forward("127.0.0.1", server.getLocalPort(), 1);
      assertFalse(UserNet.awaitListening(f, Duration.ofSeconds(2), () -> true));
      assertFalse(UserNet.awaitListening(f, Duration.ofSeconds(30), () -> false), "a guest that is gone");
    }
  }
}
