package dev.ukhook.report;

import dev.ukhook.aggregate.Analysis;
import dev.ukhook.aggregate.Analyzer;
import dev.ukhook.aggregate.SyscallTable;
import dev.ukhook.attribution.Attributor;
import dev.ukhook.attribution.LinkMap;
import dev.ukhook.attribution.Rootfs;
import dev.ukhook.core.CpioArchive;
import dev.ukhook.core.Terminal;
import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.DecodedTrace;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.RunDir;
import dev.ukhook.format.RunJson;
import dev.ukhook.format.TraceDecoder;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.format.TraceStats;
import dev.ukhook.linux.LinuxRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Makes a {@link RunReport}: reads a trace with the link map of the image that made it, after checking that they
 * belong together: the map names the image id the trace header carries (and the run's {@code image-id} file, when
 * known), and its code ranges cover the image's text. A mismatch is refused with one line unless forced, when it
 * becomes a warning.
 */
public final class RunReader {
  private RunReader() {}

  /** Reports on a run directory; its phases are named as {@code options} names them (a policy's, else phase0...). */
  public static RunReport ofRunDir(Path runDir, Set<String> transparent, RunReport.Options options) {
    RunDir run = new RunDir(runDir).require();
    RunJson json = run.json();
    if (json.linux()) {
      return linux(runDir, json.imageId(), transparent, options);
    }
    Optional<Path> files = options.rootfs().or(() -> Optional.ofNullable(json.rootfs()).map(Path::of));
    return of(run.trace(), run.linkMap(), transparent, run.imageId(), files.map(RunReader::rootfs),
        options.withRootfs(files), json.hooks());
  }

  /** The clock of a Linux run's records: nanoseconds. */
  private static final long NS_HZ = 1_000_000_000L;

  /**
   * A Linux program's run ({@code ukhook linux}): its calls, charged to object files, analysed as a unikernel's; its
   * header says nanoseconds and {@code imageId} (the program's hash), and its final record is the log's end.
   */
  private static RunReport linux(Path runDir, String imageId, Set<String> transparent, RunReport.Options options) {
    LinuxRun run = LinuxRun.read(runDir, transparent);
    Analyzer analyzer = Analyzer.ofStraceLog(options.rule(), options.sequences());
    run.replay((c, a) -> analyzer.add(a, c));
    long n = run.size();
    TraceHeader header = TraceHeader.of(0, NS_HZ, imageId, 0, TraceHeader.Overflow.BLOCK);
    TraceStats stats = new TraceStats(n, 0, 0, 0, n, 0, Optional.of(new FinalRecord(n, 0, n, run.tEnd())));
    Path log = runDir.resolve(RunDir.STRACE_LOG);
    DecodedTrace trace = new DecodedTrace(header, List.of(), stats, Optional.empty(), 0, List.of(), List.of(),
        Optional.empty());
    Analysis analysis = analyzer.analysis(options.rule(), header, stats, run.problems(log), options.phaseNames());
    return new RunReport(trace, null, analysis, run.warnings(), new RunReport.Source(log, transparent,
        Optional.empty(), options.rule(), RunJson.STRACE, run));
  }

  /** Reports on a trace and the link map of its image, not in a run directory. */
  public static RunReport of(Path traceFile, Path linkMap, Set<String> transparent, RunReport.Options options) {
    return of(traceFile, linkMap, transparent, Optional.empty(), options.rootfs().map(RunReader::rootfs), options,
        null);
  }

  private static RunReport of(Path traceFile, Path linkMap, Set<String> transparent,
      Optional<String> expectedImageId, Optional<Rootfs> rootfs, RunReport.Options options, String hooks) {
    boolean force = options.force();
    if (!Files.exists(linkMap)) { // a pipe will do (--map <(...)): the map is read once
      throw new UkhookException(Kind.USAGE, "no link map at " + linkMap
          + ": build the image with `ukhook build`, which asks the linker for one");
    }
    LinkMap map = LinkMap.read(linkMap);
    RunReport.Source source = new RunReport.Source(traceFile, transparent, rootfs, options.rule(), hooks, null);
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
          .map(l -> Terminal.escape(l.execfn())).collect(Collectors.joining(", ")) + "), but no rootfs was given: "
          + "their calls are unattributed; pass --rootfs DIR (the files the initrd was made of)");
    }
    attributor.programProblems().forEach(p -> warnings.add("warning: " + p));
    return new RunReport(trace, map, analysis, warnings, source);
  }

  /**
   * A libc that makes native system calls is in the image and the native hook point is compiled in, yet it never
   * fired: its calls went unrecorded (the binary hook point staying silent is normal for a musl program). A counting
   * image does not count the hook points, so it says nothing here.
   */
  static Optional<String> silentNativeHook(TraceHeader h, LinkMap map, SyscallTable table) {
    boolean nativeSeen = table.counted() || table.libraries().stream().flatMap(l -> l.syscalls().stream())
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

  /**
   * The rootfs at {@code path}: a directory, or a cpio archive (the initrd itself), whose files are taken out
   * into a temporary directory that goes when ukhook exits.
   */
  public static Rootfs rootfs(Path path) {
    if (Files.isDirectory(path)) {
      return new Rootfs(path.toAbsolutePath());
    }
    if (!Files.isRegularFile(path)) {
      throw new UkhookException(Kind.USAGE, "rootfs " + path + (Files.exists(path) ? " is neither a directory nor a"
          + " file" : " does not exist") + ": pass the directory the initrd was made of, or the initrd (a cpio"
          + " archive)");
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
          Files.createSymbolicLink(to, Path.of(new String(e.bytes(), StandardCharsets.UTF_8)));
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
}
