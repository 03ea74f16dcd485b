package dev.ukhook.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.TraceLayout;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DangerScoresTest {
  private static List<String> rows() throws IOException {
    try (InputStream in = DangerScores.class.getResourceAsStream("danger-tiers.tsv")) {
      List<String> rows = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#") && !line.startsWith("name\t")) {
          rows.add(line);
        }
      }
      return rows;
    }
  }

  @Test
  void everyNameIsKnownAndGivenOnce() throws IOException {
    Set<String> known = SyscallNames.byName().keySet();
    Set<String> seen = new HashSet<>();
    for (String row : rows()) {
      String name = row.split("\t")[0];
      assertTrue(known.contains(name), "unknown system call " + name);
      assertTrue(seen.add(name), name + " given twice");
    }
  }

  @Test
  void everyRowHasATierAndASource() throws IOException {
    for (String row : rows()) {
      String[] f = row.split("\t", -1);
      assertEquals(4, f.length, row);
      assertTrue(DangerScores.TIERS.containsKey(f[1]), row);
      assertFalse(f[2].isBlank(), row);
      assertFalse(f[3].isBlank(), row);
    }
  }

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

  @Test
  void parseRefusesUnknownNamesDuplicatesAndBadTiers() {
    String h = "name\ttier\tsources\treason";
    assertThrows(IllegalArgumentException.class, () -> DangerScores.parse(List.of(h, "nosuchcall\tlow\tukhook\tx")));
    assertThrows(IllegalArgumentException.class,
        () -> DangerScores.parse(List.of(h, "read\tlow\tukhook\tx", "read\tmedium\tukhook\ty")));
    assertThrows(IllegalArgumentException.class, () -> DangerScores.parse(List.of(h, "read\tawful\tukhook\tx")));
    assertThrows(IllegalArgumentException.class, () -> DangerScores.parse(List.of(h, "read\tlow\t\tx")));
    assertThrows(IllegalArgumentException.class, () -> DangerScores.parse(List.of("read\tlow\tukhook\tx")));
    assertEquals(1, DangerScores.parse(List.of("# c", h, "getpid\tlow\tukhook\tx")).score(39));
  }
}
