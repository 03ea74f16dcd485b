package dev.ukhook.host;

import dev.ukhook.core.LockFile;
import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.RunDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Which ukhook a QEMU belongs to: the ukhook that runs QEMU holds a {@link LockFile} on {@value RunDir#QEMU_LOCK}
 * in the run directory while QEMU runs; the OS releases it when that ukhook ends, however it ends (no lock file
 * means an older ukhook that took none).
 *
 * <p>QEMU removes its pidfile when it exits by itself or on SIGTERM, and dies with ukhook through its
 * parent-death signal ({@link QemuRunner#command}). What can still be left: a pidfile whose QEMU was killed
 * with SIGKILL, and a QEMU whose ukhook was killed without that signal in place (an older ukhook). {@link
 * #cleanUp} finds both from the next command on the app.
 */
public final class QemuOwner implements AutoCloseable {
  /** How long a left-over QEMU gets to exit on SIGTERM before it is killed. */
  private static final Duration TERM_GRACE = Duration.ofSeconds(3);
  private final Path file;
  private final LockFile lock;

  private QemuOwner(Path file, LockFile lock) {
    this.file = file;
    this.lock = lock;
  }

  /** Takes the lock of {@code runDir} for this process until {@link #close()}. */
  public static QemuOwner hold(Path runDir) {
    Path file = runDir.resolve(RunDir.QEMU_LOCK);
    return new QemuOwner(file, LockFile.take(file, false, "the run in " + runDir).orElseThrow(() ->
        new UkhookException(Kind.FAILURE, "another ukhook runs QEMU in " + runDir + ": " + LockFile.holders(file))));
  }

  /**
   * QEMU has exited: its pidfile goes when its process is gone (QEMU leaves it when it was killed with SIGKILL, and
   * the next run would call it stale), then the lock file, then the lock.
   */
  @Override
  public void close() throws IOException {
    try {
      Path pidFile = file.resolveSibling(RunDir.QEMU_PID);
      if (pid(pidFile).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive).isEmpty()) {
        Files.deleteIfExists(pidFile);
      }
      Files.deleteIfExists(file);
    } finally {
      lock.close();
    }
  }

  /**
   * Looks at the pidfile ({@code qemu.pid}) of every run directory in {@code runs}: removes one whose QEMU is
   * gone, and stops a QEMU whose ukhook is gone. A QEMU whose ukhook still runs is left alone. Returns one line
   * for each thing it did.
   */
  public static List<String> cleanUp(Path runs) {
    if (!Files.isDirectory(runs)) {
      return List.of();
    }
    List<String> done = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(runs)) {
      for (Path dir : dirs.sorted().toList()) {
        Path pidFile = dir.resolve(RunDir.QEMU_PID);
        if (Files.isRegularFile(pidFile)) {
          cleanUp(dir, pidFile).ifPresent(done::add);
        }
      }
    } catch (IOException e) {
      done.add("warning: cannot look for QEMUs left running in " + runs + ": " + TextFiles.reason(e));
    }
    return done;
  }

  private static Optional<String> cleanUp(Path runDir, Path pidFile) throws IOException {
    if (LockFile.held(runDir.resolve(RunDir.QEMU_LOCK))) {
      return Optional.empty(); // another ukhook's run, going on: its QEMU may be writing the pidfile
    }
    Optional<Long> pid = pid(pidFile);
    Optional<ProcessHandle> qemu = pid.flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
    if (qemu.isEmpty() || !isQemuOf(qemu.get(), pidFile)) {
      Files.deleteIfExists(pidFile);
      Files.deleteIfExists(runDir.resolve(RunDir.QEMU_LOCK));
      String why = pid.isEmpty() ? "it holds no pid"
          : qemu.isEmpty() ? "its QEMU (pid " + pid.get() + ") was killed before it could remove it"
          : "its QEMU was killed before it could remove it, and pid " + pid.get() + " is another program now";
      return Optional.of("note: removed the stale " + pidFile + ": " + why);
    }
    long left = qemu.get().pid();
    String whose = "QEMU (pid " + left + "), which the ukhook that ran " + runDir
        + " left running when it was killed";
    if (!end(qemu.get())) {
      return Optional.of("warning: " + whose + ", does not stop: end it with `kill -9 " + left + "`");
    }
    Files.deleteIfExists(pidFile);
    Files.deleteIfExists(runDir.resolve(RunDir.QEMU_LOCK));
    return Optional.of("warning: stopped " + whose + "; that run's trace is incomplete");
  }

  /** The pid in a pidfile, empty if it holds none. */
  private static Optional<Long> pid(Path pidFile) throws IOException {
    try {
      return Optional.of(Long.parseLong(Files.readString(pidFile).strip()));
    } catch (NumberFormatException | NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Whether {@code p} is the QEMU that writes {@code pidFile}, not a program that got its pid later. */
  static boolean isQemuOf(ProcessHandle p, Path pidFile) {
    List<String> args = p.info().arguments().map(List::of).orElse(List.of());
    Path wanted = pidFile.toAbsolutePath().normalize();
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).equals("-pidfile") && Path.of(args.get(i + 1)).toAbsolutePath().normalize().equals(wanted)) {
        return true;
      }
    }
    return false;
  }

  /** SIGTERM, then SIGKILL; whether the process ended. */
  private static boolean end(ProcessHandle p) {
    p.destroy();
    if (!awaitExit(p)) {
      p.destroyForcibly();
      awaitExit(p);
    }
    return !p.isAlive();
  }

  private static boolean awaitExit(ProcessHandle p) {
    try {
      p.onExit().get(TERM_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
