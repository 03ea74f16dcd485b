package dev.ukhook.report;

import static dev.ukhook.query.Column.Type.*;

import dev.ukhook.aggregate.Latency;
import dev.ukhook.aggregate.SyscallTable.LibraryCounts;
import dev.ukhook.aggregate.SyscallTable.SyscallCount;
import dev.ukhook.format.Errnos;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.query.Column;
import dev.ukhook.query.RowWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The report's two tables, for CSV, Parquet, JSON lines and SQL (docs/analysis.md, "Tables"): {@code syscalls},
 * one row per library and syscall, and {@code calls}, one row per call.
 */
public final class ReportTables {
  public static final List<Column> SYSCALLS = List.of(
      new Column("library", VARCHAR, "the microlibrary the calls are charged to"),
      new Column("syscall", VARCHAR, "the syscall's name"),
      new Column("nr", INTEGER, "its x86-64 Linux number"),
      new Column("count", BIGINT, "calls"),
      new Column("errors", BIGINT, "calls that returned an errno"),
      new Column("errnos", VARCHAR, "errors by errno, NAME=count separated by spaces"),
      new Column("refused", BIGINT, "calls the policy refused"),
      new Column("nested", BIGINT, "calls made while another call of the thread was in progress"),
      new Column("unit", VARCHAR, "the latency columns' unit: ns, or cycles when the clock's frequency is unknown"),
      new Column("p50", BIGINT, "median latency (within 6.25 %; 50 % in a count run)"),
      new Column("p99", BIGINT, "99th percentile latency (within 6.25 %; 50 % in a count run)"),
      new Column("max", BIGINT, "longest call (null in a count run)"),
      new Column("total", BIGINT, "all calls' time together"),
      new Column("first_seq", BIGINT, "the first call's record number (null in a count run)"),
      new Column("last_seq", BIGINT, "the last call's record number (null in a count run)"),
      new Column("first_t", BIGINT, "the first call's entry, in trace ticks (null in a count run)"),
      new Column("last_t", BIGINT, "the last call's entry, in trace ticks (null in a count run)"),
      new Column("phases", VARCHAR, "calls by phase, NAME=count separated by spaces"));

  public static final List<Column> CALLS = Stream.concat(Stream.of(
      new Column("seq", BIGINT, "record number, in the order the guest numbered the calls"),
      new Column("t_enter", BIGINT, "entry, in trace ticks"),
      new Column("t_exit", BIGINT, "return, in trace ticks (the commit for a call that did not return)"),
      new Column("duration_ns", DOUBLE, "t_exit - t_enter in ns, to the picosecond; null when the clock's frequency "
          + "is unknown or the call did not return"),
      new Column("library", VARCHAR, "the microlibrary the call is charged to"),
      new Column("phase", VARCHAR, "the phase the call was made in"),
      new Column("syscall", VARCHAR, "the syscall's name"),
      new Column("nr", INTEGER, "its x86-64 Linux number"),
      new Column("ret", BIGINT, "return value"),
      new Column("errno", VARCHAR, "the errno's name when ret is -4095..-1, else null"),
      new Column("refused", BOOLEAN, "the policy refused the call"),
      new Column("flags", INTEGER, "the record's flags (docs/trace-format.md)"),
      new Column("path", VARCHAR, "how the call was made: binary, native_raw, native_errno or stub"),
      new Column("nest", INTEGER, "calls of the thread in progress when it began"),
      new Column("thread", INTEGER, "the calling thread, numbered by the guest from 1 (0: unknown)")),
      Stream.concat(IntStream.range(0, TraceLayout.ARGS).mapToObj(i -> new Column("a" + i, UBIGINT,
          "argument " + i + " (null where the image did not record arguments, --args)")),
          Stream.of(new Column("rip", UBIGINT, "the caller's return address"),
              new Column("path_arg", VARCHAR, "the path argument as the guest copied it (--path-copy), else null"),
              new Column("buffer", VARCHAR, "the first bytes a read or write moved, as the guest copied them "
                  + "(--path-copy), quoted and escaped as strace does, else null"))))
      .toList();

  private ReportTables() {}

