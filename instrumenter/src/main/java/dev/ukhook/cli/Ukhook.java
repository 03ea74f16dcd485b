package dev.ukhook.cli;

import dev.ukhook.core.UkhookException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "ukhook", mixinStandardHelpOptions = true, version = "ukhook 0.1.0",
    description = "Trace and attribute the binary system calls of Unikraft unikernels.",
    subcommands = {InstrumentCommand.class,
        BuildCommand.class, RunCommand.class, TraceCommand.class, CollectCommand.class, ReportCommand.class,
        RestoreCommand.class, CommandLine.HelpCommand.class})
public final class Ukhook implements java.util.concurrent.Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getErr().println("ukhook: missing command: try `ukhook trace APP --unikraft DIR`");
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCode.USAGE;
  }

  /** The one place a CommandLine is made; main and the tests both use it. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Ukhook());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExitCodeExceptionMapper(e -> e instanceof UkhookException u ? ExitCode.of(u.kind()) : ExitCode.INTERNAL);
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      boolean trace = parsed.originalArgs().contains("--stacktrace");
      if (e instanceof UkhookException) {
        cmd.getErr().println("ukhook: " + e.getMessage());
      } else if (e instanceof IllegalArgumentException) {
        cmd.getErr().println("ukhook: " + e.getMessage());
        cmd.getErr().flush();
        return ExitCode.USAGE;
      } else {
        cmd.getErr().println("ukhook: internal error: " + e + " (rerun with --stacktrace and report it)");
      }
      if (trace) {
        e.printStackTrace(cmd.getErr());
      }
      cmd.getErr().flush();
      return cmd.getExitCodeExceptionMapper().getExitCode(e);
    });
    return cl;
  }
}
