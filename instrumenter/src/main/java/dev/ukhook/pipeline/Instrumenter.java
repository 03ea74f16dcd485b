package dev.ukhook.pipeline;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.guest.HookLibrary;
import dev.ukhook.guest.HookLibrarySpec;
import dev.ukhook.guest.HookKconfig;
import dev.ukhook.unikraft.Kconfig;
import dev.ukhook.unikraft.PatchPlan;
import dev.ukhook.unikraft.Profile;
import dev.ukhook.unikraft.Profiles;
import dev.ukhook.unikraft.RestoreResult;
import dev.ukhook.unikraft.TreePatcher;
import dev.ukhook.unikraft.UnikraftTree;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * `ukhook instrument`: renders the hook microlibrary, resolves the Kconfig configuration and patches
 * the binary syscall handler. Everything is checked and prepared in a staging directory first; the
 * workspace and the Unikraft tree are written only once nothing can fail any more.
 */
public final class Instrumenter {
  public record Options(Path unikraft, Path app, List<Path> libraries, List<String> transparent, boolean tcg,
      String accel, int frames, int ringRecords, int batchRecords, HookLibrarySpec.Overflow overflow) {}

  public record Result(UnikraftTree tree, Profile spec, Path handler, boolean treeChanged, InstrumentState state) {}

  private Instrumenter() {}

  public static Result instrument(Options o, PrintWriter log) {
    UnikraftTree tree = UnikraftTree.open(o.unikraft());
    Profile spec = Profiles.forVersion(tree.version());
    AppSpec app = AppSpec.load(o.app(), o.libraries());
    Workspace ws = Workspace.of(app);
    PatchPlan plan = TreePatcher.plan(tree, spec, spec.hookPoints().keySet());
    Path handler = tree.root().resolve(spec.hookPoint("binary").file());

    InstrumentState previous = InstrumentState.readIfPresent(ws).orElse(null);
    // Re-instrumenting the same tree with the same hook options keeps the image's identity.
    boolean same = previous != null && previous.unikraft().equals(tree.root().toString())
        && previous.version().equals(tree.version().toString()) && previous.frames() == o.frames()
        && previous.ringRecords() == o.ringRecords() && previous.batchRecords() == o.batchRecords()
        && previous.overflow().equalsIgnoreCase(o.overflow().name());
    String imageId = same ? previous.imageId() : newImageId();
    HookLibrarySpec libSpec = new HookLibrarySpec(o.frames(), o.ringRecords(), o.batchRecords(), o.overflow(), imageId);
    Map<String, String> libFiles = HookLibrary.render(libSpec);
    Map<String, String> hookPointKconfig = spec.kconfig(spec.hookPoints().keySet());
    Map<String, String> required = HookKconfig.required(hookPointKconfig, o.tcg());
    String userConfig = userConfig(app);
    String fragment = Kconfig.override(userConfig, HookKconfig.defconfig(hookPointKconfig, o.tcg()),
        "ukhook: options the hooks need");

    Path staging = createTempDirectory();
    try {
      Path stagedLib = staging.resolve("libukhook");
      writeFiles(stagedLib, libFiles);
      write(staging.resolve("defconfig"), fragment);
      log.println("ukhook: resolving the Kconfig configuration (make defconfig)...");
      log.flush();
      defconfig(tree.root(), app.dir(), libraryPath(app, stagedLib), staging);
      String resolved = read(staging.resolve("config"));
      Map<String, String> values = Kconfig.parse(resolved);
      checkResolved(values, required, o.tcg());

      // Nothing can fail from here on, apart from the disk itself.
      writeFiles(ws.library(), libFiles);
      writeIfChanged(ws.defconfig(), fragment);
      writeIfChanged(ws.config(), resolved);
      List<String> transparent = new ArrayList<>(defaultTransparent(values));
      transparent.addAll(app.transparent());
      transparent.addAll(o.transparent());
      InstrumentState state = new InstrumentState(tree.root().toString(), tree.version().toString(), spec.name(),
          imageId, o.accel(), o.frames(), o.ringRecords(), o.batchRecords(),
          o.overflow().name().toLowerCase(Locale.ROOT), libraryPath(app, ws.library()),
          transparent.stream().distinct().toList());
      state.write(ws);
      boolean changed = !plan.changed().isEmpty();
      TreePatcher.apply(plan);
      return new Result(tree, spec, handler, changed, state);
    } finally {
      deleteTree(staging);
    }
  }

  /** Unikraft's libcs: Kconfig symbol to microlibrary name. */
  public static final List<Map.Entry<String, String>> LIBCS = List.of(Map.entry("CONFIG_LIBMUSL", "libmusl"),
      Map.entry("CONFIG_LIBNEWLIBC", "libnewlibc"), Map.entry("CONFIG_LIBNOLIBC", "libnolibc"));
  public static final String SYSCALL_SHIM = "libsyscall_shim";

  /** The libraries attribution looks through by default: the libc in use and syscall_shim. */
  static List<String> defaultTransparent(Map<String, String> config) {
    List<String> t = new ArrayList<>();
    LIBCS.stream().filter(libc -> "y".equals(config.get(libc.getKey()))).forEach(libc -> t.add(libc.getValue()));
    t.add(SYSCALL_SHIM);
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
        return read(p);
      }
    }
    return "";
  }

  private static void defconfig(Path uk, Path app, List<String> libs, Path staging) {
    Path logFile = staging.resolve("defconfig.log");
    List<String> cmd = List.of("make", "-C", uk.toString(), "A=" + app, "L=" + String.join(":", libs),
        "O=" + staging.resolve("build"), "C=" + staging.resolve("config"),
        "UK_DEFCONFIG=" + staging.resolve("defconfig"), "defconfig");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
      int rc = p.waitFor();
      if (rc != 0 || !Files.isRegularFile(staging.resolve("config"))) {
        List<String> lines = Files.readAllLines(logFile);
        String tail = String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        throw new UkhookException(Kind.FAILURE, "`make defconfig` failed in " + uk + " (exit " + rc
            + "); nothing was changed. Its last lines:\n  " + tail);
      }
    } catch (IOException e) {
      throw new UkhookException(Kind.ENVIRONMENT, "cannot run make (" + e.getMessage()
          + "): install make, gcc, flex and bison (Debian: apt-get install make gcc flex bison)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UkhookException(Kind.FAILURE, "interrupted while resolving the configuration; nothing was changed");
    }
  }

  /** `ukhook restore`: returns every patched file to its original bytes, or refuses and changes nothing. */
  public static RestoreResult restore(Path unikraft, boolean force) {
    return TreePatcher.restore(UnikraftTree.open(unikraft), force);
  }

  static String newImageId() {
    byte[] id = new byte[16];
    new SecureRandom().nextBytes(id);
    return HexFormat.of().formatHex(id);
  }

  private static void writeFiles(Path dir, Map<String, String> files) {
    files.forEach((name, content) -> writeIfChanged(dir.resolve(name), content));
  }

  /** Unchanged files keep their timestamps, so make does not rebuild what did not change. */
  private static void writeIfChanged(Path p, String content) {
    if (Files.isRegularFile(p) && read(p).equals(content)) {
      return;
    }
    write(p, content);
  }

  static void write(Path p, String content) {
    try {
      Files.createDirectories(p.getParent());
      Files.writeString(p, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path createTempDirectory() {
    try {
      return Files.createTempDirectory("ukhook-instrument-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // Best effort: a leftover staging directory in /tmp harms nothing.
    }
  }
}
