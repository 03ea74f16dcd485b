package dev.ukhook.pipeline;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Tests that work on an app and a 0.17.0-shaped tree in a fresh temporary directory. */
public abstract class AppOnTreeTest {
  @TempDir protected Path dir;
  protected Path uk;
  protected Path app;
  /** The tree's binary syscall handler. */
  protected Path handler;

  @BeforeEach
  void makeAppAndTree() throws IOException {
    uk = TestTrees.tree017(dir, "uk");
    app = TestTrees.app(dir, "app");
    handler = uk.resolve(TestTrees.HANDLER);
  }
}
