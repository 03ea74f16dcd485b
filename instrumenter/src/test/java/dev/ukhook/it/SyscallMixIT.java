package dev.ukhook.it;

import dev.ukhook.cli.ExitCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.cli.CliTest;
import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.core.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job on a real Unikraft tree: `ukhook trace examples/syscall-mix --unikraft TREE` must
 * report exactly the example's expected counts per microlibrary with nothing lost, and `ukhook restore`
 * must leave the tree as it was. Trees come from UK_ROOTS (colon-separated) or UK_ROOT; without one
 * the test is skipped and says so.
 */
class SyscallMixIT {
  @TempDir Path tmp;

  static List<Path> trees() {
    String roots = System.getenv().getOrDefault("UK_ROOTS", System.getenv().getOrDefault("UK_ROOT", ""));
    return Arrays.stream(roots.split(":")).filter(s -> !s.isBlank()).map(Path::of).toList();
  }

  static Path home() {
    return Path.of(System.getenv().getOrDefault("UKHOOK_HOME", "..")).toAbsolutePath().normalize();
  }

  static final String NO_TREE = "SKIPPED: set UK_ROOT (or UK_ROOTS=a:b:c) to Unikraft 0.16.x/0.17.0/main checkouts "
      + "to run the end-to-end tests on a real tree";

  /** Makes the skip visible in the test counts, not only in the log. */
  @Test
  void unikraftTreeIsGiven() {
    if (trees().isEmpty()) {
      System.err.println("[SyscallMixIT] " + NO_TREE);
    }
    assumeTrue(!trees().isEmpty(), NO_TREE);
    assumeTrue(onPath("qemu-system-x86_64"), "SKIPPED: qemu-system-x86_64 is not installed");
  }

  @TestFactory
  Stream<DynamicTest> traceReportsTheExpectedCountsOnEveryTree() {
    if (!onPath("qemu-system-x86_64")) {
      return Stream.empty();
    }
    return trees().stream().map(t -> DynamicTest.dynamicTest(t.toString(), () -> traceOn(t)));
  }

  private void traceOn(Path tree) throws Exception {
    Path handler = tree.resolve("lib/syscall_shim/uk_syscall_binary.c");
    String before = Files.readString(handler);
    Path app = tmp.resolve("syscall-mix-" + tree.getFileName());
    copyExample(home().resolve("examples/syscall-mix"), app);

    Run r = ukhook("trace", app.toString(), "--unikraft", tree.toString(), "--timeout", "120");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertTrue(r.out().contains("libsmnet"), r.out());

    Path runDir;
    try (Stream<Path> runs = Files.list(app.resolve(".ukhook/runs"))) {
      runDir = runs.max(Comparator.naturalOrder()).orElseThrow();
    }
    JsonNode results = new ObjectMapper().readTree(runDir.resolve("results.json").toFile());
    JsonNode expected = new ObjectMapper().readTree(app.resolve("expected.json").toFile());
    assertEquals(counts(expected), countsOf(results.get("libraries")), "per-microlibrary counts on " + tree);
    // 18 system calls and one event: the program marks its second phase (ukhook_phase(1)).
    assertEquals(19, results.get("records").asLong());
    assertEquals(0, results.get("dropped").asLong());
    assertEquals(0, results.get("missing").asLong());
    assertTrue(results.get("final_record").asBoolean());
    assertTrue(Files.size(runDir.resolve("console.log")) > 0);
    assertTrue(Files.readString(runDir.resolve("console.log")).contains("syscall-mix: done"));
    reportHasTheDocumentedAnalysis(app, runDir);

    Run restore = ukhook("restore", "--unikraft", tree.toString());
    assertEquals(ExitCode.OK, restore.exitCode(), restore.err());
    if (!before.contains("ukhook-begin")) {
      assertEquals(before, Files.readString(handler), "restore must give back the original bytes");
    } else {
      Files.writeString(handler, before); // it was instrumented before the test: leave it so
    }
  }

