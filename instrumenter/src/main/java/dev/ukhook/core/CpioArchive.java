package dev.ukhook.core;

import dev.ukhook.core.UkhookException.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A cpio archive in the "newc" format ({@code 070701} headers), as Linux's initramfs and Unikraft's
 * lib/ukcpio read it: directories, regular files and symlinks, in order, then {@code TRAILER!!!}. Each header
 * is 110 ASCII bytes (the magic and thirteen 8-digit hex fields), then the NUL-terminated name, each padded to
 * 4 bytes, then the data, padded to 4 bytes. See Linux's Documentation/driver-api/early-userspace/buffer-format.rst.
 *
 * <p>ukhook writes entries as given (its directory packer sorts them), with uid and gid 0, mtime 0, a
 * distinct inode each and no hard links (Linux links entries that share an inode and have nlink > 1), so
 * the same tree always packs to the same bytes.
 */
public record CpioArchive(List<Entry> entries) {
  public static final int S_IFMT = 0170000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFLNK = 0120000;
  private static final String MAGIC = "070701";
  // 070702 is the same layout with a checksum in the last field; readers may ignore it.
  private static final String MAGIC_CRC = "070702";
  private static final String TRAILER = "TRAILER!!!";
  private static final int HEADER = 110;

  /**
   * One entry.
   *
   * @param path relative, '/'-separated, without a leading "./" or "/"
   * @param mode st_mode: the file type bits and the permission bits
   * @param bytes a regular file's contents, a symlink's target, nothing for a directory
   */
  public record Entry(String path, int mode, byte[] bytes) {
    public Entry {
      path = normalize(path);
      if (path.isEmpty()) {
        throw new IllegalArgumentException("an entry needs a path below the archive's root");
      }
      bytes = bytes.clone();
    }

    public static Entry directory(String path, int permissions) {
      return new Entry(path, S_IFDIR | (permissions & 07777), new byte[0]);
    }

    public static Entry file(String path, int permissions, byte[] contents) {
      return new Entry(path, S_IFREG | (permissions & 07777), contents);
    }

    public static Entry symlink(String path, String target) {
      return new Entry(path, S_IFLNK | 0777, target.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }

    public boolean isDirectory() {
      return (mode & S_IFMT) == S_IFDIR;
    }

    public boolean isFile() {
      return (mode & S_IFMT) == S_IFREG;
    }

    public boolean isSymlink() {
      return (mode & S_IFMT) == S_IFLNK;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Entry e && e.path.equals(path) && e.mode == mode && Arrays.equals(e.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return path.hashCode() * 31 + mode * 17 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%s %06o (%d bytes)", path, mode, bytes.length);
    }
  }

  public CpioArchive {
    entries = List.copyOf(entries);
  }

  /** The contents of the regular file at {@code path} ("./" or "/" in front does not matter). */
  public Optional<byte[]> file(String path) {
    String p = normalize(path);
    return entries.stream().filter(e -> e.isFile() && e.path().equals(p)).findFirst().map(Entry::bytes);
  }

  /** The archive's bytes: each entry in order, then the trailer. */
  public byte[] toBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int ino = 1;
    for (Entry e : entries) {
      writeEntry(out, ino++, e.mode(), e.isDirectory() ? 2 : 1, e.path(), e.bytes);
    }
    writeEntry(out, 0, 0, 1, TRAILER, new byte[0]);
    return out.toByteArray();
  }

  private static void writeEntry(ByteArrayOutputStream out, int ino, int mode, int nlink, String name,
      byte[] data) {
    byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
    // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
    String header = MAGIC + String.format(Locale.ROOT, "%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
        ino, mode, 0, 0, nlink, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0);
    out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(nameBytes);
    pad(out, HEADER + nameBytes.length);
    out.writeBytes(data);
    pad(out, data.length);
  }

  private static void pad(ByteArrayOutputStream out, int written) {
    out.writeBytes(new byte[(4 - written % 4) % 4]);
  }

  /**
   * The directories, regular files (with their permission bits) and symlinks below {@code root}, sorted by
   * path so that a parent comes before what it holds; {@code root} itself is not an entry.
   *
   * @throws UkhookException (USAGE) naming the file when one cannot be read or is a device, fifo or socket
   */
  public static CpioArchive ofDirectory(Path root) {
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(root)) { // does not follow symlinks
      paths = walk.filter(p -> !p.equals(root)).toList();
    } catch (IOException e) {
      throw unreadable(root, root, e);
    } catch (UncheckedIOException e) { // a directory below root that cannot be listed
      throw unreadable(root, root, e.getCause());
    }
    List<Entry> entries = new ArrayList<>();
    for (Path p : paths) {
      entries.add(entry(root, p));
    }
    entries.sort(Comparator.comparing(Entry::path));
    return new CpioArchive(entries);
  }

