package dev.ukhook.host;

import dev.ukhook.core.Tools;
import dev.ukhook.core.UkhookException;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Runs QEMU once: copies the guest console (QEMU's stdout) to the user's terminal and to {@code console.log},
 * sends QEMU's stderr to {@code qemu.log}, and stops QEMU on a timeout or on {@link #stop()}. On a timeout the
 * guest is first asked to stop, as on Ctrl-C, so that its trace still ends with its final record.
 *
 * <p>One runner per run. {@link #stop()} may be called from any thread, typically a shutdown hook on Ctrl-C.
 */
public final class QemuRunner {
  /** How many lines of {@code qemu.log} a result keeps for error messages. */
  public static final int LOG_TAIL_LINES = 20;
  private static final Duration DEFAULT_GRACE = Duration.ofSeconds(3);
  /** How long a guest asked to stop on a timeout gets to shut down before QEMU is killed (as on Ctrl-C). */
  private static final Duration DEFAULT_REQUEST_GRACE = Duration.ofSeconds(5);
  /**
   * QEMU runs in a session of its own, so that a Ctrl-C in the terminal reaches ukhook but not QEMU: the run can
   * then ask the guest to stop, and its trace still ends with its final record.
   */
  public static final String SETSID = "setsid";
  /**
   * QEMU gets SIGKILL as its parent-death signal ({@code prctl(PR_SET_PDEATHSIG)}, kept across exec), so that it
   * dies with ukhook however ukhook ends, SIGKILL included, instead of running on for ever. The signal comes
   * when the thread that started QEMU ends: {@link #run} keeps that thread waiting until QEMU has exited.
   */
  public static final String SETPRIV = "setpriv";
  // The console copy ends when QEMU's stdout closes; do not hang if some leftover child still holds it.
  private static final long CONSOLE_DRAIN_MILLIS = 5_000;
  private static final int TAIL_BYTES = 64 * 1024;

  private final PrintStream terminal;
  private final Duration timeout;
  private final Duration grace;
  private final Duration requestGrace;
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile Process process;
  private volatile boolean stopRequested;
  private volatile IOException consoleFailure;
  private volatile QemuResult.StopRequest stopRequest = QemuResult.StopRequest.NONE;

  /**
   * @param terminal where the guest console is shown, line by line
   * @param timeout how long QEMU may run before it is killed; null or zero for no limit
   */
  public QemuRunner(PrintStream terminal, Duration timeout) {
    this(terminal, timeout, DEFAULT_GRACE);
  }

  /** @param grace how long QEMU gets to exit after SIGTERM before it is killed */
  QemuRunner(PrintStream terminal, Duration timeout, Duration grace) {
    this(terminal, timeout, grace, DEFAULT_REQUEST_GRACE);
  }

  /** @param requestGrace how long the guest gets to shut down after the stop request a timeout sends */
  QemuRunner(PrintStream terminal, Duration timeout, Duration grace, Duration requestGrace) {
    this.terminal = terminal;
    this.timeout = timeout == null || timeout.isZero() || timeout.isNegative() ? null : timeout;
    this.grace = grace;
    this.requestGrace = requestGrace;
  }

  /** {@link #run(QemuSpec, BooleanSupplier)} for a guest that cannot be asked to stop: a timeout kills QEMU. */
  public QemuResult run(QemuSpec spec) throws IOException {
    return run(spec, () -> false);
  }

  /**
   * Starts QEMU as {@code spec} says, in {@code spec.runDir()}, and waits for it to end.
   *
   * @param askToStop on a timeout, sends the guest its stop request (true if it was sent); QEMU is killed when
   *     it was not, or when the guest has not shut down a grace period later
   * @throws UkhookException with {@link UkhookException.Kind#ENVIRONMENT} when the QEMU binary is not found
   */
  public QemuResult run(QemuSpec spec, BooleanSupplier askToStop) throws IOException {
    Files.createDirectories(spec.runDir());
    // Tells the next ukhook on this app that this run's QEMU has its ukhook (see QemuOwner.cleanUp).
    try (QemuOwner owner = QemuOwner.hold(spec.runDir())) {
      return run(spec.toArgs(), spec.logFile(), spec.consoleLog(), askToStop);
    }
  }

  /** The command line that starts QEMU: in its own session ({@link #SETSID}), with its parent-death signal. */
  static List<String> command(List<String> qemuArgs) {
    return Stream.concat(Stream.of(SETSID, SETPRIV, "--pdeathsig", "KILL"), qemuArgs.stream()).toList();
  }

  /**
   * Stops QEMU: SIGTERM, then SIGKILL after a grace period; then waits for {@link #run} to finish writing its
   * logs. The result reports {@code stoppedByUser}. Safe to call before, during or after the run.
   */
  public void stop() {
    stopRequested = true;
    Process running = process;
    if (running == null) {
      return;
    }
    terminate(running);
    try {
      finished.await(grace.toMillis() + CONSOLE_DRAIN_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  QemuResult run(List<String> args, Path logFile, Path consoleLog) throws IOException {
    return run(args, logFile, consoleLog, () -> false);
  }

  private QemuResult run(List<String> args, Path logFile, Path consoleLog, BooleanSupplier askToStop)
      throws IOException {
    try {
      Tools.require(List.of(SETSID, SETPRIV, args.get(0)));
      Files.createDirectories(logFile.toAbsolutePath().getParent());
      Files.createDirectories(consoleLog.toAbsolutePath().getParent());
      // Appended to, because QEMU writes its -D log into the same file; emptied first so it is this run's.
      Files.write(logFile, new byte[0]);
      ProcessBuilder builder =
          new ProcessBuilder(command(args))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      try (BufferedWriter console = Files.newBufferedWriter(consoleLog, StandardCharsets.UTF_8)) {
        long start = System.nanoTime();
        Process started = builder.start();
        process = started;
        if (stopRequested) {
          terminate(started);
        }
        Thread copier = new Thread(() -> copyConsole(started, console), "qemu-console");
        copier.setDaemon(true);
        copier.start();
        boolean timedOut = waitForExit(started, askToStop);
        Duration duration = Duration.ofNanos(System.nanoTime() - start);
        copier.join(CONSOLE_DRAIN_MILLIS);
        if (consoleFailure != null) {
          throw consoleFailure;
        }
        List<String> tail = tail(logFile, LOG_TAIL_LINES);
        // Ctrl-C reaches QEMU as well as the JVM, and QEMU may exit (with 0) before the shutdown hook calls
        // stop(): its own farewell line is then the only sign that the guest did not shut down by itself.
        boolean signalled = tail.stream().anyMatch(line -> line.contains("terminating on signal"));
        boolean stopped = !timedOut && (stopRequested || signalled);
        return new QemuResult(started.exitValue(), timedOut, stopped, duration, logFile, tail, stopRequest);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while QEMU was running", e);
      }
    } finally {
      finished.countDown();
    }
  }

  /** Waits for QEMU to exit; on timeout asks the guest to stop, then kills QEMU; true if it timed out. */
  private boolean waitForExit(Process started, BooleanSupplier askToStop) throws InterruptedException {
    try {
      if (timeout == null) {
        started.waitFor();
        return false;
      }
      if (started.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return false;
      }
      // Killing QEMU straight away would lose what the guest still holds: the records since its last batch
      // and the final record. So the guest is asked first, with the request a Ctrl-C sends.
      if (!stopRequested && askToStop.getAsBoolean()) {
        boolean obeyed = started.waitFor(requestGrace.toMillis(), TimeUnit.MILLISECONDS);
        stopRequest = obeyed ? QemuResult.StopRequest.OBEYED : QemuResult.StopRequest.IGNORED;
        if (obeyed) {
          return true;
        }
      }
      terminate(started);
      return true;
    } catch (InterruptedException e) {
      terminate(started);
      throw e;
    }
  }

  private void terminate(Process running) {
    // QEMU has no children, but a wrapper passed as --qemu may: take them down too, or one of them would
    // keep QEMU's stdout open.
    List<ProcessHandle> children = running.descendants().toList();
    children.forEach(ProcessHandle::destroy);
    running.destroy();
    try {
      if (!running.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        running.descendants().forEach(ProcessHandle::destroyForcibly);
        children.forEach(ProcessHandle::destroyForcibly);
        running.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      running.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void copyConsole(Process started, BufferedWriter console) {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = readLine(reader)) != null) {
        // The guest's serial output ends lines with CRLF.
        if (line.endsWith("\r")) {
          line = line.substring(0, line.length() - 1);
        }
        terminal.println(line);
        terminal.flush();
        console.write(line);
        console.newLine();
      }
      console.flush();
    } catch (IOException e) {
      consoleFailure = e;
    }
  }

  // A pipe whose process was just destroyed may report "Stream closed": that is the end of the console.
  private static String readLine(BufferedReader reader) {
    try {
      return reader.readLine();
    } catch (IOException e) {
      return null;
    }
  }

  /** The last {@code count} lines of {@code file}, read from at most its last 64 KiB; empty if missing. */
  static List<String> tail(Path file, int count) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long from = Math.max(0, in.length() - TAIL_BYTES);
      byte[] bytes = new byte[(int) (in.length() - from)];
      in.seek(from);
      in.readFully(bytes);
      List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
      if (from > 0 && !lines.isEmpty()) {
        lines = lines.subList(1, lines.size()); // the first one is cut
      }
      return lines.subList(Math.max(0, lines.size() - count), lines.size());
    }
  }
}
