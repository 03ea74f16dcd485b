package dev.ukhook.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.attribution.Attribution;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceStats;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Two runs side by side: a musl unikernel and the same program under glibc, with their libraries grouped. */
class RunCompareTest {
  /** {@code calls}: library, syscall name, return value, as many as given. */
  static Analysis run(Object[][] calls) {
    Analyzer an = new Analyzer(null, PhaseRule.SERVING, false);
    long seq = 0;
    for (Object[] c : calls) {
      an.add(new Attribution((String) c[0], false), new SyscallRecord(seq, 10 * seq, 10 * seq + 5,
          SyscallNames.number((String) c[1]), 0, new long[0], (Integer) c[2], 0, new long[0]));
      seq++;
    }
    TraceHeader h = TraceHeader.of(0, 1_000_000_000L, "00112233445566778899aabbccddeeff", 0,
        TraceHeader.Overflow.BLOCK);
    return an.analysis(PhaseRule.SERVING, h, new TraceStats(seq, 0, 0, 0, seq, 0,
        Optional.of(new FinalRecord(seq, 0, seq, 10 * seq))), List.of(), List.of());
  }

  @Test
  void groupsLineUpAndEachSidesOwnCallsShow() {
    Analysis unikernel = run(new Object[][] {{"appmuslfiles", "open", 3}, {"appmuslfiles", "getpid", 7},
        {"appmuslfiles", "getpid", 7}, {"libmusl", "writev", 10}, {"libvfscore", "mount", 0}});
    Analysis linux = run(new Object[][] {{"musl-files", "openat", -2}, {"musl-files", "getpid", 9},
        {"ld-linux-x86-64.so.2", "mmap", 4096}, {"libc.so.6", "mmap", 4096}});
    RunCompare c = RunCompare.of("uk", unikernel, l -> RunCompare.defaultGroup(l, null), "linux", linux,
        l -> RunCompare.defaultGroup(l, "musl-files"));
    assertEquals(List.of(
        new RunCompare.Row("program", "getpid", 2, 1, 0, 0),
        new RunCompare.Row("program", "open", 1, 0, 0, 0),
        new RunCompare.Row("program", "openat", 0, 1, 0, 1),
        new RunCompare.Row("libc", "mmap", 0, 2, 0, 0),
        new RunCompare.Row("libc", "writev", 1, 0, 0, 0),
        new RunCompare.Row("other", "mount", 1, 0, 0, 0)), c.rows());
    assertEquals(Map.of("program", List.of("open"), "libc", List.of("writev"), "other", List.of("mount")), c.only("A"));
    assertEquals(Map.of("program", List.of("openat"), "libc", List.of("mmap")), c.only("B"));
    assertEquals(List.of("getpid", "open"), c.a().phases().get("start-up").get("program"));
    String text = c.toText();
    assertTrue(text.contains("\nonly A:\n  program: open\n  libc: writev\n  other: mount\n"), text);
    assertTrue(text.contains("security of A: 4 syscalls"), text);
    assertEquals("openat", c.toJson().at("/only_b/program/0").asText());
    assertEquals(2, c.toJson().at("/runs").size());
  }

  @Test
  void aMappingPutsAPortedLibraryWithItsProgram() {
    Analysis unikernel = run(new Object[][] {{"libsqlite", "pwrite64", 4}, {"appsqlite", "writev", 1}});
    Analysis linux = run(new Object[][] {{"libsqlite3.so.0", "pwrite64", 4}, {"sqlite3", "write", 1}});
    Map<String, String> groups = Map.of("libsqlite", "sqlite", "libsqlite3.so.0", "sqlite");
    RunCompare c = RunCompare.of("uk", unikernel, l -> groups.getOrDefault(l, RunCompare.defaultGroup(l, null)),
        "linux", linux, l -> groups.getOrDefault(l, RunCompare.defaultGroup(l, "sqlite3")));
    assertTrue(c.rows().contains(new RunCompare.Row("sqlite", "pwrite64", 1, 1, 0, 0)), c.rows().toString());
    assertEquals(Map.of("program", List.of("writev")), c.only("A"));
  }
}
