package dev.ukhook.pipeline;

import dev.ukhook.core.TextTable;
import dev.ukhook.format.CountSnapshot;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.TraceLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The live table of a counting image's run: each snapshot the guest sends, shown as the busiest (library, syscall)
 * rows so far and their rate since the snapshot before (by the host's clock, as the snapshots arrive: the guest's
 * may run at another rate, or stand still under -icount). A daemon thread polls the collector.
 */
final class LiveCounts implements AutoCloseable {
  static final int ROWS = 8;

  private final Thread thread;

  private LiveCounts(Supplier<Optional<CountSnapshot>> counts, List<String> libraries, Output out) {
    thread = new Thread(() -> {
      CountSnapshot shown = null;
      long shownAt = 0;
      try {
        while (true) {
          Thread.sleep(200);
          CountSnapshot s = counts.get().orElse(null);
          if (s != null && s != shown) {
            long now = System.nanoTime();
            render(s, shown, libraries, shown == null ? 0 : (now - shownAt) / 1e9).forEach(out::line);
            shown = s;
            shownAt = now;
          }
        }
      } catch (InterruptedException e) {
        // closed
      }
    }, "ukhook-live-counts");
    thread.setDaemon(true);
  }

  static LiveCounts start(Supplier<Optional<CountSnapshot>> counts, List<String> libraries, Output out) {
    LiveCounts l = new LiveCounts(counts, libraries, out);
    l.thread.start();
    return l;
  }

  /**
   * The lines for snapshot {@code s}: its totals, then the busiest rows, with calls per second since {@code before},
   * {@code seconds} earlier (0: no rate).
   */
  static List<String> render(CountSnapshot s, CountSnapshot before, List<String> libraries, double seconds) {
    Map<String, long[]> rows = new HashMap<>(); // calls, errors, calls in before
    for (CountSnapshot.Cell c : s.cells()) {
      rows.computeIfAbsent(key(c, libraries), k -> new long[3])[0] += c.calls();
      rows.get(key(c, libraries))[1] += c.errors();
    }
    if (before != null) {
      before.cells().forEach(c -> Optional.ofNullable(rows.get(key(c, libraries))).ifPresent(r -> r[2] += c.calls()));
    }
    List<Map.Entry<String, long[]>> top = new ArrayList<>(rows.entrySet());
    top.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[0]).thenComparing(Map.Entry::getKey));
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"library", "syscall", "calls", "errors", seconds > 0 ? "calls/s" : ""});
    for (Map.Entry<String, long[]> e : top.subList(0, Math.min(ROWS, top.size()))) {
      long[] r = e.getValue();
      String[] k = e.getKey().split("\t");
      cells.add(new String[] {k[0], k[1], Long.toString(r[0]), Long.toString(r[1]),
          seconds > 0 ? String.format("%.0f", (r[0] - r[2]) / seconds) : ""});
    }
    List<String> lines = new ArrayList<>();
    lines.add((s.finalSnapshot() ? "final counts: " : "counts so far: ") + s.calls() + " calls in " + rows.size()
        + " (library, syscall) pairs" + (top.size() > ROWS ? ", the busiest " + ROWS + ":" : ":"));
    for (String line : TextTable.render(cells, "llrrr").split("\n")) {
      lines.add("  " + line.stripTrailing());
    }
    return lines;
  }

  private static String key(CountSnapshot.Cell c, List<String> libraries) {
    int lib = c.lib() & ~TraceLayout.CELL_VIA_TRANSPARENT;
    return (lib < libraries.size() ? libraries.get(lib) : "library " + lib) + "\t" + SyscallNames.name(c.nr());
  }

  @Override
  public void close() {
    thread.interrupt();
  }
}
