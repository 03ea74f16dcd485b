package dev.ukhook.guest;

import dev.ukhook.format.TraceHeader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ukhook.format.TraceHeader.Overflow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/hook-native/hookbench.c builds against the rendered library and prints well-formed results.
 * A tiny iteration count only; there are no timing assertions (bench/hook-native.sh measures).
 */
class HookBenchTest {
  private static final String NUM = "([0-9]+(?:\\.[0-9]+)?)";
  private static final String SNUM = "(-?[0-9]+(?:\\.[0-9]+)?)";
  private static final Pattern LINE = Pattern.compile("hookbench frames=([0-9]+) leaf=([01]) depth=([0-9]+)"
      + " ring=([0-9]+) batch=([0-9]+) iterations=([0-9]+) reps=5 stat=min"
      + " ns_per_hook=" + SNUM + " cycles_per_hook=" + SNUM
      + " raw_ns_per_iter=" + NUM + " raw_cycles_per_iter=" + NUM
      + " baseline_ns_per_iter=" + NUM + " baseline_cycles_per_iter=" + NUM
      + " rdtsc_pair_ns=" + SNUM + " rdtsc_pair_cycles=" + SNUM
      + " tsc_hz=([0-9]+) seq=([0-9]+)");

  @TempDir Path dir;

  @Test
  void loggingOnlyBuildsAndReports() throws Exception {
    check(0, 0, 0);
  }

  /** The default record: no walk, no arguments, no copies (everything but the head unused), -Werror. */
  @Test
  void aCompactRecordBuildsAndReports() throws Exception {
    check(new HookLibrarySpec(0, 4096, 512, Overflow.BLOCK, "0".repeat(32), HookLibrarySpec.HOOK_POINTS, 0, 0,
        HookLibrarySpec.Mode.TRACE, true, HookLibrarySpec.DEFAULT_SNAPSHOT_MS, HookLibrarySpec.DEFAULT_WALK, false),
        0, 0);
  }

  @Test
  void depthFourWalkBuildsAndReports() throws Exception {
    check(4, 0, 4);
    check(4, 1, 4); // the leaf word is code: frames[0] from the stack pointer, 3 from the chain
  }

  /** A counting library builds too (-Werror) and counts every hook it ran (hookbench checks, and fails otherwise). */
  @Test
  void countingLibraryBuildsAndReports() throws Exception {
    check(new HookLibrarySpec(4, 4096, 512, Overflow.BLOCK, "0".repeat(32), HookLibrarySpec.HOOK_POINTS, 0, 0,
        HookLibrarySpec.Mode.COUNT), 0, 0);
  }

  private void check(int frames, int leaf, int depth) throws Exception {
    check(new HookLibrarySpec(frames, 4096, 512, Overflow.BLOCK, "0".repeat(32)), leaf, depth);
  }

  private void check(HookLibrarySpec spec, int leaf, int depth) throws Exception {
    int frames = spec.frames();
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")),
        "host gcc not found at /usr/bin/gcc: install gcc to build bench/hook-native/hookbench.c");
    Path src = repo().resolve("bench/hook-native/hookbench.c");
    assertTrue(Files.isRegularFile(src), () -> src + " is missing");
    Path lib = dir.resolve("lib-" + spec.mode() + "-" + frames);
    Path bin = lib.resolve("hookbench");
    if (!Files.exists(bin)) {
      for (Map.Entry<String, String> f : HookLibrary.render(spec).entrySet()) {
        Files.createDirectories(lib.resolve(f.getKey()).getParent());
        Files.writeString(lib.resolve(f.getKey()), f.getValue());
      }
      exec(List.of("gcc", "-O2", "-fno-omit-frame-pointer", "-Wall", "-Wextra", "-Werror",
          "-I", lib.resolve("include").toString(), src.toString(), "-o", bin.toString()));
    }
    String out = exec(List.of(bin.toString(), "1000", Integer.toString(leaf)));
    List<String> lines = out.lines().toList();
    assertEquals(1, lines.size(), () -> "one result line expected, got:\n" + out);
    Matcher m = LINE.matcher(lines.get(0));
    assertTrue(m.matches(), () -> "malformed result line: " + lines.get(0));
    assertEquals(frames, Integer.parseInt(m.group(1)));
    assertEquals(leaf, Integer.parseInt(m.group(2)));
    assertEquals(depth, Integer.parseInt(m.group(3)), "the fake stack is deep enough for a full walk");
    assertEquals(4096, Integer.parseInt(m.group(4)));
    assertEquals(512, Integer.parseInt(m.group(5)));
    assertEquals(1000, Integer.parseInt(m.group(6)));
    for (int g = 7; g <= 14; g++) {
      double v = Double.parseDouble(m.group(g));
      assertTrue(Double.isFinite(v), "group " + g + " in " + lines.get(0));
    }
    for (int g : new int[] {9, 10, 11, 12}) { // raw and baseline loop times: always positive
      assertTrue(Double.parseDouble(m.group(g)) > 0, "group " + g + " in " + lines.get(0));
    }
    assertTrue(Double.parseDouble(m.group(7)) > 0, () -> "hook cost not positive: " + lines.get(0));
    assertTrue(Long.parseLong(m.group(15)) > 0, "tsc_hz");
    // warm-up of at least 4 rings, then 5 repetitions of 1000 hooks
    assertEquals(4 * 4096 + 5 * 1000, Long.parseLong(m.group(16)), "every hook was recorded");
  }

  /** The repository root: UKHOOK_HOME, or the parent of the module directory tests run in. */
  private static Path repo() {
    return Path.of(System.getenv().getOrDefault("UKHOOK_HOME", "..")).toAbsolutePath().normalize();
  }

  private static String exec(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), () -> "command failed: " + cmd);
    return out;
  }
}
