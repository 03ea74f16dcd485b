package dev.ukhook.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ukhook.core.Templates;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Renders a run's report JSON (schema_version 1) as one self-contained HTML5 page: inline CSS and SVG drawn here,
 * no script, fonts or images, nothing fetched (a Content-Security-Policy forbids it). Each section has a stable id
 * and class: {@code summary}, {@code heatmap}, {@code timeline}, {@code automaton}, {@code latency},
 * {@code phases}, {@code security} and, when the report has one, {@code filter}. What is too large to draw is cut
 * to the {@code MAX_*} limits, with a note saying what was left out. Every string from the JSON is escaped.
 */
public final class HtmlReport {
  static final int MAX_LIBRARIES = 60;
  static final int MAX_SYSCALLS = 60;
  static final int MAX_STATES = 40;
  static final int MAX_HISTOGRAMS = 50;
  private static final int WIDTH = 1100;
  private static final String[] PALETTE = {"#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8",
      "#0c2c84"};

  private final JsonNode r;
  private final StringBuilder h = new StringBuilder(1 << 16);
  private final List<JsonNode> libs = new ArrayList<>();
  private final Map<String, Integer> rank = new HashMap<>();
  private final String unit;
  private final double hz;

  private HtmlReport(JsonNode report) {
    r = report;
    report.path("libraries").forEach(libs::add);
    libs.sort(Comparator.comparingLong((JsonNode l) -> l.path("total").asLong()).reversed());
    for (JsonNode l : libs) rank.putIfAbsent(l.path("library").asText(), rank.size());
    unit = report.path("time_unit").asText("ticks");
    hz = report.path("ts_hz").asDouble(0);
  }

  /** The report as one HTML page. */
  public static String render(JsonNode report) {
    HtmlReport page = new HtmlReport(report);
    page.page();
    return page.h.toString();
  }

  /** Writes the report as one HTML page to {@code out}. */
  public static void write(JsonNode report, Appendable out) throws IOException {
    out.append(render(report));
  }

  private void page() {
    String id = r.path("image_id").asText("");
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
        .append("<meta http-equiv=\"Content-Security-Policy\""
            + " content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>ukhook report ").append(esc(id)).append("</title>\n<style>").append(CSS).append("</style>\n")
        .append("</head><body><main>\n<h1>ukhook report</h1>\n<nav>");
    for (String s : List.of("summary", "heatmap", "timeline", "automaton", "latency", "phases", "security")) {
      h.append("<a href=\"#").append(s).append("\">").append(s).append("</a> ");
    }
    if (present(r.get("filter"))) h.append("<a href=\"#filter\">filter</a>");
    if (present(r.get("compare"))) h.append(" <a href=\"#compare\">compare</a>");
    h.append("</nav>\n");
    summary();
    heatmap();
    timeline();
    automata();
    latency();
    phases();
    security();
    filter();
    compare();
    h.append("</main></body></html>\n");
  }

  // ---- summary ----

  private void summary() {
    open("summary", "Summary");
    JsonNode d = r.get("damage");
    if (present(d)) {
      h.append("<div class=\"banner damage\" role=\"alert\"><b>Damaged trace:</b> decoding stopped at byte offset ")
          .append(esc(d.path("offset").asText("?"))).append(" after ")
          .append(esc(d.path("records_decoded").asText("?")))
          .append(" records; ").append(esc(d.path("bytes_lost").asText("?"))).append(" bytes lost. ")
          .append(esc(d.path("detail").asText(""))).append("</div>\n");
    }
    lines(r.path("problems"), "problems", "Problems");
    lines(r.path("warnings"), "warnings", "Warnings");
    boolean counted = r.path("mode").asText().equals("count");
    if (counted) {
      h.append("<div class=\"banner counted\"><b>Counted in the guest:</b> ").append(esc(RunReport.countedNote()))
          .append("</div>\n");
    }
    JsonNode span = r.path("span");
    long first = span.path("first_t").asLong(), last = span.path("last_t").asLong();
    long dropped = r.path("dropped").asLong(), missing = r.path("missing").asLong();
    long unattributed = r.path("unattributed").asLong();
    h.append("<div class=\"facts\">");
    fact("image id", "<code>" + esc(r.path("image_id").asText("unknown")) + "</code>", false);
    if (counted) { // its records are only the events: the calls are the libraries' totals
      fact("calls counted", num(libs.stream().mapToLong(l -> l.path("total").asLong()).sum()), false);
    }
    fact("records", num(r.path("records").asLong()), false);
    fact("dropped / missing", num(dropped) + " / " + num(missing), dropped + missing > 0);
    fact("unattributed", num(unattributed), unattributed > 0);
    fact("final record", r.path("final_record").asBoolean() ? "yes" : "no", !r.path("final_record").asBoolean());
    fact("span", span.isObject() ? duration(last - first) : "&mdash;", false);
    fact("libraries", num(libs.size()), false);
    fact("time unit", esc(unit) + (hz > 0 ? " &middot; ticks at " + hertz(hz) : ""), false);
    h.append("</div>\n<table>");
    row("th", "library", new Right("calls"), new Right("errors"), new Right("refused"), new Right("syscalls"));
    for (JsonNode l : cap(libs, MAX_LIBRARIES, "libraries")) {
      row("td", esc(l.path("library").asText()) + (l.path("transparent_only").asBoolean()
          ? " <span class=\"tag\">transparent</span>" : ""), l.path("total").asLong(), l.path("errors").asLong(),
          l.path("refused").asLong(), l.path("syscalls").size());
    }
    h.append("</table>\n");
    close();
  }

