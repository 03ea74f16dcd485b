package dev.ukhook.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ukhook.aggregate.Analysis;
import dev.ukhook.aggregate.Analyzer;
import dev.ukhook.aggregate.PhaseRule;
import dev.ukhook.aggregate.RunDiff;
import dev.ukhook.aggregate.SyscallTable;
import dev.ukhook.attribution.Attributor;
import dev.ukhook.attribution.LinkMap;
import dev.ukhook.attribution.LoadedPrograms;
import dev.ukhook.attribution.Rootfs;
import dev.ukhook.core.CpioArchive;
import dev.ukhook.core.JsonFiles;
import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.DecodedTrace;
import dev.ukhook.format.TraceDecoder;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Attributes a trace with the link map of the image that made it, after checking that they belong together:
 * the map names the image id the trace header carries (and the run's {@code image-id} file, when known), and
 * its code ranges cover the image's text. A mismatch is refused with one line unless forced, when it becomes a
 * warning. The table goes to {@code table.txt} and {@code results.json}.
 *
 * @param warnings the refusals that {@code force} turned into warnings, one line each
 */
public record RunReport(DecodedTrace trace, LinkMap map, Analysis analysis, List<String> warnings, Source source) {
  /**
   * What the report was made from, so that its calls can be read again one by one ({@link Calls}).
   *
   * @param violationsOnly the trace is a filter-only image's (its run.json says so): it records only the calls
   *     its policy refuses, so a trace without any is a quiet run, not a sign of missing hooks
   */
  public record Source(Path trace, Set<String> transparent, Optional<Rootfs> rootfs, PhaseRule rule,
      boolean violationsOnly) {
    /** A fresh attributor, as the report's: loaded programs are followed anew from the trace's start. */
    Attributor attributor(LinkMap map) {
      return new Attributor(map, transparent, rootfs.map(r -> new LoadedPrograms(r::file, transparent,
          r.glibcNames())).orElse(null));
    }
  }

  /** The files of a run directory this report reads. */
  public static final String TRACE = "trace.ukt";
  public static final String LINK_MAP = "link.map";
  public static final String IMAGE_ID = "image-id";
  public static final String RUN_JSON = "run.json";

  public RunReport {
    warnings = List.copyOf(warnings);
  }

  /** This run as one side of a diff, labelled {@code label}. */
  public RunDiff.Side side(String label) {
    return new RunDiff.Side(label, trace.header().imageId(), analysis);
  }

  /** The counts, errors and latencies per library and syscall. */
  public SyscallTable table() {
    return analysis.table();
  }

  /**
   * How a report is made.
   *
   * @param rule where start-up ends in a trace without phase events
   * @param phaseNames the phases' names (a run's policy.yaml), else phase0, phase1...
   */
  public record Options(boolean force, Optional<Path> rootfs, PhaseRule rule, List<String> phaseNames,
      boolean sequences) {
    public static final Options DEFAULT = new Options(false, Optional.empty(), PhaseRule.SERVING, List.of(), true);

    public Options {
      phaseNames = List.copyOf(phaseNames);
    }

    public Options withForce(boolean f) {
      return new Options(f, rootfs, rule, phaseNames, sequences);
    }

    public Options withRootfs(Optional<Path> r) {
      return new Options(force, r, rule, phaseNames, sequences);
    }

    public Options withRule(PhaseRule r) {
      return new Options(force, rootfs, r, phaseNames, sequences);
    }

    public Options withPhaseNames(List<String> names) {
      return new Options(force, rootfs, rule, names, sequences);
    }

    /** Without each library's 2- and 3-grams, for what does not show them (the calls, the tables, a diff). */
    public Options withoutSequences() {
      return new Options(force, rootfs, rule, phaseNames, false);
    }
  }

  /** A strict report: any mismatch between trace and map is refused. */
  public static RunReport of(Path traceFile, Path linkMap, Set<String> transparent, Optional<String> expectedImageId) {
    return of(traceFile, linkMap, transparent, expectedImageId, false);
  }

  /**
   * Reports on {@code traceFile} with {@code linkMap}.
   *
   * @param expectedImageId the image the trace must come from (a run directory's {@code image-id}), if known
   * @param force attribute even when the map does not belong to the trace's image, with a warning each
   * @throws UkhookException (FAILURE) when the map or the image id does not belong to the trace, unless forced
   */
  public static RunReport of(
      Path traceFile, Path linkMap, Set<String> transparent, Optional<String> expectedImageId, boolean force) {
    return of(traceFile, linkMap, transparent, expectedImageId, force, Optional.empty());
  }

  /**
   * @param rootfs the files of the Linux programs the image ran (app-elfloader), to charge their calls to
   *     objects and functions; without it, their calls are unattributed
   */
  public static RunReport of(Path traceFile, Path linkMap, Set<String> transparent, Optional<String> expectedImageId,
      boolean force, Optional<Rootfs> rootfs) {
    return of(traceFile, linkMap, transparent, expectedImageId, rootfs,
        Options.DEFAULT.withForce(force), false);
  }

  private static RunReport of(Path traceFile, Path linkMap, Set<String> transparent,
      Optional<String> expectedImageId, Optional<Rootfs> rootfs, Options options, boolean violationsOnly) {
    boolean force = options.force();
    if (!Files.exists(linkMap)) { // a pipe will do (--map <(...)): the map is read once
      throw new UkhookException(Kind.USAGE, "no link map at " + linkMap
          + ": build the image with `ukhook build`, which asks the linker for one");
    }
    LinkMap map = LinkMap.read(linkMap);
    Source source = new Source(traceFile, transparent, rootfs, options.rule(), violationsOnly);
    Attributor attributor = source.attributor(map);
    Analyzer analyzer = new Analyzer(attributor, options.rule(), options.sequences());
    DecodedTrace trace = TraceDecoder.readCalls(traceFile, analyzer);
    List<String> refusals = new ArrayList<>();
    TraceHeader h = trace.header();
    expectedImageId
        .filter(id -> !id.equals(h.imageId()))
        .ifPresent(id -> refusals.add("trace " + traceFile + " was made by image " + h.imageId()
            + ", but the run's image-id says " + id + ": the trace is not this run's"));
    // A map of another image says so most clearly by its id; a cut map by what it leaves uncovered, even when
    // the cut took the id with it.
    Optional<String> mapId = map.imageId();
    if (mapId.isPresent() && !mapId.get().equals(h.imageId())) {
      refusals.add("link map " + linkMap + " belongs to image " + mapId.get() + " but trace " + traceFile
          + " was made by image " + h.imageId() + ": calls would be charged to the wrong libraries; pass the"
          + " map of the same build (the run directory's link.map)");
    }
    map.coverageProblem(h).ifPresent(p -> refusals.add("link map " + linkMap + " " + p));
    if (mapId.isEmpty()) {
      refusals.add("link map " + linkMap + " names no ukhook image id (no ukhook_image_id_* symbol), so it cannot"
          + " be checked against image " + h.imageId() + " of trace " + traceFile + "; pass the map of the"
          + " run's own build");
    }
    if (!refusals.isEmpty() && !force) {
      throw new UkhookException(Kind.FAILURE, refusals.get(0) + "; `ukhook report --force` attributes anyway");
    }
    Analysis analysis = analyzer.analysis(options.rule(), h, trace.stats(), trace.problems(), options.phaseNames());
    SyscallTable table = analysis.table();
    List<String> warnings = new ArrayList<>(refusals.stream().map(r -> "warning: " + r).toList());
    silentNativeHook(h, map, table).ifPresent(warnings::add);
    if (!trace.loads().isEmpty() && rootfs.isEmpty()) {
      warnings.add("warning: the image ran " + trace.loads().size() + " Linux program(s) (" + trace.loads().stream()
          .map(l -> l.execfn()).collect(java.util.stream.Collectors.joining(", ")) + "), but no rootfs was given: "
          + "their calls are unattributed; pass --rootfs DIR (the files the initrd was made of)");
    }
    attributor.programProblems().forEach(p -> warnings.add("warning: " + p));
    return new RunReport(trace, map, analysis, warnings, source);
  }

  /**
   * A libc that makes native system calls is in the image and the native hook point is compiled in, yet it never
   * fired: its calls went unrecorded (the binary hook point staying silent is normal for a musl program).
   */
  static Optional<String> silentNativeHook(TraceHeader h, LinkMap map, SyscallTable table) {
    boolean nativeSeen = table.libraries().stream().flatMap(l -> l.syscalls().stream())
        .anyMatch(c -> c.paths().keySet().stream().anyMatch(p -> p.startsWith("native")));
    Optional<String> libc = map.libraries().stream().filter(l -> l.equals("libmusl") || l.equals("libnewlibc"))
        .findFirst();
    if ((h.hookPoints() & TraceLayout.HOOK_NATIVE) == 0 || nativeSeen || libc.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of("warning: the native hook point never fired although " + libc.get() + " is in the image, "
        + "so its system calls were not recorded: the image's objects may predate `ukhook instrument` or the tree "
        + "was restored before the build; run `ukhook instrument` and `ukhook build` again");
  }

  /** Reports on a run directory; its phases are named as {@code options} names them (a policy's, else phase0...). */
  public static RunReport ofRunDir(Path runDir, Set<String> transparent, Options options) {
    requireRunDir(runDir);
    Optional<Path> files = options.rootfs().or(() -> Optional.of(runJson(runDir, "rootfs"))
        .filter(JsonNode::isTextual).map(v -> Path.of(v.asText())));
    return of(runDir.resolve(TRACE), runDir.resolve(LINK_MAP), transparent, runImageId(runDir),
        files.map(RunReport::rootfs), new Options(options.force(), files, options.rule(), options.phaseNames(),
            options.sequences()), FILTER_ONLY.equals(runJson(runDir, "hooks").asText()));
  }

  /** Reports on a trace and the link map of its image, not in a run directory. */
  public static RunReport of(Path traceFile, Path linkMap, Set<String> transparent, Options options) {
    return of(traceFile, linkMap, transparent, Optional.empty(), options.rootfs().map(RunReport::rootfs), options,
        false);
  }

  /** The policy a filtering image was built with, as the run directory keeps it. */
  public static final String POLICY = "policy.yaml";

  /**
   * The rootfs at {@code path}: a directory, or a cpio archive (the initrd itself), whose files are taken out
   * into a temporary directory that goes when ukhook exits.
   */
  public static Rootfs rootfs(Path path) {
    if (Files.isDirectory(path)) {
      return new Rootfs(path.toAbsolutePath());
    }
    if (!Files.isRegularFile(path)) {
      throw new UkhookException(Kind.USAGE, "rootfs " + path + " does not exist: pass the directory the initrd "
          + "was made of, or the initrd (a cpio archive)");
    }
    Path dir = TextFiles.createTempDirectory("ukhook-rootfs-");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> TextFiles.deleteTree(dir)));
    for (CpioArchive.Entry e : CpioArchive.read(path).entries()) {
      Path to = dir.resolve(e.path()).normalize();
      if (!to.startsWith(dir)) {
        continue; // a name that climbs out of the archive: nothing of ours
      }
      try {
        if (e.isDirectory()) {
          Files.createDirectories(to);
        } else if (e.isSymlink()) {
          Files.createDirectories(to.getParent());
          Files.createSymbolicLink(to, Path.of(new String(e.bytes(), java.nio.charset.StandardCharsets.UTF_8)));
        } else if (e.isFile()) {
          Files.createDirectories(to.getParent());
          Files.write(to, e.bytes());
        }
      } catch (IOException x) {
        throw new UkhookException(Kind.FAILURE, "cannot unpack " + e.path() + " of " + path + " into " + dir + ": "
            + x.getMessage(), x);
      }
    }
    return new Rootfs(dir);
  }

  /** The value of {@code key} in the run's run.json; missing when the file or the key is. */
  public static JsonNode runJson(Path runDir, String key) {
    Path file = runDir.resolve(RUN_JSON);
    if (!Files.exists(file)) {
      return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
    return JsonFiles.readTree(file, RUN_JSON, Kind.FAILURE, "`ukhook trace` wrote it whole, so it was changed "
        + "since: fix it by hand, or trace the app again").path(key);
  }

  private static void requireRunDir(Path runDir) {
    if (!Files.isDirectory(runDir)) {
      throw new UkhookException(Kind.USAGE, runDir + " is not a run directory; pass APP/.ukhook/runs/<time>, or"
          + " --trace FILE --map FILE");
    }
  }

  /** The run's image id from its image-id file, if there is one. */
  static Optional<String> runImageId(Path runDir) {
    Path file = runDir.resolve(IMAGE_ID);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    return Optional.of(TextFiles.readSmall(file, IMAGE_ID).strip().toLowerCase(Locale.ROOT));
  }

  /** The libraries the run looked through (its run.json), if it says. */
  public static Optional<Set<String>> runTransparent(Path runDir) {
    requireRunDir(runDir);
    JsonNode t = runJson(runDir, "transparent");
    if (!t.isArray()) {
      return Optional.empty();
    }
    Set<String> libs = new LinkedHashSet<>();
    t.forEach(n -> libs.add(n.asText()));
    return Optional.of(libs);
  }

  /**
   * What makes the counts untrustworthy, one line each; any means the report failed (exit 1). A trace without a
   * single system call is one of them: an empty table must never pass for a quiet program.
   */
  public List<String> problems() {
    if (syscallRecords() > 0 || source.violationsOnly() || !table().problems().isEmpty()) {
      return table().problems();
    }
    return List.of("no system call was recorded although the guest sent a trace"
        + (trace.received() > 0 ? " (only " + trace.received() + " load or filter event record"
            + (trace.received() == 1 ? ")" : "s)") : "")
        + ": if the program makes system calls, the image was built without the hooks (the tree restored, or"
        + " objects older than `ukhook instrument`); run `ukhook instrument` and `ukhook build` again");
  }

  /**
   * The distinct syscall records of the trace: what it received less the load and filter event records, which
   * share the sequence numbers (a program calling {@code ukhook_phase()} sends events even without hooks).
   */
  public long syscallRecords() {
    return trace.received() - trace.loads().size() - trace.events().size();
  }

  /** run.json's "hooks" of a filter-only image (Runner writes the hook mode's name in lower case). */
  private static final String FILTER_ONLY = "filter_only";

  /** The self-contained HTML report a run directory gets. */
  public static final String HTML = "report.html";

  /** Writes table.txt, results.json and the HTML report into {@code dir}. */
  public void write(Path dir) {
    TextFiles.write(dir.resolve("table.txt"), table().toText());
    TextFiles.write(dir.resolve("results.json"), table().toJson());
    ReportOutput.toFile(dir.resolve(HTML), out -> HtmlReport.write(ReportJson.of(this), out));
  }
}
