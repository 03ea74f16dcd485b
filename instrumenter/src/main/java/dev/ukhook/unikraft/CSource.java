package dev.ukhook.unikraft;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Finds anchors in C source by structure: a function's body by brace matching, a statement by its
 * tokens ignoring whitespace. Comments and string literals are masked out first so that text in them
 * never matches.
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

  /** Same length as the input; comments and string/char literals become spaces, newlines stay. */
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

  /** Offsets [start, end) of the body of the definition of {@code name} (inside the braces), or null. */
  int[] functionBody(String name) {
    Matcher m = Pattern.compile("\\b" + Pattern.quote(name) + "\\s*\\(").matcher(masked);
    while (m.find()) {
      int close = matching(m.end() - 1, '(', ')');
      if (close < 0) {
        return null;
      }
      int k = close + 1;
      while (k < masked.length() && Character.isWhitespace(masked.charAt(k))) {
        k++;
      }
      if (k < masked.length() && masked.charAt(k) == '{') {
        int end = matching(k, '{', '}');
        return end < 0 ? null : new int[] {k + 1, end};
      }
    }
    return null;
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

  private int matching(int open, char o, char c) {
    int depth = 0;
    for (int k = open; k < masked.length(); k++) {
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
