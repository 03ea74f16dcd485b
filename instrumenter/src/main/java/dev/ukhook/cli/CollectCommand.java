package dev.ukhook.cli;

import dev.ukhook.core.ShutdownGuard;
import dev.ukhook.core.Terminal;
import dev.ukhook.core.Timeouts;
import dev.ukhook.host.CollectResult;
import dev.ukhook.host.Collector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "collect", description = "Receive a trace on a Unix socket (QEMU's virtio-serial chardev) and "
    + "store it; Ctrl-C stops and keeps every record received.")
final class CollectCommand implements Callable<Integer> {
  /** How long --connect waits for QEMU's socket to appear. */
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Option(names = "--socket", required = true, paramLabel = "PATH", description = "Unix socket path.")
  Path socket;

  @Option(names = {"-o", "--out"}, defaultValue = "trace.ukt", paramLabel = "FILE",
      description = "Trace file to write; must not exist (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--connect", description = "Connect to a listening socket (QEMU's server=on) instead of listening.")
  boolean connect;

  @Option(names = "--timeout", paramLabel = "SECONDS", description = "Stop after this long (default: until the peer closes).")
  Long timeout;

  @Override
  public Integer call() throws InterruptedException {
    // Checked before the socket and the trace file are made.
    Duration limit = timeout == null ? Duration.ofSeconds(Timeouts.MAX_SECONDS)
        : Timeouts.require("--timeout", Duration.ofSeconds(timeout), false);
    PrintWriter err = spec.commandLine().getErr();
    Collector collector = connect ? Collector.connect(socket, out, min(CONNECT_TIMEOUT, limit))
        : Collector.listen(socket, out);
    collector.start(); // listening, or connected, from here on
    // However this ends, the collector is stopped: its socket is removed, and so is the trace file when no
    // connection came, so that the same command can run again.
    try (collector; ShutdownGuard guard = ShutdownGuard.install(collector::stop)) {
      CliOutput.line(err, (connect ? "connected to " : "listening on ") + socket + ", writing " + out);
      CollectResult result = collector.awaitResult(limit).orElseGet(collector::stop);
      if (result.end() == CollectResult.End.NO_CONNECTION) {
        CliOutput.line(err, result.summary() + " (no trace file written)");
        return ExitCode.FAILURE;
      }
      spec.commandLine().getOut().println(Terminal.escape(result.summary()));
      result.problems().forEach(p -> CliOutput.line(err, p));
      return result.problems().isEmpty() ? ExitCode.OK : ExitCode.FAILURE;
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