  /** Writes the {@link #SYSCALLS} table of {@code r}. */
  public static void syscalls(RunReport r, RowWriter w) {
    ReportJson.Unit unit = new ReportJson.Unit(r.trace().header().tsHz());
    boolean perCall = !r.counted();
    w.begin(SYSCALLS);
    for (LibraryCounts lib : r.table().libraries()) {
      for (SyscallCount c : lib.syscalls()) {
        SyscallCount.Detail d = c.detail();
        Latency l = d.latency();
        w.putString(lib.library());
        w.putString(c.name());
        w.putInt(c.nr());
        w.putLong(c.count());
        w.putLong(d.errors());
        w.putString(pairs(d.errnos()));
        w.putLong(c.refused());
        w.putLong(c.nested());
        w.putString(unit.name());
        if (l.calls() == 0) {
          w.putNull();
          w.putNull();
          w.putNull();
        } else {
          w.putLong(unit.of(l.quantile(0.5)));
          w.putLong(unit.of(l.quantile(0.99)));
          putLong(w, l.maxKnown(), unit.of(l.max()));
        }
        w.putLong(unit.of(l.total()));
        putLong(w, perCall, d.firstSeq());
        putLong(w, perCall, d.lastSeq());
        putLong(w, perCall, d.firstT());
        putLong(w, perCall, d.lastT());
        w.putString(pairs(d.phases()));
        w.endRow();
      }
    }
    w.close();
  }

  /** {@code value}, or null when it is not {@code known}. */
  private static void putLong(RowWriter w, boolean known, long value) {
    if (known) {
      w.putLong(value);
    } else {
      w.putNull();
    }
  }

  private static String pairs(Map<String, Long> m) {
    return m.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
  }

  /** Writes the {@link #CALLS} table of {@code r}'s selected calls, reading its trace again. */
  public static void calls(RunReport r, Calls.Selection selection, RowWriter w) {
    double nsPerTick = r.trace().header().tsHz() > 0 ? 1e9 / r.trace().header().tsHz() : Double.NaN;
    w.begin(CALLS);
    Calls.scan(r, selection, (c, library, phase) -> {
      w.putLong(c.seq());
      w.putLong(c.tEnter());
      w.putLong(c.tExit());
      if (Double.isNaN(nsPerTick) || c.atEntry()) {
        w.putNull();
      } else {
        w.putDouble(Math.round((c.tExit() - c.tEnter()) * nsPerTick * 1000) / 1000.0); // to the picosecond
      }
      w.putString(library);
      w.putString(phase);
      w.putString(SyscallNames.name(c.nr()));
      w.putInt(c.nr());
      w.putLong(c.ret());
      w.putString(c.errno() == 0 ? null : Errnos.name(c.errno()));
      w.putBoolean(c.refused());
      w.putInt(c.flags());
      w.putString(TraceLayout.pathName(c.path()));
      w.putInt(c.nest());
      w.putInt(c.thread());
      for (int i = 0; i < TraceLayout.ARGS; i++) {
        if (c.hasArgs()) {
          w.putLong(c.arg(i));
        } else {
          w.putNull();
        }
      }
      w.putLong(c.rip());
      w.putString(c.pathArg());
      byte[] buffer = c.buffer();
      if (buffer == null) {
        w.putNull();
      } else {
        StringBuilder quoted = new StringBuilder(buffer.length + 8);
        StraceFormat.quoted(quoted, new String(buffer, StandardCharsets.ISO_8859_1));
        w.putString(quoted.toString());
      }
      w.endRow();
    });
    w.close();
  }

  /** The strace-style listing of the selected calls: one line per call (docs/analysis.md, "Calls"). */
  public static void listing(RunReport r, Calls.Selection selection, Appendable out) {
    long hz = r.trace().header().tsHz();
    long[] args = new long[TraceLayout.ARGS];
    StringBuilder line = new StringBuilder(256);
    Calls.scan(r, selection, (c, library, phase) -> {
      for (int i = 0; i < args.length && c.hasArgs(); i++) {
        args[i] = c.arg(i);
      }
      long ticks = c.tExit() - c.tEnter();
      line.setLength(0);
      byte[] buffer = c.buffer();
      String copied = buffer != null ? new String(buffer, StandardCharsets.ISO_8859_1) : c.pathArg();
      StraceFormat.append(line, library, c.nr(), c.hasArgs() ? args : null, c.ret(), copied, hz > 0 ? ticks / (double) hz : Double.NaN,
          ticks, c.flags());
      out.append(line.append('\n'));
    });
  }
}
