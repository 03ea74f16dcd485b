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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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

  /** A FIFO made with mkfifo(1): Java cannot make one. */
  static Path fifo(Path at) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("mkfifo", at.toString()).redirectErrorStream(true).start();
    assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
    return at;
  }

  // Issue 18, defect 7: a small file is refused by what it is and by its size before it is read.
  @Test
  @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aSmallFileIsRefusedUnlessRegularAndSmall() throws Exception {
    Path fifo = fifo(dir.resolve("p.yaml"));
    UkhookException e = assertThrows(UkhookException.class, () -> TextFiles.readSmall(fifo, "policy file"));
    assertEquals(UkhookException.Kind.USAGE, e.kind());
    assertEquals("cannot read policy file " + fifo + ": it is a FIFO (named pipe), not a regular file; pass the "
        + "file itself", e.getMessage());
    e = assertThrows(UkhookException.class, () -> TextFiles.readSmall(Path.of("/dev/zero"), "run.json"));
    assertEquals("cannot read run.json /dev/zero: it is a character device, not a regular file; pass the file "
        + "itself", e.getMessage());
    e = assertThrows(UkhookException.class, () -> TextFiles.readSmall(dir, "policy file"));
    assertEquals("cannot read policy file " + dir + ": it is a directory, not a regular file; pass the file "
        + "itself", e.getMessage());

    Path big = Files.write(dir.resolve("big.yaml"), new byte[(int) TextFiles.SMALL_FILE_BYTES + 1]);
    e = assertThrows(UkhookException.class, () -> TextFiles.readSmall(big, "policy file"));
    assertEquals("cannot read policy file " + big + ": it holds 1048577 bytes, more than the 1 MiB a policy "
        + "file may have; is it the right file?", e.getMessage());
    Path limit = Files.writeString(dir.resolve("limit.yaml"), "#".repeat((int) TextFiles.SMALL_FILE_BYTES));
    assertEquals(TextFiles.SMALL_FILE_BYTES, TextFiles.readSmall(limit, "policy file").length());

    Path latin1 = Files.write(dir.resolve("latin1.yaml"), new byte[] {'#', (byte) 0xe9, '\n'});
    e = assertThrows(UkhookException.class, () -> TextFiles.readSmall(latin1, "policy file"));
    assertEquals("cannot read policy file " + latin1 + ": it is not UTF-8 text", e.getMessage());
  }

  @Test
  void aStreamIsBoundedAndADeviceRefused() throws IOException {
    UkhookException e = assertThrows(UkhookException.class,
        () -> TextFiles.openStream(Path.of("/dev/zero"), "link map", 100));
    assertEquals("cannot read link map /dev/zero: it is a character device, not a file; pass the file itself",
        e.getMessage());
    Path map = Files.write(dir.resolve("link.map"), new byte[101]);
    e = assertThrows(UkhookException.class, () -> TextFiles.openStream(map, "link map", 100));
    assertEquals("cannot read link map " + map + ": it holds 101 bytes, more than the 100 bytes a link map may "
        + "have; is it the right file?", e.getMessage());
    Files.write(map, new byte[100]);
    try (java.io.InputStream in = TextFiles.openStream(map, "link map", 100)) {
      assertEquals(100, in.readAllBytes().length);
    }
  }

  // Issue 18, defect 20: one rule for every file a command is told to write.
  @Test
  void anOutputIsCheckedBeforeAnyWork() throws IOException {
    Path existing = Files.writeString(dir.resolve("report.txt"), "mine\n");
    UkhookException e = assertThrows(UkhookException.class, () -> TextFiles.checkOutput(existing, "-o", false));
    assertEquals(UkhookException.Kind.USAGE, e.kind());
    assertEquals("-o " + existing + ": the file exists; pass --overwrite to replace it, or name another file; "
        + "nothing was written", e.getMessage());
    TextFiles.checkOutput(existing, "-o", true);
    assertEquals("mine\n", Files.readString(existing));

    Path missing = dir.resolve("no/such/report.txt");
    e = assertThrows(UkhookException.class, () -> TextFiles.checkOutput(missing, "--html", true));
    assertEquals("--html " + missing + ": directory " + dir.resolve("no/such") + " does not exist; create it, or "
        + "name a file in a directory that does; nothing was written", e.getMessage());
    assertFalse(Files.exists(dir.resolve("no")));

    e = assertThrows(UkhookException.class, () -> TextFiles.checkOutput(dir, "--dot", true));
    assertEquals("--dot " + dir + ": it is a directory; name the file to write", e.getMessage());

    TextFiles.checkOutput(dir.resolve("new.txt"), "-o", false);
    TextFiles.checkOutput(Path.of("/dev/null"), "-o", false);
    TextFiles.checkOutput(Path.of("/dev/stdout"), "-o", false); // whatever the shell made of stdout
    assertTrue(TextFiles.writtenInPlace(Path.of("/dev/stdout")));
    assertFalse(TextFiles.writtenInPlace(existing));
  }
}
