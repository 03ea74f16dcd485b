package dev.ukhook.format;

import static dev.ukhook.format.TraceLayout.*;

import dev.ukhook.format.TraceLayout.Value;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Decodes a trace stream pushed in chunks of any size, so the same code serves a file and a live socket.
 * Records may straddle chunks; only the straddling record is copied. Without a sink no object is allocated
 * per record: the collector only needs the counts.
 *
 * <p>Decoding stops at the first damage; later bytes are only counted.
 */
public final class StreamDecoder {
  private enum State { HEADER, RECORDS, CELLS, AFTER_FINAL, STOPPED }

  // The header's ts_hz above this is corrupted: TSCs run at a few GHz. (0 is allowed: the guest could not measure.)
  private static final long MAX_TS_HZ = 1L << 40;

  private final CallSink sink;
  private SyscallView view;
  private final SequenceCheck sequence = new SequenceCheck();
  private ByteBuffer stage = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
  private State state = State.HEADER;
  private long bytes;
  private long work;
  private long unitOffset;
  private TraceHeader header;
  private int recordSize;
  private final List<LoadRecord> loads = new ArrayList<>();
  private final List<EventRecord> events = new ArrayList<>();
  private FinalRecord finalRecord;
  // The counts record whose cells are being read (CELLS), and the last whole snapshot.
  private ByteBuffer countsRecord;
  private int cellBytes;
  private CountSnapshot counts;
  private Damage.Kind damageKind;
  private String damageDetail;
  private boolean ended;

  /**
   * @param sink receives each syscall record ({@link #of} for a sink of load and event records too); {@code null}
   *     to only count them
   */
  public StreamDecoder(Consumer<? super SyscallRecord> sink) {
    this.sink = sink == null ? null : records(sink);
  }

  private StreamDecoder(CallSink sink) {
    this.sink = sink;
  }

  /** A decoder that hands {@code sink} each record in place (a view valid during the call), allocating nothing. */
  public static StreamDecoder of(CallSink sink) {
    return new StreamDecoder(sink);
  }

  /**
   * {@code sink} as a call sink: each call becomes a {@link SyscallRecord}; the load and event records stay in
   * {@link #loads()} and {@link #events()}.
   */
  static CallSink records(Consumer<? super SyscallRecord> sink) {
    return c -> sink.accept(c.toRecord());
  }

