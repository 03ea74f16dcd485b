package dev.ukhook.host;

import static org.junit.jupiter.api.Assertions.*;

import dev.ukhook.core.UkhookException;
import dev.ukhook.format.ControlMessage;
import dev.ukhook.format.Damage;
import dev.ukhook.format.DecodedTrace;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceDecoder;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.format.TraceWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CollectorTest {
  /** The size of the records {@link #stream} writes: 4 frames and the arguments. */
  private static final int R = TraceLayout.recordSize(4, TraceLayout.ARGS, 0, 0);

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final TraceHeader HEADER =
      TraceHeader.of(4, 1_000_000_000L, "0123456789abcdef0123456789abcdef", 4096, TraceHeader.Overflow.BLOCK);

  @TempDir Path dir;

  private Path socket() {
    return dir.resolve("ukhook.sock");
  }

  private Path trace() {
    return dir.resolve("trace.ukt");
  }

  /** A stream of {@code n} records, then a final record if {@code total >= 0}. */
  private static byte[] stream(int n, long total) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TraceWriter w = new TraceWriter(out, HEADER);
    for (int i = 0; i < n; i++) {
      w.syscall(
          new SyscallRecord(i, i, i + 1, 39, 0, new long[6], i, 0x100000 + i, new long[] {0x200000, 0x300000}));
    }
    if (total >= 0) {
      w.end(new FinalRecord(total, total - n, n, n));
    }
    return out.toByteArray();
  }

  /** Writes {@code bytes} in odd-sized pieces so records straddle reads; closes unless told to keep open. */
  private static void send(SocketChannel channel, byte[] bytes, boolean close) throws IOException {
    for (int at = 0; at < bytes.length; at += 1000) {
      ByteBuffer b = ByteBuffer.wrap(bytes, at, Math.min(1000, bytes.length - at));
      while (b.hasRemaining()) {
        channel.write(b);
      }
    }
    if (close) {
      channel.close();
    }
  }

  private CompletableFuture<Void> clientSends(byte[] bytes) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            send(SocketChannel.open(UnixDomainSocketAddress.of(socket())), bytes, true);
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        });
  }

  @Test
  void storesAWholeStreamUnchangedAndCountsIt() throws Exception {
    byte[] bytes = stream(10_000, 10_000);
    try (Collector c = Collector.listen(socket(), trace())) {
      c.start();
      assertTrue(Files.exists(socket()));
      clientSends(bytes).get();
      CollectResult r = c.awaitResult(WAIT).orElseThrow();

      assertEquals(CollectResult.End.PEER_CLOSED, r.end());
      assertEquals(bytes.length, r.bytes());
      assertEquals(10_000, r.recordsReceived());
      assertTrue(r.finalRecordPresent());
      assertEquals(0, r.dropped());
      assertEquals(0, r.missing());
      assertEquals(Optional.empty(), r.damageLine());
      assertEquals(HEADER, r.header().orElseThrow());
      assertEquals(
          "10000 records (" + bytes.length + " bytes) in " + trace() + "; 0 dropped by the guest, 0 missing",
          r.summary());
      assertArrayEquals(bytes, Files.readAllBytes(trace()));
      assertFalse(Files.exists(socket()), "the socket file is removed once the connection is accepted");
      Progress p = c.progress();
      assertEquals(new Progress(true, bytes.length, 10_000, 9_999, 0, true), p);
    }
  }

  @Test
  void peerClosingMidRecordKeepsEveryByteAndReportsThePartialRecord() throws Exception {
    byte[] whole = stream(5, -1);
    byte[] cut = Arrays.copyOf(whole, whole.length - R + 17);
    try (Collector c = Collector.listen(socket(), trace())) {
      c.start();
      clientSends(cut).get();
      CollectResult r = c.awaitResult(WAIT).orElseThrow();

      assertEquals(4, r.recordsReceived());
      assertFalse(r.finalRecordPresent());
      assertEquals(Damage.Kind.TRUNCATED_RECORD, r.damage().orElseThrow().kind());
      assertEquals(
          "connection closed after 4 records, 17 trailing bytes of a partial record", r.damageLine().orElseThrow());
      assertArrayEquals(cut, Files.readAllBytes(trace()));
      DecodedTrace decoded = TraceDecoder.read(trace());
      assertEquals(4, decoded.records().size());
      assertEquals(Damage.Kind.TRUNCATED_RECORD, decoded.damage().orElseThrow().kind());
    }
  }

  @Test
  void missingRecordsAreCountedFromTheFinalRecord() throws Exception {
    byte[] bytes = stream(3, 7); // the guest says 7 calls, 4 dropped; 3 arrive
    try (Collector c = Collector.listen(socket(), trace())) {
      c.start();
      clientSends(bytes).get();
      CollectResult r = c.awaitResult(WAIT).orElseThrow();
      assertEquals(4, r.dropped());
      assertEquals(0, r.missing());
    }
  }

  @Test
  void removesAStaleSocketFile() throws Exception {
    try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      crashed.bind(UnixDomainSocketAddress.of(socket()));
    } // closing a Unix server socket leaves its file behind, as a crashed collector would
    assertTrue(Files.exists(socket()));

    byte[] bytes = stream(2, 2);
    try (Collector c = Collector.listen(socket(), trace())) {
      c.start();
      clientSends(bytes).get();
      assertEquals(2, c.awaitResult(WAIT).orElseThrow().recordsReceived());
    }
  }

  @Test
  void refusesARegularFileAtTheSocketPath() throws Exception {
    Files.writeString(socket(), "not a socket");
    Collector c = Collector.listen(socket(), trace());
    UkhookException e = assertThrows(UkhookException.class, c::start);
    assertEquals(socket() + " exists and is not a socket; remove it or choose another socket path", e.getMessage());
    assertEquals("not a socket", Files.readString(socket()));
    assertFalse(Files.exists(trace()));
  }

  @Test
  void refusesASocketAnotherCollectorListensOn() throws Exception {
    try (Collector first = Collector.listen(socket(), trace())) {
      first.start();
      Collector second = Collector.listen(socket(), dir.resolve("other.ukt"));
      UkhookException e = assertThrows(UkhookException.class, second::start);
      assertEquals(
          "socket " + socket() + " is in use by another process (another ukhook collect?); stop it or choose"
              + " another socket path",
          e.getMessage());
      // The first collector still gets its connection.
      clientSends(stream(1, 1)).get();
      assertEquals(1, first.awaitResult(WAIT).orElseThrow().recordsReceived());
    }
  }

  @Test
  void refusesAnExistingTraceFile() throws Exception {
    Files.write(trace(), new byte[] {1, 2, 3});
    Collector c = Collector.listen(socket(), trace());
    UkhookException e = assertThrows(UkhookException.class, c::start);
    assertEquals("trace file " + trace() + " exists already; use a new run directory or remove it", e.getMessage());
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(trace()));
    assertFalse(Files.exists(socket()), "a failed start leaves no socket behind");
  }

  @Test
  void refusesASocketPathTooLongForTheKernel() {
    Path longPath = dir.resolve("x".repeat(120) + ".sock");
    UkhookException e =
        assertThrows(UkhookException.class, () -> Collector.listen(longPath, trace()).start());
    assertTrue(e.getMessage().startsWith("socket path " + longPath + " is "), e.getMessage());
    assertTrue(e.getMessage().endsWith(" bytes, more than the 107 a Unix socket allows; choose a shorter path"));
  }

  @Test
  void stopWithoutAConnectionReportsIt() throws Exception {
    Collector c = Collector.listen(socket(), trace());
    c.start();
    assertEquals(Optional.empty(), c.awaitResult(Duration.ofMillis(100)));
    CollectResult r = c.stop();

    assertEquals(CollectResult.End.NO_CONNECTION, r.end());
    assertEquals(0, r.bytes());
    assertEquals(Optional.empty(), r.damage());
    assertEquals("no connection on " + socket() + ": QEMU never connected, nothing was traced", r.summary());
    assertFalse(Files.exists(socket()));
    assertSame(r.end(), c.stop().end(), "stop is idempotent");
  }

  // Defect 9: a timeout without a connection left an empty trace file.
  @Test
  void noConnectionLeavesNoTraceFile() throws Exception {
    Collector c = Collector.listen(socket(), trace());
    c.start();
    assertTrue(Files.exists(trace()));
    CollectResult r = c.stop();
    assertEquals(CollectResult.End.NO_CONNECTION, r.end());
    assertFalse(Files.exists(trace()), "the empty trace file this collector created is removed");
  }

  // Defect 9: collector A finishing deleted collector B's socket at the same path.
  @Test
  void aFinishingCollectorLeavesTheSocketOfTheNextOneAlone() throws Exception {
    try (Collector a = Collector.listen(socket(), trace())) {
      a.start();
      try (SocketChannel guestA = SocketChannel.open(UnixDomainSocketAddress.of(socket()))) {
        // A accepts and stops listening, which removes its socket file; B may now use the path.
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (Files.exists(socket()) && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        try (Collector b = Collector.listen(socket(), dir.resolve("b.ukt"))) {
          b.start();
          send(guestA, stream(1, 1), true);
          assertEquals(1, a.awaitResult(WAIT).orElseThrow().recordsReceived());
          assertTrue(Files.exists(socket()), "B's socket must survive A's end");
          clientSends(stream(2, 2)).get();
          assertEquals(2, b.awaitResult(WAIT).orElseThrow().recordsReceived());
        }
      }
    }
  }

  // Defect 8: a socket in a missing directory gave a stack trace.
  @Test
  void aSocketInAMissingDirectoryIsOneLineAndLeavesNothing() {
    Path socket = dir.resolve("missing/ukhook.sock");
    UkhookException e = assertThrows(UkhookException.class, () -> Collector.listen(socket, trace()).start());
    assertEquals(UkhookException.Kind.ENVIRONMENT, e.kind());
    assertEquals("cannot listen on socket " + socket + ": no such file or directory", e.getMessage());
    assertFalse(Files.exists(trace()));
  }

  @Test
  void sendsControlMessagesToTheGuestAndTimesItsLastWork() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TraceWriter w = new TraceWriter(out, HEADER);
    long[] noFrames = {};
    w.syscall(new SyscallRecord(0, 0, 1, 0 /* read */, 0, new long[6], 1, 0x100000, noFrames));
    int work = out.size();
    for (int i = 1; i <= 3; i++) {
      w.syscall(new SyscallRecord(i, i, i + 1, 7 /* poll */, 0, new long[6], 0, 0x100000, noFrames));
    }
    byte[] stream = out.toByteArray();
    try (Collector c = Collector.listen(socket(), trace());
        SocketChannel guest = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.start();
      assertFalse(c.send(ControlMessage.stop()), "no guest connected yet");
      guest.connect(UnixDomainSocketAddress.of(socket()));
      send(guest, Arrays.copyOf(stream, work), false);
      awaitBytes(c, work);
      Thread.sleep(300);
      send(guest, Arrays.copyOfRange(stream, work, stream.length), false);
      awaitBytes(c, stream.length);
      assertTrue(c.sinceWork().toMillis() >= 300, "polls are idle: " + c.sinceWork());

      assertTrue(c.send(ControlMessage.stop()));
      ByteBuffer got = ByteBuffer.allocate(TraceLayout.CONTROL_SIZE);
      while (got.hasRemaining()) {
        guest.read(got);
      }
      assertArrayEquals(ControlMessage.stop(), got.array());
    }
  }

  // Issue 18 defect 2: a policy push (or stop request) the guest never read before it shut down made the kernel
  // end the connection with ECONNRESET instead of EOF, and the whole collection failed with "Connection reset".
  @Test
  void aGuestThatShutsDownWithAControlMessageUnreadKeepsTheWholeTrace() throws Exception {
    byte[] bytes = stream(5, 5);
    try (Collector c = Collector.listen(socket(), trace());
        SocketChannel guest = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.start();
      guest.connect(UnixDomainSocketAddress.of(socket()));
      send(guest, bytes, false);
      awaitBytes(c, bytes.length);
      assertTrue(c.send(ControlMessage.stop()));
      // The guest reads only part of it, so that it is surely queued, and ends with the rest unread.
      ByteBuffer part = ByteBuffer.allocate(TraceLayout.CONTROL_SIZE - 1);
      while (part.hasRemaining()) {
        guest.read(part);
      }
      guest.close();
      CollectResult r = c.awaitResult(WAIT).orElseThrow();

      assertEquals(CollectResult.End.PEER_CLOSED, r.end());
      assertEquals(5, r.recordsReceived());
      assertTrue(r.finalRecordPresent());
      assertEquals(List.of(), r.problems());
      assertArrayEquals(bytes, Files.readAllBytes(trace()));
    }
  }

  // Issue 18 defect 11: under umask 000 the socket was world-writable (any local user could feed a fake trace)
  // and the trace, with its copies of paths and buffers, world-readable. The umask cannot be set from Java, so
  // this checks that the collector sets the permissions itself: exactly these hold under any umask.
  @Test
  void theSocketAndTheTraceAreTheirOwnersOnly() throws Exception {
    try (Collector c = Collector.listen(socket(), trace())) {
      c.start();
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket())));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(trace())));
      clientSends(stream(1, 1)).get();
      assertEquals(1, c.awaitResult(WAIT).orElseThrow().recordsReceived());
    }
  }

  private static void awaitBytes(Collector c, long bytes) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (c.progress().bytes() < bytes && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(bytes, c.progress().bytes());
  }

  @Test
  void stopWhileConnectedKeepsWhatArrived() throws Exception {
    byte[] bytes = stream(100, -1);
    byte[] sent = Arrays.copyOf(bytes, bytes.length - 50);
    try (Collector c = Collector.listen(socket(), trace());
        SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.start();
      client.connect(UnixDomainSocketAddress.of(socket()));
      send(client, sent, false);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (c.progress().bytes() < sent.length && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      CollectResult r = c.stop();

      assertEquals(CollectResult.End.STOPPED, r.end());
      assertEquals(99, r.recordsReceived());
      assertEquals(
          "collection stopped after 99 records, " + (R - 50) + " trailing bytes of a partial record",
          r.damageLine().orElseThrow());
      assertArrayEquals(sent, Files.readAllBytes(trace()));
    }
  }

  @Test
  void stopDrainsBytesQueuedInTheSocket() throws Exception {
    byte[] bytes = stream(1000, 1000);
    try (Collector c = Collector.listen(socket(), trace());
        SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.start();
      client.connect(UnixDomainSocketAddress.of(socket()));
      send(client, bytes, false);
      // No waiting: whatever the collector has not read yet is still queued in the socket.
      CollectResult r = c.stop();
      assertEquals(bytes.length, r.bytes());
      assertTrue(r.finalRecordPresent());
    }
  }

  @Test
  void connectModeRetriesUntilQemuListensAndStartsOnlyOnceConnected() throws Exception {
    byte[] bytes = stream(50, 50);
    try (Collector c = Collector.connect(socket(), trace(), WAIT)) {
      CompletableFuture<Void> started = CompletableFuture.runAsync(c::start);
      Thread.sleep(200); // the collector is retrying: QEMU has not created its socket yet
      assertFalse(started.isDone(), "start() returns once connected, not before");
      assertFalse(Files.exists(trace()), "no trace file before there is a connection");
      try (ServerSocketChannel qemu = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        qemu.bind(UnixDomainSocketAddress.of(socket()));
        try (SocketChannel guest = qemu.accept()) {
          started.get(WAIT.toSeconds(), TimeUnit.SECONDS);
          send(guest, bytes, true);
        }
      }
      CollectResult r = c.awaitResult(WAIT).orElseThrow();
      assertEquals(50, r.recordsReceived());
      assertEquals(0, r.missing());
      assertArrayEquals(bytes, Files.readAllBytes(trace()));
    }
  }

  @Test
  void connectModeGivesUpAfterItsTimeoutWithOneLineAndNoTraceFile() {
    Collector c = Collector.connect(socket(), trace(), Duration.ofMillis(200));
    UkhookException e = assertThrows(UkhookException.class, c::start);
    assertTrue(
        e.getMessage().startsWith("could not connect to QEMU's trace socket " + socket() + " within 200 ms ("),
        e.getMessage());
    assertTrue(
        e.getMessage().endsWith("); is QEMU running with -chardev socket,id=ukhook,path=" + socket()
            + ",server=on,wait=off?"),
        e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
    assertFalse(Files.exists(trace()));
  }

  @Test
  void keepsUpWithAMillionRecords() throws Exception {
    int n = 1_000_000;
    byte[] one = stream(1, -1);
    byte[] header = Arrays.copyOf(one, 64);
    byte[] record = Arrays.copyOfRange(one, 64, 64 + R);
    try (Collector c = Collector.listen(socket(), trace());
        SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.start();
      client.connect(UnixDomainSocketAddress.of(socket()));
      long t0 = System.nanoTime();
      client.write(ByteBuffer.wrap(header));
      ByteBuffer batch = ByteBuffer.allocate(R * 8192);
      for (int sent = 0; sent < n; ) {
        batch.clear();
        for (int i = 0; i < 8192 && sent < n; i++, sent++) {
          // seq must count up for the sequence check
          batch.put(record).putInt(batch.position() - R + TraceLayout.Syscall.SEQ.offset(), Integer.reverseBytes(sent));
        }
        batch.flip();
        while (batch.hasRemaining()) {
          client.write(batch);
        }
      }
      client.close();
      CollectResult r = c.awaitResult(Duration.ofSeconds(50)).orElseThrow();
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf("collector: %d records in %.2f s = %.1f M records/s%n", n, seconds, n / seconds / 1e6);

      assertEquals(n, r.recordsReceived());
      assertEquals(0, r.stats().gaps());
      assertEquals(64L + (long) R * n, Files.size(trace()));
    }
  }

  @Test
  void findsListeningSocketsInProcNetUnix() {
    List<String> lines =
        List.of(
            "Num       RefCount Protocol Flags    Type St Inode Path",
            "0000000000000000: 00000002 00000000 00010000 0001 01 22927 /run/a.sock",
            "0000000000000000: 00000002 00000000 00000000 0001 03 22928 /run/b.sock",
            "0000000000000000: 00000002 00000000 00000000 0001 03 22929");
    assertTrue(UnixSockets.isListening(lines, Path.of("/run/a.sock")));
    assertFalse(UnixSockets.isListening(lines, Path.of("/run/b.sock")), "connected, not listening");
    assertFalse(UnixSockets.isListening(lines, Path.of("/run/c.sock")));
  }
}
