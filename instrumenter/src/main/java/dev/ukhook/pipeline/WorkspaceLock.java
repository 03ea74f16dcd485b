package dev.ukhook.pipeline;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One ukhook at a time changes an app's workspace: instrument and build hold the lock exclusively, runs share
 * it (they only read the image and each writes its own run directory). The OS releases it when the process
 * ends, however it ends.
 */
public final class WorkspaceLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private WorkspaceLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
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
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UkhookException(Kind.ENVIRONMENT, "cannot write " + file + ": " + TextFiles.reason(e), e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock(0, Long.MAX_VALUE, shared);
    } catch (OverlappingFileLockException inThisProcess) {
      lock = null;
    } catch (IOException e) {
      close(channel);
      throw new UkhookException(Kind.ENVIRONMENT, "cannot lock " + file + ": " + TextFiles.reason(e), e);
    }
    if (lock == null) {
      close(channel);
      throw new UkhookException(Kind.FAILURE, "another ukhook is working on " + ws.root().getParent()
          + " (it holds " + file + "); wait for it to finish and try again; nothing was changed");
    }
    return new WorkspaceLock(channel, lock);
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException ignored) {
      // closing the channel releases it too
    }
    close(channel);
  }

  private static void close(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing was written through it
    }
  }
}
