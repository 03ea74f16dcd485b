package dev.ukhook.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The listing's decoders name the commands, levels and flags they test; the values come from the tables. */
class XlatValueTest {
  @Test
  void valueByNameFromEnumsAndBits() {
    assertEquals(4, Xlat.load("fcntlcmd").orElseThrow().value("F_SETFL"));
    assertEquals(1034, Xlat.load("fcntlcmd").orElseThrow().value("F_GET_SEALS"));
    assertEquals(41, Xlat.load("socklevel").orElseThrow().value("SOL_IPV6"));
    assertEquals(12, Xlat.load("futexop").orElseThrow().value("FUTEX_CMP_REQUEUE_PI"));
    assertEquals(128, Xlat.load("futexop").orElseThrow().value("FUTEX_PRIVATE_FLAG"));
    assertEquals(020200000, Xlat.load("oflags").orElseThrow().value("O_TMPFILE"));
  }

  @Test
  void aNameTheTableLacksIsAnError() {
    assertEquals("no F_NOPE in the flag table from include/uapi/asm-generic/fcntl.h, include/uapi/linux/fcntl.h (F_*)",
        assertThrows(IllegalStateException.class, () -> Xlat.load("fcntlcmd").orElseThrow().value("F_NOPE"))
            .getMessage());
  }
}
