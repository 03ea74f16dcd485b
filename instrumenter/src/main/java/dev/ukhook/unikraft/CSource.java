package dev.ukhook.unikraft;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Finds anchors in C source by structure: a macro definition by its continuation lines, a function's
 * body by brace matching, a statement by its tokens ignoring whitespace. Comments and string literals
 * are masked out first so that text in them never matches, and line continuations count as whitespace
 * so that the same anchors work inside a multi-line {@code #define}.
 */
final class CSource {
  private final String text;
  private final String masked;

  CSource(String text) {
    this.text = text;
    this.masked = mask(text);
  }

  String text() {
    return text;
  }

  /**
   * Same length as the input; comments, string/char literals and the backslash of a line continuation
   * become spaces, newlines stay.
   */
  static String mask(String s) {
    StringBuilder out = new StringBuilder(s);
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      int end;
      if (s.startsWith("/*", i)) {
        end = s.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
      } else if (s.startsWith("//", i)) {
        end = s.indexOf('\n', i);
        end = end < 0 ? n : end;
      } else if (c == '\\' && (s.startsWith("\n", i + 1) || s.startsWith("\r\n", i + 1))) {
        end = i + 1;
      } else if (c == '"' || c == '\'') {
        end = i + 1;
        while (end < n && s.charAt(end) != c && s.charAt(end) != '\n') {
          end += s.charAt(end) == '\\' ? 2 : 1;
        }
        end = Math.min(n, end + 1);
      } else {
        i++;
        continue;
      }
      for (int k = i; k < end; k++) {
        if (out.charAt(k) != '\n') {
          out.setCharAt(k, ' ');
        }
      }
      i = end;
    }
    return out.toString();
  }

  /**
   * Offsets [start, end) of the body of the definition of {@code name} (inside the braces) within
   * [from, to), or null. A name pasted onto another ({@code __##rname}) is a different identifier.
   */
  int[] functionBody(String name, int from, int to) {
    Matcher m = Pattern.compile("(?<![A-Za-z0-9_#])" + Pattern.quote(name) + "\\s*\\(").matcher(masked)
        .region(from, to);
    while (m.find()) {
      int close = matching(m.end() - 1, '(', ')', to);
      if (close < 0) {
        return null;
      }
      int k = close + 1;
      while (k < to && Character.isWhitespace(masked.charAt(k))) {
        k++;
      }
      if (k < to && masked.charAt(k) == '{') {
        int end = matching(k, '{', '}', to);
        return end < 0 ? null : new int[] {k + 1, end};
      }
    }
    return null;
  }

  /**
   * Offsets [start, end) of every definition of the function-like macro {@code name}: from the
   * {@code #define} through its last continuation line (without that line's newline).
   */
  List<int[]> macroDefinitions(String name) {
    Matcher m = Pattern.compile("(?m)^[ \\t]*#[ \\t]*define[ \\t]+" + Pattern.quote(name) + "\\(").matcher(masked);
    List<int[]> found = new ArrayList<>();
    while (m.find()) {
      int end = m.start();
      while (true) {
        int nl = text.indexOf('\n', end);
        if (nl < 0) {
          end = text.length();
          break;
        }
        if (!continues(nl)) {
          end = nl;
          break;
        }
        end = nl + 1;
      }
      found.add(new int[] {m.start(), end});
    }
    return found;
  }

  /** Whether the line ending with the newline at {@code newline} continues onto the next ({@code \}). */
  boolean continues(int newline) {
    int k = newline > 0 && text.charAt(newline - 1) == '\r' ? newline - 1 : newline;
    return k > 0 && text.charAt(k - 1) == '\\';
  }

  /** Start offsets of every occurrence of the statement inside [from, to), ignoring whitespace. */
  List<Integer> statement(String stmt, int from, int to) {
    String re = "(?<![A-Za-z0-9_])" + stmt.codePoints().filter(c -> !Character.isWhitespace(c))
        .mapToObj(c -> Pattern.quote(Character.toString(c))).collect(Collectors.joining("\\s*"));
    Matcher m = Pattern.compile(re).matcher(masked).region(from, to);
    List<Integer> found = new ArrayList<>();
    while (m.find()) {
      found.add(m.start());
    }
    return found;
  }

  /** End offset (exclusive) of the statement starting at {@code start}. */
  int statementEnd(String stmt, int start) {
    int needed = (int) stmt.codePoints().filter(c -> !Character.isWhitespace(c)).count();
    int k = start;
    while (needed > 0) {
      if (!Character.isWhitespace(masked.charAt(k))) {
        needed--;
      }
      k++;
    }
    return k;
  }

  private int matching(int open, char o, char c, int to) {
    int depth = 0;
    for (int k = open; k < to; k++) {
      char ch = masked.charAt(k);
      if (ch == o) {
        depth++;
      } else if (ch == c && --depth == 0) {
        return k;
      }
    }
    return -1;
  }

  String maskedText() {
    return masked;
  }
}
