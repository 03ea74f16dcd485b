package dev.ukhook.format;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A counting image's counters at one moment (kind 5, {@link TraceLayout.Counts}): every call since boot, per
 * (library, phase, syscall). The last snapshot of a stream holds all of them.
 *
 * @param seq the records numbered before it (events and loads; a counting image numbers no calls)
 * @param finalSnapshot sent at shutdown, just before the final record (else a periodic one)
 * @param latency whether the cells' ticks and histograms are measured
 * @param overflowed calls that found no free cell in the guest's table, counted nowhere else
 */
public record CountSnapshot(long seq, long t, boolean finalSnapshot, boolean latency, long overflowed,
    List<Cell> cells) {
  public CountSnapshot {
    cells = List.copyOf(cells);
  }

  /**
   * One (library, phase, syscall) cell.
   *
   * @param lib the library's index in the image's library table (0: none)
   * @param errnos calls by errno (positive), for the first {@value TraceLayout#CELL_ERRNOS} distinct ones
   * @param hist calls that returned, by duration bucket ({@link TraceLayout#bucketLow})
   */
  public record Cell(int nr, int lib, int phase, long calls, long errors, long refused, long nested, long ticks,
      Map<Integer, Long> errnos, long[] hist) {
    public Cell {
      errnos = Collections.unmodifiableMap(new LinkedHashMap<>(errnos));
      hist = hist.clone();
    }

    /** Calls that returned (the histogram's sum); calls minus this are in progress or never return. */
    public long returned() {
      long n = 0;
      for (long h : hist) {
        n += h;
      }
      return n;
    }
  }

  /** Calls counted in every cell. */
  public long calls() {
    return cells.stream().mapToLong(Cell::calls).sum();
  }
}
