package dev.ukhook.pipeline;

import dev.ukhook.core.UkhookException.Kind;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.core.UkhookException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Unikraft application as ukhook sees it: its directory (with Makefile.uk), the external
 * microlibraries it is built with, and the libraries that are transparent for attribution. The last
 * two come from an optional {@code ukhook.json} in the app directory and from the command line.
 */
public record AppSpec(Path dir, String name, List<Path> libraries, List<String> transparent) {
  public static final String FILE = "ukhook.json";

  /** The optional ukhook.json; paths in it are relative to the app directory. */
  record AppFile(List<String> libraries, List<String> transparent) {}

  public static AppSpec load(Path appDir, List<Path> extraLibraries) {
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
    Path file = dir.resolve(FILE);
    if (Files.isRegularFile(file)) {
      try {
        AppFile f = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .readValue(file.toFile(), AppFile.class);
        if (f.libraries() != null) {
          f.libraries().forEach(l -> libs.add(dir.resolve(l).normalize()));
        }
        if (f.transparent() != null) {
          transparent.addAll(f.transparent());
        }
      } catch (IOException e) {
        throw new UkhookException(Kind.USAGE, file + " is not valid: " + e.getMessage().lines().findFirst().orElse("")
            + "; expected {\"libraries\": [\"dir\", ...], \"transparent\": [\"libname\", ...]}");
      }
    }
    extraLibraries.forEach(l -> libs.add(l.toAbsolutePath().normalize()));
    for (Path lib : libs) {
      if (!Files.isRegularFile(lib.resolve("Makefile.uk"))) {
        throw new UkhookException(Kind.USAGE, "microlibrary " + lib + " (named by --lib or " + FILE
            + ") has no Makefile.uk: point it at a Unikraft library directory");
      }
    }
    return new AppSpec(dir, dir.getFileName().toString(), List.copyOf(libs), List.copyOf(transparent));
  }
}
