package dev.ukhook.format;

/**
 * Where and why decoding stopped before the end of the stream. Everything before {@code offset} was decoded.
 *
 * @param offset byte offset in the stream of the header or record that could not be decoded
 * @param records whole syscall records decoded before the damage
 * @param undecodedBytes bytes from {@code offset} to the end of the stream; of a pipe or a device, to the end of
 *     what was read (a file is no longer read after the damage, {@link TraceDecoder#readCalls})
 * @param detail one line saying what is wrong
 */
public record Damage(Kind kind, long offset, long records, long undecodedBytes, String detail) {

  public enum Kind {
    /** The stream ends inside the header (or is empty). */
    TRUNCATED_HEADER,
    /** Magic, version, sizes or a value of the header are not what this format version allows. */
    BAD_HEADER,
    /** The stream ends inside a record: the guest stopped or the connection closed mid-record. */
    TRUNCATED_RECORD,
    /** A record's kind is neither syscall (1) nor final (2). */
    UNKNOWN_KIND,
    /** A syscall record claims more valid frames than the image keeps. */
    BAD_RECORD,
    /** Bytes follow the final record. */
    DATA_AFTER_FINAL
  }

  /** Whether nothing of the stream could be read: without a header no record can be decoded. */
  public boolean headerUnreadable() {
    return kind == Kind.TRUNCATED_HEADER || kind == Kind.BAD_HEADER;
  }

  /** The detail with where it happened, for one diagnostic line. */
  public String message() {
    return detail + " (byte offset " + offset + ", after " + records + " records)";
  }
}
