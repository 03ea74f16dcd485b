package dev.ukhook.aggregate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ukhook.attribution.Attribution;
import dev.ukhook.core.Terminal;
import dev.ukhook.core.TextTable;
import dev.ukhook.format.DecodedTrace;
import dev.ukhook.format.EventRecord;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.format.TraceStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Syscalls counted per microlibrary and syscall, in a fixed order: libraries by total calls (most first), then
 * by name; within a library, syscalls the same way. Calls with no return address in the map are the
 * {@link Attribution#UNATTRIBUTED_LIBRARY} row.
 */
public final class SyscallTable {
  /**
   * @param ticks summed {@code t_exit - t_enter}, in the trace's timestamp ticks
   * @param paths calls by the path they came through ({@link TraceLayout#PATHS} names), only those made
   * @param nested calls made while another syscall of the same thread was in progress ({@code nest > 0})
   * @param serving calls made in the serving phase (see {@link SyscallTable#servingFrom()})
   */
  public record SyscallCount(
      int nr, String name, long count, long refused, long ticks, Map<String, Long> paths, long nested,
      long serving, Detail detail) {
    public SyscallCount {
      paths = Collections.unmodifiableMap(new LinkedHashMap<>(paths));
    }

    public SyscallCount(int nr, String name, long count, long refused, long ticks, Map<String, Long> paths,
        long nested) {
      this(nr, name, count, refused, ticks, paths, nested, 0, Detail.NONE);
    }

    /** The key of {@link Detail#errnos()} for a counting image's errors beyond the errnos its cell names. */
    public static final String OTHER_ERRNOS = "other";

    /**
     * What the analysis adds ({@link Analysis}).
     *
     * @param errors the calls that returned an errno (-4095..-1), {@code errnos} by name
     * @param firstT the first call's entry tick ({@code lastT} the last's)
     * @param phases calls by phase name ({@link Analysis.Phases})
     */
    public record Detail(long errors, Map<String, Long> errnos, Latency latency, long firstSeq, long lastSeq,
        long firstT, long lastT, Map<String, Long> phases) {
      public static final Detail NONE = new Detail(0, Map.of(), Latency.NONE, -1, -1, 0, 0, Map.of());

      public Detail {
        errnos = Collections.unmodifiableMap(new LinkedHashMap<>(errnos));
        phases = Collections.unmodifiableMap(new LinkedHashMap<>(phases));
      }
    }
  }

  /** @param viaTransparentOnly some of its calls went only through transparent libraries (it is one of them) */
  public record LibraryCounts(String library, long total, long refused, long ticks, List<SyscallCount> syscalls,
      boolean viaTransparentOnly) {
    public LibraryCounts {
      syscalls = List.copyOf(syscalls);
    }

    public LibraryCounts(String library, long total, long refused, long ticks, List<SyscallCount> syscalls) {
      this(library, total, refused, ticks, syscalls, false);
    }
  }

  /**
   * What a filtering image's policy did: calls it let run but marked (log), calls that stopped the unikernel
   * (kill; they are refused too), calls its injection rules failed on purpose, and its events (policies put in
   * force or refused, phase switches).
   */
  public record Filter(long logged, long killed, long injected, List<EventRecord> events, List<String> phaseNames) {
    public Filter {
      events = List.copyOf(events);
      phaseNames = List.copyOf(phaseNames);
    }

    /** The same, its phases named as the run's policy names them ({@code phases:}). */
    public Filter withPhaseNames(List<String> names) {
      return new Filter(logged, killed, injected, events, names);
    }

    private String phase(int i) {
      return i < phaseNames.size() ? phaseNames.get(i) + " (" + i + ")" : Integer.toString(i);
    }

    boolean isEmpty() {
      return logged == 0 && killed == 0 && injected == 0 && events.isEmpty();
    }
  }

  private final TraceHeader header;
  private final TraceStats stats;
  private final Filter filter;
  private final List<LibraryCounts> libraries;
  private final List<String> problems;
  private final Map<String, Map<String, Long>> functions;
  private final Optional<Long> servingFrom;
  private final Mode mode;
  private final boolean counted;

  /** How the run saw its calls. */
  public enum Mode {
    /** A record per call from the guest. */
    TRACE,
    /** Counters in the guest ({@link Analysis#counted()}). */
    COUNT,
    /** A Linux program's calls from strace's log. */
    STRACE
  }

  SyscallTable(TraceHeader header, TraceStats stats, List<LibraryCounts> libraries, List<String> problems,
      Map<String, Map<String, Long>> functions, Optional<Long> servingFrom, Filter filter, Mode mode) {
    this.mode = mode;
    this.counted = mode == Mode.COUNT;
    this.filter = filter;
    this.servingFrom = servingFrom;
    this.header = header;
    this.stats = stats;
    this.libraries = List.copyOf(libraries);
    this.problems = List.copyOf(problems);
    this.functions = functions;
  }

  /**
   * The sequence number of the call that began the serving phase: the first accept or accept4, or the first
   * poll, select or epoll_wait after a listen; empty for a program that never served.
   */
  public Optional<Long> servingFrom() {
    return servingFrom;
  }

  public Filter filter() {
    return filter;
  }

  /** This table with its filter's phases named (see {@link Filter#withPhaseNames}). */
  public SyscallTable withPhaseNames(List<String> names) {
    return new SyscallTable(header, stats, libraries, problems, functions, servingFrom, filter.withPhaseNames(names),
        mode);
  }

  /** See {@link Analysis#counted()}. */
  public boolean counted() {
    return counted;
  }

  /** "object:function" to syscall name to count, for the calls charged to a function (sorted by name). */
  public Map<String, Map<String, Long>> functions() {
    return functions;
  }

  public List<LibraryCounts> libraries() {
    return libraries;
  }

  public TraceStats stats() {
    return stats;
  }

  /** What makes the counts untrustworthy, one line each (see {@link DecodedTrace#problems()}). */
  public List<String> problems() {
    return problems;
  }

  /** Calls none of whose return addresses lies in a mapped code range. */
  public long unattributed() {
    return libraries.stream().filter(l -> l.library().equals(Attribution.UNATTRIBUTED_LIBRARY))
        .mapToLong(LibraryCounts::total).sum();
  }

  /** The table as aligned plain text, one row per library and syscall and a total row per library. */
  public void writeText(Appendable out) throws IOException {
    List<String[]> rows = new ArrayList<>();
    boolean phases = servingFrom.isPresent();
    rows.add(phases ? new String[] {"library", "syscall", "count", "nested", "refused", "start-up", "serving"}
        : new String[] {"library", "syscall", "count", "nested", "refused"});
    for (LibraryCounts lib : libraries) {
      for (SyscallCount c : lib.syscalls()) {
        rows.add(row(phases, lib.library(), c.name(), c.count(), c.nested(), c.refused(), c.serving()));
      }
      rows.add(row(phases, lib.library(), "(total)", lib.total(),
          lib.syscalls().stream().mapToLong(SyscallCount::nested).sum(), lib.refused(),
          lib.syscalls().stream().mapToLong(SyscallCount::serving).sum()));
    }
    out.append(TextTable.render(rows, "ll" + "r".repeat(rows.get(0).length - 2)));
    if (phases) {
      out.append("\nserving from record #").append(Long.toString(servingFrom.get()))
          .append(" (the first accept, or the first poll/select/epoll_wait after a listen); start-up before it\n");
    }
    writeFunctions(out);
    if (!filter.isEmpty()) {
      long refused = libraries.stream().mapToLong(LibraryCounts::refused).sum();
      boolean policy = refused > 0 || filter.logged() > 0 || filter.injected() > 0
          || filter.events().stream().anyMatch(e -> e.event() != PolicyLayout.EVENT_MARK);
      // A trace-only image's phase marks are events too, but nothing was filtered.
      String marked = counted ? " (a counting image counts no killed or logged calls, and injected ones as refused)"
          : " (" + filter.killed() + " killed), " + filter.logged() + " logged, " + filter.injected() + " injected";
      out.append(policy ? "\nfilter: " + refused + " refused" + marked + "\n" : "\nevents (no policy in force)\n");
      for (EventRecord e : filter.events()) {
        out.append(pad("#" + e.seq(), 8, false)).append("  ").append(describe(filter, e)).append('\n');
      }
    }
    out.append('\n').append(summary()).append('\n');
  }

  /** The calls charged to functions of loaded programs, one line per function; nothing without such calls. */
  public void writeFunctions(Appendable out) throws IOException {
    if (functions.isEmpty()) {
      return;
    }
    out.append("\nfunction (the program's call charged to it)\n");
    int w = functions.keySet().stream().mapToInt(String::length).max().orElse(0);
    for (Map.Entry<String, Map<String, Long>> f : functions.entrySet()) {
      out.append(pad(f.getKey(), w, false)).append("  ").append(f.getValue().entrySet().stream()
          .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))).append('\n');
    }
  }

  /** One filter event as a line of the table's filter section. */
  public static String describe(Filter f, EventRecord e) {
    String switched = "phase " + f.phase(e.from()) + " -> " + f.phase(e.to());
    return switch (e.event()) {
      case PolicyLayout.EVENT_MARK -> switched + " (the program's ukhook_phase)";
      case PolicyLayout.EVENT_RULE -> switched + " (a switch rule, on the return of #" + e.cause() + ")";
      case PolicyLayout.EVENT_POLICY -> "policy " + Long.toHexString(e.policy()) + " in force, phase " + f.phase(e.to());
      case PolicyLayout.EVENT_REFUSED -> "refused policy " + Long.toHexString(e.refused()) + ": "
          + PolicyLayout.refusal(e.reason()) + "; policy " + Long.toHexString(e.policy()) + " stays";
      default -> e.eventName();
    };
  }

  private static String[] row(boolean phases, String library, String syscall, long count, long nested, long refused,
      long serving) {
    String[] r = {library, syscall, Long.toString(count), Long.toString(nested), Long.toString(refused)};
    if (!phases) {
      return r;
    }
    String[] p = Arrays.copyOf(r, 7);
    p[5] = Long.toString(count - serving);
    p[6] = Long.toString(serving);
    return p;
  }

  public String toText() {
    StringBuilder sb = new StringBuilder();
    try {
      writeText(sb);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Terminal.escapeLines(sb); // library and function names come from the link map and the guest
  }

  /** The line under the table: how many records, whether any are missing, and whether to trust the counts. */
  public String summary() {
    String said = problems.isEmpty() ? ""
        : "; " + problems.size() + (problems.size() == 1 ? " problem" : " problems") + ": the counts may be wrong";
    if (mode == Mode.STRACE) {
      return "program " + header.imageId() + ": " + stats.received() + " calls in strace's log" + said;
    }
    String lost =
        stats.missingIsExact()
            ? stats.dropped() + " dropped by the guest, " + stats.missing() + " missing"
            : stats.missing() + " missing or dropped ("
                + (stats.finalRecord().isPresent() ? "the final record is corrupted" : "no final record") + ")";
    long unattributed = unattributed();
    String calls = counted ? libraries.stream().mapToLong(LibraryCounts::total).sum() + " calls counted in the guest ("
        + byPath() + "), " + stats.received() + " records" : stats.received() + " records (" + byPath() + ")";
    return "image " + header.imageId() + ": " + calls + ", " + lost
        + (unattributed > 0 ? ", " + unattributed + " unattributed" : "") + said;
  }

  /**
   * How the calls came: "binary 18" or "binary 0, native_raw 97, native_errno 3, stub 1" (a counting image does not
   * count that), and how many nested.
   */
  private String byPath() {
    Map<String, Long> paths = new LinkedHashMap<>();
    TraceLayout.PATHS.forEach(p -> paths.put(p.name(), 0L));
    long nested = 0;
    for (LibraryCounts lib : libraries) {
      for (SyscallCount c : lib.syscalls()) {
        c.paths().forEach((path, n) -> paths.merge(path, n, Long::sum));
        nested += c.nested();
      }
    }
    String by = counted ? "paths not counted" : paths.entrySet().stream()
        .filter(e -> e.getValue() > 0 || e.getKey().equals("binary"))
        .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    return by + (nested > 0 ? "; " + nested + " nested in another call" : "");
  }

  private static String pad(String s, int width, boolean right) {
    String fill = " ".repeat(width - s.length());
    return right ? fill + s : s + fill;
  }

  /** The table as a JSON document, keys in the table's order. */
  public void writeJson(Appendable out) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("image_id", header.imageId());
    root.put("mode", mode());
    root.put("ts_hz", header.tsHz());
    root.put("records", stats.received());
    root.put("dropped", stats.dropped());
    root.put("missing", stats.missing());
    root.put("final_record", stats.finalRecord().isPresent());
    root.put("unattributed", unattributed());
    servingFrom.ifPresent(seq -> root.put("serving_from_seq", seq));
    ArrayNode problemLines = root.putArray("problems");
    problems.forEach(problemLines::add);
    ObjectNode libs = root.putObject("libraries");
    for (LibraryCounts lib : libraries) {
      ObjectNode l = libs.putObject(lib.library());
      l.put("total", lib.total());
      l.put("refused", lib.refused());
      l.put("ticks", lib.ticks());
      ObjectNode calls = l.putObject("syscalls");
      lib.syscalls().forEach(c -> calls.put(c.name(), c.count()));
      // By path (null: not counted), and how many were nested (the rest were made by application-level code).
      if (counted) {
        l.putNull("paths");
      } else {
        ObjectNode paths = l.putObject("paths");
        for (SyscallCount c : lib.syscalls()) {
          ObjectNode byPath = paths.putObject(c.name());
          c.paths().forEach(byPath::put);
        }
      }
      ObjectNode nested = l.putObject("nested");
      lib.syscalls().stream().filter(c -> c.nested() > 0).forEach(c -> nested.put(c.name(), c.nested()));
      if (servingFrom.isPresent()) {
        ObjectNode serving = l.putObject("serving");
        lib.syscalls().stream().filter(c -> c.serving() > 0).forEach(c -> serving.put(c.name(), c.serving()));
      }
    }
    if (!filter.isEmpty()) {
      ObjectNode f = root.putObject("filter");
      if (counted) { // not counted
        f.putNull("logged").putNull("killed").putNull("injected");
      } else {
        f.put("logged", filter.logged()).put("killed", filter.killed()).put("injected", filter.injected());
      }
      ArrayNode events = f.putArray("events");
      for (EventRecord e : filter.events()) {
        events.addObject().put("seq", e.seq()).put("event", e.eventName()).put("from", e.from()).put("to", e.to())
            .put("policy", Long.toHexString(e.policy())).put("reason", e.reason() == 0 ? null
                : PolicyLayout.refusal(e.reason()));
      }
    }
    if (!functions.isEmpty()) {
      ObjectNode fs = root.putObject("functions");
      functions.forEach((f, calls) -> calls.forEach(fs.putObject(f)::put));
    }
    out.append(pretty(root));
  }

  /** How the run saw its calls: "trace", "count" or "strace" ({@link Mode}). */
  public String mode() {
    return mode.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** {@code root} indented by two spaces, "\n" line ends and a final newline: byte-identical on every platform. */
  public static String pretty(ObjectNode root) {
    return pretty(root, new DefaultIndenter("  ", "\n"));
  }

  /** {@code root} indented the same way, each array on one line (or as {@code arrays} indents them). */
  public static String pretty(ObjectNode root, DefaultPrettyPrinter.Indenter arrays) {
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter()
            .withSeparators(
                Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(arrays);
    try {
      return new ObjectMapper().writer(printer).writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers always serialises", e);
    }
  }

  public String toJson() {
    StringBuilder sb = new StringBuilder();
    try {
      writeJson(sb);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sb.toString();
  }
}
