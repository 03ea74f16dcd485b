package dev.ukhook.bench.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.format.DecodedTrace;
import dev.ukhook.format.TraceDecoder;
import dev.ukhook.format.TraceLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The benchmark module measures ukhook's own format, attribution and aggregation code, so it may use only those
 * packages, and its trace is written by ukhook's {@code TraceWriter}: no private copy of the layout to drift.
 */
class ModuleBoundaryTest {
  private static final Pattern UKHOOK_IMPORT = Pattern.compile("(?m)^import (?:static )?dev\\.ukhook\\.(\\w+)");

  @Test
  void importsOnlyFormatAttributionAndAggregation() throws IOException {
    Path sources = Path.of("src");
    List<Path> files;
    try (Stream<Path> s = Files.walk(sources)) {
      files = s.filter(p -> p.toString().endsWith(".java")).toList();
    }
    assertTrue(files.size() >= 4, "no sources under " + sources.toAbsolutePath());
    for (Path f : files) {
      Matcher m = UKHOOK_IMPORT.matcher(Files.readString(f));
      while (m.find()) {
        assertTrue(List.of("format", "attribution", "aggregate", "bench").contains(m.group(1)),
            f + " imports dev.ukhook." + m.group(1));
      }
    }
  }

  @Test
  void theSyntheticTraceIsAValidTraceOfTheCurrentFormat() {
    SyntheticTrace t = SyntheticTrace.generate(1000, 42);
    DecodedTrace d = TraceDecoder.decode(ByteBuffer.wrap(t.bytes));
    assertEquals(TraceLayout.VERSION, d.header().version());
    assertEquals(1000, d.received());
    assertEquals(List.of(), d.problems());
  }
}
