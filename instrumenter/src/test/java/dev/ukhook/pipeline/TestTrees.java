package dev.ukhook.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.ukhook.unikraft.Profile;
import dev.ukhook.unikraft.Profile.HookPoint;
import dev.ukhook.unikraft.Profiles;

/** Directories shaped like a Unikraft tree and a Unikraft app, for tests that need no real tree. */
public final class TestTrees {
  public static final String HANDLER = "lib/syscall_shim/uk_syscall_binary.c";

  private TestTrees() {}

  /**
   * A tree of version 0.{@code minor}.0 whose files are the golden cases' before shapes of {@code profile}
   * (src/test/resources/profiles/PROFILE/HOOKPOINT/before.*, one per hook point); none when it is null.
   */
  public static Path tree(Path dir, String name, int minor, String profile) throws IOException {
    Path uk = dir.resolve(name);
    Files.createDirectories(uk.resolve("lib/syscall_shim"));
    Files.writeString(uk.resolve("Makefile"), "");
    Files.writeString(uk.resolve("version.mk"), "UK_VERSION = 0\nUK_SUBVERSION = " + minor + "\nUK_EXTRAVERSION = 0\n");
    if (profile != null) {
      Profile p = Profiles.all().stream().filter(x -> x.name().equals(profile)).findFirst().orElseThrow();
      for (HookPoint h : p.hookPoints().values()) {
        String ext = h.file().substring(h.file().lastIndexOf('.'));
        try (InputStream in = TestTrees.class.getResourceAsStream("/profiles/" + profile + "/" + h.name() + "/before" + ext)) {
          Files.createDirectories(uk.resolve(h.file()).getParent());
          Files.write(uk.resolve(h.file()), in.readAllBytes());
        }
      }
    }
    return uk;
  }

  /** A 0.17.0 tree with the 0.17 shapes. */
  public static Path tree017(Path dir, String name) throws IOException {
    return tree(dir, name, 17, "0.17");
  }

  /** An app directory {@code dir/name} with a Makefile.uk. */
  public static Path app(Path dir, String name) throws IOException {
    Path app = dir.resolve(name);
    Files.createDirectories(app);
    Files.writeString(app.resolve("Makefile.uk"), "$(eval $(call addlib,appx))\n");
    return app;
  }
}
