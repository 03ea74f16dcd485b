package dev.ukhook.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.cli.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unmodified Linux programs under app-elfloader: examples/linux-static and examples/linux-dynamic, built by the
 * host's gcc, traced on the first Unikraft 0.16 tree of UK_ROOTS with app-elfloader and lib-libelf from
 * $UK_LIBS. The program's own calls are checked against the example's expected.json and against a Linux
 * `strace -f` of the very same binary on this host.
 */
class ElfloaderIT {
  @TempDir Path tmp;

  static final String NO_LIBS = "SKIPPED: set UK_LIBS to a directory with clones of unikraft/app-elfloader and "
      + "unikraft/lib-libelf, and UK_ROOTS to include a Unikraft 0.16.x tree (app-elfloader's published code "
      + "builds on 0.16 only, docs/elfloader.md), to run the app-elfloader end-to-end tests";
  /** The calls prog.c makes itself, the ones strace on Linux must show in the same numbers. */
  private static final List<String> OWN = List.of("getpid", "openat", "write", "lseek", "read", "close");

  static Path tree016() {
    return SyscallMixIT.tree("UK_SUBVERSION = 16");
  }


  static String missing() {
    String libs = System.getenv("UK_LIBS");
    if (tree016() == null || libs == null || !Files.isRegularFile(Path.of(libs, "app-elfloader/Makefile.uk"))
        || !Files.isRegularFile(Path.of(libs, "lib-libelf/Makefile.uk"))) {
      return NO_LIBS;
    }
    for (String tool : List.of("qemu-system-x86_64", "gcc", "readelf")) {
      if (!SyscallMixIT.onPath(tool)) {
        return "SKIPPED: " + tool + " is not installed";
      }
    }
    return null;
  }

  /** Makes the skip visible in the test counts. */
  @Test
  void treeLibrariesAndToolsAreGiven() {
    String missing = missing();
    if (missing != null) {
      System.err.println("[ElfloaderIT] " + missing);
    }
    assumeTrue(missing == null, missing);
  }

  @Test
  void staticProgramIsChargedToItselfThroughLibc() throws Exception {
    assumeTrue(missing() == null, missing());
    JsonNode results = traced("linux-static", "static");
    assertEquals(4, results.at("/functions/linux-static:main/getpid").asLong(), results.toString());
    assertTrue(results.at("/libraries/libc.a/syscalls/exit_group").asLong() == 1, results.toString());
  }

  @Test
  void dynamicProgramSeparatesTheLoaderLibcAndTheProgram() throws Exception {
    assumeTrue(missing() == null, missing());
    JsonNode results = traced("linux-dynamic", "dynamic");
    assertTrue(results.at("/libraries/ld-linux-x86-64.so.2/syscalls/openat").asLong() > 0, results.toString());
    assertTrue(results.at("/libraries/ld-linux-x86-64.so.2/syscalls/mmap").asLong() > 0, results.toString());
    assertEquals(4, results.at("/functions/linux-dynamic:main/getpid").asLong(), results.toString());

    // Without glibc transparent, libc.so.6 (placed from ld.so's openat + mmap of it) made the program's calls.
    Path app = tmp.resolve("linux-dynamic");
    Run r = SyscallMixIT.ukhook("report", SyscallMixIT.lastRun(app).toString(), "--transparent", "libnolibc",
        "--json");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    JsonNode raw = new ObjectMapper().readTree(r.out());
    JsonNode libc = java.util.stream.StreamSupport.stream(raw.get("libraries").spliterator(), false)
        .filter(l -> l.get("library").asText().equals("libc.so.6")).findFirst().orElseThrow();
    for (String call : OWN) {
      long count = java.util.stream.StreamSupport.stream(libc.get("syscalls").spliterator(), false)
          .filter(c -> c.get("syscall").asText().equals(call)).mapToLong(c -> c.get("count").asLong()).sum();
      assertEquals(results.at("/libraries/linux-dynamic/syscalls/" + call).asLong(), count, call + ": " + raw);
    }
    assertEquals(4, raw.at("/functions/libc.so.6:getpid/getpid").asLong(), raw.toString());
  }

