package dev.ukhook.host;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.format.ControlMessage;
import dev.ukhook.format.EventRecord;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.format.TraceLayout;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A policy pushed into a running guest (docs/policy.md, "Run-time swap"). Only the running ukhook holds the trace
 * port, so `ukhook policy push` hands the compiled policy to it over a Unix socket in the run directory; it sends
 * the policy as a control message and answers with the guest's own verdict: the event record that put the policy
 * in force, or the one that refused it.
 */
public final class PolicyPush implements AutoCloseable {
  /** How long the guest may take to answer: its control thread polls every 250 ms. */
  public static final Duration ANSWER = Duration.ofSeconds(10);

  private final Path socket;
  private final ServerSocketChannel server;
  private final Thread thread;

  private PolicyPush(Path socket, ServerSocketChannel server, Thread thread) {
    this.socket = socket;
    this.server = server;
    this.thread = thread;
  }

  /**
   * Listens on {@code socket}: each client sends a compiled policy and gets one line back. {@code send} puts a
   * control message on the trace port; {@code events} are the filter events received so far.
   */
  public static PolicyPush listen(Path socket, Predicate<byte[]> send,
      Supplier<List<EventRecord>> events) {
    SocketPaths.requireFits(socket);
    ServerSocketChannel server;
    try {
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      throw new UkhookException(Kind.ENVIRONMENT, "cannot listen for policy pushes on " + socket + ": "
          + TextFiles.reason(e));
    }
    Thread t = new Thread(() -> {
      while (server.isOpen()) {
        try (SocketChannel c = server.accept()) {
          c.write(StandardCharsets.UTF_8.encode(answer(read(c), send, events) + "\n"));
        } catch (IOException e) {
          // closed, or a client that went away: the next one is served
        }
      }
    }, "ukhook-policy-push");
    t.setDaemon(true);
    t.start();
    return new PolicyPush(socket, server, t);
  }

  private static byte[] read(SocketChannel c) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(PolicyLayout.Policy.SIZE + 1);
    while (b.hasRemaining() && c.read(b) >= 0) {
      // until the client shuts its side down
    }
    byte[] bytes = new byte[b.position()];
    b.flip().get(bytes);
    return bytes;
  }

  /** The line a push gets: "in force ...", "refused ..." or why there is no answer. */
  static String answer(byte[] policy, Predicate<byte[]> send, Supplier<List<EventRecord>> events) {
    if (policy.length != PolicyLayout.Policy.SIZE) {
      return "refused: " + policy.length + " bytes is no compiled policy";
    }
    long checksum = ByteBuffer.wrap(policy).order(ByteOrder.LITTLE_ENDIAN).getLong(PolicyLayout.Policy.CHECKSUM.offset());
    int before = events.get().size();
    if (!send.test(ControlMessage.encode(TraceLayout.CONTROL_POLICY, policy))) {
      return "refused: the guest is not connected to the trace port (has it ended?)";
    }
    long deadline = System.nanoTime() + ANSWER.toNanos();
    while (System.nanoTime() - deadline < 0) {
      List<EventRecord> all = events.get();
      for (EventRecord e : all.subList(Math.min(before, all.size()), all.size())) {
        if (e.event() == PolicyLayout.EVENT_POLICY && e.policy() == checksum) {
          return "in force from record #" + e.seq() + " on (policy " + Long.toHexString(checksum) + ")";
        }
        if (e.event() == PolicyLayout.EVENT_REFUSED && (e.refused() == checksum || e.refused() == 0)) {
          return "refused by the guest: " + PolicyLayout.refusal(e.reason()) + "; the old policy stays in force";
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return "no answer from the guest in " + ANSWER.toSeconds() + " s (is its control thread running? it needs a "
        + "scheduler, CONFIG_LIBUKSCHED)";
  }

  /** The client: sends {@code policy} to the ukhook that listens on {@code socket} and returns its answer. */
  public static String push(Path socket, byte[] policy) {
    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      ByteBuffer b = ByteBuffer.wrap(policy);
      while (b.hasRemaining()) {
        c.write(b);
      }
      c.shutdownOutput();
      ByteBuffer in = ByteBuffer.allocate(4096);
      while (c.read(in) >= 0 && in.hasRemaining()) {
        // the answer is one line, then the server closes
      }
      return StandardCharsets.UTF_8.decode(in.flip()).toString().strip();
    } catch (IOException e) {
      throw new UkhookException(Kind.USAGE, "no running ukhook listens on " + socket + " (" + TextFiles.reason(e)
          + "): the run has ended, or its image does not filter; push into a run that is still going");
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // nothing to do
    }
    thread.interrupt();
    TextFiles.deleteQuietly(socket);
  }
}
