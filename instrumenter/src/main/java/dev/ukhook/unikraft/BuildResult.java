package dev.ukhook.unikraft;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a build command ended.
 *
 * @param logFile its full output, stdout and stderr interleaved as they came
 * @param errorLines on failure, the lines that explain it (compiler and linker errors with a little context,
 *     make's {@code ***} lines), at most about thirty; empty on success
 * @param steps how many Unikraft build steps ({@code CC}, {@code LD}, ...) ran
 */
public record BuildResult(
    int exitCode, Path logFile, List<String> errorLines, int steps, Duration duration) {

  public BuildResult {
    errorLines = List.copyOf(errorLines);
  }

  public boolean ok() {
    return exitCode == 0;
  }
}