  /**
   * `ukhook report` on the run: the phases, sets, automata and security estimate of expected-report.json (the
   * example's README explains them), a latency for every syscall, and each call once in the listing.
   */
  private void reportHasTheDocumentedAnalysis(Path app, Path runDir) throws IOException {
    Run r = ukhook("report", runDir.toString(), "--format", "json");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    JsonNode report = new ObjectMapper().readTree(r.out());
    JsonNode expected = new ObjectMapper().readTree(app.resolve("expected-report.json").toFile());
    assertEquals(1, report.get("schema_version").asInt());
    JsonNode phases = report.get("phases");
    assertEquals(expected.at("/phases/source"), phases.get("source"));
    assertEquals(expected.at("/phases/names"), phases.get("names"));
    assertEquals(expected.at("/phases/sets"), phases.get("sets"));
    assertEquals(4, phases.at("/boundaries/0/seq").asLong(), "phase1 begins with the mark after the 4 getpid");
    expected.get("automata").fields().forEachRemaining(lib -> {
      List<String> edges = new java.util.ArrayList<>();
      report.at("/sequences/" + lib.getKey() + "/automaton/edges").forEach(e -> edges.add(e.get("from").asText()
          + " " + e.get("to").asText() + " " + e.get("count").asLong()));
      List<String> want = new java.util.ArrayList<>();
      lib.getValue().forEach(e -> want.add(e.asText()));
      assertEquals(want.stream().sorted().toList(), edges.stream().sorted().toList(), lib.getKey());
    });
    expected.get("security").fields().forEachRemaining(f -> assertEquals(f.getValue(),
        report.at("/security/" + f.getKey()), "security " + f.getKey()));
    assertEquals("ns", report.get("time_unit").asText());
    for (JsonNode lib : report.get("libraries")) {
      for (JsonNode c : lib.get("syscalls")) {
        JsonNode l = c.get("latency");
        String what = lib.get("library").asText() + " " + c.get("syscall").asText() + ": " + l;
        assertEquals(c.get("count").asLong(), l.get("calls").asLong(), what);
        assertTrue(0 < l.get("p50").asLong() && l.get("p50").asLong() <= l.get("p99").asLong()
            && l.get("p99").asLong() <= l.get("max").asLong(), what);
      }
    }
    Run calls = ukhook("report", runDir.toString(), "--calls", "--lib", "libsmnet", "-e", "trace=socket");
    assertEquals(ExitCode.OK, calls.exitCode(), calls.err());
    List<String> lines = calls.out().lines().toList();
    assertEquals(3, lines.size(), calls.out());
    lines.forEach(l -> assertTrue(l.matches("\\[libsmnet\\] socket\\(.*\\) = -?\\d+.* <0\\.\\d{6}>"), l));
    assertTrue(Files.readString(runDir.resolve("report.html")).contains("<section id=\"automaton\""));
  }

  private static Map<String, Map<String, Long>> counts(JsonNode libs) {
    Map<String, Map<String, Long>> m = new TreeMap<>();
    libs.fields().forEachRemaining(lib -> {
      Map<String, Long> calls = new TreeMap<>();
      lib.getValue().fields().forEachRemaining(c -> calls.put(c.getKey(), c.getValue().asLong()));
      m.put(lib.getKey(), calls);
    });
    return m;
  }

  private static Map<String, Map<String, Long>> countsOf(JsonNode libraries) {
    Map<String, Map<String, Long>> m = new TreeMap<>();
    libraries.fields().forEachRemaining(lib -> {
      Map<String, Long> calls = new TreeMap<>();
      lib.getValue().get("syscalls").fields().forEachRemaining(c -> calls.put(c.getKey(), c.getValue().asLong()));
      m.put(lib.getKey(), calls);
    });
    return m;
  }

  static Run ukhook(String... args) {
    return CliTest.ukhook(args);
  }

  /** The first tree of UK_ROOTS whose version.mk has {@code subversion} (e.g. "UK_SUBVERSION = 16"), or null. */
  static Path tree(String subversion) {
    return trees().stream().filter(t -> {
      try {
        return Files.readString(t.resolve("version.mk")).contains(subversion);
      } catch (IOException e) {
        return false;
      }
    }).findFirst().orElse(null);
  }

  /** The newest run directory of an app. */
  static Path lastRun(Path app) throws IOException {
    try (Stream<Path> runs = Files.list(app.resolve(".ukhook/runs"))) {
      return runs.max(Comparator.naturalOrder()).orElseThrow();
    }
  }

  static boolean onPath(String program) {
    return Tools.onPath(program, Tools.path());
  }

  static void copyExample(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.filter(p -> !from.relativize(p).startsWith(".ukhook")).toList()) {
        Path dest = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(p, dest);
        }
      }
    }
  }
}
