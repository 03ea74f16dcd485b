package dev.ukhook.report;

import dev.ukhook.core.UkhookException;
import dev.ukhook.query.Column;
import dev.ukhook.query.Duck;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.List;

/** The tables {@code ukhook query} gives SQL (docs/analysis.md): a report's calls and syscalls. */
public final class QueryTables {
  /** A table's name, what one row is, and its columns. */
  public record Table(String name, String row, List<Column> columns) {}

  public static final List<Table> TABLES = List.of(
      new Table("calls", "one row per call (not in a count run)", ReportTables.CALLS),
      new Table("syscalls", "one row per library and syscall", ReportTables.SYSCALLS));

  public static final List<String> EXAMPLES = List.of(
      "SELECT library, count(*) AS calls FROM calls GROUP BY library ORDER BY calls DESC, library",
      "SELECT library, syscall, errnos FROM syscalls WHERE errors > 0 ORDER BY errors DESC");

  private QueryTables() {}

  /**
   * Runs {@code sql} over {@code r}'s tables ({@link Duck#query}). A run that counted its calls in the guest has no
   * calls table: SQL that reads it is refused as {@link RunReport#requireCalls} refuses what needs each call.
   */
  public static void query(RunReport r, String sql, Duck.Output format, PrintWriter out, int textRows) {
    try (Duck duck = load(r)) {
      duck.query(sql, format, out, textRows);
    } catch (UkhookException e) {
      if (r.counted() && e.getCause() instanceof SQLException x && x.getMessage() != null
          && x.getMessage().contains("Table with name calls does not exist")) {
        r.requireCalls("the calls table");
      }
      throw e;
    }
  }

  /** A database holding {@code r}'s tables (a counted run's without calls); the caller closes it. */
  static Duck load(RunReport r) {
    Duck duck = new Duck();
    try {
      if (!r.counted()) {
        ReportTables.calls(r, Calls.Selection.ALL, duck.table("calls", ReportTables.CALLS));
      }
      ReportTables.syscalls(r, duck.table("syscalls", ReportTables.SYSCALLS));
    } catch (RuntimeException e) {
      duck.close();
      throw e;
    }
    return duck;
  }

  /** The tables, each column with its type and meaning, and example queries. */
  public static void writeSchema(Appendable out) throws IOException {
    for (Table t : TABLES) {
      out.append(t.name()).append(": ").append(t.row()).append('\n');
      int name = t.columns().stream().mapToInt(c -> c.name().length()).max().orElse(0);
      int type = t.columns().stream().mapToInt(c -> c.type().name().length()).max().orElse(0);
      for (Column c : t.columns()) {
        out.append("  ").append(pad(c.name(), name)).append("  ").append(pad(c.type().name(), type)).append("  ")
            .append(c.doc()).append('\n');
      }
      out.append('\n');
    }
    out.append("examples:\n");
    for (String e : EXAMPLES) {
      out.append("  ukhook query RUN_DIR \"").append(e).append("\"\n");
    }
  }

  public static String schema() {
    StringBuilder sb = new StringBuilder();
    try {
      writeSchema(sb);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sb.toString();
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(width - s.length());
  }
}
