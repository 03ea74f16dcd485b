package dev.ukhook.host;

import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * QEMU user networking for a server unikernel: a virtio-net device on QEMU's user network (the guest is
 * {@value #GUEST_IP}, the gateway {@value #GATEWAY}) and port forwards from the host's loopback only.
 */
public final class UserNet {
  public static final String GUEST_IP = "10.0.2.15";
  public static final String GATEWAY = "10.0.2.2";
  /** The guest's address as Unikraft's netdev takes it from the kernel command line (LIBUKNETDEV_EINFO_LIBPARAM). */
  public static final String KERNEL_ARG = "netdev.ip=" + GUEST_IP + "/24:" + GATEWAY;
  /** How long a connection through a forward must stay open for the guest to count as listening. */
  static final Duration HELD = Duration.ofMillis(500);

  private static final Pattern FORWARD = Pattern.compile("(\\d+\\.\\d+\\.\\d+\\.\\d+):(\\d+):(\\d+)");

  private UserNet() {}

  /** A TCP port forward: connections to {@code hostAddress:hostPort} go to the guest's {@code guestPort}. */
  public record Forward(String hostAddress, int hostPort, int guestPort) {
    public Forward {
      InetAddress a;
      try {
        a = InetAddress.getByName(hostAddress);
      } catch (IOException e) {
        throw new UkhookException(Kind.USAGE, "--forward " + hostAddress + ": not an IPv4 address");
      }
      if (!a.isLoopbackAddress()) {
        throw new UkhookException(Kind.USAGE, "--forward " + hostAddress + ":" + hostPort + ":" + guestPort
            + ": the host side must be a loopback address (127.0.0.0/8), so the guest is reachable from this "
            + "machine only; use 127.0.0.1");
      }
      for (int port : new int[] {hostPort, guestPort}) {
        if (port < 1 || port > 65535) {
          throw new UkhookException(Kind.USAGE, "--forward " + hostAddress + ":" + hostPort + ":" + guestPort
              + ": ports are 1 to 65535");
        }
      }
    }

    /** {@code HOSTADDR:HOSTPORT:GUESTPORT}, for example {@code 127.0.0.1:16379:6379}. */
    public static Forward parse(String s) {
      Matcher m = FORWARD.matcher(s);
      if (!m.matches()) {
        throw new UkhookException(Kind.USAGE, "--forward " + s + ": expected HOSTADDR:HOSTPORT:GUESTPORT, for "
            + "example 127.0.0.1:16379:6379");
      }
      try {
        return new Forward(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
      } catch (NumberFormatException e) {
        throw new UkhookException(Kind.USAGE, "--forward " + s + ": ports are 1 to 65535");
      }
    }

    @Override
    public String toString() {
      return hostAddress + ":" + hostPort + ":" + guestPort;
    }
  }

  /** QEMU's arguments for the device and the forwards. */
  public static List<String> qemuArgs(List<Forward> forwards) {
    StringBuilder netdev = new StringBuilder("user,id=n0");
    for (Forward f : forwards) {
      netdev.append(",hostfwd=tcp:").append(f.hostAddress()).append(':').append(f.hostPort()).append("-:")
          .append(f.guestPort());
    }
    return new ArrayList<>(List.of("-netdev", netdev.toString(), "-device", "virtio-net-pci,netdev=n0"));
  }

  /**
   * Waits until the guest listens behind {@code f}. QEMU accepts a connection to a forward at once and only then
   * connects to the guest, closing ours when nobody listens there: a connection that stays open for {@link
   * #HELD} (or on which the guest already speaks) means the server is up. Returns false when {@code timeout}
   * passes or {@code alive} turns false first.
   */
  public static boolean awaitListening(Forward f, Duration timeout, BooleanSupplier alive)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (alive.getAsBoolean() && System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(f.hostAddress(), f.hostPort()), 1000);
        s.setSoTimeout((int) HELD.toMillis());
        InputStream in = s.getInputStream();
        try {
          if (in.read() >= 0) {
            return true;
          }
        } catch (SocketTimeoutException held) {
          return true;
        }
      } catch (IOException refused) {
        // QEMU not up yet, or the forward closed: try again
      }
      Thread.sleep(200);
    }
    return false;
  }
}
