package dev.ukhook.pipeline;

import dev.ukhook.attribution.LoadedPrograms;
import dev.ukhook.core.TextFiles;
import dev.ukhook.core.Tools;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.guest.HookKconfig;
import dev.ukhook.guest.HookLibrary;
import dev.ukhook.guest.HookLibrarySpec;
import dev.ukhook.host.Accel;
import dev.ukhook.host.AccelChoice;
import dev.ukhook.policy.ImagePolicy;
import dev.ukhook.policy.PolicyFile;
import dev.ukhook.unikraft.BuildResult;
import dev.ukhook.unikraft.Kconfig;
import dev.ukhook.unikraft.MakePaths;
import dev.ukhook.unikraft.PatchPlan;
import dev.ukhook.unikraft.Profile;
import dev.ukhook.unikraft.Profiles;
import dev.ukhook.unikraft.RestoreResult;
import dev.ukhook.unikraft.TreeLock;
import dev.ukhook.unikraft.TreePatcher;
import dev.ukhook.unikraft.UnikraftTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * `ukhook instrument`: renders the hook microlibrary, resolves the Kconfig configuration and patches
 * the binary syscall handler. Everything is checked and prepared in a staging directory first; the
 * workspace and the Unikraft tree are written only once nothing can fail any more.
 */
public final class Instrumenter {
  /**
   * @param pathCopy bytes of path argument copied per record, null for the default (see {@link #tails})
   * @param stackSnapshot bytes of a binary caller's stack kept per record, null for the default
   * @param policy the policy the image enforces (docs/policy.md), null for an image that only records
   * @param noTrace a filter-only image: it records violations and filter events only
   * @param args whether every record keeps the call's six arguments (an app-elfloader image's always do)
   * @param fixes the profile's fixes of Unikraft to carry, by name; null for those the image's configuration calls
   *     for (see {@link #fixes})
   */
  public record Options(Path unikraft, Path app, List<Path> libraries, List<String> transparent, AccelChoice accel,
      Integer frames, int ringRecords, int batchRecords, TraceHeader.Overflow overflow, List<String> hookPoints,
      Integer pathCopy, Integer stackSnapshot, Path policy, boolean noTrace, Counting counting, boolean args,
      List<String> fixes) {
    /**
     * A counting image's options ({@code --mode count}).
     *
     * @param latency whether each call is timed for its cell's latency histogram
     * @param snapshotMs how often the guest sends its counters
     */
    public record Counting(boolean latency, int snapshotMs) {
      public Counting {
        if (snapshotMs < 100 || snapshotMs > 3_600_000) {
          throw new UkhookException(Kind.USAGE, "--snapshot-every must be between 100 and 3600000 milliseconds, got "
              + snapshotMs);
        }
      }
    }

    /** An image that records every call, or enforces a policy. */
    public Options(Path unikraft, Path app, List<Path> libraries, List<String> transparent, AccelChoice accel,
        Integer frames, int ringRecords, int batchRecords, TraceHeader.Overflow overflow, List<String> hookPoints,
        Integer pathCopy, Integer stackSnapshot, Path policy, boolean noTrace) {
      this(unikraft, app, libraries, transparent, accel, frames, ringRecords, batchRecords, overflow, hookPoints,
          pathCopy, stackSnapshot, policy, noTrace, null, false, null);
    }

    /** An image that only records. */
    public Options(Path unikraft, Path app, List<Path> libraries, List<String> transparent, AccelChoice accel,
        Integer frames, int ringRecords, int batchRecords, TraceHeader.Overflow overflow, List<String> hookPoints,
        Integer pathCopy, Integer stackSnapshot) {
      this(unikraft, app, libraries, transparent, accel, frames, ringRecords, batchRecords, overflow, hookPoints,
          pathCopy, stackSnapshot, null, false);
    }

    /** The default record tails. */
    public Options(Path unikraft, Path app, List<Path> libraries, List<String> transparent, AccelChoice accel,
        Integer frames, int ringRecords, int batchRecords, TraceHeader.Overflow overflow, List<String> hookPoints) {
      this(unikraft, app, libraries, transparent, accel, frames, ringRecords, batchRecords, overflow, hookPoints,
          null, null);
    }

    /** Every hook point of the tree's profile. */
    public Options(Path unikraft, Path app, List<Path> libraries, List<String> transparent, AccelChoice accel,
        Integer frames, int ringRecords, int batchRecords, TraceHeader.Overflow overflow) {
      this(unikraft, app, libraries, transparent, accel, frames, ringRecords, batchRecords, overflow, List.of());
    }

    public Options {
      if (noTrace && counting != null) {
        throw new UkhookException(Kind.USAGE, "--no-trace makes an image that records only violations and "
            + "--mode count one that counts every call: choose one");
      }
      if (noTrace && policy == null) {
        throw new UkhookException(Kind.USAGE, "--no-trace makes an image that only enforces a policy: give it one "
            + "with --policy FILE");
      }
      if (policy != null) {
        policy = policy.toAbsolutePath().normalize();
        if (!Files.isRegularFile(policy)) {
          throw new UkhookException(Kind.USAGE, "the policy " + policy + " (--policy) does not exist; write one, or "
              + "infer it from a traced run with `ukhook policy infer RUN_DIR -o FILE`");
        }
        // Its form now, before the tree is touched; its library names once the image is built.
        PolicyFile.read(policy, Set.of());
      }
      hookPoints = List.copyOf(hookPoints);
      fixes = fixes == null ? null : List.copyOf(fixes);
      libraries = List.copyOf(libraries);
      transparent = List.copyOf(transparent);
    }

    HookLibrarySpec.Mode mode() {
      if (counting != null) {
        return policy == null ? HookLibrarySpec.Mode.COUNT : HookLibrarySpec.Mode.COUNT_AND_FILTER;
      }
      return policy == null ? HookLibrarySpec.Mode.TRACE
          : noTrace ? HookLibrarySpec.Mode.FILTER_ONLY : HookLibrarySpec.Mode.TRACE_AND_FILTER;
    }

    boolean tcg() {
      return accel.accel() == Accel.TCG;
    }
  }

