package dev.ukhook.bench.collector.proto;

import dev.ukhook.analysis.SyscallTable.LibraryCounts;
import dev.ukhook.analysis.SyscallTable.SyscallCount;
import dev.ukhook.format.SyscallNames;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Prototype of {@code SyscallTable.Builder}: the counts live in a {@code long[]} per library indexed by
 * syscall number instead of {@code HashMap<String, HashMap<Integer, long[]>>}, so a record costs three
 * array adds instead of two hash lookups and a boxed {@code Integer} (syscall numbers above 127 are not in
 * the {@code Integer} cache). Numbers outside the x86-64 table fall back to a map.
 */
public final class ArraySyscallTable implements Consumer<SyscallView> {
  private static final int NR_SLOTS = 512;
  // Per (library, nr): count, refused, ticks, side by side so one record touches one cache line.
  private static final int CELL = 3;

  private final IndexedAttributor attributor;
  // One row per library, allocated at its first syscall: most libraries of an image issue none.
  private final long[][] rows;
  private final Map<Long, long[]> outside = new HashMap<>();

  public ArraySyscallTable(IndexedAttributor attributor) {
    this.attributor = attributor;
    this.rows = new long[attributor.libraries().size()][];
  }

  @Override
  public void accept(SyscallView r) {
    add(attributor.attribute(r), r);
  }

  /** Counts a record already attributed to {@code library}. */
  void add(int library, SyscallView r) {
    int nr = r.nr();
    long[] c;
    int i;
    if (nr >= 0 && nr < NR_SLOTS) {
      c = rows[library];
      if (c == null) {
        c = rows[library] = new long[NR_SLOTS * CELL];
      }
      i = nr * CELL;
    } else {
      c = outside.computeIfAbsent(((long) library << 32) | (nr & 0xffffffffL), k -> new long[CELL]);
      i = 0;
    }
    c[i]++;
    c[i + 1] += r.refused() ? 1 : 0;
    // As SyscallTable.Builder: a call that never returned took no measurable time.
    c[i + 2] += Math.max(0, r.tExit() - r.tEnter());
  }

  // The rows by library index, for FusedCollector's inlined counting; null until a library's first syscall.
  long[][] rows() {
    return rows;
  }

  /** The rows {@code SyscallTable.libraries()} would hold, in its order. */
  public List<LibraryCounts> libraries() {
    List<String> names = attributor.libraries();
    List<List<SyscallCount>> byLibrary = new ArrayList<>();
    names.forEach(n -> byLibrary.add(new ArrayList<>()));
    for (int library = 0; library < names.size(); library++) {
      long[] row = rows[library];
      for (int nr = 0; row != null && nr < NR_SLOTS; nr++) {
        if (row[nr * CELL] != 0) {
          byLibrary.get(library).add(count(nr, row, nr * CELL));
        }
      }
    }
    outside.forEach((key, c) -> byLibrary.get((int) (key >>> 32)).add(count((int) (long) key, c, 0)));
    List<LibraryCounts> libs = new ArrayList<>();
    for (int library = 0; library < names.size(); library++) {
      List<SyscallCount> calls = byLibrary.get(library);
      if (calls.isEmpty()) {
        continue;
      }
      calls.sort(Comparator.comparingLong(SyscallCount::count).reversed().thenComparing(SyscallCount::name));
      libs.add(
          new LibraryCounts(
              names.get(library),
              calls.stream().mapToLong(SyscallCount::count).sum(),
              calls.stream().mapToLong(SyscallCount::refused).sum(),
              calls.stream().mapToLong(SyscallCount::ticks).sum(),
              calls));
    }
    libs.sort(Comparator.comparingLong(LibraryCounts::total).reversed().thenComparing(LibraryCounts::library));
    return libs;
  }

  private static SyscallCount count(int nr, long[] c, int i) {
    return new SyscallCount(nr, SyscallNames.name(nr), c[i], c[i + 1], c[i + 2]);
  }
}
