package dev.ukhook.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.format.SyscallNames;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The flag tables (xlat/*.in): each names its source, and each one a shape names exists. */
class XlatTest {
  private static final Set<String> KINDS = Set.of("fd", "dirfd", "int", "uint", "ulong", "long", "ptr", "hex",
      "mode", "-", "omode", "fcntlarg", "futexarg", "sockopt", "path", "buf");

  @Test
  void everyTableAShapeNamesIsThereAndNamesItsSource() {
    Set<String> tables = new TreeSet<>(List.of("oflags", "fdflags", "so", "tcpopt", "ipopt", "ipv6opt"));
    SyscallNames.all().forEach(s -> s.shape().stream().filter(k -> !KINDS.contains(k)).forEach(tables::add));
    assertEquals(38, tables.size(), tables.toString());
    for (String name : tables) {
      Xlat x = Xlat.load(name).orElseThrow(() -> new AssertionError("no xlat/" + name + ".in"));
      assertTrue(x.source().matches("(include|arch)/.*|glibc .*"), name + ": " + x.source());
    }
  }

  @Test
  void masksHexAndBits() {
    Xlat o = Xlat.load("oflags").orElseThrow();
    assertEquals("include/uapi/asm-generic/fcntl.h (O_*)", o.source());
    assertEquals(3, o.enumMask());
    assertArrayEquals(new String[] {"O_RDONLY", "O_WRONLY", "O_RDWR"}, o.enumNames());
    assertEquals(0100, o.bitValues()[0]);
    assertEquals(0, Xlat.load("prot").orElseThrow().enumMask());
    assertEquals(0xffffffffL, Xlat.load("whence").orElseThrow().enumMask());
    assertTrue(Xlat.load("ioctlreq").orElseThrow().hexFallback());
    assertTrue(Xlat.load("nosuchtable").isEmpty());
  }

  @Test
  void parseRefusesATableWithoutSourceOrWithBadLines() {
    assertEquals("t.in:1: the first line names the source: #From <header>",
        assertThrows(IllegalArgumentException.class, () -> Xlat.parse("t.in", List.of("A 1"))).getMessage());
    assertEquals("t.in:1: the first line names the source: #From <header>",
        assertThrows(IllegalArgumentException.class, () -> Xlat.parse("t.in", List.of("#From  "))).getMessage());
    assertEquals("t.in:2: not a number in `A x`",
        assertThrows(IllegalArgumentException.class, () -> Xlat.parse("t.in", List.of("#From h", "A x"))).getMessage());
    assertEquals("t.in:3: expected NAME VALUE, #mask N (first), #hex or #bits (once), not `#mask 3`",
        assertThrows(IllegalArgumentException.class,
            () -> Xlat.parse("t.in", List.of("#From h", "A 1", "#mask 3"))).getMessage());
    assertEquals("t.in:2: expected NAME VALUE, #mask N (first), #hex or #bits (once), not `#bitz`",
        assertThrows(IllegalArgumentException.class, () -> Xlat.parse("t.in", List.of("#From h", "#bitz")))
            .getMessage());
  }
}
