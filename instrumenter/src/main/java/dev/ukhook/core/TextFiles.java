package dev.ukhook.core;

import dev.ukhook.core.UkhookException.Kind;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
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

  /**
   * The most a small file a user hands ukhook may hold: a policy, ukhook.json, run.json, instrument.json, a run's
   * image-id. Each is a few KiB; the largest policy (120 libraries, 8 phases, every syscall allowed in each) is
   * about 0.8 MiB. Beyond this a file is not what it is said to be, and reading it whole would cost the memory
   * and time of its size (SnakeYAML takes seconds per MiB).
   */
  public static final long SMALL_FILE_BYTES = 1 << 20;

  /**
   * Reads {@code p}, a small file of the user's ({@link #SMALL_FILE_BYTES} at most), as UTF-8. It is refused
   * before it is opened when it is not a regular file (a FIFO would block, a device such as /dev/zero never
   * ends) or is larger than the limit.
   *
   * @param what what the file is, for the error ("policy file")
   * @throws UkhookException (USAGE) naming the file, what is wrong and the limit
   */
  public static String readSmall(Path p, String what) {
    BasicFileAttributes a = attributes(p, what);
    if (!a.isRegularFile()) {
      throw new UkhookException(Kind.USAGE, "cannot read " + what + " " + p + ": it is " + kind(p, a)
          + ", not a regular file; pass the file itself");
    }
    if (a.size() > SMALL_FILE_BYTES) {
      throw tooLarge(p, what, a.size() + " bytes");
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(p)) {
      bytes = in.readNBytes((int) SMALL_FILE_BYTES + 1); // it may have grown since
    } catch (IOException e) {
      throw new UkhookException(Kind.USAGE, "cannot read " + what + " " + p + ": " + reason(e));
    }
    if (bytes.length > SMALL_FILE_BYTES) {
      throw tooLarge(p, what, "more than " + SMALL_FILE_BYTES + " bytes");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new UkhookException(Kind.USAGE, "cannot read " + what + " " + p + ": it is not UTF-8 text");
    }
  }

  /**
   * Opens {@code p}, a file that is read once from start to end (a link map), for at most {@code limit} bytes: a
   * regular file or a pipe ({@code --map <(...)}); a directory or a device is refused before it is opened.
   *
   * @throws UkhookException (USAGE) naming the file and what is wrong; a read past the limit throws an
   *     IOException that says so
   */
  public static InputStream openStream(Path p, String what, long limit) {
    BasicFileAttributes a = attributes(p, what);
    if (a.isDirectory() || (a.isOther() && !isFifo(p))) {
      throw new UkhookException(Kind.USAGE, "cannot read " + what + " " + p + ": it is " + kind(p, a)
          + ", not a file; pass the file itself");
    }
    if (a.isRegularFile() && a.size() > limit) {
      throw tooLarge(p, what, a.size() + " bytes", limit);
    }
    InputStream in;
    try {
      in = Files.newInputStream(p);
    } catch (IOException e) {
      throw new UkhookException(Kind.USAGE, "cannot read " + what + " " + p + ": " + reason(e));
    }
    return new FilterInputStream(in) {
      private long left = limit;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, (int) Math.min(len, left + 1));
        if (n > 0 && (left -= n) < 0) {
          throw new IOException("it holds more than " + limit + " bytes, more than the " + mib(limit) + " a " + what
              + " may have; is it the right file?");
        }
        return n;
      }
    };
  }

  private static BasicFileAttributes attributes(Path p, String what) {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class);
    } catch (IOException e) {
      throw new UkhookException(Kind.USAGE, "cannot read " + what + " " + p + ": " + reason(e));
    }
  }

  private static UkhookException tooLarge(Path p, String what, String size) {
    return tooLarge(p, what, size, SMALL_FILE_BYTES);
  }

  private static UkhookException tooLarge(Path p, String what, String size, long limit) {
    return new UkhookException(Kind.USAGE, "cannot read " + what + " " + p + ": it holds " + size + ", more than the "
        + mib(limit) + " a " + what + " may have; is it the right file?");
  }

  private static String mib(long bytes) {
    return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
  }

  private static boolean isFifo(Path p) {
    return (mode(p) & S_IFMT) == S_IFIFO;
  }

  private static final int S_IFMT = 0170000;
  private static final int S_IFIFO = 0010000;

  /** The file type and permission bits of {@code p} (st_mode), 0 where the file system does not say. */
  private static int mode(Path p) {
    try {
      return (Integer) Files.getAttribute(p, "unix:mode");
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return 0;
    }
  }

  /** What {@code p} is, in words, for a file that is not a regular file: "a directory", "a FIFO"... */
  private static String kind(Path p, BasicFileAttributes a) {
    if (a.isDirectory()) {
      return "a directory";
    }
    return switch (mode(p) & S_IFMT) {
      case S_IFIFO -> "a FIFO (named pipe)";
      case 0020000 -> "a character device";
      case 0060000 -> "a block device";
      case 0140000 -> "a socket";
      default -> "a special file";
    };
  }

  /**
   * Checks, before any work is done, that a result can go to {@code file}, the file the user named for it
   * ({@code report -o}, {@code --html}, {@code policy infer -o}): one rule for every such file. An existing
   * regular file is kept unless {@code overwrite}; a directory is refused; the file's directory must exist (a
   * typo in it is not made into new directories) and be writable. A pipe or a device (/dev/stdout, /dev/null,
   * {@code >(gzip > x.gz)}) is written to as it is.
   *
   * @param option the option that named the file, for the error ("-o")
   * @throws UkhookException (USAGE, or ENVIRONMENT for a directory that cannot be written) naming the file
   */
  public static void checkOutput(Path file, String option, boolean overwrite) {
    if (Files.isDirectory(file)) {
      throw new UkhookException(Kind.USAGE, option + " " + file + ": it is a directory; name the file to write");
    }
    if (writtenInPlace(file)) {
      return;
    }
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !overwrite) {
      throw new UkhookException(Kind.USAGE, option + " " + file + ": the file exists; pass --overwrite to replace "
          + "it, or name another file; nothing was written");
    }
    Path dir = file.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      throw new UkhookException(Kind.USAGE, option + " " + file + ": directory " + dir + " does not exist; create "
          + "it, or name a file in a directory that does; nothing was written");
    }
    checkReplaceable(file, "; nothing was written");
  }

  /**
   * Whether {@code file} is a stream to write to as it is, never to replace: a pipe or a device, or a name for one
   * under /dev or /proc (/dev/stdout names a regular file when the shell redirected stdout to one, and renaming
   * over it would replace the link, not write the file).
   */
  public static boolean writtenInPlace(Path file) {
    Path abs = file.toAbsolutePath().normalize();
    return (Files.exists(file) && !Files.isRegularFile(file) && !Files.isDirectory(file))
        || (Files.exists(file) && (abs.startsWith("/dev") || abs.startsWith("/proc")));
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

  /**
   * A new directory {@code parent/NAME}, or {@code parent/NAME-N} when that exists already (two runs in the same
   * second), its owner's alone whatever the umask: the trace, sockets and policies in it are no one else's business.
   */
  public static Path newPrivateDir(Path parent, String name) {
    createDirectories(parent);
    for (int i = 0; ; i++) {
      Path dir = parent.resolve(i == 0 ? name : name + "-" + i);
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
        ownerOnly(dir);
        return dir;
      } catch (FileAlreadyExistsException taken) {
        // try the next name
      } catch (IOException e) {
        throw new UkhookException(Kind.ENVIRONMENT, "cannot create " + dir + ": " + reason(e), e);
      }
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
