package dev.ukhook.aggregate;

import dev.ukhook.aggregate.Analysis.Boundary;
import dev.ukhook.aggregate.Analysis.Gram;
import dev.ukhook.aggregate.Analysis.Phases;
import dev.ukhook.aggregate.Analysis.Sequences;
import dev.ukhook.aggregate.Analysis.Timeline;
import dev.ukhook.aggregate.SyscallTable.LibraryCounts;
import dev.ukhook.aggregate.SyscallTable.SyscallCount;
import dev.ukhook.attribution.Attribution;
import dev.ukhook.attribution.Attributor;
import dev.ukhook.format.Call;
import dev.ukhook.format.CallSink;
import dev.ukhook.format.CountSnapshot;
import dev.ukhook.format.Errnos;
import dev.ukhook.format.EventRecord;
import dev.ukhook.format.LoadRecord;
import dev.ukhook.format.PolicyLayout;
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
 * Aggregates a trace's calls in one pass, per microlibrary and syscall: counts, errors by errno, latency
 * histograms, first and last occurrence, counts per phase, a timeline, and the 2- and 3-grams of each library's
 * calls. Everything is kept in arrays indexed by library and syscall number, so a call costs a few array updates
 * and memory depends on the libraries and syscalls seen, never on the trace's length. Not thread-safe.
 *
 * <p>Phases come from two sources at once: the trace's phase events (the program's {@code ukhook_phase} marks and
 * a policy's switch rules), and the start-up rule ({@link PhaseRule}); {@link #analysis} uses the events when the
 * trace has any.
 *
 * <p>A counting image's trace has no calls but counters per library, phase and syscall ({@link #counts}): they fill
 * the same arrays, so its table has the shape of a trace's, without what needs each call (first and last call, paths,
 * timeline, sequences, functions).
 */
public final class Analyzer implements CallSink {
  /** The libraries' timelines have this many buckets; their width doubles as the trace goes on. */
  public static final int TIMELINE_BUCKETS = 256;
  private static final int START_SLOT = 0xffff;

  // Per library and syscall slot, W longs:
  private static final int COUNT = 0, REFUSED = 1, ERRORS = 2, TICKS = 3, NESTED = 4, LATER = 5, FIRST_SEQ = 6,
      LAST_SEQ = 7, FIRST_T = 8, LAST_T = 9, MAX = 10, LOGGED = 11, KILLED = 12, MEASURED = 13, INJECTED = 14,
      PATH0 = 15;
  private static final int W = PATH0 + TraceLayout.PATHS.size();
  /**
   * Errors by errno up to the last one Linux names; the last slot counts every errno above it, slot 0 a counting
   * image's errors beyond the errnos a cell names.
   */
  private static final int ERRNOS = Errnos.MAX + 2;
  private static final int OTHER_ERRNOS = 0;

  /** One library's aggregates; slots are the analyzer's dense syscall numbers. */
  private static final class Lib {
    final String name;
    boolean viaTransparentOnly;
    long[] v = new long[0];
    int slots; // v.length / W
    long[][] hist = new long[0][];
    long[][] errnos = new long[0][];
    long[][] phases = new long[0][]; // by phase id, then slot
    final long[] timeline = new long[TIMELINE_BUCKETS];
    int prev1 = START_SLOT;
    int prev2 = START_SLOT;

    Lib(String name) {
      this.name = name;
    }

    void grow(int slots) {
      this.slots = slots;
      v = Arrays.copyOf(v, slots * W);
      hist = Arrays.copyOf(hist, slots);
      errnos = Arrays.copyOf(errnos, slots);
      for (int p = 0; p < phases.length; p++) {
        phases[p] = phases[p] == null ? null : Arrays.copyOf(phases[p], slots);
      }
    }

    int slots() {
      return slots;
    }

    /** Forgets the counts, for a snapshot that holds them all again. */
    void clear() {
      Arrays.fill(v, 0);
      Arrays.fill(hist, null);
      Arrays.fill(errnos, null);
      phases = new long[0][];
    }
  }

