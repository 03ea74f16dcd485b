package dev.ukhook.cli;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.pipeline.Builder;
import dev.ukhook.pipeline.Instrumenter;
import dev.ukhook.pipeline.Runner;
import dev.ukhook.unikraft.MakeRunner;
import dev.ukhook.host.AccelChoice;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** Steps that more than one command runs (trace = instrument + build + run). */
public final class Commands {
  /** Program -> Debian package, for the one line that says what to install. */
  private static final Map<String, String> TOOLS = Map.of("make", "make", "gcc", "gcc", "flex", "flex",
      "bison", "bison", "qemu-system-x86_64", "qemu-system-x86");

  private Commands() {}

  /** Everything `trace` needs, checked before a long build so that one line lists all that is missing. */
  static void checkTools(String path) {
    List<String> missing = new ArrayList<>();
    for (String tool : List.of("make", "gcc", "flex", "bison", "qemu-system-x86_64")) {
      if (!onPath(tool, path)) {
        missing.add(tool);
      }
    }
    if (!missing.isEmpty()) {
      throw new UkhookException(Kind.ENVIRONMENT, "missing on PATH: " + String.join(", ", missing)
          + "; install them (Debian: apt-get install " + String.join(" ", missing.stream().map(TOOLS::get).toList()) + ")");
    }
  }

  public static boolean onPath(String program, String path) {
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  static Instrumenter.Result instrument(Path uk, AppArgs app, HookOptions hook, AccelOption accelOption, PrintWriter err) {
    AccelChoice accel = accelOption.resolve();
    boolean tcg = accel.accel().qemuName().equals("tcg");
    Instrumenter.Result r = Instrumenter.instrument(new Instrumenter.Options(uk, app.appDir(), app.libraries,
        hook.transparent, tcg, accel.accel().qemuName(), hook.frames, hook.ring, hook.batch, hook.overflow()), err);
    if (tcg) {
      err.println("ukhook: note: CONFIG_LIBUKRANDOM is off for this build: " + accel.reason() + ", and under TCG "
          + "there is no RDSEED, so Unikraft's HWRNG init would stop the boot (use --accel kvm where KVM works)");
    }
    err.println("ukhook: Unikraft " + r.tree().version() + " at " + r.tree().root() + " (patch spec "
        + r.spec().name() + "): " + (r.treeChanged() ? "patched " : "already patched, unchanged: ") + r.handler());
    err.println("ukhook: hook library " + r.state().libraries().get(r.state().libraries().size() - 1)
        + ", image id " + r.state().imageId() + ", transparent for attribution: "
        + String.join(", ", r.state().transparent()));
    err.flush();
    return r;
  }

  static Builder.Outcome build(AppArgs app, PrintWriter err) {
    MakeRunner make = new MakeRunner(stream(err), System.console() != null, Duration.ofSeconds(1));
    Builder.Outcome b = Builder.build(app.spec(), make);
    err.println("ukhook: built " + b.image() + " in " + b.result().duration().toSeconds() + " s ("
        + b.result().steps() + " steps); debug ELF " + b.debugImage() + ", link map " + b.linkMap());
    err.flush();
    return b;
  }

  static int run(AppArgs app, AccelOption accel, RunOptions run, CommandLine cl) {
    PrintWriter err = cl.getErr();
    boolean found = run.qemu.contains("/") ? Files.isExecutable(Path.of(run.qemu))
        : onPath(run.qemu, System.getenv().getOrDefault("PATH", ""));
    if (!found) {
      throw new UkhookException(Kind.ENVIRONMENT, run.qemu + " not found" + (run.qemu.contains("/") ? "" : " on PATH")
          + ": install QEMU (Debian: apt-get install qemu-system-x86) or pass --qemu PATH");
    }
    Runner.Outcome o = Runner.run(app.spec(), new Runner.Options(accel.resolve(), run.memory,
        Duration.ofSeconds(run.timeout), run.icount, run.qemu, app.kernelArgs(), app.appArgs()), stream(err), stream(err),
        outcome -> show(outcome, cl.getOut(), err));
    return o.problems().isEmpty() ? ExitCode.OK : ExitCode.FAILURE;
  }

  private static void show(Runner.Outcome o, PrintWriter out, PrintWriter err) {
    out.print(o.report().table().toText());
    out.flush();
    err.println("ukhook: " + o.qemu().summary());
    err.println("ukhook: " + o.collect().summary());
    o.problems().forEach(p -> err.println("ukhook: " + p));
    err.println("ukhook: results in " + o.runDir() + " (table.txt, results.json, trace.ukt, console.log, qemu.log)");
    err.flush();
  }

  /** A PrintStream onto a command's writer, line by line, for the QEMU console and build progress. */
  static PrintStream stream(PrintWriter w) {
    return new PrintStream(new OutputStream() {
      private final ByteArrayOutputStream line = new ByteArrayOutputStream();

      @Override
      public synchronized void write(int b) {
        line.write(b);
        if (b == '\n' || b == '\r') {
          flush();
        }
      }

      @Override
      public synchronized void flush() {
        w.write(line.toString(StandardCharsets.UTF_8));
        line.reset();
        w.flush();
      }
    }, true, StandardCharsets.UTF_8);
  }
}
