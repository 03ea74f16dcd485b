package dev.ukhook.it;

import dev.ukhook.cli.CliTest;

import java.util.stream.StreamSupport;

import java.util.List;

import java.util.ArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.cli.ExitCode;
import dev.ukhook.format.DecodedTrace;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceDecoder;
import dev.ukhook.format.TraceLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native path on real musl programs: examples/musl-files on every tree of UK_ROOTS and examples/sqlite on
 * the first, each built with lib-musl (and lib-sqlite) from $UK_LIBS and the origin archives in $UKHOOK_SOURCES.
 *
 * <p>Each image is built with Unikraft's own CONFIG_LIBSYSCALL_SHIM_DEBUG_SYSCALLS, which prints one console line
 * per call of a syscall definition: the independent count the trace's native records must equal, name by name.
 */
class MuslAppsIT {
  @TempDir Path tmp;

  static final String NO_LIBS = "SKIPPED: set UK_LIBS to a directory with clones of unikraft/lib-musl and "
      + "unikraft/lib-sqlite, and UKHOOK_SOURCES to a directory with musl-1.2.3.tar.gz and "
      + "sqlite-amalgamation-3400100.zip (docs/offline-sources.md), to run the musl and SQLite end-to-end tests";
  // Unikraft's PRINTD line of a definition: "(ssize_t) uk_syscall_r_write((int) 0x1, ...)".
  private static final Pattern PRINTD = Pattern.compile("\\) uk_syscall_[re]_(\\w+)\\(");

  static boolean librariesGiven() {
    String libs = System.getenv("UK_LIBS");
    String sources = System.getenv("UKHOOK_SOURCES");
    return libs != null && sources != null && Files.isRegularFile(Path.of(libs, "lib-musl/Makefile.uk"))
        && Files.isRegularFile(Path.of(libs, "lib-sqlite/Makefile.uk"))
        && Files.isRegularFile(Path.of(sources, "musl-1.2.3.tar.gz"))
        && Files.isRegularFile(Path.of(sources, "sqlite-amalgamation-3400100.zip"));
  }

  /** Makes the skip visible in the test counts. */
  @Test
  void treesLibrariesArchivesAndQemuAreGiven() {
    String missing = SyscallMixIT.trees().isEmpty() ? SyscallMixIT.NO_TREE : !librariesGiven() ? NO_LIBS
        : !SyscallMixIT.onPath("qemu-system-x86_64") ? "SKIPPED: qemu-system-x86_64 is not installed" : null;
    if (missing != null) {
      System.err.println("[MuslAppsIT] " + missing);
    }
    assumeTrue(missing == null, missing);
  }

  @TestFactory
  Stream<DynamicTest> muslFilesOnEveryTree() {
    if (!librariesGiven() || !SyscallMixIT.onPath("qemu-system-x86_64")) {
      return Stream.empty();
    }
    return SyscallMixIT.trees().stream().map(t -> DynamicTest.dynamicTest(t.toString(), () -> muslFiles(t)));
  }

  private void muslFiles(Path tree) throws Exception {
    Path app = traced("musl-files", tree, "128");
    JsonNode expected = new ObjectMapper().readTree(app.resolve("expected.json").toFile());
    JsonNode results = results(app);
    // The program's own calls, exactly; the libraries' that every supported tree makes the same way.
    expected.fields().forEachRemaining(lib -> assertEquals(counts(lib.getValue()),
        counts(results.at("/libraries/" + lib.getKey() + "/syscalls")), lib.getKey() + " on " + tree));
    assertEquals(3, results.at("/libraries/appmuslfiles/paths/getppid/native_errno").asLong(),
        "syscall() goes through uk_syscall_e_getppid");
    assertEquals(32, results.at("/libraries/libramfs/nested/clock_gettime").asLong(),
        "ramfs asks for the time inside the program's write and open");
    reportOfTheNativeCalls(SyscallMixIT.lastRun(app));
  }

  /**
   * `ukhook report` on the musl program: its file rounds, then (start-up ending at the first getpid) its process
   * calls; each round's sequence in the automaton; the estimate; each open in the listing (README, "Report").
   */
  private static void reportOfTheNativeCalls(Path run) throws Exception {
    CliTest.Run r = SyscallMixIT.ukhook("report", run.toString(), "--format", "json", "--phase-at", "getpid");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    JsonNode report = new ObjectMapper().readTree(r.out());
    assertEquals("[\"start-up\",\"after-getpid\"]", report.at("/phases/names").toString());
    assertEquals("{\"start-up\":[\"close\",\"lseek\",\"open\",\"read\",\"write\"],\"after-getpid\":"
        + "[\"getpid\",\"getppid\",\"writev\"]}", report.at("/phases/sets/appmuslfiles").toString());
    List<String> edges = new ArrayList<>();
    report.at("/sequences/appmuslfiles/automaton/edges").forEach(e -> edges.add(e.get("from").asText() + " "
        + e.get("to").asText() + " " + e.get("count").asLong()));
    assertTrue(edges.containsAll(List.of("open write 10", "write lseek 10", "lseek read 10", "read close 10",
        "close open 9", "getpid getpid 5", "getppid getppid 2")), edges.toString());
    JsonNode app = StreamSupport.stream(report.at("/security/libraries").spliterator(), false)
        .filter(l -> l.get("library").asText().equals("appmuslfiles")).findFirst().orElseThrow();
    assertEquals(8, app.get("syscalls").asInt(), app.toString());
    assertTrue(report.at("/security/p_app").asInt() >= app.get("score").asInt());
    CliTest.Run calls = SyscallMixIT.ukhook("report", run.toString(), "--calls", "-e", "trace=open");
    assertEquals(ExitCode.OK, calls.exitCode(), calls.err());
    assertEquals(10, calls.out().lines().filter(l -> l.startsWith("[appmuslfiles] open(")
        && l.contains("O_RDWR|O_CREAT|O_TRUNC, 0644) = 3 <")).count(), calls.out());
  }

