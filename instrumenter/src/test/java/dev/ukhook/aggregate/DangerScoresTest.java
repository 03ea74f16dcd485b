package dev.ukhook.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.TraceLayout;
import org.junit.jupiter.api.Test;

class DangerScoresTest {
  @Test
  void everyKnownNumberHasATier() {
    DangerScores scores = DangerScores.get();
    int known = 0;
    for (int nr = 0; nr <= 1100; nr++) {
      if (SyscallNames.isKnown(nr)) {
        known++;
        assertTrue(scores.isListed(nr), SyscallNames.name(nr) + " has no tier");
        assertEquals((int) DangerScores.TIERS.get(scores.tier(nr)), scores.score(nr));
      }
    }
    assertEquals(SyscallNames.byName().size(), known);
  }

  @Test
  void tiersOfSomeCalls() {
    DangerScores s = DangerScores.get();
    int execve = SyscallNames.byName().get("execve");
    assertEquals("critical", s.tier(execve));
    assertEquals(10, s.score(execve));
    assertTrue(s.sources(execve).contains("af-high"));
    assertEquals(5, s.score(SyscallNames.byName().get("socket")));
    assertEquals(2, s.score(SyscallNames.byName().get("read")));
    assertEquals(1, s.score(SyscallNames.byName().get("getpid")));
    assertEquals(2, s.score(SyscallNames.byName().get("fstatat")));
  }

  @Test
  void unknownNumbersGetTheDefault() {
    DangerScores s = DangerScores.get();
    for (int nr : new int[] {335, 423, 451, 999, TraceLayout.NR_UNKNOWN, -1}) {
      assertFalse(s.isListed(nr));
      assertEquals(DangerScores.UNKNOWN, s.tier(nr));
      assertEquals(DangerScores.DEFAULT_SCORE, s.score(nr));
      assertEquals("", s.sources(nr));
    }
  }
}
