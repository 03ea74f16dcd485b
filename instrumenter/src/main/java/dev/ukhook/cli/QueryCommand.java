package dev.ukhook.cli;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.query.Duck;
import dev.ukhook.report.QueryTables;
import dev.ukhook.report.RunReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "query", description = {"Run SQL (DuckDB's dialect) over a run's tables `calls` and `syscalls`: "
    + "`ukhook query RUN_DIR \"SELECT ...\"` or `ukhook query --trace FILE --map FILE \"SELECT ...\"`.",
    "Without SQL, print the tables, their columns and example queries."})
final class QueryCommand implements Callable<Integer> {
  static final class FormatNames extends LowerCaseNames<Duck.Output> {
    FormatNames() {
      super(Duck.Output.class);
    }
  }

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin AnalysisOptions analysis;

  @Parameters(arity = "0..2", paramLabel = "[RUN_DIR] [SQL]", hideParamSyntax = true, description = "A run "
      + "directory (APP/.ukhook/runs/<time>; not with --trace and --map) and the SQL, quoted as one argument.")
  List<String> args = new ArrayList<>();

  @Option(names = "--trace", paramLabel = "FILE", description = "The trace (trace.ukt of a run).")
  Path traceFile;

  @Option(names = "--map", paramLabel = "FILE", description = "GNU ld map of the image's final link.")
  Path map;

  @Option(names = "--format", paramLabel = "FORMAT", completionCandidates = FormatNames.class,
      description = "text (default: aligned columns), csv or json (one object per line).")
  Duck.Output format = Duck.Output.TEXT;

  @Option(names = "--max-rows", paramLabel = "N", description = "With --format text: show the first N rows "
      + "(default: " + Duck.TEXT_ROWS + "); csv and json write every row.")
  Integer maxRows;

  @Override
  public Integer call() {
    boolean files = traceFile != null || map != null;
    if (files && (traceFile == null || map == null)) {
      throw new UkhookException(Kind.USAGE, "pass both --trace FILE and --map FILE, or a run directory");
    }
    if (files && args.size() == 2) {
      throw new UkhookException(Kind.USAGE, "pass a run directory or --trace and --map, not both");
    }
    if (maxRows != null && (format != Duck.Output.TEXT || maxRows < 1)) {
      throw new UkhookException(Kind.USAGE, "--max-rows takes a number of at least 1 and goes with --format text; "
          + "csv and json write every row (add LIMIT to the SQL)");
    }
    PrintWriter out = spec.commandLine().getOut();
    int sqlAt = files ? 0 : 1;
    if (args.size() <= sqlAt) {
      out.print(QueryTables.schema());
      out.flush();
      return ExitCode.OK;
    }
    RunReport r = analysis.report(files ? null : Path.of(args.get(0)), traceFile, map, false);
    QueryTables.query(r, args.get(sqlAt), format, out, maxRows == null ? Duck.TEXT_ROWS : maxRows);
    PrintWriter err = spec.commandLine().getErr();
    r.warnings().forEach(w -> CliOutput.line(err, w));
    r.problems().forEach(p -> CliOutput.line(err, "warning: " + p + " (the tables may be wrong)"));
    err.flush();
    return r.problems().isEmpty() ? ExitCode.OK : ExitCode.FAILURE;
  }
}
