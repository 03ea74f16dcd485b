package dev.ukhook.format;

import static dev.ukhook.format.TraceLayout.*;

import dev.ukhook.format.TraceLayout.Field;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The reference encoder of the trace stream, the Java twin of the guest's C writer: tests and benchmarks use
 * it to produce streams, and the C encoder is checked against the decoder that reads this one's output.
 */
public final class TraceWriter {
  private final OutputStream out;
  private final int frames;
  private final TraceHeader header;
  private final ByteBuffer buf;

  /** Writes {@code header} to {@code out}; records then use its frame count. */
  public TraceWriter(OutputStream out, TraceHeader header) throws IOException {
    this.out = out;
    this.frames = header.frames();
    this.header = header;
    this.buf = ByteBuffer.allocate(Math.max(HEADER_SIZE, header.recordSize())).order(ByteOrder.LITTLE_ENDIAN);
    out.write(encode(header));
  }

  /** Writes {@code r} as the guest would: its arguments only where the header keeps them. */
  public void syscall(SyscallRecord r) throws IOException {
    if (r.depth() > frames) {
      throw new IllegalArgumentException("record has " + r.depth() + " frames, the header allows " + frames);
    }
    if (r.hasArgs() != (header.argWords() != 0)) {
      throw new IllegalArgumentException("record " + (r.hasArgs() ? "has" : "has no") + " arguments, the header "
          + (header.argWords() != 0 ? "keeps them" : "keeps none"));
    }
    clear(header.recordSize());
    u64(Syscall.T_ENTER, r.tEnter());
    u64(Syscall.RET, r.ret());
    buf.putInt(Syscall.SEQ.offset(), (int) r.seq());
    buf.putInt(Syscall.DUR.offset(), TraceLayout.dur(r.tExit() - r.tEnter()));
    buf.putShort(Syscall.NR.offset(), (short) r.nr());
    buf.put(Syscall.LIB.offset(), (byte) r.lib());
    buf.put(Syscall.NEST.offset(), (byte) (Math.min(r.nest(), NEST_MASK) | r.path() << PATH_SHIFT));
    buf.put(Syscall.KIND.offset(), (byte) KIND_SYSCALL);
    buf.put(Syscall.FLAGS.offset(), (byte) r.flags());
    buf.putShort(Syscall.THREAD.offset(), (short) r.thread());
    u64(Syscall.RIP, r.rip());
    for (int i = 0; i < r.depth(); i++) {
      buf.putLong(Syscall.FRAMES.offset() + 8 * i, r.frame(i));
    }
    int tail = Syscall.FRAMES.offset() + 8 * frames;
    for (int i = 0; i < header.argWords(); i++) {
      buf.putLong(tail + 8 * i, r.arg(i));
    }
    tail += header.argBytes();
    if (r.tail().pathArg() != null) {
      byte[] p = r.tail().pathArg().getBytes(StandardCharsets.ISO_8859_1);
      buf.put(tail, p, 0, Math.min(p.length, header.pathBytes()));
    }
    if (r.tail().buffer() != null) {
      buf.put(tail, r.tail().buffer(), 0, Math.min(r.tail().buffer().length, header.pathBytes()));
    }
    if (r.tail().stack() != null) {
      int area = tail + header.pathBytes();
      buf.putLong(area, r.tail().sp()).putLong(area + 8, r.tail().bp());
      buf.put(area + 8 * TraceLayout.STACK_REGS, r.tail().stack(), 0,
          Math.min(r.tail().stack().length, header.snapshotBytes()));
    }
    out.write(buf.array(), 0, buf.limit());
  }

  /** Writes a load record. */
  public void load(LoadRecord l) throws IOException {
    clear(header.recordSize());
    buf.putInt(Load.SEQ.offset(), (int) l.seq());
    u64(Load.T, l.t());
    buf.put(Load.KIND.offset(), (byte) KIND_LOAD);
    u64(Load.PHDR, l.phdr());
    u64(Load.PHNUM, l.phnum());
    u64(Load.ENTRY, l.entry());
    u64(Load.INTERP_BASE, l.interpBase());
    byte[] p = l.execfn().getBytes(StandardCharsets.ISO_8859_1);
    buf.put(Load.EXECFN.offset(), p, 0, Math.min(p.length, header.recordSize() - Load.EXECFN.offset() - 1));
    out.write(buf.array(), 0, buf.limit());
  }

