package dev.ukhook.aggregate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ukhook.aggregate.SyscallTable.LibraryCounts;
import dev.ukhook.aggregate.SyscallTable.SyscallCount;
import dev.ukhook.core.Terminal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What changed between two runs (docs/analysis.md): which microlibraries gained or lost syscalls, came or
 * went, and which phases came or went and, in each phase both runs have, which syscalls each library gained or
 * lost. Only syscall <em>sets</em> are compared; a count that changed while the syscall stayed is no difference.
 * The unattributed calls are the {@code <unattributed>} library like any other.
 *
 * @param a run A, the one compared against (the "before")
 * @param b run B
 * @param phasesGained phase names only B has, in B's order ({@code phasesLost}: only A, in A's order)
 * @param libraries the libraries whose syscall set changed, by name
 * @param phases for each phase name both runs have (A's order), the libraries whose set in it changed
 */
public record RunDiff(Run a, Run b, List<String> phasesGained, List<String> phasesLost, List<LibraryDiff> libraries,
    Map<String, List<LibraryDiff>> phases) {
  /** Schema of {@link #toJson()}: changes whenever a key changes meaning or goes away. */
  public static final int SCHEMA_VERSION = 1;

  /**
   * One side of the diff.
   *
   * @param label how the run is named in the output (its directory)
   * @param phasesFromEvents whether its phases are the trace's phase events, else the start-up rule
   * @param phaseRule how its phases were told apart, in words
   */
  public record Run(String label, String imageId, boolean phasesFromEvents, String phaseRule) {}

  /** A syscall one run made and the other did not: {@code a} or {@code b} is 0. */
  public record Change(String syscall, long a, long b) {}

  /**
   * One library's changed set, overall or in one phase.
   *
   * @param callsA its calls in run A (in the phase), 0 when it made none: new in B
   * @param gained syscalls only B made, by name ({@code lost}: only A)
   */
  public record LibraryDiff(String library, long callsA, long callsB, List<Change> gained, List<Change> lost) {
    public LibraryDiff {
      gained = List.copyOf(gained);
      lost = List.copyOf(lost);
    }
  }

  public RunDiff {
    phasesGained = List.copyOf(phasesGained);
    phasesLost = List.copyOf(phasesLost);
    libraries = List.copyOf(libraries);
    phases = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(phases));
  }

  /** One side of a diff: a run's label (its directory), the image that made its trace, and its analysis. */
  public record Side(String label, String imageId, Analysis analysis) {}

  /** The diff of run {@code b} against run {@code a}. */
  public static RunDiff of(Side a, Side b) {
    Analysis x = a.analysis();
    Analysis y = b.analysis();
    List<String> namesA = x.phases().names();
    List<String> namesB = y.phases().names();
    Map<String, List<LibraryDiff>> phases = new LinkedHashMap<>();
    for (String phase : namesA) {
      if (namesB.contains(phase)) {
        phases.put(phase, compare(counts(x.table(), phase), counts(y.table(), phase)));
      }
    }
    return new RunDiff(run(a), run(b), namesB.stream().filter(p -> !namesA.contains(p)).toList(),
        namesA.stream().filter(p -> !namesB.contains(p)).toList(),
        compare(counts(x.table(), null), counts(y.table(), null)), phases);
  }

  private static Run run(Side s) {
    Analysis.Phases p = s.analysis().phases();
    return new Run(s.label(), s.imageId(), p.fromEvents(), p.rule());
  }

  /** library -> syscall -> calls (in {@code phase}, or all when null); only non-zero counts. */
  private static Map<String, Map<String, Long>> counts(SyscallTable t, String phase) {
    Map<String, Map<String, Long>> m = new TreeMap<>();
    for (LibraryCounts lib : t.libraries()) {
      for (SyscallCount c : lib.syscalls()) {
        long n = phase == null ? c.count() : c.detail().phases().getOrDefault(phase, 0L);
        if (n > 0) {
          m.computeIfAbsent(lib.library(), l -> new TreeMap<>()).put(c.name(), n);
        }
      }
    }
    return m;
  }

  private static List<LibraryDiff> compare(Map<String, Map<String, Long>> a, Map<String, Map<String, Long>> b) {
    List<LibraryDiff> out = new ArrayList<>();
    TreeSet<String> libs = new TreeSet<>(a.keySet());
    libs.addAll(b.keySet());
    for (String lib : libs) {
      Map<String, Long> sa = a.getOrDefault(lib, Map.of());
      Map<String, Long> sb = b.getOrDefault(lib, Map.of());
      List<Change> gained = sb.entrySet().stream().filter(e -> !sa.containsKey(e.getKey()))
          .map(e -> new Change(e.getKey(), 0, e.getValue())).toList();
      List<Change> lost = sa.entrySet().stream().filter(e -> !sb.containsKey(e.getKey()))
          .map(e -> new Change(e.getKey(), e.getValue(), 0)).toList();
      if (!gained.isEmpty() || !lost.isEmpty()) {
        out.add(new LibraryDiff(lib, sum(sa), sum(sb), gained, lost));
      }
    }
    return out;
  }

  private static long sum(Map<String, Long> m) {
    return m.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Whether any syscall set or phase name differs (different images or phase sources alone are not). */
  public boolean different() {
    return !phasesGained.isEmpty() || !phasesLost.isEmpty() || !libraries.isEmpty()
        || phases.values().stream().anyMatch(l -> !l.isEmpty());
  }

  public boolean imagesDiffer() {
    return !a.imageId().equals(b.imageId());
  }

  public boolean phaseSourcesDiffer() {
    return a.phasesFromEvents() != b.phasesFromEvents();
  }

  /** The diff as text: "+ libfoo: socket (0 -> 3)" lines under a libraries and a phases heading. */
  public void writeText(Appendable out) throws IOException {
    out.append("--- A ").append(a.label()).append('\n');
    out.append("+++ B ").append(b.label()).append('\n');
    if (imagesDiffer()) {
      out.append("the images differ: A is image ").append(a.imageId()).append(", B image ").append(b.imageId())
          .append(" (runs of different builds)\n");
    }
    if (phaseSourcesDiffer()) {
      out.append("the phases come from different sources: A's from ").append(source(a)).append(", B's from ")
          .append(source(b)).append('\n');
    }
    if (!libraries.isEmpty()) {
      out.append("\nlibraries\n");
      for (LibraryDiff l : libraries) {
        if (l.callsA() == 0) {
          out.append("+ ").append(l.library()).append(": new library (0 -> ").append(Long.toString(l.callsB()))
              .append(" calls)\n");
        } else if (l.callsB() == 0) {
          out.append("- ").append(l.library()).append(": library gone (").append(Long.toString(l.callsA()))
              .append(" -> 0 calls)\n");
        }
        changes(l, "", out);
      }
    }
    boolean phaseChanges = phases.values().stream().anyMatch(l -> !l.isEmpty());
    if (!phasesGained.isEmpty() || !phasesLost.isEmpty() || phaseChanges) {
      out.append("\nphases\n");
      for (String p : phasesGained) {
        out.append("+ phase ").append(p).append(" (only in B)\n");
      }
      for (String p : phasesLost) {
        out.append("- phase ").append(p).append(" (only in A)\n");
      }
      for (Map.Entry<String, List<LibraryDiff>> e : phases.entrySet()) {
        if (!e.getValue().isEmpty()) {
          out.append(e.getKey()).append(":\n");
          for (LibraryDiff l : e.getValue()) {
            changes(l, "  ", out);
          }
        }
      }
    }
    if (!different()) {
      out.append("no difference in syscall sets\n");
    }
  }

  private static void changes(LibraryDiff l, String indent, Appendable out) throws IOException {
    for (Change c : l.gained()) {
      out.append(indent).append("+ ").append(l.library()).append(": ").append(c.syscall()).append(" (0 -> ")
          .append(Long.toString(c.b())).append(")\n");
    }
    for (Change c : l.lost()) {
      out.append(indent).append("- ").append(l.library()).append(": ").append(c.syscall()).append(" (")
          .append(Long.toString(c.a())).append(" -> 0)\n");
    }
  }

  private static String source(Run r) {
    return r.phasesFromEvents() ? "the trace's phase events" : "the start-up rule (" + r.phaseRule() + ")";
  }

  public String toText() {
    StringBuilder sb = new StringBuilder();
    try {
      writeText(sb);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Terminal.escapeLines(sb); // library names come from the link maps
  }

  /** The diff as a JSON document ({@link #SCHEMA_VERSION}); gained syscalls with B's count, lost with A's. */
  public String toJson() {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("schema_version", SCHEMA_VERSION);
    ObjectNode runs = root.putObject("runs");
    for (Run r : List.of(a, b)) {
      runs.putObject(r == a ? "a" : "b").put("label", r.label()).put("image_id", r.imageId())
          .put("phase_source", r.phasesFromEvents() ? "events" : "rule").put("phase_rule", r.phaseRule());
    }
    root.put("images_differ", imagesDiffer());
    root.put("phase_sources_differ", phaseSourcesDiffer());
    root.put("different", different());
    libraries(root.putObject("libraries"), libraries);
    ObjectNode p = root.putObject("phases");
    phasesGained.forEach(p.putArray("gained")::add);
    phasesLost.forEach(p.putArray("lost")::add);
    ObjectNode by = p.putObject("libraries");
    phases.forEach((name, libs) -> libraries(by.putObject(name), libs));
    return SyscallTable.pretty(root);
  }

  private static void libraries(ObjectNode to, List<LibraryDiff> libs) {
    for (LibraryDiff l : libs) {
      ObjectNode n = to.putObject(l.library());
      n.put("calls_a", l.callsA()).put("calls_b", l.callsB());
      ObjectNode gained = n.putObject("gained");
      l.gained().forEach(c -> gained.put(c.syscall(), c.b()));
      ObjectNode lost = n.putObject("lost");
      l.lost().forEach(c -> lost.put(c.syscall(), c.a()));
    }
  }
}
