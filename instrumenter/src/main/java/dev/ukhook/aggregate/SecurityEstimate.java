package dev.ukhook.aggregate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The security estimate of docs/security-estimate.md, from the system calls each library made in each phase:
 * the danger score of what one whole-image allowlist exposes (P_image), of what each library needs (P_lib), the
 * most exposed library (P_app), and how much smaller per-library, per-phase and per-library-and-phase allowlists
 * are than the whole-image one, scored. Libraries that made no calls are left out; with no calls at all there
 * are no reductions.
 */
public final class SecurityEstimate {
  /** Where the tiers, the formulas and their sources are described. */
  public static final String TIERS_DOC = "docs/security-estimate.md";
  /** addrfilter's per-library privilege reduction over its five benchmarks, in percent (docs). */
  public static final String ADDRFILTER_RANGE = "24-56%";

  /** A set of calls: how many, and their summed score. */
  public record Count(String name, int syscalls, int score) {}

  /** One library: its calls over the whole run, its reduction against the image, and its non-empty phases. */
  public record Library(String library, int syscalls, int score, double reduction, List<Count> phases) {}

  /** The mean and the worst (smallest) of a set of reductions, each 1 - score / P_image. */
  public record Reduction(double mean, double worst) {}

  private final Count image;
  private final List<Library> libraries;
  private final List<Count> phases;
  private final Optional<Reduction> perLibrary;
  private final Optional<Reduction> perPhase;
  private final Optional<Reduction> perLibraryPhase;

  private SecurityEstimate(Count image, List<Library> libraries, List<Count> phases, Optional<Reduction> perLibrary,
      Optional<Reduction> perPhase, Optional<Reduction> perLibraryPhase) {
    this.image = image;
    this.libraries = libraries;
    this.phases = phases;
    this.perLibrary = perLibrary;
    this.perPhase = perPhase;
    this.perLibraryPhase = perLibraryPhase;
  }

  /** The estimate with the scores of {@link DangerScores#get()}. */
  public static SecurityEstimate of(List<String> phaseNames, Map<String, Map<String, BitSet>> sets) {
    return of(phaseNames, sets, DangerScores.get());
  }

  /**
   * @param phaseNames the run's phases, in order
   * @param sets library to phase name to the numbers of the calls that library made in that phase, libraries in
   *     the map's order; a library may lack phases, and may name no phase outside {@code phaseNames}
   */
  public static SecurityEstimate of(List<String> phaseNames, Map<String, Map<String, BitSet>> sets,
      DangerScores scores) {
    if (new HashSet<>(phaseNames).size() != phaseNames.size()) {
      throw new IllegalArgumentException("phase names repeat: " + phaseNames);
    }
    BitSet all = new BitSet();
    List<BitSet> byPhase = new ArrayList<>();
    phaseNames.forEach(p -> byPhase.add(new BitSet()));
    record Lib(String name, BitSet calls, List<Count> phases) {}
    List<Lib> libs = new ArrayList<>();
    List<Integer> pairScores = new ArrayList<>();
    sets.forEach((library, phaseSets) -> {
      Set<String> unknown = new HashSet<>(phaseSets.keySet());
      unknown.removeAll(phaseNames);
      if (!unknown.isEmpty()) {
        throw new IllegalArgumentException(library + " names phases the run does not have: " + unknown);
      }
      BitSet calls = new BitSet();
      List<Count> counts = new ArrayList<>();
      for (int i = 0; i < phaseNames.size(); i++) {
        BitSet s = phaseSets.get(phaseNames.get(i));
        if (s == null || s.isEmpty()) {
          continue;
        }
        calls.or(s);
        byPhase.get(i).or(s);
        int score = score(s, scores);
        counts.add(new Count(phaseNames.get(i), s.cardinality(), score));
        pairScores.add(score);
      }
      if (!calls.isEmpty()) {
        all.or(calls);
        libs.add(new Lib(library, calls, List.copyOf(counts)));
      }
    });
    int imageScore = score(all, scores);
    List<Library> libraries = libs.stream().map(l -> {
      int score = score(l.calls(), scores);
      return new Library(l.name(), l.calls().cardinality(), score, reduction(score, imageScore), l.phases());
    }).toList();
    List<Count> phases = new ArrayList<>();
    List<Integer> phaseScores = new ArrayList<>();
    for (int i = 0; i < phaseNames.size(); i++) {
      BitSet s = byPhase.get(i);
      phases.add(new Count(phaseNames.get(i), s.cardinality(), score(s, scores)));
      if (!s.isEmpty()) {
        phaseScores.add(score(s, scores));
      }
    }
    return new SecurityEstimate(new Count("image", all.cardinality(), imageScore), libraries, List.copyOf(phases),
        summary(libraries.stream().map(Library::score).toList(), imageScore), summary(phaseScores, imageScore),
        summary(pairScores, imageScore));
  }

  private static int score(BitSet calls, DangerScores scores) {
    return calls.stream().map(scores::score).sum();
  }

  private static double reduction(int score, int imageScore) {
    return 1.0 - (double) score / imageScore;
  }

