package dev.ukhook.format;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SyscallNamesTest {
  @Test
  void knowsTheCommonCalls() {
    assertEquals("read", SyscallNames.name(0));
    assertEquals("write", SyscallNames.name(1));
    assertEquals("open", SyscallNames.name(2));
    assertEquals("close", SyscallNames.name(3));
    assertEquals("getpid", SyscallNames.name(39));
    assertEquals("exit", SyscallNames.name(60));
    assertEquals("uname", SyscallNames.name(63));
    assertEquals("getuid", SyscallNames.name(102));
    assertEquals("getppid", SyscallNames.name(110));
    assertEquals("arch_prctl", SyscallNames.name(158));
    assertEquals("exit_group", SyscallNames.name(231));
    assertEquals("openat", SyscallNames.name(257));
    assertEquals("getrandom", SyscallNames.name(318));
    assertEquals("rseq", SyscallNames.name(334));
    assertEquals("pidfd_send_signal", SyscallNames.name(424));
    assertEquals("clone3", SyscallNames.name(435));
    assertEquals("set_mempolicy_home_node", SyscallNames.name(450));
  }

  @Test
  void coversBothRangesWithDistinctNames() {
    Set<String> names = new HashSet<>();
    for (int nr = 0; nr <= 450; nr++) {
      boolean assigned = nr <= 334 || nr >= 424;
      assertEquals(assigned, SyscallNames.isKnown(nr), "nr " + nr);
      if (assigned) {
        assertTrue(SyscallNames.name(nr).matches("[a-z0-9_]+"), SyscallNames.name(nr));
        assertTrue(names.add(SyscallNames.name(nr)), "duplicate " + SyscallNames.name(nr));
      }
    }
    assertEquals(335 + 27, names.size());
  }

  @Test
  void unknownNumbersPrintAsTheirNumber() {
    assertEquals("syscall_335", SyscallNames.name(335));
    assertEquals("syscall_451", SyscallNames.name(451));
    assertEquals("syscall_4294967295", SyscallNames.name(-1));
  }

  @Test
  void idleCallsAreWaitsSleepsAndClockReadsByNumber() {
    for (String idle : SyscallNames.IDLE) {
      assertTrue(SyscallNames.isIdle(SyscallNames.byName().get(idle)), idle);
    }
    for (String work : List.of("read", "write", "accept", "recvfrom", "writev", "close", "openat")) {
      assertFalse(SyscallNames.isIdle(SyscallNames.byName().get(work)), work);
    }
    assertFalse(SyscallNames.isIdle(TraceLayout.NR_UNKNOWN));
    assertFalse(SyscallNames.isIdle(-1));
  }

  private static List<String> resource(String name) throws IOException {
    try (InputStream in = SyscallNamesTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#")).toList();
    }
  }

  /** What the names, path arguments, buffer calls, waits and idle calls were before the table (a snapshot). */
  @Test
  void theTableKeepsEveryNameAndMarkOfBefore() throws IOException {
    List<String> now = new ArrayList<>();
    for (SyscallNames.Syscall s : SyscallNames.all()) {
      StringBuilder sb = new StringBuilder().append(s.nr()).append(' ').append(s.name());
      Integer p = SyscallNames.pathArgs().get(s.nr());
      if (p != null) {
        sb.append(" path=").append(p);
      }
      sb.append(SyscallNames.bufferCalls().contains(s.nr()) ? " buffer" : "");
      sb.append(SyscallNames.WAITS.contains(s.name()) ? " wait" : "");
      sb.append(SyscallNames.isIdle(s.nr()) ? " idle" : "");
      now.add(sb.toString());
    }
    assertEquals(resource("/syscalls/names-0.17.txt"), now);
  }

  @Test
  void everyNumberAndNameOnceEveryRowATierWithSources() {
    Set<Integer> numbers = new HashSet<>();
    Set<String> names = new HashSet<>();
    for (SyscallNames.Syscall s : SyscallNames.all()) {
      assertTrue(numbers.add(s.nr()), "number twice " + s.nr());
      assertTrue(names.add(s.name()), "name twice " + s.name());
      assertTrue(SyscallNames.TIERS.contains(s.tier()), s.name());
      assertFalse(s.sources().isBlank(), s.name());
      assertFalse(s.reason().isBlank(), s.name());
      assertEquals(s.nr(), SyscallNames.number(s.name()));
    }
    // Linux's x86-64 numbers with no gap but the unassigned 335..423, then Unikraft's own.
    for (int nr = 0; nr <= 450; nr++) {
      assertEquals(nr <= 334 || nr >= 424, numbers.contains(nr), "nr " + nr);
    }
    assertTrue(numbers.contains(SyscallNames.UNIKRAFT_BASE));
    assertEquals(335 + 27 + 1, numbers.size());
    assertEquals(new TreeMap<>(SyscallNames.byName()).keySet(), names);
  }

  @Test
  void classesAreStracesAndUkhooks() {
    assertTrue(SyscallNames.inClass("file").contains(SyscallNames.number("openat")));
    assertTrue(SyscallNames.inClass("network").contains(SyscallNames.number("accept4")));
    assertFalse(SyscallNames.inClass("file").contains(SyscallNames.number("read")));
    assertEquals(Set.of(SyscallNames.number("accept"), SyscallNames.number("accept4")),
        Set.copyOf(SyscallNames.inClass("accept")));
    assertEquals(Set.of("exit", "exit_group"), Set.of(SyscallNames.inClass("exit").stream().map(SyscallNames::name)
        .toArray(String[]::new)));
    assertTrue(SyscallNames.IDLE.containsAll(SyscallNames.WAITS));
    assertThrows(IllegalArgumentException.class, () -> SyscallNames.inClass("nosuchclass"));
  }

  private static final String H = "nr\tname\targs\tshape\tclasses\ttier\tsources\treason";

  private static String refusal(String... rows) {
    List<String> lines = new ArrayList<>(List.of("# c", H));
    lines.addAll(List.of(rows));
    return assertThrows(IllegalArgumentException.class, () -> SyscallNames.parse(lines)).getMessage();
  }

  @Test
  void parseRefusesWhatTheTableMustNotHold() {
    String read = "0\tread\t3\tfd buf ulong\tdesc,buffer\tmedium\tukhook\tI/O";
    assertEquals(1, SyscallNames.parse(List.of("# c", H, read)).size());
    assertEquals("syscalls.tsv:1: expected the header nr name args shape classes tier sources reason",
        assertThrows(IllegalArgumentException.class, () -> SyscallNames.parse(List.of(read))).getMessage());
    assertEquals("syscalls.tsv:4: number 0 out of 0..65534 or given twice",
        refusal(read, read.replace("read", "reed")));
    assertEquals("syscalls.tsv:4: name `read` not [a-z0-9_]+ or given twice", refusal(read, "1" + read.substring(1)));
    assertEquals("syscalls.tsv:3: unknown tier awful, not one of [critical, high, medium, low]",
        refusal(read.replace("medium", "awful")));
    assertEquals("syscalls.tsv:3: a tier needs its sources and a reason", refusal(read.replace("ukhook", "")));
    assertEquals("syscalls.tsv:3: read has 2 arguments, its shape 3", refusal(read.replace("\t3\t", "\t2\t")));
    assertEquals("syscalls.tsv:3: unknown class files", refusal(read.replace("desc,", "files,")));
    assertTrue(refusal(read.replace(",buffer", "")).startsWith("syscalls.tsv:3: class path needs one path"));
    assertTrue(refusal(read.replace("fd buf", "buf fd")).startsWith("syscalls.tsv:3: class path needs"));
    assertTrue(refusal("2\topen\t3\tptr oflags omode\tfile,path\thigh\taf-high\topens")
        .startsWith("syscalls.tsv:3: class path needs"));
    assertEquals("syscalls.tsv:3: expected nr name args shape classes tier sources reason, tab-separated",
        refusal("0\tread\t3"));
  }
}
