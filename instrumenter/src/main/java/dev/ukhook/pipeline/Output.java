package dev.ukhook.pipeline;

import java.io.PrintStream;

/** Where a step's results and diagnostics go: stdout and stderr in the CLI, buffers in tests. */
public interface Output {
  /** Data, such as the syscall table: stdout. */
  void data(String text);

  /** One diagnostic line (the CLI prefixes it with "ukhook: "): stderr. */
  void line(String text);

  /** Lines passed through as they come, such as the guest console and build progress: stderr. */
  PrintStream raw();

  /** Whether {@link #raw()} is a terminal, so that progress may be redrawn in place. */
  boolean terminal();
}