  /** Consumes every remaining byte of {@code chunk}, leaving its position at its limit. */
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
        if (state == State.RECORDS && stage.position() == 0) {
          records(chunk);
          continue;
        }
        int need = state == State.HEADER ? HEADER_SIZE : state == State.CELLS ? cellBytes : recordSize;
        int pos = chunk.position();
        if (stage.position() == 0 && chunk.remaining() >= need) {
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

  /**
   * Decodes the whole records at the start of {@code chunk} where they lie, then stages the rest of a record that
   * straddles the chunk's end: the loop a long trace spends its time in.
   */
  private void records(ByteBuffer chunk) {
    int pos = chunk.position();
    int end = chunk.limit() - recordSize;
    while (pos <= end) {
      bytes += recordSize;
      record(chunk, pos);
      pos += recordSize;
      if (state != State.STOPPED) {
        unitOffset = bytes;
      }
      if (state != State.RECORDS) {
        chunk.position(pos);
        return;
      }
    }
    int take = chunk.limit() - pos;
    stage.put(0, chunk, pos, take);
    stage.position(take);
    bytes += take;
    chunk.position(chunk.limit());
  }

  /** Marks the end of the stream: a partial header or record left over becomes damage. */
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
    } else if (state == State.CELLS) {
      stop(Damage.Kind.TRUNCATED_RECORD, "the stream ends " + stage.position() + " bytes into the " + cellBytes
          + " bytes of a counts record's cells");
    }
  }

  // Decodes the header or record of the current unit size at absolute index `at` of `b`.
  private void unit(ByteBuffer b, int at) {
    switch (state) {
      case HEADER -> header(b, at);
      case RECORDS -> record(b, at);
      case CELLS -> cells(b, at);
      default -> throw new IllegalStateException(state.name());
    }
    if (state != State.STOPPED) {
      unitOffset = bytes;
    }
  }

  private void header(ByteBuffer b, int at) {
    byte[] magic = new byte[MAGIC.length()];
    b.get(at + Header.MAGIC.offset(), magic);
    if (!Arrays.equals(magic, MAGIC.getBytes(StandardCharsets.US_ASCII))) {
      stop(
          Damage.Kind.BAD_HEADER,
          "not a ukhook trace: it starts with " + printable(magic) + ", expected \"" + MAGIC + "\"");
      return;
    }
    int version = Short.toUnsignedInt(b.getShort(at + Header.VERSION.offset()));
    if (version != VERSION) {
      stop(
          Damage.Kind.BAD_HEADER,
          "trace format version " + version + " is not supported: this ukhook reads version " + VERSION
              + (version < VERSION ? " only (version 4 records are compact, an older trace's are not); trace the app"
                  + " again with this ukhook" : "; read it with a newer ukhook"));
      return;
    }
    int headerSize = Short.toUnsignedInt(b.getShort(at + Header.HEADER_SIZE.offset()));
    int size = Short.toUnsignedInt(b.getShort(at + Header.RECORD_SIZE.offset()));
    int n = Byte.toUnsignedInt(b.get(at + Header.FRAMES.offset()));
    int argWords = Byte.toUnsignedInt(b.get(at + Header.ARG_WORDS.offset()));
    int overflow = Byte.toUnsignedInt(b.get(at + Header.OVERFLOW.offset()));
    int hookPoints = Byte.toUnsignedInt(b.get(at + Header.HOOK_POINTS.offset()));
    int pathWords = Byte.toUnsignedInt(b.get(at + Header.PATH_WORDS.offset()));
    int stackWords = Byte.toUnsignedInt(b.get(at + Header.STACK_WORDS.offset()));
    long textStart = b.getLong(at + Header.TEXT_START.offset());
    long textEnd = b.getLong(at + Header.TEXT_END.offset());
    long tsHz = b.getLong(at + Header.TS_HZ.offset());
    String bad = null;
    if (headerSize != HEADER_SIZE) {
      bad = "header_size is " + headerSize + ", format version " + VERSION + " needs " + HEADER_SIZE;
    } else if (stackWords > 0 && stackWords <= STACK_REGS) {
      bad = "stack_words is " + stackWords + ": a stack area holds sp, bp and at least one word";
    } else if (argWords != 0 && argWords != ARGS) {
      bad = "arg_words is " + argWords + ", expected 0 or " + ARGS;
    } else if (size != recordSize(n, argWords, pathWords, stackWords)) {
      bad = "record_size is " + size + " but " + n + " frames, " + argWords + " argument words, " + pathWords
          + " path words and " + stackWords + " stack words need " + recordSize(n, argWords, pathWords, stackWords)
          + " (" + RECORD_BASE_SIZE + " + 8 * (frames + words))";
    } else if (overflow >= OVERFLOWS.size()) {
      bad = "overflow mode is " + overflow + ", expected " + values(OVERFLOWS);
    } else if (hookPoints == 0 || (hookPoints & ~(HOOK_BINARY | HOOK_NATIVE | HOOK_PROCESS)) != 0) {
      bad = "hook_points is " + hookPoints + ", expected a combination of " + values(HOOK_POINTS);
    } else if (Long.compareUnsigned(textEnd, textStart) < 0) {
      bad = String.format("text_end 0x%x is below text_start 0x%x", textEnd, textStart);
    } else if (Long.compareUnsigned(tsHz, MAX_TS_HZ) > 0) {
      bad = "ts_hz is " + Long.toUnsignedString(tsHz) + " ticks per second, beyond the 2^40 (1.1 THz) of any clock"
          + " a guest reads";
    }
    if (bad != null) {
      stop(Damage.Kind.BAD_HEADER, bad);
      return;
    }
    byte[] id = new byte[IMAGE_ID_BYTES];
    b.get(at + Header.IMAGE_ID.offset(), id);
    header =
        new TraceHeader(
            version,
            headerSize,
            size,
            n,
            argWords,
            tsHz,
            HexFormat.of().formatHex(id),
            Integer.toUnsignedLong(b.getInt(at + Header.RING_RECORDS.offset())),
            TraceHeader.Overflow.values()[overflow],
            hookPoints,
            textStart,
            textEnd,
            pathWords,
            stackWords);
    recordSize = size;
    view = new SyscallView(header);
    if (stage.capacity() < size) {
      stage = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
    state = State.RECORDS;
  }

  /**
   * An event's cause: a push's id as it is, or the full sequence number of the call that fired a switch rule, which
   * came before the event.
   */
  private static long cause(ByteBuffer b, int at, long seq) {
    int cause = b.getInt(at + Event.CAUSE.offset());
    if (b.get(at + Event.EVENT.offset()) != PolicyLayout.EVENT_RULE) {
      return Integer.toUnsignedLong(cause);
    }
    return seq - Integer.toUnsignedLong((int) seq - cause);
  }

  private static String values(List<Value> values) {
    return values.stream().map(v -> v.value() + " (" + v.name() + ")").collect(Collectors.joining(", "));
  }

  // Kept small, the other kinds and the damage out of line, so that the JIT inlines it and the sink into the loop.
  private void record(ByteBuffer b, int at) {
    if (b.get(at + Syscall.KIND.offset()) != KIND_SYSCALL) {
      other(b, at);
      return;
    }
    long seq = seq(b.getInt(at + Syscall.SEQ.offset()));
    long tEnter = b.getLong(at + Syscall.T_ENTER.offset());
    // One test for the rare cases: a seq before the first or a timestamp the guest cannot write. (Every path, nest,
    // lib and thread is one a guest can write.)
    if ((seq | tEnter | tEnter + duration(b.getInt(at + Syscall.DUR.offset()))) < 0) {
      badSyscall(b, at, seq, tEnter);
      return;
    }
    if (seq != sequence.next() && badJump(seq, tEnter)) {
      return;
    }
    if (sequence.accept(seq, tEnter)) {
      if (!SyscallNames.isIdle(Short.toUnsignedInt(b.getShort(at + Syscall.NR.offset())))) {
        work++;
      }
      if (sink != null) {
        sink.call(view.at(b, at, seq));
      }
    }
  }

  /** The full sequence number of a record holding {@code seq32}, the nearest to the next one expected. */
  private long seq(int seq32) {
    long next = sequence.next();
    return next + (seq32 - (int) next);
  }

  private void badSyscall(ByteBuffer b, int at, long seq, long tEnter) {
    if (!badSeq(seq) && !badTime("syscall record seq " + seq, tEnter)) {
      stop(Damage.Kind.BAD_RECORD, "syscall record seq " + seq + " entered at tick " + tEnter + " and lasted "
          + duration(b.getInt(at + Syscall.DUR.offset())) + " ticks, beyond the 2^63 ticks a clock started at boot"
          + " can reach: the record is corrupted");
    }
  }

  /**
   * Whether {@code seq}, carried from the record's 32 bits, falls before the first record (and the damage is
   * recorded). Caught here, a corrupted seq never becomes a negative count of records missing.
   */
  private boolean badSeq(long seq) {
    if (seq >= 0) {
      return false;
    }
    stop(Damage.Kind.BAD_RECORD, "a record has seq " + seq + " (" + Integer.toUnsignedString((int) seq)
        + " modulo 2^32), before the first: the record is corrupted");
    return true;
  }

  /** Whether a record of {@code seq} at {@code t} jumps further than the guest can (and the damage is recorded). */
  private boolean badJump(long seq, long t) {
    String problem = sequence.jumpProblem(seq, t, header.ringRecords());
    if (problem != null) {
      stop(Damage.Kind.BAD_RECORD, problem);
    }
    return problem != null;
  }

  /**
   * Whether timestamp {@code t} is beyond what the guest's clock can show (and the damage is recorded): a
   * counter started at boot takes centuries to reach 2^63 ticks at GHz rates. Caught here, a corrupted
   * timestamp never becomes a negative latency or an absurd span. (A return before the entry is caught by the
   * caller: both are taken from the same clock, the return after the entry.)
   */
  private boolean badTime(String what, long t) {
    if (t >= 0) {
      return false;
    }
    stop(Damage.Kind.BAD_RECORD, what + " has timestamp " + Long.toUnsignedString(t) + ", beyond the 2^63"
        + " ticks a clock started at boot can reach: the record is corrupted");
    return true;
  }

  private void other(ByteBuffer b, int at) {
    int kind = Byte.toUnsignedInt(b.get(at + Syscall.KIND.offset()));
    if (kind == KIND_LOAD && recordSize < LOAD_MIN_SIZE) {
      stop(Damage.Kind.BAD_RECORD, "a load record in records of " + recordSize + " bytes, where no guest writes one "
          + "(they need " + LOAD_MIN_SIZE + "): the record is corrupted");
    } else if (kind == KIND_LOAD) {
      long seq = seq(b.getInt(at + Load.SEQ.offset()));
      long t = b.getLong(at + Load.T.offset());
      if (!badSeq(seq) && !badTime("load record seq " + seq, t) && !badJump(seq, t) && sequence.accept(seq, t)) {
        LoadRecord l = new LoadRecord(seq, t, b.getLong(at + Load.PHDR.offset()),
            b.getLong(at + Load.PHNUM.offset()), b.getLong(at + Load.ENTRY.offset()),
            b.getLong(at + Load.INTERP_BASE.offset()), SyscallView.string(b, at + Load.EXECFN.offset(), recordSize
                - Load.EXECFN.offset()));
        loads.add(l);
        if (sink != null) {
          sink.load(l);
        }
      }
    } else if (kind == KIND_EVENT) {
      long seq = seq(b.getInt(at + Event.SEQ.offset()));
      long t = b.getLong(at + Event.T.offset());
      if (!badSeq(seq) && !badTime("event record seq " + seq, t) && !badJump(seq, t) && sequence.accept(seq, t)) {
        EventRecord e = new EventRecord(seq, t, b.getLong(at + Event.POLICY.offset()),
            Byte.toUnsignedInt(b.get(at + Event.EVENT.offset())), Byte.toUnsignedInt(b.get(at + Event.FROM.offset())),
            Byte.toUnsignedInt(b.get(at + Event.TO.offset())), Byte.toUnsignedInt(b.get(at + Event.REASON.offset())),
            cause(b, at, seq), b.getLong(at + Event.REFUSED.offset()));
        events.add(e);
        if (sink != null) {
          sink.event(e);
        }
      }
    } else if (kind == KIND_COUNTS) {
      countsRecord(b, at);
    } else if (kind == KIND_FINAL) {
      finalRecord =
          new FinalRecord(
              b.getLong(at + Final.TOTAL.offset()),
              b.getLong(at + Final.DROPPED.offset()),
              b.getLong(at + Final.EMITTED.offset()),
              b.getLong(at + Final.T_END.offset()));
      state = State.AFTER_FINAL;
    } else {
      stop(Damage.Kind.UNKNOWN_KIND, "a record has kind " + kind + ", expected " + values(KINDS));
    }
  }

  /** A counts record: its cells follow it, read as one unit (CELLS). */
  private void countsRecord(ByteBuffer b, int at) {
    long n = Integer.toUnsignedLong(b.getInt(at + Counts.NCELLS.offset()));
    int size = Short.toUnsignedInt(b.getShort(at + Counts.CELL_SIZE.offset()));
    long t = b.getLong(at + Counts.T.offset());
    if (size != CELL_SIZE_BYTES || n > COUNT_CELLS) {
      stop(Damage.Kind.BAD_RECORD, "a counts record announces " + n + " cells of " + size + " bytes; a guest sends"
          + " at most " + COUNT_CELLS + " of " + CELL_SIZE_BYTES + ": the record is corrupted");
      return;
    }
    if (badTime("counts record", t)) {
      return;
    }
    countsRecord = ByteBuffer.allocate(recordSize).order(ByteOrder.LITTLE_ENDIAN).put(0, b, at, recordSize);
    cellBytes = (int) n * size;
    if (cellBytes == 0) {
      cells(b, at);
      return;
    }
    if (stage.capacity() < cellBytes) {
      stage = ByteBuffer.allocate(Math.max(cellBytes, recordSize)).order(ByteOrder.LITTLE_ENDIAN);
    }
    state = State.CELLS;
  }

  /** The cells of the counts record read before them, at {@code at} of {@code b}. */
  private void cells(ByteBuffer b, int at) {
    ByteBuffer r = countsRecord;
    List<CountSnapshot.Cell> cells = new ArrayList<>();
    for (int i = 0; i < cellBytes / CELL_SIZE_BYTES; i++) {
      int c = at + i * CELL_SIZE_BYTES;
      int phase = Byte.toUnsignedInt(b.get(c + Cell.PHASE.offset()));
      if ((phase & CELL_IN_USE) == 0) {
        stop(Damage.Kind.BAD_RECORD, "cell " + i + " of a counts record is not in use: the record is corrupted");
        return;
      }
      Map<Integer, Long> errnos = new LinkedHashMap<>();
      for (int e = 0; e < CELL_ERRNOS; e++) {
        int errno = Short.toUnsignedInt(b.getShort(c + Cell.ERRNO_NR.offset() + 2 * e));
        if (errno != 0) {
          errnos.put(errno, b.getLong(c + Cell.ERRNO_CALLS.offset() + 8 * e));
        }
      }
      long[] hist = new long[HIST_BUCKETS];
      for (int h = 0; h < HIST_BUCKETS; h++) {
        hist[h] = Integer.toUnsignedLong(b.getInt(c + Cell.HIST.offset() + 4 * h));
      }
      long calls = b.getLong(c + Cell.CALLS.offset());
      long errors = b.getLong(c + Cell.ERRORS.offset());
      long refused = b.getLong(c + Cell.REFUSED.offset());
      long nested = b.getLong(c + Cell.NESTED.offset());
      if (calls < 0 || errors < 0 || refused < 0 || nested < 0 || Long.compareUnsigned(errors, calls) > 0
          || Long.compareUnsigned(refused, calls) > 0 || Long.compareUnsigned(nested, calls) > 0) {
        stop(Damage.Kind.BAD_RECORD, "cell " + i + " of a counts record counts " + Long.toUnsignedString(calls)
            + " calls but " + Long.toUnsignedString(errors) + " errors, " + Long.toUnsignedString(refused)
            + " refused and " + Long.toUnsignedString(nested) + " nested: the record is corrupted");
        return;
      }
      cells.add(new CountSnapshot.Cell(Short.toUnsignedInt(b.getShort(c + Cell.NR.offset())),
          Byte.toUnsignedInt(b.get(c + Cell.LIB.offset())), phase & ~CELL_IN_USE, calls, errors, refused, nested,
          b.getLong(c + Cell.TICKS.offset()), errnos, hist));
    }
    // A counting image's work is its calls that are not idling: the stall detection's measure of progress.
    work = cells.stream().filter(c -> !SyscallNames.isIdle(c.nr())).mapToLong(CountSnapshot.Cell::calls).sum();
    counts = new CountSnapshot(seq(r.getInt(Counts.SEQ.offset())), r.getLong(Counts.T.offset()),
        r.get(Counts.WHY.offset()) == WHY_FINAL, r.get(Counts.LATENCY.offset()) != 0,
        r.getLong(Counts.OVERFLOWED.offset()), cells);
    state = State.RECORDS;
    if (sink != null) {
      sink.counts(counts);
    }
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

  /** Whether decoding stopped at damage: what follows is only counted, so a reader may stop reading. */
  public boolean stopped() {
    return state == State.STOPPED;
  }

  /** Counts {@code n} bytes that follow the damage without them being fed (a file's rest, by its size). */
  public void skip(long n) {
    if (!stopped()) {
      throw new IllegalStateException("skip before damage: every byte must be decoded");
    }
    bytes += n;
  }

  /** Bytes fed so far, decoded or not. */
  public long bytes() {
    return bytes;
  }

  public Optional<TraceHeader> header() {
    return Optional.ofNullable(header);
  }

  public Optional<FinalRecord> finalRecord() {
    return Optional.ofNullable(finalRecord);
  }

  /** The load records decoded so far, in stream order. */
  public List<LoadRecord> loads() {
    return List.copyOf(loads);
  }

  /** The last whole counts snapshot (a counting image's), if any arrived. */
  public Optional<CountSnapshot> counts() {
    return Optional.ofNullable(counts);
  }

  /** How many filter events were decoded so far. */
  public int eventCount() {
    return events.size();
  }

  /** The filter events decoded so far, in stream order. */
  public List<EventRecord> events() {
    return List.copyOf(events);
  }

  /** Distinct records (syscall, load and event) decoded so far. */
  public long received() {
    return sequence.received();
  }

  /** Distinct syscall records decoded so far that are not idling ({@link SyscallNames#IDLE}). */
  public long work() {
    return work;
  }

  /** The last syscall record's seq, -1 before the first. */
  public long lastSeq() {
    return sequence.lastSeq();
  }

  public TraceStats stats() {
    return sequence.stats(header == null ? 0 : header.ringRecords(), finalRecord());
  }

  /** Damage found so far; a partial record at the end only counts once {@link #end()} was called. */
  public Optional<Damage> damage() {
    if (damageKind == null) {
      return Optional.empty();
    }
    return Optional.of(
        new Damage(damageKind, unitOffset, sequence.received(), bytes - unitOffset, damageDetail));
  }
}
