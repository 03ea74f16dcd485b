package dev.ukhook.aggregate;

import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * What a trace says beyond counts: its phases and each library's syscall set in each, the sequences of each
 * library's calls, and a timeline; the counts, errors and latencies are in {@link #table()}. The {@link Analyzer} that
 * received the trace makes it ({@link Analyzer#analysis}).
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
   * Whether the run counted its calls in the guest ({@code --mode count}): the table has the counts, errors,
   * refusals and latency histograms, but no per-call facts, so the sequences, the timeline and the first and last
   * call of each syscall are empty.
   */
  public boolean counted() {
    return table.counted();
  }

  /** The attack-surface estimate of the libraries' syscall sets (docs/security-estimate.md). */
  public SecurityEstimate security() {
    return SecurityEstimate.of(phases.names(), phases.sets());
  }

  static final String EVENTS_RULE = "the trace's phase events: the program's ukhook_phase marks and the policy's "
      + "switch rules";

  static final String COUNTS_RULE = "the guest's phase when each call began, as the trace's phase events set it; a "
      + "counting image keeps no order of calls for the start-up rule";
}
