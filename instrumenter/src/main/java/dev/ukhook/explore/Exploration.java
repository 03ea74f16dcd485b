package dev.ukhook.explore;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ukhook.aggregate.SecurityEstimate;
import dev.ukhook.attribution.Attribution;
import dev.ukhook.core.JsonFiles;
import dev.ukhook.core.TextFiles;
import dev.ukhook.core.TextTable;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.explore.ExplorePlan.How;
import dev.ukhook.explore.ExplorePlan.Job;
import dev.ukhook.format.SyscallNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What an exploration found (docs/explore.md): per (library, syscall) pair of the baseline, whether the program
 * still passed its check with the call failed or faked, and the calls that appeared only when one was. Pure: it
 * reads job results, it runs nothing.
 */
public final class Exploration {
  /**
   * One job's outcome, as `explore --job` writes it ({@code job-N.json}).
   *
   * @param ok the run passed the exploration's check (its console pattern, its load)
   * @param why what failed, when not ok
   * @param injected how many calls the rule failed: 0 means the run never reached the pair; {@link #UNKNOWN} when
   *     the run lost records (it crashed before its stream was up), so that it may have
   * @param calls library -> syscall -> count, the run's table
   */
  public record Result(int index, String inject, boolean ok, String why, long injected, String runDir,
      SortedMap<String, SortedMap<String, Long>> calls) {
    public static final String FILE = "job-%d.json";
    public static final long UNKNOWN = -1;

    /** The file of job {@code index}'s result in {@code dir}. */
    public static Path file(Path dir, int index) {
      return dir.resolve(String.format(FILE, index));
    }

    public void write(Path dir) {
      try {
        TextFiles.write(file(dir, index), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this) + "\n");
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Job {@code job}'s result in {@code dir}, if it is there and is that job's (same rule). */
    public static Optional<Result> read(Path dir, Job job) {
      Path f = file(dir, job.index());
      if (!Files.isRegularFile(f)) {
        return Optional.empty();
      }
      Result r = JsonFiles.read(f, "job result", JSON, Result.class, Kind.USAGE, "delete it to run the job again");
      return r.index() == job.index() && job.inject().equals(r.inject()) ? Optional.of(r) : Optional.empty();
    }
  }

  /** What a pair's jobs say: each how's job, and its outcome (null for no result). */
  public record Pair(String library, String syscall, Map<How, Job> jobs, Map<How, Result> results) {
    /** required / can fail / can be faked / can fail or be faked / not reached / pending. */
    public String verdict() {
      if (results.values().stream().anyMatch(r -> r == null)) {
        return "pending";
      }
      if (results.values().stream().allMatch(r -> r.injected() == 0)) {
        return "not reached";
      }
      boolean fails = ok(How.ENOSYS) || ok(How.ERRNO);
      boolean faked = ok(How.FAKE);
      return fails && faked ? "can fail or be faked" : fails ? "can fail" : faked ? "can be faked" : "required";
    }

    private boolean ok(How how) {
      Result r = results.get(how);
      return r != null && r.ok() && r.injected() != 0;
    }

    String cell(How how) {
      if (!jobs.containsKey(how)) {
        return "-";
      }
      Result r = results.get(how);
      String rule = how == How.ERRNO ? errnoOf(jobs.get(how).inject()) + " " : "";
      return rule + (r == null ? "?" : r.injected() == 0 ? "not reached" : r.ok() ? "ok"
          : r.injected() == Result.UNKNOWN ? "fails (records lost)" : "fails");
    }
  }

  /** A call made only in runs where another one failed. */
  public record ErrorPathCall(String library, String syscall, long count, List<String> revealedBy) {}

  static final ObjectMapper JSON = new ObjectMapper();

  private final ExplorePlan plan;
  private final List<Pair> pairs = new ArrayList<>();
  private final List<ErrorPathCall> errorPaths = new ArrayList<>();
  private final int missing;
  private final List<String> damaged = new ArrayList<>();

  /** Gathers the results of {@code plan}'s jobs found in {@code dirs}. */
  public Exploration(ExplorePlan plan, List<Path> dirs) {
    this.plan = plan;
    SortedMap<String, SortedMap<String, Long>> baseline = plan.calls();
    Map<String, Pair> byPair = new LinkedHashMap<>();
    SortedMap<String, SortedMap<String, ErrorPathCall>> paths = new TreeMap<>();
    int absent = 0;
    for (Job j : plan.jobs()) {
      Result r = null;
      for (Path d : dirs) {
        try {
          r = r != null ? r : Result.read(d, j).orElse(null);
        } catch (UkhookException e) {
          damaged.add(e.getMessage()); // that job is missing; the others count
        }
      }
      absent += r == null ? 1 : 0;
      Pair pair = byPair.computeIfAbsent(j.library() + "\0" + j.syscall(), k -> new Pair(j.library(), j.syscall(),
          new LinkedHashMap<>(), new LinkedHashMap<>()));
      pair.jobs().put(j.how(), j);
      pair.results().put(j.how(), r);
      if (r == null) {
        continue;
      }
      r.calls().forEach((lib, calls) -> calls.forEach((s, n) -> {
        if (!baseline.getOrDefault(lib, new TreeMap<>()).containsKey(s)) {
          ErrorPathCall old = paths.computeIfAbsent(lib, k -> new TreeMap<>()).get(s);
          List<String> by = new ArrayList<>(old == null ? List.of() : old.revealedBy());
          by.add(j.inject());
          paths.get(lib).put(s, new ErrorPathCall(lib, s, (old == null ? 0 : old.count()) + n, by));
        }
      }));
    }
    pairs.addAll(byPair.values());
    paths.values().forEach(m -> errorPaths.addAll(m.values()));
    missing = absent;
  }

  public List<Pair> pairs() {
    return pairs;
  }

  public List<ErrorPathCall> errorPaths() {
    return errorPaths;
  }

  /** The result files that could not be read, one line each (their jobs are {@link #missing}). */
  public List<String> damaged() {
    return damaged;
  }

  /** Jobs without a result in the directories given. */
  public int missing() {
    return missing;
  }

  /** ERRNO of a rule's {@code :error=ERRNO}, or "". */
  private static String errnoOf(String rule) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile(":error=([^:]+)").matcher(rule);
    return m.find() ? m.group(1) : "";
  }

