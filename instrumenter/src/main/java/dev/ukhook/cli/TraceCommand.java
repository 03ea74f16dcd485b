package dev.ukhook.cli;

import dev.ukhook.host.AccelChoice;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "trace", description = "instrument + build + run: trace an application's system calls "
    + "per microlibrary in one step.")
final class TraceCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin CommonOptions.UnikraftOption unikraft;
  @Mixin AppArgs app;
  @Mixin HookOptions hook;
  @Mixin BuildOptions build;
  @Mixin AccelOption accel;
  @Mixin RunOptions run;

  @Override
  public Integer call() {
    AccelChoice chosen = accel.resolve();
    var outcome = Ukhook.steps(spec).tracer().trace(hook.options(unikraft.resolve(), app, chosen),
        build.options(), run.options(chosen, app));
    return outcome.problems().isEmpty() ? ExitCode.OK : ExitCode.FAILURE;
  }
}
