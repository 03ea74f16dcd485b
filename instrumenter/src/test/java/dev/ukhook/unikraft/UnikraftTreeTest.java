package dev.ukhook.unikraft;

import dev.ukhook.core.UkhookException.Kind;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnikraftTreeTest {
  @TempDir Path dir;

  static String versionMk(int minor, int patch) {
    return "UK_VERSION = 0\nUK_SUBVERSION = " + minor + "\nUK_EXTRAVERSION = " + patch + "\n";
  }

  @Test
  void versionsMapToTheirProfiles() {
    assertEquals("0.16", Profiles.forVersion(UnikraftTree.parseVersion(versionMk(16, 3), false)).name());
    assertEquals("0.16", Profiles.forVersion(UnikraftTree.parseVersion(versionMk(16, 0), false)).name());
    assertEquals("0.17", Profiles.forVersion(UnikraftTree.parseVersion(versionMk(17, 0), false)).name());
    UnikraftVersion main = UnikraftTree.parseVersion(versionMk(17, 0), true);
    assertTrue(main.main());
    assertEquals("0.17.0+main", main.toString());
    assertEquals("0.17", Profiles.forVersion(main).name());
    assertFalse(UnikraftTree.parseVersion(versionMk(16, 3), true).main());
  }

  @Test
  void unsupportedVersionNamesFoundAndSupported() {
    UkhookException e = assertThrows(UkhookException.class,
        () -> Profiles.forVersion(UnikraftTree.parseVersion(versionMk(15, 0), false)));
    assertEquals("Unikraft 0.15.0 is not supported: ukhook supports 0.16.x, 0.17.0 and main (October 2024); "
        + "check out one of those releases (e.g. git checkout RELEASE-0.17.0)", e.getMessage());
    assertEquals(Kind.ENVIRONMENT, e.kind());
  }

  @Test
  void directoryThatIsNotATreeIsRefused() throws Exception {
    UkhookException e = assertThrows(UkhookException.class, () -> UnikraftTree.open(dir));
    assertTrue(e.getMessage().startsWith(dir + " is not a Unikraft tree"), e.getMessage());
    Files.writeString(dir.resolve("version.mk"), versionMk(17, 0));
    Files.writeString(dir.resolve("Makefile"), "");
    Files.createDirectories(dir.resolve("lib/syscall_shim"));
    assertEquals("0.17.0", UnikraftTree.open(dir).version().toString());
    assertThrows(UkhookException.class, () -> UnikraftTree.open(dir.resolve("missing")));
  }

  @Test
  void kconfigOverrideKeepsTheUsersOtherOptions() {
    String user = "CONFIG_LIBFOO=y\n# CONFIG_LIBUKHOOK is not set\nCONFIG_LIBUKRANDOM=y\nCONFIG_UK_NAME=\"x\"\n";
    String merged = Kconfig.override(user, Map.of("CONFIG_LIBUKHOOK", "y", "CONFIG_LIBUKRANDOM", "n"), "why");
    Map<String, String> v = Kconfig.parse(merged);
    assertEquals("y", v.get("CONFIG_LIBFOO"));
    assertEquals("\"x\"", v.get("CONFIG_UK_NAME"));
    assertEquals("y", v.get("CONFIG_LIBUKHOOK"));
    assertEquals("n", v.get("CONFIG_LIBUKRANDOM"));
    assertFalse(merged.contains("# CONFIG_LIBUKHOOK is not set"));
    assertEquals(java.util.List.of("CONFIG_LIBBAR=y (got n)"), Kconfig.unmet(v, Map.of("CONFIG_LIBBAR", "y")));
  }
}