  private final Attributor attributor;
  private final boolean sequences;
  private final List<Lib> libs = new ArrayList<>();
  private final Map<String, Integer> libIndex = new HashMap<>();
  private Lib[] byIndex = new Lib[0];
  private final int[] slotOf = new int[1 << 16];
  private final boolean[] ruleBegins;
  private final boolean[] ruleAfterListen;
  private int[] nrOf = new int[64];
  private int slots;
  private final LongCounts bigrams = new LongCounts();
  private final LongCounts trigrams = new LongCounts();
  private final Map<String, Map<String, Long>> functions = new TreeMap<>();
  private final List<EventRecord> events = new ArrayList<>();
  private final List<Boundary> eventBoundaries = new ArrayList<>();
  private CountSnapshot counts;
  private int maxCellPhase;
  // Calls the guest charged to another library than the host's walk over the same addresses.
  private long chargeMismatches;
  private String firstMismatch;
  /** Counted calls of cells whose library number is beyond the map's. */
  private long strayCalls;
  private Boundary ruleBoundary;
  private int phase;
  private boolean listened;
  private boolean later;
  private long t0 = Long.MIN_VALUE;
  /** The latest entry after {@link #t0}: the timeline's buckets cover {@code [t0, t0 + span]}. */
  private long span;
  private int shift;
  private final boolean fromStrace;

  /**
   * @param attributor charges each call; null for calls charged elsewhere ({@link #add(String, Call)})
   * @param sequences whether to count 2- and 3-grams (the run's table does without)
   */
  public Analyzer(Attributor attributor, PhaseRule rule, boolean sequences) {
    this(attributor, rule, sequences, false);
  }

  /** An analyzer of a Linux program's calls, from strace's log, each charged elsewhere ({@link #add(String, Call)}). */
  public static Analyzer ofStraceLog(PhaseRule rule, boolean sequences) {
    return new Analyzer(null, rule, sequences, true);
  }

  private Analyzer(Attributor attributor, PhaseRule rule, boolean sequences, boolean fromStrace) {
    this.fromStrace = fromStrace;
    this.attributor = attributor;
    this.sequences = sequences;
    ruleBegins = rule.begins;
    ruleAfterListen = rule.afterListen;
    Arrays.fill(slotOf, -1);
    if (attributor != null) {
      attributor.libraryNames().forEach(this::library);
    }
  }

  @Override
  public void call(Call c) {
    if (attributor == null) {
      throw new IllegalStateException("this analyzer has no attributor; use add(library, call)");
    }
    if (attributor.followsPrograms()) {
      add(attributor.attributeAndFollow(c), c);
      return;
    }
    int charge = attributor.charge(c);
    int lib = charge & Attributor.LIBRARY;
    if ((charge & Attributor.VIA_TRANSPARENT_ONLY) != 0) {
      byIndex[lib].viaTransparentOnly = true;
    } else if (c.lib() != 0 && (c.lib() & (TraceLayout.CELL_VIA_TRANSPARENT - 1)) != lib) {
      // The guest walks at least as far as the record keeps frames, by the same rule: where the host finds a library
      // that decides, the guest's charge must be that library.
      if (chargeMismatches++ == 0) {
        firstMismatch = "seq " + c.seq() + ": the guest's " + attributor.ofCell(c.lib()).map(Attribution::library)
            .orElse("library " + (c.lib() & (TraceLayout.CELL_VIA_TRANSPARENT - 1))) + ", the host's "
            + attributor.libraryNames().get(lib);
      }
    }
    add(lib, c);
  }

  /** Counts a call charged to {@code library} elsewhere. */
  public Analyzer add(String library, Call c) {
    add(library(library), c);
    return this;
  }

  /** Adds a call charged elsewhere, with its function (a Linux program's, a loaded program's) where known. */
  public Analyzer add(Attribution a, Call c) {
    int lib = library(a.library());
    byIndex[lib].viaTransparentOnly |= a.viaTransparentOnly();
    if (a.function() != null) {
      functions.computeIfAbsent(a.library() + ":" + a.function(), f -> new TreeMap<>())
          .merge(SyscallNames.name(c.nr()), 1L, Long::sum);
    }
    add(lib, c);
    return this;
  }

