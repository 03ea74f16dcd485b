package dev.ukhook.cli;

import dev.ukhook.core.Terminal;
import dev.ukhook.core.TextFiles;
import dev.ukhook.format.RunDir;
import dev.ukhook.host.PolicyPush;
import dev.ukhook.policy.ImagePolicy;
import dev.ukhook.policy.PolicyCompiler;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "push", description = "Put another policy in force in an image that is running now (a run of "
    + "`ukhook trace --policy` or `ukhook run` that has not ended): the guest checks it, switches between two "
    + "system calls, and its trace records the switch. A policy the guest refuses changes nothing.")
final class PolicyPushCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Parameters(index = "0", paramLabel = "RUN_DIR", description = "The running run's directory (APP/.ukhook/runs/<time>).")
  Path runDir;

  @Parameters(index = "1", paramLabel = "FILE", description = "The policy (YAML, docs/policy.md).")
  Path file;

  @Override
  public Integer call() {
    ImagePolicy.Push p = ImagePolicy.forRun(runDir, file);
    String checksum = Long.toHexString(PolicyCompiler.checksum(p.compiled()));
    String yaml = TextFiles.read(file);
    String answer = PolicyPush.push(p.socket(), p.compiled());
    boolean ok = answer.startsWith("in force");
    if (ok) {
      // Kept beside the trace, so that `ukhook report` readers can tell which policy an event names; only for a
      // policy the guest put in force, as no event names another.
      Path kept = new RunDir(runDir).pushedPolicy(checksum);
      TextFiles.write(kept, yaml);
      TextFiles.ownerOnly(kept);
    }
    if (ok) {
      spec.commandLine().getOut().println(Terminal.escape(file + ": " + answer));
      spec.commandLine().getOut().flush();
    } else {
      CliOutput.line(spec.commandLine().getErr(), file + ": " + answer);
    }
    return ok ? ExitCode.OK : ExitCode.FAILURE;
  }
}
