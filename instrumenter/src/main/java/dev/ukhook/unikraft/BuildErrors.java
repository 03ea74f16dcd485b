package dev.ukhook.unikraft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Picks the lines that explain a failed build out of its output, fed one line at a time so that a long
 * build's output never has to be held in memory.
 */
final class BuildErrors {
  static final int MAX_LINES = 30;
  // gcc follows an error with the source line, a caret line and sometimes a fix-it line.
  private static final int CONTEXT_AFTER = 3;
  // When nothing looks like an error (a killed compiler, an unusual tool), the end of the output is the
  // best explanation there is.
  private static final int FALLBACK_LINES = 10;

  private static final Pattern ERROR =
      Pattern.compile(
          String.join(
              "|",
              "(?i:\\berror:)", // gcc, clang, as ("Error:"), ld, collect2, Kconfig
              "^make(\\[\\d+])?: \\*\\*\\*", // make: *** [Makefile:12: x.o] Error 1
              "^\\S+:\\d+: \\*\\*\\* ", // Makefile.uk:3: *** missing separator.  Stop.
              "^\\*\\*\\* ", // Kconfig: *** Error during writing of the configuration.
              "undefined reference to",
              "multiple definition of",
              "cannot find -l",
              "ld: cannot find",
              "final link failed",
              "relocation truncated to fit",
              "\\.uk:\\d+: syntax error",
              "\\.uk:\\d+: unknown statement",
              "recursive dependency detected"));
  private static final Pattern IN_FUNCTION =
      Pattern.compile("(?i:\\bin function\\b)|^In file included from");
  private static final Pattern CONTEXT_TRIGGER = Pattern.compile("(?i:\\berror:)");

  private final List<String> picked = new ArrayList<>();
  private final Deque<String> last = new ArrayDeque<>();
  private int omitted;
  // gcc names the function once, before its first diagnostic, which may be a warning: keep the name until
  // an error in that function needs it.
  private String function;
  private int contextLeft;

  void accept(String line) {
    if (ERROR.matcher(line).find()) {
      if (function != null) {
        pick(function);
        function = null;
      }
      pick(line);
      contextLeft = CONTEXT_TRIGGER.matcher(line).find() ? CONTEXT_AFTER : 0;
    } else if (IN_FUNCTION.matcher(line).find()) {
      function = line;
      contextLeft = 0;
    } else if (MakeRunner.step(line) != null) {
      function = null;
      contextLeft = 0;
    } else if (line.contains("warning:")) {
      contextLeft = 0;
    } else if (contextLeft > 0) {
      pick(line);
      contextLeft--;
    }
    last.addLast(line);
    if (last.size() > FALLBACK_LINES) {
      last.removeFirst();
    }
  }

  /** The picked lines, or the end of the output if none looked like an error. */
  List<String> lines() {
    if (picked.isEmpty()) {
      return List.copyOf(last);
    }
    List<String> lines = new ArrayList<>(picked);
    if (omitted > 0) {
      lines.add("... and " + omitted + " more error lines");
    }
    return lines;
  }

  private void pick(String line) {
    if (picked.size() < MAX_LINES) {
      picked.add(line);
    } else {
      omitted++;
    }
  }

  /** The error lines in {@code output}, as {@link #lines()}. */
  static List<String> extract(List<String> output) {
    BuildErrors errors = new BuildErrors();
    output.forEach(errors::accept);
    return errors.lines();
  }
}
