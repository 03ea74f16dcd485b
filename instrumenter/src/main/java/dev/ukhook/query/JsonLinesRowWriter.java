package dev.ukhook.query;

import dev.ukhook.query.Column.Type;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes a table as JSON lines: one object per row and line, the column names as keys in column order. Nulls are
 * {@code null}, UBIGINT values unsigned decimals, doubles without exponent (NaN and infinities, which JSON cannot
 * write, as {@code null}), strings escaped per RFC 8259 (quote, backslash and control characters).
 *
 * <p>Rows are collected in a buffer and handed to the {@link Appendable} in blocks of about 64 KiB; {@link #close()}
 * hands over the rest and flushes (but does not close) a {@link java.io.Flushable} destination.
 */
public final class JsonLinesRowWriter implements RowWriter {
  private static final int BLOCK = 1 << 16;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final Appendable out;
  private final StringBuilder buf = new StringBuilder(BLOCK + 1024);
  private Cells cells;
  // "{\"name\":", ",\"name\":": what goes before each column's value
  private String[] keys;
  private int column;

  public JsonLinesRowWriter(Appendable out) {
    this.out = out;
  }

  @Override
  public void begin(List<Column> columns) {
    cells = new Cells(columns);
    keys = new String[columns.size()];
    StringBuilder k = new StringBuilder();
    for (int i = 0; i < keys.length; i++) {
      k.setLength(0);
      k.append(i == 0 ? '{' : ',');
      string(k, columns.get(i).name());
      keys[i] = k.append(':').toString();
    }
  }

  @Override
  public void putLong(long v) {
    key();
    if (cells.take("putLong", Type.BIGINT, Type.UBIGINT) == Type.UBIGINT && v < 0) {
      buf.append(Long.toUnsignedString(v));
    } else {
      buf.append(v);
    }
  }

  @Override
  public void putInt(int v) {
    key();
    cells.take("putInt", Type.INTEGER, Type.BIGINT);
    buf.append(v);
  }

  @Override
  public void putDouble(double v) {
    key();
    cells.take("putDouble", Type.DOUBLE);
    if (Double.isFinite(v)) {
      Cells.appendDouble(buf, v);
    } else {
      buf.append("null");
    }
  }

  @Override
  public void putString(String v) {
    if (v == null) {
      putNull();
      return;
    }
    key();
    cells.take("putString", Type.VARCHAR);
    string(buf, v);
  }

  @Override
  public void putBoolean(boolean v) {
    key();
    cells.take("putBoolean", Type.BOOLEAN);
    buf.append(v);
  }

  @Override
  public void putNull() {
    key();
    cells.take("putNull");
    buf.append("null");
  }

  /** A number given as its decimal digits (a HUGEINT or DECIMAL of a query's result), written as it is. */
  void putNumber(String digits) {
    key();
    cells.take("putNumber", Type.BIGINT, Type.UBIGINT, Type.INTEGER, Type.DOUBLE);
    buf.append(digits);
  }

  @Override
  public void endRow() {
    cells.endRow();
    column = 0;
    buf.append("}\n");
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

  private void key() {
    if (column < keys.length) {
      buf.append(keys[column++]);
    } // else cells.take() is about to say the row is full
  }

  private static void string(StringBuilder sb, String s) {
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

  private void drain() {
    try {
      out.append(buf);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    buf.setLength(0);
  }
}