  /** Per library that error paths add calls to: its syscalls in the baseline, and with the error paths. */
  public SortedMap<String, int[]> growth() {
    SortedMap<String, int[]> g = new TreeMap<>();
    errorPaths.forEach(e -> g.computeIfAbsent(e.library(), l -> new int[] {plan.calls().getOrDefault(l,
        new TreeMap<>()).size(), plan.calls().getOrDefault(l, new TreeMap<>()).size()})[1]++);
    return g;
  }

  /**
   * The security estimate (docs/security-estimate.md) of the baseline's calls per library, and of them with the
   * error-path calls found: what an estimate from the baseline alone leaves out. Calls charged to no library are left
   * out, as `ukhook report` leaves them out.
   */
  public List<SecurityEstimate> estimates() {
    Map<String, Map<String, BitSet>> baseline = new TreeMap<>();
    plan.calls().forEach((lib, calls) -> calls.keySet().stream()
        .filter(s -> !lib.equals(Attribution.UNATTRIBUTED_LIBRARY))
        .forEach(s -> allow(baseline, lib, s)));
    Map<String, Map<String, BitSet>> explored = new TreeMap<>();
    baseline.forEach((lib, sets) -> allow(explored, lib, null).or(sets.get(PHASE)));
    errorPaths.forEach(e -> allow(explored, e.library(), e.syscall()));
    return List.of(SecurityEstimate.of(List.of(PHASE), baseline), SecurityEstimate.of(List.of(PHASE), explored));
  }

  private static final String PHASE = "all";

  /** {@code lib}'s set in {@code sets}, with {@code syscall} added when it has a number. */
  private static BitSet allow(Map<String, Map<String, BitSet>> sets, String lib, String syscall) {
    BitSet set = sets.computeIfAbsent(lib, l -> new TreeMap<>()).computeIfAbsent(PHASE, p -> new BitSet());
    Integer nr = syscall == null ? null : SyscallNames.byName().get(syscall);
    if (nr != null) {
      set.set(nr);
    }
    return set;
  }

  /** The baseline's (library, syscall) pairs an exploration can fail ({@link ExplorePlan#explorable}). */
  private long baselinePairs() {
    return plan.calls().entrySet().stream().mapToLong(e -> e.getValue().keySet().stream()
        .filter(s -> ExplorePlan.explorable(e.getKey(), s)).count()).sum();
  }

  /** The pairs with a result from at least one of their runs. */
  private List<Pair> explored() {
    return pairs.stream().filter(p -> p.results().values().stream().anyMatch(r -> r != null)).toList();
  }

  /** The estimate's lines: what was explored, and P_app and the per-library reduction before and after. */
  private String estimateText() {
    List<SecurityEstimate> e = estimates();
    String[] worst = e.stream().map(x -> x.perLibraryReduction().map(r -> String.format(java.util.Locale.ROOT,
        "%.1f%%", r.worst() * 100)).orElse("none")).toArray(String[]::new);
    int done = explored().size();
    return "\nsecurity estimate (docs/security-estimate.md), the baseline's allowlists -> with the error paths found:\n"
        + "  explored: " + done + " of the baseline's " + baselinePairs() + " (library, syscall) pairs, each failed with "
        + "ENOSYS and its likely errno, and faked (0) where that makes sense (the table above); not explored: calls no "
        + "baseline run made, paths that need other inputs or timing\n"
        + "  P_app " + e.get(0).pApp() + " -> " + e.get(1).pApp() + ", image " + e.get(0).image().score() + " -> "
        + e.get(1).image().score() + "; per-library reduction, worst: " + worst[0] + " -> " + worst[1] + "\n";
  }

