package dev.ukhook.host;

import dev.ukhook.format.Damage;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one collection stored and what its live decoding found. The trace file holds every byte received,
 * damaged or not.
 *
 * @param bytes bytes received and written to {@code traceFile}
 * @param header absent when no connection came or the header was unreadable
 */
public record CollectResult(
    Path socket,
    Path traceFile,
    End end,
    long bytes,
    Optional<TraceHeader> header,
    TraceStats stats,
    Optional<Damage> damage) {

  /** Why collection ended. */
  public enum End {
    /** The guest side closed the connection, normally because QEMU exited. */
    PEER_CLOSED,
    /** {@link Collector#stop()} was called while connected. */
    STOPPED,
    /** Stopped before any connection came. */
    NO_CONNECTION
  }

  public long recordsReceived() {
    return stats.received();
  }

  public long dropped() {
    return stats.dropped();
  }

  /** Exact with a final record, else missing-or-dropped; see {@link TraceStats#missing()}. */
  public long missing() {
    return stats.missing();
  }

  public boolean finalRecordPresent() {
    return stats.finalRecord().isPresent();
  }

  /** One line describing the damage at the end of the stream, if any. */
  public Optional<String> damageLine() {
    String ended = end == End.STOPPED ? "collection stopped" : "connection closed";
    return damage.map(
        d ->
            switch (d.kind()) {
              case TRUNCATED_RECORD -> ended + " after " + d.records() + " records, " + d.undecodedBytes()
                  + " trailing bytes of a partial record";
              case TRUNCATED_HEADER -> ended + " before a whole trace header arrived: " + d.detail();
              default -> d.message() + "; the bytes are kept in " + traceFile;
            });
  }

  /** One line for the end of a command: what was received and whether anything is missing. */
  public String summary() {
    if (end == End.NO_CONNECTION) {
      return "no connection on " + socket + ": QEMU never connected, nothing was traced";
    }
    String counts = recordsReceived() + " records (" + bytes + " bytes) in " + traceFile;
    if (stats.missingIsExact()) {
      return counts + "; " + dropped() + " dropped by the guest, " + missing() + " missing";
    }
    return counts + "; " + (finalRecordPresent() ? "the final record is corrupted" : "no final record (the guest"
        + " did not shut down cleanly)") + ", " + missing() + " missing or dropped";
  }

  /**
   * Everything that makes this collection's trace untrustworthy, one line each: no connection, damage to the
   * stream, and the integrity problems of its records ({@link TraceStats#problems()}, as {@code ukhook report}
   * finds them). Any line means the collection failed (exit 1).
   */
  public List<String> problems() {
    if (end == End.NO_CONNECTION) {
      return List.of(summary());
    }
    List<String> p = new ArrayList<>();
    damageLine().ifPresent(p::add);
    if (damage.filter(Damage::headerUnreadable).isEmpty()) {
      p.addAll(stats.problems());
    }
    return p;
  }
}
