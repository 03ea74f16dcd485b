package dev.ukhook.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "trace", description = "instrument + build + run: trace an application's binary system calls "
    + "per microlibrary in one step.")
final class TraceCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin CommonOptions.UnikraftOption unikraft;
  @Mixin AppArgs app;
  @Mixin HookOptions hook;
  @Mixin AccelOption accel;
  @Mixin RunOptions run;

  @Override
  public Integer call() {
    Commands.checkTools(System.getenv().getOrDefault("PATH", ""));
    Commands.instrument(unikraft.resolve(), app, hook, accel, spec.commandLine().getErr());
    Commands.build(app, spec.commandLine().getErr());
    return Commands.run(app, accel, run, spec.commandLine());
  }
}
