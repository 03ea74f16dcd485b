package dev.ukhook.pipeline;

import dev.ukhook.core.LockFile;
import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import java.nio.file.Path;

/**
 * One ukhook at a time changes an app's workspace: instrument and build hold the lock exclusively, runs share
 * it (they only read the image and each writes its own run directory). A {@link LockFile}: the OS releases it
 * when the process ends, however it ends.
 */
public final class WorkspaceLock implements AutoCloseable {
  private final LockFile lock;

  private WorkspaceLock(LockFile lock) {
    this.lock = lock;
  }

  public static WorkspaceLock exclusive(Workspace ws) {
    return take(ws, false);
  }

  public static WorkspaceLock shared(Workspace ws) {
    return take(ws, true);
  }

  private static WorkspaceLock take(Workspace ws, boolean shared) {
    Path file = ws.lock();
    TextFiles.createDirectories(ws.root());
    // Its owner's alone whatever the umask: another user who could write here could swap the image a run boots.
    TextFiles.ownerOnly(ws.root());
    return new WorkspaceLock(LockFile.take(file, shared, "a step on " + ws.root().getParent())
        .orElseThrow(() -> new UkhookException(Kind.FAILURE, "another ukhook is working on " + ws.root().getParent()
            + ": " + LockFile.holders(file) + "; wait for it to finish and try again; nothing was changed")));
  }

  @Override
  public void close() {
    lock.close();
  }
}