  @Override
  public void load(LoadRecord l) {
    if (attributor != null) {
      attributor.load(l);
    }
  }

  @Override
  public void event(EventRecord e) {
    events.add(e);
    int after = phaseAfter(e, phase);
    if (after != phase) {
      phase = after;
      eventBoundaries.add(new Boundary(phase, e.seq(), e.t()));
    }
  }

  /**
   * A counting image's snapshot. It holds every call since boot, so it takes the place of the one before: each
   * cell's calls are charged as the guest charged them, numbered as in {@link Attributor#libraryNames()}.
   */
  @Override
  public void counts(CountSnapshot snapshot) {
    if (attributor == null) {
      throw new IllegalStateException("this analyzer has no attributor to name the cells' libraries");
    }
    counts = snapshot;
    libs.forEach(Lib::clear);
    maxCellPhase = 0;
    strayCalls = 0;
    for (CountSnapshot.Cell c : snapshot.cells()) {
      Optional<Attribution> a = attributor.ofCell(c.lib());
      if (a.isEmpty()) {
        strayCalls += c.calls();
        continue;
      }
      Lib lib = byIndex[library(a.get().library())];
      lib.viaTransparentOnly |= a.get().viaTransparentOnly();
      int s = slot(c.nr());
      if (s >= lib.slots) {
        lib.grow(Math.max(slots, 2 * lib.slots));
      }
      long[] v = lib.v;
      int o = s * W;
      v[o + COUNT] += c.calls();
      v[o + REFUSED] += c.refused();
      v[o + ERRORS] += c.errors();
      v[o + NESTED] += c.nested();
      v[o + TICKS] += c.ticks();
      v[o + MEASURED] += c.returned();
      v[o + FIRST_SEQ] = v[o + LAST_SEQ] = -1;
      if (c.errors() > 0) {
        long[] e = lib.errnos[s] == null ? lib.errnos[s] = new long[ERRNOS] : lib.errnos[s];
        long named = 0;
        for (Map.Entry<Integer, Long> n : c.errnos().entrySet()) {
          e[Math.min(n.getKey(), ERRNOS - 1)] += n.getValue();
          named += n.getValue();
        }
        e[OTHER_ERRNOS] += c.errors() - named;
      }
      if (c.returned() > 0) {
        long[] h = lib.hist[s] == null ? lib.hist[s] = new long[TraceLayout.HIST_BUCKETS] : lib.hist[s];
        Arrays.setAll(h, b -> h[b] + c.hist()[b]);
      }
      if (c.phase() != 0) {
        countPhase(lib, s, c.phase(), c.calls());
      }
      maxCellPhase = Math.max(maxCellPhase, c.phase());
    }
  }

  /** The phase after event {@code e}: a mark's or a switch rule's, or a policy's put in force in another phase. */
  public static int phaseAfter(EventRecord e, int phase) {
    return e.event() == PolicyLayout.EVENT_MARK || e.event() == PolicyLayout.EVENT_RULE
        || e.event() == PolicyLayout.EVENT_POLICY ? e.to() : phase;
  }

  private int library(String name) {
    Integer i = libIndex.get(name);
    if (i != null) {
      return i;
    }
    int index = libs.size();
    libs.add(new Lib(name));
    libIndex.put(name, index);
    byIndex = libs.toArray(new Lib[0]);
    return index;
  }

  private int slot(int nr) {
    int s = slotOf[nr];
    if (s >= 0) {
      return s;
    }
    if (slots == nrOf.length) {
      nrOf = Arrays.copyOf(nrOf, 2 * slots);
    }
    nrOf[slots] = nr;
    return slotOf[nr] = slots++;
  }

