package dev.ukhook.core;

import dev.ukhook.core.UkhookException.Kind;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Every file ukhook writes goes through here, so that a failure is one line naming the file and the OS reason
 * (java.nio's own messages name only a path, often a temporary one).
 */
public final class TextFiles {
  private TextFiles() {}

  public static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UkhookException(Kind.FAILURE, "cannot read " + p + ": " + reason(e));
    }
  }

  /** Writes {@code content}, creating the parent directories. */
  public static void write(Path p, String content) {
    createDirectories(p.toAbsolutePath().getParent());
    try {
      Files.writeString(p, content);
    } catch (IOException e) {
      throw cannotWrite(p, e, "");
    }
  }

  /** Writes {@code content}, creating the parent directories. */
  public static void write(Path p, byte[] content) {
    createDirectories(p.toAbsolutePath().getParent());
    try {
      Files.write(p, content);
    } catch (IOException e) {
      throw cannotWrite(p, e, "");
    }
  }

  /** Unchanged files keep their timestamps, so make does not rebuild what did not change. */
  public static boolean writeIfChanged(Path p, String content) {
    if (Files.isRegularFile(p) && read(p).equals(content)) {
      return false;
    }
    write(p, content);
    return true;
  }

  /**
   * Fails unless {@code target} can be replaced by writing beside it and renaming (as the tree patcher does): it
   * creates (and removes) a temporary file beside it, so callers can check before they change anything else.
   */
  public static void checkReplaceable(Path target, String nothingChanged) {
    Path tmp = null;
    try {
      tmp = Files.createTempFile(target.toAbsolutePath().getParent(), ".ukhook-", ".tmp");
    } catch (IOException e) {
      throw cannotWrite(target, e, nothingChanged);
    } finally {
      deleteQuietly(tmp);
    }
  }

  public static Path createDirectories(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw cannotWrite(dir, e, "");
    }
  }

  public static Path createTempDirectory(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UkhookException(Kind.ENVIRONMENT, "cannot create a temporary directory in "
          + System.getProperty("java.io.tmpdir") + ": " + reason(e));
    }
  }

  /** Run files (a trace holds path and buffer copies; a socket takes policies and trace streams): the owner's only. */
  public static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
  public static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

  /**
   * Gives {@code p} (a file, socket or directory) to its owner alone, whatever the umask made of it: the umask
   * cannot be changed from Java, and under {@code umask 000} every file would be world-readable and writable.
   */
  public static void ownerOnly(Path p) {
    try {
      Files.setPosixFilePermissions(p, Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? OWNER_DIR : OWNER_FILE);
    } catch (IOException e) {
      throw new UkhookException(Kind.ENVIRONMENT, "cannot make " + p + " private to its owner: " + reason(e), e);
    }
  }

  /** Best effort: what cannot be deleted stays (a leftover in a temporary directory harms nothing). */
  public static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(TextFiles::deleteQuietly);
    } catch (IOException | RuntimeException ignored) {
      // best effort, see above
    }
  }

  public static void deleteQuietly(Path p) {
    if (p == null) {
      return;
    }
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort
    }
  }

  /** The OS reason of an I/O error, in words: java.nio often puts only a path into the message. */
  public static String reason(IOException e) {
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason().toLowerCase(java.util.Locale.ROOT);
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "file exists";
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (e instanceof DirectoryNotEmptyException) {
      return "directory not empty";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static UkhookException cannotWrite(Path p, IOException e, String tail) {
    return new UkhookException(Kind.ENVIRONMENT, "cannot write " + p + ": " + reason(e) + tail, e);
  }
}
