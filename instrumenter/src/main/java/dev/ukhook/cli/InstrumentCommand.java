package dev.ukhook.cli;

import dev.ukhook.app.Instrumenter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "instrument", description = "Generate the hook microlibrary, set the Kconfig options it needs "
    + "and patch the binary syscall handler of a Unikraft tree.")
final class InstrumentCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin CommonOptions.UnikraftOption unikraft;
  @Mixin HookOptions hook;
  @Mixin AccelOption accel;

  @Option(names = {"-a", "--app"}, paramLabel = "DIR", required = true, description = "The Unikraft application directory.")
  Path app;

  @Override
  public Integer call() {
    Instrumenter.Result r = Commands.instrument(unikraft.resolve(), app, hook, accel, spec.commandLine().getErr());
    spec.commandLine().getOut().println("next: ukhook build --app " + app);
    return ExitCode.OK;
  }
}