  private void add(int libNumber, Call c) {
    Lib lib = byIndex[libNumber];
    int nr = c.nr();
    int s = slot(nr);
    if (s >= lib.slots) {
      lib.grow(Math.max(slots, 2 * lib.slots));
    }
    long seq = c.seq();
    long tEnter = c.tEnter();
    int flags = c.flags();
    if (!later && ruleBegins[nr] && (!ruleAfterListen[nr] || listened)) {
      later = true;
      ruleBoundary = new Boundary(1, seq, tEnter);
    }
    listened |= nr == PhaseRule.LISTEN;
    long[] v = lib.v;
    int o = s * W;
    if (v[o + COUNT]++ == 0) {
      v[o + FIRST_SEQ] = seq;
      v[o + FIRST_T] = tEnter;
    }
    v[o + LAST_SEQ] = seq;
    v[o + LAST_T] = tEnter;
    v[o + LATER] += later ? 1 : 0;
    v[o + NESTED] += c.nest() > 0 ? 1 : 0;
    v[o + PATH0 + c.path()]++;
    if ((flags & TraceLayout.FLAG_INJECTED) == TraceLayout.FLAG_INJECTED) {
      v[o + INJECTED]++;
    } else if (flags != 0) {
      v[o + REFUSED] += (flags & TraceLayout.FLAG_REFUSED) != 0 ? 1 : 0;
      v[o + LOGGED] += (flags & TraceLayout.FLAG_LOGGED) != 0 ? 1 : 0;
      v[o + KILLED] += (flags & TraceLayout.FLAG_KILLED) != 0 ? 1 : 0;
    }
    int errno = c.errno();
    if (errno != 0) {
      v[o + ERRORS]++;
      long[] e = lib.errnos[s];
      if (e == null) {
        e = lib.errnos[s] = new long[ERRNOS];
      }
      e[Math.min(errno, ERRNOS - 1)]++;
    }
    // A call that never returns (exit_group) carries the commit time; it took no measurable time here.
    long d = c.tExit() - tEnter;
    if ((flags & TraceLayout.FLAG_AT_ENTRY) == 0 && d >= 0) {
      v[o + TICKS] += d;
      v[o + MEASURED]++;
      v[o + MAX] = Math.max(v[o + MAX], d);
      long[] h = lib.hist[s];
      if (h == null) {
        h = lib.hist[s] = new long[Latency.BUCKETS];
      }
      h[Latency.bucket(d)]++;
    }
    if (phase != 0) {
      countPhase(lib, s, phase, 1); // phase 0 is what no other phase counted
    }
    timeline(lib, tEnter);
    if (sequences) {
      long l = libNumber;
      bigrams.increment(l << 32 | (long) lib.prev1 << 16 | s);
      if (lib.prev2 != START_SLOT) {
        trigrams.increment(l << 48 | (long) lib.prev2 << 32 | (long) lib.prev1 << 16 | s);
      }
      lib.prev2 = lib.prev1;
      lib.prev1 = s;
    }
  }

  private static void countPhase(Lib lib, int s, int phase, long calls) {
    if (phase >= lib.phases.length) {
      lib.phases = Arrays.copyOf(lib.phases, phase + 1);
    }
    long[] p = lib.phases[phase];
    if (p == null) {
      p = lib.phases[phase] = new long[lib.slots()];
    }
    p[s] += calls;
  }

  private void timeline(Lib lib, long t) {
    if (t0 == Long.MIN_VALUE) {
      t0 = t;
    }
    long rel = Math.max(0, t - t0);
    span = Math.max(span, rel);
    long at = rel >>> shift;
    while (at >= TIMELINE_BUCKETS) {
      for (Lib l : libs) {
        for (int b = 0; b < TIMELINE_BUCKETS; b++) {
          l.timeline[b] = b < TIMELINE_BUCKETS / 2 ? l.timeline[2 * b] + l.timeline[2 * b + 1] : 0;
        }
      }
      shift++;
      at >>>= 1;
    }
    lib.timeline[(int) at]++;
  }

