package dev.ukhook.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A decoded trace: every whole record before any damage.
 *
 * @param records the syscall records in stream order; empty when they went to a sink instead
 * @param bytes the stream's length, decoded or not
 * @param loads the load records (programs a loader started), always kept
 * @param events the filter events (phase switches, policies put in force or refused), always kept
 * @param counts a counting image's last snapshot of its counters
 */
public record DecodedTrace(TraceHeader header, List<SyscallRecord> records, TraceStats stats,
    Optional<Damage> damage, long bytes, List<LoadRecord> loads, List<EventRecord> events,
    Optional<CountSnapshot> counts) {

  public DecodedTrace {
    records = List.copyOf(records);
    loads = List.copyOf(loads);
    events = List.copyOf(events);
  }

  public Optional<FinalRecord> finalRecord() {
    return stats.finalRecord();
  }

  /** Distinct syscall records decoded, also when they went to a sink. */
  public long received() {
    return stats.received();
  }

  /**
   * What makes this trace's counts untrustworthy, one line each: damage to the stream, then the sequence and
   * final-record problems of {@link TraceStats#problems()}, then a counting image's calls not counted. Empty for a
   * clean trace.
   */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    damage.ifPresent(d -> p.add("the trace is damaged: " + d.message()));
    p.addAll(stats.problems());
    counts.filter(c -> c.overflowed() > 0).ifPresent(c -> p.add(c.overflowed() + " calls found no free cell in "
        + "the guest's table of " + TraceLayout.COUNT_CELLS + " counters and are counted nowhere"));
    counts.filter(c -> !c.finalSnapshot()).ifPresent(c -> p.add("the last counts snapshot is a periodic one (tick "
        + c.t() + "), not the one the guest sends at shutdown: the calls made after it are not counted"));
    return p;
  }
}
