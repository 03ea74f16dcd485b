package dev.ukhook.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "policy", description = "Check, infer or push a syscall policy: which system calls each microlibrary may "
    + "make, per phase (docs/policy.md).",
    subcommands = {PolicyCheckCommand.class, PolicyInferCommand.class, PolicyPushCommand.class})
final class PolicyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Override
  public Integer call() {
    spec.commandLine().getErr().println("ukhook: missing policy command: try `ukhook policy check FILE` or "
        + "`ukhook policy infer RUN_DIR -o FILE`");
    return ExitCode.USAGE;
  }
}
