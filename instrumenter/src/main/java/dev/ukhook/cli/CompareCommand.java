package dev.ukhook.cli;

import dev.ukhook.aggregate.RunCompare;
import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.report.HtmlReport;
import dev.ukhook.report.ReportJson;
import dev.ukhook.report.ReportOutput;
import dev.ukhook.report.RunReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "compare", description = {"Two runs side by side: a unikernel and the same program on Linux "
    + "(`ukhook linux`), two unikernels or two Linux runs. Libraries are grouped first (default: the program, its "
    + "libc, the rest; --groups FILE maps names), then per group and syscall the counts and errors of each run, "
    + "what only one needs, the sets per phase and each run's security estimate.",
    "A run whose report has problems is still compared, its problems go to stderr, and the exit is 1."})
final class CompareCommand implements java.util.concurrent.Callable<Integer> {
  private static final Pattern GROUP_LINE = Pattern.compile("^\\s*\"?([^\":#]+?)\"?\\s*:\\s*\"?([^\"#]+?)\"?\\s*$");

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin AnalysisOptions analysis;

  @Parameters(index = "0", paramLabel = "RUN_A", description = "A run directory.")
  Path runA;

  @Parameters(index = "1", paramLabel = "RUN_B", description = "Another run directory.")
  Path runB;

  @Option(names = "--groups", paramLabel = "FILE", description = "Lines `LIBRARY: GROUP` that put a library of "
      + "either run in a group (for example `libsqlite: sqlite` and `libsqlite3.so*: sqlite`, a trailing * matching "
      + "any end); the rest go to the default groups.")
  Path groups;

  @Option(names = "--format", paramLabel = "FORMAT", description = "text (default) or json.")
  DiffCommand.Format format = DiffCommand.Format.TEXT;

  @Option(names = "--html", paramLabel = "FILE", description = "Also write run A's HTML report there, with the "
      + "comparison as its `compare` section.")
  Path html;

  @Option(names = "--overwrite", description = "Replace the --html file if it exists.")
  boolean overwrite;

  @Override
  public Integer call() {
    if (html != null) {
      TextFiles.checkOutput(html, "--html", overwrite);
    }
    Map<String, String> mapping = groups == null ? Map.of() : readGroups(groups);
    RunReport a = analysis.report(runA, null, null, false);
    RunReport b = analysis.report(runB, null, null, false);
    RunCompare c = RunCompare.of(runA.toString(), a.analysis(), grouping(a, mapping), runB.toString(),
        b.analysis(), grouping(b, mapping));
    PrintWriter out = spec.commandLine().getOut();
    out.print(format == DiffCommand.Format.JSON ? c.toJson().toPrettyString() + "\n" : c.toText());
    out.flush();
    if (html != null) {
      var report = ReportJson.of(a);
      report.set("compare", c.toJson());
      ReportOutput.toFile(html, w -> HtmlReport.write(report, w));
    }
    PrintWriter err = spec.commandLine().getErr();
    boolean problems = DiffCommand.complain(runA, a, err) | DiffCommand.complain(runB, b, err);
    err.flush();
    return problems ? ExitCode.FAILURE : ExitCode.OK;
  }

  /** A library's group: the mapping's, else the default, the program being a Linux run's object with main. */
  private static Function<String, String> grouping(RunReport r, Map<String, String> mapping) {
    String program = r.source().linux() == null ? null : r.source().linux().program();
    return lib -> mapping.entrySet().stream().filter(e -> e.getKey().equals(lib)
            || e.getKey().endsWith("*") && lib.startsWith(e.getKey().substring(0, e.getKey().length() - 1)))
        .map(Map.Entry::getValue).findFirst().orElseGet(() -> RunCompare.defaultGroup(lib, program));
  }

  private static Map<String, String> readGroups(Path file) {
    Map<String, String> m = new LinkedHashMap<>(); // in the file's order: the first line that matches wins
    String[] lines = TextFiles.readSmall(file, "--groups").split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher g = GROUP_LINE.matcher(line);
      if (!g.matches()) {
        throw new UkhookException(Kind.USAGE, file + ":" + (i + 1) + ": expected `LIBRARY: GROUP`, got `" + line
            + "`; nothing was compared");
      }
      m.put(g.group(1), g.group(2));
    }
    return m;
  }
}
