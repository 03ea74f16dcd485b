package dev.ukhook.cli;

import dev.ukhook.policy.PolicyFile;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", description = "Boot a built, instrumented image in QEMU, collect its trace and print the "
    + "system calls per microlibrary.")
final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin AppArgs app;
  @Mixin AccelOption accel;
  @Mixin RunOptions run;

  @Option(names = "--inject", paramLabel = "SPEC", description = "Fail chosen calls on purpose in this run "
      + "(repeatable; the syntax of `ukhook trace --inject`): the image's policy with these rules, in force from the "
      + "boot in a copy of the image (it must filter: instrumented with --policy or --inject).")
  List<String> inject = new ArrayList<>();

  @Override
  public Integer call() {
    PolicyFile.withInjections("--inject", null, inject); // every rule checked before anything runs
    var outcome = Ukhook.steps(spec).runner().run(app.instrumented(),
        run.options(accel.resolve(), app).withInject(inject));
    return outcome.problems().isEmpty() ? ExitCode.OK : ExitCode.FAILURE;
  }
}
