package dev.ukhook.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;


import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.CpioArchive.Entry;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpioArchiveTest {
  @TempDir Path dir;

  /** A root file system as app-elfloader gets one: a program, a library, a config file, a symlink. */
  private Path rootfs() throws IOException {
    Path root = Files.createDirectories(dir.resolve("rootfs"));
    Files.createDirectories(root.resolve("lib"));
    Files.createDirectories(root.resolve("etc"));
    Files.write(root.resolve("prog"), new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, (byte) 0xff});
    Files.setPosixFilePermissions(root.resolve("prog"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(root.resolve("lib/libc.so.6"), "not really a libc");
    Files.setPosixFilePermissions(root.resolve("lib/libc.so.6"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(root.resolve("etc/hosts"), "127.0.0.1 localhost\n"); // 20 bytes: no data padding
    Files.setPosixFilePermissions(root.resolve("etc/hosts"), PosixFilePermissions.fromString("rw-r-----"));
    Files.setPosixFilePermissions(root.resolve("etc"), PosixFilePermissions.fromString("rwx------"));
    Files.createSymbolicLink(root.resolve("lib/libc.so"), Path.of("libc.so.6"));
    return root;
  }

  @Test
  void aDirectoryPacksSortedWithItsModesAndReadsBackByteExact() throws IOException {
    Path root = rootfs();

    CpioArchive packed = CpioArchive.ofDirectory(root);

    assertEquals(List.of(
        Entry.directory("etc", 0700),
        Entry.file("etc/hosts", 0640, "127.0.0.1 localhost\n".getBytes(StandardCharsets.UTF_8)),
        Entry.directory("lib", 0755),
        Entry.symlink("lib/libc.so", "libc.so.6"),
        Entry.file("lib/libc.so.6", 0755, "not really a libc".getBytes(StandardCharsets.UTF_8)),
        Entry.file("prog", 0755, Files.readAllBytes(root.resolve("prog")))), packed.entries());
    Path file = dir.resolve("initrd.cpio");
    Files.write(file, packed.toBytes());
    CpioArchive read = CpioArchive.read(file);
    assertEquals(packed.entries(), read.entries());
    assertArrayEquals(Files.readAllBytes(root.resolve("prog")), read.file("prog").orElseThrow());
    assertArrayEquals(Files.readAllBytes(file), read.toBytes(), "what was read writes the same bytes");
  }

  @Test
  void twoPacksOfTheSameTreeAreTheSameBytes() throws IOException {
    Path root = rootfs();
    byte[] first = CpioArchive.ofDirectory(root).toBytes();
    // Another time and a fresh copy: neither mtime nor inode numbers nor the walk order may show.
    Files.setLastModifiedTime(root.resolve("prog"), java.nio.file.attribute.FileTime.fromMillis(0));
    Path copy = dir.resolve("copy");
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted().toList()) { // parents first
        Path to = copy.resolve(root.relativize(p).toString());
        Files.copy(p, to, LinkOption.NOFOLLOW_LINKS, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
      }
    }

    assertArrayEquals(first, CpioArchive.ofDirectory(root).toBytes());
    assertArrayEquals(first, CpioArchive.ofDirectory(copy).toBytes());
  }

  @Test
  void theBytesAreNewcAsLinuxDocumentsThem() {
    String hi = "070701" + "00000001" + "000081A4" + "00000000" + "00000000" + "00000001" + "00000000"
        + "00000002" + "00000000" + "00000000" + "00000000" + "00000000" + "00000002" + "00000000"
        + "a\0" // 110 + 2: aligned
        + "hi\0\0";
    String trailer = "070701" + "00000000" + "00000000" + "00000000" + "00000000" + "00000001" + "00000000"
        + "00000000" + "00000000" + "00000000" + "00000000" + "00000000" + "0000000B" + "00000000"
        + "TRAILER!!!\0" + "\0\0\0"; // 110 + 11, padded to 124

    byte[] bytes = new CpioArchive(List.of(Entry.file("a", 0644, "hi".getBytes(StandardCharsets.US_ASCII))))
        .toBytes();

    assertEquals(hi + trailer, new String(bytes, StandardCharsets.ISO_8859_1));
  }

  @Test
  void filesAreFoundWithOrWithoutALeadingDotSlash() throws IOException {
    CpioArchive a = CpioArchive.ofDirectory(rootfs());

    assertEquals("not really a libc", new String(a.file("/lib/libc.so.6").orElseThrow(), StandardCharsets.UTF_8));
    assertEquals("not really a libc", new String(a.file("./lib/libc.so.6").orElseThrow(), StandardCharsets.UTF_8));
    assertEquals(Optional.empty(), a.file("lib/libc.so"), "a symlink is not a file");
    assertEquals(Optional.empty(), a.file("lib"), "nor is a directory");
    assertEquals(Optional.empty(), a.file("bin/sh"));
  }

  /** The names `find . | cpio -o -H newc` writes: "." for the root, "./" in front of everything else. */
  @Test
  void anArchiveWithDotSlashNamesReadsAsRelativePaths() {
    String archive = header(0040755, 0, 2) + ".\0" + header(0100755, 3, 7) + "./prog\0\0\0\0" + "abc\0"
        + header(0, 0, 11) + "TRAILER!!!\0\0\0\0" + "\0".repeat(512);

    CpioArchive a = CpioArchive.decode(archive.getBytes(StandardCharsets.ISO_8859_1), "find.cpio");

    assertEquals(List.of(Entry.file("prog", 0755, "abc".getBytes(StandardCharsets.US_ASCII))), a.entries());
    assertEquals("prog", a.entries().get(0).path());
  }

  private static String header(int mode, int fileSize, int nameSize) {
    return String.format("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x", 1, mode, 1000, 1000, 1,
        1_700_000_000, fileSize, 8, 1, 0, 0, nameSize, 0);
  }

  @Test
  void damagedArchivesAreOneLineNamingTheFileAndWhatToDo() throws IOException {
    byte[] good = new CpioArchive(List.of(Entry.file("a", 0644, new byte[] {'h', 'i'}))).toBytes();
    String fix = "; recreate it (for example: cd ROOTFS && find . | cpio -o -H newc > FILE) or pass the directory";

    assertDamaged("x.cpio is not an intact newc cpio archive: it ends at byte 116 without its TRAILER!!! entry "
        + "(truncated?)" + fix, Arrays.copyOf(good, 116));
    assertDamaged("x.cpio is not an intact newc cpio archive: entry a at byte 0 claims 2 bytes, past the end of "
        + "the archive (113 bytes)" + fix, Arrays.copyOf(good, 113));
    byte[] badMagic = good.clone();
    badMagic[5] = '7';
    assertDamaged("x.cpio is not an intact newc cpio archive: no newc header (070701) at byte 0 (an old-format "
        + "or not a cpio archive?)" + fix, badMagic);
    byte[] badHex = good.clone();
    badHex[6 + 6 * 8] = 'z';
    assertDamaged("x.cpio is not an intact newc cpio archive: the header at byte 0 has a field that is not hex: "
        + "\"z0000002\"" + fix, badHex);
    assertDamaged("x.cpio is not an intact newc cpio archive: it is gzip-compressed, and ukhook reads only "
        + "uncompressed archives; gunzip it first" + fix, new byte[] {0x1f, (byte) 0x8b, 8, 0});

    Path missing = dir.resolve("missing.cpio");
    UkhookException e = assertThrows(UkhookException.class, () -> CpioArchive.read(missing));
    assertEquals(Kind.USAGE, e.kind());
    assertEquals("cannot read " + missing + ": no such file or directory; check the path and its permissions",
        e.getMessage());
  }

  private static void assertDamaged(String message, byte[] bytes) {
    UkhookException e = assertThrows(UkhookException.class, () -> CpioArchive.decode(bytes, "x.cpio"));
    assertEquals(Kind.USAGE, e.kind());
    assertEquals(message, e.getMessage());
  }

  @Test
  void aSocketOrFifoInTheDirectoryIsRefusedNamingIt() throws Exception {
    Path root = rootfs();
    Path socket = root.resolve("etc/ctl.sock");
    try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      s.bind(UnixDomainSocketAddress.of(socket));
      UkhookException e = assertThrows(UkhookException.class, () -> CpioArchive.ofDirectory(root));
      assertEquals(Kind.USAGE, e.kind());
      assertEquals(socket + " is a socket, which ukhook does not pack (only directories, regular files and "
          + "symlinks); remove it from " + root + " or give a ready-made initrd file", e.getMessage());
    }
    Files.delete(socket);

    Path fifo = root.resolve("fifo");
    assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "SKIPPED: no mkfifo here");
    UkhookException e = assertThrows(UkhookException.class, () -> CpioArchive.ofDirectory(root));
    assertTrue(e.getMessage().startsWith(fifo + " is a fifo, which ukhook does not pack"), e.getMessage());
  }

  @Test
  void anUnreadableFileIsRefusedNamingIt() throws IOException {
    Path root = rootfs();
    Path secret = root.resolve("etc/hosts");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
    assumeTrue(!Files.isReadable(secret), "SKIPPED: running as root, which reads a file of mode 000");

    UkhookException e = assertThrows(UkhookException.class, () -> CpioArchive.ofDirectory(root));
    assertEquals(Kind.USAGE, e.kind());
    assertEquals("cannot read " + secret + ": permission denied; make it readable or leave it out of " + root,
        e.getMessage());
  }

  /** GNU cpio, where it is installed (Debian package cpio), as a reader that shares no code with ukhook. */
  @Test
  void gnuCpioListsAndExtractsWhatWasPacked() throws Exception {
    Optional<Path> cpio = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .filter(d -> !d.isEmpty()).map(d -> Path.of(d, "cpio")).filter(Files::isExecutable).findFirst();
    assumeTrue(cpio.isPresent(), "SKIPPED: no cpio program on PATH (Debian package cpio) for the independent check");
    Path root = rootfs();
    Path file = dir.resolve("initrd.cpio");
    Files.write(file, CpioArchive.ofDirectory(root).toBytes());

    Process list = new ProcessBuilder(cpio.get().toString(), "-t", "--quiet", "-F", file.toString()).start();
    String names = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, list.waitFor(), new String(list.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    assertEquals(List.of("etc", "etc/hosts", "lib", "lib/libc.so", "lib/libc.so.6", "prog"), names.lines().toList());

    Path out = Files.createDirectories(dir.resolve("extracted"));
    Process extract = new ProcessBuilder(cpio.get().toString(), "-i", "-d", "--quiet", "-F", file.toString())
        .directory(out.toFile()).start();
    assertEquals(0, extract.waitFor(), new String(extract.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    assertEquals(CpioArchive.ofDirectory(root).entries(), CpioArchive.ofDirectory(out).entries());
  }
}
