package dev.ukhook.query;

import java.util.List;

/**
 * Writes a table as CSV (RFC 4180): a header line of the column names, then one line per row, "\n" line ends.
 * A field is quoted only when it holds a comma, a quote or a line break (and an empty string, as {@code ""}, so
 * that it differs from a null, which is written as nothing). UBIGINT values are written unsigned, doubles without
 * exponent, NaN and infinities as {@code NaN}, {@code Infinity}, {@code -Infinity} (what DuckDB and pandas read).
 * Buffered as {@link TextRowWriter} says.
 */
public final class CsvRowWriter extends TextRowWriter {
  public CsvRowWriter(Appendable out) {
    super(out, "", false, "\n");
  }

  @Override
  public void begin(List<Column> columns) {
    super.begin(columns);
    for (int i = 0; i < columns.size(); i++) {
      if (i > 0) {
        buf.append(',');
      }
      string(buf, columns.get(i).name());
    }
    buf.append('\n');
  }

  @Override
  String[] keys(List<Column> columns) {
    return null; // a comma between values
  }

  @Override
  void string(StringBuilder sb, String s) {
    if (s.isEmpty()) {
      sb.append("\"\"");
      return;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == ',' || c == '"' || c == '\n' || c == '\r') {
        sb.append('"');
        for (int j = 0; j < s.length(); j++) {
          char d = s.charAt(j);
          if (d == '"') {
            sb.append('"');
          }
          sb.append(d);
        }
        sb.append('"');
        return;
      }
    }
    sb.append(s);
  }
}
