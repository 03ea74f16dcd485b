package dev.ukhook.aggregate;

import static dev.ukhook.aggregate.Analyzer.*;

import dev.ukhook.aggregate.SyscallTable.LibraryCounts;
import dev.ukhook.aggregate.SyscallTable.SyscallCount;
import dev.ukhook.attribution.Attribution;
import dev.ukhook.format.Errnos;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.format.TraceStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a trace says beyond counts: its phases and each library's syscall set in each, the sequences of each
 * library's calls, and a timeline; the counts, errors and latencies are in {@link #table()}.
 */
public record Analysis(SyscallTable table, Phases phases, List<Sequences> sequences, Timeline timeline) {
  /**
   * Where a phase began, at tick {@code t}: at record {@code seq}, the phase event that switched to it, or the call
   * that ended start-up (itself the first call of the later phase).
   */
  public record Boundary(int phase, long seq, long t) {}

  /**
   * @param fromEvents whether the phases are the trace's phase events (marks, switch rules), else the start-up rule
   * @param rule how the phases were told apart, in words
   * @param names the phases' names, by phase number
   * @param boundaries where each phase after the first began
   * @param sets library -> phase name -> the syscall numbers it made in that phase (only phases it made calls
   *     in; not the unattributed calls)
   */
  public record Phases(boolean fromEvents, String rule, List<String> names, List<Boundary> boundaries,
      Map<String, Map<String, BitSet>> sets) {}

  /** A 2- or 3-gram of one library's consecutive calls; {@link #START} begins a library's first 2-gram. */
  public record Gram(List<String> calls, long count) {}

  public static final String START = "^";

  /**
   * One library's call sequences. Its automaton is the 2-grams: states are syscalls and {@link #START}, each
   * 2-gram an edge observed that many times.
   */
  public record Sequences(String library, List<Gram> bigrams, List<Gram> trigrams) {}

  /**
   * Calls per library over time: {@code counts} of each library in buckets of {@code bucketTicks} from
   * {@code startT}, the first call's entry, to {@code endT}, the last one's; the buckets after the one that
   * holds {@code endT} are empty.
   */
  public record Timeline(long startT, long endT, long bucketTicks, Map<String, long[]> counts) {}

  /**
   * The analysis of what {@code a} received.
   *
   * @param phaseNames the phases' names as the run's policy has them (fewer or none: phase0, phase1...)
   */
  public static Analysis of(Analyzer a, PhaseRule rule, TraceHeader header, TraceStats stats, List<String> problems,
      List<String> phaseNames) {
    boolean fromEvents = !a.eventBoundaries.isEmpty();
    int maxPhase = a.eventBoundaries.stream().mapToInt(Boundary::phase).max().orElse(0);
    List<String> names = new ArrayList<>();
    if (fromEvents) {
      for (int p = 0; p <= maxPhase; p++) {
        names.add(p < phaseNames.size() ? phaseNames.get(p) : "phase" + p);
      }
    } else {
      names.add(PhaseRule.START_UP);
      if (a.ruleBoundary != null) {
        names.add(rule.laterName());
      }
    }
    List<Boundary> boundaries = fromEvents ? a.eventBoundaries
        : a.ruleBoundary == null ? List.of() : List.of(a.ruleBoundary);
    List<LibraryCounts> libs = new ArrayList<>();
    Map<String, Map<String, BitSet>> sets = new LinkedHashMap<>();
    Map<String, long[]> timelines = new HashMap<>();
    long logged = 0;
    long killed = 0;
    for (Analyzer.Lib lib : a.libraries()) {
      List<SyscallCount> calls = new ArrayList<>();
      for (int s = 0; s < lib.slots(); s++) {
        long[] v = lib.v;
        int o = s * W;
        if (v[o + COUNT] == 0) {
          continue;
        }
        int nr = a.nr(s);
        String name = SyscallNames.name(nr);
        Map<String, Long> byPhase = new LinkedHashMap<>();
        if (fromEvents) {
          long rest = v[o + COUNT];
          for (int p = 1; p < lib.phases.length; p++) {
            long n = lib.phases[p] == null || s >= lib.phases[p].length ? 0 : lib.phases[p][s];
            rest -= n;
            if (n > 0) {
              byPhase.put(names.get(p), n);
            }
          }
          if (rest > 0) {
            byPhase = prepend(names.get(0), rest, byPhase);
          }
        } else {
          if (v[o + COUNT] > v[o + LATER]) {
            byPhase.put(names.get(0), v[o + COUNT] - v[o + LATER]);
          }
          if (v[o + LATER] > 0) {
            byPhase.put(names.get(1), v[o + LATER]);
          }
        }
        if (!lib.name.equals(Attribution.UNATTRIBUTED_LIBRARY)) {
          byPhase.keySet().forEach(p -> sets.computeIfAbsent(lib.name, l -> new TreeMap<>(
              Comparator.comparingInt(names::indexOf))).computeIfAbsent(p, x -> new BitSet()).set(nr));
        }
        Map<String, Long> errnos = new TreeMap<>();
        long[] e = lib.errnos[s];
        for (int i = 1; e != null && i < e.length; i++) {
          if (e[i] > 0) {
            errnos.put(i == ERRNOS - 1 ? "errno>" + Errnos.MAX : Errnos.name(i), e[i]);
          }
        }
        Map<String, Long> paths = new LinkedHashMap<>();
        for (int p = 0; p < TraceLayout.PATHS.size(); p++) {
          if (v[o + PATH0 + p] > 0) {
            paths.put(TraceLayout.PATHS.get(p).name(), v[o + PATH0 + p]);
          }
        }
        long[] h = lib.hist[s];
        Latency latency = h == null ? Latency.NONE : new Latency(v[o + MEASURED], v[o + TICKS], v[o + MAX], trim(h));
        logged += v[o + LOGGED];
        killed += v[o + KILLED];
        calls.add(new SyscallCount(nr, name, v[o + COUNT], v[o + REFUSED], v[o + TICKS], paths, v[o + NESTED],
            v[o + LATER], new SyscallCount.Detail(v[o + ERRORS], errnos, latency, v[o + FIRST_SEQ],
                v[o + LAST_SEQ], v[o + FIRST_T], v[o + LAST_T], byPhase)));
      }
      if (calls.isEmpty()) {
        continue;
      }
      calls.sort(Comparator.comparingLong(SyscallCount::count).reversed().thenComparing(SyscallCount::name));
      timelines.put(lib.name, lib.timeline.clone());
      libs.add(new LibraryCounts(lib.name, calls.stream().mapToLong(SyscallCount::count).sum(),
          calls.stream().mapToLong(SyscallCount::refused).sum(), calls.stream().mapToLong(SyscallCount::ticks).sum(),
          calls, lib.viaTransparentOnly));
    }
    libs.sort(Comparator.comparingLong(LibraryCounts::total).reversed().thenComparing(LibraryCounts::library));
    Map<String, Map<String, BitSet>> setsInOrder = new LinkedHashMap<>();
    libs.stream().filter(l -> sets.containsKey(l.library())).forEach(l -> setsInOrder.put(l.library(),
        sets.get(l.library())));
    SyscallTable table = new SyscallTable(header, stats, libs, problems, a.functions,
        Optional.ofNullable(a.ruleBoundary).map(Boundary::seq), new SyscallTable.Filter(logged, killed, a.events,
            phaseNames));
    Map<String, long[]> timeline = new LinkedHashMap<>();
    libs.forEach(l -> timeline.put(l.library(), timelines.get(l.library())));
    long start = a.t0 == Long.MIN_VALUE ? 0 : a.t0;
    return new Analysis(table, new Phases(fromEvents, fromEvents ? EVENTS_RULE : rule.describe(), names, boundaries,
        setsInOrder), sequences(a, libs), new Timeline(start, start + a.span, 1L << a.shift, timeline));
  }

