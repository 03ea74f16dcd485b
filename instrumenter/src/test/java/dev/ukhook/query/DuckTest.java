package dev.ukhook.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.query.Column.Type;
import dev.ukhook.query.Duck.Output;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DuckTest {
  private static final List<Column> CALLS = List.of(
      new Column("seq", Type.UBIGINT, ""), new Column("library", Type.VARCHAR, ""),
      new Column("nr", Type.INTEGER, ""), new Column("ticks", Type.BIGINT, ""),
      new Column("share", Type.DOUBLE, ""), new Column("refused", Type.BOOLEAN, ""));

  @TempDir Path dir;

  /** Four rows: every type, nulls in every column, UBIGINTs above Long.MAX_VALUE, strings CSV must quote. */
  private static Duck calls() {
    Duck duck = new Duck();
    try (RowWriter w = duck.table("calls", CALLS)) {
      w.begin(CALLS);
      row(w, -1L, "libc", 1, -5, 0.5, true);
      row(w, Long.MIN_VALUE, "a,\"b\"\nc", 60, 1L << 40, 1e-5, false);
      row(w, 3, "", 0, 0, 12.0, false);
      w.putLong(4);
      for (int i = 1; i < CALLS.size(); i++) {
        w.putNull();
      }
      w.endRow();
    }
    return duck;
  }

  private static void row(RowWriter w, long seq, String library, int nr, long ticks, double share, boolean refused) {
    w.putLong(seq);
    w.putString(library);
    w.putInt(nr);
    w.putLong(ticks);
    w.putDouble(share);
    w.putBoolean(refused);
    w.endRow();
  }

  private static String query(Duck duck, String sql, Output format) {
    StringWriter out = new StringWriter();
    duck.query(sql, format, new PrintWriter(out));
    return out.toString();
  }

  @Test
  void text() {
    try (Duck duck = calls()) {
      assertEquals("""
                           seq  library     nr          ticks    share  refused
          18446744073709551615  libc         1             -5      0.5  true
           9223372036854775808  a,"b"\\nc    60  1099511627776  0.00001  false
                             4  NULL      NULL           NULL     NULL  NULL
                             3               0              0     12.0  false
          """, query(duck, "SELECT * FROM calls ORDER BY seq DESC", Output.TEXT));
    }
  }

  @Test
  void textShowsTheFirstRowsAndSaysHowMany() {
    try (Duck duck = calls()) {
      StringWriter out = new StringWriter();
      duck.query("SELECT seq FROM calls ORDER BY seq", Output.TEXT, new PrintWriter(out), 2);
      assertEquals("""
          seq
            3
            4
          (4 rows, first 2 shown; add LIMIT or use --format csv)
          """, out.toString());
      assertEquals("library\n(0 rows)\n", query(duck, "SELECT library FROM calls WHERE false", Output.TEXT));
    }
  }

  @Test
  void csv() {
    try (Duck duck = calls()) {
      assertEquals("""
          seq,library,nr,ticks,share,refused
          3,"",0,0,12.0,false
          4,,,,,
          9223372036854775808,"a,""b""
          c",60,1099511627776,0.00001,false
          18446744073709551615,libc,1,-5,0.5,true
          """, query(duck, "SELECT * FROM calls ORDER BY seq", Output.CSV));
      // sums are HUGEINT, and DECIMAL stays plain: numbers, not strings
      assertEquals("""
          n,total,d
          4,1099511627771,0.000001
          """, query(duck, "SELECT count(*) AS n, sum(ticks) AS total, 0.000001::DECIMAL(9,6) AS d FROM calls",
              Output.CSV));
    }
  }

  @Test
  void json() {
    try (Duck duck = calls()) {
      assertEquals("""
          {"seq":3,"library":"","nr":0,"ticks":0,"share":12.0,"refused":false}
          {"seq":4,"library":null,"nr":null,"ticks":null,"share":null,"refused":null}
          {"seq":9223372036854775808,"library":"a,\\"b\\"\\nc","nr":60,"ticks":1099511627776,"share":0.00001,"refused":false}
          {"seq":18446744073709551615,"library":"libc","nr":1,"ticks":-5,"share":0.5,"refused":true}
          """, query(duck, "SELECT * FROM calls ORDER BY seq", Output.JSON));
    }
  }

  @Test
  void parquetRoundTrips() throws IOException {
    Path file = dir.resolve("calls.parquet");
    String all;
    try (Duck duck = calls()) {
      all = query(duck, "SELECT * FROM calls ORDER BY seq", Output.CSV);
      duck.copyToParquet("calls", file);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList()); // no temporary file left
    }
    try (Duck other = new Duck()) {
      String read = "read_parquet('" + file + "')";
      assertEquals(all, query(other, "SELECT * FROM " + read + " ORDER BY seq", Output.CSV));
      assertEquals("""
          s,l,n,t,d,b
          UBIGINT,VARCHAR,INTEGER,BIGINT,DOUBLE,BOOLEAN
          """, query(other, "SELECT typeof(seq) s, typeof(library) l, typeof(nr) n, typeof(ticks) t,"
              + " typeof(share) d, typeof(refused) b FROM " + read + " LIMIT 1", Output.CSV));
    }
  }

  @Test
  void aFailedParquetWriteLeavesTheOldFileAndNothingElse() throws IOException {
    Path file = dir.resolve("calls.parquet");
    Files.writeString(file, "old");
    try (Duck duck = calls()) {
      UkhookException e = assertThrows(UkhookException.class, () -> duck.copyToParquet("nosuch", file));
      assertEquals(Kind.FAILURE, e.kind());
    }
    assertEquals("old", Files.readString(file));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList());
    }
  }

  @Test
  void anSqlErrorIsAUsageErrorNamingTheTables() {
    try (Duck duck = calls()) {
      UkhookException e = assertThrows(UkhookException.class,
          () -> duck.query("SELECT syscall FROM calls", Output.TEXT, new PrintWriter(new StringWriter())));
      assertEquals(Kind.USAGE, e.kind());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
      assertTrue(e.getMessage().contains("syscall"), e.getMessage());
      assertTrue(e.getMessage().endsWith("; tables: calls(seq, library, nr, ticks, share, refused)"), e.getMessage());
      e = assertThrows(UkhookException.class,
          () -> duck.query("SELEC 1", Output.CSV, new PrintWriter(new StringWriter())));
      assertEquals(Kind.USAGE, e.kind());
    }
  }

  @Test
  void anySqlRuns() {
    try (Duck duck = calls()) {
      assertEquals("", query(duck, "CREATE TABLE libs AS SELECT DISTINCT library FROM calls", Output.TEXT));
      assertEquals("n\n4\n", query(duck, "SELECT count(*) AS n FROM libs", Output.CSV));
      assertEquals("tables: calls(seq, library, nr, ticks, share, refused), libs(library)", duck.tables());
    }
  }

  @Test
  void manyRows() {
    try (Duck duck = new Duck()) {
      try (RowWriter w = duck.table("calls", CALLS)) {
        w.begin(CALLS);
        for (int i = 0; i < 200_000; i++) {
          // every 1000th string spans two lines of the file: the parallel CSV reader must still split it right
          row(w, i, i % 1000 == 0 ? "x,\"y\"\nz" : "lib" + (i % 30), i % 400, i, i / 8.0, i % 7 == 0);
        }
      }
      assertEquals("n,libs,seqs,odd\n200000,30,19999900000,200\n", query(duck, "SELECT count(*) AS n,"
          + " count(DISTINCT library) - 1 AS libs, sum(seq) AS seqs, count(*) FILTER (library = 'x,\"y\"\nz') AS odd"
          + " FROM calls", Output.CSV));
    }
  }

  @Test
  void closingDeletesTheTemporaryFiles() throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    List<Path> before = duckDirs(tmp);
    calls().close();
    assertEquals(before, duckDirs(tmp));
  }

  private static List<Path> duckDirs(Path tmp) throws IOException {
    try (Stream<Path> files = Files.list(tmp)) {
      return files.filter(f -> f.getFileName().toString().startsWith("ukhook-duckdb-")).sorted().toList();
    }
  }
}
