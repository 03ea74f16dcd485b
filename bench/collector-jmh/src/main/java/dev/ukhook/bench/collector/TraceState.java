package dev.ukhook.bench.collector;

import dev.ukhook.attribution.Attributor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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

  /** walk: records keep 4 frames and the arguments (120 bytes); compact: trace format 4's default (40 bytes). */
  @Param({"walk", "compact"})
  public String format;

  public static final int DEFAULT_RECORDS = 1_000_000;
  public static final long SEED = 42;

  public SyntheticTrace trace;
  public Attributor attributor;
  /** The trace as a file (in the page cache after the first read), for the report's own read path. */
  public Path file;

  @Setup(Level.Trial)
  public void generate(BenchmarkParams params) {
    if (params.getOpsPerInvocation() != records) {
      throw new IllegalArgumentException(
          "records=" + records + " but " + params.getOpsPerInvocation()
              + " operations per invocation: pass -opi " + records + " so that ops/s counts records");
    }
    trace = SyntheticTrace.generate(records, SEED, format.equals("compact"));
    attributor = new Attributor(trace.linkMap, SyntheticTrace.TRANSPARENT);
    try {
      file = Files.createTempFile("ukhook-jmh-", ".ukt");
      Files.write(file, trace.bytes);
      file.toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh view of the whole stream: the decoder moves the position and changes the byte order. */
  public ByteBuffer stream() {
    return ByteBuffer.wrap(trace.bytes);
  }
}
