package dev.ukhook.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.format.SyscallNames;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class InjectionTest {
  /** The calls from 1 to 12 that {@code when} chooses. */
  private static List<Long> chosen(String when) {
    Injection i = Injection.parse("read:error=EIO:when=" + when);
    return LongStream.rangeClosed(1, 12).filter(i::chosen).boxed().toList();
  }

  @Test
  void whenCountsAsStraceDoes() {
    assertEquals(List.of(3L), chosen("3"));
    assertEquals(List.of(3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L), chosen("3+"));
    assertEquals(List.of(3L, 5L, 7L, 9L, 11L), chosen("3+2"));
    assertEquals(List.of(3L, 4L, 5L), chosen("3..5"));
    assertEquals(List.of(2L, 5L, 8L), chosen("2..9+3"));
    assertEquals(LongStream.rangeClosed(1, 12).boxed().toList(),
        LongStream.rangeClosed(1, 12).filter(Injection.parse("read:error=EIO")::chosen).boxed().toList(),
        "no when: every call");
  }

  @Test
  void aRuleNamesItsCallsResultLibraryAndPhase() {
    Injection i = Injection.parse("inject=open,openat:error=ENOENT:when=3:lib=appmuslfiles:phase=serving");
    assertEquals(List.of(SyscallNames.number("open"), SyscallNames.number("openat")), List.copyOf(i.syscalls()));
    assertEquals(-2, i.ret());
    assertEquals(Optional.of("appmuslfiles"), i.library());
    assertEquals(Optional.of("serving"), i.phase());
    assertEquals(0, Injection.parse("getpid:retval=0").ret());
    assertEquals(-5, Injection.parse("fsync:error=5").ret());
    assertTrue(Injection.parse("%file:error=EACCES").syscalls().contains(SyscallNames.number("openat")));
    assertTrue(Injection.parse("%net:error=EACCES").syscalls().contains(SyscallNames.number("socket")));
    Injection half = Injection.parse("read:error=EIO:prob=0.5:seed=7");
    assertEquals(1L << 31, half.chance());
    assertEquals(7, half.seed());
    assertEquals(0, Injection.parse("read:error=EIO:prob=1").chance(), "always: no draw");
  }

  @Test
  void aBadRuleSaysWhatIsWrongAndTheSyntax() {
    String[][] cases = {
        {"", "no syscall"},
        {"opne:error=EIO", "no syscall `opne` (did you mean open?)"},
        {"read", "give what the call returns instead"},
        {"read:error=EIO:retval=0", "give what the call returns instead"},
        {"read:error=EWHAT", "error=EWHAT is not an errno name"},
        {"read:error=5000", "is not a whole number from 1 to 4095"},
        {"read:retval=-1", "retval=-1 is not a whole number from 0 to 32767"},
        {"read:retval=99999", "retval=99999 is not a whole number"},
        {"read:error=EIO:when=0", "when=0 is not a whole number from 1"},
        {"read:error=EIO:when=5..3", "when=3 is not a whole number from 5"},
        {"read:error=EIO:when=-1", "is not FIRST, FIRST+"},
        {"read:error=EIO:when=99999999999", "is not a whole number from 1 to 4294967294"},
        {"read:error=EIO:prob=0", "prob=0 is not a probability"},
        {"read:error=EIO:prob=NaN", "prob=NaN is not a probability"},
        {"read:error=EIO:seed=3", "seed applies to prob"},
        {"read:error=EIO:when=1:when=2", "when is given twice"},
        {"read:error=EIO:signal=SIGSEGV", "`signal=SIGSEGV` is not KEY=VALUE with KEY one of error, retval"},
        {"%nosuch:error=EIO", "no class %nosuch"},
    };
    for (String[] c : cases) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Injection.parse(c[0]), c[0]);
      assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
      assertTrue(e.getMessage().contains("; the syntax is SYSCALL"), e.getMessage());
    }
    assertFalse(Injection.parse("read:error=EIO:when=3").chosen(0));
  }
}
