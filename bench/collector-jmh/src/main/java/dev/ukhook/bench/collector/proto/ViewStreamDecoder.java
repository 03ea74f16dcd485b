package dev.ukhook.bench.collector.proto;

import static dev.ukhook.bench.collector.proto.SyscallView.R_DEPTH;
import static dev.ukhook.bench.collector.proto.SyscallView.R_KIND;
import static dev.ukhook.bench.collector.proto.SyscallView.R_SEQ;

import dev.ukhook.format.Damage;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.SequenceCheck;
import dev.ukhook.format.TraceFormat;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceStats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Prototype of {@code dev.ukhook.format.StreamDecoder} with two changes, everything else (chunking, records
 * straddling chunks, damage and its offsets, sequence accounting) copied unchanged:
 *
 * <ol>
 *   <li>the sink receives a {@link SyscallView} moved over the bytes instead of a new {@code SyscallRecord}
 *       (five allocations, two of them array clones in the record's constructor);
 *   <li>the whole records of a chunk are decoded in one inner loop that updates the chunk position and the
 *       byte counts once per chunk instead of once per record;
 *   <li>{@code record()} keeps only the syscall case, the final record and the damage messages moved to
 *       methods of their own, so that it stays small enough for C2 to inline it and the sink into the loop.
 * </ol>
 */
public final class ViewStreamDecoder {
  private enum State { HEADER, RECORDS, AFTER_FINAL, STOPPED }

  private static final byte[] MAGIC = "UKHOOKTR".getBytes(StandardCharsets.US_ASCII);
  private static final int H_VERSION = 8;
  private static final int H_HEADER_SIZE = 10;
  private static final int H_RECORD_SIZE = 12;
  private static final int H_FRAMES = 14;
  private static final int H_TS_SOURCE = 15;
  private static final int H_TS_HZ = 16;
  private static final int H_IMAGE_ID = 24;
  private static final int H_RING_RECORDS = 40;
  private static final int H_OVERFLOW = 44;
  private static final int F_T_END = 8;
  private static final int F_TOTAL = 32;
  private static final int F_DROPPED = 40;
  private static final int F_EMITTED = 48;
  private static final int HEADER_SIZE = TraceFormat.HEADER_SIZE;

  private final Consumer<? super SyscallView> sink;
  private final SyscallView view = new SyscallView();
  private final SequenceCheck sequence = new SequenceCheck();
  private ByteBuffer stage = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
  private State state = State.HEADER;
  private long bytes;
  private long unitOffset;
  private TraceHeader header;
  private int recordSize;
  private int frames;
  private FinalRecord finalRecord;
  private Damage.Kind damageKind;
  private String damageDetail;
  private boolean ended;

  /** @param sink receives each syscall record in place; {@code null} to only count them */
  public ViewStreamDecoder(Consumer<? super SyscallView> sink) {
    this.sink = sink;
  }

  public void feed(ByteBuffer chunk) {
    if (ended) {
      throw new IllegalStateException("feed after end");
    }
    ByteOrder order = chunk.order();
    chunk.order(ByteOrder.LITTLE_ENDIAN);
    try {
      while (chunk.hasRemaining() && state != State.STOPPED) {
        if (state == State.AFTER_FINAL) {
          stop(Damage.Kind.DATA_AFTER_FINAL, "data follows the final record");
          break;
        }
        int need = state == State.HEADER ? HEADER_SIZE : recordSize;
        int pos = chunk.position();
        if (stage.position() == 0 && chunk.remaining() >= need) {
          if (state == State.RECORDS) {
            wholeRecords(chunk);
            continue;
          }
          chunk.position(pos + need);
          bytes += need;
          unit(chunk, pos);
        } else {
          int take = Math.min(need - stage.position(), chunk.remaining());
          stage.put(stage.position(), chunk, pos, take);
          stage.position(stage.position() + take);
          chunk.position(pos + take);
          bytes += take;
          if (stage.position() == need) {
            stage.clear();
            unit(stage, 0);
          }
        }
      }
      bytes += chunk.remaining();
      chunk.position(chunk.limit());
    } finally {
      chunk.order(order);
    }
  }

  // The hot loop: every whole record left in the chunk, until one ends the records (final or damage).
  private void wholeRecords(ByteBuffer chunk) {
    int pos = chunk.position();
    int end = pos + chunk.remaining() / recordSize * recordSize;
    int at = pos;
    while (at < end) {
      record(chunk, at);
      at += recordSize;
      if (state != State.RECORDS) {
        break;
      }
    }
    chunk.position(at);
    bytes += at - pos;
    // As unit() does: after damage the offset stays at the start of the damaged record.
    unitOffset = state == State.STOPPED ? bytes - recordSize : bytes;
  }

  public void end() {
    if (ended) {
      return;
    }
    ended = true;
    if (state == State.HEADER) {
      stop(
          Damage.Kind.TRUNCATED_HEADER,
          bytes == 0
              ? "the stream is empty: no trace header arrived"
              : "the stream ends after " + bytes + " of the " + HEADER_SIZE + " header bytes");
    } else if (state == State.RECORDS && stage.position() > 0) {
      stop(
          Damage.Kind.TRUNCATED_RECORD,
          "the stream ends " + stage.position() + " bytes into a " + recordSize + "-byte record");
    }
  }

  private void unit(ByteBuffer b, int at) {
    switch (state) {
      case HEADER -> header(b, at);
      case RECORDS -> record(b, at);
      default -> throw new IllegalStateException(state.name());
    }
    if (state != State.STOPPED) {
      unitOffset = bytes;
    }
  }

  private void header(ByteBuffer b, int at) {
    byte[] magic = new byte[MAGIC.length];
    b.get(at, magic);
    if (!Arrays.equals(magic, MAGIC)) {
      stop(
          Damage.Kind.BAD_HEADER,
          "not a ukhook trace: it starts with " + printable(magic) + ", expected \"UKHOOKTR\"");
      return;
    }
    int version = Short.toUnsignedInt(b.getShort(at + H_VERSION));
    if (version != TraceFormat.VERSION) {
      stop(
          Damage.Kind.BAD_HEADER,
          "trace format version " + version + " is not supported (this ukhook reads version "
              + TraceFormat.VERSION + "); decode it with the ukhook that instrumented the image");
      return;
    }
    int headerSize = Short.toUnsignedInt(b.getShort(at + H_HEADER_SIZE));
    int size = Short.toUnsignedInt(b.getShort(at + H_RECORD_SIZE));
    int n = Byte.toUnsignedInt(b.get(at + H_FRAMES));
    int overflow = Byte.toUnsignedInt(b.get(at + H_OVERFLOW));
    if (headerSize != HEADER_SIZE) {
      stop(Damage.Kind.BAD_HEADER, "header_size is " + headerSize + ", format version 1 needs " + HEADER_SIZE);
      return;
    }
    if (size != TraceFormat.recordSize(n)) {
      stop(
          Damage.Kind.BAD_HEADER,
          "record_size is " + size + " but " + n + " frames need " + TraceFormat.recordSize(n)
              + " (96 + 8 * frames)");
      return;
    }
    if (overflow > 1) {
      stop(Damage.Kind.BAD_HEADER, "overflow mode is " + overflow + ", expected 0 (block) or 1 (drop)");
      return;
    }
    byte[] id = new byte[TraceFormat.IMAGE_ID_BYTES];
    b.get(at + H_IMAGE_ID, id);
    header =
        new TraceHeader(
            version,
            headerSize,
            size,
            n,
            Byte.toUnsignedInt(b.get(at + H_TS_SOURCE)),
            b.getLong(at + H_TS_HZ),
            HexFormat.of().formatHex(id),
            Integer.toUnsignedLong(b.getInt(at + H_RING_RECORDS)),
            TraceHeader.Overflow.values()[overflow]);
    recordSize = size;
    frames = n;
    if (stage.capacity() < size) {
      stage = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
    state = State.RECORDS;
  }

  // Kept small so that C2 inlines it into the loop and the sink into it: the rare cases are calls.
  private void record(ByteBuffer b, int at) {
    int kind = Byte.toUnsignedInt(b.get(at + R_KIND));
    long seq = b.getLong(at + R_SEQ);
    if (kind != TraceFormat.KIND_SYSCALL) {
      notSyscall(b, at, kind, seq);
      return;
    }
    int depth = Byte.toUnsignedInt(b.get(at + R_DEPTH));
    if (depth > frames) {
      tooDeep(depth);
      return;
    }
    sequence.accept(seq);
    if (sink != null) {
      view.moveTo(b, at, seq, depth, frames);
      sink.accept(view);
    }
  }

  private void notSyscall(ByteBuffer b, int at, int kind, long seq) {
    if (kind == TraceFormat.KIND_FINAL) {
      finalRecord =
          new FinalRecord(
              b.getLong(at + F_TOTAL), b.getLong(at + F_DROPPED), b.getLong(at + F_EMITTED), b.getLong(at + F_T_END));
      sequence.acceptFinal(seq);
      state = State.AFTER_FINAL;
    } else {
      stop(Damage.Kind.UNKNOWN_KIND, "a record has kind " + kind + ", expected 1 (syscall) or 2 (final)");
    }
  }

  private void tooDeep(int depth) {
    stop(Damage.Kind.BAD_RECORD, "a syscall record has depth " + depth + " but the image keeps " + frames + " frames");
  }

  private void stop(Damage.Kind kind, String detail) {
    damageKind = kind;
    damageDetail = detail;
    state = State.STOPPED;
  }

  private static String printable(byte[] magic) {
    String ascii = new String(magic, StandardCharsets.US_ASCII);
    boolean text = ascii.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
    return text ? "\"" + ascii + "\"" : "bytes " + HexFormat.ofDelimiter(" ").formatHex(magic);
  }

  public long bytes() {
    return bytes;
  }

  public Optional<TraceHeader> header() {
    return Optional.ofNullable(header);
  }

  public Optional<FinalRecord> finalRecord() {
    return Optional.ofNullable(finalRecord);
  }

  public long received() {
    return sequence.received();
  }

  public TraceStats stats() {
    return sequence.stats(finalRecord());
  }

  public Optional<Damage> damage() {
    if (damageKind == null) {
      return Optional.empty();
    }
    return Optional.of(
        new Damage(damageKind, unitOffset, sequence.received(), bytes - unitOffset, damageDetail));
  }
}
