package dev.ukhook.bench.collector;

import dev.ukhook.analysis.Attributor;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.BenchmarkParams;

/** One synthetic trace per trial, shared by the benchmarks so they decode the same bytes. */
@State(Scope.Benchmark)
public class TraceState {
  /**
   * Records in the trace. The benchmarks declare {@code @OperationsPerInvocation(DEFAULT_RECORDS)}; another
   * count needs {@code -opi} with the same number, or ops/s would no longer be records/s.
   */
  @Param({"1000000"})
  public int records;

  public static final int DEFAULT_RECORDS = 1_000_000;
  public static final long SEED = 42;

  public SyntheticTrace trace;
  public Attributor attributor;

  @Setup(Level.Trial)
  public void generate(BenchmarkParams params) {
    if (params.getOpsPerInvocation() != records) {
      throw new IllegalArgumentException(
          "records=" + records + " but " + params.getOpsPerInvocation()
              + " operations per invocation: pass -opi " + records + " so that ops/s counts records");
    }
    trace = SyntheticTrace.generate(records, SEED);
    attributor = new Attributor(trace.linkMap, SyntheticTrace.TRANSPARENT);
  }

  /** A fresh view of the whole stream: the decoder moves the position and changes the byte order. */
  public ByteBuffer stream() {
    return ByteBuffer.wrap(trace.bytes);
  }
}
