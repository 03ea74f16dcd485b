package dev.ukhook.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

/** Builds trace streams for tests. */
public final class Traces {
  public static final String IMAGE_ID = "0123456789abcdef0123456789abcdef";

  private Traces() {}

  public static TraceHeader header(int frames) {
    return TraceHeader.of(frames, 1_000_000_000L, IMAGE_ID, 4096, TraceHeader.Overflow.BLOCK);
  }

  /** A getpid-like record whose fields all derive from {@code seq}, with {@code depth} frames. */
  public static SyscallRecord record(long seq, int nr, long rip, long... frames) {
    long[] args = {seq, -seq, 0, 1, 2, 3};
    return new SyscallRecord(seq, 100 * seq, 100 * seq + 7, nr, 0, args, seq % 3 - 1, rip, frames);
  }

  public static byte[] encode(TraceHeader h, List<SyscallRecord> records, FinalRecord fin) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      TraceWriter w = new TraceWriter(out, h);
      for (SyscallRecord r : records) {
        w.syscall(r);
      }
      if (fin != null) {
        w.end(fin);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Reads a commented hex dump from the test resources: '#' starts a comment, whitespace is ignored. */
  public static byte[] hexResource(String name) throws IOException {
    try (InputStream in = Traces.class.getResourceAsStream(name)) {
      String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      return HexFormat.of().parseHex(text.replaceAll("#[^\n]*", "").replaceAll("\\s", ""));
    }
  }
}
