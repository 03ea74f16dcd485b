package dev.ukhook.elf;

import dev.ukhook.core.Tools;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The DWARF call frame information (CFI) of one ELF object as unwind tables: for each FDE's pc range, rows
 * saying where the caller's stack pointer (the CFA), return address and rbp are.
 *
 * <p>The tables come from GNU binutils' maintained CFI interpreter, {@code readelf
 * --debug-dump=frames-interp}, rather than from a DWARF interpreter of ukhook's own. Only what an unwinder
 * without rbx..r15 needs is kept: the CFA rule and the rules for the return address and rbp. readelf prints
 * a DWARF expression as {@code exp} (glibc's {@code .plt} FDE and signal trampoline have them); such rows are
 * kept as {@link Rule.Kind#UNSUPPORTED} so that a walk stops there.
 */
public final class Cfi {
  /** How a caller's register value is found, one cell of readelf's table. */
  public record Rule(Kind kind, long offset, String text) {
    /** The kinds of rule readelf prints. */
    public enum Kind {
      /** {@code s}, or the register has no column: the caller's value is the callee's. */
      SAME,
      /**
       * {@code u}: DW_CFA_undefined. For the return address this marks the outermost frame ({@code _start});
       * readelf also prints it for a callee-saved register the FDE saves only later, which is unchanged.
       */
      UNDEFINED,
      /** {@code c-16}: saved in the stack word at CFA + offset. */
      AT_CFA,
      /** Anything else: {@code exp}, {@code vexp}, {@code v+8} or another register. */
      UNSUPPORTED
    }

    static final Rule SAME = new Rule(Kind.SAME, 0, "s");
    static final Rule UNDEFINED = new Rule(Kind.UNDEFINED, 0, "u");

    static Rule parse(String cell) {
      return switch (cell) {
        case "s" -> SAME;
        case "u" -> UNDEFINED;
        default -> cell.matches("c[+-]\\d+")
            ? new Rule(Kind.AT_CFA, Long.parseLong(cell.substring(1)), cell)
            : new Rule(Kind.UNSUPPORTED, 0, cell);
      };
    }
  }

  /**
   * The rules from {@code loc} (an ELF vaddr) up to the next row. The CFA is {@code cfaRegister +
   * cfaOffset}; {@code cfaRegister} is readelf's name ({@code rsp}, {@code rbp}, ...) or {@code exp}.
   */
  public record Row(long loc, String cfaRegister, long cfaOffset, Rule ra, Rule rbp) {}

  /** One FDE: the rows of the half-open range {@code [start, end)}, sorted by loc. */
  public record Fde(long start, long end, List<Row> rows) {}

  private static final String EH_FRAME = ".eh_frame";
  private static final Pattern SECTION = Pattern.compile("^Contents of the (\\S+) section\\b.*");
  // "00000000 0000000000000014 00000000 CIE "zR" cf=1 df=-8 ra=16"
  private static final Pattern CIE = Pattern.compile("^(\\p{XDigit}+) \\p{XDigit}+ \\p{XDigit}+ CIE\\b.*");
  // "00000018 0000000000000024 0000001c FDE cie=00000000 pc=0000000000026000..0000000000026360"
  private static final Pattern FDE = Pattern.compile(
      "^\\p{XDigit}+ \\p{XDigit}+ \\p{XDigit}+ FDE cie=(\\S+) pc=(\\p{XDigit}+)\\.\\.(\\p{XDigit}+)\\s*$");
  private static final Pattern HEADER = Pattern.compile("^\\s+LOC\\s+CFA\\b(.*)$");
  private static final Pattern ROW = Pattern.compile("^(\\p{XDigit}+) (.*)$");
  private static final Pattern CFA = Pattern.compile("([a-z][a-z0-9]*)([+-]\\d+)");
  // A cell is one word, except a register rule, which readelf prints as "r3 (rbx)".
  private static final Pattern CELL = Pattern.compile("r\\d+ \\([^)]*\\)|\\S+");

  private final List<Fde> fdes;
  private final long[] starts;

  private Cfi(List<Fde> fdes) {
    this.fdes = fdes.stream().filter(f -> f.start() < f.end())
        // Of FDEs starting together, floor() finds the last: the longest.
        .sorted(Comparator.comparingLong(Fde::start).thenComparingLong(Fde::end)).toList();
    this.starts = this.fdes.stream().mapToLong(Fde::start).toArray();
  }

  /**
   * Runs {@code readelf --debug-dump=frames-interp} on {@code file} and parses its tables. Debug links are not
   * followed: the unwinder needs the object's own {@code .eh_frame}, and following them may reach out to
   * debuginfod.
   */
  public static Cfi read(Path file) {
    Tools.require(List.of(Tools.READELF));
    List<String> command = List.of(Tools.READELF, "--debug-dump=frames-interp", "--debug-dump=no-follow-links",
        "-W", file.toString());
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("LC_ALL", "C"); // the section headers this parser matches are translated
    try {
      Process p = pb.start();
      p.getOutputStream().close();
      // Drained beside stdout so that neither pipe fills; only its first line is shown.
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readQuietly(p.getErrorStream()));
      Cfi cfi;
      try (Reader out = new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)) {
        cfi = parse(out);
      } catch (UkhookException e) {
        p.destroy();
        throw new UkhookException(e.kind(), "readelf frames of " + file + ": " + e.getMessage(), e);
      }
      int exit = p.waitFor();
      if (exit != 0) {
        String why = err.join().strip().lines().findFirst().orElse("no message");
        throw new UkhookException(Kind.FAILURE, String.join(" ", command) + " failed (exit " + exit + "): " + why);
      }
      return cfi;
    } catch (IOException e) {
      throw new UkhookException(Kind.FAILURE, "cannot run readelf on " + file + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UkhookException(Kind.FAILURE, "interrupted while reading the frames of " + file, e);
    }
  }

  private static String readQuietly(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "stderr unreadable: " + e.getMessage();
    }
  }

  /**
   * Parses the output of {@code readelf --debug-dump=frames-interp -W} in the C locale (written against
   * binutils 2.40, which names registers: {@code rsp+8}, columns {@code rbx rbp ra}).
   * Uses the {@code .eh_frame} FDEs if there are any, else those of the other sections ({@code .debug_frame}).
   * An FDE without rows (only DW_CFA_nop) has its CIE's initial rules over its whole range.
   */
  public static Cfi parse(Reader readelfOutput) throws IOException {
    BufferedReader in = new BufferedReader(readelfOutput);
    Map<String, List<Fde>> bySection = new LinkedHashMap<>();
    Map<String, Row> cieRows = new HashMap<>(); // the CIE's initial rules, by its offset
    String section = "";
    Chunk chunk = null;
    int lineNumber = 0;
    for (String line; (line = in.readLine()) != null; ) {
      lineNumber++;
      Matcher m;
      if ((m = SECTION.matcher(line)).matches()) {
        finish(chunk, cieRows, bySection);
        chunk = null;
        section = m.group(1);
        cieRows.clear(); // CIE offsets are per section
      } else if ((m = CIE.matcher(line)).matches()) {
        finish(chunk, cieRows, bySection);
        chunk = new Chunk(section, m.group(1), null, 0, 0);
      } else if ((m = FDE.matcher(line)).matches()) {
        finish(chunk, cieRows, bySection);
        chunk = new Chunk(section, null, m.group(1), Long.parseUnsignedLong(m.group(2), 16),
            Long.parseUnsignedLong(m.group(3), 16));
      } else if (line.endsWith(" ZERO terminator")) { // "00000178 ZERO terminator": looks like a row
        finish(chunk, cieRows, bySection);
        chunk = null;
      } else if (chunk != null && (m = HEADER.matcher(line)).matches()) {
        chunk.columns = cells(m.group(1));
      } else if (chunk != null && chunk.columns != null && (m = ROW.matcher(line)).matches()) {
        chunk.rows.add(row(Long.parseUnsignedLong(m.group(1), 16), cells(m.group(2)), chunk.columns, lineNumber));
      } else if (!line.isBlank()) {
        finish(chunk, cieRows, bySection); // something new ends the chunk
        chunk = null;
      }
    }
    finish(chunk, cieRows, bySection);
    List<Fde> eh = bySection.getOrDefault(EH_FRAME, List.of());
    if (!eh.isEmpty()) {
      return new Cfi(eh);
    }
    return new Cfi(bySection.values().stream().flatMap(List::stream).toList());
  }

  /** The row in effect at {@code vaddr}, or empty when no FDE covers it. */
  public Optional<Row> rowAt(long vaddr) {
    int i = ElfFile.floor(starts, vaddr);
    if (i < 0 || Long.compareUnsigned(vaddr, fdes.get(i).end()) >= 0) {
      return Optional.empty();
    }
    List<Row> rows = fdes.get(i).rows();
    int lo = 0;
    int hi = rows.size() - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(rows.get(mid).loc(), vaddr) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? Optional.empty() : Optional.of(rows.get(found));
  }

  /** The FDEs, sorted by start. */
  public List<Fde> fdes() {
    return fdes;
  }

  private static final class Chunk {
    final String section;
    final String cieOffset; // set for a CIE
    final String cieRef; // set for an FDE: its CIE's offset, or "invalid"
    final long start;
    final long end;
    List<String> columns;
    final List<Row> rows = new ArrayList<>();

    Chunk(String section, String cieOffset, String cieRef, long start, long end) {
      this.section = section;
      this.cieOffset = cieOffset;
      this.cieRef = cieRef;
      this.start = start;
      this.end = end;
    }
  }

  private static void finish(Chunk c, Map<String, Row> cieRows, Map<String, List<Fde>> bySection) {
    if (c == null) {
      return;
    }
    if (c.cieOffset != null) {
      if (!c.rows.isEmpty()) {
        cieRows.put(c.cieOffset, c.rows.get(c.rows.size() - 1));
      }
      return;
    }
    List<Row> rows = new ArrayList<>();
    if (c.rows.isEmpty()) {
      Row initial = cieRows.get(c.cieRef);
      if (initial == null) {
        return; // a CIE readelf could not read: nothing known about this range
      }
      rows.add(new Row(c.start, initial.cfaRegister(), initial.cfaOffset(), initial.ra(), initial.rbp()));
    } else {
      // readelf prints rows in loc order; a later row at the same loc (advance by 0) is the one in effect.
      for (Row r : c.rows) {
        if (!rows.isEmpty() && rows.get(rows.size() - 1).loc() == r.loc()) {
          rows.set(rows.size() - 1, r);
        } else {
          rows.add(r);
        }
      }
      rows.sort(Comparator.comparingLong(Row::loc));
    }
    bySection.computeIfAbsent(c.section, s -> new ArrayList<>()).add(new Fde(c.start, c.end, List.copyOf(rows)));
  }

  private static Row row(long loc, List<String> cells, List<String> columns, int lineNumber) {
    if (cells.size() != columns.size() + 1) {
      throw new UkhookException(Kind.FAILURE, "line " + lineNumber + ": " + cells.size() + " cells under "
          + (columns.size() + 1) + " columns CFA " + String.join(" ", columns)
          + "; has readelf's frames-interp format changed?");
    }
    Matcher cfa = CFA.matcher(cells.get(0));
    String register = cfa.matches() ? cfa.group(1) : cells.get(0);
    long offset = cfa.matches() ? Long.parseLong(cfa.group(2)) : 0;
    Rule ra = Rule.SAME;
    Rule rbp = Rule.SAME;
    for (int i = 0; i < columns.size(); i++) {
      switch (columns.get(i)) {
        case "ra" -> ra = Rule.parse(cells.get(i + 1));
        case "rbp" -> rbp = Rule.parse(cells.get(i + 1));
        default -> { } // rbx, r12..r15, ...: not tracked, no supported CFA rule uses them
      }
    }
    return new Row(loc, register, offset, ra, rbp);
  }

  private static List<String> cells(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = CELL.matcher(text);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }
}
