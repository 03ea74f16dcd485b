package dev.ukhook.pipeline;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.core.JsonFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Unikraft application as ukhook sees it: its directory (with Makefile.uk), the external
 * microlibraries it is built with, the libraries that are transparent for attribution, and where its
 * libraries' origin archives are. All but the first come from an optional {@code ukhook.json} in the app
 * directory; libraries also from the command line.
 */
public record AppSpec(Path dir, String name, List<Path> libraries, List<String> transparent, Optional<Path> sources) {
  public static final String FILE = "ukhook.json";
  private static final Pattern VARIABLE = Pattern.compile("\\$(?:\\{(\\w+)}|(\\w+))");

  /**
   * The optional ukhook.json. Paths are relative to the app directory and may name environment variables
   * ({@code $UK_LIBS/lib-musl}): Unikraft's libraries live outside the app, wherever the user cloned them.
   */
  record AppFile(List<String> libraries, List<String> transparent, String sources) {}

  /** The app as `instrument` needs it: with its microlibraries, each checked. */
  public static AppSpec load(Path appDir, List<Path> extraLibraries) {
    return load(appDir, extraLibraries, System.getenv(), true);
  }

  /**
   * The app once instrumented: `build` and `run` take the microlibraries from the workspace, so ukhook.json's
   * (and the variables they name) are not read.
   */
  public static AppSpec instrumented(Path appDir) {
    return load(appDir, List.of(), System.getenv(), false);
  }

  static AppSpec load(Path appDir, List<Path> extraLibraries, Map<String, String> env, boolean withLibraries) {
    Path dir = appDir.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw new UkhookException(Kind.USAGE, "application directory " + dir + " does not exist: pass --app DIR");
    }
    if (!Files.isRegularFile(dir.resolve("Makefile.uk"))) {
      throw new UkhookException(Kind.USAGE, dir + " has no Makefile.uk, so it is not a Unikraft application: "
          + "pass --app the directory that holds the app's Makefile.uk");
    }
    List<Path> libs = new ArrayList<>();
    List<String> transparent = new ArrayList<>();
    Optional<Path> sources = Optional.empty();
    Path file = dir.resolve(FILE);
    if (Files.exists(file)) { // not a regular file, it is refused by name
      AppFile f = JsonFiles.read(file, FILE, new ObjectMapper()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true), AppFile.class, Kind.USAGE,
          "expected {\"libraries\": [\"dir\", ...], \"transparent\": [\"libname\", ...], \"sources\": \"dir\"}");
      if (withLibraries && f.libraries() != null) {
        f.libraries().forEach(l -> libs.add(dir.resolve(expand(l, env, file)).normalize()));
      }
      if (f.transparent() != null) {
        transparent.addAll(f.transparent());
      }
      if (f.sources() != null) {
        sources = Optional.of(dir.resolve(expand(f.sources(), env, file)).normalize());
      }
    }
    extraLibraries.forEach(l -> libs.add(l.toAbsolutePath().normalize()));
    for (Path lib : libs) {
      if (!Files.isRegularFile(lib.resolve("Makefile.uk"))) {
        throw new UkhookException(Kind.USAGE, "microlibrary " + lib + " (named by --lib or " + FILE
            + ") has no Makefile.uk: point it at a Unikraft library directory");
      }
    }
    return new AppSpec(dir, dir.getFileName().toString(), List.copyOf(libs), List.copyOf(transparent), sources);
  }

  /** $NAME and ${NAME} from the environment; an unset one is an error that says what to set. */
  static String expand(String path, Map<String, String> env, Path file) {
    Matcher m = VARIABLE.matcher(path);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2);
      String value = env.get(name);
      if (value == null || value.isBlank()) {
        throw new UkhookException(Kind.ENVIRONMENT, file + " names " + path + " but " + name + " is not set: "
            + (name.equals("UK_LIBS") ? "set UK_LIBS to the directory that holds your clones of Unikraft's "
            + "libraries (lib-musl, lib-sqlite, ...), or pass each with --lib DIR" : "set " + name));
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(value));
    }
    m.appendTail(sb);
    return sb.toString();
  }
}
