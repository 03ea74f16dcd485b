package dev.ukhook.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.query.Column;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docs/analysis.md shows the exported tables exactly as {@link ReportTables} defines them: one definition.
 * {@code -Dukhook.updateGolden=true} writes them into the places marked COLUMNS_SYSCALLS and COLUMNS_CALLS.
 */
class AnalysisDocTest {
  private static final Path DOC = Path.of("../docs/analysis.md");

  static String markdown(List<Column> columns) {
    StringBuilder sb = new StringBuilder("| column | type | meaning |\n|---|---|---|\n");
    columns.forEach(c -> sb.append("| `").append(c.name()).append("` | ").append(c.type()).append(" | ")
        .append(c.doc()).append(" |\n"));
    return sb.toString();
  }

  @Test
  void theDocShowsBothTablesAsDefined() throws IOException {
    String doc = Files.readString(DOC);
    Map<String, List<Column>> tables = Map.of("COLUMNS_SYSCALLS", ReportTables.SYSCALLS, "COLUMNS_CALLS",
        ReportTables.CALLS);
    if (Boolean.getBoolean("ukhook.updateGolden")) {
      for (Map.Entry<String, List<Column>> t : tables.entrySet()) {
        doc = doc.replace(t.getKey() + "\n", markdown(t.getValue()));
      }
      Files.writeString(DOC, doc);
    }
    for (List<Column> columns : tables.values()) {
      assertTrue(doc.contains(markdown(columns)), "docs/analysis.md lacks, or has another version of:\n"
          + markdown(columns));
    }
  }
}
