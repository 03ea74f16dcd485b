package dev.ukhook.core;

import dev.ukhook.core.UkhookException.Kind;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The programs ukhook runs, and the one check that names every missing one with its Debian package. */
public final class Tools {
  public static final String MAKE = "make";
  public static final String QEMU = "qemu-system-x86_64";
  /** GNU binutils' readelf: its DWARF CFI interpreter gives the unwind tables of a guest's ELF objects. */
  public static final String READELF = "readelf";
  /** Traces a Linux program's calls with their stacks ({@code ukhook linux}). */
  public static final String STRACE = "strace";
  /** What Unikraft's build runs besides make itself. */
  public static final List<String> BUILD = List.of(MAKE, "gcc", "flex", "bison", "python3");

  private static final Map<String, String> DEBIAN = Map.of(MAKE, "make", "gcc", "gcc", "flex", "flex",
      "bison", "bison", QEMU, "qemu-system-x86", READELF, "binutils", "setsid", "util-linux", "setpriv",
      "util-linux", STRACE, "strace", "python3", "python3");

  private Tools() {}

  /** This process's PATH. */
  public static String path() {
    return System.getenv().getOrDefault("PATH", "");
  }

  /** Whether {@code program} (a name looked up on {@code path}, or a path if it has a slash) can be run. */
  public static boolean onPath(String program, String path) {
    if (program.contains("/")) {
      return isExecutableFile(Path.of(program));
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && isExecutableFile(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  /** {@link #require(List, String)} on this process's PATH. */
  public static void require(List<String> programs) {
    require(programs, path());
  }

  /**
   * Fails with one line naming everything in {@code programs} that cannot be run, and the Debian packages
   * that provide them.
   */
  public static void require(List<String> programs, String path) {
    List<String> notFiles = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String program : programs) {
      if (!onPath(program, path)) {
        (program.contains("/") ? notFiles : missing).add(program);
      }
    }
    if (notFiles.isEmpty() && missing.isEmpty()) {
      return;
    }
    List<String> parts = new ArrayList<>();
    notFiles.forEach(p -> parts.add(p + " is not an executable file"));
    if (!missing.isEmpty()) {
      List<String> packages = missing.stream().filter(DEBIAN::containsKey).map(DEBIAN::get).distinct().toList();
      parts.add("missing on PATH: " + String.join(", ", missing) + "; install "
          + (missing.size() == 1 ? "it" : "them")
          + (packages.isEmpty() ? "" : " (Debian: apt-get install " + String.join(" ", packages) + ")")
          + (missing.contains(QEMU) ? " or pass --qemu PATH" : ""));
    }
    throw new UkhookException(Kind.ENVIRONMENT, String.join("; ", parts));
  }

  private static boolean isExecutableFile(Path p) {
    return Files.isRegularFile(p) && Files.isExecutable(p);
  }
}
