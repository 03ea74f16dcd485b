package dev.ukhook.host;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.CountSnapshot;
import dev.ukhook.format.EventRecord;
import dev.ukhook.format.StreamDecoder;
import dev.ukhook.format.SyscallNames;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Receives one trace stream over a Unix domain socket, stores every byte unchanged in the trace file and
 * decodes it on the fly for live counts.
 *
 * <p>In listen mode the collector owns the socket and QEMU connects to it ({@code -chardev
 * socket,id=ukhook,path=P}); in connect mode QEMU listens ({@code server=on,wait=off}) and the collector
 * connects, retrying until QEMU has created the socket. Either way there is exactly one connection per boot.
 */
public final class Collector implements AutoCloseable {
  // Big enough that one read takes everything the kernel has queued even at full speed.
  private static final int BUFFER_BYTES = 4 << 20;
  private static final long POLL_MILLIS = 50;
  // After stop(), keep reading what is already queued, but not forever if the guest keeps writing.
  private static final Duration DRAIN = Duration.ofSeconds(2);
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private final boolean listen;
  private final Path socket;
  private final Path traceFile;
  private final Duration connectTimeout;
  private final StreamDecoder decoder = new StreamDecoder(null);
  private final CountDownLatch done = new CountDownLatch(1);

  private ServerSocketChannel server;
  // The identity of the socket file this collector bound, so that it never removes another one at that path.
  private Object boundKey;
  private SocketChannel connected;
  // The connection to the guest once it stands, for send().
  private volatile SocketChannel peer;
  // When the guest last made a call other than waiting, sleeping or reading the clock (System.nanoTime(), as
  // of the read that brought it), and the decoder's count of such calls then.
  private volatile long lastWork = System.nanoTime();
  // The filter events decoded so far (policies put in force or refused), for a policy push waiting on its answer.
  private volatile List<EventRecord> events = List.of();
  private long workSeen;
  private FileChannel file;
  private Selector selector;
  private Thread thread;
  private volatile boolean stopRequested;
  private volatile Progress progress = Progress.WAITING;
  private volatile CountSnapshot counts;
  private volatile CollectResult.End end;
  private volatile Throwable failure;

  private Collector(boolean listen, Path socket, Path traceFile, Duration connectTimeout) {
    this.listen = listen;
    this.socket = socket;
    this.traceFile = traceFile;
    this.connectTimeout = connectTimeout;
  }

  /** A collector that listens on {@code socket} for QEMU to connect, writing to a new {@code traceFile}. */
  public static Collector listen(Path socket, Path traceFile) {
    return new Collector(true, socket, traceFile, Duration.ZERO);
  }

  /** A collector that connects to QEMU's socket, retrying until it exists or {@code connectTimeout} passes. */
  public static Collector connect(Path socket, Path traceFile, Duration connectTimeout) {
    return new Collector(false, socket, traceFile, connectTimeout);
  }

