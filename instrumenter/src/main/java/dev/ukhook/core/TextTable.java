package dev.ukhook.core;

import java.util.List;

/** Columns aligned for a terminal: two spaces apart, names to the left, numbers to the right. */
public final class TextTable {
  private TextTable() {}

  /**
   * The rows as lines, each ending in "\n" and without trailing spaces.
   *
   * @param align for each column, 'l' (names) or 'r' (numbers)
   */
  public static String render(List<String[]> rows, String align) {
    int[] width = new int[align.length()];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
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
