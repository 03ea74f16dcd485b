package dev.ukhook.format;

import static dev.ukhook.format.TraceFormat.*;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The reference encoder of the trace stream, the Java twin of the guest's C writer: tests use it to produce
 * streams, and the C encoder is checked against the decoder that reads this one's output.
 */
public final class TraceWriter {
  private final OutputStream out;
  private final int frames;
  private final ByteBuffer buf;

  /** Writes {@code header} to {@code out}; records then use its frame count. */
  public TraceWriter(OutputStream out, TraceHeader header) throws IOException {
    this.out = out;
    this.frames = header.frames();
    this.buf = ByteBuffer.allocate(Math.max(HEADER_SIZE, header.recordSize())).order(ByteOrder.LITTLE_ENDIAN);
    out.write(encode(header));
  }

  public void syscall(SyscallRecord r) throws IOException {
    if (r.depth() > frames) {
      throw new IllegalArgumentException("record has " + r.depth() + " frames, the header allows " + frames);
    }
    clear(recordSize(frames));
    buf.putLong(R_SEQ, r.seq())
        .putLong(R_T_ENTER, r.tEnter())
        .putLong(R_T_EXIT, r.tExit())
        .putInt(R_NR, r.nr())
        .put(R_KIND, (byte) KIND_SYSCALL)
        .put(R_DEPTH, (byte) r.depth())
        .putShort(R_FLAGS, (short) r.flags())
        .putLong(R_RET, r.ret())
        .putLong(R_RIP, r.rip());
    for (int i = 0; i < ARGS; i++) {
      buf.putLong(R_ARGS + 8 * i, r.arg(i));
    }
    for (int i = 0; i < r.depth(); i++) {
      buf.putLong(R_FRAMES + 8 * i, r.frame(i));
    }
    out.write(buf.array(), 0, buf.limit());
  }

  /** Writes the final record; its seq is {@code total}, as the guest writes it. */
  public void end(FinalRecord f) throws IOException {
    clear(recordSize(frames));
    buf.putLong(R_SEQ, f.total())
        .putLong(F_T_END, f.tEnd())
        .put(R_KIND, (byte) KIND_FINAL)
        .putLong(F_TOTAL, f.total())
        .putLong(F_DROPPED, f.dropped())
        .putLong(F_EMITTED, f.emitted());
    out.write(buf.array(), 0, buf.limit());
  }

  public void flush() throws IOException {
    out.flush();
  }

  /** The 64 header bytes. */
  public static byte[] encode(TraceHeader h) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.put(0, MAGIC)
        .putShort(H_VERSION, (short) h.version())
        .putShort(H_HEADER_SIZE, (short) h.headerSize())
        .putShort(H_RECORD_SIZE, (short) h.recordSize())
        .put(H_FRAMES, (byte) h.frames())
        .put(H_TS_SOURCE, (byte) h.tsSource())
        .putLong(H_TS_HZ, h.tsHz())
        .put(H_IMAGE_ID, HexFormat.of().parseHex(h.imageId()))
        .putInt(H_RING_RECORDS, (int) h.ringRecords())
        .put(H_OVERFLOW, (byte) h.overflow().code());
    return b.array();
  }

  private void clear(int size) {
    Arrays.fill(buf.array(), 0, size, (byte) 0);
    buf.clear().limit(size);
  }
}
