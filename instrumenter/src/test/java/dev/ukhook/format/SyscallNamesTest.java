package dev.ukhook.format;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
}
