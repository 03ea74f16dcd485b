package dev.ukhook.cli;

import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.host.ForwardProxy;
import dev.ukhook.host.UserNet.Forward;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "relay", description = {"Relay a loopback port to QEMU's forward of a guest you started yourself, "
    + "as `run --forward` does: listen with a full backlog and connect to QEMU one connection at a time (QEMU's "
    + "user network listens with a backlog of one, so a burst of connections waits up to half a minute). Runs "
    + "until stopped (Ctrl-C, a signal).",
    "Example: qemu-system-x86_64 ... -netdev user,id=n0,hostfwd=tcp:127.0.0.1:40000-:6379 ... &",
    "         ukhook relay 127.0.0.1:16379 40000"})
final class RelayCommand implements Callable<Integer> {
  private static final Pattern LISTEN = Pattern.compile("(\\d+\\.\\d+\\.\\d+\\.\\d+):(\\d{1,5})");

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Parameters(index = "0", paramLabel = "HOSTADDR:PORT", description = "Where clients connect, for example "
      + "127.0.0.1:16379.")
  String listen;

  @Parameters(index = "1", paramLabel = "QEMUPORT", description = "The host port of QEMU's hostfwd on the same "
      + "address.")
  int qemuPort;

  @Override
  public Integer call() {
    Matcher m = LISTEN.matcher(listen);
    if (!m.matches()) {
      throw new UkhookException(Kind.USAGE, "relay " + listen + ": expected HOSTADDR:PORT, for example "
          + "127.0.0.1:16379");
    }
    Forward from;
    Forward to;
    try {
      from = new Forward(m.group(1), Integer.parseInt(m.group(2)), qemuPort);
      to = new Forward(m.group(1), qemuPort, qemuPort);
    } catch (UkhookException e) {
      throw new UkhookException(Kind.USAGE, "relay " + listen + " " + qemuPort + ": "
          + e.getMessage().replaceFirst("^--forward \\S+: ", ""));
    }
    if (from.hostPort() == qemuPort) {
      throw new UkhookException(Kind.USAGE, "relay " + listen + " " + qemuPort + ": the two ports must differ");
    }
    try (ForwardProxy proxy = ForwardProxy.start(List.of(from), List.of(to))) {
      spec.commandLine().getErr().println("ukhook: relaying " + listen + " to " + m.group(1) + ":" + qemuPort
          + ", one connect at a time; Ctrl-C stops");
      spec.commandLine().getErr().flush();
      Thread.currentThread().join(); // until the JVM is stopped (or, in a test, the thread interrupted)
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return ExitCode.OK;
  }
}