  private void lines(JsonNode list, String cls, String title) {
    if (!list.isArray() || list.isEmpty()) return;
    h.append("<div class=\"banner ").append(cls).append("\"><b>").append(title).append(" (").append(list.size())
        .append(")</b><ul>");
    for (JsonNode l : list) h.append("<li>").append(esc(l.asText())).append("</li>");
    h.append("</ul></div>\n");
  }

  private void fact(String label, String valueHtml, boolean alert) {
    h.append("<div class=\"fact").append(alert ? " alert" : "").append("\"><span>").append(label)
        .append("</span><b>").append(valueHtml).append("</b></div>");
  }

  // ---- heatmap ----

  private void heatmap() {
    open("heatmap", "Microlibrary &times; syscall");
    Map<String, Long> bySyscall = new HashMap<>();
    for (JsonNode l : libs) {
      for (JsonNode s : l.path("syscalls")) {
        bySyscall.merge(s.path("syscall").asText(), s.path("count").asLong(), Long::sum);
      }
    }
    if (bySyscall.isEmpty()) {
      note("No system calls were attributed.");
      close();
      return;
    }
    List<String> sys = new ArrayList<>(bySyscall.keySet());
    sys.sort(Comparator.comparingLong((String s) -> -bySyscall.get(s)).thenComparing(Comparator.naturalOrder()));
    sys = cap(sys, MAX_SYSCALLS, "syscalls");
    List<JsonNode> rows = cap(libs, MAX_LIBRARIES, "libraries");
    Map<String, Integer> col = new HashMap<>();
    for (String s : sys) col.put(s, col.size());
    long max = 1;
    for (JsonNode l : rows) for (JsonNode s : l.path("syscalls")) max = Math.max(max, s.path("count").asLong());
    int labelW = 190, top = 120, cell = Math.max(10, Math.min(28, (WIDTH - labelW - 70) / sys.size()));
    int w = labelW + cell * sys.size() + 70, ht = top + cell * rows.size() + 10;
    svgOpen(w, ht, "heatmap-grid");
    legend(max, labelW - 40);
    h.append(f("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f1f3f5\"/>\n", labelW, top,
        cell * sys.size(), cell * rows.size()));
    for (int j = 0; j < sys.size(); j++) {
      double x = labelW + j * cell + cell / 2.0 + 4;
      h.append(f("<text x=\"%.1f\" y=\"%d\" transform=\"rotate(-55 %.1f %d)\"><title>%s</title>%s</text>\n", x, top - 5,
          x, top - 5, esc(sys.get(j)), esc(trunc(sys.get(j), 18))));
    }
    for (int i = 0; i < rows.size(); i++) {
      JsonNode l = rows.get(i);
      String lib = l.path("library").asText();
      int y = top + i * cell;
      h.append(f("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\">"
          + "<title>%s</title>%s</text>\n",
          labelW - 6, y + cell / 2.0, esc(lib), esc(trunc(lib, 26))));
      for (JsonNode s : l.path("syscalls")) {
        Integer j = col.get(s.path("syscall").asText());
        long c = s.path("count").asLong();
        if (j == null || c <= 0) continue;
        h.append(f("<rect class=\"cell\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
            + "<title>%s %s: %d</title></rect>\n",
            labelW + j * cell + 1, y + 1, cell - 2, cell - 2, colour(scale(c, max)), esc(lib),
            esc(s.path("syscall").asText()), c));
      }
    }
    h.append("</svg>\n");
    close();
  }

  /** Where {@code count} sits on the log colour scale, 0 for 1 call, 1 for {@code max}. */
  private static double scale(long count, long max) {
    return max <= 1 ? 1 : Math.log(count) / Math.log(max);
  }

