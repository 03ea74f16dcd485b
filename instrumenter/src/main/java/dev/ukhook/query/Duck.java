package dev.ukhook.query;

import dev.ukhook.core.TextTable;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.query.Column.Type;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.stream.Stream;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

/**
 * An in-memory DuckDB database: the tables of a run are given to it ({@link #table}; each is a view of a
 * temporary CSV file, see there why), queried with SQL ({@link #query}) and exported as Parquet
 * ({@link #copyToParquet}). Closing it deletes its temporary files.
 *
 * <p>{@link #query} runs any SQL, writes and DDL included: the database holds only copies made for this process
 * and is gone when it closes, so no statement can change anything of the user's (except files a statement such as
 * {@code COPY ... TO} writes on purpose).
 *
 * <p>DuckDB's JDBC driver unpacks its native library into {@code java.io.tmpdir} and loads it from there; it has no
 * other place to look for the copy inside the jar. Where that directory is full, read-only or mounted
 * {@code noexec}, opening fails with an {@link Kind#ENVIRONMENT} error that says to point {@code java.io.tmpdir}
 * elsewhere.
 */
public final class Duck implements AutoCloseable {
  /** How {@link #query} writes a result. */
  public enum Output {
    /** Aligned columns under a header line, numbers right-aligned, NULL for nulls; the first rows only. */
    TEXT,
    /** CSV, as {@link CsvRowWriter}. */
    CSV,
    /** JSON lines, as {@link JsonLinesRowWriter}. */
    JSON
  }

  /** How many rows {@link Output#TEXT} shows unless told otherwise. */
  public static final int TEXT_ROWS = 1000;

  private final DuckDBConnection conn;
  private Path tempDir;
  private int tables;

  /** Opens an empty in-memory database. */
  public Duck() {
    DuckDBConnection c;
    try {
      c = (DuckDBConnection) new DuckDBDriver().connect("jdbc:duckdb:", new Properties());
    } catch (LinkageError e) { // the native library's failed load, in DuckDBNative's static initialiser
      Throwable cause = e;
      while (cause.getCause() != null) {
        cause = cause.getCause();
      }
      throw new UkhookException(Kind.ENVIRONMENT, "cannot load DuckDB's native library, which its driver unpacks"
          + " into java.io.tmpdir (" + System.getProperty("java.io.tmpdir") + ") and loads from there: " + cause
          + "; if that directory is full, read-only or mounted noexec, name one that is writable and allows"
          + " executables: JAVA_TOOL_OPTIONS=-Djava.io.tmpdir=DIR", e);
    } catch (SQLException e) {
      throw new UkhookException(Kind.ENVIRONMENT, "cannot open an in-memory DuckDB database: " + e.getMessage(), e);
    }
    conn = c;
  }

