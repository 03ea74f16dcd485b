package dev.ukhook.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Columns aligned for a terminal: two spaces apart, names to the left, numbers to the right. Each cell is escaped
 * for the terminal ({@link Terminal}): a name from the guest or a link map cannot move the cursor or break a row.
 */
public final class TextTable {
  private TextTable() {}

  /**
   * The rows as lines, each ending in "\n" and without trailing spaces.
   *
   * @param align for each column, 'l' (names) or 'r' (numbers)
   */
  public static String render(List<String[]> cells, String align) {
    List<String[]> rows = new ArrayList<>(cells.size());
    int[] width = new int[align.length()];
    for (String[] cell : cells) {
      String[] row = new String[cell.length];
      for (int i = 0; i < row.length; i++) {
        row[i] = Terminal.escape(cell[i]);
        width[i] = Math.max(width[i], row[i].length());
      }
      rows.add(row);
    }
    StringBuilder out = new StringBuilder();
    StringBuilder line = new StringBuilder();
    for (String[] row : rows) {
      line.setLength(0);
      for (int i = 0; i < row.length; i++) {
        String fill = " ".repeat(width[i] - row[i].length());
        line.append(i == 0 ? "" : "  ").append(align.charAt(i) == 'r' ? fill + row[i] : row[i] + fill);
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }
}