  private static String colour(double t) {
    double p = Math.max(0, Math.min(1, t)) * (PALETTE.length - 1);
    int i = Math.min((int) p, PALETTE.length - 2);
    int a = Integer.parseInt(PALETTE[i].substring(1), 16), b = Integer.parseInt(PALETTE[i + 1].substring(1), 16);
    double k = p - i;
    int rgb = 0;
    for (int shift = 16; shift >= 0; shift -= 8) {
      int ca = (a >> shift) & 255, cb = (b >> shift) & 255;
      rgb |= (int) Math.round(ca + (cb - ca) * k) << shift;
    }
    return String.format("#%06x", rgb);
  }

  private void legend(long max, int width) {
    h.append("<defs><linearGradient id=\"heat-scale\">");
    for (int i = 0; i < PALETTE.length; i++) {
      h.append(f("<stop offset=\"%.3f\" stop-color=\"%s\"/>", i / (PALETTE.length - 1.0), PALETTE[i]));
    }
    h.append("</linearGradient></defs>\n<g class=\"legend\" transform=\"translate(10,34)\">")
        .append("<text x=\"0\" y=\"-8\">calls (log scale)</text>")
        .append(f("<rect width=\"%d\" height=\"12\" fill=\"url(#heat-scale)\" stroke=\"#cbd2d9\"/>", width));
    List<Long> ticks = new ArrayList<>();
    for (long v = 1; v < max; v *= 10) ticks.add(v);
    ticks.add(max);
    for (long v : ticks) {
      double x = scale(v, max) * width;
      if (v != max && max > 1 && x > width - 24) continue;
      h.append(f("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"12\" y2=\"16\" stroke=\"#52606d\"/><text x=\"%.1f\" y=\"27\""
          + " text-anchor=\"middle\">%s</text>",
          x, x, x, compact(v)));
    }
    h.append("</g>\n");
  }

  // ---- timeline ----

  private void timeline() {
    open("timeline", "Timeline per microlibrary");
    JsonNode tl = r.path("timeline");
    long start = tl.path("start_t").asLong(), bucket = tl.path("bucket").asLong();
    int buckets = tl.path("buckets").asInt();
    List<String> names = ordered(tl.path("libraries").fieldNames());
    if (bucket <= 0 || buckets <= 0 || names.isEmpty()) {
      note("No timeline in this report.");
      close();
      return;
    }
    // The axis runs from the first call to the last, over the buckets that cover them: the buckets' width is a
    // power of two ticks, so the last one may reach past the run's end (and those after it are empty).
    long end = Math.max(start, tl.path("end_t").asLong(start + bucket * buckets - 1));
    buckets = (int) Math.min(buckets, (end - start) / bucket + 1);
    double span = Math.max(1, end - start);
    names = cap(names, MAX_LIBRARIES, "libraries");
    int labelW = 190, rowH = 26, top = 36, plotW = WIDTH - labelW - 20;
    int cols = Math.min(buckets, plotW);
    int bottom = top + rowH * names.size();
    note(f("%d buckets of %s from the first call to the last; bar height relative to each row's busiest bucket.",
        buckets, duration(bucket)));
    svgOpen(WIDTH, bottom + 34, "timeline-rows");
    for (int i = 0; i < names.size(); i++) {
      String lib = names.get(i);
      long[] per = new long[cols];
      for (JsonNode b : tl.path("libraries").path(lib)) {
        long idx = b.path(0).asLong();
        if (idx >= 0 && idx < buckets) per[(int) (idx * cols / buckets)] += b.path(1).asLong();
      }
      long peak = 1;
      for (long c : per) peak = Math.max(peak, c);
      int y = top + i * rowH;
      h.append(f("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\">"
          + "<title>%s (peak %d per bucket)</title>%s</text>\n",
          labelW - 6, y + rowH / 2.0, esc(lib), peak, esc(trunc(lib, 26))));
      h.append(f("<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#d9dee3\"/>\n", labelW, labelW + plotW,
          y + rowH - 2, y + rowH - 2));
      for (int c = 0; c < cols; c++) {
        if (per[c] == 0) continue;
        double bh = Math.max(2, (rowH - 6) * per[c] / (double) peak);
        long t0 = (long) c * buckets / cols * bucket;
        long t1 = (long) (c + 1) * buckets / cols * bucket;
        double x0 = Math.min(plotW * (t0 / span), plotW - 1.5), x1 = Math.min(plotW * (t1 / span), plotW);
        h.append(f("<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
            + "<title>%s: %d calls at +%s</title></rect>\n",
            labelW + x0, y + rowH - 2 - bh, Math.max(1.5, x1 - x0 - 0.5), bh, esc(lib), per[c], duration(t0)));
      }
    }
    for (int k = 0; k <= 4; k++) {
      double x = labelW + plotW * k / 4.0;
      h.append(f("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#9aa5b1\"/><text x=\"%.1f\" y=\"%d\""
          + " text-anchor=\"%s\">+%s</text>\n",
          x, x, bottom, bottom + 5, x, bottom + 18, k == 0 ? "start" : k == 4 ? "end" : "middle",
          duration((long) ((end - start) * (k / 4.0)))));
    }
    JsonNode names0 = r.path("phases").path("names");
    if (names0.size() > 0) {
      h.append(f("<text class=\"phase-label\" x=\"%d\" y=\"%d\">%s</text>\n", labelW + 3, top - 8,
          esc(names0.get(0).asText())));
    }
    for (JsonNode b : r.path("phases").path("boundaries")) {
      double x = labelW + (b.path("t").asLong() - start) / span * plotW;
      if (x < labelW || x > labelW + plotW) continue;
      String name = esc(b.path("phase").asText());
      h.append(f("<line class=\"phase-boundary\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\">"
          + "<title>%s from seq %s, t %s</title></line>"
              + "<text class=\"phase-label\" x=\"%.1f\" y=\"%d\">%s</text>\n", x, x, top - 18, bottom, name,
          esc(b.path("seq").asText("?")), esc(b.path("t").asText()), x + 3, top - 8, name));
    }
    h.append("</svg>\n");
    close();
  }

