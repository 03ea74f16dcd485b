package dev.ukhook.aggregate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.aggregate.SyscallTable.LibraryCounts;
import dev.ukhook.aggregate.SyscallTable.SyscallCount;
import dev.ukhook.attribution.Attributor;
import dev.ukhook.attribution.LinkMap;
import dev.ukhook.attribution.TestMaps;
import dev.ukhook.format.CountSnapshot;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.format.TraceStats;
import java.io.IOException;
import java.io.StringReader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A counting image's cells as an analysis: the shape of a trace's table, without what needs each call. */
class CountedAnalysisTest {
  static final String ID = "0123456789abcdef0123456789abcdef";
  static final TraceHeader HEADER = TraceHeader.of(4, 1000, ID, 64, TraceHeader.Overflow.BLOCK);
  static final int OPENAT = 257, WRITE = 1;

  /** lib0, lib1 and lib2 (transparent), numbered 1 to 3 after the unattributed 0. */
  static Analyzer analyzer() throws IOException {
    LinkMap map = LinkMap.parse(new StringReader(TestMaps.map(ID, 3)));
    return new Analyzer(new Attributor(map, Set.of("lib2")), PhaseRule.SERVING, true);
  }

  static long[] hist(int... buckets) {
    long[] h = new long[TraceLayout.HIST_BUCKETS];
    for (int b : buckets) {
      h[b]++;
    }
    return h;
  }

  static CountSnapshot.Cell cell(int nr, int lib, int phase, long calls, long errors, Map<Integer, Long> errnos,
      long[] hist) {
    return new CountSnapshot.Cell(nr, lib, phase, calls, errors, 0, 0, 0, errnos, hist);
  }

  static Analysis analysis(Analyzer a) {
    return a.analysis(PhaseRule.SERVING, HEADER, TraceStats.EMPTY, List.of(), List.of("boot", "serve"));
  }

  @Test
  void cellsAreChargedByLibraryNumberAndPhase() throws IOException {
    Map<Integer, Long> fiveErrnos = new LinkedHashMap<>(Map.of(2, 1L, 13, 1L, 9, 1L, 20, 1L));
    Analyzer a = analyzer();
    a.counts(new CountSnapshot(0, 1, true, true, 0, List.of(
        cell(OPENAT, 1, 0, 4, 4, Map.of(2, 4L), hist(4, 4, 5, 5)),
        cell(OPENAT, 1, 1, 6, 5, fiveErrnos, hist(8, 8, 8, 8, 8, 63)),
        cell(WRITE, 3 | TraceLayout.CELL_VIA_TRANSPARENT, 0, 2, 0, Map.of(), hist()),
        cell(WRITE, 0, 1, 1, 0, Map.of(), hist(3)))));
    Analysis r = analysis(a);
    assertTrue(r.counted());
    LibraryCounts lib0 = r.table().libraries().get(0);
    assertEquals("lib0", lib0.library());
    assertFalse(lib0.viaTransparentOnly());
    SyscallCount openat = lib0.syscalls().get(0);
    assertEquals(10, openat.count());
    assertEquals(9, openat.detail().errors());
    // ENOENT in both cells; the fifth error of the second is counted, its errno unknown.
    assertEquals(Map.of("ENOENT", 5L, "EACCES", 1L, "EBADF", 1L, "ENOTDIR", 1L, SyscallCount.OTHER_ERRNOS, 1L),
        openat.detail().errnos());
    assertEquals(Map.of("boot", 4L, "serve", 6L), openat.detail().phases());
    assertEquals(Map.of(), openat.paths());
    Latency l = openat.detail().latency();
    assertEquals(Latency.Scale.GUEST, l.scale());
    assertEquals(10, l.calls());
    assertFalse(l.maxKnown());
    // Bucket 8 holds 16 to 22 ticks (22 * 22 < 2^9); the last bucket has no upper end, so its lower one stands for it.
    assertEquals(22, l.quantile(0.5));
    assertEquals(TraceLayout.bucketLow(63), l.quantile(0.99));
    LibraryCounts lib2 = r.table().libraries().stream().filter(x -> x.library().equals("lib2")).findFirst().get();
    assertTrue(lib2.viaTransparentOnly());
    assertEquals(Latency.NONE, lib2.syscalls().get(0).detail().latency());
    assertEquals(List.of("boot", "serve"), r.phases().names());
    assertTrue(r.phases().fromEvents());
    assertTrue(r.sequences().isEmpty());
    assertTrue(r.timeline().counts().isEmpty());
    assertEquals("count", r.table().mode());
    assertTrue(r.table().summary().contains("13 calls counted in the guest (paths not counted)"),
        r.table().summary());
  }

  @Test
  void eachSnapshotReplacesTheOneBefore() throws IOException {
    Analyzer a = analyzer();
    a.counts(new CountSnapshot(0, 1, false, true, 0, List.of(cell(WRITE, 1, 0, 3, 0, Map.of(), hist(4, 4, 4)))));
    a.counts(new CountSnapshot(0, 2, true, true, 0, List.of(cell(WRITE, 1, 0, 5, 0, Map.of(), hist(4, 4, 4, 4, 4)),
        cell(OPENAT, 2, 0, 1, 0, Map.of(), hist(4)))));
    SyscallTable t = analysis(a).table();
    assertEquals(List.of(5L, 1L), t.libraries().stream().map(LibraryCounts::total).toList());
    assertArrayEquals(hist(4, 4, 4, 4, 4), java.util.Arrays.copyOf(
        t.libraries().get(0).syscalls().get(0).detail().latency().buckets(), TraceLayout.HIST_BUCKETS));
  }

  @Test
  void aLibraryNumberBeyondTheMapIsAProblem() throws IOException {
    Analyzer a = analyzer();
    a.counts(new CountSnapshot(0, 1, true, true, 0, List.of(cell(WRITE, 9, 0, 7, 0, Map.of(), hist()),
        cell(WRITE, 1, 0, 1, 0, Map.of(), hist()))));
    SyscallTable t = analysis(a).table();
    assertEquals(List.of("lib0"), t.libraries().stream().map(LibraryCounts::library).toList());
    assertEquals(List.of("7 counted calls are charged to library numbers beyond the 4 libraries of the link map: the "
        + "counts record is corrupted or the map is not the image's; they are left out"), t.problems());
  }
}
