package dev.ukhook.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the Perfetto UI's JSON importer needs of the golden traces' Perfetto files (ReportGoldenTest makes them
 * from real hook code): every slice on a named track, and on one track no two slices that overlap without
 * nesting; one slice per call of the calls table.
 */
class PerfettoTraceTest {
  @Test
  void slicesOfOneTrackNeverOverlapAndEveryCallIsOne() throws IOException {
    Path golden = Path.of("src/test/resources/report/golden");
    List<Path> cases;
    try (Stream<Path> dirs = Files.list(golden)) {
      cases = dirs.filter(d -> Files.exists(d.resolve("expected/perfetto.json"))).sorted().toList();
    }
    assertFalse(cases.isEmpty());
    for (Path c : cases) {
      JsonNode events = new ObjectMapper().readTree(c.resolve("expected/perfetto.json").toFile()).get("traceEvents");
      Map<Long, String> tracks = new HashMap<>();
      Map<Long, List<double[]>> slices = new HashMap<>();
      int n = 0;
      for (JsonNode e : events) {
        if (e.get("name").asText().equals("thread_name")) {
          tracks.put(e.get("tid").asLong(), e.at("/args/name").asText());
        } else if (e.get("ph").asText().equals("X")) {
          assertTrue(tracks.containsKey(e.get("tid").asLong()), c + ": a slice before its track's name: " + e);
          slices.computeIfAbsent(e.get("tid").asLong(), t -> new ArrayList<>())
              .add(new double[] {e.get("ts").asDouble(), e.get("ts").asDouble() + e.get("dur").asDouble()});
          n++;
        }
      }
      slices.forEach((tid, s) -> {
        for (int i = 1; i < s.size(); i++) {
          assertTrue(s.get(i)[0] >= s.get(i - 1)[1], c + ": track " + tracks.get(tid) + " overlaps at slice " + i);
        }
      });
      long calls = Files.readAllLines(c.resolve("expected/calls.csv")).size() - 1;
      assertEquals(calls, n, c + ": one slice per call");
    }
  }
}
