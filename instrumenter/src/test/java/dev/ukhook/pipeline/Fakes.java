package dev.ukhook.pipeline;

import dev.ukhook.format.ControlMessage;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.format.TraceWriter;
import dev.ukhook.host.HoldingServer;
import dev.ukhook.host.QemuResult;
import dev.ukhook.host.QemuSpec;
import dev.ukhook.unikraft.BuildResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stand-ins for Unikraft's make and for QEMU, so that the pipeline runs end to end without a Unikraft tree:
 * make writes what Unikraft's would (the resolved configuration, the image, its .dbg and the link map
 * attrib/hello.map), and QEMU plays a guest that sends a real trace stream over the run's socket.
 */
public final class Fakes {
  /** 2024-10-01 12:00:00 UTC: run directories are named 20241001-120000. */
  public static final Clock CLOCK = Clock.fixed(Instant.parse("2024-10-01T12:00:00Z"), ZoneOffset.UTC);
  public static final String RUN_DIR = "20241001-120000";

  /** The table of what the fake guest sends: two writes from apphello through libnolibc, a getpid from libposix_process. */
  public static String table(String imageId) {
    return """
        library           syscall  count  nested  refused
        apphello          write        2       0        0
        apphello          (total)      2       0        0
        libposix_process  getpid       1       0        0
        libposix_process  (total)      1       0        0

        image %s: 3 records (binary 3), 0 dropped by the guest, 0 missing
        """.formatted(imageId);
  }

  private Fakes() {}

  /** The steps wired to a fake make and a fake QEMU, with a fixed clock. */
  public static Steps steps(Output out, FakeMake make, FakeQemu qemu) {
    return new Steps(make, qemu, CLOCK, out);
  }

