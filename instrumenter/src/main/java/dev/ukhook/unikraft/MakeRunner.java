package dev.ukhook.unikraft;

import dev.ukhook.core.Tools;
import dev.ukhook.core.UkhookException;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a build command (Unikraft's {@code make}), keeps its full output in a log file and shows progress:
 * on a terminal one redrawn status line, otherwise a plain line at most once per interval so that CI logs
 * stay short. On failure the result carries the lines that explain it.
 */
public final class MakeRunner {
  // Unikraft's quiet build prints each step as two spaces, a tag padded to eight columns and the target:
  // "  CC      libnolibc: string.o", "  LD      hello_qemu-x86_64.dbg", "  OBJCOPY libukdebug.o".
  private static final Pattern STEP = Pattern.compile("^  ([A-Z][A-Z0-9_]*) +(\\S.*)$");
  private static final String STATUS_PREFIX = "[build] ";
  private static final int DEFAULT_COLUMNS = 80;

  private final PrintStream progress;
  private final boolean terminal;
  private final Duration plainInterval;

  /**
   * @param progress where progress goes (stderr)
   * @param terminal draw one status line redrawn in place, rather than plain lines
   * @param plainInterval the least time between two plain progress lines; zero prints every step
   */
  public MakeRunner(PrintStream progress, boolean terminal, Duration plainInterval) {
    this.progress = progress;
    this.terminal = terminal;
    this.plainInterval = plainInterval;
  }

  /**
   * Runs {@code command} in {@code workDir} and waits for it.
   *
   * @param environment variables added to (or replacing in) this process's environment
   * @param logFile receives the full output; created or truncated
   * @throws UkhookException with {@link UkhookException.Kind#ENVIRONMENT} when the command is not found
   */
  public BuildResult run(
      List<String> command, Path workDir, Map<String, String> environment, Path logFile)
      throws IOException {
    Tools.require(List.of(command.get(0)));
    Files.createDirectories(logFile.toAbsolutePath().getParent());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            // A Kconfig prompt must not wait forever for an answer nobody will type.
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().putAll(environment);

    long start = System.nanoTime();
    Process process = builder.start();
    BuildErrors errors = new BuildErrors();
    int steps = 0;
    long lastPrint = Long.MIN_VALUE;
    try (BufferedReader output =
            new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        BufferedWriter log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8)) {
      String line;
      while ((line = output.readLine()) != null) {
        log.write(line);
        log.newLine();
        errors.accept(line);
        String step = step(line);
        if (step == null) {
          continue;
        }
        steps++;
        String status = STATUS_PREFIX + steps + (steps == 1 ? " step  " : " steps  ") + step;
        if (terminal) {
          progress.print("\r" + fit(status) + "\033[K");
          progress.flush();
        } else if (lastPrint == Long.MIN_VALUE || System.nanoTime() - lastPrint >= plainInterval.toNanos()) {
          progress.println(status);
          lastPrint = System.nanoTime();
        }
      }
    }
    int exitCode;
    try {
      exitCode = process.waitFor();
    } catch (InterruptedException e) {
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + String.join(" ", command), e);
    }
    if (terminal) {
      progress.print("\r\033[K");
      progress.flush();
    }
    Duration duration = Duration.ofNanos(System.nanoTime() - start);
    List<String> errorLines = exitCode == 0 ? List.of() : errors.lines();
    return new BuildResult(exitCode, logFile, errorLines, steps, duration);
  }

  /** {@code "CC libnolibc: string.o"} for a Unikraft step line, null for any other line. */
  static String step(String line) {
    Matcher m = STEP.matcher(line);
    return m.matches() ? m.group(1) + " " + m.group(2) : null;
  }

  // A status line that wraps can no longer be redrawn with a carriage return.
  private static String fit(String status) {
    int columns = DEFAULT_COLUMNS;
    try {
      columns = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "" + DEFAULT_COLUMNS));
    } catch (NumberFormatException e) {
      // keep the default
    }
    return status.length() < columns ? status : status.substring(0, Math.max(1, columns - 1));
  }
}