  // ---- automata ----

  private void automata() {
    open("automaton", "Call-sequence automata");
    JsonNode seqs = r.path("sequences");
    List<String> names = ordered(seqs.fieldNames());
    names.removeIf(n -> !seqs.path(n).path("automaton").isObject());
    if (names.isEmpty()) {
      note("No call sequences in this report.");
      close();
      return;
    }
    note("States are syscalls, an edge a call followed by the next one of the same library; "
        + "edge width and label give the count; ^ is the start.");
    h.append("<div class=\"figures\">\n");
    int k = 0;
    for (String lib : cap(names, MAX_LIBRARIES, "libraries")) automaton(lib, seqs.path(lib).path("automaton"), k++);
    h.append("</div>\n");
    close();
  }

  private void automaton(String lib, JsonNode a, int k) {
    String start = a.path("start").asText("^");
    Map<String, Long> weight = new LinkedHashMap<>();
    a.path("states").forEach(s -> weight.put(s.asText(), 0L));
    for (JsonNode e : a.path("edges")) {
      weight.merge(e.path("from").asText(), e.path("count").asLong(), Long::sum);
      weight.merge(e.path("to").asText(), e.path("count").asLong(), Long::sum);
    }
    List<String> states = new ArrayList<>(weight.keySet());
    if (states.size() > MAX_STATES) {
      Set<String> keep = new HashSet<>(Set.of(start));
      states.stream().sorted(Comparator.comparingLong((String s) -> -weight.get(s)))
          .filter(s -> !s.equals(start)).limit(MAX_STATES - 1).forEach(keep::add);
      states.removeIf(s -> !keep.contains(s));
    }
    if (states.remove(start)) states.add(0, start);
    Map<String, Integer> at = new HashMap<>();
    for (String s : states) at.put(s, at.size());
    List<JsonNode> edges = new ArrayList<>();
    long lostCalls = 0, max = 1;
    for (JsonNode e : a.path("edges")) {
      if (at.containsKey(e.path("from").asText()) && at.containsKey(e.path("to").asText())) {
        edges.add(e);
        max = Math.max(max, e.path("count").asLong());
      } else {
        lostCalls += e.path("count").asLong();
      }
    }
    int n = states.size();
    double radius = Math.max(90, n * 60 / (2 * Math.PI)), nr = 12;
    Set<Integer> loops = new HashSet<>();
    int padX = 150, padY = 60, w = (int) (2 * (radius + padX)), ht = (int) (2 * (radius + padY));
    double[] x = new double[n], y = new double[n], ang = new double[n];
    for (int i = 0; i < n; i++) {
      ang[i] = -Math.PI / 2 + 2 * Math.PI * i / n;
      x[i] = w / 2.0 + radius * Math.cos(ang[i]);
      y[i] = ht / 2.0 + radius * Math.sin(ang[i]);
    }
    h.append("<figure class=\"automaton-graph\"><figcaption>").append(esc(lib)).append(" &mdash; ").append(n)
        .append(" states, ").append(edges.size()).append(" edges");
    if (weight.size() > n) {
      h.append(f("<br><span class=\"cut\">%d more states and %d transitions into or out of them are not drawn</span>",
          weight.size() - n, lostCalls));
    }
    h.append("</figcaption>\n");
    svgOpen(w, ht, "automaton-svg");
    h.append(f("<defs><marker id=\"arrow-%d\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\""
        + " markerHeight=\"8\" "
        + "markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#52606d\"/></marker>"
        + "</defs>\n", k));
    boolean labels = edges.size() <= 80;
    for (JsonNode e : edges) {
      int i = at.get(e.path("from").asText()), j = at.get(e.path("to").asText());
      long c = e.path("count").asLong();
      double sw = 1 + 3.5 * scale(Math.max(1, c), max);
      String d;
      double lx, ly;
      if (i == j) {
        loops.add(i);
        d = "M" + pt(x[i], y[i], nr, ang[i] - 0.6) + " C" + pt(x[i], y[i], 4 * nr, ang[i] - 0.55) + " "
            + pt(x[i], y[i], 4 * nr, ang[i] + 0.55) + " " + pt(x[i], y[i], nr + 1, ang[i] + 0.6);
        lx = x[i] + 1.9 * nr * Math.cos(ang[i]);
        ly = y[i] + 1.9 * nr * Math.sin(ang[i]);
      } else {
        double dx = x[j] - x[i], dy = y[j] - y[i];
        double cx = (x[i] + x[j]) / 2 - dy * 0.18, cy = (y[i] + y[j]) / 2 + dx * 0.18;
        double sl = Math.hypot(cx - x[i], cy - y[i]), el = Math.hypot(cx - x[j], cy - y[j]);
        double sx = x[i] + (cx - x[i]) / sl * nr, sy = y[i] + (cy - y[i]) / sl * nr;
        double ex = x[j] + (cx - x[j]) / el * (nr + 1), ey = y[j] + (cy - y[j]) / el * (nr + 1);
        d = f("M%.1f,%.1f Q%.1f,%.1f %.1f,%.1f", sx, sy, cx, cy, ex, ey);
        lx = 0.25 * sx + 0.5 * cx + 0.25 * ex;
        ly = 0.25 * sy + 0.5 * cy + 0.25 * ey;
      }
      h.append(f("<g class=\"edge\"><title>%s &#8594; %s: %d</title><path d=\"%s\" stroke-width=\"%.2f\""
          + " marker-end=\"url(#arrow-%d)\"/>",
          esc(states.get(i)), esc(states.get(j)), c, d, sw, k));
      if (labels) h.append(f("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\""
          + " dominant-baseline=\"middle\">%d</text>", lx, ly, c));
      h.append("</g>\n");
    }
    for (int i = 0; i < n; i++) {
      String s = states.get(i);
      double off = loops.contains(i) ? 3.1 * nr + 3 : nr + 5, cos = Math.cos(ang[i]), sin = Math.sin(ang[i]);
      String anchor = cos > 0.3 ? "start" : cos < -0.3 ? "end" : "middle";
      String base = sin > 0.3 ? "hanging" : sin < -0.3 ? "auto" : "middle";
      h.append(f("<g class=\"state\"><title>%s: %d calls in or out</title><circle%s cx=\"%.1f\" cy=\"%.1f\""
          + " r=\"%.0f\"/>"
              + "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" dominant-baseline=\"%s\">%s</text></g>\n",
          esc(s), weight.get(s), s.equals(start) ? " class=\"start\"" : "", x[i], y[i], nr, x[i] + off * cos,
          y[i] + off * sin, anchor, base,
          s.equals(start) ? "^ start" : esc(trunc(s, 18))));
    }
    h.append("</svg></figure>\n");
  }

