package dev.ukhook.pipeline;

import dev.ukhook.core.ShutdownGuard;
import dev.ukhook.core.TextFiles;
import dev.ukhook.core.Timeouts;
import dev.ukhook.core.Tools;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.ControlMessage;
import dev.ukhook.format.RunDir;
import dev.ukhook.format.RunJson;
import dev.ukhook.host.AccelChoice;
import dev.ukhook.host.CollectResult;
import dev.ukhook.host.Collector;
import dev.ukhook.host.ForwardProxy;
import dev.ukhook.host.Initrd;
import dev.ukhook.host.PolicyPush;
import dev.ukhook.host.QemuOwner;
import dev.ukhook.host.QemuResult;
import dev.ukhook.host.QemuSpec;
import dev.ukhook.host.SocketPaths;
import dev.ukhook.host.UserNet;
import dev.ukhook.host.UserNet.Forward;
import dev.ukhook.policy.ImagePolicy;
import dev.ukhook.policy.LibTable;
import dev.ukhook.policy.PolicyFile;
import dev.ukhook.report.RunReader;
import dev.ukhook.report.RunReport;
import dev.ukhook.report.RunWriter;
import dev.ukhook.unikraft.Kconfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * `ukhook run`: boots an instrumented image in QEMU with its virtio-console wired to the collector,
 * then attributes the trace. Each run gets its own directory: image-id, run.json, console.log,
 * qemu.log, trace.ukt, link.map, table.txt, results.json, report.html.
 */
public final class Runner {
  /** How long the collector may take, after QEMU exited, to drain what is still queued on the socket. */
  private static final Duration DRAIN = Duration.ofSeconds(10);
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  /**
   * @param timeout how long QEMU may run; zero for no limit
   * @param initrd the initrd (--initrd), or null
   * @param cpu QEMU's CPU model (--cpu), or null for {@link QemuSpec#defaultCpu}
   * @param serve user networking, forwards and the load to drive (--net user), or null for no network
   */
  public record Options(AccelChoice accel, int memoryMib, Duration timeout, boolean icount, String qemu,
      List<String> kernelArgs, List<String> appArgs, Initrd initrd, String cpu, Load serve, List<String> inject,
      long maxTraceBytes) {
    public Options {
      inject = List.copyOf(inject);
      if (maxTraceBytes < 0) {
        throw new UkhookException(Kind.USAGE, "--max-trace must be 0 (no limit) or more, got " + maxTraceBytes);
      }
      QemuSpec.checkMachine(accel.accel(), memoryMib, icount);
      if (initrd != null && !initrd.packed()) {
        QemuSpec.checkInitrd(initrd.rootfs());
      }
      if (cpu != null) {
        QemuSpec.checkCpu(cpu);
      }
      Timeouts.require("--timeout", timeout, true);
      kernelArgs = List.copyOf(kernelArgs);
      appArgs = List.copyOf(appArgs);
    }

    /** Without injection rules of its own. */
    public Options(AccelChoice accel, int memoryMib, Duration timeout, boolean icount, String qemu,
        List<String> kernelArgs, List<String> appArgs, Initrd initrd, String cpu, Load serve) {
      this(accel, memoryMib, timeout, icount, qemu, kernelArgs, appArgs, initrd, cpu, serve, List.of(), 0);
    }

    /** These options with {@code rules} (`--inject` syntax) in force from the boot, in place of the image's. */
    public Options withInject(List<String> rules) {
      return new Options(accel, memoryMib, timeout, icount, qemu, kernelArgs, appArgs, initrd, cpu, serve, rules,
          maxTraceBytes);
    }

    /** These options for the {@code k}-th of several server runs at once ({@link Load#shifted}); k = 0: these. */
    public Options shifted(int k) {
      return serve == null || k == 0 ? this : new Options(accel, memoryMib, timeout, icount, qemu, kernelArgs, appArgs,
          initrd, cpu, serve.shifted(k), inject, maxTraceBytes);
    }

    /** These options with the trace cut at {@code bytes} (0: no limit): the guest is stopped there. */
    public Options withMaxTrace(long bytes) {
      return new Options(accel, memoryMib, timeout, icount, qemu, kernelArgs, appArgs, initrd, cpu, serve, inject,
          bytes);
    }

    /** A boot without network. */
    public Options(AccelChoice accel, int memoryMib, Duration timeout, boolean icount, String qemu,
        List<String> kernelArgs, List<String> appArgs, Initrd initrd, String cpu) {
      this(accel, memoryMib, timeout, icount, qemu, kernelArgs, appArgs, initrd, cpu, null);
    }

    /** A boot without initrd or network, on the accelerator's default CPU. */
    public Options(AccelChoice accel, int memoryMib, Duration timeout, boolean icount, String qemu,
        List<String> kernelArgs, List<String> appArgs) {
      this(accel, memoryMib, timeout, icount, qemu, kernelArgs, appArgs, null, null, null);
    }
  }

