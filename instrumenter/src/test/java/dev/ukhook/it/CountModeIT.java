package dev.ukhook.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.cli.ExitCode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest's charge against the host's: each example traced with the walk in its records (`--frames 8`, charged on
 * the host, which also checks every record's guest charge against its own: a difference fails the run), traced
 * compactly (the default: the host charges by the return address that decided the guest's charge) and counted
 * (`--mode count`, charged in the guest) on the same tree must give the same calls per microlibrary and syscall,
 * nested and not: syscall-mix (a transparent helper library) on every tree of UK_ROOTS, musl-files on every tree
 * and SQLite on the first when UK_LIBS and UKHOOK_SOURCES are given. Skips are SyscallMixIT's and MuslAppsIT's.
 */
class CountModeIT {
  @TempDir Path tmp;

  /** Makes the skip visible in the test counts, not only in the log. */
  @Test
  void unikraftTreeIsGiven() {
    String missing = SyscallMixIT.trees().isEmpty() ? SyscallMixIT.NO_TREE
        : !SyscallMixIT.onPath("qemu-system-x86_64") ? "SKIPPED: qemu-system-x86_64 is not installed" : null;
    if (missing != null) {
      System.err.println("[CountModeIT] " + missing);
    }
    assumeTrue(missing == null, missing);
  }

  @TestFactory
  Stream<DynamicTest> countedCallsEqualTracedCalls() {
    if (!SyscallMixIT.onPath("qemu-system-x86_64")) {
      return Stream.empty();
    }
    List<DynamicTest> tests = new ArrayList<>();
    List<Path> trees = SyscallMixIT.trees();
    for (Path tree : trees) {
      tests.add(DynamicTest.dynamicTest("syscall-mix on " + tree, () -> same("syscall-mix", tree, "64")));
      if (MuslAppsIT.librariesGiven()) {
        tests.add(DynamicTest.dynamicTest("musl-files on " + tree, () -> same("musl-files", tree, "128")));
      }
    }
    if (!trees.isEmpty() && MuslAppsIT.librariesGiven()) {
      tests.add(DynamicTest.dynamicTest("sqlite on " + trees.get(0), () -> same("sqlite", trees.get(0), "256")));
    }
    return tests.stream();
  }

  private void same(String example, Path tree, String memory) throws Exception {
    Map<String, Object> traced = table(run(example, tree, memory, "trace", "--frames", "8"));
    Map<String, Object> compact = table(run(example, tree, memory, "trace"));
    Map<String, Object> counted = table(run(example, tree, memory, "count"));
    assertTrue(!traced.isEmpty());
    assertEquals(traced, compact, example + " on " + tree + ": traced with the walk (host's charge) against"
        + " compact records (the guest's)");
    assertEquals(traced, counted, example + " on " + tree + ": traced (host's charge) against counted (guest's)");
    System.err.printf("[CountModeIT] %s on %s: %s%n", example, tree, counted);
    assertEquals(ExitCode.OK, SyscallMixIT.ukhook("restore", "--unikraft", tree.toString()).exitCode());
  }

  private JsonNode run(String example, Path tree, String memory, String mode, String... more) throws Exception {
    Path app = tmp.resolve(example + "-" + mode + more.length + "-" + tree.getFileName());
    SyscallMixIT.copyExample(SyscallMixIT.home().resolve("examples/" + example), app);
    List<String> args = new ArrayList<>(List.of("trace", app.toString(), "--unikraft", tree.toString(), "-M", memory,
        "--timeout", "300", "--mode", mode));
    args.addAll(List.of(more));
    Run r = SyscallMixIT.ukhook(args.toArray(String[]::new));
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    JsonNode results = new ObjectMapper().readTree(SyscallMixIT.lastRun(app).resolve("results.json").toFile());
    assertEquals(0, results.get("dropped").asLong(), mode);
    assertEquals(0, results.get("missing").asLong(), mode);
    assertTrue(results.get("final_record").asBoolean(), mode);
    return results;
  }

  /** Per library: its calls and nested calls by syscall. */
  private static Map<String, Object> table(JsonNode results) {
    Map<String, Object> t = new TreeMap<>();
    results.get("libraries").fields().forEachRemaining(lib -> t.put(lib.getKey(), Map.of(
        "syscalls", counts(lib.getValue().get("syscalls")), "nested", counts(lib.getValue().get("nested")))));
    return t;
  }

  private static Map<String, Long> counts(JsonNode calls) {
    Map<String, Long> m = new TreeMap<>();
    if (calls != null) {
      calls.fields().forEachRemaining(c -> m.put(c.getKey(), c.getValue().asLong()));
    }
    return m;
  }
}