  /**
   * The analysis of what this analyzer received.
   *
   * @param phaseNames the phases' names as the run's policy has them (fewer or none: phase0, phase1...)
   */
  public Analysis analysis(PhaseRule rule, TraceHeader header, TraceStats stats, List<String> problems,
      List<String> phaseNames) {
    boolean counted = counts != null;
    // A counting image has no order to apply the start-up rule to: its phases are the guest's, as events set them.
    boolean fromEvents = counted || !eventBoundaries.isEmpty();
    int maxPhase = Math.max(maxCellPhase, eventBoundaries.stream().mapToInt(Boundary::phase).max().orElse(0));
    List<String> names = new ArrayList<>();
    if (fromEvents) {
      for (int p = 0; p <= maxPhase; p++) {
        names.add(p < phaseNames.size() ? phaseNames.get(p) : "phase" + p);
      }
    } else {
      names.add(PhaseRule.START_UP);
      if (ruleBoundary != null) {
        names.add(rule.laterName());
      }
    }
    List<Boundary> boundaries = fromEvents ? eventBoundaries
        : ruleBoundary == null ? List.of() : List.of(ruleBoundary);
    List<LibraryCounts> rows = new ArrayList<>();
    Map<String, Map<String, BitSet>> sets = new LinkedHashMap<>();
    Map<String, long[]> timelines = new HashMap<>();
    long logged = 0;
    long killed = 0;
    long injected = 0;
    for (Lib lib : libs) {
      List<SyscallCount> calls = new ArrayList<>();
      for (int s = 0; s < lib.slots(); s++) {
        long[] v = lib.v;
        int o = s * W;
        if (v[o + COUNT] == 0) {
          continue;
        }
        int nr = nrOf[s];
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
        for (int i = 0; e != null && i < e.length; i++) {
          if (e[i] > 0) {
            errnos.put(i == OTHER_ERRNOS ? SyscallCount.OTHER_ERRNOS : i == ERRNOS - 1 ? "errno>" + Errnos.MAX
                : Errnos.name(i), e[i]);
          }
        }
        Map<String, Long> paths = new LinkedHashMap<>();
        for (int p = 0; p < TraceLayout.PATHS.size(); p++) {
          if (v[o + PATH0 + p] > 0) {
            paths.put(TraceLayout.PATHS.get(p).name(), v[o + PATH0 + p]);
          }
        }
        long[] h = lib.hist[s];
        Latency latency = h == null ? Latency.NONE : counted ? Latency.ofGuest(v[o + TICKS], trim(h))
            : new Latency(v[o + MEASURED], v[o + TICKS], v[o + MAX], trim(h));
        logged += v[o + LOGGED];
        injected += v[o + INJECTED];
        killed += v[o + KILLED];
        calls.add(new SyscallCount(nr, name, v[o + COUNT], v[o + REFUSED], v[o + TICKS], paths, v[o + NESTED],
            v[o + LATER], new SyscallCount.Detail(v[o + ERRORS], errnos, latency, v[o + FIRST_SEQ],
                v[o + LAST_SEQ], v[o + FIRST_T], v[o + LAST_T], byPhase)));
      }
      if (calls.isEmpty()) {
        continue;
      }
      calls.sort(Comparator.comparingLong(SyscallCount::count).reversed().thenComparing(SyscallCount::name));
      if (!counted) {
        timelines.put(lib.name, lib.timeline.clone());
      }
      rows.add(new LibraryCounts(lib.name, calls.stream().mapToLong(SyscallCount::count).sum(),
          calls.stream().mapToLong(SyscallCount::refused).sum(), calls.stream().mapToLong(SyscallCount::ticks).sum(),
          calls, lib.viaTransparentOnly));
    }
    rows.sort(Comparator.comparingLong(LibraryCounts::total).reversed().thenComparing(LibraryCounts::library));
    Map<String, Map<String, BitSet>> setsInOrder = new LinkedHashMap<>();
    rows.stream().filter(l -> sets.containsKey(l.library())).forEach(l -> setsInOrder.put(l.library(),
        sets.get(l.library())));
    List<String> allProblems = new ArrayList<>(problems);
    if (chargeMismatches > 0) {
      allProblems.add(chargeMismatches + " calls were charged by the guest to another library than the link map"
          + " gives for the same return addresses (first: " + firstMismatch + "): the image's library table is not"
          + " this map's, or the trace is damaged");
    }
    if (strayCalls > 0) {
      allProblems.add(strayCalls + " counted calls are charged to library numbers beyond the "
          + attributor.libraryNames().size() + " libraries of the link map: the counts record is corrupted or the"
          + " map is not the image's; they are left out");
    }
    SyscallTable table = new SyscallTable(header, stats, rows, allProblems, functions,
        Optional.ofNullable(ruleBoundary).map(Boundary::seq), new SyscallTable.Filter(logged, killed, injected, events,
            phaseNames), counted ? SyscallTable.Mode.COUNT : fromStrace ? SyscallTable.Mode.STRACE
            : SyscallTable.Mode.TRACE);
    Map<String, long[]> timeline = new LinkedHashMap<>();
    rows.stream().filter(l -> timelines.containsKey(l.library()))
        .forEach(l -> timeline.put(l.library(), timelines.get(l.library())));
    long start = t0 == Long.MIN_VALUE ? 0 : t0;
    String told = counted ? Analysis.COUNTS_RULE : fromEvents ? Analysis.EVENTS_RULE : rule.describe();
    return new Analysis(table, new Phases(fromEvents, told, names, boundaries, setsInOrder), sequences(rows),
        new Timeline(start, start + span, 1L << shift, timeline));
  }

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