  /** @param served what the load did, for a server run */
  public record Outcome(Path runDir, QemuResult qemu, CollectResult collect, RunReport report,
      Optional<List<String>> served) {
    /** Problems worth a non-zero exit, one line each. */
    public List<String> problems() {
      List<String> p = new ArrayList<>();
      if (report.table().filter().killed() > 0) {
        // Not a crash: the guest did what its policy says (its console has the line naming the call).
        p.add("the policy stopped the guest (kill): see the console's \"ukhook: policy: kill\" line and the table");
      } else {
        qemu.problem().ifPresent(p::add);
      }
      served.ifPresent(p::addAll);
      p.addAll(report.problems());
      return p;
    }
  }

  private final QemuLauncher qemu;
  private final Clock clock;
  private final Output out;

  public Runner(QemuLauncher qemu, Clock clock, Output out) {
    this.qemu = qemu;
    this.clock = clock;
    this.out = out;
  }

  List<String> tools(String qemuBinary) {
    return qemu.tools(qemuBinary);
  }

  /**
   * Boots, collects, attributes and shows the table; on Ctrl-C, QEMU and the collector stop and the table of
   * what arrived still comes out. Every option is checked before the run directory is made.
   */
  public Outcome run(AppSpec app, Options o) {
    Tools.require(qemu.tools(o.qemu()));
    Workspace ws = Workspace.of(app);
    InstrumentState st = InstrumentState.read(ws);
    Path image = Builder.findImage(ws.build()).orElseThrow(() -> new UkhookException(Kind.USAGE,
        "no image in " + ws.build() + ": run `ukhook build " + app.dir() + "` first"));
    Optional<String> built = Builder.builtImageId(ws);
    if (built.isPresent() && !built.get().equals(st.imageId())) {
      throw new UkhookException(Kind.USAGE, "the image in " + ws.build() + " (image id " + built.get()
          + ") was built before the last `ukhook instrument` (image id " + st.imageId() + "): run `ukhook build "
          + app.dir() + "` first");
    }
    if (!Files.isRegularFile(ws.linkMap())) {
      throw new UkhookException(Kind.USAGE, "no link map at " + ws.linkMap() + ": run `ukhook build " + app.dir()
          + "` first");
    }
    Path inForce = ws.build().resolve(RunDir.POLICY_YAML);
    Optional<Path> named = st.hookMode().filters() ? st.policyFile().filter(Files::isRegularFile) : Optional.empty();
    if (named.isPresent() && !(Files.isRegularFile(inForce) && TextFiles.read(inForce).equals(
        TextFiles.read(named.get())))) {
      // run.json names the policy instrument.json does: it must be the one the image enforces.
      throw new UkhookException(Kind.USAGE, "the image in " + ws.build() + " enforces the policy of its build, and "
          + named.get() + " (the policy of the last `ukhook instrument`) differs from it: run `ukhook build "
          + app.dir() + "` first");
    }
    if (!Files.isRegularFile(ws.build().resolve(RunDir.LIB_TABLE))) {
      throw new UkhookException(Kind.USAGE, "the image in " + ws.build() + " has no library table ("
          + RunDir.LIB_TABLE + "): it was built by an older ukhook or its build did not finish; run `ukhook build "
          + app.dir() + "` again");
    }
    if (!o.inject().isEmpty() && !st.hookMode().filters()) {
      throw new UkhookException(Kind.USAGE, "the image of " + app.dir() + " does not filter, so it cannot inject: "
          + "instrument it with --inject (or --policy) and build it, or use `ukhook trace --inject`");
    }
    Map<String, String> config = Kconfig.parse(TextFiles.read(ws.config()));
    if (o.serve() != null && o.serve().load() != null && o.serve().stop() == null
        && !"y".equals(config.get("CONFIG_LIBUKSCHED"))) {
      throw new UkhookException(Kind.USAGE, "the image has no scheduler (CONFIG_LIBUKSCHED), so ukhook cannot ask "
          + "it to stop after the load; give --stop COMMAND that makes the server exit");
    }
    boolean libParam = "y".equals(config.get("CONFIG_LIBUKLIBPARAM"));
    List<String> kernelArgs = new ArrayList<>(o.kernelArgs());
    // QEMU forwards from ports of its own; ukhook listens on the ports asked for (ForwardProxy says why).
    List<Forward> innerForwards = o.serve() == null ? List.of() : ForwardProxy.inner(o.serve().forwards());
    List<String> netArgs = o.serve() == null ? List.of() : UserNet.qemuArgs(innerForwards);
    if (o.serve() != null && kernelArgs.stream().noneMatch(a -> a.startsWith("netdev.ip="))) {
      // Unikraft's netdev takes the guest's address from the command line (LIBUKNETDEV_EINFO_LIBPARAM).
      if ("y".equals(config.get("CONFIG_LIBUKNETDEV_EINFO_LIBPARAM")) && libParam) {
        kernelArgs.add(0, UserNet.KERNEL_ARG);
      } else {
        out.line("note: the image takes no netdev.ip= argument (CONFIG_LIBUKNETDEV_EINFO_LIBPARAM and "
            + "CONFIG_LIBUKLIBPARAM), so the guest must configure its address itself (lwip's DHCP)");
      }
    }
    // Built before anything is created, so that a bad option leaves nothing behind.
    QemuSpec planned = QemuSpec.of(image, o.accel().accel(), ws.runs()).withQemu(o.qemu())
        .withMemoryMib(o.memoryMib()).withIcount(o.icount()).withLibParam(libParam)
        .withArgs(kernelArgs, o.appArgs()).withCpu(o.cpu()).withExtraArgs(netArgs)
        .withInitrd(o.initrd() == null ? null : o.initrd().qemuFile(ws.runs()));
    if (st.accel().equals("kvm") && o.accel().accel().qemuName().equals("tcg")) {
      out.line("warning: the image was configured for KVM (LIBUKRANDOM may be on) but runs under TCG, "
          + "where LIBUKRANDOM stops the boot; run `ukhook instrument --accel tcg` and build again if it does");
    }
    planned.cpuNote().ifPresent(out::line);
    try (WorkspaceLock lock = WorkspaceLock.shared(ws)) {
      QemuOwner.cleanUp(ws.runs()).forEach(out::line);
      Path runDir = newRunDir(ws);
      Path kernel = image;
      Path trace = runDir.resolve(RunDir.TRACE);
      QemuSpec spec;
      Collector collector;
      Path pushSocket;
      ForwardProxy proxy = null;
      try {
        copy(ws.linkMap(), runDir.resolve(RunDir.LINK_MAP));
        TextFiles.write(runDir.resolve(RunDir.IMAGE_ID), st.imageId() + "\n");
        copy(ws.build().resolve(RunDir.LIB_TABLE), runDir.resolve(RunDir.LIB_TABLE));
        if (!o.inject().isEmpty()) {
          // The image's policy with this run's rules, in force from the boot in a copy of the image.
          String yaml = PolicyFile.withInjections("the image's policy", TextFiles.read(ws.build().resolve(
              RunDir.POLICY_YAML)), o.inject());
          Path copy = runDir.resolve(image.getFileName());
          TextFiles.write(runDir.resolve(RunDir.POLICY_BIN), ImagePolicy.copyWithPolicy(image, copy,
              ws.build().resolve(RunDir.LIB_TABLE), st.imageId(), "the image's policy", yaml,
              new LinkedHashSet<>(st.transparent())));
          TextFiles.write(runDir.resolve(RunDir.POLICY_YAML), yaml);
          kernel = copy;
        } else if (st.hookMode().filters()) {
          for (String f : List.of(RunDir.POLICY_BIN, RunDir.POLICY_YAML)) {
            copy(ws.build().resolve(f), runDir.resolve(f));
          }
        }
        spec = planned.withKernel(kernel).withRunDir(runDir)
            .withVirtioSocket(SocketPaths.inside(runDir, RunDir.TRACE_SOCKET));
        if (o.initrd() != null) {
          spec = spec.withInitrd(o.initrd().writeInto(runDir));
          if (o.initrd().packed()) {
            out.line("packed " + o.initrd().packedEntries() + " entries of " + o.initrd().rootfs() + " into "
                + spec.initrd());
          }
        }
        pushSocket = st.hookMode().filters() ? SocketPaths.inside(runDir, RunDir.POLICY_SOCKET) : null;
        writeRunJson(runDir, st, kernel, o, spec, pushSocket);
        proxy = o.serve() == null ? null : ForwardProxy.start(o.serve().forwards(), innerForwards);
        collector = Collector.listen(spec.virtioSocket(), trace);
        collector.start();
      } catch (RuntimeException e) {
        if (proxy != null) {
          proxy.close();
        }
        TextFiles.deleteTree(runDir); // nothing ran: leave no run directory behind
        throw e;
      }
      ForwardProxy forwards = proxy;
      AtomicBoolean running = new AtomicBoolean(true);
      try (forwards; PolicyPush push = pushSocket == null ? null : PolicyPush.listen(pushSocket, collector::send,
              collector::events, collector::guestConnected);
          ShutdownGuard guard = ShutdownGuard.install(() -> {
        // Ctrl-C: QEMU runs in its own session and did not get it, so the guest is asked to stop first.
        try {
          if (!collector.send(ControlMessage.stop()) || !Load.awaitGone(running::get, CTRL_C_STOP)) {
            qemu.stop();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          qemu.stop();
        }
        collector.stop();
      })) {
        LiveCounts live = st.hookMode().counts() ? LiveCounts.start(collector::counts,
            LibTable.read(runDir.resolve(RunDir.LIB_TABLE)).names(), out) : null;
        out.line("booting " + image.getFileName() + " (" + o.accel().accel().qemuName()
            + (o.icount() ? ", icount" : "") + ": " + o.accel().reason() + "); run directory " + runDir);
        CompletableFuture<Load.Result> served = o.serve() == null ? null
            : serve(o.serve(), runDir, o, guest(running, collector));
        QemuResult q;
        Thread cap = o.maxTraceBytes() == 0 ? null : capTrace(o.maxTraceBytes(), collector, running);
        try {
          // A timeout asks the guest to stop as Ctrl-C does, so that the trace keeps its tail and final record.
          q = qemu.run(spec, o.timeout(), () -> collector.send(ControlMessage.stop()));
        } finally {
          running.set(false);
          if (cap != null) {
            cap.interrupt();
          }
          if (live != null) {
            live.close();
          }
        }
        Optional<List<String>> serveProblems = served == null ? Optional.empty() : Optional.of(served(served, o, runDir));
        // QEMU has exited, so the peer is closed: what is still queued on the socket is drained, and a
        // connection QEMU made is still accepted, but no new one can come.
        CollectResult c = collector.progress().connected()
            ? collector.awaitResult(DRAIN).orElseGet(collector::stop) : collector.stop();
        if (c.end() == CollectResult.End.NO_CONNECTION) {
          throw new UkhookException(Kind.FAILURE, "the guest never connected to the trace port, so nothing was "
              + "traced: " + q.problem().orElse(q.summary()) + "; the guest console is in " + spec.consoleLog());
        }
        Outcome outcome = new Outcome(runDir, q, c, report(runDir, trace, st, q), serveProblems);
        show(outcome);
        return outcome;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UkhookException(Kind.FAILURE, "interrupted; the records received so far are in " + trace);
      } finally {
        collector.stop();
        ownerOnlyFiles(runDir);
      }
    }
  }

  /**
   * The run's files (results, copies of the policy, the logs QEMU wrote) were created as the umask says; the run
   * directory keeps others out already, and this makes each file say so too (rw-------), as the trace does.
   */
  private static void ownerOnlyFiles(Path runDir) {
    try (Stream<Path> files = Files.list(runDir)) {
      files.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).forEach(TextFiles::ownerOnly);
    } catch (IOException | UkhookException e) {
      // Best effort: the directory itself is its owner's alone.
    }
  }

