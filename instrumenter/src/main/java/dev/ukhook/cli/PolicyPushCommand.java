package dev.ukhook.cli;

import dev.ukhook.core.Terminal;
import dev.ukhook.core.TextFiles;
import dev.ukhook.format.RunDir;
import dev.ukhook.host.PolicyPush;
import dev.ukhook.policy.ImagePolicy;
import dev.ukhook.policy.PolicyCompiler;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.policy.PolicyFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
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

  @Parameters(index = "1", arity = "0..1", paramLabel = "FILE", description = "The policy (YAML, docs/policy.md); "
      + "with --inject and without FILE, the one the run started with.")
  Path file;

  @Option(names = "--inject", paramLabel = "SPEC", description = "Injection rules to put in force with the policy "
      + "(repeatable; the syntax of `ukhook trace --inject`); they replace the rules of an earlier --inject, and a "
      + "push without them ends those.")
  List<String> inject = new ArrayList<>();

  @Override
  public Integer call() {
    if (file == null && inject.isEmpty()) {
      throw new UkhookException(Kind.USAGE, "name the policy to push (FILE), or give --inject SPEC to push the run's "
          + "own policy with those injection rules");
    }
    String name = file != null ? file.toString() : "the run's policy";
    String yaml = PolicyFile.withInjections(name, TextFiles.readSmall(file != null ? file : runPolicy(), "policy file"),
        inject);
    ImagePolicy.Push p = ImagePolicy.forRun(runDir, name, yaml);
    String checksum = Long.toHexString(PolicyCompiler.checksum(p.compiled()));
    String answer = PolicyPush.push(p.socket(), p.compiled());
    boolean ok = answer.startsWith("in force");
    if (ok) {
      // Kept beside the trace, so that `ukhook report` readers can tell which policy an event names; only for a
      // policy the guest put in force, as no event names another.
      Path kept = new RunDir(runDir).pushedPolicy(checksum);
      TextFiles.write(kept, yaml);
      TextFiles.ownerOnly(kept);
      spec.commandLine().getOut().println(Terminal.escape(name + ": " + answer));
      spec.commandLine().getOut().flush();
    } else {
      CliOutput.line(spec.commandLine().getErr(), name + ": " + answer);
    }
    return ok ? ExitCode.OK : ExitCode.FAILURE;
  }

  /** The policy file the run's image was built with (run.json), which --inject without FILE starts from. */
  private Path runPolicy() {
    RunDir run = new RunDir(runDir).require();
    String policy = run.json().policy();
    if (policy == null || !Files.isRegularFile(Path.of(policy))) {
      throw new UkhookException(Kind.USAGE, "the run " + runDir + " names no policy file that is still there ("
          + policy + "): give the policy to push as FILE");
    }
    return Path.of(policy);
  }
}
