package dev.ukhook.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "instrument", description = "Generate the hook microlibrary, set the Kconfig options it needs "
    + "and patch a Unikraft tree's syscall handler and syscall definitions.")
final class InstrumentCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin CommonOptions.UnikraftOption unikraft;
  @Mixin AppArgs app;
  @Mixin HookOptions hook;
  @Mixin AccelOption accel;

  @Override
  public Integer call() {
    Ukhook.steps(spec).instrumenter().instrument(hook.options(unikraft.resolve(), app, accel.resolve()));
    spec.commandLine().getOut().println("next: ukhook build " + app.appDir());
    return ExitCode.OK;
  }
}
