package dev.ukhook.report;

import dev.ukhook.aggregate.Analysis;
import dev.ukhook.aggregate.Latency;
import dev.ukhook.aggregate.SyscallTable.LibraryCounts;
import dev.ukhook.aggregate.SyscallTable.SyscallCount;
import dev.ukhook.aggregate.SyscallTable;
import dev.ukhook.core.Terminal;
import dev.ukhook.core.TextTable;
import dev.ukhook.format.Damage;
import dev.ukhook.format.SyscallNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The report for a terminal: per library and syscall the counts, errors and latencies, then the phases, the
 * sequences, the security estimate, the filter, where the trace is damaged and the summary line (docs/analysis.md).
 */
public final class ReportText {
  /** How many 2-grams and 3-grams of a library the text shows (the JSON and DOT have all). */
  static final int TOP_GRAMS = 5;

  private ReportText() {}

  public static String of(RunReport r) {
    StringBuilder out = new StringBuilder();
    try {
      write(r, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** The report, every name in it escaped for the terminal (they come from the link map and the guest). */
  public static void write(RunReport r, Appendable out) throws IOException {
    StringBuilder text = new StringBuilder();
    writeRaw(r, text);
    out.append(Terminal.escapeLines(text));
  }

  private static void writeRaw(RunReport r, Appendable out) throws IOException {
    Analysis a = r.analysis();
    SyscallTable t = a.table();
    ReportJson.Unit unit = new ReportJson.Unit(r.trace().header().tsHz());
    if (a.counted()) {
      out.append(RunReport.countedNote()).append("\n\n");
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"library", "syscall", "count", "errors", "p50", "p99", "max", "first", "last"});
    for (LibraryCounts lib : t.libraries()) {
      for (SyscallCount c : lib.syscalls()) {
        SyscallCount.Detail d = c.detail();
        Latency l = d.latency();
        String errors = d.errnos().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
            .collect(Collectors.joining(", "));
        rows.add(new String[] {lib.library(), c.name(), Long.toString(c.count()),
            (c.refused() > 0 ? c.refused() + " refused" + (errors.isEmpty() ? "" : ": ") : "") + errors,
            quantile(unit, l, 0.5), quantile(unit, l, 0.99),
            l.maxKnown() ? time(unit, l.max(), l.calls()) : "-", a.counted() ? "-" : "#" + d.firstSeq(),
            a.counted() ? "-" : "#" + d.lastSeq()});
      }
    }
    out.append(TextTable.render(rows, "llrlrrrrr"));
    if (r.trace().counts().filter(c -> !c.latency()).isPresent()) {
      out.append("\nlatency: not measured (the image does not time calls)\n");
    } else {
      out.append("\nlatency: from entry to return, ").append(unit.hz() > 0 ? "in time (the trace's clock runs at "
          + unit.hz() + " Hz)" : "in clock cycles (the trace does not say its clock's frequency)")
          .append("; p50 and p99 within ")
          .append((a.counted() ? Latency.Scale.GUEST : Latency.Scale.TRACE).error).append('\n');
    }
    t.writeFunctions(out);
    phases(a, out);
    if (!a.counted()) {
      sequences(a, out);
    }
    out.append('\n');
    a.security().writeText(out);
    String filter = t.toText();
    int at = Math.max(filter.indexOf("\nfilter: "), filter.indexOf("\nevents (no policy"));
    if (at >= 0) {
      out.append(filter, at, filter.lastIndexOf("\n\n") + 1);
    }
    out.append('\n');
    // The problems go to stderr; the damage is said here too, so that a report written to a file keeps it.
    Optional<Damage> d = r.trace().damage();
    if (d.isPresent()) {
      out.append("damaged trace: decoding stopped at byte offset ").append(Long.toString(d.get().offset()))
          .append(" after ").append(Long.toString(d.get().records())).append(" records; ")
          .append(Long.toString(d.get().undecodedBytes())).append(" bytes lost: ").append(d.get().detail())
          .append('\n');
    }
    out.append(t.summary()).append('\n');
  }

  private static void phases(Analysis a, Appendable out) throws IOException {
    Analysis.Phases p = a.phases();
    out.append("\nphases (").append(p.rule()).append("): ").append(String.join(", ", p.names()));
    for (Analysis.Boundary b : p.boundaries()) {
      out.append("; ").append(p.names().get(b.phase())).append(" from #").append(Long.toString(b.seq()));
    }
    out.append('\n');
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"library", "phase", "syscalls"});
    p.sets().forEach((lib, byPhase) -> byPhase.forEach((phase, nrs) -> rows.add(new String[] {lib, phase,
        nrs.stream().mapToObj(SyscallNames::name).sorted().collect(Collectors.joining(" "))})));
    out.append(TextTable.render(rows, "lll"));
  }

  private static void sequences(Analysis a, Appendable out) throws IOException {
    out.append("\nsequences (each library's calls in trace order; the top ").append(Integer.toString(TOP_GRAMS))
        .append("; all, and the automaton, with --format json or --dot FILE)\n");
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"library", "states", "edges", "2-grams", "3-grams"});
    for (Analysis.Sequences s : a.sequences()) {
      long states = s.bigrams().stream().flatMap(g -> g.calls().stream()).distinct().count();
      rows.add(new String[] {s.library(), Long.toString(states), Integer.toString(s.bigrams().size()),
          grams(s.bigrams()), grams(s.trigrams())});
    }
    out.append(TextTable.render(rows, "lrrll"));
  }

  private static String grams(List<Analysis.Gram> grams) {
    return grams.stream().limit(TOP_GRAMS).map(g -> String.join(">", g.calls()) + " " + g.count())
        .collect(Collectors.joining(", "));
  }

  /** Quantile {@code q} of {@code l} for people, ">=" where it is only known to be at least that. */
  private static String quantile(ReportJson.Unit unit, Latency l, double q) {
    long ticks = l.quantile(q);
    return (l.scale().atLeast(ticks) ? ">=" : "") + time(unit, ticks, l.calls());
  }

  /** A duration for people: 812ns, 4.31us, 2.50ms, 1.20s; cycles as 1234cy; "-" when nothing was measured. */
  static String time(ReportJson.Unit unit, long ticks, long calls) {
    if (calls == 0) {
      return "-";
    }
    if (unit.hz() <= 0) {
      return ticks + "cy";
    }
    double ns = ticks * (1e9 / unit.hz());
    if (ns < 1e3) {
      return Math.round(ns) + "ns";
    }
    String[] units = {"us", "ms", "s"};
    double v = ns / 1e3;
    int i = 0;
    while (v >= 1e3 && i < units.length - 1) {
      v /= 1e3;
      i++;
    }
    return String.format(Locale.ROOT, v < 10 ? "%.2f%s" : v < 100 ? "%.1f%s" : "%.0f%s", v, units[i]);
  }

}
