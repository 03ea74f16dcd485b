package dev.ukhook.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Directories shaped like a Unikraft tree and a Unikraft app, for tests that need no real tree. */
public final class TestTrees {
  public static final String HANDLER = "lib/syscall_shim/uk_syscall_binary.c";

  private TestTrees() {}

  /** A tree of version 0.{@code minor}.0 whose binary syscall handler is the test resource {@code patch/<handler>}. */
  public static Path tree(Path dir, String name, int minor, String handlerResource) throws IOException {
    Path uk = dir.resolve(name);
    Files.createDirectories(uk.resolve("lib/syscall_shim"));
    Files.writeString(uk.resolve("Makefile"), "");
    Files.writeString(uk.resolve("version.mk"), "UK_VERSION = 0\nUK_SUBVERSION = " + minor + "\nUK_EXTRAVERSION = 0\n");
    if (handlerResource != null) {
      try (InputStream in = TestTrees.class.getResourceAsStream("/patch/" + handlerResource)) {
        Files.write(uk.resolve(HANDLER), in.readAllBytes());
      }
    }
    return uk;
  }

  /** A 0.17.0 tree with the 0.17 handler shape. */
  public static Path tree017(Path dir, String name) throws IOException {
    return tree(dir, name, 17, "handler-0.17-shape.c");
  }

  /** An app directory {@code dir/name} with a Makefile.uk. */
  public static Path app(Path dir, String name) throws IOException {
    Path app = dir.resolve(name);
    Files.createDirectories(app);
    Files.writeString(app.resolve("Makefile.uk"), "$(eval $(call addlib,appx))\n");
    return app;
  }
}