  /**
   * @param previousTree the tree this app was instrumented against before, when that was another one
   */
  public record Result(AppSpec app, UnikraftTree tree, Profile profile, List<Path> patched, boolean treeChanged,
      InstrumentState state, Optional<Path> previousTree) {}

  /** Unikraft's libcs: Kconfig symbol to microlibrary name. */
  public static final List<Map.Entry<String, String>> LIBCS = List.of(Map.entry("CONFIG_LIBMUSL", "libmusl"),
      Map.entry("CONFIG_LIBNEWLIBC", "libnewlibc"), Map.entry("CONFIG_LIBNOLIBC", "libnolibc"));
  public static final String SYSCALL_SHIM = "libsyscall_shim";

  private final Make make;
  private final Output out;

  public Instrumenter(Make make, Output out) {
    this.make = make;
    this.out = out;
  }

  /** The programs instrumenting runs (`make defconfig`). */
  List<String> tools() {
    return make.tools();
  }

  public Result instrument(Options o) {
    // Every check that needs no lock and changes nothing comes first.
    UnikraftTree tree = UnikraftTree.open(o.unikraft());
    Profile profile = Profiles.forVersion(tree.version());
    Set<String> hookPoints = hookPoints(profile, o.hookPoints());
    // The walk depth can depend on the resolved configuration; until then any valid one renders the library.
    HookLibrarySpec staged = new HookLibrarySpec(o.frames() != null ? o.frames() : 0,
        o.ringRecords(), o.batchRecords(), o.overflow(), newImageId(), hookPoints,
        o.pathCopy() != null ? o.pathCopy() : 0, o.stackSnapshot() != null ? o.stackSnapshot() : 0);
    AppSpec app = AppSpec.load(o.app(), o.libraries());
    requireMakeCanUse(tree.root(), app.dir(), app.libraries().stream().map(Path::toString).toList());
    Workspace ws = Workspace.of(app);
    fixes(profile, o.fixes(), Map.of()); // names checked before anything runs
    Set<String> withEveryFix = new LinkedHashSet<>(hookPoints);
    withEveryFix.addAll(profile.names(true));
    for (Path file : TreePatcher.plan(tree, profile, withEveryFix).changed()) {
      TreePatcher.requireReplaceable(file);
      TextFiles.checkReplaceable(file, "; ukhook patches this file, so the Unikraft tree must be writable; "
          + "nothing was changed");
    }
    Tools.require(make.tools());
    Map<String, String> hookPointKconfig = profile.kconfig(hookPoints);
    Map<String, String> required = HookKconfig.required(hookPointKconfig, o.tcg());
    String fragment = Kconfig.override(userConfig(app), HookKconfig.defconfig(hookPointKconfig, o.tcg()),
        "ukhook: options the hooks need");

    try (WorkspaceLock lock = WorkspaceLock.exclusive(ws);
        TreeLock treeLock = TreeLock.exclusive(tree, "ukhook instrument")) {
      InstrumentState previous = InstrumentState.readIfPresent(ws).orElse(null);
      Path staging = TextFiles.createTempDirectory("ukhook-instrument-");
      String resolved;
      try {
        Path stagedLib = staging.resolve("libukhook");
        HookLibrary.render(staged).forEach((name, content) -> TextFiles.write(stagedLib.resolve(name), content));
        TextFiles.write(staging.resolve("defconfig"), fragment);
        out.line("resolving the Kconfig configuration (make defconfig)...");
        resolved = defconfig(tree.root(), app.dir(), libraryPath(app, stagedLib), staging);
      } finally {
        TextFiles.deleteTree(staging);
      }
      Map<String, String> values = Kconfig.parse(resolved);
      checkResolved(values, required, o.tcg());
      List<String> fixes = fixes(profile, o.fixes(), values);
      Set<String> patchedPoints = new LinkedHashSet<>(hookPoints);
      patchedPoints.addAll(fixes);
      PatchPlan plan = TreePatcher.plan(tree, profile, patchedPoints);
      boolean loader = HookLibrarySpec.loadsPrograms(values);
      int walk = HookLibrarySpec.defaultWalk(values);
      // A loaded program is outside the library table: the host attributes its calls by the whole walk.
      int frames = o.frames() != null ? o.frames() : loader ? walk : 0;
      boolean args = o.args() || loader;
      if (loader && o.counting() != null) {
        throw new UkhookException(Kind.USAGE, "--mode count charges calls in the guest by the image's library table, "
            + "and the programs app-elfloader loads are not in it: trace this image (without --mode count), whose "
            + "records keep the stack snapshots the host attributes them by");
      }
      int pathCopy = o.pathCopy() != null ? o.pathCopy() : loader ? HookLibrarySpec.DEFAULT_LOADER_PATH_COPY : 0;
      int stack = o.stackSnapshot() != null ? o.stackSnapshot() : loader ? HookLibrarySpec.DEFAULT_LOADER_STACK : 0;
      // Re-instrumenting the same tree with the same hook options keeps the image's identity.
      boolean same = previous != null && previous.unikraft().equals(tree.root().toString())
          && previous.version().equals(tree.version().toString()) && previous.frames() == frames
          && previous.ringRecords() == o.ringRecords() && previous.batchRecords() == o.batchRecords()
          && previous.overflow().equalsIgnoreCase(o.overflow().name())
          && Set.copyOf(previous.hookPoints()).equals(hookPoints)
          && previous.pathCopy() == pathCopy && previous.stackSnapshot() == stack
          && previous.hookMode() == o.mode() && Objects.equals(previous.counting(), o.counting())
          && previous.args() == args && previous.fixes().equals(fixes);
      Options.Counting counting = o.counting() == null
          ? new Options.Counting(true, HookLibrarySpec.DEFAULT_SNAPSHOT_MS) : o.counting();
      HookLibrarySpec libSpec = new HookLibrarySpec(frames, o.ringRecords(), o.batchRecords(), o.overflow(),
          same ? previous.imageId() : staged.imageId(), hookPoints, pathCopy, stack, o.mode(), counting.latency(),
          counting.snapshotMs(), Math.max(frames, walk), args);
      if (loader && libSpec.recordSize() < TraceLayout.LOAD_MIN_SIZE) {
        throw new UkhookException(Kind.USAGE, "an app-elfloader image's records must hold a program's load (at least "
            + TraceLayout.LOAD_MIN_SIZE + " bytes), and these are " + libSpec.recordSize() + ": keep more --frames, "
            + "--path-copy or --stack-snapshot");
      }
      Map<String, String> libFiles = HookLibrary.render(libSpec);

      // The tree first: applying the plan writes every file or none (and refuses a file changed since it was
      // planned), so a failure leaves tree and workspace as they were. The workspace can fail only on the disk.
      List<String> transparent = new ArrayList<>(defaultTransparent(values));
      transparent.addAll(app.transparent());
      transparent.addAll(o.transparent());
      boolean sameLibraries = previous != null && previous.libraries().equals(libraryPath(app, ws.library()))
          && Files.isRegularFile(ws.config()) && TextFiles.read(ws.config()).equals(resolved);
      if (o.policy() != null && sameLibraries) {
        // Its library names and size against the image built last, whose libraries the next build keeps: a
        // policy that build would refuse must not be recorded (the next run would name it, the old in force).
        ImagePolicy.checkAgainstBuilt(ws.build(), ws.linkMap(), o.policy(), new LinkedHashSet<>(transparent));
      }
      TreePatcher.apply(plan);
      libFiles.forEach((name, content) -> TextFiles.writeIfChanged(ws.library().resolve(name), content));
      TextFiles.writeIfChanged(ws.defconfig(), fragment);
      TextFiles.writeIfChanged(ws.config(), resolved);
      InstrumentState state = new InstrumentState(tree.root().toString(), tree.version().toString(), profile.name(),
          libSpec.imageId(), o.accel().accel().qemuName(), frames, o.ringRecords(), o.batchRecords(),
          o.overflow().name().toLowerCase(Locale.ROOT), libraryPath(app, ws.library()),
          transparent.stream().distinct().toList(), List.copyOf(new TreeSet<>(hookPoints)), pathCopy, stack,
          o.mode().name().toLowerCase(Locale.ROOT), o.policy() == null ? null : o.policy().toString(),
          o.counting(), args, fixes);
      state.write(ws);
      Optional<Path> previousTree = previous == null || previous.unikraft().equals(state.unikraft())
          ? Optional.empty() : Optional.of(previous.unikraftRoot());
      Result r = new Result(app, tree, profile, plan.changed(), !plan.changed().isEmpty(), state, previousTree);
      report(r, o.accel());
      out.line("note: records keep " + (frames == 0 ? "no walk, only the return address that decided the guest's "
          + "charge" : "a walk of " + frames + " return addresses") + (args ? " and the arguments" : ", no arguments")
          + "; the charge reads up to " + Math.max(frames, walk) + " (--frames N and --args choose)");
      if (pathCopy > 0 || stack > 0) {
        out.line("note: every record keeps " + pathCopy + " bytes of path argument and " + stack + " bytes of the "
            + "binary caller's stack" + (loader && o.stackSnapshot() == null ? " (the defaults of an app-elfloader "
            + "image: programs without frame pointers are unwound on the host)" : "")
            + "; --path-copy and --stack-snapshot choose");
      }
      return r;
    }
  }

