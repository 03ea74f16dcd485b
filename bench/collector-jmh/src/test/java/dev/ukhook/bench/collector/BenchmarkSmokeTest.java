package dev.ukhook.bench.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.aggregate.Analysis;
import dev.ukhook.aggregate.Analyzer;
import dev.ukhook.aggregate.PhaseRule;
import dev.ukhook.attribution.Attributor;
import dev.ukhook.format.StreamDecoder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark once, briefly, in this JVM, and checks that it reports what bench/collector-jmh.md
 * reads: a positive records/s score under each expected name. No timing is asserted: a loaded CI machine
 * must not fail this.
 */
class BenchmarkSmokeTest {
  private static final int RECORDS = 2000;
  private static final Set<String> EXPECTED =
      Set.of(
          "CollectorBenchmark.decodeCount",
          "CollectorBenchmark.decodeRecords",
          "CollectorBenchmark.decodeAttribute",
          "CollectorBenchmark.decodeAttributeAggregate",
          "CollectorBenchmark.decodeAttributeAggregateSequences",
          "CollectorBenchmark.reportPath",
          "CollectorBenchmark.memoryFloor");

  @Test
  void everyBenchmarkPrintsAPositiveRecordsPerSecondScore(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("jmh.log");
    Path json = dir.resolve("jmh.json");
    Options options =
        new OptionsBuilder()
            .include("dev\\.ukhook\\.bench\\.collector\\..*Benchmark\\..*")
            .forks(0)
            .warmupIterations(1)
            .warmupTime(TimeValue.milliseconds(100))
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(100))
            .param("records", Integer.toString(RECORDS))
            .operationsPerInvocation(RECORDS)
            .output(log.toString())
            .result(json.toString())
            .resultFormat(ResultFormatType.JSON)
            .build();

    Collection<RunResult> results = new Runner(options).run();

    Set<String> names = new TreeSet<>();
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      names.add(label.substring(label.lastIndexOf('.', label.lastIndexOf('.') - 1) + 1));
      assertEquals(RECORDS, r.getParams().getOpsPerInvocation(), label);
      assertTrue(r.getPrimaryResult().getScore() > 0, label + " scored " + r.getPrimaryResult().getScore());
      assertEquals("ops/s", r.getPrimaryResult().getScoreUnit(), label);
    }
    assertEquals(new TreeSet<>(EXPECTED), names);
    assertEquals(2 * EXPECTED.size(), results.size(), "each benchmark on walk and compact records");

    // The JSON a reader of the results table would load: one entry per benchmark, scores positive.
    JsonNode entries = new ObjectMapper().readTree(json.toFile());
    assertEquals(results.size(), entries.size());
    for (JsonNode e : entries) {
      assertEquals("thrpt", e.get("mode").asText(), e.toString());
      assertEquals(Integer.toString(RECORDS), e.get("params").get("records").asText(), e.toString());
      assertTrue(e.get("primaryMetric").get("score").asDouble() > 0, e.toString());
    }

    // The human-readable table at the end of the log names every benchmark with its parameters.
    String text = Files.readString(log);
    Matcher header = Pattern.compile("(?m)^Benchmark +\\(format\\) +\\(records\\) +Mode +Cnt +Score +Error +Units$")
        .matcher(text);
    assertTrue(header.find(), "no results table in the JMH output:\n" + text);
    String tail = text.substring(header.start());
    for (String name : EXPECTED) {
      assertTrue(tail.contains(name), name + " missing from the results table:\n" + tail);
    }
  }

  @Test
  void refusesARecordCountThatOpsPerInvocationDoesNotMatch(@TempDir Path dir) throws Exception {
    Options options =
        new OptionsBuilder()
            .include("dev\\.ukhook\\.bench\\.collector\\.CollectorBenchmark\\.decodeCount$")
            .forks(0)
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(50))
            .param("records", "1000")
            .output(dir.resolve("jmh.log").toString())
            .build();

    // JMH reports a failing @Setup as a benchmark without a result rather than throwing.
    Collection<RunResult> results = new Runner(options).run();

    assertTrue(results.isEmpty(), "a mismatched -opi must not produce a score");
    assertTrue(Files.readString(dir.resolve("jmh.log")).contains("pass -opi 1000"));
  }

  /** The compact trace is the walk trace's calls as the guest charged them: the host's table is the same. */
  @Test
  void compactRecordsGiveTheTableOfTheWalk() {
    List<String> tables = new ArrayList<>();
    for (boolean compact : new boolean[] {false, true}) {
      SyntheticTrace t = SyntheticTrace.generate(20_000, TraceState.SEED, compact);
      assertEquals(compact ? 40 : 120, t.header.recordSize());
      Analyzer analyzer = new Analyzer(new Attributor(t.linkMap, SyntheticTrace.TRANSPARENT), PhaseRule.SERVING,
          false);
      StreamDecoder decoder = StreamDecoder.of(analyzer);
      decoder.feed(ByteBuffer.wrap(t.bytes));
      decoder.end();
      Analysis a = analyzer.analysis(PhaseRule.SERVING, decoder.header().orElseThrow(), decoder.stats(),
          decoder.stats().problems(), List.of());
      assertEquals(List.of(), a.table().problems(), "no charge of the guest differs from the host's");
      tables.add(a.table().libraries().stream().map(l -> l.library() + " " + l.total() + " " + l.syscalls().stream()
          .map(c -> c.name() + "=" + c.count()).toList()).toList().toString());
    }
    assertEquals(tables.get(0), tables.get(1));
  }
}