  /** How long a Ctrl-C waits for the guest to end after its stop request before QEMU is stopped. */
  private static final Duration CTRL_C_STOP = Duration.ofSeconds(5);

  /** How long the load and stop commands may go on once the guest is gone. */
  private static final Duration LOAD_AFTER_GUEST = Duration.ofSeconds(30);

  /** The load's problems; a load command still running {@link #LOAD_AFTER_GUEST} after the guest stopped is ended. */
  private static List<String> served(CompletableFuture<Load.Result> served, Options o, Path runDir)
      throws InterruptedException {
    try {
      return served.get(LOAD_AFTER_GUEST.toSeconds(), TimeUnit.SECONDS).problems(o.serve(), runDir);
    } catch (TimeoutException e) {
      ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
      return List.of("the load or stop command was still running " + LOAD_AFTER_GUEST.toSeconds() + " s after the "
          + "guest stopped, and was ended; its output is in " + runDir.resolve(RunDir.LOAD_LOG));
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof UkhookException u) {
        throw u; // the load or stop command could not be started: one line, as any other error
      }
      throw new IllegalStateException("the load driver failed", e.getCause());
    }
  }

  /** The guest as the load driver sees it: QEMU's process and the trace port. */
  private Load.Guest guest(AtomicBoolean running, Collector collector) {
    return new Load.Guest() {
      @Override
      public boolean alive() {
        return running.get();
      }

      @Override
      public Duration sinceWork() {
        return collector.sinceWork();
      }

      @Override
      public boolean requestStop() {
        return collector.send(ControlMessage.stop());
      }

      @Override
      public void kill() {
        qemu.stop();
      }
    };
  }

  /** Drives the load beside QEMU; its output is shown as it ends. */
  private CompletableFuture<Load.Result> serve(Load l, Path runDir, Options o, Load.Guest guest) {
    out.line("serving: forwards " + l.forwards() + (l.load() == null ? "" : "; the load starts once the guest "
        + "listens on " + l.forwards().get(0).hostAddress() + ":" + l.forwards().get(0).hostPort()));
    return CompletableFuture.supplyAsync(() -> {
      try {
        Load.Result r = l.drive(runDir, o.timeout(), guest, Load.STOP_GRACE);
        Path log = runDir.resolve(RunDir.LOAD_LOG);
        if (Files.isRegularFile(log)) {
          out.data(TextFiles.read(log));
        }
        if (r.ending() == Load.Ending.REQUEST) {
          out.line("asked the guest to stop after the load (a stop request on its trace port)");
        }
        return r;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Load.Result.notReady();
      }
    });
  }

  private static RunReport report(Path runDir, Path trace, InstrumentState st, QemuResult q) {
    RunReport report;
    try {
      report = RunReader.ofRunDir(runDir, new LinkedHashSet<>(st.transparent()),
          RunReport.Options.DEFAULT.withPhaseNames(PolicyFile.phaseNames(runDir)));
    } catch (UkhookException unreadable) {
      // Usually the guest never got its device up: say what QEMU and the guest did.
      throw new UkhookException(Kind.FAILURE, unreadable.getMessage() + "; " + q.problem().orElse(q.summary())
          + "; the guest console is in " + runDir.resolve(RunDir.CONSOLE));
    }
    RunWriter.write(report, new RunDir(runDir));
    return report;
  }

  private void show(Outcome o) {
    out.data(o.report().table().toText());
    out.line(o.qemu().summary());
    out.line(o.collect().summary());
    o.report().warnings().forEach(out::line);
    o.problems().forEach(out::line);
    out.line("results in " + o.runDir() + " (table.txt, results.json, report.html, trace.ukt, console.log, qemu.log)");
    out.line("next: `ukhook report " + o.runDir() + "` for latencies, phases, " + (o.report().counted() ? "errors"
        : "call sequences") + " and the security estimate");
  }

  /**
   * Watches the trace grow: past {@code max} bytes the guest is asked to stop, and QEMU is stopped when it does not
   * within a second (a program that never blocks starves the guest's control thread); what arrived meanwhile is
   * kept, so the trace can pass the limit by a second's records. A program that
   * spins on a failed call fills a disk with records in minutes (ukhook explore).
   */
  private Thread capTrace(long max, Collector collector, AtomicBoolean running) {
    Thread t = new Thread(() -> {
      try {
        while (running.get() && collector.progress().bytes() <= max) {
          Thread.sleep(100);
        }
        if (running.get()) {
          out.line("the trace reached " + collector.progress().bytes() + " bytes, past --max-trace " + max
              + ": stopping the guest");
          // The guest's control thread polls every 250 ms: a second is enough for one that still runs.
          if (!collector.send(ControlMessage.stop()) || !Load.awaitGone(running::get, Duration.ofSeconds(1))) {
            qemu.stop();
          }
        }
      } catch (InterruptedException e) {
        // the run ended first
      }
    }, "ukhook-max-trace");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** runs/<time>, or runs/<time>-N when that exists already. */
  private Path newRunDir(Workspace ws) {
    return TextFiles.newPrivateDir(ws.runs(), LocalDateTime.now(clock).format(STAMP));
  }

  private static void writeRunJson(Path runDir, InstrumentState st, Path image, Options o, QemuSpec spec,
      Path pushSocket) {
    Load serve = o.serve();
    RunJson run = new RunJson(image.toString(), st.imageId(), st.unikraft(), st.version(),
        o.accel().accel().qemuName(), o.icount(), st.transparent(), st.hookMode().name().toLowerCase(Locale.ROOT),
        st.policy(), pushSocket == null ? null : pushSocket.toString(), spec.toArgs(),
        // Where `ukhook report` finds the program's files: the initrd QEMU got, and what it came from.
        spec.initrd() == null ? null : spec.initrd().toString(),
        o.initrd() == null ? null : o.initrd().rootfs().toString(),
        serve == null ? List.of() : serve.forwards().stream().map(Object::toString).toList(),
        serve == null ? null : serve.load(), serve == null ? null : serve.stop(), null);
    TextFiles.write(new RunDir(runDir).runJson(), run.toJson());
  }

  private static void copy(Path from, Path to) {
    try {
      Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UkhookException(Kind.ENVIRONMENT, "cannot copy " + from + " into the run directory: "
          + TextFiles.reason(e));
    }
  }
}