  /** The attack-surface estimate of the libraries' syscall sets (docs/security-estimate.md). */
  public SecurityEstimate security() {
    return SecurityEstimate.of(phases.names(), phases.sets());
  }

  static final String EVENTS_RULE = "the trace's phase events: the program's ukhook_phase marks and the policy's "
      + "switch rules";

  private static Map<String, Long> prepend(String key, long value, Map<String, Long> rest) {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put(key, value);
    m.putAll(rest);
    return m;
  }

  private static long[] trim(long[] h) {
    int n = h.length;
    while (n > 0 && h[n - 1] == 0) {
      n--;
    }
    return Arrays.copyOf(h, n);
  }

  private static List<Sequences> sequences(Analyzer a, List<LibraryCounts> libs) {
    Map<String, List<Gram>> bi = new TreeMap<>();
    Map<String, List<Gram>> tri = new TreeMap<>();
    List<Analyzer.Lib> all = a.libraries();
    a.bigrams.forEach((k, n) -> {
      bi.computeIfAbsent(all.get((int) (k >>> 32)).name, l -> new ArrayList<>())
          .add(new Gram(List.of(state(a, (int) (k >>> 16) & 0xffff), state(a, (int) k & 0xffff)), n));
    });
    a.trigrams.forEach((k, n) -> {
      tri.computeIfAbsent(all.get((int) (k >>> 48)).name, l -> new ArrayList<>()).add(new Gram(List.of(
          state(a, (int) (k >>> 32) & 0xffff), state(a, (int) (k >>> 16) & 0xffff), state(a, (int) k & 0xffff)), n));
    });
    Comparator<Gram> order = Comparator.comparingLong(Gram::count).reversed()
        .thenComparing(g -> String.join(" ", g.calls()));
    List<Sequences> out = new ArrayList<>();
    for (LibraryCounts l : libs) {
      if (bi.containsKey(l.library())) {
        List<Gram> b = bi.get(l.library());
        List<Gram> t = tri.getOrDefault(l.library(), new ArrayList<>());
        b.sort(order);
        t.sort(order);
        out.add(new Sequences(l.library(), List.copyOf(b), List.copyOf(t)));
      }
    }
    return out;
  }

  private static String state(Analyzer a, int slot) {
    return slot == START_SLOT ? START : SyscallNames.name(a.nr(slot));
  }
}
