package dev.ukhook.pipeline;

import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.host.UserNet;
import dev.ukhook.host.UserNet.Forward;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * A server run: QEMU user networking with forwards from the host's loopback, and optionally a load command run
 * on the host once the guest listens behind the first forward, then a stop command that makes the server exit
 * (so that the unikernel shuts down and the trace's final record comes). Both commands run with {@code sh -c};
 * their output goes to {@code load.log} in the run directory.
 *
 * @param forwards the port forwards (at least one)
 * @param load the load command, or null to only serve
 * @param stop the command that makes the server exit, or null
 */
public record Load(List<Forward> forwards, String load, String stop) {
  public static final String LOG = "load.log";

  public Load {
    forwards = List.copyOf(forwards);
    if (forwards.isEmpty()) {
      throw new UkhookException(Kind.USAGE, "--net user needs at least one --forward HOSTADDR:HOSTPORT:GUESTPORT "
          + "(a server unikernel is reached through a forward from the host's loopback)");
    }
    if ((load != null && load.isBlank()) || (stop != null && stop.isBlank())) {
      throw new UkhookException(Kind.USAGE, "--load and --stop need a command");
    }
  }

  /** What happened on the host side of a server run. */
  public record Result(boolean ready, Optional<Integer> loadExit, Optional<Integer> stopExit, Duration loadTime) {
    /** What makes the run's numbers untrustworthy, one line each. */
    public List<String> problems(Load l, Path runDir) {
      List<String> p = new ArrayList<>();
      Forward f = l.forwards().get(0);
      if (!ready) {
        p.add("the guest never listened behind --forward " + f + ", so the load did not run; see the guest "
            + "console in " + runDir.resolve("console.log"));
      }
      loadExit.filter(c -> c != 0).ifPresent(c -> p.add("the load command exited with " + c + "; its output is in "
          + runDir.resolve(LOG)));
      stopExit.filter(c -> c != 0).ifPresent(c -> p.add("the stop command exited with " + c + "; its output is in "
          + runDir.resolve(LOG)));
      return p;
    }
  }

  /**
   * Waits for the guest, runs the load, then the stop command. Returns when they are done, the guest is gone
   * ({@code alive} false) or {@code timeout} passed while waiting for it.
   */
  Result drive(Path runDir, Duration timeout, BooleanSupplier alive) throws InterruptedException {
    Path log = runDir.resolve(LOG);
    if (!UserNet.awaitListening(forwards.get(0), timeout.isZero() ? Duration.ofDays(1) : timeout, alive)) {
      return new Result(false, Optional.empty(), Optional.empty(), Duration.ZERO);
    }
    long t0 = System.nanoTime();
    Optional<Integer> loadExit = load == null ? Optional.empty() : Optional.of(sh(load, log));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    Optional<Integer> stopExit = stop == null ? Optional.empty() : Optional.of(sh(stop, log));
    return new Result(true, loadExit, stopExit, took);
  }

  private static int sh(String command, Path log) throws InterruptedException {
    try {
      Files.writeString(log, "$ " + command + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      return p.waitFor();
    } catch (IOException e) {
      throw new UkhookException(Kind.ENVIRONMENT, "cannot run `" + command + "`: " + e.getMessage());
    }
  }
}
