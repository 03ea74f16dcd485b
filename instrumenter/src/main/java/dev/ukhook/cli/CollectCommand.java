package dev.ukhook.cli;

import dev.ukhook.host.CollectResult;
import dev.ukhook.host.Collector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "collect", description = "Receive a trace on a Unix socket (QEMU's virtio-serial chardev) and "
    + "store it; Ctrl-C stops and keeps every record received.")
final class CollectCommand implements Callable<Integer> {
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
    PrintWriter err = spec.commandLine().getErr();
    Collector collector = connect ? Collector.connect(socket, out, Duration.ofSeconds(30)) : Collector.listen(socket, out);
    Thread hook = new Thread(collector::stop, "ukhook-collect-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    collector.start();
    err.println("ukhook: " + (connect ? "connected to " : "listening on ") + socket + ", writing " + out);
    err.flush();
    Optional<CollectResult> r = collector.awaitResult(timeout == null ? Duration.ofDays(3650) : Duration.ofSeconds(timeout));
    CollectResult result = r.orElseGet(collector::stop);
    Runtime.getRuntime().removeShutdownHook(hook);
    spec.commandLine().getOut().println(result.summary());
    result.damageLine().ifPresent(d -> err.println("ukhook: " + d));
    return result.damageLine().isPresent() || result.missing() > 0 ? ExitCode.FAILURE : ExitCode.OK;
  }
}
