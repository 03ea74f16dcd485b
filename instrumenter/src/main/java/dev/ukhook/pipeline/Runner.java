package dev.ukhook.pipeline;

import dev.ukhook.core.UkhookException.Kind;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ukhook.core.UkhookException;
import dev.ukhook.host.CollectResult;
import dev.ukhook.host.Collector;
import dev.ukhook.host.AccelChoice;
import dev.ukhook.host.QemuResult;
import dev.ukhook.host.QemuRunner;
import dev.ukhook.host.QemuSpec;
import dev.ukhook.analysis.RunReport;
import dev.ukhook.unikraft.Kconfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * `ukhook run`: boots an instrumented image in QEMU with its virtio-console wired to the collector,
 * then attributes the trace. Each run gets its own directory: image-id, run.json, console.log,
 * qemu.log, trace.ukt, link.map, table.txt, results.json.
 */
public final class Runner {
  public record Options(AccelChoice accel, int memoryMib, Duration timeout, boolean icount, String qemu,
      List<String> kernelArgs, List<String> appArgs) {}

  public record Outcome(Path runDir, QemuResult qemu, CollectResult collect, RunReport report) {
    /** Problems worth a non-zero exit, one line each. */
    public List<String> problems() {
      List<String> p = new ArrayList<>();
      qemu.problem().ifPresent(p::add);
      collect.damageLine().ifPresent(p::add);
      if (collect.missing() > 0) {
        p.add(collect.missing() + " records missing (sent by the guest but not received)");
      }
      report.identityWarning().ifPresent(p::add);
      return p;
    }
  }

  private Runner() {}

  /**
   * Boots, collects and attributes; {@code show} presents the outcome before this returns, so that on
   * Ctrl-C the report still comes out before the JVM exits.
   */
  public static Outcome run(AppSpec app, Options o, PrintStream terminal, PrintStream err,
      Consumer<Outcome> show) {
    Workspace ws = Workspace.of(app);
    InstrumentState st = InstrumentState.read(ws);
    Path image = Builder.findImage(ws.build()).orElseThrow(() -> new UkhookException(Kind.USAGE,
        "no image in " + ws.build() + ": run `ukhook build " + app.dir() + "` first"));
    if (st.accel().equals("kvm") && o.accel().accel().qemuName().equals("tcg")) {
      err.println("ukhook: warning: the image was configured for KVM (LIBUKRANDOM may be on) but runs under TCG, "
          + "where LIBUKRANDOM stops the boot; run `ukhook instrument --accel tcg` and build again if it does");
    }
    Path runDir = newRunDir(ws);
    copy(ws.linkMap(), runDir.resolve("link.map"));
    Instrumenter.write(runDir.resolve("image-id"), st.imageId() + "\n");
    Path socket = socketPath(runDir);
    Path trace = runDir.resolve("trace.ukt");
    QemuSpec spec = QemuSpec.of(image, o.accel().accel(), runDir).withQemu(o.qemu()).withMemoryMib(o.memoryMib())
        .withIcount(o.icount()).withArgs(o.kernelArgs(), o.appArgs()).withVirtioSocket(socket)
        .withLibParam("y".equals(Kconfig.parse(Instrumenter.read(ws.config())).get("CONFIG_LIBUKLIBPARAM")));
    writeRunJson(runDir, st, image, o, spec);

    QemuRunner qemu = new QemuRunner(terminal, o.timeout());
    Collector collector = Collector.listen(socket, trace);
    // Ctrl-C: stop QEMU and the collector, then give the main thread time to show the report of
    // what arrived before the JVM exits.
    CountDownLatch reported = new CountDownLatch(1);
    Thread onCtrlC = new Thread(() -> {
      qemu.stop();
      collector.stop();
      try {
        reported.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "ukhook-run-stop");
    Runtime.getRuntime().addShutdownHook(onCtrlC);
    try {
      collector.start();
      err.println("ukhook: booting " + image.getFileName() + " (" + o.accel().accel().qemuName()
          + (o.icount() ? ", icount" : "") + ": " + o.accel().reason() + "); run directory " + runDir);
      err.flush();
      QemuResult q = qemu.run(spec);
      // QEMU has exited, so the peer is closed; what is still queued on the socket is drained.
      CollectResult c = collector.awaitResult(Duration.ofSeconds(10)).orElseGet(collector::stop);
      RunReport report;
      try {
        report = RunReport.of(trace, runDir.resolve("link.map"), new LinkedHashSet<>(st.transparent()),
            Optional.of(st.imageId()));
      } catch (UkhookException unreadable) {
        // Usually the guest never got its device up: say what QEMU and the guest did.
        throw new UkhookException(Kind.FAILURE, unreadable.getMessage() + "; " + q.problem().orElse(q.summary())
            + "; the guest console is in " + runDir.resolve("console.log"));
      }
      report.write(runDir);
      Outcome outcome = new Outcome(runDir, q, c, report);
      show.accept(outcome);
      return outcome;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      collector.stop();
      throw new UkhookException(Kind.FAILURE, "interrupted; the records received so far are in " + trace);
    } finally {
      collector.stop();
      reported.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(onCtrlC);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running already.
      }
    }
  }

  private static Path newRunDir(Workspace ws) {
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    try {
      Files.createDirectories(ws.runs());
      for (int i = 0; ; i++) {
        Path dir = ws.runs().resolve(i == 0 ? stamp : stamp + "-" + i);
        if (!Files.exists(dir)) {
          return Files.createDirectory(dir);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The run directory's socket, unless its path is too long for a Unix socket (107 bytes). */
  private static Path socketPath(Path runDir) {
    Path sock = runDir.resolve("ukhook.sock");
    if (sock.toString().getBytes(StandardCharsets.UTF_8).length <= 100) {
      return sock;
    }
    try {
      return Files.createTempDirectory("ukhook-").resolve("ukhook.sock");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeRunJson(Path runDir, InstrumentState st, Path image, Options o, QemuSpec spec) {
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("image", image.toString());
    run.put("image_id", st.imageId());
    run.put("unikraft", st.unikraft());
    run.put("unikraft_version", st.version());
    run.put("accel", o.accel().accel().qemuName());
    run.put("icount", o.icount());
    run.put("transparent", st.transparent());
    run.put("qemu", spec.toArgs());
    try {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(runDir.resolve("run.json").toFile(), run);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copy(Path from, Path to) {
    try {
      Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UkhookException(Kind.USAGE, "cannot copy " + from + " into the run directory (" + e.getMessage()
          + "): run `ukhook build` first");
    }
  }
}
