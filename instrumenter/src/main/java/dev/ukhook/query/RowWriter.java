package dev.ukhook.query;

import java.util.List;

/**
 * Receives a table row by row, each row's values in the order of its {@link Column}s, typed so that a writer of
 * millions of rows boxes nothing. Every value put must match its column's type; {@link #putNull()} fits any.
 */
public interface RowWriter extends AutoCloseable {
  /** Called once, before the first row. */
  void begin(List<Column> columns);

  void putLong(long v);

  void putInt(int v);

  void putDouble(double v);

  /** A string; null is written as a null value. */
  void putString(String v);

  void putBoolean(boolean v);

  void putNull();

  void endRow();

  /** Flushes; the table is complete. */
  @Override
  void close();
}
