package dev.ukhook.unikraft;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A user's Unikraft source tree: where it is and which version it is. */
public record UnikraftTree(Path root, UnikraftVersion version) {
  public static final String SUPPORTED = "0.16.x, 0.17.0 and main (October 2024)";
  private static final Pattern ASSIGN = Pattern.compile("^\\s*(UK_VERSION|UK_SUBVERSION|UK_EXTRAVERSION)\\s*[:?]?=\\s*(\\d+)\\s*$");

  /** Opens and identifies a tree; throws with one actionable line when it is not a Unikraft tree. */
  public static UnikraftTree open(Path dir) {
    Path root = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(root)) {
      throw new UkhookException(Kind.ENVIRONMENT,
          "Unikraft tree " + root + " does not exist: pass --unikraft DIR (or set UK_ROOT) to a Unikraft source tree");
    }
    Path versionMk = root.resolve("version.mk");
    if (!Files.isRegularFile(versionMk) || !Files.isRegularFile(root.resolve("Makefile"))
        || !Files.isDirectory(root.resolve("lib/syscall_shim"))) {
      throw new UkhookException(Kind.ENVIRONMENT,
          root + " is not a Unikraft tree (no version.mk, Makefile or lib/syscall_shim): pass --unikraft DIR "
              + "pointing at a checkout of github.com/unikraft/unikraft");
    }
    UnikraftVersion version = parseVersion(TextFiles.read(versionMk), Files.isDirectory(root.resolve("lib/ukconsole")));
    if (version == null) {
      throw new UkhookException(Kind.ENVIRONMENT,
          versionMk + " has no UK_VERSION/UK_SUBVERSION/UK_EXTRAVERSION: is this a Unikraft tree?");
    }
    return new UnikraftTree(root, version);
  }

  static UnikraftVersion parseVersion(String versionMk, boolean hasPostReleaseLibs) {
    Map<String, Integer> v = new HashMap<>();
    for (String line : versionMk.split("\n")) {
      Matcher m = ASSIGN.matcher(line);
      if (m.matches()) {
        v.put(m.group(1), Integer.parseInt(m.group(2)));
      }
    }
    if (v.size() != 3) {
      return null;
    }
    int major = v.get("UK_VERSION");
    int minor = v.get("UK_SUBVERSION");
    int patch = v.get("UK_EXTRAVERSION");
    // main of October 2024 still carries 0.17.0 in version.mk; lib/ukconsole arrived after the release.
    boolean main = major == 0 && minor == 17 && patch == 0 && hasPostReleaseLibs;
    return new UnikraftVersion(major, minor, patch, main);
  }
}