  /**
   * In listen mode binds the socket, in connect mode connects (waiting for QEMU's socket up to the connect
   * timeout), then creates the trace file and collects on a background thread. Once this returns, QEMU can be
   * started (listen mode) or the connection stands (connect mode). Fails with one line, leaving no socket and
   * no trace file behind.
   */
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("collector already started");
    }
    SocketPaths.requireFits(socket);
    try {
      selector = Selector.open();
      if (listen) {
        server = bind();
      } else {
        connected = connectWithRetry();
      }
      file = createTraceFile();
    } catch (IOException | RuntimeException e) {
      stopListening();
      closeQuietly(selector, connected);
      if (e instanceof IOException io) {
        throw new UkhookException(Kind.FAILURE, "cannot start the trace collector: " + TextFiles.reason(io), io);
      }
      throw (RuntimeException) e;
    }
    thread = new Thread(this::run, "ukhook-collector");
    thread.setDaemon(true);
    thread.start();
  }

  /** Live counts; safe to call from any thread. */
  public Progress progress() {
    return progress;
  }

  /** How long ago the guest last made a system call that is not idling ({@link SyscallNames#IDLE}). */
  public Duration sinceWork() {
    return Duration.ofNanos(System.nanoTime() - lastWork);
  }

  /**
   * Whether the guest's connection stands. Once this is false, {@link #events()} holds every event it sent: they
   * are published as they are read, before the connection is let go.
   */
  public boolean guestConnected() {
    return peer != null;
  }

  /** The filter events received so far, in stream order; safe to call from any thread. */
  public List<EventRecord> events() {
    return events;
  }

  /**
   * Sends {@code message} to the guest on the port's other direction (a control message, docs/trace-format.md).
   * Returns false when no guest is connected or the guest takes none of it within a second.
   */
  public synchronized boolean send(byte[] message) {
    SocketChannel c = peer;
    ByteBuffer b = ByteBuffer.wrap(message);
    long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
    try {
      while (c != null && b.hasRemaining() && System.nanoTime() - deadline < 0) {
        if (c.write(b) == 0) {
          Thread.sleep(10);
        }
      }
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return c != null && !b.hasRemaining();
  }

  /** Waits for the connection to end by itself; empty if it is still open after {@code timeout}. */
  public Optional<CollectResult> awaitResult(Duration timeout) throws InterruptedException {
    requireStarted();
    if (!done.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      return Optional.empty();
    }
    return Optional.of(result());
  }

  /**
   * Stops collecting, after reading what the socket already holds, and returns the result. Safe to call from
   * a shutdown hook and more than once; bytes already received are always in the trace file.
   */
  public CollectResult stop() {
    requireStarted();
    stopRequested = true;
    selector.wakeup();
    boolean interrupted = false;
    while (true) {
      try {
        done.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return result();
  }

  @Override
  public void close() {
    if (thread != null) {
      stop();
    }
  }

  private void run() {
    try (FileChannel out = file;
        Selector sel = selector) {
      SocketChannel channel = listen ? accept() : connected;
      if (channel == null) {
        end = CollectResult.End.NO_CONNECTION;
        return;
      }
      try (channel) {
        channel.configureBlocking(false);
        peer = channel;
        end = copy(channel, out);
      } finally {
        peer = null;
      }
      decoder.end();
      publish(true);
      out.force(false);
    } catch (Throwable t) {
      failure = t;
    } finally {
      stopListening();
      if (end == CollectResult.End.NO_CONNECTION) {
        deleteIfEmpty(traceFile); // created by this collector, and nothing came
      }
      done.countDown();
    }
  }

  private SocketChannel accept() throws IOException {
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    SocketChannel channel;
    while ((channel = server.accept()) == null) {
      if (stopRequested) {
        return null;
      }
      selector.select(POLL_MILLIS);
      selector.selectedKeys().clear();
    }
    // One connection per boot: stop listening so a second client cannot interleave a stream.
    stopListening();
    selector.selectNow();
    return channel;
  }

  private SocketChannel connectWithRetry() throws IOException {
    UnixDomainSocketAddress address = UnixDomainSocketAddress.of(socket);
    long deadline = System.nanoTime() + connectTimeout.toNanos();
    IOException last;
    while (true) {
      SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        channel.connect(address);
        return channel;
      } catch (IOException e) {
        // QEMU creates its socket some time after it starts: absent or refused means not yet.
        channel.close();
        last = e;
      }
      if (stopRequested) {
        return null;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new UkhookException(
            Kind.FAILURE,
            "could not connect to QEMU's trace socket " + socket + " within " + connectTimeout.toMillis() + " ms"
                + " (" + last.getMessage() + "); is QEMU running with -chardev socket,id=ukhook,path=" + socket
                + ",server=on,wait=off?");
      }
      selector.select(POLL_MILLIS);
    }
  }

  private CollectResult.End copy(SocketChannel channel, FileChannel out) throws IOException {
    channel.register(selector, SelectionKey.OP_READ);
    publish(true);
    ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER_BYTES);
    long drainDeadline = 0;
    while (true) {
      int n;
      try {
        n = channel.read(buf);
      } catch (IOException reset) {
        // A guest that shuts down with part of a control message unread (a policy push or stop request that came
        // too late) makes the kernel end the connection with ECONNRESET rather than EOF, after everything it
        // sent has been read: the connection ended like any other, and the records say whether any are missing.
        return CollectResult.End.PEER_CLOSED;
      }
      if (n < 0) {
        return CollectResult.End.PEER_CLOSED;
      }
      if (n > 0) {
        buf.flip();
        while (buf.hasRemaining()) {
          out.write(buf);
        }
        buf.rewind();
        decoder.feed(buf);
        buf.clear();
        publish(true);
      } else {
        if (stopRequested) {
          return CollectResult.End.STOPPED;
        }
        selector.select(POLL_MILLIS);
        selector.selectedKeys().clear();
      }
      if (stopRequested) {
        if (drainDeadline == 0) {
          drainDeadline = System.nanoTime() + DRAIN.toNanos();
        } else if (System.nanoTime() - drainDeadline > 0) {
          return CollectResult.End.STOPPED;
        }
      }
    }
  }

  /** A counting image's last snapshot received so far (its counters since boot). */
  public Optional<CountSnapshot> counts() {
    return Optional.ofNullable(counts);
  }

  private void publish(boolean connected) {
    counts = decoder.counts().orElse(null);
    if (decoder.eventCount() != events.size()) {
      events = decoder.events();
    }
    if (decoder.work() != workSeen) {
      workSeen = decoder.work();
      lastWork = System.nanoTime();
    }
    progress =
        new Progress(
            connected,
            decoder.bytes(),
            decoder.received(),
            decoder.lastSeq(),
            decoder.stats().gaps(),
            decoder.finalRecord().isPresent());
  }

  private CollectResult result() {
    Throwable t = failure;
    if (t instanceof UkhookException u) {
      throw u;
    }
    if (t != null) {
      throw new UkhookException(
          t instanceof IOException ? Kind.FAILURE : Kind.INTERNAL,
          "collecting the trace into " + traceFile + " failed after " + decoder.bytes() + " bytes: " + t,
          t);
    }
    boolean connected = end != CollectResult.End.NO_CONNECTION;
    return new CollectResult(
        socket,
        traceFile,
        end,
        decoder.bytes(),
        decoder.header(),
        decoder.stats(),
        connected ? decoder.damage() : Optional.empty());
  }

  private ServerSocketChannel bind() throws IOException {
    if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      if (!isSocket(socket)) {
        throw new UkhookException(
            Kind.ENVIRONMENT,
            socket + " exists and is not a socket; remove it or choose another socket path");
      }
      if (UnixSockets.isListening(socket)) {
        throw new UkhookException(
            Kind.ENVIRONMENT,
            "socket " + socket + " is in use by another process (another ukhook collect?); stop it or choose"
                + " another socket path");
      }
      // Left behind by a collector that did not exit cleanly.
      Files.delete(socket);
    }
    ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      UnixSockets.bindOwnerOnly(channel, socket);
      boundKey = fileKey(socket);
    } catch (IOException e) {
      channel.close();
      throw new UkhookException(Kind.ENVIRONMENT, "cannot listen on socket " + socket + ": "
          + TextFiles.reason(e).toLowerCase(Locale.ROOT), e);
    }
    return channel;
  }

  private FileChannel createTraceFile() throws IOException {
    try {
      // The trace holds copies of paths and buffers: its owner's alone from the start, and exactly rw------- even
      // when the umask takes more.
      FileChannel channel = FileChannel.open(traceFile, Set.of(StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE, StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(
          TextFiles.OWNER_FILE));
      try {
        Files.setPosixFilePermissions(traceFile, TextFiles.OWNER_FILE);
      } catch (IOException e) {
        channel.close();
        Files.deleteIfExists(traceFile);
        throw e;
      }
      return channel;
    } catch (FileAlreadyExistsException e) {
      throw new UkhookException(
          Kind.USAGE, "trace file " + traceFile + " exists already; use a new run directory or remove it");
    } catch (NoSuchFileException e) {
      throw new UkhookException(
          Kind.ENVIRONMENT, "cannot create trace file " + traceFile + ": its directory does not exist");
    } catch (IOException e) {
      throw new UkhookException(
          Kind.ENVIRONMENT, "cannot create trace file " + traceFile + ": " + TextFiles.reason(e), e);
    }
  }

  private static boolean isSocket(Path path) throws IOException {
    Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    return ((Integer) mode & S_IFMT) == S_IFSOCK;
  }

  private void requireStarted() {
    if (thread == null) {
      throw new IllegalStateException("collector not started");
    }
  }

  private static void closeQuietly(AutoCloseable... closeables) {
    for (AutoCloseable c : closeables) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // Already failing; the first error is the one to report.
      }
    }
  }

  /**
   * Closes the listening socket and removes its file, once: after a connection is accepted another collector
   * may bind the same path, and its file must stay. The file key check also spares a file someone put there
   * while this collector listened.
   */
  private void stopListening() {
    if (server == null || !server.isOpen()) {
      return;
    }
    closeQuietly(server);
    try {
      if (boundKey != null && boundKey.equals(fileKey(socket))) {
        Files.deleteIfExists(socket);
      }
    } catch (IOException ignored) {
      // A leftover socket file is removed by the next collector on this path.
    }
  }

  private static Object fileKey(Path path) throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    } catch (NoSuchFileException gone) {
      return null;
    }
  }

  private static void deleteIfEmpty(Path path) {
    try {
      if (Files.isRegularFile(path) && Files.size(path) == 0) {
        Files.delete(path);
      }
    } catch (IOException ignored) {
      // An empty trace file left behind says the same: nothing came.
    }
  }
}
