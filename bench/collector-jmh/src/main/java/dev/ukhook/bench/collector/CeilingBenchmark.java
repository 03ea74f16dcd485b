package dev.ukhook.bench.collector;

import dev.ukhook.bench.collector.proto.FusedCollector;
import dev.ukhook.bench.collector.proto.IndexedAttributor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How fast one core could go in Java with everything fused into one loop ({@link FusedCollector}), step by
 * step: the difference between two steps is what that step costs per record.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(TraceState.DEFAULT_RECORDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class CeilingBenchmark {
  @Param({"DECODE", "HASH", "ATTRIBUTE", "AGGREGATE"})
  public FusedCollector.Until until;

  private FusedCollector collector;

  // One per trial, like the attributors: its table of call paths is warm after the first invocation.
  @Setup(Level.Trial)
  public void collector(TraceState s) {
    collector =
        new FusedCollector(new IndexedAttributor(s.trace.linkMap, SyntheticTrace.TRANSPARENT, IndexedAttributor.Cache.NONE));
  }

  @Benchmark
  public long fusedLoop(TraceState s) {
    return collector.run(s.trace.bytes, until) + collector.check();
  }
}