  private static Entry entry(Path root, Path p) {
    String rel = root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
    try {
      int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      return switch (mode & S_IFMT) {
        case S_IFDIR -> Entry.directory(rel, mode);
        case S_IFLNK -> Entry.symlink(rel, Files.readSymbolicLink(p).toString());
        case S_IFREG -> {
          if (Files.size(p) > Integer.MAX_VALUE - 16) {
            throw new UkhookException(Kind.USAGE, p + " is " + Files.size(p) + " bytes, more than ukhook packs "
                + "into an initrd (2 GiB); leave it out of " + root + " or give a ready-made initrd file");
          }
          yield Entry.file(rel, mode, Files.readAllBytes(p));
        }
        default -> throw new UkhookException(Kind.USAGE, p + " is " + special(mode) + ", which ukhook does not "
            + "pack (only directories, regular files and symlinks); remove it from " + root
            + " or give a ready-made initrd file");
      };
    } catch (IOException e) {
      throw unreadable(root, p, e);
    }
  }

  private static UkhookException unreadable(Path root, Path p, IOException e) {
    Path file = e instanceof FileSystemException f && f.getFile() != null ? Path.of(f.getFile()) : p;
    return new UkhookException(Kind.USAGE, "cannot read " + file + ": " + TextFiles.reason(e)
        + (file.equals(root) ? "; check the path and its permissions"
            : "; make it readable or leave it out of " + root), e);
  }

  private static String special(int mode) {
    return switch (mode & S_IFMT) {
      case 0010000 -> "a fifo";
      case 0020000 -> "a character device";
      case 0060000 -> "a block device";
      case 0140000 -> "a socket";
      default -> String.format(Locale.ROOT, "a file of type %06o", mode & S_IFMT);
    };
  }

  /**
   * Reads a newc archive.
   *
   * @throws UkhookException (USAGE) naming the file when it cannot be read or is not an intact newc archive
   */
  public static CpioArchive read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UkhookException(Kind.USAGE, "cannot read " + file + ": " + TextFiles.reason(e)
          + "; check the path and its permissions", e);
    }
    return decode(bytes, file.toString());
  }

  /**
   * Decodes a newc archive; {@code where} names it in errors. Entries for the root ("." or "/") are left out,
   * and so is anything after the trailer (zero padding, or further archives).
   */
  public static CpioArchive decode(byte[] bytes, String where) {
    List<Entry> entries = new ArrayList<>();
    int at = 0;
    while (true) {
      if (at == 0 && bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
        throw damaged(where, "it is gzip-compressed, and ukhook reads only uncompressed archives; gunzip it first");
      }
      if (at + HEADER > bytes.length) {
        throw damaged(where, "it ends at byte " + bytes.length + " without its TRAILER!!! entry (truncated?)");
      }
      String magic = new String(bytes, at, 6, StandardCharsets.US_ASCII);
      if (!magic.equals(MAGIC) && !magic.equals(MAGIC_CRC)) {
        throw damaged(where, "no newc header (070701) at byte " + at
            + (at == 0 ? " (an old-format or not a cpio archive?)" : ""));
      }
      int mode = (int) field(bytes, at, 1, where);
      long fileSize = field(bytes, at, 6, where);
      long nameSize = field(bytes, at, 11, where);
      int nameAt = at + HEADER;
      if (nameSize < 1 || nameAt + nameSize > bytes.length || bytes[(int) (nameAt + nameSize - 1)] != 0) {
        throw damaged(where, "the entry at byte " + at + " has a broken name (size " + nameSize + ")");
      }
      String name = new String(bytes, nameAt, (int) nameSize - 1, StandardCharsets.UTF_8);
      if (name.equals(TRAILER)) {
        return new CpioArchive(entries);
      }
      int dataAt = align(nameAt + (int) nameSize);
      if (dataAt + fileSize > bytes.length) {
        throw damaged(where, "entry " + name + " at byte " + at + " claims " + fileSize + " bytes, past the end of "
            + "the archive (" + bytes.length + " bytes)");
      }
      if (!normalize(name).isEmpty()) {
        entries.add(new Entry(name, mode, Arrays.copyOfRange(bytes, dataAt, dataAt + (int) fileSize)));
      }
      at = align(dataAt + (int) fileSize);
    }
  }

  private static long field(byte[] bytes, int at, int index, String where) {
    int from = at + 6 + index * 8;
    String hex = new String(bytes, from, 8, StandardCharsets.US_ASCII);
    try {
      return Long.parseLong(hex, 16);
    } catch (NumberFormatException e) {
      throw damaged(where, "the header at byte " + at + " has a field that is not hex: \"" + hex + "\"");
    }
  }

  private static UkhookException damaged(String where, String what) {
    return new UkhookException(Kind.USAGE, where + " is not an intact newc cpio archive: " + what
        + "; recreate it (for example: cd ROOTFS && find . | cpio -o -H newc > FILE) or pass the directory");
  }

  private static int align(int offset) {
    return (offset + 3) & ~3;
  }

  /** "./a/b", "/a/b" and "a/b" are the same entry; "." and "/" are the root. */
  static String normalize(String path) {
    String p = path;
    while (true) {
      if (p.startsWith("./")) {
        p = p.substring(2);
      } else if (p.startsWith("/")) {
        p = p.substring(1);
      } else {
        break;
      }
    }
    return p.equals(".") ? "" : p;
  }
}
