package dev.ukhook.cli;

import dev.ukhook.core.Terminal;
import dev.ukhook.core.TextFiles;
import dev.ukhook.explore.Exploration;
import dev.ukhook.format.RunDir;
import dev.ukhook.policy.PolicyInference;
import dev.ukhook.report.ReportOutput;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "infer", description = "Write a policy that allows each microlibrary the system calls it made in "
    + "the runs (their union), and deny the rest; warn where the evidence is thin. Review it: a trace misses the "
    + "paths the runs did not take.")
final class PolicyInferCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Parameters(arity = "1..*", paramLabel = "RUN_DIR",
      description = "Traced runs of the application (APP/.ukhook/runs/<time>).")
  List<Path> runDirs;

  @Option(names = "--with-error-paths", paramLabel = "DIR", description = "Also allow the calls that `ukhook "
      + "explore` found only on error paths (its results directory, holding explore.json; repeatable), in every "
      + "phase, each commented with the injections that showed it.")
  List<Path> explored = new java.util.ArrayList<>();

  @Option(names = "--sequences", description = "Also give each library the order its calls kept: after each of its "
      + "calls, the calls it made next in the same thread (traced runs only). The guest checks each call against it.")
  boolean sequences;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the policy to FILE instead of "
      + "stdout.")
  Path output;

  // --force: its name before `report -o` got the same rule, where --force means something else.
  @Option(names = {"--overwrite", "--force"}, description = "Replace FILE if it exists (without it an existing "
      + "file is kept and nothing is done).")
  boolean overwrite;

  @Override
  public Integer call() {
    if (output != null) {
      TextFiles.checkOutput(output, "-o", overwrite);
    }
    PolicyInference inference = PolicyInference.forRuns(runDirs);
    if (sequences) {
      inference.withSequences();
    }
    runDirs.forEach(run -> inference.addRunDir(run, transparent(run)));
    explored.forEach(dir -> Exploration.errorPaths(dir).forEach(c -> inference.addErrorPath(c.library(),
        c.syscall(), c.count(), c.revealedBy())));
    PolicyInference.Result policy = inference.result();
    if (output == null) {
      spec.commandLine().getOut().print(policy.yaml());
      spec.commandLine().getOut().flush();
    } else {
      ReportOutput.toFile(output, out -> out.append(policy.yaml()));
    }
    PrintWriter err = spec.commandLine().getErr();
    policy.warnings().forEach(w -> CliOutput.line(err, "warning: " + w));
    if (output != null) {
      int libs = policy.spec().libraries().size();
      int allowed = policy.spec().allowances();
      int transitions = policy.spec().transitions();
      err.println("wrote " + Terminal.escape(output.toString()) + ": " + libs
          + (libs == 1 ? " library, " : " libraries, ") + allowed
          + (allowed == 1 ? " syscall" : " syscalls") + " allowed" + (sequences ? ", " + transitions
          + (transitions == 1 ? " transition" : " transitions") + " in their sequences" : ""));
    }
    err.println(Terminal.escape("next: ukhook trace " + app(runDirs.get(0)) + " --policy "
        + (output == null ? "FILE" : output)));
    err.flush();
    return ExitCode.OK;
  }

  /** The run's own transparent libraries (run.json), else the default `ukhook report` uses. */
  static Set<String> transparent(Path runDir) {
    return new RunDir(runDir).require().json().transparentLibraries().orElseGet(AnalysisOptions::defaultTransparent);
  }

  /** APP for APP/.ukhook/runs/<time> (relative when the run directory was), else the placeholder. */
  private static String app(Path runDir) {
    Path runs = runDir.toAbsolutePath().normalize().getParent();
    if (runs == null || !runs.getFileName().toString().equals("runs") || runs.getParent() == null
        || !runs.getParent().getFileName().toString().equals(".ukhook")) {
      return "APP";
    }
    Path app = runs.getParent().getParent();
    if (runDir.isAbsolute()) {
      return app.toString();
    }
    String relative = Path.of("").toAbsolutePath().relativize(app).toString();
    return relative.isEmpty() ? "." : relative;
  }
}
