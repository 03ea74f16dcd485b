package dev.ukhook.policy;

import dev.ukhook.attribution.Attribution;
import dev.ukhook.attribution.Attributor;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.CountSnapshot;
import dev.ukhook.format.Errnos;
import dev.ukhook.format.EventRecord;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.format.RunDir;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceDecoder;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.policy.PolicySpec.Action;
import dev.ukhook.policy.PolicySpec.Library;
import dev.ukhook.report.RunReader;
import dev.ukhook.report.RunReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Infers a policy from runs (docs/policy.md, "Inferring a policy"): every system call each microlibrary made,
 * per phase, unioned over the runs, with warnings where the evidence is thin. Feed it each run's attributed
 * calls in stream order ({@link #run}, then {@link #add} per call), then take the {@link #result()};
 * {@link #addRunDir} does that for a run directory.
 *
 * <p>A trace shows only the paths a run took, so an inferred policy is a starting point to review: a call made
 * only on a rare path (an error, a signal, a request the runs never sent) is missing and will be refused.
 */
public final class PolicyInference {
  /** A library that made fewer calls than this over all runs is warned about: its evidence is thin. */
  public static final int THIN_EVIDENCE = 5;

  /**
   * An inferred policy.
   *
   * @param yaml the policy file: libraries and syscalls by name, each syscall with its count as a comment
   * @param warnings what to review before using it, one line each
   */
  public record Result(PolicySpec spec, String yaml, List<String> warnings) {
    public Result {
      warnings = List.copyOf(warnings);
    }
  }

  // Plain YAML scalars that read back as the same string: not a number, bool or null word, no special characters.
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");
  private static final Set<String> YAML_WORDS = Set.of("y", "n", "yes", "no", "on", "off", "true", "false",
      "null");

  private final List<String> phases;
  private final Supplier<Function<SyscallRecord, String>> phaseTrackers;
  private final List<String> runs = new ArrayList<>();
  private final Set<String> images = new LinkedHashSet<>();
  private final Set<String> imageLibraries = new TreeSet<>();
  private final List<Set<String>> transparentSets = new ArrayList<>();
  // library -> phase -> syscall nr -> {calls, failed calls}
  private final Map<String, Map<String, Map<Integer, long[]>>> calls = new TreeMap<>();
  private final Map<Integer, Long> unattributed = new TreeMap<>();
  // library -> syscall nr -> what showed it: calls made only on error paths (ukhook explore), allowed in every phase
  private final Map<String, Map<Integer, String>> errorPaths = new TreeMap<>();
  private final List<String> runWarnings = new ArrayList<>();
  private long refused;
  private long seen;
  private Function<SyscallRecord, String> phaseOf;
  // With sequences: library -> previous call (SEQ_START) -> next calls; each thread's last call per library.
  private boolean sequences;
  private final Map<String, SortedMap<Integer, SortedSet<Integer>>> transitions = new TreeMap<>();
  private final Map<String, Integer> lastCall = new java.util.HashMap<>();
  private boolean crowded;

  /** Inference for policies of one phase, {@value PolicySpec#ALL_PHASES}. */
  public PolicyInference() {
    this(List.of(PolicySpec.ALL_PHASES), () -> r -> PolicySpec.ALL_PHASES);
  }

  /**
   * @param phases the policy's phases, the first where programs start
   * @param phaseTrackers makes, for each run, the function that names the phase a call was made in; it sees the
   *     run's calls in stream order, so it may follow switches
   */
  public PolicyInference(List<String> phases, Supplier<Function<SyscallRecord, String>> phaseTrackers) {
    if (phases.isEmpty()) {
      throw new IllegalArgumentException("a policy has at least one phase");
    }
    this.phases = List.copyOf(phases);
    this.phaseTrackers = phaseTrackers;
  }

  /**
   * Infers each library's sequence too (docs/policy.md, "Sequences"): the calls it made after each of its calls in
   * the same thread, as the guest checks them. Only traced runs show the order of calls.
   */
  public PolicyInference withSequences() {
    sequences = true;
    return this;
  }

  /**
   * Begins a run; the calls {@link #add}ed next are its own.
   *
   * @param name how the policy's header names the run (its directory)
   * @param imageLibraries the microlibraries of the run's image ({@link LinkMap#libraries()})
   * @param transparent the libraries the run's attribution looked through
   */
  public PolicyInference run(String name, String imageId, Set<String> imageLibraries, Set<String> transparent) {
    runs.add(name.replace('\n', ' ') + " (image " + imageId + ")");
    images.add(imageId);
    this.imageLibraries.addAll(imageLibraries);
    Set<String> t = new TreeSet<>(transparent);
    t.retainAll(imageLibraries); // a name the image lacks (glibc, another libc) is no microlibrary of it
    transparentSets.add(t);
    phaseOf = phaseTrackers.get();
    lastCall.clear();
    return this;
  }

  /** Adds a call of the current run, charged to {@code a}; a refused call is left out, it did not run. */
  public PolicyInference add(Attribution a, SyscallRecord r) {
    if (phaseOf == null) {
      throw new IllegalStateException("add() before run()");
    }
    String phase = phaseOf.apply(r);
    if (!phases.contains(phase)) {
      throw new IllegalStateException("phase " + phase + " of record " + r.seq() + " is not one of " + phases);
    }
    boolean ran = !r.refused() && !r.injected();
    if (sequences && ran) {
      follow(a, r);
    }
    return ran ? count(a, phase, r.nr(), 1, r.ret() < 0 ? 1 : 0, 0) : count(a, phase, r.nr(), 0, 0, 1);
  }

  /**
   * A call that ran, as the guest's sequence check sees it: each thread's calls per library, but the program's end and
   * calls of syscalls the image lacks (a stub decides nothing).
   */
  private void follow(Attribution a, SyscallRecord r) {
    if (a.isUnattributed() || r.path() == TraceLayout.PATH_STUB || PolicyCompiler.ALWAYS_ALLOWED.contains(r.nr())) {
      return;
    }
    crowded |= r.thread() == 0xffff;
    Integer prev = lastCall.put(r.thread() + " " + a.library(), r.nr());
    transitions.computeIfAbsent(a.library(), l -> new TreeMap<>())
        .computeIfAbsent(prev == null ? PolicyLayout.SEQ_START : prev, p -> new TreeSet<>()).add(r.nr());
  }

  /**
   * Adds a counting image's cells as the current run's calls: each cell's library as the guest charged it, its
   * phase by number (all in the one phase of inference without phases).
   */
  public PolicyInference add(CountSnapshot counts, Attributor attributor) {
    if (sequences) {
      throw new UkhookException(Kind.USAGE, runs.get(runs.size() - 1) + " is a counting run: it holds how often each"
          + " library made each call, not in which order; infer sequences from traced runs (`ukhook trace` without"
          + " --count)");
    }
    for (CountSnapshot.Cell c : counts.cells()) {
      if (c.phase() >= phases.size() && phases.size() > 1) {
        throw new UkhookException(Kind.FAILURE, runs.get(runs.size() - 1) + ": its counts name phase " + c.phase()
            + " but its trace switches only among " + phases + ": the counts record is corrupted; infer from the"
            + " other runs");
      }
      String phase = phases.get(phases.size() == 1 ? 0 : c.phase());
      // A refused call returned an errno too: it is among the errors, and not among the calls that ran.
      attributor.ofCell(c.lib()).ifPresent(a -> count(a, phase, c.nr(), c.calls() - c.refused(),
          Math.max(0, c.errors() - c.refused()), c.refused()));
    }
    return this;
  }

  /** Counts {@code ran} calls of {@code nr} charged to {@code a}, {@code failed} of them failing, and the refused. */
  private PolicyInference count(Attribution a, String phase, int nr, long ran, long failed, long refusedCalls) {
    seen += ran + refusedCalls;
    refused += refusedCalls;
    if (ran == 0) {
      return this;
    }
    if (a.isUnattributed()) {
      unattributed.merge(nr, ran, Long::sum);
    } else {
      // A call with only transparent libraries on its path is charged to the outermost one, in the guest as here:
      // that library's rules decide it (a thread's start in libmusl, say).
      long[] c = calls.computeIfAbsent(a.library(), l -> new TreeMap<>())
          .computeIfAbsent(phase, p -> new TreeMap<>()).computeIfAbsent(nr, n -> new long[2]);
      c[0] += ran;
      c[1] += failed;
    }
    return this;
  }

  /**
   * Allows {@code syscall} to {@code library} in every phase as a call made only on an error path that `ukhook
   * explore` found ({@code count} calls in the runs where one of {@code revealedBy}'s injection rules failed a call);
   * the policy comments it with them. A library the runs' images do not have is left out with a warning.
   */
  public PolicyInference addErrorPath(String library, String syscall, long count, List<String> revealedBy) {
    Integer nr = SyscallNames.byName().get(syscall);
    if (nr == null || !imageLibraries.isEmpty() && !imageLibraries.contains(library)) {
      runWarnings.add("error path " + library + " " + syscall + " is not a syscall of a library of these runs' image; "
          + "left out");
      return this;
    }
    errorPaths.computeIfAbsent(library, l -> new TreeMap<>()).put(nr, "error path: " + countOf(count) + " when "
        + String.join(", ", revealedBy));
    for (String phase : phases) {
      calls.computeIfAbsent(library, l -> new TreeMap<>()).computeIfAbsent(phase, p -> new TreeMap<>())
          .putIfAbsent(nr, new long[2]);
    }
    return this;
  }

  /** A warning about the current run (its report's), passed on with the run's name. */
  public PolicyInference warn(String warning) {
    runWarnings.add(runs.isEmpty() ? warning : runs.get(runs.size() - 1) + ": " + warning);
    return this;
  }

  /**
   * Adds the run in {@code runDir}: its trace is checked against its link map and image id as `ukhook report`
   * does (a mismatch is refused), then each call is charged to the library of the image's code that made it (a
   * counting image's calls as it charged them). Programs loaded at run time are not the image's code: their calls
   * come out unattributed, as in the guest.
   *
   * @param transparent the libraries to look through: the run's (run.json), or the default
   * @throws UkhookException when the run directory cannot be read or its trace and map do not belong together
   */
  public PolicyInference addRunDir(Path runDir, Set<String> transparent) {
    RunReport report = RunReader.ofRunDir(runDir, transparent,
        RunReport.Options.DEFAULT.withPhaseNames(PolicyFile.phaseNames(runDir)));
    if (report.calls() == 0 && !report.source().violationsOnly()) {
      // A policy from it would allow nothing, and the likely cause is an image without hooks.
      throw new UkhookException(Kind.FAILURE, runDir + ": " + report.problems().get(0) + "; no policy was written");
    }
    Set<String> libraries = new TreeSet<>(report.libraries());
    if (report.source().linux() != null) {
      libraries.addAll(transparent); // a Linux run's names (glibc, libc.so.6) are its objects' by definition
    }
    run(runDir.toString(), report.trace().header().imageId(), libraries, transparent);
    report.warnings().forEach(w -> warn(w.replaceFirst("^warning: ", "")));
    report.problems().forEach(p -> warn(p + "; calls may be missing from the policy"));
    if (report.source().linux() != null) {
      report.source().linux().replay((c, a) -> add(a, c.toRecord()));
      return this;
    }
    Attributor attributor = new Attributor(report.map(), transparent);
    if (report.counted()) {
      return add(report.trace().counts().orElseThrow(), attributor);
    }
    TraceDecoder.read(runDir.resolve(RunDir.TRACE), r -> add(attributor.attribute(r), r));
    return this;
  }

  /**
   * Inference over {@code runDirs} with the phases they marked: a run whose program called {@code ukhook_phase()}
   * (or whose policy switched by rule) has phase events in its trace, and each call belongs to the phase the
   * last switch before it named. Phases are named as in the run's own policy (policy.yaml beside its trace),
   * else {@code phase0}, {@code phase1}...; runs without any switch give the one phase {@value
   * PolicySpec#ALL_PHASES}. Add the runs with {@link #addRunDir} in the same order.
   */
  public static PolicyInference forRuns(List<Path> runDirs) {
    List<List<EventRecord>> switches = new ArrayList<>();
    int count = 1;
    List<String> named = null;
    for (Path run : runDirs) {
      // A Linux program's run has no trace, and no phase events.
      List<EventRecord> s = new RunDir(run).json().linux() ? List.of() : TraceDecoder.read(run.resolve(RunDir.TRACE),
          r -> { }).events().stream().filter(EventRecord::phaseSwitch).toList();
      switches.add(s);
      for (EventRecord e : s) {
        if (e.to() >= PolicySpec.MAX_PHASES) {
          // The guest ignores ukhook_phase() beyond its limit and writes no record of it.
          throw new UkhookException(Kind.FAILURE, "run " + run + ": its trace switches to phase " + e.to()
              + " (event record seq " + e.seq() + "), but a policy holds at most " + PolicySpec.MAX_PHASES
              + " phases (0 to " + (PolicySpec.MAX_PHASES - 1) + ") and the guest writes no switch beyond them: the"
              + " trace is corrupted; infer from the other runs");
        }
        count = Math.max(count, e.to() + 1);
      }
      if (named == null && !s.isEmpty()) {
        List<String> fromPolicy = PolicyFile.phaseNames(run);
        named = fromPolicy.isEmpty() ? null : fromPolicy;
      }
    }
    if (switches.stream().allMatch(List::isEmpty)) {
      return new PolicyInference();
    }
    List<String> phases = new ArrayList<>();
    for (int i = 0; i < Math.max(count, named == null ? 0 : named.size()); i++) {
      phases.add(named != null && i < named.size() ? named.get(i) : "phase" + i);
    }
    java.util.Iterator<List<EventRecord>> perRun = switches.iterator();
    return new PolicyInference(phases, () -> {
      List<EventRecord> s = perRun.next();
      return r -> {
        int phase = 0;
        for (EventRecord e : s) {
          if (e.seq() < r.seq()) {
            phase = e.to();
          }
        }
        return phases.get(phase);
      };
    });
  }

  /**
   * The policy of the runs so far: deny with EPERM whatever no run did.
   *
   * @throws UkhookException when it would allow nothing: no run made a system call a library can be allowed
   */
  public Result result() {
    if (runs.isEmpty()) {
      throw new IllegalStateException("no run to infer a policy from");
    }
    if (calls.isEmpty()) {
      String which = runs.size() == 1 ? "run " + runs.get(0) : "the " + runs.size() + " runs";
      throw new UkhookException(Kind.FAILURE, (seen == 0 ? "no system call in the trace of " + which
          : (seen == 1 ? "the 1 call of " + which + " cannot" : "none of the " + seen + " calls of " + which + " can")
              + " be allowed to a library (" + unallowed() + ")")
          + ": a policy inferred from " + (runs.size() == 1 ? "it" : "them") + " would refuse every call; trace"
          + " the program doing its work and infer from that run");
    }
    if (calls.size() > PolicySpec.MAX_LIBRARIES) {
      throw new UkhookException(Kind.FAILURE, calls.size() + " libraries made calls, more than the "
          + PolicySpec.MAX_LIBRARIES + " a policy can hold (the guest's limit)");
    }
    Set<String> transparent = new TreeSet<>(transparentSets.get(0));
    transparentSets.forEach(transparent::retainAll);
    Map<String, Library> libraries = new LinkedHashMap<>();
    calls.forEach((lib, byPhase) -> {
      Map<String, SortedSet<Integer>> allow = new LinkedHashMap<>();
      phases.forEach(p -> allow.put(p, new TreeSet<>(byPhase.getOrDefault(p, Map.of()).keySet())));
      Optional<PolicySpec.Sequence> sequence = !sequences ? Optional.empty() : Optional.of(new PolicySpec.Sequence(
          Optional.empty(), transitions.getOrDefault(lib, new TreeMap<>())));
      libraries.put(lib, new Library(lib, Optional.empty(), OptionalInt.empty(), allow, sequence));
    });
    int eperm = Errnos.number("EPERM").getAsInt();
    PolicySpec spec = new PolicySpec(Action.DENY, eperm, phases, List.of(), libraries,
        Optional.of(List.copyOf(transparent)));
    return new Result(spec, yaml(spec), warnings(transparent));
  }

  private List<String> warnings(Set<String> transparent) {
    List<String> w = new ArrayList<>(runWarnings);
    if (crowded) {
      w.add("a run had 65535 threads or more, which its records number alike: the sequences of those threads are"
          + " inferred as one thread's, so they may allow transitions no thread made");
    }
    long transitionCount = transitions.values().stream().flatMap(m -> m.values().stream()).mapToLong(Set::size).sum();
    if (transitionCount > PolicyLayout.SEQ_MAX) {
      w.add("the sequences hold " + transitionCount + " transitions, more than the " + PolicyLayout.SEQ_MAX + " the"
          + " guest holds: `policy check` refuses the file until some libraries' `sequence:` blocks are removed");
    }
    if (sequences && !errorPaths.isEmpty()) {
      w.add("the error-path calls are allowed, but their sequences are not: a run that takes an error path breaks"
          + " its library's sequence; infer from runs that took it (`ukhook explore` keeps them) or give the library"
          + " `sequence: {default: log}`");
    }
    if (images.size() > 1) {
      w.add("the runs come from " + images.size() + " different images (" + String.join(", ", images) + "): the "
          + "policy is their union; check it against the image you run with `ukhook policy check FILE RUN_DIR`");
    }
    if (transparentSets.stream().distinct().count() > 1) {
      w.add("the runs looked through different libraries (" + transparentSets.stream().map(Set::toString)
          .distinct().collect(Collectors.joining(", ")) + "): the policy looks through those all of them did, "
          + transparent);
    }
    if (!unattributed.isEmpty()) {
      long n = unattributed.values().stream().mapToLong(Long::longValue).sum();
      w.add(countOf(n) + " could not be attributed (no return address in the image's code) and "
          + (n == 1 ? "is" : "are") + " left out: "
          + counts(unattributed) + "; the guest cannot charge them to a library either");
    }
    if (refused > 0) {
      w.add(countOf(refused) + (refused == 1 ? " was" : " were") + " refused by the policy in force during the runs"
          + " and left out: " + (refused == 1 ? "it" : "they") + " did not run");
    }
    Set<String> silent = new TreeSet<>(imageLibraries);
    silent.removeAll(calls.keySet());
    silent.removeAll(transparent);
    if (!silent.isEmpty()) {
      w.add(silent.size() + (silent.size() == 1 ? " library" : " libraries") + " of the image made no system call"
          + " in these runs, so none is allowed to " + (silent.size() == 1 ? "it" : "them") + ": "
          + String.join(", ", silent));
    }
    calls.forEach((lib, byPhase) -> {
      long total = byPhase.values().stream().flatMap(m -> m.values().stream()).mapToLong(c -> c[0]).sum();
      if (total < THIN_EVIDENCE) {
        w.add(lib + " made only " + total + (total == 1 ? " call" : " calls") + " in " + runs.size()
            + (runs.size() == 1 ? " run" : " runs") + ": the evidence is thin; run the program through more of its"
            + " work to see the rest");
      }
      byPhase.forEach((phase, byNr) -> byNr.forEach((nr, c) -> {
        if (c[1] == c[0]) {
          w.add(lib + ": every " + SyscallNames.name(nr) + " failed (" + countOf(c[0])
              + (phases.size() > 1 ? " in phase " + phase : "") + "); it stays allowed, but check that "
              + lib + " needs it");
        }
      }));
    });
    return w;
  }

  /** Why the calls seen were left out, for a policy that would allow none of them. */
  private String unallowed() {
    List<String> why = new ArrayList<>();
    long u = unattributed.values().stream().mapToLong(Long::longValue).sum();
    if (u > 0) {
      why.add(u + " unattributed");
    }
    if (refused > 0) {
      why.add(refused + " refused by the policy in force");
    }
    return String.join(", ", why);
  }

  private static String counts(Map<Integer, Long> byNr) {
    return byNr.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.comparing(SyscallNames::name)))
        .map(e -> SyscallNames.name(e.getKey()) + " " + e.getValue()).collect(Collectors.joining(", "));
  }

  private static String countOf(long n) {
    return n + (n == 1 ? " call" : " calls");
  }

  /** The policy file of {@code spec}, with each syscall's count over the runs as a comment. */
  private String yaml(PolicySpec spec) {
    StringBuilder y = new StringBuilder();
    y.append("# Inferred by `ukhook policy infer` from ").append(runs.size())
        .append(runs.size() == 1 ? " run" : " runs").append(":\n");
    runs.forEach(r -> y.append("#   ").append(r).append('\n'));
    y.append("# A trace shows only the paths these runs took: a call made only on a rare path (an error, a signal,\n"
        + "# a request they never sent) is missing here and will be refused. Review before use.\n");
    y.append("version: ").append(PolicyFile.VERSION).append('\n');
    y.append("default: ").append(spec.defaultAction().yamlName()).append('\n');
    y.append("errno: ").append(Errnos.name(spec.defaultErrno())).append('\n');
    y.append("phases: ").append(flow(spec.phases())).append('\n');
    y.append("transparent: ").append(flow(spec.transparent().orElse(List.of()))).append('\n');
    if (spec.libraries().isEmpty()) {
      return y.append("libraries: {}\n").toString();
    }
    y.append("libraries:\n");
    spec.libraries().forEach((lib, rules) -> {
      y.append("  ").append(scalar(lib)).append(':');
      if (spec.transparent().orElse(List.of()).contains(lib)) {
        y.append("  # transparent: only calls with no other library on their path");
      }
      y.append("\n    allow:");
      Map<String, Map<Integer, long[]>> byPhase = calls.get(lib);
      Map<Integer, String> notes = errorPaths.getOrDefault(lib, Map.of());
      if (phases.size() == 1) {
        list(y, "      ", byPhase.getOrDefault(phases.get(0), Map.of()), notes);
      } else {
        for (String phase : phases) {
          y.append("\n      ").append(scalar(phase)).append(':');
          list(y, "        ", byPhase.getOrDefault(phase, Map.of()), notes);
        }
      }
      rules.sequence().ifPresent(seq -> sequence(y, seq));
      y.append('\n');
    });
    return y.toString();
  }

  /**
   * A block list of syscall names, by name, each with its count as an aligned comment (or, for a call only an error
   * path made, its note); [] when none.
   */
  private static void list(StringBuilder y, String indent, Map<Integer, long[]> byNr, Map<Integer, String> notes) {
    if (byNr.isEmpty()) {
      y.append(" []");
      return;
    }
    int width = byNr.keySet().stream().mapToInt(nr -> SyscallNames.name(nr).length()).max().orElse(0);
    byNr.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.comparing(SyscallNames::name)))
        .forEach(e -> {
          String name = SyscallNames.name(e.getKey());
          long[] c = e.getValue();
          y.append('\n').append(indent).append("- ").append(name).append(" ".repeat(width - name.length()))
              .append("  # ").append(c[0] == 0 && notes.containsKey(e.getKey()) ? notes.get(e.getKey())
                  : countOf(c[0]) + (c[1] == c[0] ? ", all failed" : ""));
        });
  }

  /** A library's sequence: after each call, by name (the library's first in a thread as `start`), the calls next. */
  private static void sequence(StringBuilder y, PolicySpec.Sequence seq) {
    int count = seq.transitions();
    y.append("\n    sequence:  # ").append(count).append(count == 1 ? " transition" : " transitions")
        .append(" seen, per thread\n      after:");
    if (seq.after().isEmpty()) {
      y.append(" {}");
      return;
    }
    Function<Integer, String> name = nr -> nr == PolicyLayout.SEQ_START ? PolicyFile.SEQUENCE_START
        : SyscallNames.name(nr);
    seq.after().entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.comparing(
        (Integer nr) -> nr != PolicyLayout.SEQ_START).thenComparing(name))).forEach(e -> y.append("\n        ")
        .append(name.apply(e.getKey())).append(": ").append(flow(e.getValue().stream().map(SyscallNames::name)
        .sorted().toList())));
  }

  private static String flow(List<String> names) {
    return names.stream().map(PolicyInference::scalar).collect(Collectors.joining(", ", "[", "]"));
  }

  private static String scalar(String s) {
    if (PLAIN.matcher(s).matches() && !YAML_WORDS.contains(s.toLowerCase(java.util.Locale.ROOT))) {
      return s;
    }
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }
}
