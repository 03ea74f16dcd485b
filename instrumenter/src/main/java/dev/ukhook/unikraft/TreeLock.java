package dev.ukhook.unikraft;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One ukhook at a time changes a Unikraft tree, and none changes it while another builds on it: instrument and
 * restore hold the lock exclusively while they patch, builds share it while make reads the tree. Without it a
 * restore during a build gave an image without hooks and a run with an empty table.
 *
 * <p>The lock is a POSIX lock on {@value #FILE} in the tree's root, a file nothing else opens (a POSIX lock goes
 * when its process closes any descriptor of the file, so it cannot be a file ukhook reads, such as version.mk).
 * The OS releases it when the process ends, however it ends; the holder is named from /proc/locks.
 */
public final class TreeLock implements AutoCloseable {
  /** The lock file in the tree's root. */
  public static final String FILE = ".ukhook-lock";

  /** What this process holds, to name it when one of its own steps conflicts (same-process locks overlap). */
  private static final Map<Path, String> HELD = new ConcurrentHashMap<>();

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private TreeLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /** For a command that patches the tree ({@code what}: its name, e.g. `ukhook restore`). */
  public static TreeLock exclusive(UnikraftTree tree, String what) {
    return take(tree.root(), what, false);
  }

  /** For a command that builds on the tree: other builds may too, nothing may patch it meanwhile. */
  public static TreeLock shared(UnikraftTree tree, String what) {
    return take(tree.root(), what, true);
  }

  private static TreeLock take(Path root, String what, boolean shared) {
    Path file = root.resolve(FILE);
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS);
    } catch (AccessDeniedException | NoSuchFileException e) {
      channel = readOnly(file, shared, e);
    } catch (IOException e) {
      throw cannotLock(file, TextFiles.reason(e));
    }
    FileLock lock;
    try {
      lock = channel.tryLock(0, Long.MAX_VALUE, shared);
    } catch (OverlappingFileLockException inThisProcess) {
      lock = null;
    } catch (IOException e) {
      close(channel);
      throw cannotLock(file, TextFiles.reason(e));
    }
    if (lock == null) {
      close(channel);
      String holder = Optional.ofNullable(HELD.get(file)).map(h -> h + " (this process, pid "
          + ProcessHandle.current().pid() + ")").orElseGet(() -> holders(file));
      throw new UkhookException(Kind.FAILURE, "another ukhook is working on the Unikraft tree " + root + ": "
          + holder + "; wait for it to finish (or stop it), then run `" + what + "` again; nothing was changed");
    }
    HELD.put(file, what);
    return new TreeLock(file, channel, lock);
  }

  /** A build on a tree it may not write: a shared lock needs only read access to a lock file instrument made. */
  private static FileChannel readOnly(Path file, boolean shared, IOException why) {
    if (shared && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      try {
        return FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
      } catch (IOException e) {
        throw cannotLock(file, TextFiles.reason(e));
      }
    }
    throw cannotLock(file, TextFiles.reason(why));
  }

  private static UkhookException cannotLock(Path file, String reason) {
    return new UkhookException(Kind.ENVIRONMENT, "cannot lock the Unikraft tree with " + file + ": " + reason
        + "; ukhook needs to write it (run as the tree's owner, or make the tree writable); nothing was changed");
  }

  /** The processes holding a lock on {@code file}, with their command lines, from /proc/locks (Linux). */
  static String holders(Path file) {
    List<String> who = new ArrayList<>();
    try {
      long inode = ((Number) Files.getAttribute(file, "unix:ino")).longValue();
      for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
        // "1: POSIX  ADVISORY  WRITE 12345 08:01:1234567 0 EOF"; a waiting lock has "->" after the number.
        String[] f = line.replace("->", "").trim().split("\\s+");
        if (f.length >= 6 && f[5].endsWith(":" + inode)) {
          long pid = Long.parseLong(f[4]);
          String cmd = ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse("?");
          String entry = "pid " + pid + " (" + f[3].toLowerCase(java.util.Locale.ROOT) + " lock): " + cmd;
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

  @Override
  public void close() {
    HELD.remove(file);
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
