package dev.ukhook.analysis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Binary syscalls counted per microlibrary and syscall, in a fixed order: libraries by total calls (most
 * first), then by name; within a library, syscalls the same way.
 */
public final class SyscallTable {
  /**
   * @param ticks summed {@code t_exit - t_enter}, in the trace's timestamp ticks
   */
  public record SyscallCount(int nr, String name, long count, long refused, long ticks) {}

  public record LibraryCounts(String library, long total, long refused, long ticks, List<SyscallCount> syscalls) {
    public LibraryCounts {
      syscalls = List.copyOf(syscalls);
    }
  }

  private final TraceHeader header;
  private final TraceStats stats;
  private final List<LibraryCounts> libraries;

  private SyscallTable(TraceHeader header, TraceStats stats, List<LibraryCounts> libraries) {
    this.header = header;
    this.stats = stats;
    this.libraries = List.copyOf(libraries);
  }

  public List<LibraryCounts> libraries() {
    return libraries;
  }

  public TraceStats stats() {
    return stats;
  }

  /** Accumulates records; feed it to {@link dev.ukhook.format.TraceDecoder} as the record sink. */
  public static final class Builder implements Consumer<SyscallRecord> {
    private final Attributor attributor;
    // library -> syscall nr -> {count, refused, ticks}
    private final Map<String, Map<Integer, long[]>> counts = new HashMap<>();

    /** A builder that attributes each record it accepts with {@code attributor}. */
    public Builder(Attributor attributor) {
      this.attributor = attributor;
    }

    /** A builder for records attributed elsewhere: use {@link #add(String, SyscallRecord)}. */
    public Builder() {
      this(null);
    }

    @Override
    public void accept(SyscallRecord r) {
      if (attributor == null) {
        throw new IllegalStateException("this builder has no attributor; use add(library, record)");
      }
      add(attributor.attribute(r).library(), r);
    }

    public Builder add(String library, SyscallRecord r) {
      long[] c = counts.computeIfAbsent(library, l -> new HashMap<>()).computeIfAbsent(r.nr(), n -> new long[3]);
      c[0]++;
      c[1] += r.refused() ? 1 : 0;
      // A call that never returns (exit_group) may carry no exit time; it took no measurable time here.
      c[2] += Math.max(0, r.tExit() - r.tEnter());
      return this;
    }

    public SyscallTable build(TraceHeader header, TraceStats stats) {
      List<LibraryCounts> libs = new ArrayList<>();
      counts.forEach(
          (library, byNr) -> {
            List<SyscallCount> calls = new ArrayList<>();
            byNr.forEach((nr, c) -> calls.add(new SyscallCount(nr, SyscallNames.name(nr), c[0], c[1], c[2])));
            calls.sort(
                Comparator.comparingLong(SyscallCount::count).reversed().thenComparing(SyscallCount::name));
            libs.add(
                new LibraryCounts(
                    library,
                    calls.stream().mapToLong(SyscallCount::count).sum(),
                    calls.stream().mapToLong(SyscallCount::refused).sum(),
                    calls.stream().mapToLong(SyscallCount::ticks).sum(),
                    calls));
          });
      libs.sort(Comparator.comparingLong(LibraryCounts::total).reversed().thenComparing(LibraryCounts::library));
      return new SyscallTable(header, stats, libs);
    }
  }

  /** The table as aligned plain text, one row per library and syscall and a total row per library. */
  public void writeText(Appendable out) throws IOException {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"library", "syscall", "count", "refused"});
    for (LibraryCounts lib : libraries) {
      for (SyscallCount c : lib.syscalls()) {
        rows.add(new String[] {lib.library(), c.name(), Long.toString(c.count()), Long.toString(c.refused())});
      }
      rows.add(new String[] {lib.library(), "(total)", Long.toString(lib.total()), Long.toString(lib.refused())});
    }
    int[] width = new int[4];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      out.append(pad(row[0], width[0], false)).append("  ").append(pad(row[1], width[1], false)).append("  ");
      out.append(pad(row[2], width[2], true)).append("  ").append(pad(row[3], width[3], true)).append('\n');
    }
    out.append('\n').append(summary()).append('\n');
  }

  public String toText() {
    StringBuilder sb = new StringBuilder();
    try {
      writeText(sb);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sb.toString();
  }

  /** The line under the table: how many records and whether any are missing. */
  public String summary() {
    String lost =
        stats.missingIsExact()
            ? stats.dropped() + " dropped by the guest, " + stats.missing() + " missing"
            : stats.missing() + " missing or dropped (no final record)";
    return "image " + header.imageId() + ": " + stats.received() + " records, " + lost;
  }

  private static String pad(String s, int width, boolean right) {
    String fill = " ".repeat(width - s.length());
    return right ? fill + s : s + fill;
  }

  /** The table as a JSON document, keys in the table's order. */
  public void writeJson(Appendable out) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("image_id", header.imageId());
    root.put("ts_hz", header.tsHz());
    root.put("records", stats.received());
    root.put("dropped", stats.dropped());
    root.put("missing", stats.missing());
    root.put("final_record", stats.finalRecord().isPresent());
    ObjectNode libs = root.putObject("libraries");
    for (LibraryCounts lib : libraries) {
      ObjectNode l = libs.putObject(lib.library());
      l.put("total", lib.total());
      l.put("refused", lib.refused());
      l.put("ticks", lib.ticks());
      ObjectNode calls = l.putObject("syscalls");
      lib.syscalls().forEach(c -> calls.put(c.name(), c.count()));
    }
    // Fixed indentation and "\n" so the output is byte-identical on every platform.
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter()
            .withSeparators(
                Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));
    try {
      out.append(mapper.writer(printer).writeValueAsString(root)).append('\n');
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers always serialises", e);
    }
  }

  public String toJson() {
    StringBuilder sb = new StringBuilder();
    try {
      writeJson(sb);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sb.toString();
  }
}
