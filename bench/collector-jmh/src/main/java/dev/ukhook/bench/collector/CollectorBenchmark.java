package dev.ukhook.bench.collector;

import dev.ukhook.analysis.SyscallTable;
import dev.ukhook.format.DecodedTrace;
import dev.ukhook.format.StreamDecoder;
import dev.ukhook.format.TraceDecoder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
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

  /** Decode and attribute each record to its microlibrary, without counting. */
  @Benchmark
  public long decodeAttribute(TraceState s, Blackhole bh) {
    StreamDecoder decoder = new StreamDecoder(r -> bh.consume(s.attributor.attribute(r)));
    decoder.feed(s.stream());
    decoder.end();
    return decoder.received();
  }

  /** Decode, attribute and count per library and syscall: the per-library table of {@code ukhook report}. */
  @Benchmark
  public SyscallTable decodeAttributeAggregate(TraceState s) {
    SyscallTable.Builder builder = new SyscallTable.Builder(s.attributor);
    StreamDecoder decoder = new StreamDecoder(builder);
    decoder.feed(s.stream());
    decoder.end();
    return builder.build(decoder.header().orElseThrow(), decoder.stats());
  }

  /**
   * The same through {@link TraceDecoder#decode(java.io.InputStream, java.util.function.Consumer)}, as
   * {@code RunReport} reads {@code trace.ukt}: 64 KiB chunks copied out of a stream, here one in memory.
   */
  @Benchmark
  public SyscallTable reportPath(TraceState s) throws IOException {
    SyscallTable.Builder builder = new SyscallTable.Builder(s.attributor);
    DecodedTrace trace = TraceDecoder.decode(new ByteArrayInputStream(s.trace.bytes), builder);
    return builder.build(trace.header(), trace.stats());
  }
}
