package dev.ukhook.cli;

import dev.ukhook.aggregate.RunDiff;
import dev.ukhook.report.RunReport;
import java.io.PrintWriter;
import java.nio.file.Path;
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
  @Mixin AnalysisOptions analysis;

  @Parameters(index = "0", paramLabel = "RUN_A", description = "The run compared against (APP/.ukhook/runs/<time>).")
  Path runA;

  @Parameters(index = "1", paramLabel = "RUN_B", description = "The run compared with it.")
  Path runB;

  @Option(names = "--format", paramLabel = "FORMAT", completionCandidates = FormatNames.class,
      description = "text (default) or json.")
  Format format = Format.TEXT;

  @Option(names = "--exit-code", description = "Exit 1 when the syscall sets differ, as `git diff --exit-code`.")
  boolean exitCode;

  @Override
  public Integer call() {
    RunReport a = analysis.report(runA, null, null, false);
    RunReport b = analysis.report(runB, null, null, false);
    RunDiff d = RunDiff.of(a.side(runA.toString()), b.side(runB.toString()));
    PrintWriter out = spec.commandLine().getOut();
    out.print(format == Format.JSON ? d.toJson() : d.toText());
    out.flush();
    PrintWriter err = spec.commandLine().getErr();
    boolean problems = complain(runA, a, err) | complain(runB, b, err);
    err.flush();
    return problems || (exitCode && d.different()) ? ExitCode.FAILURE : ExitCode.OK;
  }

  /** Prints the run's warnings and problems, each prefixed with its directory; whether it has problems. */
  static boolean complain(Path dir, RunReport r, PrintWriter err) {
    r.warnings().forEach(w -> CliOutput.line(err, dir + ": " + w));
    r.problems().forEach(p -> CliOutput.line(err, dir + ": " + p));
    return !r.problems().isEmpty();
  }
}
