package dev.ukhook.format;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Decodes a whole trace stream. A damaged stream is decoded up to the damage, which the result reports; a
 * stream whose header cannot be read fails with one line that says why.
 */
public final class TraceDecoder {
  private static final int CHUNK = 1 << 16;
  private static final int FILE_CHUNK = 1 << 20;

  private TraceDecoder() {}

  /** Decodes {@code in} to its end, keeping every syscall record in memory. */
  public static DecodedTrace decode(InputStream in) throws IOException {
    List<SyscallRecord> records = new ArrayList<>();
    return decode(in, records::add, records, "trace");
  }

  /** Decodes {@code in} to its end, handing each syscall record to {@code sink} instead of keeping it. */
  public static DecodedTrace decode(InputStream in, Consumer<? super SyscallRecord> sink) throws IOException {
    return decode(in, sink, List.of(), "trace");
  }

  /** Decodes the remaining bytes of {@code bytes}, keeping every syscall record. */
  public static DecodedTrace decode(ByteBuffer bytes) {
    List<SyscallRecord> records = new ArrayList<>();
    StreamDecoder decoder = new StreamDecoder(records::add);
    decoder.feed(bytes);
    return finish(decoder, records, "trace");
  }

  /** Decodes a trace file, keeping every syscall record; every failure is one line. */
  public static DecodedTrace read(Path file) {
    List<SyscallRecord> records = new ArrayList<>();
    return read(file, records::add, records);
  }

  /** Decodes a trace file, handing each syscall record to {@code sink}; every failure is one line. */
  public static DecodedTrace read(Path file, Consumer<? super SyscallRecord> sink) {
    return read(file, sink, List.of());
  }

  private static DecodedTrace read(Path file, Consumer<? super SyscallRecord> sink, List<SyscallRecord> kept) {
    return readCalls(file, sink == null ? null : StreamDecoder.records(sink), kept);
  }

  /**
   * Decodes a trace file, handing each record to {@code sink} in place (no object per record); every failure is
   * one line.
   */
  public static DecodedTrace readCalls(Path file, CallSink sink) {
    return readCalls(file, sink, List.of());
  }

  private static DecodedTrace readCalls(Path file, CallSink sink, List<SyscallRecord> kept) {
    try (FileChannel in = FileChannel.open(file)) {
      StreamDecoder decoder = StreamDecoder.of(sink);
      ByteBuffer buf = ByteBuffer.allocate(FILE_CHUNK);
      // Decoding stops at the first damage (a header that is not a trace's, in the first bytes read), and so does
      // the reading: the rest of a file is counted by its size, that of a pipe or a device (/dev/zero never ends)
      // is left unread. A pipe that never writes is waited for, as `cat` would.
      while (!decoder.stopped() && in.read(buf.clear()) >= 0) {
        decoder.feed(buf.flip());
      }
      if (decoder.stopped() && Files.isRegularFile(file)) {
        decoder.skip(Math.max(0, in.size() - in.position()));
      }
      return finish(decoder, kept, "trace " + file);
    } catch (NoSuchFileException e) {
      throw new UkhookException(
          Kind.FAILURE, "trace file " + file + " does not exist; pass the trace.ukt of a run");
    } catch (IOException e) {
      throw new UkhookException(Kind.FAILURE, "cannot read trace file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The header of a trace file, read alone: its first {@value TraceLayout#HEADER_SIZE} bytes; every failure is
   * one line.
   */
  public static TraceHeader readHeader(Path file) {
    StreamDecoder decoder = new StreamDecoder(null);
    try (InputStream in = Files.newInputStream(file)) {
      decoder.feed(ByteBuffer.wrap(in.readNBytes(TraceLayout.HEADER_SIZE)));
    } catch (NoSuchFileException e) {
      throw new UkhookException(
          Kind.FAILURE, "trace file " + file + " does not exist; pass the trace.ukt of a run");
    } catch (IOException e) {
      throw new UkhookException(Kind.FAILURE, "cannot read trace file " + file + ": " + e.getMessage(), e);
    }
    decoder.end();
    return decoder.header().orElseThrow(() -> new UkhookException(
        Kind.FAILURE, "cannot read trace " + file + ": " + decoder.damage().orElseThrow().detail()));
  }

  // `what` names the input in the error for an unreadable header.
  private static DecodedTrace decode(
      InputStream in, Consumer<? super SyscallRecord> sink, List<SyscallRecord> kept, String what)
      throws IOException {
    StreamDecoder decoder = new StreamDecoder(sink);
    byte[] buf = new byte[CHUNK];
    ByteBuffer view = ByteBuffer.wrap(buf);
    for (int n; (n = in.read(buf)) >= 0; ) {
      view.clear().limit(n);
      decoder.feed(view);
    }
    return finish(decoder, kept, what);
  }

  private static DecodedTrace finish(StreamDecoder decoder, List<SyscallRecord> kept, String what) {
    decoder.end();
    if (decoder.header().isEmpty()) {
      throw new UkhookException(
          Kind.FAILURE, "cannot read " + what + ": " + decoder.damage().orElseThrow().detail());
    }
    return new DecodedTrace(
        decoder.header().orElseThrow(), kept, decoder.stats(), decoder.damage(), decoder.bytes(), decoder.loads(),
        decoder.events(), decoder.counts());
  }
}
