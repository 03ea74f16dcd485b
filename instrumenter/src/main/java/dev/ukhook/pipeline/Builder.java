package dev.ukhook.pipeline;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.Tools;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.RunDir;
import dev.ukhook.policy.ImagePolicy;
import dev.ukhook.policy.PolicyCompiler;
import dev.ukhook.unikraft.BuildResult;
import dev.ukhook.unikraft.Profile;
import dev.ukhook.unikraft.Profiles;
import dev.ukhook.unikraft.TreeLock;
import dev.ukhook.unikraft.TreePatcher;
import dev.ukhook.unikraft.UnikraftTree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/** `ukhook build`: runs Unikraft's build for an instrumented app and asks the linker for a map. */
public final class Builder {
  /** Unikraft's image name for the KVM platform on x86_64: {@code <app>_qemu-x86_64}. */
  static final String IMAGE_SUFFIX = "_qemu-x86_64";
  static final String INPUTS = ".ukhook-inputs";
  /** The image id of the image in the build directory, written once the build succeeded. */
  static final String IMAGE_ID = "image-id";

  public record Outcome(Path image, Path debugImage, Path linkMap, String imageId, BuildResult result) {}

  /**
   * @param sources a directory of origin archives that answers Unikraft's downloads (docs/offline-sources.md);
   *     empty: the app's ukhook.json "sources", else Unikraft downloads as usual
   * @param makeVariables NAME=VALUE assignments passed to Unikraft's make
   */
  public record Options(Optional<Path> sources, List<String> makeVariables) {
    public static final Options DEFAULT = new Options(Optional.empty(), List.of());

    public Options {
      for (String v : makeVariables) {
        if (!v.matches("[A-Za-z_][A-Za-z0-9_]*=.*")) {
          throw new UkhookException(Kind.USAGE, "--make takes NAME=VALUE (a make variable), not '" + v + "'");
        }
      }
      makeVariables = List.copyOf(makeVariables);
    }
  }

  /** Origin archives Unikraft's fetch rule may have left in build/<lib>/: a clean build keeps them. */
  private static final String ARCHIVE = ".*\\.(tar\\.gz|tgz|tar\\.xz|txz|tar\\.bz2|tbz2|zip)";

  private final Make make;
  private final Output out;

  public Builder(Make make, Output out) {
    this.make = make;
    this.out = out;
  }

  public Outcome build(AppSpec app) {
    return build(app, Options.DEFAULT);
  }

  public Outcome build(AppSpec app, Options o) {
    Optional<Path> sources = o.sources().or(app::sources).map(Builder::requireSources);
    Tools.require(make.tools());
    Workspace ws = Workspace.of(app);
    InstrumentState.read(ws); // says to instrument first, before a lock creates anything
    try (WorkspaceLock lock = WorkspaceLock.exclusive(ws)) {
      InstrumentState st = InstrumentState.read(ws);
      UnikraftTree tree = UnikraftTree.open(st.unikraftRoot());
      Instrumenter.requireMakeCanUse(tree.root(), app.dir(), st.libraries());
      Profile profile = Profiles.forVersion(tree.version());
      try (TreeLock treeLock = TreeLock.shared(tree, "ukhook build")) {
        // The hook library was made for the hook points the tree had then; another app may have changed them.
        requirePatched(tree, profile, st, app, "");
        return build(app, o, ws, st, tree, profile, sources);
      }
    }
  }

  /** Fails unless the tree carries the blocks of the hook points {@code st} was instrumented for. */
  private static void requirePatched(UnikraftTree tree, Profile profile, InstrumentState st, AppSpec app,
      String after) {
    Set<String> patched = TreePatcher.patchedHookPoints(tree, profile);
    if (!patched.equals(new LinkedHashSet<>(st.patched()))) {
      throw new UkhookException(Kind.USAGE, tree.root() + " is" + after + " patched at hook points "
          + (patched.isEmpty() ? "none (restored?)" : String.join(", ", patched)) + ", but this app was instrumented "
          + "for " + (st.patched().isEmpty() ? "none recorded (by an older ukhook)" : String.join(", ",
          st.patched())) + " (another app instrumented the tree since?): run "
          + "`ukhook instrument --unikraft " + tree.root() + " --app " + app.dir() + "` before building");
    }
  }