  // ---- latency ----

  private void latency() {
    open("latency", "Latency distributions");
    List<JsonNode[]> pairs = new ArrayList<>();
    for (JsonNode l : libs) {
      for (JsonNode s : l.path("syscalls")) {
        if (s.path("histogram").size() > 0 || s.path("latency").isObject()) pairs.add(new JsonNode[] {l, s});
      }
    }
    if (pairs.isEmpty()) {
      note("No latencies in this report.");
      close();
      return;
    }
    pairs.sort(Comparator.comparingLong((JsonNode[] p) -> -p[1].path("count").asLong()));
    note("Per library and syscall, in " + esc(unit)
        + ", log-scale x axis; dashed lines mark p50 (blue), p99 (red) and max (grey).");
    pairs = cap(pairs, MAX_HISTOGRAMS, "library and syscall pairs (by calls)");
    h.append("<div class=\"figures\">\n");
    for (JsonNode[] p : pairs) histogram(p[0].path("library").asText(), p[1]);
    h.append("</div>\n");
    close();
  }

  private void histogram(String lib, JsonNode s) {
    JsonNode lat = s.path("latency");
    h.append("<figure class=\"latency-hist\"><figcaption>").append(esc(lib)).append(" &middot; ")
        .append(esc(s.path("syscall").asText())).append(" <span class=\"dim\">(").append(num(s.path("count").asLong()))
        .append(" calls)</span></figcaption>\n");
    int w = 240, ht = 100, pl = 6, pw = w - 2 * pl, base = ht - 20;
    String[][] marks = {{"p50", "#1d4ed8"}, {"p99", "#c81e1e"}, {"max", "#52606d"}};
    double lo = Double.MAX_VALUE, hi = 0;
    long peak = 1;
    for (JsonNode b : s.path("histogram")) {
      lo = Math.min(lo, Math.max(1, b.path(0).asDouble()));
      hi = Math.max(hi, upper(b));
      peak = Math.max(peak, b.path(2).asLong());
    }
    for (String[] m : marks) {
      if (lat.path(m[0]).isNumber()) {
        lo = Math.min(lo, Math.max(1, lat.path(m[0]).asDouble()));
        hi = Math.max(hi, lat.path(m[0]).asDouble());
      }
    }
    svgOpen(w, ht, "hist-svg");
    if (hi > 0) {
      double l0 = Math.log(lo / 1.2), l1 = Math.log(Math.max(hi, lo * 2) * 1.2);
      java.util.function.DoubleUnaryOperator x = v -> pl + (Math.log(Math.max(1, v)) - l0) / (l1 - l0) * pw;
      for (JsonNode b : s.path("histogram")) {
        double x0 = x.applyAsDouble(b.path(0).asDouble()), x1 = x.applyAsDouble(upper(b));
        double bh = Math.max(1, (base - 8) * b.path(2).asDouble() / peak);
        h.append(f("<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
            + "<title>[%s, %s): %d</title></rect>",
            x0, base - bh, Math.max(2, x1 - x0 - 0.5), bh, latency(b.path(0).asDouble()),
            b.path(1).isNumber() ? latency(b.path(1).asDouble()) : "&#8734;", b.path(2).asLong()));
      }
      for (String[] m : marks) {
        if (!lat.path(m[0]).isNumber()) continue;
        double mx = x.applyAsDouble(lat.path(m[0]).asDouble());
        h.append(f("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"4\" y2=\"%d\" stroke=\"%s\" stroke-dasharray=\"3 2\">"
            + "<title>%s %s</title></line>",
            mx, mx, base, m[1], m[0], latency(lat.path(m[0]).asDouble())));
      }
      h.append(f("<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#9aa5b1\"/>", pl, pl + pw, base, base))
          .append(f("<text x=\"%d\" y=\"%d\">%s</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
              pl, ht - 6, latency(lo), pl + pw, ht - 6, latency(hi)));
    } else {
      h.append(f("<text x=\"%d\" y=\"%d\">no histogram</text>", pl, ht / 2));
    }
    h.append("</svg>\n<div class=\"stats\">");
    for (String k : List.of("p50", "p99", "max")) {
      h.append(k).append(" <b>").append(lat.path(k).isNumber() ? latency(lat.path(k).asDouble()) : "&mdash;")
          .append("</b> ");
    }
    h.append("</div></figure>\n");
  }

