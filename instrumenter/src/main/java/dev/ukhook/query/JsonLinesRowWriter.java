package dev.ukhook.query;

import java.util.List;

/**
 * Writes a table as JSON lines: one object per row and line, the column names as keys in column order. Nulls are
 * {@code null}, UBIGINT values unsigned decimals, doubles without exponent (NaN and infinities, which JSON cannot
 * write, as {@code null}), strings escaped per RFC 8259 (quote, backslash and control characters).
 * Buffered as {@link TextRowWriter} says.
 */
public final class JsonLinesRowWriter extends TextRowWriter {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  public JsonLinesRowWriter(Appendable out) {
    super(out, "null", true, "}\n");
  }

  // "{\"name\":", ",\"name\":": what goes before each column's value
  @Override
  String[] keys(List<Column> columns) {
    String[] keys = new String[columns.size()];
    StringBuilder k = new StringBuilder();
    for (int i = 0; i < keys.length; i++) {
      k.setLength(0);
      k.append(i == 0 ? '{' : ',');
      string(k, columns.get(i).name());
      keys[i] = k.append(':').toString();
    }
    return keys;
  }

  @Override
  void string(StringBuilder sb, String s) {
    sb.append('"');
    int plain = 0; // start of the run of characters that need no escape
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      sb.append(s, plain, i);
      plain = i + 1;
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    sb.append(s, plain, s.length()).append('"');
  }
}
