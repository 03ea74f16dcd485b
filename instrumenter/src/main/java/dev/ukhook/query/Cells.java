package dev.ukhook.query;

import dev.ukhook.query.Column.Type;
import java.math.BigDecimal;
import java.util.List;

/**
 * The column cursor of a {@link RowWriter}: which column the next value goes to, and whether the value fits its
 * type. A producer that puts a value of the wrong type, or too few or too many, fails at once and says where,
 * instead of shifting the rest of the row.
 */
final class Cells {
  private final List<Column> columns;
  private final Type[] types;
  private int next;

  Cells(List<Column> columns) {
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("a table needs at least one column");
    }
    this.columns = List.copyOf(columns);
    this.types = columns.stream().map(Column::type).toArray(Type[]::new);
  }

  List<Column> columns() {
    return columns;
  }

  int size() {
    return types.length;
  }

  /** Whether the next value opens a row. */
  boolean atRowStart() {
    return next == 0;
  }

  /** The type of the column the next value goes to, which must be one of {@code allowed} (none: any); moves on. */
  Type take(String put, Type... allowed) {
    if (next == types.length) {
      throw new IllegalStateException(put + ": the row already has all " + types.length + " values; endRow() missing?");
    }
    Type t = types[next];
    if (allowed.length > 0 && !contains(allowed, t)) {
      throw new IllegalStateException(put + " into column " + columns.get(next).name() + " of type " + t);
    }
    next++;
    return t;
  }

  void endRow() {
    if (next != types.length) {
      throw new IllegalStateException("endRow() after " + next + " of " + types.length + " values (next: "
          + columns.get(next).name() + ")");
    }
    next = 0;
  }

  private static boolean contains(Type[] allowed, Type t) {
    for (Type a : allowed) {
      if (a == t) {
        return true;
      }
    }
    return false;
  }

  /**
   * A double as CSV and JSON write it: Java's shortest round-trip digits, never in exponent notation (1.0E7 is
   * written 10000000.0, 1.0E-5 is 0.00001), so every reader takes it as the same number.
   */
  static void appendDouble(StringBuilder sb, double d) {
    double a = Math.abs(d);
    // The common case fast (a duration in ns to the picosecond): Double.toString costs more than the rest of a row.
    long milli = Math.round(d * 1000);
    if (a != 0 && a < 1e12 && milli / 1000.0 == d) {
      long whole = Math.abs(milli) / 1000;
      int frac = (int) (Math.abs(milli) % 1000);
      sb.append(d < 0 ? "-" : "").append(whole).append('.');
      if (frac == 0) {
        sb.append('0');
      } else {
        sb.append((char) ('0' + frac / 100));
        if (frac % 100 != 0) {
          sb.append((char) ('0' + frac / 10 % 10));
          if (frac % 10 != 0) {
            sb.append((char) ('0' + frac % 10));
          }
        }
      }
      return;
    }
    if (a == 0 || (a >= 1e-3 && a < 1e7)) {
      sb.append(d); // Double.toString uses no exponent in this range
    } else {
      String plain = BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
      sb.append(plain);
      if (plain.indexOf('.') < 0) {
        sb.append(".0");
      }
    }
  }
}
