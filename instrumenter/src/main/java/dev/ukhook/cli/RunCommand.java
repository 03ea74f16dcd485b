package dev.ukhook.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "run", description = "Boot a built, instrumented image in QEMU, collect its trace and print the "
    + "system calls per microlibrary.")
final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin AppArgs app;
  @Mixin AccelOption accel;
  @Mixin RunOptions run;

  @Override
  public Integer call() {
    var outcome = Ukhook.steps(spec).runner().run(app.instrumented(), run.options(accel.resolve(), app));
    return outcome.problems().isEmpty() ? ExitCode.OK : ExitCode.FAILURE;
  }
}