  /** Writes a filter event record. */
  public void event(EventRecord e) throws IOException {
    clear(header.recordSize());
    buf.putInt(Event.SEQ.offset(), (int) e.seq());
    u64(Event.T, e.t());
    u64(Event.POLICY, e.policy());
    buf.put(Event.EVENT.offset(), (byte) e.event()).put(Event.FROM.offset(), (byte) e.from())
        .put(Event.TO.offset(), (byte) e.to()).put(Event.REASON.offset(), (byte) e.reason())
        .put(Event.KIND.offset(), (byte) KIND_EVENT);
    buf.putInt(Event.CAUSE.offset(), (int) e.cause());
    u64(Event.REFUSED, e.refused());
    out.write(buf.array(), 0, buf.limit());
  }

  /** Writes a counts record and its cells (a counting image's snapshot). */
  public void counts(CountSnapshot c) throws IOException {
    clear(header.recordSize());
    buf.putInt(Counts.SEQ.offset(), (int) c.seq());
    u64(Counts.T, c.t());
    buf.putInt(Counts.NCELLS.offset(), c.cells().size());
    buf.putShort(Counts.CELL_SIZE.offset(), (short) CELL_SIZE_BYTES);
    buf.put(Counts.WHY.offset(), (byte) (c.finalSnapshot() ? WHY_FINAL : WHY_PERIODIC));
    buf.put(Counts.LATENCY.offset(), (byte) (c.latency() ? 1 : 0));
    buf.put(Counts.KIND.offset(), (byte) KIND_COUNTS);
    u64(Counts.OVERFLOWED, c.overflowed());
    out.write(buf.array(), 0, buf.limit());
    ByteBuffer cell = ByteBuffer.allocate(CELL_SIZE_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (CountSnapshot.Cell x : c.cells()) {
      Arrays.fill(cell.array(), (byte) 0);
      cell.putShort(Cell.NR.offset(), (short) x.nr()).put(Cell.LIB.offset(), (byte) x.lib())
          .put(Cell.PHASE.offset(), (byte) (CELL_IN_USE | x.phase())).putLong(Cell.CALLS.offset(), x.calls())
          .putLong(Cell.ERRORS.offset(), x.errors()).putLong(Cell.REFUSED.offset(), x.refused())
          .putLong(Cell.NESTED.offset(), x.nested()).putLong(Cell.TICKS.offset(), x.ticks());
      int e = 0;
      for (var errno : x.errnos().entrySet()) {
        cell.putShort(Cell.ERRNO_NR.offset() + 2 * e, (short) (int) errno.getKey());
        cell.putLong(Cell.ERRNO_CALLS.offset() + 8 * e++, errno.getValue());
      }
      for (int h = 0; h < HIST_BUCKETS; h++) {
        cell.putInt(Cell.HIST.offset() + 4 * h, (int) x.hist()[h]);
      }
      out.write(cell.array());
    }
  }

  /** Writes the final record. */
  public void end(FinalRecord f) throws IOException {
    clear(header.recordSize());
    u64(Final.T_END, f.tEnd());
    buf.put(Final.KIND.offset(), (byte) KIND_FINAL);
    u64(Final.TOTAL, f.total());
    u64(Final.DROPPED, f.dropped());
    u64(Final.EMITTED, f.emitted());
    out.write(buf.array(), 0, buf.limit());
  }

  public void flush() throws IOException {
    out.flush();
  }

  /** The 64 header bytes. */
  public static byte[] encode(TraceHeader h) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.put(Header.MAGIC.offset(), MAGIC.getBytes(StandardCharsets.US_ASCII))
        .putShort(Header.VERSION.offset(), (short) h.version())
        .putShort(Header.HEADER_SIZE.offset(), (short) h.headerSize())
        .putShort(Header.RECORD_SIZE.offset(), (short) h.recordSize())
        .put(Header.FRAMES.offset(), (byte) h.frames())
        .put(Header.ARG_WORDS.offset(), (byte) h.argWords())
        .putLong(Header.TS_HZ.offset(), h.tsHz())
        .put(Header.IMAGE_ID.offset(), HexFormat.of().parseHex(h.imageId()))
        .putInt(Header.RING_RECORDS.offset(), (int) h.ringRecords())
        .put(Header.OVERFLOW.offset(), (byte) h.overflow().code())
        .put(Header.HOOK_POINTS.offset(), (byte) h.hookPoints())
        .put(Header.PATH_WORDS.offset(), (byte) h.pathWords())
        .put(Header.STACK_WORDS.offset(), (byte) h.stackWords())
        .putLong(Header.TEXT_START.offset(), h.textStart())
        .putLong(Header.TEXT_END.offset(), h.textEnd());
    return b.array();
  }

  private void u64(Field f, long value) {
    buf.putLong(f.offset(), value);
  }

  private void clear(int size) {
    Arrays.fill(buf.array(), 0, size, (byte) 0);
    buf.clear().limit(size);
  }
}