  /** The table per library, then the error-path calls and how they grow each library's allowlist. */
  public String toText() {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"library", "syscall", "ENOSYS", "likely errno", "faked (0)", "verdict"});
    for (Pair p : pairs) {
      rows.add(new String[] {p.library(), p.syscall(), p.cell(How.ENOSYS), p.cell(How.ERRNO), p.cell(How.FAKE),
          p.verdict()});
    }
    StringBuilder sb = new StringBuilder(TextTable.render(rows, "llllll"));
    if (errorPaths.isEmpty()) {
      sb.append("\nno call appeared only on an error path\n");
    } else {
      sb.append("\ncalls made only when another failed (library, syscall, calls over the runs: the rules that showed "
          + "them)\n");
      for (ErrorPathCall e : errorPaths) {
        sb.append("  ").append(e.library()).append("  ").append(e.syscall()).append("  ").append(e.count())
            .append(": ").append(String.join(", ", e.revealedBy())).append('\n');
      }
    }
    growth().forEach((lib, n) -> sb.append(sb.indexOf("\nallowlists") < 0 ? "\nallowlists, the baseline's and with "
        + "the error paths (what an estimate from the baseline alone leaves out):\n" : "").append("  ").append(lib)
        .append("  ").append(n[0]).append(" -> ").append(n[1]).append(" syscalls\n"));
    sb.append(estimateText());
    long done = plan.jobs().size() - missing;
    sb.append('\n').append(done).append(" of ").append(plan.jobs().size()).append(" runs")
        .append(missing == 0 ? "" : "; " + missing + " without a result yet (pending)").append('\n');
    return sb.toString();
  }

  /** The error-path calls an exploration wrote ({@code explore.json} in its results directory {@code dir}). */
  public static List<ErrorPathCall> errorPaths(Path dir) {
    Path f = dir.resolve("explore.json");
    com.fasterxml.jackson.databind.JsonNode root = JsonFiles.read(f, "exploration", JSON,
        com.fasterxml.jackson.databind.JsonNode.class, Kind.USAGE, "merge the exploration again (ukhook explore "
            + "--plan FILE --merge DIR)");
    List<ErrorPathCall> calls = new ArrayList<>();
    for (com.fasterxml.jackson.databind.JsonNode c : root.path("error_path_calls")) {
      List<String> by = new ArrayList<>();
      c.path("revealed_by").forEach(r -> by.add(r.asText()));
      if (!c.path("library").isTextual() || !c.path("syscall").isTextual() || by.isEmpty()) {
        throw new UkhookException(Kind.USAGE, f + ": an error_path_calls entry lacks library, syscall or revealed_by: "
            + "merge the exploration again");
      }
      calls.add(new ErrorPathCall(c.get("library").asText(), c.get("syscall").asText(), c.path("count").asLong(), by));
    }
    return calls;
  }

  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("baseline", plan.baseline());
    root.put("runs", plan.jobs().size());
    root.put("missing", missing);
    ArrayNode ps = root.putArray("pairs");
    for (Pair p : pairs) {
      ObjectNode o = ps.addObject().put("library", p.library()).put("syscall", p.syscall())
          .put("verdict", p.verdict());
      p.results().forEach((how, r) -> {
        ObjectNode h = o.putObject(how.lower());
        if (r != null) {
          h.put("inject", r.inject()).put("ok", r.ok()).put("injected", r.injected()).put("why", r.why())
              .put("run", r.runDir());
        }
      });
    }
    ObjectNode grows = root.putObject("allowlists");
    growth().forEach((lib, n) -> grows.putObject(lib).put("baseline", n[0]).put("with_error_paths", n[1]));
    ObjectNode estimate = root.putObject("security_estimate");
    List<SecurityEstimate> e2 = estimates();
    e2.get(0).toJson(estimate.putObject("baseline"));
    e2.get(1).toJson(estimate.putObject("with_error_paths"));
    ArrayNode explored = estimate.putArray("explored");
    explored().forEach(p -> explored.add(p.library() + " " + p.syscall()));
    ArrayNode es = root.putArray("error_path_calls");
    errorPaths.forEach(e -> {
      ObjectNode o = es.addObject().put("library", e.library()).put("syscall", e.syscall()).put("count", e.count());
      e.revealedBy().forEach(o.putArray("revealed_by")::add);
    });
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
