package dev.ukhook.host;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a QEMU run ended.
 *
 * <p>A Unikraft guest that returns from main shuts the machine down: QEMU exits 0 when the ACPI shutdown
 * wins, 83 when the isa-debug-exit write that follows it wins (under TCG that is the usual case), and 85 when
 * the guest crashed. QEMU's own errors (bad option, missing kernel file) exit 1.
 *
 * @param exitCode QEMU's exit code; 0 also when QEMU was stopped by a signal, which it handles
 * @param timedOut QEMU was killed because the run took longer than its timeout
 * @param stoppedByUser QEMU was stopped from outside: {@link QemuRunner#stop()} or a signal such as Ctrl-C
 * @param logFile QEMU's stderr and {@code -D} log
 * @param logTail the last {@value QemuRunner#LOG_TAIL_LINES} lines of {@code logFile}, for error messages
 * @param stopRequest what became of the stop request ukhook sends the guest when the run times out
 */
public record QemuResult(
    int exitCode,
    boolean timedOut,
    boolean stoppedByUser,
    Duration duration,
    Path logFile,
    List<String> logTail,
    StopRequest stopRequest) {

  /** The stop request of a timed-out run. */
  public enum StopRequest {
    /** None was sent: the run did not time out, or the guest's trace port was not connected. */
    NONE,
    /** The guest shut down on it, so QEMU was not killed and the trace ends with the final record. */
    OBEYED,
    /** The guest did not shut down within the grace period, so QEMU was killed. */
    IGNORED
  }

  /** QEMU's exit code when the guest wrote Unikraft's "no crash" value 41 to isa-debug-exit: 41 << 1 | 1. */
  public static final int DEBUG_EXIT_SHUTDOWN = 83;
  /** QEMU's exit code when the guest wrote Unikraft's crash value 42 to isa-debug-exit: 42 << 1 | 1. */
  public static final int DEBUG_EXIT_CRASH = 85;

  public QemuResult {
    logTail = List.copyOf(logTail);
  }

  /** The guest shut itself down normally (its main returned). */
  public boolean guestShutDown() {
    return !timedOut && !stoppedByUser && (exitCode == 0 || exitCode == DEBUG_EXIT_SHUTDOWN);
  }

  public boolean guestCrashed() {
    return !timedOut && !stoppedByUser && exitCode == DEBUG_EXIT_CRASH;
  }

  /** One line saying how the run ended. */
  public String summary() {
    String after = " after " + seconds(duration);
    if (timedOut && stopRequest == StopRequest.OBEYED) {
      return "the run timed out" + after + "; the guest shut down on ukhook's stop request";
    }
    if (timedOut && stopRequest == StopRequest.IGNORED) {
      // Seen with a program that loops on system calls that never block (lat-syscall under uksched's cooperative
      // scheduler): the guest's control thread, which reads the request, never gets to run.
      return "QEMU was killed: the run timed out" + after + " and the guest did not act on ukhook's stop request (a"
          + " program that never blocks keeps the guest's control thread from running), so the records since its"
          + " last batch and its final record are lost";
    }
    if (timedOut) {
      return "QEMU was killed: the run timed out" + after;
    }
    if (stoppedByUser) {
      return "QEMU was stopped" + after;
    }
    if (guestShutDown()) {
      return "guest shut down" + after;
    }
    if (guestCrashed()) {
      return "guest crashed (QEMU exit code " + exitCode + ")" + after;
    }
    return "QEMU failed with exit code " + exitCode + after;
  }

  /**
   * Empty after a normal guest shutdown; otherwise the summary, where the log is, and its last lines, for an
   * error message.
   */
  public Optional<String> problem() {
    if (guestShutDown()) {
      return Optional.empty();
    }
    StringBuilder text = new StringBuilder(summary()).append("; see ").append(logFile);
    if (!logTail.isEmpty()) {
      text.append(", which ends with:");
      logTail.forEach(line -> text.append(System.lineSeparator()).append("  ").append(line));
    }
    return Optional.of(text.toString());
  }

  private static String seconds(Duration duration) {
    return String.format(java.util.Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }
}
