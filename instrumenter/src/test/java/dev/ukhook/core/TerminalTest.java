package dev.ukhook.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** Issue 18, defect 10: what the guest or a file name says cannot drive the terminal. */
class TerminalTest {
  @Test
  void controlCharactersAreShownNotSent() {
    assertEquals("/etc/\\x1b[2J\\x07x", Terminal.escape("/etc/\u001b[2J\u0007x"));
    assertEquals("a\\nb\\rc\\td\\x00e\\x7f", Terminal.escape("a\nb\rc\td\0e\u007f"));
    // A guest's bytes decode one char a byte: 0x9b is the one-byte CSI of a C1 terminal.
    assertEquals("\\x9b31m\\x85", Terminal.escape("\u009b31m\u0085"));
    assertEquals("abc\\u{202e}cba \\u{d800}", Terminal.escape("abc\u202ecba \ud800"));
  }

  @Test
  void printableTextIsKeptAsItIs() {
    String s = "libc: caf\u00e9 \u20ac \ud83d\ude00 back\\slash \\x1b";
    assertEquals(s, Terminal.escape(s));
    assertSame("plain", Terminal.escape("plain"));
    assertEquals("\u00e9\ud83d\ude00\\x1b", Terminal.escape("\u00e9\ud83d\ude00\u001b"));
  }

  @Test
  void escapingTwiceChangesNothing() {
    String once = Terminal.escape("x\u001b]0;title\u0007\n\u009b\u202e");
    assertEquals(once, Terminal.escape(once));
    assertEquals(once, Terminal.escapeLines(once));
  }

  @Test
  void linesKeepTheirBreaks() {
    assertEquals("one \\x1b[31m\ntwo\\r\n", Terminal.escapeLines("one \u001b[31m\ntwo\r\n"));
    assertEquals("", Terminal.escapeLines(""));
  }
}
