package dev.ukhook.core;

/**
 * Text for a terminal made harmless. Names ukhook prints come from the guest (paths, a program's AT_EXECFN), from
 * link maps and from files the user names; a control character among them would move the cursor, retitle the
 * window or hide what follows (ESC [ 2 J, OSC 52), so each is shown as an escape the way strace and
 * {@code ls -b} show it: {@code \n \r \t}, other C0 controls, DEL and the C1 controls (0x80-0x9f, which is how a
 * guest's byte decodes) as {@code \xNN}, and the invisible direction overrides and an unpaired surrogate (text
 * that was not valid UTF-16) as {@code \\u{NNNN}}. Everything else, backslashes included, stays as it is, so
 * that escaping twice changes nothing: a renderer may escape its cells and the whole report again.
 */
public final class Terminal {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Terminal() {}

  /** {@code s} on one line: every control character escaped, line breaks included. */
  public static String escape(CharSequence s) {
    int i = 0;
    while (i < s.length() && !special(s.charAt(i))) {
      i++;
    }
    if (i == s.length()) {
      return s.toString(); // the common case: nothing to escape
    }
    StringBuilder sb = new StringBuilder(s.length() + 16).append(s, 0, i);
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!special(c)) {
        sb.append(c);
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(++i));
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\t') {
        sb.append("\\t");
      } else if (c <= 0xff) {
        sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 15]);
      } else {
        sb.append("\\u{").append(Integer.toHexString(c)).append('}');
      }
    }
    return sb.toString();
  }

  /** {@code s}, text of several lines: each line escaped as {@link #escape} does, the line breaks kept. */
  public static String escapeLines(CharSequence s) {
    String text = s.toString();
    if (text.indexOf('\n') < 0) {
      return escape(text);
    }
    StringBuilder sb = new StringBuilder(text.length());
    int from = 0;
    for (int nl; (nl = text.indexOf('\n', from)) >= 0; from = nl + 1) {
      sb.append(escape(text.substring(from, nl))).append('\n');
    }
    return sb.append(escape(text.substring(from))).toString();
  }

  private static boolean special(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f)
        || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f
        || Character.isSurrogate(c);
  }
}