  private List<Sequences> sequences(List<LibraryCounts> rows) {
    Map<String, List<Gram>> bi = new TreeMap<>();
    Map<String, List<Gram>> tri = new TreeMap<>();
    List<Lib> all = libs;
    bigrams.forEach((k, n) -> {
      bi.computeIfAbsent(all.get((int) (k >>> 32)).name, l -> new ArrayList<>())
          .add(new Gram(List.of(state((int) (k >>> 16) & 0xffff), state((int) k & 0xffff)), n));
    });
    trigrams.forEach((k, n) -> {
      tri.computeIfAbsent(all.get((int) (k >>> 48)).name, l -> new ArrayList<>()).add(new Gram(List.of(
          state((int) (k >>> 32) & 0xffff), state((int) (k >>> 16) & 0xffff), state((int) k & 0xffff)), n));
    });
    Comparator<Gram> order = Comparator.comparingLong(Gram::count).reversed()
        .thenComparing(g -> String.join(" ", g.calls()));
    List<Sequences> out = new ArrayList<>();
    for (LibraryCounts l : rows) {
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

  private String state(int slot) {
    return slot == START_SLOT ? Analysis.START : SyscallNames.name(nrOf[slot]);
  }

  /** Counts of long keys, in an open-addressing table that grows; keys are never negative. */
  private static final class LongCounts {
    private long[] keys = emptyKeys(1024);
    private long[] counts = new long[1024];
    private int size;

    private static long[] emptyKeys(int n) {
      long[] k = new long[n];
      Arrays.fill(k, -1);
      return k;
    }

    void increment(long key) {
      int mask = keys.length - 1;
      int i = (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
      while (keys[i] != key) {
        if (keys[i] == -1) {
          keys[i] = key;
          if (++size * 2 > keys.length) {
            grow();
            increment(key);
            return;
          }
          break;
        }
        i = (i + 1) & mask;
      }
      counts[i]++;
    }

    private void grow() {
      long[] oldKeys = keys;
      long[] oldCounts = counts;
      keys = emptyKeys(2 * oldKeys.length);
      counts = new long[2 * oldKeys.length];
      size = 0;
      int mask = keys.length - 1;
      for (int j = 0; j < oldKeys.length; j++) {
        if (oldKeys[j] != -1) {
          int i = (int) ((oldKeys[j] * 0x9E3779B97F4A7C15L) >>> 40) & mask;
          while (keys[i] != -1) {
            i = (i + 1) & mask;
          }
          keys[i] = oldKeys[j];
          counts[i] = oldCounts[j];
          size++;
        }
      }
    }

    interface Each {
      void accept(long key, long count);
    }

    /** Calls {@code each} with every key and its count, in no order. */
    void forEach(Each each) {
      for (int i = 0; i < keys.length; i++) {
        if (keys[i] != -1 && counts[i] > 0) {
          each.accept(keys[i], counts[i]);
        }
      }
    }
  }
}