  /**
   * Creates table {@code name} with {@code columns} and returns the writer that fills it; the table exists once the
   * writer is closed. The writer's {@link RowWriter#begin} must be given the same columns.
   *
   * <p>The table is a view of a CSV file the writer streams into this database's temporary directory, read with the
   * columns' types (nothing is guessed): rows cost disk (about 150 bytes a row), not memory, and each query scans
   * the file again (a caller that runs many queries can {@code CREATE TABLE x AS SELECT * FROM name} once).
   *
   * <p>Why not DuckDB's appender, the obvious route: measured 2026-11-26 on the 2-core build machine, shared with
   * other builds (load average 4 to 8; wall times, inflated by that), 10,000,000 rows of 20
   * columns (BIGINT, INTEGER, VARCHAR of 30 values, DOUBLE, BIGINT a third null) took 25.8 s through
   * {@code DuckDBConnection#createAppender} into an in-memory table and held 3.3 GB; perf puts most of the time in
   * DuckDB's table storage, which {@code CREATE TABLE AS SELECT * FROM read_csv(...)} pays as well (44 s). This
   * route took 7.6 s to write the file (Double.toString is the largest part of it on Java 17), 4.3 s for a query
   * that scans all of it and 16.4 s for {@link #copyToParquet} (8.4 s from the in-memory table), at 0.76 GB.
   */
  public RowWriter table(String name, List<Column> columns) {
    Path file = tempDir().resolve("table-" + (++tables) + ".csv");
    Writer out;
    try {
      out = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8), 1 << 20);
    } catch (IOException e) {
      throw cannotSpill(file, e);
    }
    return new TableWriter(name, columns, file, out);
  }

  /**
   * Writes table {@code table} to {@code file} as Parquet, ZSTD-compressed: first into a temporary file beside it,
   * then renamed, so that {@code file} is either the complete table or what it was before.
   */
  public void copyToParquet(String table, Path file) {
    Path target = file.toAbsolutePath();
    if (Files.exists(target) && !Files.isRegularFile(target)) {
      throw new UkhookException(Kind.USAGE, file + " is not a regular file: Parquet is written to a file (-o FILE)");
    }
    Path temp;
    try {
      temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".part");
    } catch (IOException e) {
      throw new UkhookException(Kind.ENVIRONMENT, "cannot write " + file + ": " + e, e);
    }
    try {
      try (Statement s = conn.createStatement()) {
        s.execute("COPY " + quote(table) + " TO " + literal(temp.toString()) + " (FORMAT PARQUET, COMPRESSION ZSTD)");
      }
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (SQLException | IOException e) {
      throw new UkhookException(Kind.FAILURE, "cannot write " + file + ": " + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException e) {
        // nothing more to do: the temporary file is hidden and named as such
      }
    }
  }

  /** {@link #query(String, Output, PrintWriter, int)} showing at most {@link #TEXT_ROWS} rows as text. */
  public void query(String sql, Output format, PrintWriter out) {
    query(sql, format, out, TEXT_ROWS);
  }

  /**
   * Runs {@code sql} (any statements; the last one's result is written) and writes its result to {@code out} in
   * {@code format}; a statement without a result writes nothing. {@link Output#TEXT} shows the first
   * {@code textRows} rows and then how many there were. An error of the SQL is a {@link Kind#USAGE} error that
   * names the tables and their columns.
   */
  public void query(String sql, Output format, PrintWriter out, int textRows) {
    try (Statement s = conn.createStatement()) {
      if (!s.execute(sql)) {
        return;
      }
      try (ResultSet rs = s.getResultSet()) {
        Cell[] cells = cells(rs.getMetaData());
        switch (format) {
          case TEXT -> text(rs, cells, out, textRows);
          case CSV -> rows(rs, cells, new CsvRowWriter(out));
          case JSON -> rows(rs, cells, new JsonLinesRowWriter(out));
        }
      }
    } catch (SQLException e) {
      throw new UkhookException(Kind.USAGE, oneLine(e.getMessage()) + "; " + tables(), e);
    }
    out.flush();
  }

  /** The tables and their columns, "tables: calls(seq, library, ...), libraries(...)", for error messages. */
  public String tables() {
    String sql = "SELECT table_name, string_agg(column_name, ', ' ORDER BY ordinal_position) FROM"
        + " information_schema.columns WHERE table_schema = 'main' GROUP BY table_name ORDER BY table_name";
    StringJoiner tables = new StringJoiner(", ", "tables: ", "").setEmptyValue("no tables");
    try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        tables.add(rs.getString(1) + "(" + rs.getString(2) + ")");
      }
    } catch (SQLException e) {
      throw new UkhookException(Kind.INTERNAL, "cannot list the tables: " + e.getMessage(), e);
    }
    return tables.toString();
  }

  /** Closes the database and deletes its temporary directory. */
  @Override
  public void close() {
    try {
      conn.close();
    } catch (SQLException e) {
      throw new UkhookException(Kind.INTERNAL, "cannot close DuckDB: " + e.getMessage(), e);
    } finally {
      if (tempDir != null) {
        try (Stream<Path> files = Files.walk(tempDir)) {
          files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
          // the directory is gone or unreadable: nothing more to do
        }
      }
    }
  }

  /**
   * The directory of the tables' files and of what DuckDB spills (a large sort, say), in java.io.tmpdir; made on
   * first use, deleted by {@link #close()}.
   */
  private Path tempDir() {
    if (tempDir == null) {
      try {
        tempDir = Files.createTempDirectory("ukhook-duckdb-");
      } catch (IOException e) {
        throw new UkhookException(Kind.ENVIRONMENT, "cannot make a temporary directory in java.io.tmpdir ("
            + System.getProperty("java.io.tmpdir") + "): " + e + "; name a writable one: JAVA_TOOL_OPTIONS="
            + "-Djava.io.tmpdir=DIR", e);
      }
      try (Statement s = conn.createStatement()) {
        s.execute("SET temp_directory = " + literal(tempDir.resolve("spill").toString()));
      } catch (SQLException e) {
        throw new UkhookException(Kind.INTERNAL, "DuckDB: " + e.getMessage(), e);
      }
    }
    return tempDir;
  }

  private static UkhookException cannotSpill(Path file, IOException e) {
    return new UkhookException(Kind.ENVIRONMENT, "cannot write " + file + ", the copy of a table DuckDB reads: " + e
        + "; if java.io.tmpdir is full, name another: JAVA_TOOL_OPTIONS=-Djava.io.tmpdir=DIR", e);
  }

  /** How a result column is read and written. */
  private enum Cell {
    /** the integers up to BIGINT: getLong */
    LONG(Type.BIGINT),
    /** UBIGINT, HUGEINT, UHUGEINT: their decimal digits */
    INTEGER_DIGITS(Type.UBIGINT),
    /** DECIMAL(p, s): its plain digits */
    DECIMAL(Type.DOUBLE),
    DOUBLE(Type.DOUBLE),
    BOOLEAN(Type.BOOLEAN),
    /** everything else (VARCHAR, dates, lists...): DuckDB's text of the value */
    STRING(Type.VARCHAR);

    final Type type;

    Cell(Type type) {
      this.type = type;
    }

    boolean number() {
      return this != BOOLEAN && this != STRING;
    }
  }

  private static Cell[] cells(ResultSetMetaData meta) throws SQLException {
    Cell[] cells = new Cell[meta.getColumnCount()];
    for (int i = 0; i < cells.length; i++) {
      String t = meta.getColumnTypeName(i + 1);
      cells[i] = switch (t) {
        case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER" -> Cell.LONG;
        case "UBIGINT", "HUGEINT", "UHUGEINT" -> Cell.INTEGER_DIGITS;
        case "FLOAT", "DOUBLE" -> Cell.DOUBLE;
        case "BOOLEAN" -> Cell.BOOLEAN;
        default -> t.startsWith("DECIMAL") ? Cell.DECIMAL : Cell.STRING;
      };
    }
    return cells;
  }

  private static List<Column> columns(ResultSetMetaData meta, Cell[] cells) throws SQLException {
    List<Column> columns = new ArrayList<>();
    for (int i = 0; i < cells.length; i++) {
      columns.add(new Column(meta.getColumnLabel(i + 1), cells[i].type, meta.getColumnTypeName(i + 1)));
    }
    return columns;
  }

  private static void rows(ResultSet rs, Cell[] cells, TextRowWriter w) throws SQLException {
    w.begin(columns(rs.getMetaData(), cells));
    while (rs.next()) {
      for (int i = 0; i < cells.length; i++) {
        put(rs, i + 1, cells[i], w);
      }
      w.endRow();
    }
    w.close();
  }

  private static void put(ResultSet rs, int i, Cell cell, TextRowWriter w) throws SQLException {
    switch (cell) {
      case LONG -> {
        long v = rs.getLong(i);
        if (rs.wasNull()) {
          w.putNull();
        } else {
          w.putLong(v);
        }
      }
      case DOUBLE -> {
        double v = rs.getDouble(i);
        if (rs.wasNull()) {
          w.putNull();
        } else {
          w.putDouble(v);
        }
      }
      case BOOLEAN -> {
        boolean v = rs.getBoolean(i);
        if (rs.wasNull()) {
          w.putNull();
        } else {
          w.putBoolean(v);
        }
      }
      case INTEGER_DIGITS, DECIMAL -> {
        String v = digits(rs, i, cell);
        if (v == null) {
          w.putNull();
        } else {
          w.putNumber(v);
        }
      }
      case STRING -> w.putString(rs.getString(i));
    }
  }

  private static String digits(ResultSet rs, int i, Cell cell) throws SQLException {
    if (cell == Cell.DECIMAL) {
      java.math.BigDecimal d = rs.getBigDecimal(i);
      return d == null ? null : d.toPlainString();
    }
    Object v = rs.getObject(i);
    return v == null ? null : v.toString();
  }

  /** A value as {@link Output#TEXT} shows it. */
  private static String text(ResultSet rs, int i, Cell cell) throws SQLException {
    String s = switch (cell) {
      case LONG -> {
        long v = rs.getLong(i);
        yield rs.wasNull() ? null : Long.toString(v);
      }
      case DOUBLE -> {
        double v = rs.getDouble(i);
        if (rs.wasNull()) {
          yield null;
        }
        StringBuilder sb = new StringBuilder();
        if (Double.isFinite(v)) {
          Cells.appendDouble(sb, v);
        } else {
          sb.append(v);
        }
        yield sb.toString();
      }
      case BOOLEAN -> {
        boolean v = rs.getBoolean(i);
        yield rs.wasNull() ? null : Boolean.toString(v);
      }
      case INTEGER_DIGITS, DECIMAL -> digits(rs, i, cell);
      case STRING -> rs.getString(i);
    };
    if (s == null) {
      return "NULL";
    }
    // The table escapes control characters (a line break or a tab would break the columns, an ESC the
    // terminal); a backslash of the value's own is doubled, so that "\n" there is not taken for a line break.
    return s.replace("\\", "\\\\");
  }

  private static void text(ResultSet rs, Cell[] cells, PrintWriter out, int textRows) throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    List<String[]> rows = new ArrayList<>();
    String[] header = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      header[i] = meta.getColumnLabel(i + 1);
    }
    rows.add(header);
    long count = 0;
    while (rs.next()) {
      if (++count > textRows) {
        continue; // only counted
      }
      String[] row = new String[cells.length];
      for (int i = 0; i < cells.length; i++) {
        row[i] = text(rs, i + 1, cells[i]);
      }
      rows.add(row);
    }
    StringBuilder align = new StringBuilder();
    for (Cell c : cells) {
      align.append(c.number() ? 'r' : 'l');
    }
    out.append(TextTable.render(rows, align.toString()));
    if (count == 0) {
      out.append("(0 rows)\n");
    } else if (count > textRows) {
      out.append("(").append(Long.toString(count)).append(" rows, first ").append(Integer.toString(textRows))
          .append(" shown; add LIMIT or use --format csv)\n");
    }
  }

  /** DuckDB's message on one line: its lines joined, without the "LINE 1: ..." excerpt and its caret. */
  static String oneLine(String message) {
    StringJoiner j = new StringJoiner(" ");
    for (String line : message.split("\n")) {
      String l = line.strip();
      if (!l.isEmpty() && !l.startsWith("LINE ") && !l.chars().allMatch(ch -> ch == '^' || ch == ' ')) {
        j.add(l);
      }
    }
    return j.toString();
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  /** A {@link CsvRowWriter} into the table's file; closing it creates the view that reads the file. */
  private final class TableWriter implements RowWriter {
    private final String name;
    private final List<Column> columns;
    private final Path file;
    private final Writer out;
    private final CsvRowWriter csv;

    TableWriter(String name, List<Column> columns, Path file, Writer out) {
      this.name = name;
      this.columns = List.copyOf(columns);
      this.file = file;
      this.out = out;
      this.csv = new CsvRowWriter(out);
    }

    @Override
    public void begin(List<Column> given) {
      if (!Column.names(given).equals(Column.names(columns))
          || !given.stream().map(Column::type).toList().equals(columns.stream().map(Column::type).toList())) {
        throw new IllegalArgumentException("begin(" + Column.names(given) + ") on table " + name + " of "
            + Column.names(columns));
      }
      csv.begin(columns);
    }

    @Override
    public void putLong(long v) {
      csv.putLong(v);
    }

    @Override
    public void putInt(int v) {
      csv.putInt(v);
    }

    @Override
    public void putDouble(double v) {
      csv.putDouble(v);
    }

    @Override
    public void putString(String v) {
      csv.putString(v);
    }

    @Override
    public void putBoolean(boolean v) {
      csv.putBoolean(v);
    }

    @Override
    public void putNull() {
      csv.putNull();
    }

    @Override
    public void endRow() {
      try {
        csv.endRow();
      } catch (UncheckedIOException e) {
        throw cannotSpill(file, e.getCause());
      }
    }

    @Override
    public void close() {
      try (out) {
        csv.close();
      } catch (IOException | UncheckedIOException e) {
        throw cannotSpill(file, e instanceof UncheckedIOException u ? u.getCause() : (IOException) e);
      }
      StringJoiner types = new StringJoiner(", ", "{", "}");
      columns.forEach(c -> types.add(literal(c.name()) + ": " + literal(c.type().name())));
      // Exactly what CsvRowWriter writes: "" is an empty string, nothing is a null.
      String read = "read_csv(" + literal(file.toString()) + ", columns = " + types + ", header = true,"
          + " auto_detect = false, delim = ',', quote = '\"', escape = '\"', new_line = '\\n',"
          + " allow_quoted_nulls = false)";
      try (Statement s = conn.createStatement()) {
        s.execute("CREATE VIEW " + quote(name) + " AS SELECT * FROM " + read);
      } catch (SQLException e) {
        throw new UkhookException(Kind.INTERNAL, "cannot create table " + name + ": " + e.getMessage(), e);
      }
    }
  }
}
