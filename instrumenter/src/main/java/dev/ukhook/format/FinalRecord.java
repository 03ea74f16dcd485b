package dev.ukhook.format;

/**
 * The record the guest writes once at shutdown (kind 2).
 *
 * @param total binary syscalls seen in total; also the record's {@code seq}
 * @param dropped records the guest dropped (overflow {@code drop}, or the ring filling before the device was up)
 * @param emitted records handed to the device, {@code total - dropped}
 * @param tEnd timestamp at shutdown
 */
public record FinalRecord(long total, long dropped, long emitted, long tEnd) {}
