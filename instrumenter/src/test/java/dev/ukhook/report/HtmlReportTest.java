package dev.ukhook.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ukhook.format.SyscallRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static String sampleText() throws IOException {
    try (InputStream in = HtmlReportTest.class.getResourceAsStream("/report/sample-report.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static ObjectNode sample() throws IOException {
    return (ObjectNode) JSON.readTree(sampleText());
  }

  static int count(String html, String needle) {
    Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(html);
    int n = 0;
    while (m.find()) n++;
    return n;
  }

  @Test
  void sampleHasEverySectionAndTheExpectedElements() throws IOException {
    JsonNode report = sample();
    String html = HtmlReport.render(report);
    for (String id : new String[] {"summary", "heatmap", "timeline", "automaton", "latency", "phases", "security"}) {
      assertEquals(1, count(html, "<section id=\"" + id + "\" class=\"section " + id + "\">"), id);
    }
    assertTrue(html.contains("id=\"filter\""), "the sample's phase mark is a filter event");
    int pairs = 0;
    for (JsonNode l : report.path("libraries")) pairs += l.path("syscalls").size();
    assertEquals(6, pairs);
    assertEquals(pairs, count(html, "class=\"cell\""));
    assertTrue(html.contains("<title>libsmstore getuid: 5</title>"));
    assertEquals(9, count(html, "class=\"state\""), "three libraries, each ^ and two syscalls");
    assertEquals(12, count(html, "class=\"edge\""));
    assertEquals(1, count(html, "class=\"phase-boundary\""));
    assertTrue(html.contains("class=\"phase-label\" x=\"") && html.contains(">phase1</text>"));
    assertEquals(6, count(html, "class=\"latency-hist\""));
    assertTrue(html.contains("p50 <b>306 ns</b>"), "p50 of getuid in ns");
    assertTrue(html.contains("worst 40.0 %"), "per-library reduction as a percentage");
    assertTrue(html.contains("P<sub>app</sub>"));
    assertFalse(html.contains("class=\"banner"), "no damage, problems or warnings in the sample");
  }

  @Test
  void pageIsSelfContained() throws IOException {
    String html = HtmlReport.render(sample());
    assertTrue(html.startsWith("<!DOCTYPE html>"));
    assertFalse(html.contains("<script"));
    assertFalse(html.contains("src="));
    assertFalse(html.contains("url(http"));
    String unlinked = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assertFalse(unlinked.contains("http:") || unlinked.contains("https:") || unlinked.contains("//"), "no link out");
    assertTrue(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""), "and none allowed");
    StringBuilder out = new StringBuilder();
    HtmlReport.write(sample(), out);
    assertEquals(html, out.toString());
  }

  @Test
  void stringsFromTheJsonAreEscaped() throws IOException {
    String evil = "lib<script>alert('x')</script>&\\\"";
    String html = HtmlReport.render(JSON.readTree(sampleText().replace("libsmstore", evil).replace("getpid", "get<b>pid")));
    assertFalse(html.contains("<script"));
    assertFalse(html.contains("<b>pid"));
    String escaped = "lib&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;";
    assertTrue(html.contains("<title>" + escaped + " getuid: 5</title>"), "heatmap cell title");
    assertTrue(html.contains("<td>" + escaped + "</td>"), "tables");
    assertTrue(html.contains("get&lt;b&gt;pid"));
  }

  @Test
  void damageProblemsAndWarningsAreShownAsBanners() throws IOException {
    ObjectNode report = sample();
    ObjectNode damage = report.putObject("damage");
    damage.put("offset", 4096).put("records_decoded", 19).put("bytes_lost", 512).put("detail", "bad <magic>");
    report.putArray("problems").add("3 records lost");
    report.putArray("warnings").add("map forced").add("ring full");
    String html = HtmlReport.render(report);
    assertEquals(1, count(html, "class=\"banner damage\""));
    assertTrue(html.contains("byte offset 4096 after 19 records; 512 bytes lost. bad &lt;magic&gt;"));
    assertTrue(html.contains("<b>Problems (1)</b><ul><li>3 records lost</li>"));
    assertTrue(html.contains("<b>Warnings (2)</b><ul><li>map forced</li><li>ring full</li>"));
  }

  @Test
  void reportWithoutSecuritySequencesOrTimelineStillRenders() throws IOException {
    ObjectNode report = sample();
    report.remove("security");
    report.remove("sequences");
    report.remove("timeline");
    String html = HtmlReport.render(report);
    for (String id : new String[] {"summary", "heatmap", "timeline", "automaton", "latency", "phases", "security"}) {
      assertTrue(html.contains("id=\"" + id + "\""), id);
    }
    assertTrue(html.contains("No security estimate in this report"));
    assertTrue(html.contains("No call sequences in this report."));
    assertTrue(html.contains("No timeline in this report."));
    assertEquals(0, count(html, "class=\"state\""));
    assertEquals(6, count(html, "class=\"cell\""));

    report.putNull("security");
    report.putObject("filter").put("mode", "deny").putArray("allow").add("getpid");
    html = HtmlReport.render(report);
    assertTrue(html.contains("No security estimate in this report"));
    assertTrue(html.contains("<section id=\"filter\""));
    assertTrue(html.contains("&quot;deny&quot;"));
  }

  @Test
  void emptyReportRenders() {
    String html = HtmlReport.render(JSON.createObjectNode().put("schema_version", 1));
    assertTrue(html.contains("No system calls were attributed."));
    assertTrue(html.endsWith("</html>\n"));
  }

  @Test
  void largeReportsAreCutWithANote() throws IOException {
    ObjectNode report = JSON.createObjectNode().put("time_unit", "cycles");
    ArrayNode libs = report.putArray("libraries");
    for (int l = 0; l < 100; l++) {
      ObjectNode lib = libs.addObject().put("library", "lib" + l).put("total", 100_000 - l);
      ArrayNode calls = lib.putArray("syscalls");
      for (int s = 0; s < 100; s++) {
        ObjectNode c = calls.addObject().put("syscall", "sys" + s).put("count", 1 + l + s);
        c.putObject("latency").put("p50", 100).put("p99", 900).put("max", 4000);
        c.putArray("histogram").add(JSON.createArrayNode().add(64).add(128).add(1 + s));
      }
    }
    ObjectNode auto = report.putObject("sequences").putObject("lib0").putObject("automaton").put("start", "^");
    ArrayNode states = auto.putArray("states").add("^");
    ArrayNode edges = auto.putArray("edges");
    for (int s = 0; s < 70; s++) {
      states.add("sys" + s);
      edges.addObject().put("from", s == 0 ? "^" : "sys" + (s - 1)).put("to", "sys" + s).put("count", 100 - s);
    }
    String html = HtmlReport.render(report);
    assertEquals(60 * 60, count(html, "class=\"cell\""));
    assertTrue(html.contains("Showing 60 of 100 syscalls; 40 not drawn."));
    assertTrue(html.contains("Showing 60 of 100 libraries; 40 not drawn."));
    assertEquals(40, count(html, "class=\"state\""));
    assertEquals(39, count(html, "class=\"edge\""));
    assertTrue(html.contains("31 more states and"));
    assertEquals(50, count(html, "class=\"latency-hist\""));
    assertTrue(html.contains("Showing 50 of 10000 library and syscall pairs"));
    assertTrue(html.contains("cycles"));
    assertTrue(html.length() < 2_000_000, "bounded: " + html.length());
  }
  /**
   * Issue 18: a 248 ms run said "256 buckets of 1.71 ms" with an axis to +439 ms: the buckets of the timeline
   * are those from the first call to the last, and the axis ends at the last.
   */
  @Test
  void theTimelineCoversTheRunsSpanAndItsAxisEndsAtTheLastCall(@TempDir Path dir) throws IOException {
    long span = 248_000_000L; // ticks of 1 ns (TestRuns' ts_hz): 248 ms, so buckets of 2^20 ticks, 1.05 ms
    List<SyscallRecord> calls = new ArrayList<>();
    for (long s = 0; s <= 200; s++) {
      long t = 5_000 + s * span / 200;
      calls.add(new SyscallRecord(s, t, t + 5, 39, 0, new long[6], 0, TestRuns.NOLIBC,
          new long[] {TestRuns.POSIX_PROCESS}));
    }
    Path run = TestRuns.write(dir.resolve("run"), TestRuns.IMAGE_A, calls);
    ObjectNode json = ReportJson.of(RunReader.ofRunDir(run, Set.of("libnolibc"), RunReport.Options.DEFAULT));
    String html = HtmlReport.render(json);
    assertTrue(html.contains(">237 buckets of 1.05 ms from the first call to the last;"), html);
    assertTrue(html.contains(" text-anchor=\"end\">+248 ms</text>"), "the axis ends at the last call");
    Matcher bar = Pattern.compile("<rect class=\"bar\" x=\"([0-9.]+)\" y=\"[0-9.]+\" width=\"([0-9.]+)\"[^>]*>"
        + "<title>libposix_process: ").matcher(html);
    double right = 0;
    int bars = 0;
    while (bar.find()) {
      right = Math.max(right, Double.parseDouble(bar.group(1)) + Double.parseDouble(bar.group(2)));
      bars++;
    }
    assertTrue(bars > 150, "bars drawn: " + bars);
    assertTrue(right > 1075 && right <= 1080, "the last call's bar ends at the axis' end (x 1080): " + right);
    assertEquals(5_000, json.path("timeline").path("start_t").asLong());
    assertEquals(5_000 + span, json.path("timeline").path("end_t").asLong());
    assertEquals(1 << 20, json.path("timeline").path("bucket").asLong());
  }
}