  private Outcome build(AppSpec app, Options o, Workspace ws, InstrumentState st, UnikraftTree tree, Profile profile,
      Optional<Path> sources) {
    Path build = ws.build();
    String inputs = inputsDigest(ws, st);
    if (!inputs.equals(readOrEmpty(build.resolve(INPUTS)))) {
      // Unikraft does not rebuild objects when flags change (the hook library adds COMPFLAGS), so a
      // changed configuration or hook library means a clean build.
      cleanKeepingArchives(build);
    } else if (!Files.isRegularFile(ws.linkMap())) {
      // The final link only reruns when an input changed; without its map we need it to run again.
      findImage(build).ifPresent(img -> TextFiles.deleteQuietly(Path.of(img + ".dbg")));
    }
    TextFiles.createDirectories(build);
    List<String> args = new ArrayList<>(List.of("-C", tree.root().toString(), "A=" + app.dir(),
        "L=" + String.join(":", st.libraries()), "O=" + build, "C=" + ws.config(),
        "UK_LDFLAGS=-Wl,-Map=" + ws.linkMap(), "-j" + Runtime.getRuntime().availableProcessors()));
    sources.ifPresent(dir -> {
      // Unikraft's fetch rule runs `$(WGET) ... -O FILE URL`; a command-line WGET answers it from the directory.
      Path fetch = ws.root().resolve(OFFLINE_FETCH);
      TextFiles.write(fetch, offlineFetch(dir));
      fetch.toFile().setExecutable(true);
      args.add("WGET=" + fetch);
      out.line("origin archives come from " + dir + " (no downloads)");
    });
    args.addAll(o.makeVariables());
    BuildResult result = make.run(args, ws.root().resolve("build.log"), true);
    if (!result.ok()) {
      throw new UkhookException(Kind.FAILURE, "the Unikraft build failed (exit " + result.exitCode()
          + "); full log: " + result.logFile() + "\n  " + String.join("\n  ", result.errorLines()));
    }
    Path image = findImage(build).orElseThrow(() -> new UkhookException(Kind.FAILURE,
        "the build succeeded but left no *" + IMAGE_SUFFIX + " image in " + build + "; see " + result.logFile()));
    try {
      // Cheap, and it catches what the lock cannot: a ukhook before the lock restoring the tree during make.
      requirePatched(tree, profile, st, app, " no longer");
    } catch (UkhookException unhooked) {
      // The objects were compiled without the hooks: the next build starts clean, and no run takes this image.
      TextFiles.deleteQuietly(build.resolve(INPUTS));
      TextFiles.deleteQuietly(build.resolve(IMAGE_ID));
      TextFiles.deleteQuietly(image);
      throw new UkhookException(Kind.FAILURE, "the image just built has no hooks, so it was removed: "
          + unhooked.getMessage(), unhooked);
    }
    if (!Files.isRegularFile(ws.linkMap())) {
      throw new UkhookException(Kind.FAILURE, "the build left no link map at " + ws.linkMap()
          + ": this Unikraft version does not pass UK_LDFLAGS to the final link; see " + result.logFile());
    }
    TextFiles.write(build.resolve(INPUTS), inputs);
    Outcome built = new Outcome(image, Path.of(image + ".dbg"), ws.linkMap(), st.imageId(), result);
    out.line("built " + built.image() + " in " + result.duration().toSeconds() + " s (" + result.steps()
        + " steps); debug ELF " + built.debugImage() + ", link map " + built.linkMap());
    fillPolicy(built, st, !st.hookMode().filters() ? null : st.policyFile().orElseThrow(() -> new UkhookException(
        Kind.USAGE, "the image enforces a policy but none is known: run `ukhook instrument --policy FILE` again")),
        build);
    // Last: an image id here says the image is complete, table and policy included.
    TextFiles.write(build.resolve(IMAGE_ID), st.imageId() + "\n");
    return built;
  }

