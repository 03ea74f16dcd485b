package dev.ukhook.report;

import java.util.HashMap;
import java.util.Map;

/**
 * How {@link StraceFormat} prints one value whatever the call: C's {@code %#lx}, pointers ({@code NULL}),
 * unsigned longs, strace's octal modes and the flag and enum names of an {@link Xlat} table; and the tables,
 * read once each. The decoders that look at another argument are by family: {@link StraceFiles},
 * {@link StraceFutex}, {@link StraceNet}.
 */
final class StraceValues {
  private StraceValues() {}

  /** The flag tables read so far, by name (xlat/NAME.in). */
  private static final Map<String, Xlat> XLATS = new HashMap<>();

  static final char[] DIGITS = "0123456789abcdef".toCharArray();

  /** The table xlat/NAME.in, read once; a missing table is an error in syscalls.tsv or the code. */
  static synchronized Xlat xlat(String name) {
    return XLATS.computeIfAbsent(name, n -> Xlat.load(n)
        .orElseThrow(() -> new IllegalStateException("syscalls.tsv: no kind or flag table xlat/" + n + ".in")));
  }

  /** The value the table names {@code name}, as an int (a command or level compared as C's int). */
  static int value(String table, String name) {
    return (int) xlat(table).value(name);
  }

  /** The low 32 bits of {@code arg} by the table's names: the enum part, then the bits ORed, then the rest in hex. */
  static StringBuilder table(StringBuilder sb, Xlat t, long arg) {
    long v = arg & 0xffffffffL;
    int start = sb.length();
    if (t.enumMask() != 0) {
      long e = v & t.enumMask();
      String name = null;
      for (int i = 0; i < t.enumValues().length && name == null; i++) {
        name = t.enumValues()[i] == e ? t.enumNames()[i] : null;
      }
      if (name != null) {
        sb.append(name);
      } else if (t.hexFallback()) {
        hex(sb, e);
      } else {
        sb.append(t.enumMask() == 0xffffffffL ? (int) e : e);
      }
    }
    long rest = v & ~t.enumMask();
    String zero = null;
    for (int i = 0; i < t.bitValues().length; i++) {
      long b = t.bitValues()[i];
      if (b == 0) {
        zero = t.bitNames()[i];
      } else if ((rest & b) == b) {
        (sb.length() > start ? sb.append('|') : sb).append(t.bitNames()[i]);
        rest &= ~b;
      }
    }
    if (rest != 0) {
      hex(sb.length() > start ? sb.append('|') : sb, rest);
    }
    if (sb.length() == start) {
      sb.append(zero != null ? zero : "0");
    }
    return sb;
  }

  /** C's {@code %#lx}: 0, or 0x and the hex digits. */
  static void hex(StringBuilder sb, long v) {
    if (v == 0) {
      sb.append('0');
      return;
    }
    sb.append("0x");
    for (int shift = (63 - Long.numberOfLeadingZeros(v)) & ~3; shift >= 0; shift -= 4) {
      sb.append(DIGITS[(int) (v >>> shift) & 15]);
    }
  }

  static void pointer(StringBuilder sb, long v) {
    if (v == 0) {
      sb.append("NULL");
    } else {
      hex(sb, v);
    }
  }

  static void unsigned(StringBuilder sb, long v) {
    if (v >= 0) {
      sb.append(v);
    } else {
      sb.append(Long.toUnsignedString(v));
    }
  }

  /** strace's mode: C's {@code %#03o} of the low 32 bits, so 0644 and 000. */
  static void mode(StringBuilder sb, long arg) {
    long v = arg & 0xffffffffL;
    int digits = Math.max(1, (66 - Long.numberOfLeadingZeros(v)) / 3);
    sb.append('0');
    for (int i = digits; i < 2; i++) {
      sb.append('0');
    }
    for (int shift = (digits - 1) * 3; shift >= 0; shift -= 3) {
      sb.append(DIGITS[(int) (v >>> shift) & 7]);
    }
  }
}
