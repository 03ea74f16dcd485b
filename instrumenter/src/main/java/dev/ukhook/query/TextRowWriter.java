package dev.ukhook.query;

import dev.ukhook.query.Column.Type;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A {@link RowWriter} of one text line per row ({@link CsvRowWriter}, {@link JsonLinesRowWriter}): the type checks,
 * the number writing (UBIGINT unsigned, doubles without exponent) and the buffering are here; a format gives what
 * goes before each column's value, how a string is quoted, how a null and a NaN or infinity are written and how a
 * row ends.
 *
 * <p>Rows are collected in a buffer and handed to the {@link Appendable} in blocks of about 64 KiB; {@link #close()}
 * hands over the rest and flushes (but does not close) a {@link java.io.Flushable} destination.
 */
public abstract sealed class TextRowWriter implements RowWriter permits CsvRowWriter, JsonLinesRowWriter {
  private static final int BLOCK = 1 << 16;

  /** The text of the rows not yet handed to the destination. */
  final StringBuilder buf = new StringBuilder(BLOCK + 1024);
  private final Appendable out;
  private final String nullValue;
  private final boolean nonFiniteAsNull;
  private final String rowEnd;
  private Cells cells;
  // what goes before each column's value ("{\"name\":", ",\"name\":" in JSON lines); null: a comma between values
  private String[] keys;
  private int column;

  /**
   * @param nullValue what a null is written as
   * @param nonFiniteAsNull whether NaN and the infinities are written as a null (else as {@code NaN},
   *     {@code Infinity}, {@code -Infinity})
   * @param rowEnd what follows the last value of a row
   */
  TextRowWriter(Appendable out, String nullValue, boolean nonFiniteAsNull, String rowEnd) {
    this.out = out;
    this.nullValue = nullValue;
    this.nonFiniteAsNull = nonFiniteAsNull;
    this.rowEnd = rowEnd;
  }

  /**
   * What goes before each column's value, or null for just a comma between values (the common case, kept to one
   * char append per value); called once, by {@link #begin}.
   */
  abstract String[] keys(List<Column> columns);

  /** Appends a string value (never null) as the format quotes it. */
  abstract void string(StringBuilder sb, String s);

  @Override
  public void begin(List<Column> columns) {
    cells = new Cells(columns);
    keys = keys(columns);
  }

  @Override
  public final void putLong(long v) {
    open();
    if (cells.take("putLong", Type.BIGINT, Type.UBIGINT) == Type.UBIGINT && v < 0) {
      buf.append(Long.toUnsignedString(v));
    } else {
      buf.append(v);
    }
  }

  @Override
  public final void putInt(int v) {
    open();
    cells.take("putInt", Type.INTEGER, Type.BIGINT);
    buf.append(v);
  }

  @Override
  public final void putDouble(double v) {
    open();
    cells.take("putDouble", Type.DOUBLE);
    if (Double.isFinite(v)) {
      Cells.appendDouble(buf, v);
    } else if (nonFiniteAsNull) {
      buf.append(nullValue);
    } else {
      buf.append(v); // NaN, Infinity, -Infinity
    }
  }

  @Override
  public final void putString(String v) {
    if (v == null) {
      putNull();
      return;
    }
    open();
    cells.take("putString", Type.VARCHAR);
    string(buf, v);
  }

  @Override
  public final void putBoolean(boolean v) {
    open();
    cells.take("putBoolean", Type.BOOLEAN);
    buf.append(v);
  }

  @Override
  public final void putNull() {
    open();
    cells.take("putNull");
    buf.append(nullValue);
  }

  /** A number given as its decimal digits (a HUGEINT or DECIMAL of a query's result), written as it is. */
  final void putNumber(String digits) {
    open();
    cells.take("putNumber", Type.BIGINT, Type.UBIGINT, Type.INTEGER, Type.DOUBLE);
    buf.append(digits);
  }

  @Override
  public final void endRow() {
    cells.endRow();
    column = 0;
    buf.append(rowEnd);
    if (buf.length() >= BLOCK) {
      drain();
    }
  }

  @Override
  public final void close() {
    drain();
    if (out instanceof java.io.Flushable f) {
      try {
        f.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private void open() {
    if (keys == null) {
      if (!cells.atRowStart()) {
        buf.append(',');
      }
    } else if (column < keys.length) {
      buf.append(keys[column++]);
    } // else cells.take() is about to say the row is full
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
