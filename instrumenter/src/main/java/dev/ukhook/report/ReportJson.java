package dev.ukhook.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ukhook.aggregate.Analysis;
import dev.ukhook.aggregate.Analyzer;
import dev.ukhook.aggregate.Latency;
import dev.ukhook.aggregate.SyscallTable.LibraryCounts;
import dev.ukhook.aggregate.SyscallTable.SyscallCount;
import dev.ukhook.aggregate.SyscallTable;
import dev.ukhook.format.Damage;
import dev.ukhook.format.EventRecord;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.TraceStats;
import java.util.BitSet;
import java.util.List;

/**
 * The report as one JSON document (docs/analysis.md, "JSON"): what {@code ukhook report --format json} prints and
 * the HTML report is drawn from. Its {@code schema_version} changes whenever a key changes meaning or goes away.
 */
public final class ReportJson {
  public static final int SCHEMA_VERSION = 1;
  /**
   * The most frequent 2-grams (the automaton's edges) and 3-grams of a library the document lists, so that its
   * size does not grow with a trace whose calls wander; {@code *_distinct} says how many there were.
   */
  static final int MAX_GRAMS = 500;

  private ReportJson() {}

  /** Ticks as the report's unit: nanoseconds when the trace says its clock's frequency, else ticks (cycles). */
  record Unit(long hz) {
    String name() {
      return hz > 0 ? "ns" : "cycles";
    }

    long of(long ticks) {
      return hz > 0 ? Math.round(ticks * (1e9 / hz)) : ticks;
    }
  }

