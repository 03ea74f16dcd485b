package dev.ukhook.cli;

import dev.ukhook.attribution.LinkMap;
import dev.ukhook.core.Terminal;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.RunDir;
import dev.ukhook.format.TraceDecoder;
import dev.ukhook.policy.PolicyFile;
import dev.ukhook.policy.PolicySpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "check", description = "Check a policy file and print a summary; with a run directory, also that "
    + "every library it names is in that run's image. Reports every problem as FILE:LINE; writes nothing.")
final class PolicyCheckCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Parameters(index = "0", paramLabel = "FILE", description = "The policy (YAML, docs/policy.md).")
  Path file;

  @Parameters(index = "1", arity = "0..1", paramLabel = "RUN_DIR",
      description = "A run of the image the policy is for (APP/.ukhook/runs/<time>): its link.map names the "
          + "image's microlibraries.")
  Path runDir;

  @Override
  public Integer call() {
    Set<String> libraries = Set.of();
    if (runDir != null) {
      if (!Files.isDirectory(runDir)) {
        throw new UkhookException(Kind.USAGE, runDir + " is not a run directory; pass APP/.ukhook/runs/<time>, or "
            + "leave it out to check the policy without an image");
      }
      RunDir run = new RunDir(runDir);
      LinkMap map = LinkMap.read(run.linkMap());
      if (Files.isRegularFile(run.trace())) {
        map.requireCovers(TraceDecoder.readHeader(run.trace()), run.linkMap(), "; the policy was not checked");
      }
      libraries = map.libraries();
    }
    PolicySpec policy = PolicyFile.read(file, libraries);
    int libs = policy.libraries().size();
    int phases = policy.phases().size();
    int allowed = policy.allowances();
    List<PolicySpec.Sequence> sequences = policy.sequences();
    int transitions = policy.transitions();
    spec.commandLine().getOut().println(Terminal.escape(file.toString()) + ": ok (" + libs
        + (libs == 1 ? " library, " : " libraries, ")
        + phases + (phases == 1 ? " phase, " : " phases, ") + allowed + (allowed == 1 ? " syscall" : " syscalls")
        + " allowed in all" + (sequences.isEmpty() ? "" : "; " + transitions + (transitions == 1 ? " transition" :
        " transitions") + " in " + sequences.size() + (sequences.size() == 1 ? " sequence" : " sequences")) + ")");
    spec.commandLine().getOut().flush();
    return ExitCode.OK;
  }
}