  private void report(Result r, AccelChoice accel) {
    if (accel.accel() == Accel.TCG) {
      out.line("note: CONFIG_LIBUKRANDOM is off for this build: " + accel.reason() + ", and under TCG "
          + "there is no RDSEED, so Unikraft's HWRNG init would stop the boot (use --accel kvm where KVM works)");
    }
    out.line("Unikraft " + r.tree().version() + " at " + r.tree().root() + " (profile " + r.profile().name()
        + ", hook points " + String.join(", ", r.state().hookPoints()) + "; fixes "
        + (r.state().fixes().isEmpty() ? "none" : String.join(", ", r.state().fixes())) + "): "
        + (r.treeChanged() ? "patched " + r.patched().stream().map(Path::toString).collect(Collectors.joining(", "))
            : "already patched, unchanged"));
    List<String> libs = r.state().libraries();
    out.line("hook library " + libs.get(libs.size() - 1) + ", image id " + r.state().imageId()
        + ", transparent for attribution: " + String.join(", ", r.state().transparent()));
    r.previousTree().filter(Instrumenter::stillPatched).ifPresent(old -> out.line("note: " + r.app().dir()
        + " was instrumented against " + old + " before, and that tree is still patched; if no other app "
        + "needs it there, take the patch out with `ukhook restore --unikraft " + old + "`"));
  }

