package dev.ukhook.host;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
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
  /** How long {@link #close()} lets a push that is being answered finish, so that its client gets the line. */
  private static final Duration CLOSE = Duration.ofSeconds(2);

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
   * control message on the trace port; {@code events} are the filter events received so far; {@code connected}
   * says whether the guest's trace connection stands (once false, {@code events} holds all there will be).
   */
  public static PolicyPush listen(Path socket, Predicate<byte[]> send,
      Supplier<List<EventRecord>> events, BooleanSupplier connected) {
    SocketPaths.requireFits(socket);
    ServerSocketChannel server;
    try {
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    } catch (IOException e) {
      throw cannotListen(socket, e);
    }
    try {
      UnixSockets.bindOwnerOnly(server, socket);
    } catch (IOException e) {
      closeQuietly(server);
      throw cannotListen(socket, e);
    }
    Thread t = new Thread(() -> {
      while (server.isOpen()) {
        try (SocketChannel c = server.accept()) {
          c.write(StandardCharsets.UTF_8.encode(answer(read(c), send, events, connected) + "\n"));
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
  static String answer(byte[] policy, Predicate<byte[]> send, Supplier<List<EventRecord>> events,
      BooleanSupplier connected) {
    if (policy.length != PolicyLayout.Policy.SIZE) {
      return "refused: " + policy.length + " bytes is no compiled policy";
    }
    long checksum = ByteBuffer.wrap(policy).order(ByteOrder.LITTLE_ENDIAN).getLong(PolicyLayout.Policy.CHECKSUM.offset());
    // The guest's answer repeats the push's id: an event the guest sent before it read the push (its boot policy's,
    // still in the ring, with the same checksum when the push is a damaged copy of it) is no answer.
    int id = PUSHES.incrementAndGet();
    int before = events.get().size();
    if (!send.test(ControlMessage.encode(TraceLayout.CONTROL_POLICY, policy, id))) {
      return "refused: the guest is not connected to the trace port (has it ended?)";
    }
    long deadline = System.nanoTime() + ANSWER.toNanos();
    while (System.nanoTime() - deadline < 0) {
      // Read before the events: once the connection is gone, the events are all there will be.
      boolean open = connected.getAsBoolean();
      List<EventRecord> all = events.get();
      for (EventRecord e : all.subList(Math.min(before, all.size()), all.size())) {
        if (e.cause() != id) {
          continue;
        }
        if (e.event() == PolicyLayout.EVENT_POLICY && e.policy() == checksum) {
          return "in force from record #" + e.seq() + " on (policy " + Long.toHexString(checksum) + ")";
        }
        if (e.event() == PolicyLayout.EVENT_REFUSED) {
          return "refused by the guest: " + PolicyLayout.refusal(e.reason()) + "; the old policy stays in force";
        }
      }
      if (!open) {
        return NOT_CONFIRMED + "the guest shut down before it answered";
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        // close(): the run is ending. The interrupt is not kept, so that this answer still reaches the client;
        // the thread ends anyway, as its server socket is closed.
        return NOT_CONFIRMED + "the run ended before the guest answered";
      }
    }
    return "no answer from the guest in " + ANSWER.toSeconds() + " s (is its control thread running? it needs a "
        + "scheduler, CONFIG_LIBUKSCHED)";
  }

  private static final String NOT_CONFIRMED = "not in force: ";
  /** Pushes numbered from 1 (0 is no push: the boot's policy event); wraps only after 2^31. */
  private static final AtomicInteger PUSHES = new AtomicInteger();

  /**
   * The client: sends {@code policy} to the ukhook that listens on {@code socket} and returns its answer, which
   * starts with "in force" only when the guest put the policy in force; never an empty line.
   */
  public static String push(Path socket, byte[] policy) {
    SocketChannel c;
    try {
      c = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      throw new UkhookException(Kind.USAGE, "no running ukhook listens on " + socket + " (" + TextFiles.reason(e)
          + "): the run has ended, or its image does not filter; push into a run that is still going");
    }
    ByteBuffer in = ByteBuffer.allocate(4096);
    String lost = "";
    try (c) {
      ByteBuffer b = ByteBuffer.wrap(policy);
      while (b.hasRemaining()) {
        c.write(b);
      }
      c.shutdownOutput();
      while (c.read(in) >= 0 && in.hasRemaining()) {
        // the answer is one line, then the server closes
      }
    } catch (IOException e) {
      lost = " (" + TextFiles.reason(e) + ")";
    }
    String answer = StandardCharsets.UTF_8.decode(in.flip()).toString().strip();
    if (answer.isEmpty()) {
      // The run ended (the guest shut down) while the policy was on its way: whether the guest took it is unknown.
      return NOT_CONFIRMED + "the run on " + socket + " ended before it answered" + lost + ", so the policy may "
          + "never have been applied; push into a run that is still going";
    }
    return answer;
  }

  private static UkhookException cannotListen(Path socket, IOException e) {
    return new UkhookException(Kind.ENVIRONMENT, "cannot listen for policy pushes on " + socket + ": "
        + TextFiles.reason(e));
  }

  private static void closeQuietly(ServerSocketChannel server) {
    try {
      if (server != null) {
        server.close();
      }
    } catch (IOException e) {
      // already failing
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // nothing to do
    }
    try {
      thread.join(CLOSE.toMillis()); // a push being answered: the guest has ended, so the answer comes at once
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread.interrupt();
    TextFiles.deleteQuietly(socket);
  }
}
