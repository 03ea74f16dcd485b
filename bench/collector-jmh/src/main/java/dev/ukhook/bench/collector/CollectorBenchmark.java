package dev.ukhook.bench.collector;

import dev.ukhook.aggregate.Analysis;
import dev.ukhook.aggregate.Analyzer;
import dev.ukhook.aggregate.PhaseRule;
import dev.ukhook.format.DecodedTrace;
import dev.ukhook.format.StreamDecoder;
import dev.ukhook.format.TraceDecoder;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The collector's decode and per-library aggregation as ukhook does them today, one thread, so ops/s is
 * records per second per core. Each invocation decodes the whole synthetic trace held in memory.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(TraceState.DEFAULT_RECORDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class CollectorBenchmark {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** One 8-byte load per 64-byte line of the trace: the cost of only bringing the bytes in, a floor for all. */
  @Benchmark
  public long memoryFloor(TraceState s) {
    byte[] bytes = s.trace.bytes;
    long sum = 0;
    for (int at = 0; at + 8 <= bytes.length; at += 64) {
      sum += (long) LONGS.get(bytes, at);
    }
    return sum;
  }

  /** What the live collector does: count and check records, no record objects (sink {@code null}). */
  @Benchmark
  public long decodeCount(TraceState s) {
    StreamDecoder decoder = new StreamDecoder(null);
    decoder.feed(s.stream());
    decoder.end();
    return decoder.received();
  }

  /** Decode to a {@code SyscallRecord} per record, handed to a sink that keeps nothing. */
  @Benchmark
  public long decodeRecords(TraceState s, Blackhole bh) {
    StreamDecoder decoder = new StreamDecoder(bh::consume);
    decoder.feed(s.stream());
    decoder.end();
    return decoder.received();
  }

  /** Decode in place and charge each record to its microlibrary, without counting. */
  @Benchmark
  public long decodeAttribute(TraceState s, Blackhole bh) {
    StreamDecoder decoder = StreamDecoder.of(c -> bh.consume(s.attributor.charge(c)));
    decoder.feed(s.stream());
    decoder.end();
    return decoder.received();
  }

  /**
   * Decode, attribute and aggregate per library and syscall (counts, errors, latency histograms, first and
   * last, phases, timeline): the table of {@code ukhook run}, an {@link Analyzer} without sequences.
   */
  @Benchmark
  public Analysis decodeAttributeAggregate(TraceState s) {
    return analyse(s, false);
  }

  /** The same with each library's 2- and 3-grams: everything {@code ukhook report} computes in its pass. */
  @Benchmark
  public Analysis decodeAttributeAggregateSequences(TraceState s) {
    return analyse(s, true);
  }

  private static Analysis analyse(TraceState s, boolean sequences) {
    Analyzer analyzer = new Analyzer(s.attributor, PhaseRule.SERVING, sequences);
    StreamDecoder decoder = StreamDecoder.of(analyzer);
    decoder.feed(s.stream());
    decoder.end();
    return analyzer.analysis(PhaseRule.SERVING, decoder.header().orElseThrow(), decoder.stats(),
        decoder.stats().problems(), List.of());
  }

  /**
   * What {@code ukhook report} runs, from the file: {@link TraceDecoder#readCalls} (1 MiB reads of a file in the
   * page cache) into the {@link Analyzer} with sequences, then the {@link Analysis}.
   */
  @Benchmark
  public Analysis reportPath(TraceState s) {
    Analyzer analyzer = new Analyzer(s.attributor, PhaseRule.SERVING, true);
    DecodedTrace trace = TraceDecoder.readCalls(s.file, analyzer);
    return analyzer.analysis(PhaseRule.SERVING, trace.header(), trace.stats(), trace.problems(), List.of());
  }
}
