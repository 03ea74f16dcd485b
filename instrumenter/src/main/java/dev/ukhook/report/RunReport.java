package dev.ukhook.report;

import dev.ukhook.aggregate.Analysis;
import dev.ukhook.aggregate.PhaseRule;
import dev.ukhook.aggregate.RunDiff;
import dev.ukhook.aggregate.SyscallTable;
import dev.ukhook.attribution.Attributor;
import dev.ukhook.attribution.LinkMap;
import dev.ukhook.attribution.LoadedPrograms;
import dev.ukhook.attribution.Rootfs;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.DecodedTrace;
import dev.ukhook.format.RunJson;
import dev.ukhook.linux.LinuxRun;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A run's report: its decoded trace, the link map its calls were charged with, and the analysis, with the
 * warnings of what {@code force} let through ({@link RunReader} makes one, {@link RunWriter} writes a run
 * directory's results). A Linux program's run has no link map ({@code map} is null): its calls were charged to
 * object files ({@link LinuxRun}).
 *
 * @param warnings the refusals that {@code force} turned into warnings, one line each
 */
public record RunReport(DecodedTrace trace, LinkMap map, Analysis analysis, List<String> warnings, Source source) {
  /**
   * What the report was made from, so that its calls can be read again one by one ({@link Calls}).
   *
   * @param hooks the image's hook mode as its run.json says it ({@link RunJson#hooks()}), null when not known
   * @param linux a Linux program's run (then {@code trace} is strace's log), else null
   */
  public record Source(Path trace, Set<String> transparent, Optional<Rootfs> rootfs, PhaseRule rule,
      String hooks, LinuxRun linux) {
    /**
     * The trace is a filter-only image's: it records only the calls its policy refuses, so a trace without any is a
     * quiet run, not a sign of missing hooks.
     */
    public boolean violationsOnly() {
      return RunJson.FILTER_ONLY.equals(hooks);
    }

    /** The image counts calls in the guest (--mode count), whether or not a snapshot of its counters arrived. */
    public boolean counting() {
      return hooks != null && hooks.startsWith("count");
    }

    /** A fresh attributor, as the report's: loaded programs are followed anew from the trace's start. */
    Attributor attributor(LinkMap map) {
      return new Attributor(map, transparent, rootfs.map(r -> new LoadedPrograms(r::file, transparent,
          r.glibcNames())).orElse(null));
    }
  }

  public RunReport {
    warnings = List.copyOf(warnings);
  }

  /** What a run that counted its calls in the guest cannot show ({@link #counted()}), for people. */
  public static final List<String> COUNTED_LACKS = List.of("the per-call listing and table (--calls, query's calls)",
      "call sequences and automata (--dot)", "the timeline", "Perfetto (--perfetto)", "function-level attribution",
      "the first and last call of each syscall", "the path each call took");

  /** Whether the run counted its calls in the guest ({@code --mode count}) instead of recording each. */
  public boolean counted() {
    return analysis.counted();
  }

  /** The one line a report of a counted run says about it. */
  public static String countedNote() {
    return "this run counted its calls in the guest (--mode count): it has their counts, errors, refusals and "
        + "latency histograms per library, phase and syscall, but not " + String.join(", ", COUNTED_LACKS);
  }

  /**
   * Refuses {@code request}, which needs each call in order, for a run that counted its calls in the guest.
   *
   * @throws UkhookException a usage error, saying to trace the app without --mode count
   */
  public void requireCalls(String request) {
    if (counted()) {
      throw new UkhookException(Kind.USAGE, source.trace() + " counted calls in the guest (--mode count): it has "
          + "no per-call records for " + request + "; trace the app without --mode count");
    }
  }

  /** The system calls of the run: its syscall records, or the calls a counting image counted. */
  public long calls() {
    return counted() ? table().libraries().stream().mapToLong(SyscallTable.LibraryCounts::total).sum()
        : syscallRecords();
  }

  /** The libraries (a Linux run's object files) the run's calls could be charged to. */
  public Set<String> libraries() {
    return map != null ? map.libraries() : source.linux().libraries();
  }

  /** This run as one side of a diff, labelled {@code label}. */
  public RunDiff.Side side(String label) {
    return new RunDiff.Side(label, trace.header().imageId(), analysis);
  }

  /** The counts, errors and latencies per library and syscall. */
  public SyscallTable table() {
    return analysis.table();
  }

  /**
   * How a report is made.
   *
   * @param rule where start-up ends in a trace without phase events
   * @param phaseNames the phases' names (a run's policy.yaml), else phase0, phase1...
   */
  public record Options(boolean force, Optional<Path> rootfs, PhaseRule rule, List<String> phaseNames,
      boolean sequences) {
    public static final Options DEFAULT = new Options(false, Optional.empty(), PhaseRule.SERVING, List.of(), true);

    public Options {
      phaseNames = List.copyOf(phaseNames);
    }

    public Options withForce(boolean f) {
      return new Options(f, rootfs, rule, phaseNames, sequences);
    }

    public Options withRootfs(Optional<Path> r) {
      return new Options(force, r, rule, phaseNames, sequences);
    }

    public Options withRule(PhaseRule r) {
      return new Options(force, rootfs, r, phaseNames, sequences);
    }

    public Options withPhaseNames(List<String> names) {
      return new Options(force, rootfs, rule, names, sequences);
    }

    /** Without each library's 2- and 3-grams, for what does not show them (the calls, the tables, a diff). */
    public Options withoutSequences() {
      return new Options(force, rootfs, rule, phaseNames, false);
    }
  }

  /**
   * What makes the counts untrustworthy, one line each; any means the report failed (exit 1). A trace without a
   * single system call is one of them: an empty table must never pass for a quiet program.
   */
  public List<String> problems() {
    if (calls() > 0 || source.violationsOnly() || !table().problems().isEmpty()) {
      return table().problems();
    }
    if (source.counting() && !counted()) {
      return List.of("the counting image sent no snapshot of its counters: it stopped before its first periodic "
          + "snapshot (--snapshot-every) and before its shutdown could send one; its console log says why");
    }
    return List.of("no system call was " + (counted() ? "counted" : "recorded") + " although the guest sent a trace"
        + (trace.received() > 0 ? " (only " + trace.received() + " load or filter event record"
            + (trace.received() == 1 ? ")" : "s)") : "")
        + ": if the program makes system calls, the image was built without the hooks (the tree restored, or"
        + " objects older than `ukhook instrument`); run `ukhook instrument` and `ukhook build` again");
  }

  /**
   * The distinct syscall records of the trace: what it received less the load and filter event records, which
   * share the sequence numbers (a program calling {@code ukhook_phase()} sends events even without hooks).
   */
  public long syscallRecords() {
    return trace.received() - trace.loads().size() - trace.events().size();
  }
}