  /** The hook points to patch: the ones asked for, all of the profile's when none are. */
  static Set<String> hookPoints(Profile profile, List<String> asked) {
    List<String> known = profile.names(false);
    if (asked.isEmpty()) {
      return new LinkedHashSet<>(known);
    }
    for (String h : asked) {
      if (!known.contains(h)) {
        throw new UkhookException(Kind.USAGE, "--hook-points: Unikraft " + profile.name() + " has no hook point `" + h
            + "`; its hook points are " + String.join(", ", known)
            + (profile.names(true).contains(h) ? " (`" + h + "` is a fix: --fixes chooses it)" : ""));
      }
    }
    return new LinkedHashSet<>(asked);
  }

  /**
   * The fixes of Unikraft to patch: the ones asked for (none for an empty list), or, when none were asked for
   * (null), each fix whose Kconfig option the image's configuration {@code values} turns on.
   */
  static List<String> fixes(Profile profile, List<String> asked, Map<String, String> values) {
    List<String> known = profile.names(true);
    if (asked == null) {
      return known.stream().filter(f -> "y".equals(values.get(profile.hookPoint(f).fixFor()))).toList();
    }
    for (String f : asked) {
      if (!known.contains(f)) {
        throw new UkhookException(Kind.USAGE, "--fixes: Unikraft " + profile.name() + " has no fix `" + f + "`; its "
            + "fixes are " + (known.isEmpty() ? "none" : String.join(", ", known)) + " (or `--fixes none`)");
      }
    }
    return known.stream().filter(asked::contains).toList();
  }

