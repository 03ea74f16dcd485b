package dev.ukhook.cli;

import dev.ukhook.linux.LinuxTracer;
import dev.ukhook.report.RunReader;
import dev.ukhook.report.RunReport;
import dev.ukhook.report.RunWriter;
import dev.ukhook.format.RunDir;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "linux", description = {"Trace a Linux program (its threads and children too) with strace and "
    + "charge each system call to the object file that made it, by the unikernel's rule: the first frame outside "
    + "the transparent objects (glibc's: libc, ld.so, libpthread). The run directory has the same tables, so "
    + "`report`, `query`, `diff` and `policy infer` take it as they take a unikernel's.",
    "Example: ukhook linux -- ./musl-files",
    "         ukhook linux --image ukhook-linux-musl-files -- /opt/musl-files"})
final class LinuxCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(names = "--runs", paramLabel = "DIR", description = "Where the run directory goes (default: "
      + ".ukhook/runs in the current directory).")
  Path runs = Path.of(".ukhook", "runs");

  @Option(names = "--image", paramLabel = "IMAGE", description = "Run the program in a container of this local "
      + "image, started by Testcontainers with ptrace allowed (the experiment images of docker/ carry strace).")
  String image;

  @Option(names = "--load", paramLabel = "CMD", description = "A server's load: `sh -c CMD` runs beside the program "
      + "(with --image, in its container) and waits for it to listen itself; when it ends, the program gets SIGTERM. "
      + "Its output is in the run's load.log.")
  String load;

  @Option(names = "--transparent", paramLabel = "OBJECT", description = "An object file to look through "
      + "(repeatable; its file name, such as libssl.so.3); default: glibc (libc, ld.so, libpthread).")
  List<String> transparent = new ArrayList<>();

  @Parameters(paramLabel = "-- CMD [ARGS...]", description = "The program and its arguments.")
  List<String> command = new ArrayList<>();

  @Override
  public Integer call() throws InterruptedException {
    Set<String> looked = transparent.isEmpty() ? Set.of("glibc") : new LinkedHashSet<>(transparent);
    LinuxTracer.Result run = image == null ? LinuxTracer.trace(command, load, runs, looked)
        : LinuxTracer.traceInImage(image, command, load, runs, looked);
    RunReport report = RunReader.ofRunDir(run.runDir(), looked, RunReport.Options.DEFAULT);
    RunWriter.write(report, new RunDir(run.runDir()));
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    out.print(report.table().toText());
    out.flush();
    report.warnings().forEach(w -> CliOutput.line(err, w));
    report.problems().forEach(p -> CliOutput.line(err, p));
    if (run.exitCode() != 0) {
      CliOutput.line(err, "the program exited with " + run.exitCode());
    }
    CliOutput.line(err, "results in " + run.runDir() + " (table.txt, results.json, report.html, strace.log)");
    return report.problems().isEmpty() ? ExitCode.OK : ExitCode.FAILURE;
  }
}
