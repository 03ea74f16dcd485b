package dev.ukhook.pipeline;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.Tools;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.unikraft.BuildResult;
import dev.ukhook.unikraft.MakeRunner;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs Unikraft's make: {@link MakeRunner} in the CLI, a fake that writes what make would in tests. */
public interface Make {
  /**
   * Runs {@code make args...} and waits for it; the whole output goes to {@code logFile}, and with
   * {@code progress} its build steps are shown as they go. A make that fails is a result with its exit code,
   * not an exception.
   */
  BuildResult run(List<String> args, Path logFile, boolean progress);

  /** The programs {@link #run} needs on PATH, checked before a long job starts. */
  List<String> tools();

  /** GNU make on PATH, with progress on {@code out}: redrawn on a terminal, else a plain line a second. */
  static Make real(Output out) {
    MakeRunner shown = new MakeRunner(out.raw(), out.terminal(), Duration.ofSeconds(1));
    MakeRunner quiet = new MakeRunner(new PrintStream(OutputStream.nullOutputStream()), false, Duration.ZERO);
    return new Make() {
      @Override
      public BuildResult run(List<String> args, Path logFile, boolean progress) {
        List<String> command = new ArrayList<>();
        command.add(Tools.MAKE);
        command.addAll(args);
        try {
          return (progress ? shown : quiet).run(command, logFile.toAbsolutePath().getParent(), Map.of(), logFile);
        } catch (IOException e) {
          throw new UkhookException(Kind.FAILURE, "cannot run make: " + TextFiles.reason(e), e);
        }
      }

      @Override
      public List<String> tools() {
        return Tools.BUILD;
      }
    };
  }
}