  /** The image id in the hook library on Unikraft's L= (its ukhook.c defines ukhook_image_id_<id>). */
  static String imageId(String libraryPath) throws IOException {
    for (String lib : libraryPath.split(":")) {
      Path c = Path.of(lib, "ukhook.c");
      if (Files.isRegularFile(c)) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("ukhook_image_id_(\\p{XDigit}{32})")
            .matcher(Files.readString(c));
        if (m.find()) {
          return m.group(1);
        }
      }
    }
    throw new IllegalStateException("no hook library with an image id on L=" + libraryPath);
  }

  /** What Kconfig adds for an enabled library: the symbols its Config.uk selects (from each L= directory). */
  static String selects(String libraryPath, String fragment) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String lib : libraryPath.split(":")) {
      Path configUk = Path.of(lib, "Config.uk");
      if (!Files.isRegularFile(configUk)) {
        continue;
      }
      String text = Files.readString(configUk);
      java.util.regex.Matcher name = java.util.regex.Pattern.compile("(?m)^menuconfig (\\w+)").matcher(text);
      if (name.find() && fragment.contains("CONFIG_" + name.group(1) + "=y")) {
        java.util.regex.Matcher sel = java.util.regex.Pattern.compile("(?m)^\\s*select (\\w+)").matcher(text);
        while (sel.find()) {
          sb.append("CONFIG_").append(sel.group(1)).append("=y\n");
        }
      }
    }
    return sb.toString();
  }

  /** hello.map's code: [_text, _etext). */
  static final long TEXT_START = 0x101000L;
  static final long TEXT_END = 0x102900L;

  /**
   * An image as small as the build's checks allow: an x86-64 ELF executable whose one loaded segment holds
   * hello.map's code (zeros), followed by the hook library's table placeholder of image {@code imageId}, which
   * `ukhook build` fills.
   */
  static byte[] image(String imageId) {
    int code = 0x1000;
    int table = code + (int) (TEXT_END - TEXT_START);
    ByteBuffer b = ByteBuffer.allocate(table + PolicyLayout.Table.STRUCT.size(0, 0)).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, 0x464c457f).put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
    b.putShort(16, (short) 2).putShort(18, (short) 62).putInt(20, 1).putLong(24, TEXT_START).putLong(32, 64);
    b.putShort(52, (short) 64).putShort(54, (short) 56).putShort(56, (short) 1);
    b.putInt(64, 1).putInt(68, 5).putLong(72, code).putLong(80, TEXT_START).putLong(88, TEXT_START)
        .putLong(96, TEXT_END - TEXT_START).putLong(104, TEXT_END - TEXT_START).putLong(112, 0x1000);
    b.putLong(table, PolicyLayout.TABLE_MAGIC)
        .put(table + PolicyLayout.Table.IMAGE_ID.offset(), HexFormat.of().parseHex(imageId));
    return b.array();
  }

  /** Unikraft's make, as far as ukhook can tell: it records each call and writes the files make would. */
  public static final class FakeMake implements Make {
    public final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
    /** Exit code of the next build (not defconfig) call. */
    public volatile int buildExit;
    /** Lines the fake resolved configuration adds to the fragment ukhook passes as UK_DEFCONFIG. */
    public volatile String configExtra = "CONFIG_LIBNOLIBC=y\nCONFIG_LIBUKLIBPARAM=y\n";

    @Override
    public BuildResult run(List<String> args, Path logFile, boolean progress) {
      calls.add(List.copyOf(args));
      Map<String, String> vars = variables(args);
      try {
        Files.createDirectories(logFile.getParent());
        Files.writeString(logFile, "make " + String.join(" ", args) + "\n");
        if (args.contains("defconfig")) {
          String fragment = Files.readString(Path.of(vars.get("UK_DEFCONFIG")));
          Files.writeString(Path.of(vars.get("C")), fragment + configExtra + selects(vars.get("L"), fragment));
          return new BuildResult(0, logFile, List.of(), 0, Duration.ofMillis(3));
        }
        if (buildExit != 0) {
          Files.writeString(logFile, "main.c:1:1: error: expected ';'\n", java.nio.file.StandardOpenOption.APPEND);
          return new BuildResult(buildExit, logFile, List.of("main.c:1:1: error: expected ';'"), 1,
              Duration.ofMillis(3));
        }
        Path out = Path.of(vars.get("O"));
        String app = Path.of(vars.get("A")).getFileName().toString();
        Files.createDirectories(out);
        String id = imageId(vars.get("L"));
        Files.write(out.resolve(app + "_qemu-x86_64"), image(id));
        Files.write(out.resolve(app + "_qemu-x86_64.dbg"), image(id));
        String map = vars.get("UK_LDFLAGS").substring("-Wl,-Map=".length());
        // hello.map with the image id this build's hook library carries, as the real link map would, and the end
        // of its code.
        try (InputStream in = Fakes.class.getResourceAsStream("/attrib/hello.map")) {
          Files.writeString(Path.of(map), new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .replace("00112233445566778899aabbccddeeff", id)
              .replace("\n.init ", String.format("                0x%016x                _etext = .%n%n.init ",
                  TEXT_END)));
        }
        return new BuildResult(0, logFile, List.of(), 42, Duration.ofMillis(3));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public List<String> tools() {
      return List.of();
    }

    /** The VAR=VALUE arguments of a call. */
    public static Map<String, String> variables(List<String> args) {
      Map<String, String> vars = new LinkedHashMap<>();
      for (String a : args) {
        int eq = a.indexOf('=');
        if (eq > 0 && !a.startsWith("-")) {
          vars.put(a.substring(0, eq), a.substring(eq + 1));
        }
      }
      return vars;
    }
  }

  /**
   * QEMU with a guest that connects to the run's socket and sends a real trace stream, made by TraceWriter, for
   * the image id the build left beside the image; then it shuts down.
   */
  public static final class FakeQemu implements QemuLauncher {
    public final List<QemuSpec> boots = Collections.synchronizedList(new ArrayList<>());
    public final List<Duration> timeouts = Collections.synchronizedList(new ArrayList<>());
    /** What the guest's final record claims it sent; more than 3 means records went missing. */
    public volatile long claimedTotal = 3;
    /** When false, the guest never opens the trace port. */
    public volatile boolean connects = true;
    public volatile boolean stopped;
    /** A server guest that shuts down with the end of the host's stop request still unread (as after a late push). */
    public volatile boolean leavesStopRequestUnread;
    /**
     * A guest that is still running when the run's timeout passes: it ends its stream with the final record only
     * on the stop request QEMU's launcher sends then; without one it is killed and the final record is lost.
     */
    public volatile boolean runsPastTimeout;
    /** A guest that spins on a call and records it without end: it stops only when QEMU is stopped. */
    public volatile boolean floods;
    /** A server guest: it listens on QEMU's side of the forward and sends its final record only on a stop request. */
    private volatile boolean serving;
    private HoldingServer server;
    /** The host port of each forward QEMU was given (ukhook's proxy relays the ports asked for to these). */
    public final List<Integer> qemuForwardPorts = new CopyOnWriteArrayList<>();

    /** Makes the guest a server; returns a free loopback port for the forward ukhook listens on. */
    public int serve() throws IOException {
      serving = true;
      try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        return free.getLocalPort();
      }
    }

    @Override
    public QemuResult run(QemuSpec spec, Duration timeout, BooleanSupplier askToStop) {
      boots.add(spec);
      timeouts.add(timeout);
      try {
        Matcher forward = Pattern.compile("hostfwd=tcp:127\\.0\\.0\\.1:(\\d+)-").matcher(String.join(" ",
            spec.extraArgs()));
        while (forward.find()) {
          qemuForwardPorts.add(Integer.parseInt(forward.group(1)));
        }
        if (serving) {
          server = new HoldingServer(qemuForwardPorts.get(0)); // QEMU listens on its side of the forward
        }
        String imageId = Files.readString(spec.kernel().resolveSibling("image-id")).strip();
        if (connects) {
          try (SocketChannel guest = SocketChannel.open(UnixDomainSocketAddress.of(spec.virtioSocket()))) {
            byte[] all = stream(imageId, claimedTotal);
            int finalRecord = all.length - TraceLayout.recordSize(4);
            boolean holds = server != null || runsPastTimeout;
            ByteBuffer bytes = ByteBuffer.wrap(all, 0, holds ? finalRecord : all.length);
            while (bytes.hasRemaining()) {
              guest.write(bytes);
            }
            if (runsPastTimeout && !timeout.isZero()) {
              return pastTimeout(spec, guest, all, finalRecord, askToStop);
            }
            if (floods) {
              return flood(spec, guest, imageId);
            }
            if (server != null) {
              // Serves until the host's stop request comes on the same port, then ends its stream.
              ByteBuffer request = ByteBuffer.allocate(TraceLayout.CONTROL_SIZE);
              if (leavesStopRequestUnread) {
                request.limit(TraceLayout.CONTROL_SIZE - 1);
              }
              while (request.hasRemaining() && guest.read(request) >= 0) {
                // blocking read
              }
              server.close();
              if (leavesStopRequestUnread
                  ? Arrays.equals(request.array(), 0, request.limit(), ControlMessage.stop(), 0, request.limit())
                  : Arrays.equals(request.array(), ControlMessage.stop())) {
                guest.write(ByteBuffer.wrap(all, finalRecord, all.length - finalRecord));
              }
            }
          }
        }
        Files.writeString(spec.consoleLog(), "fake guest: done\n");
        Files.writeString(spec.logFile(), "");
        return new QemuResult(0, false, false, Duration.ofMillis(20), spec.logFile(), List.of(),
            QemuResult.StopRequest.NONE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Records of a getpid in a loop (after the first three) until {@link #stop()}, at most 1 GiB; then killed. */
    private QemuResult flood(QemuSpec spec, SocketChannel guest, String imageId) throws IOException {
      long[] args = new long[6];
      for (long seq = 3, sent = 0; !stopped && sent < (1L << 30); ) {
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        TraceWriter w = new TraceWriter(chunk, TraceHeader.of(4, 2_000_000_000L, imageId, 4096,
            TraceHeader.Overflow.BLOCK).withText(0x101000, 0x102918));
        int header = chunk.size();
        for (int i = 0; i < 1000; i++, seq++) {
          w.syscall(new SyscallRecord(seq, 2000 + seq, 2001 + seq, 39, 0, args, 1, 0x101605,
              new long[] {0x101950, 0x101c60}));
        }
        ByteBuffer b = ByteBuffer.wrap(chunk.toByteArray(), header, chunk.size() - header);
        sent += b.remaining();
        while (b.hasRemaining()) {
          guest.write(b);
        }
      }
      Files.writeString(spec.consoleLog(), "fake guest: killed\n");
      Files.writeString(spec.logFile(), "");
      return new QemuResult(143, false, true, Duration.ofMillis(20), spec.logFile(), List.of(),
          QemuResult.StopRequest.IGNORED);
    }

    /** The timeout has passed: asks the guest to stop as the real launcher does, or kills it. */
    private static QemuResult pastTimeout(QemuSpec spec, SocketChannel guest, byte[] all, int finalRecord,
        BooleanSupplier askToStop) throws IOException {
      // The host takes the connection a moment after the guest makes it; a real timeout comes long after.
      boolean asked = false;
      for (int i = 0; i < 200 && !(asked = askToStop.getAsBoolean()); i++) {
        sleep(50);
      }
      ByteBuffer request = ByteBuffer.allocate(TraceLayout.CONTROL_SIZE);
      while (asked && request.hasRemaining() && guest.read(request) >= 0) {
        // blocking read
      }
      boolean ends = asked && Arrays.equals(request.array(), ControlMessage.stop());
      if (ends) {
        guest.write(ByteBuffer.wrap(all, finalRecord, all.length - finalRecord));
      }
      Files.writeString(spec.consoleLog(), "fake guest: " + (ends ? "asked to stop\n" : "killed\n"));
      Files.writeString(spec.logFile(), "");
      return new QemuResult(0, true, false, Duration.ofMillis(20), spec.logFile(), List.of(),
          ends ? QemuResult.StopRequest.OBEYED : asked ? QemuResult.StopRequest.IGNORED : QemuResult.StopRequest.NONE);
    }

    private static void sleep(long millis) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void stop() {
      stopped = true;
    }

    @Override
    public List<String> tools(String qemu) {
      return List.of();
    }

    /** The guest's stream: header, the records of {@link #table}, and a final record. */
    static byte[] stream(String imageId, long claimedTotal) throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      // hello.map's .text: 0x101000 + 0x1918
      TraceWriter w = new TraceWriter(out, TraceHeader.of(4, 2_000_000_000L, imageId, 4096,
          TraceHeader.Overflow.BLOCK).withText(0x101000, 0x102918));
      long[] args = new long[6];
      // write from the app through libnolibc's wrapper; getpid through libposix_process (see hello.map)
      w.syscall(new SyscallRecord(0, 1000, 1100, 1, 0, args, 6, 0x101420, new long[] {0x101c50}));
      w.syscall(new SyscallRecord(1, 1200, 1300, 1, 0, args, 6, 0x101420, new long[] {0x101c50}));
      w.syscall(new SyscallRecord(2, 1400, 1405, 39, 0, args, 1, 0x101605, new long[] {0x101950, 0x101c60}));
      w.end(new FinalRecord(claimedTotal, 0, claimedTotal, 3000));
      return out.toByteArray();
    }
  }

  /** Output into buffers, as the CLI's would go to stdout and stderr. */
  public static final class BufferOutput implements Output {
    public final StringBuilder data = new StringBuilder();
    public final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final ByteArrayOutputStream rawBytes = new ByteArrayOutputStream();
    private final PrintStream raw = new PrintStream(rawBytes, true, StandardCharsets.UTF_8);

    @Override
    public synchronized void data(String text) {
      data.append(text);
    }

    @Override
    public void line(String text) {
      lines.add(text);
    }

    @Override
    public PrintStream raw() {
      return raw;
    }

    @Override
    public boolean terminal() {
      return false;
    }

    public String rawText() {
      return rawBytes.toString(StandardCharsets.UTF_8);
    }
  }
}
