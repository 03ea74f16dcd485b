package dev.ukhook.report;

import dev.ukhook.format.SyscallNames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The calls as a Chrome trace-event JSON file, which ui.perfetto.dev and chrome://tracing open: one process for
 * the unikernel, one track per microlibrary with each call a slice, and the phase boundaries as instant events
 * (docs/analysis.md, "Perfetto"). A track's slices must not overlap unless nested, so a call that overlaps one
 * still in progress on its library's track (another thread's) goes to a second lane, "libfoo (2)", and so on.
 * Timestamps are microseconds from the first call; without the clock's frequency, ticks stand for nanoseconds.
 */
public final class PerfettoTrace {
  private PerfettoTrace() {}

  public static void write(RunReport r, Calls.Selection selection, Appendable out) throws IOException {
    long hz = r.trace().header().tsHz();
    double usPerTick = hz > 0 ? 1e6 / hz : 1e-3;
    long t0 = r.analysis().timeline().startT();
    Map<String, List<long[]>> lanes = new HashMap<>(); // library -> per lane {tid, end tick}
    int[] tids = {0};
    StringBuilder event = new StringBuilder(160);
    out.append("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    out.append("{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":1,\"args\":{\"name\":\"unikernel ")
        .append(r.trace().header().imageId()).append("\"}}");
    Calls.scan(r, selection, new Calls.Visitor() {
      @Override
      public void visit(dev.ukhook.format.Call c, String library, String phase) throws IOException {
        long end = c.atEntry() ? c.tEnter() : Math.max(c.tEnter(), c.tExit());
        List<long[]> ls = lanes.computeIfAbsent(library, l -> new ArrayList<>());
        long[] lane = null;
        for (long[] l : ls) {
          if (l[1] <= c.tEnter()) {
            lane = l;
            break;
          }
        }
        if (lane == null) {
          lane = new long[] {++tids[0], 0};
          ls.add(lane);
          out.append(",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":").append(Long.toString(lane[0]))
              .append(",\"args\":{\"name\":\"").append(json(ls.size() == 1 ? library : library + " (" + ls.size() + ")"))
              .append("\"}}");
        }
        lane[1] = end;
        // One event, then one write: a Writer's append takes a lock each time.
        event.setLength(0);
        event.append(",\n{\"ph\":\"X\",\"pid\":1,\"tid\":").append(lane[0]).append(",\"name\":\"")
            .append(SyscallNames.name(c.nr())).append("\",\"ts\":").append(us(c.tEnter() - t0, usPerTick))
            .append(",\"dur\":").append(us(end - c.tEnter(), usPerTick)).append(",\"args\":{\"seq\":")
            .append(c.seq()).append(",\"ret\":").append(c.ret())
            .append(",\"phase\":\"").append(json(phase)).append("\"}}");
        out.append(event);
      }

      @Override
      public void phase(String phase, long t) throws IOException {
        out.append(",\n{\"ph\":\"i\",\"s\":\"g\",\"pid\":1,\"tid\":0,\"name\":\"phase ").append(json(phase))
            .append("\",\"ts\":").append(us(t - t0, usPerTick)).append('}');
      }
    });
    out.append("\n]}\n");
  }

  private static CharSequence json(String s) {
    return new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(s));
  }

  /** Microseconds with nanosecond digits, without a locale or an exponent (no BigDecimal: 20M of them a trace). */
  private static String us(long ticks, double usPerTick) {
    long ns = Math.round(ticks * usPerTick * 1000);
    long frac = Math.abs(ns % 1000);
    return (ns < 0 && ns > -1000 ? "-" : "") + ns / 1000 + (frac < 10 ? ".00" : frac < 100 ? ".0" : ".") + frac;
  }
}
