package dev.ukhook.cli;

import static dev.ukhook.cli.CliTest.assertOneLine;
import static dev.ukhook.cli.CliTest.ukhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.cli.CliTest.Run;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** `ukhook relay`: the run's forward relay for a guest started by hand (bench/servers.sh's plain variant). */
class RelayCommandTest {

  @Test
  @Timeout(30)
  void relaysUntilStopped() throws Exception {
    try (ServerSocket qemu = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int listen = probe.getLocalPort();
      probe.close();
      Thread echo = new Thread(() -> {
        try (Socket c = qemu.accept()) {
          byte[] all = c.getInputStream().readAllBytes();
          c.getOutputStream().write(new String(all, StandardCharsets.US_ASCII).toUpperCase()
              .getBytes(StandardCharsets.US_ASCII));
        } catch (IOException ignored) {
          // the test failed elsewhere
        }
      });
      echo.start();
      AtomicReference<Run> result = new AtomicReference<>();
      Thread relay = new Thread(() -> result.set(ukhook("relay", "127.0.0.1:" + listen,
          String.valueOf(qemu.getLocalPort()))));
      relay.start();
      String answer = null;
      for (int i = 0; i < 100 && answer == null; i++) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listen)) {
          s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
          s.shutdownOutput();
          answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException notYet) {
          Thread.sleep(100);
        }
      }
      assertEquals("PING", answer);
      assertTrue(relay.isAlive(), "the relay runs until stopped");
      relay.interrupt();
      relay.join(10_000);
      assertEquals(ExitCode.OK, result.get().exitCode(), result.get().err());
      assertTrue(result.get().err().contains("relaying 127.0.0.1:" + listen + " to 127.0.0.1:" + qemu.getLocalPort()),
          result.get().err());
      // Nothing listens on the port any more. (A connect could not tell: one to a freed ephemeral port on loopback
      // may pick that very port as its own and connect to itself; and the relayed connections' sockets still hold
      // the port a while after, so a bind fails.)
      String port = String.format(":%04X ", listen);
      assertTrue(Files.readAllLines(Path.of("/proc/net/tcp")).stream().map(String::strip)
          .noneMatch(l -> l.split("\\s+").length > 3 && l.split("\\s+")[1].endsWith(port.strip())
              && l.split("\\s+")[3].equals("0A")), "still listening after it stopped");
    }
  }

  @Test
  void badArgumentsGiveOneLine() {
    for (String[] args : new String[][] {{"relay", "localhost:80", "4000"}, {"relay", "127.0.0.1:70000", "4000"},
        {"relay", "127.0.0.1:5000", "0"}, {"relay", "10.0.0.1:5000", "4000"}, {"relay", "127.0.0.1:5000", "5000"},
        {"relay", "127.0.0.1:5000", "-1"}, {"relay", "127.0.0.1:5000", "99999999999"}}) {
      Run r = ukhook(args);
      assertEquals(ExitCode.USAGE, r.exitCode(), String.join(" ", args) + ": " + r.err());
      assertOneLine(r.err());
      assertTrue(r.err().contains("relay") && !r.err().contains("--forward"), r.err());
    }
  }
}
