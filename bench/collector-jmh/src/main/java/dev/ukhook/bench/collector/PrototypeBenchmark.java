package dev.ukhook.bench.collector;

import dev.ukhook.bench.collector.proto.ArraySyscallTable;
import dev.ukhook.bench.collector.proto.IndexedAttributor;
import dev.ukhook.bench.collector.proto.ViewStreamDecoder;
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

/**
 * The changes proposed in bench/collector-jmh.md, measured on the same trace as {@link CollectorBenchmark},
 * and the floor no decoder of this trace can beat: touching every cache line of it once.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(TraceState.DEFAULT_RECORDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PrototypeBenchmark {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** One 8-byte load per 64-byte cache line of the stream: the cost of only bringing the bytes in. */
  @Benchmark
  public long memoryFloor(TraceState s) {
    byte[] bytes = s.trace.bytes;
    long sum = 0;
    for (int at = 0; at + 8 <= bytes.length; at += 64) {
      sum += (long) LONGS.get(bytes, at);
    }
    return sum;
  }

  /** {@link CollectorBenchmark#decodeCount} with the per-chunk inner loop. */
  @Benchmark
  public long viewDecodeCount(TraceState s) {
    ViewStreamDecoder decoder = new ViewStreamDecoder(null);
    decoder.feed(s.stream());
    decoder.end();
    return decoder.received();
  }

  /**
   * {@link CollectorBenchmark#decodeAttributeAggregate} with the three proposed changes: records in place,
   * indexed attribution with a cache of whole call paths, counts in arrays.
   */
  @Benchmark
  public Object viewDecodeAttributeAggregate(TraceState s) {
    return aggregate(s, IndexedAttributor.Cache.PATH);
  }

  /** The same with a cache of single return addresses instead of whole paths. */
  @Benchmark
  public Object viewDecodeAttributeAggregateAddressCache(TraceState s) {
    return aggregate(s, IndexedAttributor.Cache.ADDRESS);
  }

  /** The same without a cache: a binary search per return address, as {@code LinkMap} does today. */
  @Benchmark
  public Object viewDecodeAttributeAggregateNoCache(TraceState s) {
    return aggregate(s, IndexedAttributor.Cache.NONE);
  }

  private static Object aggregate(TraceState s, IndexedAttributor.Cache cache) {
    ArraySyscallTable table = new ArraySyscallTable(s.indexed.get(cache));
    ViewStreamDecoder decoder = new ViewStreamDecoder(table);
    decoder.feed(s.stream());
    decoder.end();
    return table.libraries();
  }
}
