package dev.ukhook.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ukhook.query.Column.Type;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvRowWriterTest {
  private static final List<Column> COLUMNS = List.of(
      new Column("seq", Type.UBIGINT, ""), new Column("library", Type.VARCHAR, ""),
      new Column("nr", Type.INTEGER, ""), new Column("ticks", Type.BIGINT, ""),
      new Column("share", Type.DOUBLE, ""), new Column("refused", Type.BOOLEAN, ""));

  private static void row(RowWriter w, long seq, String library, int nr, long ticks, double share, boolean refused) {
    w.putLong(seq);
    w.putString(library);
    w.putInt(nr);
    w.putLong(ticks);
    w.putDouble(share);
    w.putBoolean(refused);
    w.endRow();
  }

  @Test
  void headerValuesAndQuotingOnlyWhereNeeded() {
    StringBuilder out = new StringBuilder();
    CsvRowWriter w = new CsvRowWriter(out);
    w.begin(COLUMNS);
    row(w, -1L, "libc", 1, -5, 0.5, true);
    row(w, Long.MAX_VALUE, "a,b", 0, 0, 1e7, false);
    row(w, 2, "say \"hi\"", 0, 0, 1e-5, false);
    row(w, 3, "two\nlines\r", 0, 0, 123456789.125, false);
    row(w, 4, "", 0, 0, Double.NaN, false);
    row(w, 5, "x", 0, 0, Double.NEGATIVE_INFINITY, false);
    w.putNull();
    w.putString(null);
    w.putNull();
    w.putNull();
    w.putNull();
    w.putNull();
    w.endRow();
    w.close();
    assertEquals("""
        seq,library,nr,ticks,share,refused
        18446744073709551615,libc,1,-5,0.5,true
        9223372036854775807,"a,b",0,0,10000000.0,false
        2,"say ""hi""\",0,0,0.00001,false
        3,"two
        lines\r",0,0,123456789.125,false
        4,"",0,0,NaN,false
        5,x,0,0,-Infinity,false
        ,,,,,
        """, out.toString());
  }

  @Test
  void headerNamesAreQuotedToo() {
    StringBuilder out = new StringBuilder();
    CsvRowWriter w = new CsvRowWriter(out);
    w.begin(List.of(new Column("a,b", Type.BIGINT, ""), new Column("c", Type.BIGINT, "")));
    w.close();
    assertEquals("\"a,b\",c\n", out.toString());
  }

  @Test
  void manyRowsReachTheWriterWhole() {
    StringWriter out = new StringWriter();
    CsvRowWriter w = new CsvRowWriter(out);
    w.begin(COLUMNS);
    for (int i = 0; i < 20_000; i++) {
      row(w, i, "libposix-process", i, i, i / 4.0, i % 2 == 0);
    }
    w.close();
    String[] lines = out.toString().split("\n");
    assertEquals(20_001, lines.length);
    assertEquals("19999,libposix-process,19999,19999,4999.75,false", lines[20_000]);
  }

  @Test
  void aValueOfTheWrongTypeOrCountFailsAtOnce() {
    CsvRowWriter w = new CsvRowWriter(new StringBuilder());
    w.begin(COLUMNS);
    assertThrows(IllegalStateException.class, () -> w.putString("libc")); // seq is UBIGINT
    CsvRowWriter short_ = new CsvRowWriter(new StringBuilder());
    short_.begin(COLUMNS);
    short_.putLong(1);
    IllegalStateException e = assertThrows(IllegalStateException.class, short_::endRow);
    assertEquals("endRow() after 1 of 6 values (next: library)", e.getMessage());
  }
}
