package dev.ukhook.query;

import dev.ukhook.query.Column.Type;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes a table as CSV (RFC 4180): a header line of the column names, then one line per row, "\n" line ends.
 * A field is quoted only when it holds a comma, a quote or a line break (and an empty string, as {@code ""}, so
 * that it differs from a null, which is written as nothing). UBIGINT values are written unsigned, doubles without
 * exponent, NaN and infinities as {@code NaN}, {@code Infinity}, {@code -Infinity} (what DuckDB and pandas read).
 *
 * <p>Rows are collected in a buffer and handed to the {@link Appendable} in blocks of about 64 KiB; {@link #close()}
 * hands over the rest and flushes (but does not close) a {@link java.io.Flushable} destination.
 */
public final class CsvRowWriter implements RowWriter {
  private static final int BLOCK = 1 << 16;

  private final Appendable out;
  private final StringBuilder buf = new StringBuilder(BLOCK + 1024);
  private Cells cells;

  public CsvRowWriter(Appendable out) {
    this.out = out;
  }

  @Override
  public void begin(List<Column> columns) {
    cells = new Cells(columns);
    for (Column c : columns) {
      separate();
      cells.take("header");
      field(c.name());
    }
    endRow();
  }

  @Override
  public void putLong(long v) {
    separate();
    if (cells.take("putLong", Type.BIGINT, Type.UBIGINT) == Type.UBIGINT && v < 0) {
      buf.append(Long.toUnsignedString(v));
    } else {
      buf.append(v);
    }
  }

  @Override
  public void putInt(int v) {
    separate();
    cells.take("putInt", Type.INTEGER, Type.BIGINT);
    buf.append(v);
  }

  @Override
  public void putDouble(double v) {
    separate();
    cells.take("putDouble", Type.DOUBLE);
    if (Double.isFinite(v)) {
      Cells.appendDouble(buf, v);
    } else {
      buf.append(v); // NaN, Infinity, -Infinity
    }
  }

  @Override
  public void putString(String v) {
    if (v == null) {
      putNull();
      return;
    }
    separate();
    cells.take("putString", Type.VARCHAR);
    field(v);
  }

  @Override
  public void putBoolean(boolean v) {
    separate();
    cells.take("putBoolean", Type.BOOLEAN);
    buf.append(v);
  }

  @Override
  public void putNull() {
    separate();
    cells.take("putNull");
  }

  /** A number given as its decimal digits (a HUGEINT or DECIMAL of a query's result), written as it is. */
  void putNumber(String digits) {
    separate();
    cells.take("putNumber", Type.BIGINT, Type.UBIGINT, Type.INTEGER, Type.DOUBLE);
    buf.append(digits);
  }

  @Override
  public void endRow() {
    cells.endRow();
    buf.append('\n');
    if (buf.length() >= BLOCK) {
      drain();
    }
  }

  @Override
  public void close() {
    drain();
    if (out instanceof java.io.Flushable f) {
      try {
        f.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private void separate() {
    if (!cells.atRowStart()) {
      buf.append(',');
    }
  }

  private void field(String s) {
    if (s.isEmpty()) {
      buf.append("\"\"");
      return;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == ',' || c == '"' || c == '\n' || c == '\r') {
        buf.append('"');
        for (int j = 0; j < s.length(); j++) {
          char d = s.charAt(j);
          if (d == '"') {
            buf.append('"');
          }
          buf.append(d);
        }
        buf.append('"');
        return;
      }
    }
    buf.append(s);
  }

  private void drain() {
    try {
      out.append(buf);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    buf.setLength(0);
  }
}
