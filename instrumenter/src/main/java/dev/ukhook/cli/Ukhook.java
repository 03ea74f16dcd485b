package dev.ukhook.cli;

import dev.ukhook.core.UkhookException;
import dev.ukhook.pipeline.Output;
import dev.ukhook.pipeline.Steps;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

@Command(name = "ukhook", mixinStandardHelpOptions = true, version = "ukhook 0.1.0",
    description = "Trace and attribute the system calls of Unikraft unikernels, binary and native, per microlibrary.",
    subcommands = {InstrumentCommand.class,
        BuildCommand.class, RunCommand.class, TraceCommand.class, CollectCommand.class, ReportCommand.class,
        DiffCommand.class, QueryCommand.class, RestoreCommand.class, PolicyCommand.class, RelayCommand.class,
        LinuxCommand.class, CompareCommand.class, ExploreCommand.class,
        CommandLine.HelpCommand.class})
public final class Ukhook implements java.util.concurrent.Callable<Integer> {
  @CommandLine.Spec
  CommandSpec spec;

  private final Function<Output, Steps> wiring;

  private Ukhook(Function<Output, Steps> wiring) {
    this.wiring = wiring;
  }

  @Override
  public Integer call() {
    spec.commandLine().getErr().println("ukhook: missing command: try `ukhook trace APP --unikraft DIR`, "
        + "or `ukhook help` for the list");
    return ExitCode.USAGE;
  }

  /** How the pipeline steps of {@code command}'s CommandLine are wired (the real ones, or tests' fakes). */
  static Function<Output, Steps> wiring(CommandSpec command) {
    return ((Ukhook) command.root().userObject()).wiring;
  }

  /** The pipeline steps for the command {@code command}, writing to its stdout and stderr. */
  static Steps steps(CommandSpec command) {
    Ukhook root = (Ukhook) command.root().userObject();
    return root.wiring.apply(new CliOutput(command.commandLine().getOut(), command.commandLine().getErr()));
  }

  /** The one place a CommandLine is made; main and the tests both use it. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    return commandLine(out, err, Steps::real);
  }

  /** A CommandLine whose steps use {@code wiring}'s collaborators: tests pass fakes of make and QEMU. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err, Function<Output, Steps> wiring) {
    CommandLine cl = new CommandLine(new Ukhook(wiring));
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler((e, args) -> {
      CommandLine cmd = e.getCommandLine();
      // `ukhook help` knows the verbs; a verb's subcommand (policy check) has its own --help.
      String help = cmd.getParent() == null ? "ukhook help"
          : cmd.getParent().getParent() == null ? "ukhook help " + cmd.getCommandName()
          : cmd.getCommandSpec().qualifiedName(" ") + " --help";
      String what = e.getMessage().lines().findFirst().orElse("invalid command line");
      CliOutput.line(cmd.getErr(), lowerFirst(what) + " (try: " + help + ")");
      cmd.getErr().flush();
      return ExitCode.USAGE;
    });
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      PrintWriter w = cmd.getErr();
      if (e instanceof UkhookException u) {
        CliOutput.line(w, u.getMessage());
      } else {
        String what = String.valueOf(e).lines().findFirst().orElse("");
        CliOutput.line(w, "internal error: " + what + " (rerun with --stacktrace and report it)");
      }
      if (stacktraceRequested(parsed)) {
        e.printStackTrace(w);
      }
      w.flush();
      return e instanceof UkhookException u ? ExitCode.of(u.kind()) : ExitCode.INTERNAL;
    });
    return cl;
  }

  private static boolean stacktraceRequested(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--stacktrace")) {
        return true;
      }
    }
    return false;
  }

  private static String lowerFirst(String s) {
    return s.isEmpty() ? s : s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
  }
}