  /**
   * Writes the library table, by which the guest charges each call, and the policy (none: the table alone) into the
   * image, and keeps copies beside it for the runs.
   */
  private void fillPolicy(Outcome built, InstrumentState st, Path policy, Path build) {
    TextFiles.deleteQuietly(build.resolve(IMAGE_ID));
    ImagePolicy.Filled f = ImagePolicy.fill(built.image(), built.debugImage(), built.linkMap(), st.imageId(), policy,
        new LinkedHashSet<>(st.transparent()));
    TextFiles.write(build.resolve(RunDir.LIB_TABLE), f.table().bytes());
    if (policy == null) {
      out.line("library table is in the image (" + f.table().names().size() + " libraries): the guest charges each "
          + "call to its library");
      return;
    }
    TextFiles.write(build.resolve(RunDir.POLICY_BIN), f.compiled());
    TextFiles.write(build.resolve(RunDir.POLICY_YAML), TextFiles.read(policy));
    out.line("policy " + policy + " is in the image (" + f.table().names().size() + " libraries in its table, "
        + f.spec().phases().size() + " phase" + (f.spec().phases().size() == 1 ? "" : "s") + ", "
        + (f.spec().injections().isEmpty() ? "" : f.spec().injections().size() + " injection rule"
            + (f.spec().injections().size() == 1 ? "" : "s") + ", ")
        + (st.hookMode().traces() ? "every call recorded" : st.hookMode().counts() ? "every call counted"
            : "only violations recorded") + ", checksum "
        + Long.toHexString(PolicyCompiler.checksum(f.compiled())) + ")");
  }

  static final String OFFLINE_FETCH = "offline-fetch";

  /** Copies, never moves: the user's archives stay as they are. */
  static String offlineFetch(Path sources) {
    return """
        #!/bin/sh
        # Written by ukhook: answers Unikraft's download of an origin archive ($(WGET) ... -O FILE URL)
        # from the directory of origin archives given with --sources (docs/offline-sources.md).
        dir=%s
        out= url=
        while [ $# -gt 0 ]; do
          case "$1" in
            -O) out=$2; shift 2 ;;
            -*) shift ;;
            *) url=$1; shift ;;
          esac
        done
        for name in "${url##*/}" "${out##*/}"; do
          if [ -n "$name" ] && [ -f "$dir/$name" ]; then
            exec cp "$dir/$name" "$out"
          fi
        done
        echo "ukhook: error: origin archive ${url##*/} is not in $dir (Unikraft wants it from $url); put it there, see docs/offline-sources.md" >&2
        exit 1
        """.formatted(shellQuote(sources.toString()));
  }

  private static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static Path requireSources(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(abs)) {
      throw new UkhookException(Kind.USAGE, "the origin archive directory " + abs + " (--sources, UKHOOK_SOURCES or "
          + "ukhook.json) does not exist: create it and put the archives the app's libraries download into it "
          + "(docs/offline-sources.md)");
    }
    return abs;
  }

  /** A clean build: everything goes except origin archives directly in build/<lib>/ (a user may have put them there). */
  static void cleanKeepingArchives(Path build) {
    if (!Files.isDirectory(build)) {
      return;
    }
    try (Stream<Path> s = Files.walk(build)) {
      s.sorted(Comparator.reverseOrder())
          .filter(p -> !p.equals(build))
          .filter(p -> !(build.relativize(p).getNameCount() == 2 && Files.isRegularFile(p)
              && p.getFileName().toString().matches(ARCHIVE)))
          .filter(p -> !Files.isDirectory(p) || isEmpty(p))
          .forEach(TextFiles::deleteQuietly);
    } catch (IOException e) {
      throw new UkhookException(Kind.ENVIRONMENT, "cannot clean " + build + ": " + TextFiles.reason(e));
    }
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  static Optional<Path> findImage(Path build) {
    if (!Files.isDirectory(build)) {
      return Optional.empty();
    }
    try (Stream<Path> s = Files.list(build)) {
      return s.filter(p -> p.getFileName().toString().endsWith(IMAGE_SUFFIX) && Files.isRegularFile(p)).findFirst();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The id of the image in the build directory, if a build finished there. */
  static Optional<String> builtImageId(Workspace ws) {
    Path id = ws.build().resolve(IMAGE_ID);
    return Files.isRegularFile(id) ? Optional.of(TextFiles.read(id).strip()) : Optional.empty();
  }

  /** What the objects depend on besides sources make already tracks: the configuration and the hook library. */
  private static String inputsDigest(Workspace ws, InstrumentState st) {
    try (Stream<Path> lib = Files.walk(ws.library())) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(Files.readAllBytes(ws.config()));
      md.update(String.join(":", st.libraries()).getBytes(StandardCharsets.UTF_8));
      for (Path p : lib.filter(Files::isRegularFile).sorted().toList()) {
        md.update(p.toString().getBytes(StandardCharsets.UTF_8));
        md.update(Files.readAllBytes(p));
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UkhookException(Kind.USAGE, "the workspace " + ws.root() + " is incomplete (" + TextFiles.reason(e)
          + "): run `ukhook instrument` again");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String readOrEmpty(Path p) {
    return Files.isRegularFile(p) ? TextFiles.read(p) : "";
  }
}
