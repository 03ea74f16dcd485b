package dev.ukhook.pipeline;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.unikraft.BuildResult;
import dev.ukhook.unikraft.MakeRunner;
import dev.ukhook.unikraft.Profile;
import dev.ukhook.unikraft.Profiles;
import dev.ukhook.unikraft.TreePatcher;
import dev.ukhook.unikraft.UnikraftTree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** `ukhook build`: runs Unikraft's build for an instrumented app and asks the linker for a map. */
public final class Builder {
  /** Unikraft's image name for the KVM platform on x86_64: {@code <app>_qemu-x86_64}. */
  static final String IMAGE_SUFFIX = "_qemu-x86_64";
  static final String INPUTS = ".ukhook-inputs";

  public record Outcome(Path image, Path debugImage, Path linkMap, String imageId, BuildResult result) {}

  private Builder() {}

  public static Outcome build(AppSpec app, MakeRunner make) {
    Workspace ws = Workspace.of(app);
    InstrumentState st = InstrumentState.read(ws);
    UnikraftTree tree = UnikraftTree.open(st.unikraftRoot());
    Profile profile = Profiles.forVersion(tree.version());
    Path handler = TreePatcher.unpatched(tree, profile, profile.hookPoints().keySet()).stream().findFirst().orElse(null);
    if (handler != null) {
      throw new UkhookException(Kind.USAGE, handler + " carries no ukhook hook (restored?): run `ukhook instrument "
          + "--unikraft " + tree.root() + " --app " + app.dir() + "` before building");
    }
    Path build = ws.build();
    String inputs = inputsDigest(ws, st);
    if (!inputs.equals(readOrEmpty(build.resolve(INPUTS)))) {
      // Unikraft does not rebuild objects when flags change (the hook library adds COMPFLAGS), so a
      // changed configuration or hook library means a clean build.
      Instrumenter.deleteTree(build);
    } else if (!Files.isRegularFile(ws.linkMap())) {
      // The final link only reruns when an input changed; without its map we need it to run again.
      findImage(build).ifPresent(img -> deleteQuietly(Path.of(img + ".dbg")));
    }
    List<String> cmd = List.of("make", "-C", tree.root().toString(), "A=" + app.dir(),
        "L=" + String.join(":", st.libraries()), "O=" + build, "C=" + ws.config(),
        "UK_LDFLAGS=-Wl,-Map=" + ws.linkMap(), "-j" + Runtime.getRuntime().availableProcessors());
    BuildResult result;
    try {
      Files.createDirectories(build);
      result = make.run(cmd, app.dir(), Map.of(), ws.root().resolve("build.log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!result.ok()) {
      throw new UkhookException(Kind.FAILURE, "the Unikraft build failed (exit " + result.exitCode()
          + "); full log: " + result.logFile() + "\n  " + String.join("\n  ", result.errorLines()));
    }
    Path image = findImage(build).orElseThrow(() -> new UkhookException(Kind.FAILURE,
        "the build succeeded but left no *" + IMAGE_SUFFIX + " image in " + build + "; see " + result.logFile()));
    if (!Files.isRegularFile(ws.linkMap())) {
      throw new UkhookException(Kind.FAILURE, "the build left no link map at " + ws.linkMap()
          + ": this Unikraft version does not pass UK_LDFLAGS to the final link; see " + result.logFile());
    }
    Instrumenter.write(build.resolve(INPUTS), inputs);
    Instrumenter.write(build.resolve("image-id"), st.imageId() + "\n");
    return new Outcome(image, Path.of(image + ".dbg"), ws.linkMap(), st.imageId(), result);
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
      throw new UkhookException(Kind.USAGE, "the workspace " + ws.root() + " is incomplete (" + e.getMessage()
          + "): run `ukhook instrument` again");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String readOrEmpty(Path p) {
    try {
      return Files.isRegularFile(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // make will then simply not relink; the missing map is reported after the build.
    }
  }
}
