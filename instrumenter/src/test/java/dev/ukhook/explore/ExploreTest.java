package dev.ukhook.explore;

import com.fasterxml.jackson.databind.ObjectMapper;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import dev.ukhook.explore.ExplorePlan.How;
import dev.ukhook.explore.ExplorePlan.Job;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExploreTest {
  @TempDir Path dir;

  static SortedMap<String, SortedMap<String, Long>> calls(Object... libSyscallCount) {
    SortedMap<String, SortedMap<String, Long>> m = new TreeMap<>();
    for (int i = 0; i < libSyscallCount.length; i += 3) {
      m.computeIfAbsent((String) libSyscallCount[i], k -> new TreeMap<>()).put((String) libSyscallCount[i + 1],
          ((Number) libSyscallCount[i + 2]).longValue());
    }
    return m;
  }

  static final SortedMap<String, SortedMap<String, Long>> BASELINE = calls("appx", "open", 3, "appx", "getpid", 2,
      "appx", "mmap", 1, "appx", "exit_group", 1, "<unattributed>", "read", 1, "libfs", "fsync", 4);

  @Test
  void everyPairGetsItsRunsAndThePlanReadsBackAsItWasWritten() {
    ExplorePlan p = ExplorePlan.of("/app", List.of("--expect", "done"), "/app/.ukhook/runs/1", BASELINE);
    assertEquals(List.of(
        new Job(0, "appx", "getpid", How.ENOSYS, "getpid:error=ENOSYS:lib=appx"),
        new Job(1, "appx", "getpid", How.FAKE, "getpid:retval=0:lib=appx"),
        new Job(2, "appx", "mmap", How.ENOSYS, "mmap:error=ENOSYS:lib=appx"),
        new Job(3, "appx", "mmap", How.ERRNO, "mmap:error=ENOMEM:lib=appx"),
        new Job(4, "appx", "open", How.ENOSYS, "open:error=ENOSYS:lib=appx"),
        new Job(5, "appx", "open", How.ERRNO, "open:error=ENOENT:lib=appx"),
        new Job(6, "appx", "open", How.FAKE, "open:retval=0:lib=appx"),
        new Job(7, "libfs", "fsync", How.ENOSYS, "fsync:error=ENOSYS:lib=libfs"),
        new Job(8, "libfs", "fsync", How.ERRNO, "fsync:error=EIO:lib=libfs"),
        new Job(9, "libfs", "fsync", How.FAKE, "fsync:retval=0:lib=libfs")), p.jobs(),
        "no exit_group (a program's end), no fake of mmap, nothing for calls no library made");
    p.jobs().forEach(j -> dev.ukhook.policy.Injection.parse(j.inject())); // every rule is one --inject takes
    Path f = dir.resolve("plan.jsonl");
    dev.ukhook.core.TextFiles.write(f, p.toJsonLines());
    assertEquals(p, ExplorePlan.read(f));
  }

  @Test
  void aDamagedPlanIsRefusedInOneLine() throws Exception {
    ExplorePlan p = ExplorePlan.of("/app", List.of(), "/b", BASELINE);
    Path f = dir.resolve("plan.jsonl");
    List<String> lines = p.toJsonLines().lines().toList();
    Files.writeString(f, String.join("\n", lines.subList(0, 5)) + "\n");
    UkhookException cut = assertThrows(UkhookException.class, () -> ExplorePlan.read(f));
    assertEquals(f + " is not an exploration plan of this ukhook (version 1) or is cut short: make it again with "
        + "`ukhook explore APP ... --plan " + f + "`", cut.getMessage());
    Files.writeString(f, lines.get(0) + "\n" + lines.get(2) + "\n" + String.join("\n", lines.subList(2, 11)) + "\n");
    assertTrue(assertThrows(UkhookException.class, () -> ExplorePlan.read(f)).getMessage()
        .startsWith(f + ":2: not job 0 of an exploration plan"));
    Files.write(f, new byte[] {0, 1, 2});
    assertTrue(assertThrows(UkhookException.class, () -> ExplorePlan.read(f)).getMessage()
        .startsWith(f + " is not an exploration plan ("));
  }

  private static Exploration.Result result(Job j, boolean ok, long injected,
      SortedMap<String, SortedMap<String, Long>> calls) {
    return new Exploration.Result(j.index(), j.inject(), ok, ok ? null : "its console has no match for done",
        injected, "/runs/" + j.index(), calls);
  }

  @Test
  void theVerdictsAndTheErrorPathCallsComeFromTheResultsOfEveryDirectory() throws Exception {
    ExplorePlan p = ExplorePlan.of("/app", List.of(), "/b", BASELINE);
    Path a = Files.createDirectory(dir.resolve("a"));
    Path b = Files.createDirectory(dir.resolve("b"));
    List<Job> j = p.jobs();
    // getpid: fails with ENOSYS, faked passes. mmap: both fail. open: never reached. fsync: EIO handled, and
    // SQLite-like, the failure makes the library unlink its journal (a call the baseline never made).
    result(j.get(0), false, 2, BASELINE).write(a);
    result(j.get(1), true, 2, BASELINE).write(b);
    result(j.get(2), false, 1, BASELINE).write(a);
    result(j.get(3), false, Exploration.Result.UNKNOWN, calls()).write(b);
    result(j.get(4), true, 0, BASELINE).write(a);
    result(j.get(5), true, 0, BASELINE).write(a);
    result(j.get(6), true, 0, BASELINE).write(b);
    result(j.get(7), false, 1, calls("libfs", "fsync", 1, "libfs", "unlink", 1)).write(a);
    result(j.get(8), true, 4, calls("libfs", "fsync", 4, "libfs", "unlink", 2, "appx", "write", 1)).write(b);
    // job 9 has no result yet
    Exploration e = new Exploration(p, List.of(a, b));
    assertEquals(List.of("appx getpid can be faked", "appx mmap required", "appx open not reached",
        "libfs fsync pending"), e.pairs().stream().map(x -> x.library() + " " + x.syscall() + " " + x.verdict())
        .toList());
    assertEquals(1, e.missing());
    assertEquals(List.of(
        new Exploration.ErrorPathCall("appx", "write", 1, List.of("fsync:error=EIO:lib=libfs")),
        new Exploration.ErrorPathCall("libfs", "unlink", 3, List.of("fsync:error=ENOSYS:lib=libfs",
            "fsync:error=EIO:lib=libfs"))), e.errorPaths());
    String text = e.toText();
    assertTrue(text.replaceAll(" +", " ").contains("\nappx mmap fails ENOMEM fails (records lost) - required\n"), text);
    assertTrue(text.contains("9 of 10 runs; 1 without a result yet (pending)"), text);
    assertTrue(text.contains("\n  appx  4 -> 5 syscalls\n  libfs  1 -> 2 syscalls\n"), text);
    // The estimate says what was explored, and how the error-path calls move it: appx gains write, libfs unlink.
    dev.ukhook.aggregate.DangerScores d = dev.ukhook.aggregate.DangerScores.get();
    java.util.function.ToIntFunction<List<String>> score = names -> names.stream()
        .mapToInt(n -> d.score(dev.ukhook.format.SyscallNames.byName().get(n))).sum();
    int appx = score.applyAsInt(List.of("getpid", "mmap", "open", "exit_group"));
    int libfs = score.applyAsInt(List.of("fsync"));
    int appxMore = appx + score.applyAsInt(List.of("write"));
    int libfsMore = libfs + score.applyAsInt(List.of("unlink"));
    assertTrue(text.contains("  explored: 4 of the baseline's 4 (library, syscall) pairs"), text);
    // Pairs of one library only: the others are not explored, the estimate's baseline stays whole.
    ExplorePlan fs = ExplorePlan.of("/app", List.of(), "/b", BASELINE, java.util.Set.of("libfs"));
    assertEquals(java.util.Set.of("libfs"), fs.jobs().stream().map(Job::library).collect(java.util.stream.Collectors
        .toSet()));
    assertEquals(BASELINE, fs.calls());
    assertTrue(text.contains("  P_app " + Math.max(appx, libfs) + " -> " + Math.max(appxMore, libfsMore) + ", image "
        + (appx + libfs) + " -> " + (appxMore + libfsMore) + "; per-library reduction, worst: "), text);
    assertEquals(Math.max(appxMore, libfsMore), new ObjectMapper().readTree(e.toJson())
        .at("/security_estimate/with_error_paths/p_app").asInt());

    result(j.get(9), false, 4, BASELINE).write(a);
    Exploration done = new Exploration(p, List.of(a, b));
    assertEquals("can fail", done.pairs().get(3).verdict());
    assertEquals(0, done.missing());

    // A result of another plan's job of the same number is not this one's.
    new Exploration.Result(9, "read:error=EIO", true, null, 1, "/r", calls()).write(b);
    Files.delete(Exploration.Result.file(a, 9));
    assertEquals(1, new Exploration(p, List.of(a, b)).missing());
  }
}
