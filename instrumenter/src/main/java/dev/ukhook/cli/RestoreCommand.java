package dev.ukhook.cli;

import dev.ukhook.pipeline.Instrumenter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "restore", description = "Remove ukhook's patch from a Unikraft tree, restoring its original bytes.")
final class RestoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin CommonOptions.UnikraftOption unikraft;

  @Override
  public Integer call() {
    boolean changed = Instrumenter.restore(unikraft.resolve());
    spec.commandLine().getOut().println(changed ? "ukhook: restored the binary syscall handler of " + unikraft.resolve()
        : "ukhook: " + unikraft.resolve() + " carries no ukhook patch; nothing to do");
    return ExitCode.OK;
  }
}