  /** Where bucket {@code b} of a histogram ends; a guest's last bucket has no end, drawn as wide as the one before. */
  private static double upper(JsonNode b) {
    return b.path(1).isNumber() ? b.path(1).asDouble() : 1.5 * b.path(0).asDouble();
  }

  // ---- phases ----

  private void phases() {
    open("phases", "Phases");
    JsonNode p = r.path("phases");
    if (!p.isObject()) {
      note("No phases in this report.");
      close();
      return;
    }
    h.append("<p>Source: <b>").append(esc(p.path("source").asText("?"))).append("</b>");
    if (p.hasNonNull("rule")) h.append(" &mdash; ").append(esc(p.path("rule").asText()));
    h.append("</p>\n");
    Set<String> names = new LinkedHashSet<>();
    p.path("names").forEach(n -> names.add(n.asText()));
    p.path("sets").forEach(lib -> lib.fieldNames().forEachRemaining(names::add));
    if (p.path("boundaries").size() > 0) {
      h.append("<p>Boundaries: ");
      for (JsonNode b : p.path("boundaries")) {
        h.append("<span class=\"tag\">").append(esc(b.path("phase").asText())).append(" at seq ")
            .append(esc(b.path("seq").asText("?"))).append(", +").append(duration(b.path("t").asLong() - first()))
            .append("</span> ");
      }
      h.append("</p>\n");
    }
    List<String> lnames = ordered(p.path("sets").fieldNames());
    if (lnames.isEmpty()) {
      note("No per-phase syscall sets.");
      close();
      return;
    }
    List<Object> head = new ArrayList<>(List.of("library"));
    names.forEach(n -> head.add(esc(n)));
    h.append("<table class=\"phase-sets\">");
    row("th", head.toArray());
    for (String lib : cap(lnames, MAX_LIBRARIES, "libraries")) {
      List<Object> cells = new ArrayList<>(List.of(esc(lib)));
      for (String n : names) {
        JsonNode set = p.path("sets").path(lib).path(n);
        List<String> calls = new ArrayList<>();
        set.forEach(c -> calls.add(esc(c.asText())));
        String text = calls.isEmpty() ? "<span class=\"dim\">&mdash;</span>"
            : String.join(", ", calls.subList(0, Math.min(calls.size(), MAX_SYSCALLS)))
                + (calls.size() > MAX_SYSCALLS ? f(" <i>+%d more</i>", calls.size() - MAX_SYSCALLS) : "");
        cells.add(text);
      }
      row("td", cells.toArray());
    }
    h.append("</table>\n");
    close();
  }

