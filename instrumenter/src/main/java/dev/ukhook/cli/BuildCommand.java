package dev.ukhook.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "build", description = "Build an instrumented application: the image, its .dbg ELF and a link map.")
final class BuildCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin AppArgs app;
  @Mixin BuildOptions build;

  @Override
  public Integer call() {
    Ukhook.steps(spec).builder().build(app.instrumented(), build.options());
    spec.commandLine().getOut().println("next: ukhook run " + app.appDir());
    return ExitCode.OK;
  }
}
