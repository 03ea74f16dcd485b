package dev.ukhook.pipeline;

import dev.ukhook.core.Timeouts;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.RunDir;
import dev.ukhook.host.UserNet.Forward;
import dev.ukhook.host.UserNet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * A server run: QEMU user networking with forwards from the host's loopback, and optionally a load command run
 * on the host once the guest listens behind the first forward. Then the guest is stopped: by the stop command,
 * which makes the server exit, or else by ukhook's stop request on the trace port, so that the trace ends with
 * its final record. Both commands run with {@code sh -c}; their output goes to {@code load.log} in the run
 * directory. While the load runs, a guest that makes nothing but idle calls for {@code stall} is stalled: the
 * load is ended and the guest stopped.
 *
 * @param forwards the port forwards (at least one)
 * @param load the load command, or null to only serve
 * @param stop the command that makes the server exit, or null for ukhook's stop request after the load
 * @param stall how long the guest may idle while the load runs; zero for no limit
 */
public record Load(List<Forward> forwards, String load, String stop, Duration stall) {
  /** How long a guest may take to end after a stop command or request. */
  static final Duration STOP_GRACE = Duration.ofSeconds(30);
  private static final long POLL_MILLIS = 200;

  public Load {
    forwards = List.copyOf(forwards);
    if (forwards.isEmpty()) {
      throw new UkhookException(Kind.USAGE, "--net user needs at least one --forward HOSTADDR:HOSTPORT:GUESTPORT "
          + "(a server unikernel is reached through a forward from the host's loopback)");
    }
    if ((load != null && load.isBlank()) || (stop != null && stop.isBlank())) {
      throw new UkhookException(Kind.USAGE, "--load and --stop need a command");
    }
    Timeouts.require("--stall", stall, true);
  }

  /**
   * This server run moved by {@code k} ports, so that {@code k} others can run beside it: each forward's host port
   * {@code P} becomes {@code P + k}, and so does every {@code P} the load and stop commands name as a word of its own
   * (`redis-benchmark -p 16379` becomes `-p 16381` for k = 2). {@code k} = 0 is this run.
   */
  public Load shifted(int k) {
    if (k == 0) {
      return this;
    }
    List<Forward> moved = new ArrayList<>();
    for (Forward f : forwards) {
      if (f.hostPort() + k > 65535) {
        throw new UkhookException(Kind.USAGE, "--forward " + f.hostAddress() + ":" + f.hostPort() + ":" + f.guestPort()
            + ": runs in parallel take the host ports from " + f.hostPort() + " to " + (f.hostPort() + k) + ", beyond"
            + " 65535; forward from a lower port or give fewer --jobs");
      }
      moved.add(new Forward(f.hostAddress(), f.hostPort() + k, f.guestPort()));
    }
    // Every port in one pass: a port moved onto another forward's is not moved again.
    Pattern ports = Pattern.compile("(?<!\\w)(" + String.join("|", forwards.stream()
        .map(f -> Integer.toString(f.hostPort())).toList()) + ")(?!\\w)");
    java.util.function.UnaryOperator<String> move = c -> c == null ? null
        : ports.matcher(c).replaceAll(m -> Integer.toString(Integer.parseInt(m.group(1)) + k));
    String l = move.apply(load);
    String s = move.apply(stop);
    return new Load(moved, l, s, stall);
  }

  /** The running guest, as the load driver sees it. */
  interface Guest {
    boolean alive();

    /** How long ago the guest last made a call that is not idling. */
    Duration sinceWork();

    /** Sends ukhook's stop request; false if it could not be delivered. */
    boolean requestStop();

    /** Ends QEMU. */
    void kill();
  }

  /** How the guest was asked to end. */
  public enum Ending { NOT_ASKED, COMMAND, REQUEST, REQUEST_UNSENT }