  // ---- security and filter ----

  private void security() {
    open("security", "Security estimate");
    JsonNode s = r.get("security");
    if (!present(s)) {
      note("No security estimate in this report (\"security\" is missing or null).");
      close();
      return;
    }
    JsonNode img = s.path("image");
    h.append("<div class=\"facts\">");
    fact("P<sub>app</sub>", esc(s.path("p_app").asText("—")) + " <span class=\"dim\">("
        + esc(s.path("p_app_library").asText("")) + ")</span>", false);
    fact("P<sub>image</sub>", esc(img.path("score").asText("—")) + " <span class=\"dim\">("
        + esc(img.path("syscalls").asText("?")) + " syscalls)</span>", false);
    fact("per-library reduction (worst = addrfilter's metric)", reduction(s.path("per_library_reduction")), false);
    fact("per-phase reduction", reduction(s.path("per_phase_reduction")), false);
    fact("per-library-and-phase reduction", reduction(s.path("per_library_phase_reduction")), false);
    h.append("</div>\n<table>");
    row("th", "library", new Right("syscalls"), new Right("P<sub>lib</sub>"), new Right("reduction"), "by phase");
    List<JsonNode> rows = new ArrayList<>();
    s.path("libraries").forEach(rows::add);
    for (JsonNode l : cap(rows, MAX_LIBRARIES, "libraries")) {
      StringBuilder phases = new StringBuilder();
      for (JsonNode p : l.path("phases")) {
        phases.append(phases.length() == 0 ? "" : ", ").append(esc(p.path("phase").asText())).append("&nbsp;")
            .append(p.path("score").asLong());
      }
      row("td", esc(l.path("library").asText()), l.path("syscalls").asLong(), l.path("score").asLong(),
          new Right(pct(l.path("reduction"))), phases);
    }
    h.append("</table>\n");
    if (s.path("phases").size() > 0) {
      h.append("<h3>Per phase</h3><table>");
      row("th", "phase", new Right("syscalls"), new Right("score"));
      for (JsonNode p : s.path("phases")) {
        row("td", esc(p.path("phase").asText()), p.path("syscalls").asLong(), p.path("score").asLong());
      }
      h.append("</table>\n");
    }
    note("Scores by the tiers of " + esc(s.path("tiers_doc").asText("docs/security-estimate.md"))
        + "; addrfilter reported 24-56 % on Linux programs with other weights.");
    close();
  }

  private static String reduction(JsonNode r) {
    return r.isObject() ? "worst " + pct(r.path("worst")) + ", mean " + pct(r.path("mean")) : "&mdash;";
  }

  private void filter() {
    JsonNode fl = r.get("filter");
    if (!present(fl)) return;
    open("filter", "Filter");
    String json = fl.toPrettyString();
    if (json.length() > 20_000) json = json.substring(0, 20_000) + "\n... (cut at 20000 characters)";
    h.append("<pre>").append(esc(json)).append("</pre>\n");
    close();
  }

  // ---- helpers ----

  /** `ukhook compare`'s rows, when the report carries them (RunCompare#toJson). */
  private void compare() {
    JsonNode c = r.get("compare");
    if (!present(c)) {
      return;
    }
    open("compare", "Compared with another run");
    JsonNode runs = c.path("runs");
    h.append("<p>A: <code>").append(esc(runs.path(0).path("label").asText())).append("</code><br>B: <code>")
        .append(esc(runs.path(1).path("label").asText())).append("</code></p>\n<table>");
    row("th", "group", "syscall", "A", "B", "A errors", "B errors", "only");
    for (JsonNode x : c.path("rows")) {
      row("td", esc(x.path("group").asText()), esc(x.path("syscall").asText()), x.path("count_a").asLong(),
          x.path("count_b").asLong(), x.path("errors_a").asLong(), x.path("errors_b").asLong(),
          esc(x.path("only").asText()));
    }
    h.append("</table>\n");
    close();
  }

