package dev.ukhook.core;

import dev.ukhook.core.UkhookException.Kind;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A POSIX lock on a file that nothing else opens (a POSIX lock goes when its process closes any descriptor of
 * the file, so this process never opens a file it holds a second time). The OS releases it when the process ends, however it ends, so a lock never outlives its holder;
 * the holder is named from /proc/locks. The tree lock, the workspace lock and a run's QEMU lock are all this.
 */
public final class LockFile implements AutoCloseable {
  /** What this process holds, by file, to name it when one of its own steps conflicts (same-process locks). */
  private static final Map<Path, String> HELD = new ConcurrentHashMap<>();

  /** Shared locks this process holds, by file, with how many of its steps share each (explore's parallel runs). */
  private static final Map<Path, int[]> SHARERS = new ConcurrentHashMap<>();

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;
  private final boolean shared;

  private LockFile(Path file, FileChannel channel, FileLock lock, boolean shared) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
    this.shared = shared;
  }

  /**
   * Takes the lock on {@code file}, creating the file, or returns empty when another process, or another step of
   * this one, holds it. A shared lock needs only read access to a file that exists already.
   *
   * @param holder what takes it, as {@link #holders} names it to a step of this process that conflicts
   * @throws UkhookException ({@link Kind#ENVIRONMENT}) when the file cannot be opened or locked
   */
  public static synchronized Optional<LockFile> take(Path file, boolean shared, String holder) {
    Path key = file.toAbsolutePath().normalize();
    if (shared && SHARERS.containsKey(key)) {
      // Another step of this process shares it: one OS lock, counted (a second descriptor would drop it).
      SHARERS.get(key)[0]++;
      return Optional.of(new LockFile(key, null, null, true));
    }
    if (HELD.putIfAbsent(key, holder) != null) {
      // Not even opened: closing a second descriptor of the file would drop this process's lock on it.
      return Optional.empty();
    }
    FileChannel channel;
    FileLock lock;
    try {
      channel = open(key, shared);
    } catch (RuntimeException e) {
      HELD.remove(key);
      throw e;
    }
    try {
      lock = channel.tryLock(0, Long.MAX_VALUE, shared);
    } catch (OverlappingFileLockException inThisProcess) {
      lock = null;
    } catch (IOException e) {
      HELD.remove(key);
      close(channel);
      throw new UkhookException(Kind.ENVIRONMENT, "cannot lock " + file + ": " + TextFiles.reason(e), e);
    }
    if (lock == null) {
      HELD.remove(key);
      close(channel);
      return Optional.empty();
    }
    if (shared) {
      SHARERS.put(key, new int[] {1});
      OS_LOCKS.put(key, new LockFile(key, channel, lock, true));
      return Optional.of(new LockFile(key, null, null, true));
    }
    return Optional.of(new LockFile(key, channel, lock, false));
  }

  /** The OS lock behind each shared one this process holds. */
  private static final Map<Path, LockFile> OS_LOCKS = new ConcurrentHashMap<>();

  private static FileChannel open(Path file, boolean shared) {
    try {
      try {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);
      } catch (AccessDeniedException readOnly) {
        if (!shared || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
          throw readOnly;
        }
        return FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
      }
    } catch (IOException e) {
      throw new UkhookException(Kind.ENVIRONMENT, "cannot open the lock file " + file + ": " + TextFiles.reason(e)
          + "; ukhook needs to write it (run as its owner, or make its directory writable); nothing was changed", e);
    }
  }

  /** Whether a process, this one included, holds a lock on {@code file}; false when there is no such file. */
  public static boolean held(Path file) {
    if (HELD.containsKey(file.toAbsolutePath().normalize())) {
      return true;
    }
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    Optional<LockFile> free = take(file, false, "a check");
    free.ifPresent(LockFile::release);
    return free.isEmpty();
  }

  /** Who holds a lock on {@code file}: this process's step, else the processes /proc/locks names (Linux). */
  public static String holders(Path file) {
    Path key = file.toAbsolutePath().normalize();
    String mine = HELD.get(key);
    if (mine != null) {
      return mine + " (this process, pid " + ProcessHandle.current().pid() + ")";
    }
    List<String> who = new ArrayList<>();
    try {
      long inode = ((Number) Files.getAttribute(key, "unix:ino")).longValue();
      for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
        // "1: POSIX  ADVISORY  WRITE 12345 08:01:1234567 0 EOF"; a waiting lock has "->" after the number.
        String[] f = line.replace("->", "").trim().split("\\s+");
        if (f.length >= 6 && f[5].endsWith(":" + inode)) {
          long pid = Long.parseLong(f[4]);
          String cmd = ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse("?");
          String entry = "pid " + pid + " (" + f[3].toLowerCase(Locale.ROOT) + " lock): " + Terminal.escape(cmd);
          if (!who.contains(entry)) {
            who.add(entry);
          }
        }
      }
    } catch (IOException | RuntimeException unknown) {
      // not Linux, or /proc not mounted: the lock file is all that can be named
    }
    return who.isEmpty() ? "it holds " + file : String.join("; ", who);
  }

  /** Releases the lock, a shared one when its last sharer does (the file stays: another process may lock it). */
  private void release() {
    if (shared) {
      synchronized (LockFile.class) {
        if (--SHARERS.get(file)[0] > 0) {
          return;
        }
        SHARERS.remove(file);
        OS_LOCKS.remove(file).releaseOs();
      }
      return;
    }
    releaseOs();
  }

  private void releaseOs() {
    HELD.remove(file);
    try {
      lock.release();
    } catch (IOException ignored) {
      // closing the channel releases it too
    }
    close(channel);
  }

  @Override
  public void close() {
    release();
  }

  private static void close(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing was written through it
    }
  }
}
