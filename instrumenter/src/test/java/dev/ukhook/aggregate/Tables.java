package dev.ukhook.aggregate;

import dev.ukhook.attribution.Attributor;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceStats;
import java.util.List;

/** Syscall tables made as `ukhook run` makes its table: an {@link Analyzer} without sequences, then its analysis. */
final class Tables {
  private Tables() {}

  /** An analyzer for calls the test charges itself ({@link Analyzer#add}). */
  static Analyzer analyzer() {
    return analyzer(null);
  }

  /** An analyzer that charges each call it receives with {@code attributor}. */
  static Analyzer analyzer(Attributor attributor) {
    return new Analyzer(attributor, PhaseRule.SERVING, false);
  }

  /** The table of what {@code analyzer} received, with the problems of {@code stats}. */
  static SyscallTable table(Analyzer analyzer, TraceHeader header, TraceStats stats) {
    return analyzer.analysis(PhaseRule.SERVING, header, stats, stats.problems(), List.of()).table();
  }
}
