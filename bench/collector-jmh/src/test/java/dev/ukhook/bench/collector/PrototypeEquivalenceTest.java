package dev.ukhook.bench.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ukhook.analysis.SyscallTable;
import dev.ukhook.bench.collector.proto.ArraySyscallTable;
import dev.ukhook.bench.collector.proto.FusedCollector;
import dev.ukhook.bench.collector.proto.IndexedAttributor;
import dev.ukhook.bench.collector.proto.ViewStreamDecoder;
import dev.ukhook.format.StreamDecoder;
import dev.ukhook.format.SyscallRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The prototypes must compute what the code they would replace computes, or their numbers mean nothing:
 * same records, counts, damage and table, whatever the chunking and wherever the stream is damaged.
 */
class PrototypeEquivalenceTest {
  private static final SyntheticTrace TRACE = SyntheticTrace.generate(3000, TraceState.SEED);

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 64, 128, 1000, 65536, Integer.MAX_VALUE})
  void viewDecoderMatchesStreamDecoderOnAnyChunking(int chunk) {
    for (byte[] stream : streams()) {
      List<SyscallRecord> expected = new ArrayList<>();
      StreamDecoder reference = new StreamDecoder(expected::add);
      List<SyscallRecord> actual = new ArrayList<>();
      ViewStreamDecoder view = new ViewStreamDecoder(v -> actual.add(v.toRecord()));

      feed(stream, chunk, reference::feed);
      feed(stream, chunk, view::feed);
      reference.end();
      view.end();

      assertEquals(expected, actual);
      assertEquals(reference.header(), view.header());
      assertEquals(reference.stats(), view.stats());
      assertEquals(reference.damage(), view.damage());
      assertEquals(reference.bytes(), view.bytes());
    }
  }

  @ParameterizedTest
  @EnumSource(IndexedAttributor.Cache.class)
  void arrayTableMatchesSyscallTable(IndexedAttributor.Cache cache) {
    SyscallTable.Builder builder =
        new SyscallTable.Builder(new dev.ukhook.analysis.Attributor(TRACE.linkMap, SyntheticTrace.TRANSPARENT));
    StreamDecoder reference = new StreamDecoder(builder);
    reference.feed(ByteBuffer.wrap(TRACE.bytes));
    reference.end();
    SyscallTable expected = builder.build(reference.header().orElseThrow(), reference.stats());

    ArraySyscallTable table =
        new ArraySyscallTable(new IndexedAttributor(TRACE.linkMap, SyntheticTrace.TRANSPARENT, cache));
    ViewStreamDecoder view = new ViewStreamDecoder(table);
    view.feed(ByteBuffer.wrap(TRACE.bytes));
    view.end();

    assertEquals(expected.libraries(), table.libraries());
    // The synthetic trace exercises every outcome of attribution.
    List<String> libraries = expected.libraries().stream().map(SyscallTable.LibraryCounts::library).toList();
    assertEquals(true, libraries.contains("<unknown>") && libraries.contains("libnolibc"), libraries.toString());
  }

  @org.junit.jupiter.api.Test
  void fusedCollectorMatchesSyscallTableAndSequenceCheck() {
    SyscallTable.Builder builder =
        new SyscallTable.Builder(new dev.ukhook.analysis.Attributor(TRACE.linkMap, SyntheticTrace.TRANSPARENT));
    StreamDecoder reference = new StreamDecoder(builder);
    reference.feed(ByteBuffer.wrap(TRACE.bytes));
    reference.end();
    FusedCollector fused =
        new FusedCollector(new IndexedAttributor(TRACE.linkMap, SyntheticTrace.TRANSPARENT, IndexedAttributor.Cache.NONE));

    assertEquals(reference.received(), fused.run(TRACE.bytes, FusedCollector.Until.AGGREGATE));

    assertEquals(builder.build(reference.header().orElseThrow(), reference.stats()).libraries(), fused.libraries());
    assertEquals(reference.stats().outOfOrder(), fused.outOfOrder());
    // The final record's seq closes the count in SequenceCheck; the fused loop stops before it.
    assertEquals(0, fused.gaps());
  }

  // The clean stream, and the same cut or damaged at places that end the fast loop early.
  private static List<byte[]> streams() {
    byte[] clean = TRACE.bytes;
    int r = TRACE.header.recordSize();
    List<byte[]> streams = new ArrayList<>();
    streams.add(clean);
    streams.add(Arrays.copyOf(clean, 64 + 100 * r + 17));
    streams.add(Arrays.copyOf(clean, 30));
    byte[] unknownKind = clean.clone();
    unknownKind[64 + 500 * r + 28] = 9;
    streams.add(unknownKind);
    byte[] deep = clean.clone();
    deep[64 + 1500 * r + 29] = (byte) (SyntheticTrace.FRAMES + 1);
    streams.add(deep);
    byte[] trailing = Arrays.copyOf(clean, clean.length + 3 * r + 5);
    streams.add(trailing);
    return streams;
  }

  private static void feed(byte[] stream, int chunk, java.util.function.Consumer<ByteBuffer> decoder) {
    for (int at = 0; at < stream.length; at += chunk) {
      int n = (int) Math.min(chunk, (long) stream.length - at);
      decoder.accept(ByteBuffer.wrap(stream, at, n).slice());
    }
  }
}