  /** Whether {@code root} is a Unikraft tree that carries ukhook's blocks; false if it cannot tell. */
  private static boolean stillPatched(Path root) {
    try {
      UnikraftTree t = UnikraftTree.open(root);
      return !TreePatcher.patchedHookPoints(t, Profiles.forVersion(t.version())).isEmpty();
    } catch (UkhookException gone) {
      return false;
    }
  }

  /** `make defconfig` in the staging directory: the full configuration the fragment resolves to. */
  private String defconfig(Path uk, Path app, List<String> libs, Path staging) {
    Path config = staging.resolve("config");
    BuildResult result = make.run(List.of("-C", uk.toString(), "A=" + app, "L=" + String.join(":", libs),
        "O=" + staging.resolve("build"), "C=" + config, "UK_DEFCONFIG=" + staging.resolve("defconfig"),
        "defconfig"), staging.resolve("defconfig.log"), false);
    if (!result.ok() || !Files.isRegularFile(config)) {
      List<String> lines = Files.isRegularFile(result.logFile())
          ? TextFiles.read(result.logFile()).lines().toList() : List.of();
      String tail = String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
      throw new UkhookException(Kind.FAILURE, "`make defconfig` failed in " + uk + " (exit " + result.exitCode()
          + "); nothing was changed. Its last lines:\n  " + tail);
    }
    return TextFiles.read(config);
  }

  /** The libraries attribution looks through by default: the libc in use and syscall_shim. */
  static List<String> defaultTransparent(Map<String, String> config) {
    List<String> t = new ArrayList<>();
    LIBCS.stream().filter(libc -> "y".equals(config.get(libc.getKey()))).forEach(libc -> t.add(libc.getValue()));
    t.add(SYSCALL_SHIM);
    if (HookLibrarySpec.loadsPrograms(config)) {
      t.add(LoadedPrograms.GLIBC);
    }
    return t;
  }

  /** Unikraft's L=: the app's external microlibraries, then the hook library. */
  private static List<String> libraryPath(AppSpec app, Path hookLibrary) {
    List<String> libs = new ArrayList<>();
    app.libraries().forEach(l -> libs.add(l.toString()));
    libs.add(hookLibrary.toString());
    return libs;
  }

  private static void checkResolved(Map<String, String> values, Map<String, String> required, boolean tcg) {
    List<String> unmet = Kconfig.unmet(values, required);
    if (unmet.isEmpty()) {
      return;
    }
    if (tcg && "y".equals(values.get("CONFIG_LIBUKRANDOM"))) {
      String by = "y".equals(values.get("CONFIG_LIBUKSP")) ? " (CONFIG_LIBUKSP selects it)" : "";
      throw new UkhookException(Kind.FAILURE, "CONFIG_LIBUKRANDOM stays enabled" + by
          + ", but under QEMU TCG it stops the boot (no RDSEED: \"Could not initialize the HWRNG (-95)\"): "
          + "disable CONFIG_LIBUKSP in the app's configuration, or use --accel kvm on a machine where KVM works");
    }
    throw new UkhookException(Kind.FAILURE, "the Kconfig configuration cannot have what the hooks need: "
        + String.join(", ", unmet) + "; check the app's .config/defconfig for conflicting options");
  }

  /** The user's configuration: the app's .config if there is one, else its defconfig, else nothing. */
  static String userConfig(AppSpec app) {
    for (String name : List.of(".config", "defconfig")) {
      Path p = app.dir().resolve(name);
      if (Files.isRegularFile(p)) {
        return TextFiles.read(p);
      }
    }
    return "";
  }

  /** `ukhook restore`: returns every patched file to its original bytes, or refuses and changes nothing. */
  public static RestoreResult restore(Path unikraft, boolean force) {
    UnikraftTree tree = UnikraftTree.open(unikraft);
    try (TreeLock lock = TreeLock.exclusive(tree, "ukhook restore")) {
      return TreePatcher.restore(tree, force);
    }
  }

  static String newImageId() {
    byte[] id = new byte[16];
    new SecureRandom().nextBytes(id);
    return HexFormat.of().formatHex(id);
  }

  /** Unikraft's make splits paths at spaces and L= at ':': refuse such paths before anything changes. */
  static void requireMakeCanUse(Path tree, Path app, List<String> libraries) {
    MakePaths.requireUsable(tree, "the Unikraft tree");
    MakePaths.requireUsable(app, "the application directory");
    libraries.forEach(l -> MakePaths.requireUsable(Path.of(l), "the microlibrary"));
  }
}
