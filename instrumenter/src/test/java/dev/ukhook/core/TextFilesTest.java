package dev.ukhook.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextFilesTest {
  @TempDir Path dir;

  @Test
  void writeMakesTheDirectoriesAndReadReadsItBack() {
    Path p = dir.resolve("a/b/c.txt");
    TextFiles.write(p, "hello\n");
    assertEquals("hello\n", TextFiles.read(p));
  }

  @Test
  void writeIfChangedKeepsTheTimestampOfAnUnchangedFile() throws IOException {
    Path p = dir.resolve("c.txt");
    TextFiles.write(p, "same");
    FileTime old = FileTime.fromMillis(1_000_000);
    Files.setLastModifiedTime(p, old);
    assertFalse(TextFiles.writeIfChanged(p, "same"));
    assertEquals(old, Files.getLastModifiedTime(p));
    assertTrue(TextFiles.writeIfChanged(p, "other"));
    assertEquals("other", TextFiles.read(p));
  }

  @Test
  void aFileThatCannotBeReplacedIsNamedWithTheOsReason() throws Exception {
    Path sub = Files.createDirectories(dir.resolve("tree"));
    Path p = Files.writeString(sub.resolve("handler.c"), "old");
    try {
      assumeTrue(Unwritable.make(sub), Unwritable.SKIPPED);
      UkhookException check = assertThrows(UkhookException.class, () -> TextFiles.checkReplaceable(p, "; ok"));
      assertEquals(UkhookException.Kind.ENVIRONMENT, check.kind());
      assertTrue(check.getMessage().matches("cannot write .*/tree/handler.c: (permission denied|operation not "
          + "permitted); ok"), check.getMessage());
      assertFalse(check.getMessage().contains(".tmp"), "names the file, not the temporary one");
    } finally {
      Unwritable.undo(sub);
    }
    assertEquals("old", Files.readString(p));
  }

  @Test
  void reasonsAreWordsNotPaths() {
    assertEquals("permission denied", TextFiles.reason(new AccessDeniedException("/x/.ukhook-1.tmp")));
    assertEquals("no such file or directory", TextFiles.reason(new NoSuchFileException("/x")));
    assertEquals("read-only file system", TextFiles.reason(new FileSystemException("/x", null, "Read-only file system")));
    assertEquals("disk full", TextFiles.reason(new IOException("disk full")));
  }

  @Test
  void deleteTreeRemovesEverythingAndToleratesAbsence() throws IOException {
    TextFiles.write(dir.resolve("t/a/b.txt"), "x");
    TextFiles.deleteTree(dir.resolve("t"));
    assertFalse(Files.exists(dir.resolve("t")));
    TextFiles.deleteTree(dir.resolve("t"));
  }

  @Test
  void unreadableFileIsAOneLineFailure() {
    UkhookException e = assertThrows(UkhookException.class, () -> TextFiles.read(dir.resolve("missing")));
    assertEquals("cannot read " + dir.resolve("missing") + ": no such file or directory", e.getMessage());
  }
}