  /**
   * What happened on the host side of a server run.
   *
   * @param stalled the guest idled for {@code stall} while the load ran, and the load was ended
   * @param ending how the guest was asked to end: the stop command, ukhook's stop request, or not at all
   * @param killedAfter how long the guest was given to end once asked before it was killed; zero if it ended
   */
  public record Result(boolean ready, Optional<Integer> loadExit, Optional<Integer> stopExit, Duration loadTime,
      boolean stalled, Ending ending, Duration killedAfter) {
    static Result notReady() {
      return new Result(false, Optional.empty(), Optional.empty(), Duration.ZERO, false, Ending.NOT_ASKED, Duration.ZERO);
    }

    /** What makes the run's numbers untrustworthy, one line each. */
    public List<String> problems(Load l, Path runDir) {
      List<String> p = new ArrayList<>();
      Forward f = l.forwards().get(0);
      if (!ready) {
        p.add("the guest never listened behind --forward " + f + ", so the load did not run; see the guest "
            + "console in " + runDir.resolve(RunDir.CONSOLE));
      }
      if (stalled) {
        p.add("the guest made no system call but waits, sleeps and clock reads for " + l.stall().toSeconds()
            + " s while the load ran: it stalled (see \"Servers\" in docs/benchmarks.md), so the load was ended");
      }
      loadExit.filter(c -> c != 0 && !stalled).ifPresent(c -> p.add("the load command exited with " + c
          + "; its output is in " + runDir.resolve(RunDir.LOAD_LOG)));
      stopExit.filter(c -> c != 0).ifPresent(c -> p.add("the stop command exited with " + c + "; its output is in "
          + runDir.resolve(RunDir.LOAD_LOG)));
      if (ending == Ending.REQUEST_UNSENT) {
        p.add("ukhook's stop request could not be sent to the guest on its trace port");
      }
      if (!killedAfter.isZero()) {
        p.add("the guest was still running " + killedAfter.toSeconds() + " s after it was asked to end, and was "
            + "killed" + (ending == Ending.REQUEST ? " (an image without the hook "
            + "library's control thread: no scheduler, or built by an older ukhook)" : ""));
      }
      return p;
    }
  }

  /**
   * Waits for the guest, runs the load, then stops the guest: with the stop command if there is one, else
   * with ukhook's stop request when a load ran or stalled; a guest still running {@code grace} later is killed.
   * Returns when that is done, the guest is gone or {@code timeout} passed while waiting for it to listen.
   */
  Result drive(Path runDir, Duration timeout, Guest guest, Duration grace) throws InterruptedException {
    Path log = runDir.resolve(RunDir.LOAD_LOG);
    if (!UserNet.awaitListening(forwards.get(0), timeout.isZero() ? Duration.ofDays(1) : timeout, guest::alive)) {
      return Result.notReady();
    }
    long t0 = System.nanoTime();
    boolean[] stalled = {false};
    Optional<Integer> loadExit = load == null ? Optional.empty() : Optional.of(sh(load, log, () -> {
      stalled[0] = !stall.isZero() && guest.alive() && guest.sinceWork().compareTo(stall) > 0;
      return stalled[0];
    }));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    Optional<Integer> stopExit = Optional.empty();
    Ending ending = Ending.NOT_ASKED;
    if (stop != null && !stalled[0]) {
      stopExit = Optional.of(sh(stop, log, () -> false));
      ending = Ending.COMMAND;
    } else if (load != null && guest.alive()) {
      ending = guest.requestStop() ? Ending.REQUEST : Ending.REQUEST_UNSENT;
    }
    Duration killedAfter = Duration.ZERO;
    if (ending != Ending.NOT_ASKED && !awaitGone(guest::alive, grace)) {
      killedAfter = grace;
      guest.kill();
    }
    return new Result(true, loadExit, stopExit, took, stalled[0], ending, killedAfter);
  }

  /** Waits until {@code alive} turns false or {@code limit} passes; whether it turned false. */
  static boolean awaitGone(BooleanSupplier alive, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (alive.getAsBoolean() && System.nanoTime() - deadline < 0) {
      Thread.sleep(POLL_MILLIS);
    }
    return !alive.getAsBoolean();
  }

  /** Runs {@code command}, ending it (and what it started) once {@code end} says so; returns its exit code. */
  private static int sh(String command, Path log, BooleanSupplier end) throws InterruptedException {
    Process p;
    try {
      Files.writeString(log, "$ " + command + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    } catch (IOException e) {
      throw new UkhookException(Kind.ENVIRONMENT, "cannot run `" + command + "`: " + e.getMessage());
    }
    // However ukhook ends (Ctrl-C, an error, the thread interrupted), the command and what it started end with it:
    // a load generator left behind keeps connecting to a guest that is gone.
    Thread orphans = new Thread(() -> end(p), "ukhook-load-end");
    Runtime.getRuntime().addShutdownHook(orphans);
    try {
      while (!p.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
        if (end.getAsBoolean()) {
          end(p);
          return p.waitFor();
        }
      }
      return p.exitValue();
    } finally {
      end(p);
      try {
        Runtime.getRuntime().removeShutdownHook(orphans);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
    }
  }

  private static void end(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }
}