  /** Builds the program and its rootfs, traces it, checks exit, loss, expected.json and strace. */
  private JsonNode traced(String example, String kind) throws Exception {
    Path tree = tree016();
    Path app = tmp.resolve(example);
    SyscallMixIT.copyExample(SyscallMixIT.home().resolve("examples/" + example), app);
    Path rootfs = tmp.resolve(example + "-rootfs");
    Process build = new ProcessBuilder(SyscallMixIT.home().resolve("examples/linux-static/rootfs.sh").toString(),
        kind, rootfs.toString()).inheritIO().start();
    assertEquals(0, build.waitFor(), "rootfs.sh " + kind);
    String program = "/" + example;
    String treeBefore = git(tree, "status", "--porcelain");

    Run r;
    try {
      r = SyscallMixIT.ukhook("trace", app.toString(), "--unikraft", tree.toString(), "-M", "256",
          "--timeout", "300", "--initrd", rootfs.toString(), "--", program);
    } finally {
      SyscallMixIT.ukhook("restore", "--unikraft", tree.toString());
    }
    assertEquals(treeBefore, git(tree, "status", "--porcelain"), "restore leaves the tree as it was");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    Path run = SyscallMixIT.lastRun(app);
    assertTrue(Files.readString(run.resolve("console.log")).contains("linux-prog: done"));
    JsonNode results = new ObjectMapper().readTree(run.resolve("results.json").toFile());
    assertEquals(0, results.get("dropped").asLong());
    assertEquals(0, results.get("missing").asLong());
    assertTrue(results.get("final_record").asBoolean());
    assertEquals(0, results.get("unattributed").asLong(), results.toString());

    JsonNode expected = new ObjectMapper().readTree(app.resolve("expected.json").toFile());
    expected.fields().forEachRemaining(lib -> lib.getValue().fields().forEachRemaining(call -> assertEquals(
        call.getValue().asLong(), results.at("/libraries/" + lib.getKey() + "/syscalls/" + call.getKey()).asLong(),
        lib.getKey() + " " + call.getKey() + ": " + results)));

    // On Linux the dynamic loader's own openat/read/close of libc.so.6 count too, so only the static program is
    // compared with strace; the dynamic one's test checks that libc.so.6's wrappers made exactly its calls.
    if (!kind.equals("static")) {
      return results;
    }
    if (SyscallMixIT.onPath("strace")) {
      Map<String, Long> linux = strace(rootfs.resolve(example), rootfs);
      for (String call : OWN) {
        assertEquals(linux.getOrDefault(call, 0L), results.at("/libraries/" + example + "/syscalls/" + call).asLong(),
            call + ": Linux strace " + linux + ", ukhook " + results);
      }
    } else {
      System.err.println("[ElfloaderIT] strace is not installed: the Linux side-by-side check is skipped");
    }
    return results;
  }

  /** The program's calls on Linux, by name: strace -f of the same binary, run from its rootfs directory. */
  private Map<String, Long> strace(Path binary, Path rootfs) throws Exception {
    Path out = tmp.resolve("strace.txt");
    Process p = new ProcessBuilder("strace", "-f", "-qq", "-e", "trace=" + String.join(",", OWN), "-o",
        out.toString(), binary.toString()).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertEquals(0, p.waitFor(), "strace " + binary);
    Map<String, Long> counts = new TreeMap<>();
    for (String line : Files.readAllLines(out)) {
      String call = line.replaceFirst("^\\d+\\s+", "").replaceFirst("\\(.*", "");
      counts.merge(call, 1L, Long::sum);
    }
    return counts;
  }

  private static String git(Path tree, String... args) throws Exception {
    String[] cmd = Stream.concat(Stream.of("git", "-C", tree.toString()), Stream.of(args)).toArray(String[]::new);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out;
  }
}
