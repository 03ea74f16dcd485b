package dev.ukhook.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.query.Column.Type;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonLinesRowWriterTest {
  private static final List<Column> COLUMNS = List.of(
      new Column("seq", Type.UBIGINT, ""), new Column("library", Type.VARCHAR, ""),
      new Column("nr", Type.INTEGER, ""), new Column("share", Type.DOUBLE, ""),
      new Column("refused", Type.BOOLEAN, ""));

  @Test
  void oneObjectPerLineWithEscapesNullsAndUnsigned() throws Exception {
    StringBuilder out = new StringBuilder();
    JsonLinesRowWriter w = new JsonLinesRowWriter(out);
    w.begin(COLUMNS);
    w.putLong(-1L);
    w.putString("q\" b\\ n\n t\t c\u0001 é€");
    w.putInt(-3);
    w.putDouble(1e-5);
    w.putBoolean(true);
    w.endRow();
    w.putLong(7);
    w.putNull();
    w.putNull();
    w.putDouble(Double.NaN);
    w.putNull();
    w.endRow();
    w.close();
    assertEquals("""
        {"seq":18446744073709551615,"library":"q\\" b\\\\ n\\n t\\t c\\u0001 é€","nr":-3,"share":0.00001,"refused":true}
        {"seq":7,"library":null,"nr":null,"share":null,"refused":null}
        """, out.toString());
    // and a JSON parser reads it back
    JsonNode first = new ObjectMapper().readTree(out.toString().split("\n")[0]);
    assertEquals("q\" b\\ n\n t\t c\u0001 é€", first.get("library").asText());
    assertEquals("18446744073709551615", first.get("seq").bigIntegerValue().toString());
  }

  @Test
  void keysAreEscaped() {
    StringBuilder out = new StringBuilder();
    JsonLinesRowWriter w = new JsonLinesRowWriter(out);
    w.begin(List.of(new Column("a\"b", Type.BIGINT, "")));
    w.putLong(1);
    w.endRow();
    w.close();
    assertEquals("{\"a\\\"b\":1}\n", out.toString());
  }

  @Test
  void tooManyValuesFail() {
    JsonLinesRowWriter w = new JsonLinesRowWriter(new StringBuilder());
    w.begin(List.of(new Column("a", Type.BIGINT, "")));
    w.putLong(1);
    assertThrows(IllegalStateException.class, () -> w.putLong(2));
  }
}
