package dev.ukhook.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.format.TraceLayout.Struct;
import dev.ukhook.format.TraceLayout.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/trace-format.md against {@link TraceLayout}: every table of a struct must list exactly its fields
 * (offset, type, name, in order) and every table of values exactly its values and names. On a difference the
 * message shows the rows the layout wants.
 */
class TraceLayoutDocTest {
  private static Map<String, List<List<String>>> tables;
  private static String doc;

  /** The repository root: UKHOOK_HOME, or the parent of the module directory tests run in. */
  private static Path repo() {
    return Path.of(System.getenv().getOrDefault("UKHOOK_HOME", "..")).toAbsolutePath().normalize();
  }

  @BeforeAll
  static void parse() throws IOException {
    doc = Files.readString(repo().resolve("docs/trace-format.md"));
    tables = tables(doc);
  }

  /** Each heading's first table, as rows of cells without the header row, backticks and link targets removed. */
  static Map<String, List<List<String>>> tables(String markdown) {
    Map<String, List<List<String>>> found = new LinkedHashMap<>();
    String heading = null;
    List<List<String>> rows = null;
    for (String line : markdown.lines().toList()) {
      if (line.startsWith("#")) {
        heading = line.replaceFirst("^#+\\s*", "").replace("`", "").strip();
        rows = null;
      } else if (line.startsWith("|") && heading != null && !found.containsKey(heading)) {
        if (rows == null) {
          rows = new ArrayList<>(); // the header row
        } else if (!line.matches("\\|[-| ]+\\|")) {
          List<String> cells = new ArrayList<>();
          for (String cell : line.substring(1, line.lastIndexOf('|')).split("\\|", -1)) {
            cells.add(cell.strip().replace("`", "").replaceAll("\\[([^]]*)]\\([^)]*\\)", "$1"));
          }
          rows.add(cells);
        }
      } else if (rows != null && !rows.isEmpty()) {
        found.put(heading, rows);
        rows = null;
      }
    }
    if (rows != null && !rows.isEmpty()) {
      found.put(heading, rows);
    }
    return found;
  }

  private static List<List<String>> table(String heading) {
    List<List<String>> t = tables.get(heading);
    assertTrue(t != null, "docs/trace-format.md has no table under \"" + heading + "\"; headings with tables: "
        + tables.keySet());
    return t;
  }

  private static void check(String heading, Struct s) {
    List<String> want = s.fields().stream()
        .map(f -> s.docOffset(f) + " | " + f.docType() + " | " + f.name() + " | " + f.meaning()).toList();
    List<String> got = table(heading).stream().map(r -> String.join(" | ", r)).toList();
    assertEquals(want, got, "docs/trace-format.md \"" + heading + "\" differs from TraceLayout " + s.cName());
  }

  private static void check(String heading, List<Value> values) {
    Function<Value, String> row = v -> v.value() + " | " + v.name() + " | " + v.meaning();
    List<String> want = values.stream().map(row).toList();
    List<String> got = table(heading).stream().map(r -> String.join(" | ", r)).toList();
    assertEquals(want, got, "docs/trace-format.md \"" + heading + "\" differs from TraceLayout");
  }

  @Test
  void structTablesMatchTheLayout() {
    check("Header (64 bytes)", TraceLayout.Header.STRUCT);
    check("Syscall record (kind = 1)", TraceLayout.Syscall.STRUCT);
    check("Final record (kind = 2)", TraceLayout.Final.STRUCT);
    check("Load record (kind = 3)", TraceLayout.Load.STRUCT);
    check("Event record (kind = 4)", TraceLayout.Event.STRUCT);
    check("Counts record (kind = 5)", TraceLayout.Counts.STRUCT);
    check("Cell (" + TraceLayout.CELL_SIZE_BYTES + " bytes)", TraceLayout.Cell.STRUCT);
    check("Control message (host to guest)", TraceLayout.Control.STRUCT);
  }

  @Test
  void valueTablesMatchTheLayout() {
    check("kind", TraceLayout.KINDS);
    check("flags", TraceLayout.FLAGS);
    check("path", TraceLayout.PATHS);
    check("overflow", TraceLayout.OVERFLOWS);
    check("hook_points", TraceLayout.HOOK_POINTS);
    check("control kinds", TraceLayout.CONTROLS);
    check("why", TraceLayout.WHYS);
    check("event", PolicyLayout.EVENTS);
    check("reason", PolicyLayout.REFUSALS);
  }

  @Test
  void versionAndSizesMatch() {
    assertTrue(doc.startsWith("# ukhook trace stream, format version " + TraceLayout.VERSION + "\n"),
        doc.lines().findFirst().orElse(""));
    assertEquals(TraceLayout.HEADER_SIZE, TraceLayout.Header.STRUCT.size(0, 0));
    assertEquals("| 8 | u16 | version | format version, `" + TraceLayout.VERSION + "` |",
        doc.lines().filter(l -> l.startsWith("| 8 | u16 | version")).findFirst().orElse(""));
    assertTrue(doc.contains("`R = " + TraceLayout.RECORD_BASE_SIZE + " + " + TraceLayout.FRAME_SIZE + " * N + T`"));
  }

  @Test
  void theParserSeesADrift() {
    Map<String, List<List<String>>> drifted = tables(doc.replace("| 26 | u8 | lib |", "| 26 | u16 | lib |"));
    assertEquals(List.of("26", "u16", "lib"), drifted.get("Syscall record (kind = 1)").get(5).subList(0, 3));
  }
}
