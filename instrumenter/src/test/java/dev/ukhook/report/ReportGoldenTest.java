package dev.ukhook.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.aggregate.PhaseRule;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.guest.HookLibrarySpec;
import dev.ukhook.guest.HostC;
import dev.ukhook.query.Duck;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every output of {@code ukhook report} on traces the generated C encoder writes: each directory under
 * report/golden holds a script.txt, run by src/test/resources/c/host_analysis.c (built against the rendered hook
 * library, as the guest's code is), the link.map of its made-up image and an optional options.txt; the outputs
 * are compared byte for byte with the files under its expected/. Run with -Dukhook.updateGolden=true to rewrite
 * them after a deliberate change, then review the diff.
 *
 * <p>options.txt, one option a line: {@code transparent LIB...} (default: libmusl), {@code phase-at SYSCALL...},
 * {@code phases NAME...} (the policy's phase names), {@code same-as CASE} (that case's script and map), {@code cut
 * RECORDS BYTES} (the trace cut after its header, RECORDS whole records and BYTES of the next), {@code kind RECORD
 * VALUE} (the kind byte of record RECORD, counted from 0 after the header, set to VALUE).
 */
class ReportGoldenTest {
  private static final boolean UPDATE = Boolean.getBoolean("ukhook.updateGolden");
  private static final Path SOURCE = Path.of("src/test/resources/report/golden");
  /** The image id the link maps name (ukhook_image_id_<id>). */
  private static final String ID = "0123456789abcdef0123456789abcdef";
  private static final HookLibrarySpec SPEC = new HookLibrarySpec(4, 64, 8, TraceHeader.Overflow.BLOCK, ID);

  @TempDir Path tmp;

  @TestFactory
  Stream<DynamicTest> goldenCases() throws IOException, URISyntaxException {
    Path root = Path.of(ReportGoldenTest.class.getResource("/report/golden").toURI());
    List<Path> cases;
    try (Stream<Path> dirs = Files.list(root)) {
      cases = dirs.filter(Files::isDirectory).sorted().toList();
    }
    assertFalse(cases.isEmpty(), "no golden cases under " + root);
    return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
  }

  private void check(Path dir) throws Exception {
    String name = dir.getFileName().toString();
    Map<String, List<String>> options = options(dir);
    Path from = options.containsKey("same-as") ? dir.resolveSibling(options.get("same-as").get(0)) : dir;
    Path work = Files.createDirectories(tmp.resolve(name));
    byte[] trace = HostC.run(work, SPEC, "host_analysis.c", Files.readString(from.resolve("script.txt"))).stdout();
    trace = damage(trace, options);
    Path traceFile = Files.write(work.resolve("trace.ukt"), trace);

    Set<String> transparent = new LinkedHashSet<>(options.getOrDefault("transparent", List.of("libmusl")));
    PhaseRule rule = options.containsKey("phase-at")
        ? new PhaseRule(options.get("phase-at").stream().map(n -> dev.ukhook.format.SyscallNames.byName().get(n))
            .collect(java.util.stream.Collectors.toSet())) : PhaseRule.SERVING;
    // Strict: the header's image id and text range must match the map's (no --force).
    RunReport.Options o =
        new RunReport.Options(false, Optional.empty(), rule, options.getOrDefault("phases", List.of()), true);
    RunReport r = RunReader.of(traceFile, from.resolve("link.map"), transparent, o);

    // A damaged trace is analysed up to the damage and fails the report (exit 1); a clean one passes.
    boolean damaged = options.containsKey("cut") || options.containsKey("kind");
    assertEquals(damaged, r.trace().damage().isPresent(), name + ": damage");
    assertEquals(damaged, !r.problems().isEmpty(), name + ": problems " + r.problems());
    assertTrue(r.trace().received() > 0, name + ": no records");

    Map<String, String> out = new LinkedHashMap<>();
    out.put("report.txt", terminal(r, ReportOutput.Format.TEXT, false));
    out.put("report.json", terminal(r, ReportOutput.Format.JSON, false));
    out.put("syscalls.csv", terminal(r, ReportOutput.Format.CSV, false));
    out.put("calls.csv", terminal(r, ReportOutput.Format.CSV, true));
    out.put("calls.jsonl", terminal(r, ReportOutput.Format.JSON, true));
    out.put("calls.txt", terminal(r, ReportOutput.Format.TEXT, true));
    out.put("syscalls.parquet.csv", parquet(r, work, false, "library, syscall"));
    out.put("calls.parquet.csv", parquet(r, work, true, "seq"));
    StringBuilder s = new StringBuilder();
    PerfettoTrace.write(r, Calls.Selection.ALL, s);
    out.put("perfetto.json", s.toString());
    s.setLength(0);
    AutomatonDot.write(r.analysis(), s);
    out.put("automata.dot", s.toString());
    out.put("report.html", HtmlReport.render(ReportJson.of(r)));

    List<String> differ = new ArrayList<>();
    for (Map.Entry<String, String> e : out.entrySet()) {
      Path expected = dir.resolve("expected").resolve(e.getKey());
      if (UPDATE) {
        Path file = SOURCE.resolve(name).resolve("expected").resolve(e.getKey());
        Files.createDirectories(file.getParent());
        Files.writeString(file, e.getValue());
      } else if (!Files.isRegularFile(expected) || !Files.readString(expected).equals(e.getValue())) {
        differ.add(e.getKey());
      }
    }
    // One assertion, naming every file that differs; the first one's text shows the difference.
    if (!differ.isEmpty()) {
      String first = differ.get(0);
      Path expected = dir.resolve("expected").resolve(first);
      assertEquals(Files.isRegularFile(expected) ? Files.readString(expected) : "<missing>", out.get(first),
          name + ": " + differ + " differ from expected/ (-Dukhook.updateGolden=true rewrites them)");
    }
  }

  /** What the CLI prints for {@code --format FORMAT} (with {@code --calls}). */
  private static String terminal(RunReport r, ReportOutput.Format format, boolean calls) {
    StringWriter s = new StringWriter();
    ReportOutput.write(r, new ReportOutput.Request(format, calls, Calls.Selection.ALL, Optional.empty()),
        new PrintWriter(s));
    return s.toString();
  }

  /** {@code --format parquet -o FILE} (with {@code --calls}), read back by another database as CSV. */
  private static String parquet(RunReport r, Path work, boolean calls, String order) {
    Path file = work.resolve(calls ? "calls.parquet" : "syscalls.parquet");
    ReportOutput.write(r, new ReportOutput.Request(ReportOutput.Format.PARQUET, calls, Calls.Selection.ALL,
        Optional.of(file)), new PrintWriter(new StringWriter()));
    StringWriter s = new StringWriter();
    try (Duck duck = new Duck()) {
      duck.query("SELECT * FROM read_parquet('" + file + "') ORDER BY " + order, Duck.Output.CSV,
          new PrintWriter(s));
    }
    return s.toString();
  }

  private static Map<String, List<String>> options(Path dir) throws IOException {
    Map<String, List<String>> options = new LinkedHashMap<>();
    Path file = dir.resolve("options.txt");
    if (Files.isRegularFile(file)) {
      for (String line : Files.readAllLines(file)) {
        String[] f = line.replaceAll("#.*", "").trim().split("\\s+");
        if (!f[0].isEmpty()) {
          options.put(f[0], List.of(Arrays.copyOfRange(f, 1, f.length)));
        }
      }
    }
    return options;
  }

  /** The trace damaged as options.txt says. */
  private static byte[] damage(byte[] trace, Map<String, List<String>> options) {
    int size = SPEC.recordSize();
    if (options.containsKey("kind")) {
      List<String> k = options.get("kind");
      trace = trace.clone();
      int at = TraceLayout.HEADER_SIZE + Integer.parseInt(k.get(0)) * size + TraceLayout.Syscall.KIND.offset();
      trace[at] = Integer.decode(k.get(1)).byteValue();
    }
    if (options.containsKey("cut")) {
      List<String> c = options.get("cut");
      trace = Arrays.copyOf(trace, TraceLayout.HEADER_SIZE + Integer.parseInt(c.get(0)) * size
          + Integer.parseInt(c.get(1)));
    }
    return trace;
  }
}
