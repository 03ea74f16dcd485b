package dev.ukhook.query;

import java.util.List;

/**
 * One column of a table ukhook exports (CSV, Parquet, JSON lines, the SQL tables of {@code ukhook query}): the one
 * definition every writer takes its names and types from.
 */
public record Column(String name, Type type, String doc) {
  /** The SQL types of the exported tables, as DuckDB names them. */
  public enum Type { BIGINT, UBIGINT, INTEGER, DOUBLE, VARCHAR, BOOLEAN }

  /** The names of {@code columns}, in order. */
  public static List<String> names(List<Column> columns) {
    return columns.stream().map(Column::name).toList();
  }
}
