package dev.ukhook.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.CpioArchive;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitrdTest {
  @TempDir Path dir;

  @Test
  void aDirectoryIsPackedIntoTheRunDirectory() throws IOException {
    Path root = Files.createDirectories(dir.resolve("rootfs/bin"));
    Files.writeString(root.resolve("prog"), "elf");
    Path run = Files.createDirectories(dir.resolve("run"));

    Initrd initrd = Initrd.of(dir.resolve("rootfs/./"));

    assertTrue(initrd.packed());
    assertEquals(dir.resolve("rootfs"), initrd.rootfs());
    assertEquals(2, initrd.packedEntries());
    assertFalse(Files.exists(run.resolve("initrd.cpio")), "nothing is written before the run");
    Path written = initrd.writeInto(run);
    assertEquals(run.resolve("initrd.cpio"), written);
    assertArrayEquals(CpioArchive.ofDirectory(dir.resolve("rootfs")).toBytes(), Files.readAllBytes(written));
  }

  @Test
  void aFileIsPassedAsItIs() throws IOException {
    Path file = Files.writeString(dir.resolve("my.cpio"), "whatever QEMU should load");
    Path run = Files.createDirectories(dir.resolve("run"));

    Initrd initrd = Initrd.of(file);

    assertFalse(initrd.packed());
    assertEquals(file, initrd.rootfs());
    assertEquals(file, initrd.writeInto(run));
    try (var files = Files.list(run)) {
      assertEquals(0, files.count(), "a file is not copied");
    }
  }

  @Test
  void errorsAreOneLineNamingThePathAndWhatToDo() throws IOException {
    Path missing = dir.resolve("nothing-here");
    assertUsage("--initrd " + missing + ": no such file or directory; name an initrd file, or a directory to "
        + "pack into one", missing);
    Path socket = dir.resolve("s.sock");
    try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      s.bind(UnixDomainSocketAddress.of(socket));
      assertUsage("--initrd " + socket + " is neither a regular file nor a directory; name an initrd file, or a "
          + "directory to pack into one", socket);
      Path root = Files.createDirectories(dir.resolve("rootfs"));
      Path inside = Files.move(socket, root.resolve("s.sock"));
      assertUsage("--initrd: " + inside + " is a socket, which ukhook does not pack (only directories, regular "
          + "files and symlinks); remove it from " + root + " or give a ready-made initrd file", root);
    }
  }

  private static void assertUsage(String message, Path given) {
    UkhookException e = assertThrows(UkhookException.class, () -> Initrd.of(given));
    assertEquals(Kind.USAGE, e.kind());
    assertEquals(message, e.getMessage());
  }
}
