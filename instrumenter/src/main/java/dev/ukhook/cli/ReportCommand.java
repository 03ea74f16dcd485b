package dev.ukhook.cli;

import dev.ukhook.pipeline.Instrumenter;
import dev.ukhook.analysis.RunReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "report", description = "Attribute a trace to microlibraries and print the syscall table.")
final class ReportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(names = "--trace", required = true, paramLabel = "FILE", description = "The trace (trace.ukt of a run).")
  Path trace;

  @Option(names = "--map", required = true, paramLabel = "FILE", description = "GNU ld map of the image's final link.")
  Path map;

  @Option(names = "--transparent", paramLabel = "LIB", description = "Library to look through (repeatable); "
      + "default: every Unikraft libc and libsyscall_shim.")
  List<String> transparent = new ArrayList<>();

  @Option(names = "--json", description = "Print the JSON instead of the text table.")
  boolean json;

  @Override
  public Integer call() {
    List<String> t = new ArrayList<>(transparent);
    if (t.isEmpty()) {
      Instrumenter.LIBCS.forEach(libc -> t.add(libc.getValue()));
      t.add(Instrumenter.SYSCALL_SHIM);
    }
    RunReport r = RunReport.of(trace, map, new LinkedHashSet<>(t), Optional.empty());
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? r.table().toJson() : r.table().toText());
    out.flush();
    r.trace().damage().ifPresent(d -> spec.commandLine().getErr().println("ukhook: " + d.message()));
    return r.trace().damage().isPresent() ? ExitCode.FAILURE : ExitCode.OK;
  }
}
