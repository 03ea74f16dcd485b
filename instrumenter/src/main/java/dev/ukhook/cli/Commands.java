package dev.ukhook.cli;

import dev.ukhook.app.Instrumenter;
import java.io.PrintWriter;
import java.nio.file.Path;

/** Steps that more than one command runs (trace = instrument + build + run). */
final class Commands {
  private Commands() {}

  static Instrumenter.Result instrument(Path uk, Path app, HookOptions hook, AccelOption accelOption, PrintWriter err) {
    String accel = accelOption.resolve();
    boolean tcg = accel.equals("tcg");
    Instrumenter.Result r = Instrumenter.instrument(new Instrumenter.Options(uk, app, hook.libraries, hook.transparent,
        tcg, accel, hook.frames, hook.ring, hook.batch, hook.overflow()), err);
    if (tcg) {
      err.println("ukhook: note: CONFIG_LIBUKRANDOM is off for this build: under QEMU TCG there is no RDSEED and "
          + "Unikraft's HWRNG init would stop the boot (use --accel kvm where KVM works to keep it)");
    }
    err.println("ukhook: Unikraft " + r.tree().version() + " at " + r.tree().root() + " (patch spec "
        + r.spec().name() + "): " + (r.treeChanged() ? "patched " : "already patched, unchanged: ") + r.handler());
    err.println("ukhook: hook library in " + r.state().libraries().get(r.state().libraries().size() - 1)
        + ", image id " + r.state().imageId() + ", transparent for attribution: "
        + String.join(", ", r.state().transparent()));
    err.flush();
    return r;
  }
}