  public static ObjectNode of(RunReport r) {
    ObjectMapper m = new ObjectMapper();
    ObjectNode root = m.createObjectNode();
    Analysis a = r.analysis();
    SyscallTable t = a.table();
    TraceStats stats = t.stats();
    Unit unit = new Unit(r.trace().header().tsHz());
    root.put("schema_version", SCHEMA_VERSION);
    root.put("image_id", r.trace().header().imageId());
    root.put("mode", t.mode());
    ArrayNode unavailable = root.putArray("unavailable");
    if (a.counted()) {
      RunReport.COUNTED_LACKS.forEach(unavailable::add);
    }
    root.put("time_unit", unit.name());
    root.put("ts_hz", r.trace().header().tsHz());
    root.put("records", stats.received());
    root.put("dropped", stats.dropped());
    root.put("missing", stats.missing());
    root.put("final_record", stats.finalRecord().isPresent());
    root.put("unattributed", t.unattributed());
    Damage d = r.trace().damage().orElse(null);
    if (d == null) {
      root.putNull("damage");
    } else {
      root.putObject("damage").put("offset", d.offset()).put("records_decoded", d.records())
          .put("bytes_lost", d.undecodedBytes()).put("detail", d.detail());
    }
    ArrayNode problems = root.putArray("problems");
    r.problems().forEach(problems::add);
    ArrayNode warnings = root.putArray("warnings");
    r.warnings().forEach(warnings::add);
    boolean perCall = !a.counted(); // else what needs each call is null: a counting image does not keep it
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    ArrayNode libs = root.putArray("libraries");
    for (LibraryCounts lib : t.libraries()) {
      ObjectNode l = libs.addObject();
      l.put("library", lib.library());
      l.put("transparent_only", lib.viaTransparentOnly());
      l.put("total", lib.total());
      l.put("errors", lib.syscalls().stream().mapToLong(c -> c.detail().errors()).sum());
      l.put("refused", lib.refused());
      ArrayNode calls = l.putArray("syscalls");
      for (SyscallCount c : lib.syscalls()) {
        SyscallCount.Detail x = c.detail();
        ObjectNode s = calls.addObject();
        s.put("syscall", c.name()).put("nr", c.nr()).put("count", c.count());
        x.errnos().forEach(s.putObject("errors")::put);
        s.put("refused", c.refused());
        Latency lat = x.latency();
        ObjectNode latency = s.putObject("latency").put("calls", lat.calls());
        if (lat.calls() == 0) { // calls that never returned (exit_group): nothing measured
          latency.putNull("p50").putNull("p99").putNull("max");
        } else {
          latency.put("p50", unit.of(lat.quantile(0.5))).put("p99", unit.of(lat.quantile(0.99)));
          nullable(latency, "max", lat.maxKnown(), unit.of(lat.max()));
        }
        latency.put("total", unit.of(lat.total()));
        ArrayNode hist = s.putArray("histogram");
        long[] b = lat.buckets();
        for (int i = 0; i < b.length; i++) {
          if (b[i] > 0) { // a guest's last bucket has no upper end: null
            long high = lat.scale().high(i);
            ArrayNode bucket = hist.addArray().add(unit.of(lat.scale().low(i)));
            (high == Long.MAX_VALUE ? bucket.addNull() : bucket.add(unit.of(high))).add(b[i]);
          }
        }
        nullable(s, "first_seq", perCall, x.firstSeq());
        nullable(s, "last_seq", perCall, x.lastSeq());
        nullable(s, "first_t", perCall, x.firstT());
        nullable(s, "last_t", perCall, x.lastT());
        x.phases().forEach(s.putObject("phases")::put);
        s.put("nested", c.nested());
        if (perCall) {
          c.paths().forEach(s.putObject("paths")::put);
          first = Math.min(first, x.firstT());
          last = Math.max(last, x.lastT());
        } else {
          s.putNull("paths");
        }
      }
    }
    if (a.counted()) {
      root.putNull("span");
    } else {
      root.putObject("span").put("first_t", first == Long.MAX_VALUE ? 0 : first)
          .put("last_t", last == Long.MIN_VALUE ? 0 : last);
    }
    Analysis.Timeline tl = a.timeline();
    ObjectNode timeline = root.putObject("timeline").put("start_t", tl.startT()).put("end_t", tl.endT())
        .put("bucket", tl.bucketTicks())
        .put("buckets", Analyzer.TIMELINE_BUCKETS);
    ObjectNode byLib = timeline.putObject("libraries");
    tl.counts().forEach((lib, counts) -> {
      ArrayNode sparse = byLib.putArray(lib);
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > 0) {
          sparse.addArray().add(i).add(counts[i]);
        }
      }
    });
    Analysis.Phases p = a.phases();
    ObjectNode phases = root.putObject("phases");
    phases.put("source", p.fromEvents() ? "events" : "rule").put("rule", p.rule());
    p.names().forEach(phases.putArray("names")::add);
    ArrayNode boundaries = phases.putArray("boundaries");
    p.boundaries().forEach(b -> boundaries.addObject().put("phase", p.names().get(b.phase())).put("seq", b.seq())
        .put("t", b.t()));
    ObjectNode sets = phases.putObject("sets");
    p.sets().forEach((lib, byPhase) -> {
      ObjectNode l = sets.putObject(lib);
      byPhase.forEach((phase, nrs) -> names(nrs, l.putArray(phase)));
    });
    ObjectNode seqs = root.putObject("sequences");
    for (Analysis.Sequences s : a.sequences()) {
      ObjectNode l = seqs.putObject(s.library());
      l.put("bigrams_distinct", s.bigrams().size()).put("trigrams_distinct", s.trigrams().size());
      grams(s.bigrams(), l.putArray("bigrams"));
      grams(s.trigrams(), l.putArray("trigrams"));
      ObjectNode automaton = l.putObject("automaton").put("start", Analysis.START);
      ArrayNode states = automaton.putArray("states");
      s.bigrams().stream().limit(MAX_GRAMS).flatMap(g -> g.calls().stream()).distinct()
          .sorted((x, y) -> x.equals(Analysis.START) ? -1 : y.equals(Analysis.START) ? 1 : x.compareTo(y))
          .forEach(states::add);
      ArrayNode edges = automaton.putArray("edges");
      s.bigrams().stream().limit(MAX_GRAMS).forEach(g -> edges.addObject().put("from", g.calls().get(0)).put("to", g.calls().get(1))
          .put("count", g.count()));
    }
    ObjectNode functions = root.putObject("functions");
    t.functions().forEach((f, calls) -> calls.forEach(functions.putObject(f)::put));
    a.security().toJson(root.putObject("security"));
    SyscallTable.Filter f = t.filter();
    if (f.logged() == 0 && f.killed() == 0 && f.injected() == 0 && f.events().isEmpty()) {
      root.putNull("filter");
    } else {
      ObjectNode filter = root.putObject("filter").put("refused", t.libraries().stream()
          .mapToLong(LibraryCounts::refused).sum());
      nullable(filter, "killed", perCall, f.killed());
      nullable(filter, "logged", perCall, f.logged());
      nullable(filter, "injected", perCall, f.injected());
      ArrayNode events = filter.putArray("events");
      for (EventRecord e : f.events()) {
        events.addObject().put("seq", e.seq()).put("t", e.t()).put("event", e.eventName())
            .put("what", SyscallTable.describe(f, e));
      }
    }
    return root;
  }

  private static void nullable(ObjectNode o, String key, boolean known, long value) {
    if (known) {
      o.put(key, value);
    } else {
      o.putNull(key);
    }
  }

  private static void names(BitSet nrs, ArrayNode into) {
    nrs.stream().mapToObj(SyscallNames::name).sorted().forEach(into::add);
  }

  private static void grams(List<Analysis.Gram> grams, ArrayNode into) {
    for (Analysis.Gram g : grams.subList(0, Math.min(grams.size(), MAX_GRAMS))) {
      ObjectNode o = into.addObject();
      g.calls().forEach(o.putArray("calls")::add);
      o.put("count", g.count());
    }
  }

  /** The document as text, objects indented like results.json. */
  public static String toText(RunReport r) {
    // Arrays on one line: a histogram or a gram is one line instead of five.
    return SyscallTable.pretty(of(r), new com.fasterxml.jackson.core.util.DefaultPrettyPrinter.FixedSpaceIndenter());
  }
}
