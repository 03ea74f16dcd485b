package dev.ukhook.aggregate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ukhook.format.SyscallNames;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Two runs side by side (docs/linux-vs-unikraft.md): a unikernel and a Linux program, two unikernels, two Linux runs.
 * The libraries of each side are put in groups first ({@link #defaultGroup}: the program, its libc, the rest; or a
 * mapping), since one side's microlibrary is the other side's shared object or program. Per group and syscall the
 * counts and errors of each side; the syscalls only one side makes; the sets per phase; and each side's security
 * estimate.
 *
 * @param a run A's label, estimate and group sets per phase ({@code b} likewise)
 * @param rows per group (in first-seen order, A's first) and syscall (by name): both sides' counts and errors
 */
public record RunCompare(Side a, Side b, List<Row> rows) {
  /** Schema of {@link #toJson()}. */
  public static final int SCHEMA_VERSION = 1;

  /** The group of the program's own code. */
  public static final String PROGRAM = "program";
  /** The group of the C library and the dynamic loader. */
  public static final String LIBC = "libc";
  /** The group of every other library. */
  public static final String OTHER = "other";

  /**
   * One run.
   *
   * @param phases per phase name, per group, the syscalls it made (by name, sorted)
   */
  public record Side(String label, Map<String, Map<String, List<String>>> phases, SecurityEstimate security) {}

  /** One group's syscall: its calls and errors on each side (0 and 0 on a side that never made it). */
  public record Row(String group, String syscall, long countA, long countB, long errorsA, long errorsB) {
    /** "A" or "B" when only that side made it, else "". */
    public String only() {
      return countA == 0 ? "B" : countB == 0 ? "A" : "";
    }
  }

  /**
   * The default group of {@code library}: {@value #PROGRAM} for the application (a Unikraft {@code app*}
   * microlibrary, or a Linux run's program, {@code program}), {@value #LIBC} for a C library and loader (libmusl,
   * libnewlibc, libnolibc; libc.so, ld-linux, libpthread), {@value #OTHER} for the rest; {@code <unattributed>} stays.
   */
  public static String defaultGroup(String library, String program) {
    if (library.equals(program) || library.startsWith("app")) {
      return PROGRAM;
    }
    if (List.of("libmusl", "libnewlibc", "libnolibc").contains(library) || library.startsWith("libc.so")
        || library.startsWith("ld-linux") || library.startsWith("libpthread.so")) {
      return LIBC;
    }
    return library.startsWith("<") ? library : OTHER;
  }

  /** Compares {@code a} and {@code b}, their libraries grouped by {@code groupA} and {@code groupB}. */
  public static RunCompare of(String labelA, Analysis a, Function<String, String> groupA, String labelB, Analysis b,
      Function<String, String> groupB) {
    Map<String, Map<String, long[]>> counts = new LinkedHashMap<>();
    add(counts, a.table(), groupA, 0);
    add(counts, b.table(), groupB, 1);
    List<Row> rows = new ArrayList<>();
    counts.forEach((group, bySyscall) -> bySyscall.forEach((syscall, c) ->
        rows.add(new Row(group, syscall, c[0], c[1], c[2], c[3]))));
    return new RunCompare(side(labelA, a, groupA), side(labelB, b, groupB), rows);
  }

  private static void add(Map<String, Map<String, long[]>> counts, SyscallTable t, Function<String, String> group,
      int side) {
    for (SyscallTable.LibraryCounts lib : t.libraries()) {
      Map<String, long[]> g = counts.computeIfAbsent(group.apply(lib.library()), k -> new TreeMap<>());
      for (SyscallTable.SyscallCount s : lib.syscalls()) {
        long[] c = g.computeIfAbsent(s.name(), k -> new long[4]);
        c[side] += s.count();
        c[2 + side] += s.detail().errors();
      }
    }
  }

  private static Side side(String label, Analysis a, Function<String, String> group) {
    Map<String, Map<String, List<String>>> phases = new LinkedHashMap<>();
    for (String phase : a.phases().names()) {
      Map<String, BitSet> byGroup = new TreeMap<>();
      a.phases().sets().forEach((lib, byPhase) -> Optional.ofNullable(byPhase.get(phase))
          .ifPresent(set -> byGroup.computeIfAbsent(group.apply(lib), g -> new BitSet()).or(set)));
      Map<String, List<String>> named = new LinkedHashMap<>();
      byGroup.forEach((g, set) -> named.put(g, set.stream().mapToObj(SyscallNames::name).sorted().toList()));
      phases.put(phase, named);
    }
    return new Side(label, phases, a.security());
  }

  /** The syscalls only {@code side} ("A" or "B") made, per group. */
  public Map<String, List<String>> only(String side) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    rows.stream().filter(r -> r.only().equals(side))
        .forEach(r -> m.computeIfAbsent(r.group(), g -> new ArrayList<>()).add(r.syscall()));
    return m;
  }

  public String toText() {
    StringBuilder t = new StringBuilder();
    t.append("A ").append(a.label()).append("\nB ").append(b.label()).append("\n\n");
    int w = Math.max(5, rows.stream().mapToInt(r -> r.group().length()).max().orElse(0));
    int sw = Math.max(7, rows.stream().mapToInt(r -> r.syscall().length()).max().orElse(0));
    t.append(String.format(Locale.ROOT, "%-" + w + "s  %-" + sw + "s  %8s  %8s  %8s  %8s  %s%n", "group", "syscall",
        "A", "B", "A errors", "B errors", "only"));
    for (Row r : rows) {
      t.append(String.format(Locale.ROOT, "%-" + w + "s  %-" + sw + "s  %8d  %8d  %8d  %8d  %s%n", r.group(),
          r.syscall(), r.countA(), r.countB(), r.errorsA(), r.errorsB(), r.only()).stripTrailing()).append('\n');
    }
    for (String s : List.of("A", "B")) {
      t.append("\nonly ").append(s).append(':');
      Map<String, List<String>> only = only(s);
      if (only.isEmpty()) {
        t.append(" nothing");
      }
      only.forEach((g, calls) -> t.append("\n  ").append(g).append(": ").append(String.join(", ", calls)));
      t.append('\n');
    }
    for (Side s : List.of(a, b)) {
      t.append("\nphases of ").append(s == a ? "A" : "B").append(':');
      s.phases().forEach((phase, groups) -> groups.forEach((g, calls) -> t.append("\n  ").append(phase).append(' ')
          .append(g).append(" (").append(calls.size()).append("): ").append(String.join(", ", calls))));
      t.append('\n');
    }
    t.append('\n');
    for (Side s : List.of(a, b)) {
      SecurityEstimate e = s.security();
      t.append("security of ").append(s == a ? "A" : "B").append(": ").append(e.image().syscalls())
          .append(" syscalls, P_image ").append(e.image().score()).append(", P_app ").append(e.pApp());
      e.perLibraryReduction().ifPresent(r -> t.append(String.format(Locale.ROOT,
          ", per-library reduction mean %.1f%% worst %.1f%%", 100 * r.mean(), 100 * r.worst())));
      t.append('\n');
    }
    return t.toString();
  }

  public ObjectNode toJson() {
    ObjectMapper m = new ObjectMapper();
    ObjectNode root = m.createObjectNode();
    root.put("schema_version", SCHEMA_VERSION);
    ArrayNode runs = root.putArray("runs");
    for (Side s : List.of(a, b)) {
      ObjectNode r = runs.addObject();
      r.put("label", s.label());
      r.set("phases", m.valueToTree(s.phases()));
      s.security().toJson(r.putObject("security"));
    }
    ArrayNode rs = root.putArray("rows");
    for (Row r : rows) {
      rs.addObject().put("group", r.group()).put("syscall", r.syscall()).put("count_a", r.countA())
          .put("count_b", r.countB()).put("errors_a", r.errorsA()).put("errors_b", r.errorsB())
          .put("only", r.only());
    }
    root.set("only_a", m.valueToTree(only("A")));
    root.set("only_b", m.valueToTree(only("B")));
    return root;
  }
}
