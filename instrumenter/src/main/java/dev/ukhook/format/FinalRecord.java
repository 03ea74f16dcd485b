package dev.ukhook.format;

/**
 * The record the guest writes once at shutdown (kind 2).
 *
 * @param total calls seen in total
 * @param dropped records the guest dropped (overflow {@code drop}, or the ring filling before the device was up)
 * @param emitted records handed to the device, {@code total - dropped}
 * @param tEnd timestamp at shutdown
 * @param seq the record's own sequence number; the guest writes {@code total}
 */
public record FinalRecord(long total, long dropped, long emitted, long tEnd, long seq) {

  /** A final record as the guest writes it, {@code seq == total}. */
  public FinalRecord(long total, long dropped, long emitted, long tEnd) {
    this(total, dropped, emitted, tEnd, total);
  }
}
