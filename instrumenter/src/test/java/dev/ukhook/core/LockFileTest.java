package dev.ukhook.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LockFileTest {
  @TempDir Path dir;

  /** explore's parallel runs share one workspace lock in one process; an exclusive step waits for the last. */
  @Test
  void stepsOfOneProcessShareASharedLockAndExcludeAnExclusiveOneUntilTheLastLetsGo() {
    Path f = dir.resolve("lock");
    Optional<LockFile> a = LockFile.take(f, true, "run a");
    Optional<LockFile> b = LockFile.take(f, true, "run b");
    assertTrue(a.isPresent() && b.isPresent(), "two runs at once");
    assertTrue(LockFile.take(f, false, "a build").isEmpty(), "no build while they run");
    assertTrue(LockFile.held(f));
    a.get().close();
    assertTrue(LockFile.take(f, false, "a build").isEmpty(), "one run still holds it");
    b.get().close();
    assertFalse(LockFile.held(f), "the last run let it go");
    Optional<LockFile> build = LockFile.take(f, false, "a build");
    assertTrue(build.isPresent());
    assertTrue(LockFile.take(f, true, "run c").isEmpty(), "no run while it builds");
    build.get().close();
  }
}
