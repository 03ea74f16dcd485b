package dev.ukhook.cli;

import dev.ukhook.analysis.PhaseRule;
import dev.ukhook.analysis.RunDiff;
import dev.ukhook.analysis.RunReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "diff", description = {"Which microlibraries gained or lost syscalls, and which phases came, went or "
    + "changed, from run A to run B (possibly of different builds): `ukhook diff RUN_A RUN_B`.",
    "Exit 0 when the diff was printed, differences or not; with --exit-code (as git diff has it), 1 when the "
    + "syscall sets differ. A run whose report has problems (damage, missing records) is still compared, its "
    + "problems go to stderr, and the exit is 1."})
final class DiffCommand implements Callable<Integer> {
  enum Format { TEXT, JSON }

  static final class FormatNames extends LowerCaseNames<Format> {
    FormatNames() {
      super(Format.class);
    }
  }

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Parameters(index = "0", paramLabel = "RUN_A", description = "The run compared against (APP/.ukhook/runs/<time>).")
  Path runA;

  @Parameters(index = "1", paramLabel = "RUN_B", description = "The run compared with it.")
  Path runB;

  @Option(names = "--format", paramLabel = "FORMAT", completionCandidates = FormatNames.class,
      description = "text (default) or json.")
  Format format = Format.TEXT;

  @Option(names = "--exit-code", description = "Exit 1 when the syscall sets differ, as `git diff --exit-code`.")
  boolean exitCode;

  @Option(names = "--phase-at", paramLabel = "SYSCALL", split = ",", description = "For both runs: without phase "
      + "events in the trace, start-up ends at the first call of SYSCALL (default: the first accept, or "
      + "poll/select/epoll_wait after a listen).")
  Set<String> phaseAt = new LinkedHashSet<>();

  @Option(names = "--force", description = "Attribute even with a map of another image or one that does not "
      + "cover the image's code (each mismatch becomes a warning).")
  boolean force;

  @Override
  public Integer call() {
    RunReport.Options options = RunReport.Options.DEFAULT.withForce(force)
        .withRule(phaseAt.isEmpty() ? PhaseRule.SERVING : PhaseRule.at(phaseAt));
    RunReport a = report(runA, options);
    RunReport b = report(runB, options);
    RunDiff d = RunDiff.of(runA.toString(), a, runB.toString(), b);
    PrintWriter out = spec.commandLine().getOut();
    out.print(format == Format.JSON ? d.toJson() : d.toText());
    out.flush();
    PrintWriter err = spec.commandLine().getErr();
    boolean problems = complain(runA, a, err) | complain(runB, b, err);
    err.flush();
    return problems || (exitCode && d.different()) ? ExitCode.FAILURE : ExitCode.OK;
  }

  /** Prints the run's warnings and problems, each prefixed with its directory; whether it has problems. */
  private static boolean complain(Path dir, RunReport r, PrintWriter err) {
    r.warnings().forEach(w -> err.println("ukhook: " + dir + ": " + w));
    r.problems().forEach(p -> err.println("ukhook: " + dir + ": " + p));
    return !r.problems().isEmpty();
  }

  /** A run's report, looking through the libraries the run names (its run.json), else the default ones. */
  static RunReport report(Path runDir, RunReport.Options options) {
    return RunReport.ofRunDir(runDir, RunReport.runTransparent(runDir).orElseGet(ReportCommand::defaultTransparent),
        options);
  }
}
