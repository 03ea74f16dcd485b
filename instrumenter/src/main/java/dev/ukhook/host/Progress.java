package dev.ukhook.host;

/**
 * A snapshot of a running collection, for a progress line.
 *
 * @param lastSeq the last syscall record's seq, -1 before the first
 * @param gaps sequence numbers skipped so far: dropped by the guest or lost
 */
public record Progress(
    boolean connected, long bytes, long records, long lastSeq, long gaps, boolean finalRecord) {

  static final Progress WAITING = new Progress(false, 0, 0, -1, 0, false);
}