  @Test
  void sqliteRunsItsWorkloadAndItsFileIoIsCharged() throws Exception {
    Path tree = SyscallMixIT.trees().stream().findFirst().orElse(null);
    assumeTrue(tree != null && librariesGiven(), tree == null ? SyscallMixIT.NO_TREE : NO_LIBS);
    assumeTrue(SyscallMixIT.onPath("qemu-system-x86_64"), "SKIPPED: qemu-system-x86_64 is not installed");
    Path app = traced("sqlite", tree, "256");
    String console = Files.readString(SyscallMixIT.lastRun(app).resolve("console.log"));
    for (int i = 1; i <= 10; i++) {
      assertTrue(console.contains("sqlite: row id=" + i + " name=row-" + i), console);
    }
    assertTrue(console.contains("sqlite: done"), console);
    JsonNode expected = new ObjectMapper().readTree(app.resolve("expected.json").toFile());
    JsonNode results = results(app);
    expected.fields().forEachRemaining(lib -> assertEquals(counts(lib.getValue()),
        counts(results.at("/libraries/" + lib.getKey() + "/syscalls")), lib.getKey() + " on " + tree));
    assertTrue(results.at("/libraries/libmusl").isMissingNode(), "nothing is charged to libmusl: " + results);
  }

  /**
   * Copies the example, adds Unikraft's per-call debug print, traces it and checks what every run must hold:
   * exit 0, nothing lost, and the native records equal to the debug print, name by name.
   */
  private Path traced(String example, Path tree, String memory) throws Exception {
    Path app = tmp.resolve(example + "-" + tree.getFileName());
    SyscallMixIT.copyExample(SyscallMixIT.home().resolve("examples/" + example), app);
    Files.writeString(app.resolve("defconfig"), Files.readString(app.resolve("defconfig"))
        + "CONFIG_LIBSYSCALL_SHIM_DEBUG_SYSCALLS=y\n");
    Path handler = tree.resolve("lib/syscall_shim/uk_syscall_binary.c");
    Path header = tree.resolve("lib/syscall_shim/include/uk/syscall.h");
    String handlerBefore = Files.readString(handler);
    String headerBefore = Files.readString(header);

    // --args: the listing below shows open's flags and mode, which records keep only when asked.
    Run r = SyscallMixIT.ukhook("trace", app.toString(), "--unikraft", tree.toString(), "-M", memory,
        "--timeout", "300", "--args");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    JsonNode results = results(app);
    assertEquals(0, results.get("dropped").asLong());
    assertEquals(0, results.get("missing").asLong());
    assertTrue(results.get("final_record").asBoolean());
    assertEquals(0, results.get("unattributed").asLong());

    Map<String, Integer> printed = new TreeMap<>();
    Matcher m = PRINTD.matcher(Files.readString(SyscallMixIT.lastRun(app).resolve("console.log")));
    while (m.find()) {
      printed.merge(m.group(1), 1, Integer::sum);
    }
    Map<String, Integer> recorded = new TreeMap<>();
    DecodedTrace t = TraceDecoder.read(SyscallMixIT.lastRun(app).resolve("trace.ukt"));
    for (SyscallRecord rec : t.records()) {
      if (rec.path() == TraceLayout.PATH_NATIVE_RAW || rec.path() == TraceLayout.PATH_NATIVE_ERRNO) {
        recorded.merge(rec.name(), 1, Integer::sum);
      }
    }
    assertTrue(!printed.isEmpty(), "no debug print of a syscall definition on the console");
    assertEquals(printed, recorded, "native records against Unikraft's own per-call print on " + tree);
    System.err.printf("[MuslAppsIT] %s on %s: %d native records, %d debug prints of syscall definitions, %d records"
        + " in all%n", example, tree, recorded.values().stream().mapToInt(Integer::intValue).sum(),
        printed.values().stream().mapToInt(Integer::intValue).sum(), t.received());

    assertEquals(ExitCode.OK, SyscallMixIT.ukhook("restore", "--unikraft", tree.toString()).exitCode());
    if (!handlerBefore.contains("ukhook-begin")) {
      assertEquals(handlerBefore, Files.readString(handler), "restore gives the handler's bytes back");
      assertEquals(headerBefore, Files.readString(header), "restore gives syscall.h's bytes back");
    }
    return app;
  }


  private static JsonNode results(Path app) throws Exception {
    return new ObjectMapper().readTree(SyscallMixIT.lastRun(app).resolve("results.json").toFile());
  }

  private static Map<String, Long> counts(JsonNode calls) {
    Map<String, Long> m = new TreeMap<>();
    calls.fields().forEachRemaining(c -> m.put(c.getKey(), c.getValue().asLong()));
    return m;
  }
}