  private void open(String id, String title) {
    h.append("<section id=\"").append(id).append("\" class=\"section ").append(id).append("\">\n<h2>").append(title)
        .append("</h2>\n");
  }

  /** HTML for a right-aligned table cell. */
  private record Right(String html) {}

  /** A table row of {@code tag} cells: HTML strings, numbers (right-aligned) or {@link Right}. */
  private void row(String tag, Object... cells) {
    h.append("<tr>");
    for (Object c : cells) {
      boolean right = c instanceof Number || c instanceof Right;
      String html = c instanceof Number n ? num(n.longValue()) : c instanceof Right x ? x.html() : c.toString();
      h.append('<').append(tag).append(right ? " class=\"n\">" : ">").append(html).append("</").append(tag).append('>');
    }
    h.append("</tr>\n");
  }

  private void close() {
    h.append("</section>\n");
  }

  private void note(String html) {
    h.append("<p class=\"note\">").append(html).append("</p>\n");
  }

  private void svgOpen(int w, int ht, String cls) {
    h.append(f("<svg class=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
        + " viewBox=\"0 0 %d %d\">\n",
        cls, w, ht, w, ht));
  }

  /** The first {@code max} of {@code all}, with a note of how many were left out. */
  private <T> List<T> cap(List<T> all, int max, String what) {
    if (all.size() <= max) return all;
    note(f("Showing %d of %d %s; %d not drawn.", max, all.size(), what, all.size() - max));
    return all.subList(0, max);
  }

  /** Library names, those with most calls first, the others in the order given. */
  private List<String> ordered(java.util.Iterator<String> names) {
    List<String> list = new ArrayList<>();
    names.forEachRemaining(list::add);
    list.sort(Comparator.comparingInt(n -> rank.getOrDefault(n, Integer.MAX_VALUE)));
    return list;
  }

  private long first() {
    return r.path("timeline").path("start_t").asLong(r.path("span").path("first_t").asLong());
  }

  /** The point at distance {@code r} and angle {@code a} from (x, y). */
  private static String pt(double x, double y, double r, double a) {
    return f("%.1f,%.1f", x + r * Math.cos(a), y + r * Math.sin(a));
  }

  private static boolean present(JsonNode n) {
    return n != null && !n.isNull() && !n.isMissingNode();
  }

  /** A span of trace ticks, in time when the tick rate is known. */
  private String duration(long ticks) {
    if (hz <= 0) return num(ticks) + " ticks";
    double s = ticks / hz;
    if (s == 0) return "0 s";
    if (s < 1e-6) return f("%.3g ns", s * 1e9);
    if (s < 1e-3) return f("%.3g &micro;s", s * 1e6);
    if (s < 1) return f("%.3g ms", s * 1e3);
    return f("%.3g s", s);
  }

  /** A latency value, already in {@code time_unit}. */
  private String latency(double v) {
    if (unit.equals("ns")) {
      if (v < 1e3) return f("%.0f ns", v);
      if (v < 1e6) return f("%.3g &micro;s", v / 1e3);
      if (v < 1e9) return f("%.3g ms", v / 1e6);
      return f("%.3g s", v / 1e9);
    }
    return compact(Math.round(v)) + " " + esc(unit);
  }

  private static String compact(long v) {
    if (v < 10_000) return Long.toString(v);
    if (v < 10_000_000) return f("%.3gk", v / 1e3);
    if (v < 10_000_000_000L) return f("%.3gM", v / 1e6);
    return f("%.3gG", v / 1e9);
  }

  private static String hertz(double hz) {
    String[] units = {"Hz", "kHz", "MHz", "GHz"};
    int u = 0;
    for (; u < 3 && hz >= 1000; u++) hz /= 1000;
    return new java.math.BigDecimal(f("%.4g", hz)).stripTrailingZeros().toPlainString() + " " + units[u];
  }

  private static String pct(JsonNode v) {
    return v.isNumber() ? f("%.1f %%", v.asDouble() * 100) : "&mdash;";
  }

  private static String num(long v) {
    return String.format(Locale.ROOT, "%,d", v);
  }

  private static String trunc(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "\u2026";
  }

  private static String f(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  /** {@code s} escaped for HTML text and attribute values. */
  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static final String CSS = Templates.resource("/dev/ukhook/report/report.css");
}