  private static Optional<Reduction> summary(List<Integer> partScores, int imageScore) {
    if (partScores.isEmpty() || imageScore == 0) {
      return Optional.empty();
    }
    double sum = 0;
    double worst = 1;
    for (int s : partScores) {
      double r = reduction(s, imageScore);
      sum += r;
      worst = Math.min(worst, r);
    }
    return Optional.of(new Reduction(sum / partScores.size(), worst));
  }

  /** U, every library's calls over every phase: what one whole-image, whole-run allowlist lets every library make. */
  public Count image() {
    return image;
  }

  /** The libraries that made calls, in the input's order. */
  public List<Library> libraries() {
    return libraries;
  }

  /** Every phase of the run, with the calls all libraries made in it (possibly none). */
  public List<Count> phases() {
    return phases;
  }

  /** P_app: the largest P_lib, or 0 with no libraries. */
  public int pApp() {
    return appLibrary().map(Library::score).orElse(0);
  }

  /** The library with the largest P_lib (the first of equals). */
  public Optional<Library> appLibrary() {
    Library max = null;
    for (Library l : libraries) {
      if (max == null || l.score() > max.score()) {
        max = l;
      }
    }
    return Optional.ofNullable(max);
  }

  /** 1 - P_lib / P_image over the libraries; the worst is 1 - P_app / P_image, addrfilter's metric. */
  public Optional<Reduction> perLibraryReduction() {
    return perLibrary;
  }

  /** 1 - P_phase / P_image over the phases that had calls. */
  public Optional<Reduction> perPhaseReduction() {
    return perPhase;
  }

  /** 1 - P(L, p) / P_image over the library-and-phase pairs that had calls. */
  public Optional<Reduction> perLibraryPhaseReduction() {
    return perLibraryPhase;
  }

  /** Fills {@code into}, the value of a report's {@code "security"}, as docs/security-estimate.md shows. */
  public void toJson(ObjectNode into) {
    into.put("tiers_doc", TIERS_DOC);
    ObjectNode img = into.putObject("image");
    img.put("syscalls", image.syscalls());
    img.put("score", image.score());
    into.put("p_app", pApp());
    Optional<Library> app = appLibrary();
    if (app.isPresent()) {
      into.put("p_app_library", app.get().library());
    } else {
      into.putNull("p_app_library");
    }
    ArrayNode libs = into.putArray("libraries");
    for (Library l : libraries) {
      ObjectNode o = libs.addObject();
      o.put("library", l.library());
      o.put("syscalls", l.syscalls());
      o.put("score", l.score());
      o.put("reduction", round(l.reduction()));
      ArrayNode ps = o.putArray("phases");
      l.phases().forEach(p -> count(ps.addObject(), p));
    }
    reduction(into.putObject("per_library_reduction"), perLibrary);
    ArrayNode ps = into.putArray("phases");
    phases.forEach(p -> count(ps.addObject(), p));
    reduction(into.putObject("per_phase_reduction"), perPhase);
    reduction(into.putObject("per_library_phase_reduction"), perLibraryPhase);
  }

  private static void count(ObjectNode o, Count c) {
    o.put("phase", c.name());
    o.put("syscalls", c.syscalls());
    o.put("score", c.score());
  }

  private static void reduction(ObjectNode o, Optional<Reduction> r) {
    if (r.isPresent()) {
      o.put("mean", round(r.get().mean()));
      o.put("worst", round(r.get().worst()));
    } else {
      o.putNull("mean");
      o.putNull("worst");
    }
  }

  private static double round(double d) {
    return Math.round(d * 10_000) / 10_000.0;
  }

  /** The text section: one row per library, then the image, P_app and the reductions beside addrfilter's. */
  public void writeText(Appendable out) throws IOException {
    out.append("security estimate (").append(TIERS_DOC).append(")\n");
    if (libraries.isEmpty()) {
      out.append("  no system calls: no reductions\n");
      return;
    }
    int width = Math.max("library".length(), libraries.stream().mapToInt(l -> l.library().length()).max().orElse(0));
    out.append(String.format(Locale.ROOT, "  %-" + width + "s  %8s  %5s  %9s\n", "library", "syscalls", "P_lib",
        "reduction"));
    for (Library l : libraries) {
      out.append(String.format(Locale.ROOT, "  %-" + width + "s  %8d  %5d  %9s\n", l.library(), l.syscalls(),
          l.score(), percent(l.reduction())));
    }
    Library app = appLibrary().orElseThrow();
    out.append(String.format(Locale.ROOT, "  image: %d syscalls, P_image %d; P_app %d (%s)\n", image.syscalls(),
        image.score(), app.score(), app.library()));
    line(out, "per-library allowlists vs one whole-image allowlist", perLibrary);
    line(out, "per-phase allowlists vs one whole-run allowlist", perPhase);
    line(out, "per-library-and-phase allowlists vs one whole-image allowlist", perLibraryPhase);
    out.append("  addrfilter's metric is the per-library worst (1 - P_app/P_image): ").append(ADDRFILTER_RANGE)
        .append(" on its Linux benchmarks, other weights\n");
  }

  private static void line(Appendable out, String what, Optional<Reduction> r) throws IOException {
    out.append("  ").append(what).append(": ");
    out.append(r.map(x -> "worst " + percent(x.worst()) + ", mean " + percent(x.mean())).orElse("none")).append('\n');
  }

  private static String percent(double d) {
    return String.format(Locale.ROOT, "%.1f%%", d * 100);
  }
}
