package dev.ukhook.cli;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.report.AutomatonDot;
import dev.ukhook.report.Calls;
import dev.ukhook.report.HtmlReport;
import dev.ukhook.report.PerfettoTrace;
import dev.ukhook.report.ReportJson;
import dev.ukhook.report.ReportOutput;
import dev.ukhook.report.RunReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "report", description = "Attribute a trace to microlibraries and print the syscall table: "
    + "`ukhook report RUN_DIR` or `ukhook report --trace FILE --map FILE`.")
final class ReportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin AnalysisOptions analysis;

  @Parameters(index = "0", arity = "0..1", paramLabel = "RUN_DIR",
      description = "A run directory (APP/.ukhook/runs/<time>): its trace.ukt, link.map and image-id.")
  Path runDir;

  @Option(names = "--trace", paramLabel = "FILE", description = "The trace (trace.ukt of a run).")
  Path traceFile;

  @Option(names = "--map", paramLabel = "FILE", description = "GNU ld map of the image's final link.")
  Path map;

  @Option(names = "--json", description = "Print the JSON (the same as --format json).")
  boolean json;

  @Option(names = "--format", paramLabel = "FORMAT", completionCandidates = FormatNames.class,
      description = "text (default),"
      + " json, csv or parquet (needs -o FILE). With --calls, one row per call instead of one per library and "
      + "syscall (json: one object per line).")
  ReportOutput.Format format;

  static final class FormatNames extends LowerCaseNames<ReportOutput.Format> {
    FormatNames() {
      super(ReportOutput.Format.class);
    }
  }

  @Option(names = "--calls", description = "One line per call, in strace's conventions: "
      + "[library] name(args) = ret <seconds>.")
  boolean calls;

  @Option(names = "-e", paramLabel = "trace=NAME[,NAME...]", description = "With --calls: only these syscalls; "
      + "%%CLASS selects a class of them as strace does (%%file, %%network, %%process, %%signal, %%memory, %%ipc, "
      + "%%desc...).")
  String trace;

  @Option(names = "--lib", paramLabel = "LIB", description = "With --calls: only calls charged to LIB "
      + "(repeatable).")
  List<String> libs = new ArrayList<>();

  @Option(names = "--html", paramLabel = "FILE", description = "Also write the self-contained HTML report there.")
  Path html;

  @Option(names = "--perfetto", paramLabel = "FILE", description = "Also write the calls as a trace for "
      + "ui.perfetto.dev (Chrome trace-event JSON): a track per library, a slice per call.")
  Path perfetto;

  @Option(names = "--dot", paramLabel = "FILE", description = "Also write the libraries' call-sequence automata as "
      + "Graphviz DOT.")
  Path dot;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the report there instead of "
      + "printing it.")
  Path output;

  @Option(names = "--overwrite", description = "Replace the files -o, --html, --perfetto and --dot name if they "
      + "exist (without it an existing file is kept and nothing is done).")
  boolean overwrite;

  @Override
  public Integer call() {
    Set<Integer> syscalls = traceOption();
    // Every file is checked before the trace is read: a bad one costs nothing and nothing is printed.
    checkOutput(output, "-o");
    checkOutput(html, "--html");
    checkOutput(perfetto, "--perfetto");
    checkOutput(dot, "--dot");
    // Only the report itself (text, JSON, HTML, DOT) shows the sequences; the calls and the tables do not.
    boolean sequences = (!calls && (format == null || format == ReportOutput.Format.TEXT
        || format == ReportOutput.Format.JSON)) || html != null || dot != null;
    RunReport r = analysis.report(runDir, traceFile, map, sequences);
    // What needs each call in order is refused for a run that only counted them, before anything is written.
    if (calls) {
      r.requireCalls("--calls");
    }
    if (perfetto != null) {
      r.requireCalls("--perfetto");
    }
    if (dot != null) {
      r.requireCalls("--dot");
    }
    Calls.Selection selection = new Calls.Selection(syscalls, libraries(r));
    ReportOutput.Format f = format != null ? format : json ? ReportOutput.Format.JSON : ReportOutput.Format.TEXT;
    ReportOutput.write(r, new ReportOutput.Request(f, calls, selection, Optional.ofNullable(output)),
        spec.commandLine().getOut());
    if (html != null) {
      ReportOutput.toFile(html, out -> HtmlReport.write(ReportJson.of(r), out));
    }
    if (perfetto != null) {
      ReportOutput.toFile(perfetto, out -> PerfettoTrace.write(r, selection, out));
    }
    if (dot != null) {
      ReportOutput.toFile(dot, out -> AutomatonDot.write(r.analysis(), out));
    }
    PrintWriter err = spec.commandLine().getErr();
    r.warnings().forEach(w -> CliOutput.line(err, w));
    r.problems().forEach(p -> CliOutput.line(err, p));
    err.flush();
    return r.problems().isEmpty() ? ExitCode.OK : ExitCode.FAILURE;
  }

  private void checkOutput(Path file, String option) {
    if (file != null) {
      TextFiles.checkOutput(file, option, overwrite);
    }
  }

  /** The syscalls -e trace= selects, checked before the trace is read. */
  private Set<Integer> traceOption() {
    if ((trace != null || !libs.isEmpty()) && !calls && perfetto == null) {
      throw new UkhookException(Kind.USAGE, "-e and --lib select calls: add --calls (or --perfetto FILE)");
    }
    if (trace == null) {
      return Set.of();
    }
    if (!trace.startsWith("trace=")) {
      throw new UkhookException(Kind.USAGE, "-e takes trace=NAME[,NAME...] as strace does, not `" + trace + "`");
    }
    Set<Integer> nrs = new LinkedHashSet<>();
    List<String> names = new ArrayList<>();
    for (String item : trace.substring("trace=".length()).split(",")) {
      if (item.strip().startsWith("%")) {
        nrs.addAll(AnalysisOptions.syscallClass(item.strip().substring(1), "-e trace="));
      } else {
        names.add(item);
      }
    }
    nrs.addAll(AnalysisOptions.syscalls(names, "-e trace="));
    return nrs;
  }

  /** The libraries --lib selects: each must have made calls in this run. */
  private Set<String> libraries(RunReport r) {
    Set<String> known = new LinkedHashSet<>();
    r.table().libraries().forEach(l -> known.add(l.library()));
    for (String lib : libs) {
      if (!known.contains(lib)) {
        throw new UkhookException(Kind.USAGE, "--lib " + lib + ": no call of this run is charged to it; the "
            + "libraries that made calls: " + String.join(", ", known));
      }
    }
    return new LinkedHashSet<>(libs);
  }
}
