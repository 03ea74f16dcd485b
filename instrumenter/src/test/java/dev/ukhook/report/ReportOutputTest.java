package dev.ukhook.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A report file appears whole or not at all, and a target that is not a regular file is never replaced. */
class ReportOutputTest {
  @TempDir Path dir;

  @Test
  void aFileIsReplacedWholeAndAFailureLeavesTheOldOneAndNoTemporary() throws IOException {
    Path f = dir.resolve("report.txt");
    ReportOutput.toFile(f, out -> out.append("first\n"));
    assertThrows(IllegalStateException.class, () -> ReportOutput.toFile(f, out -> {
      out.append("half");
      throw new IllegalStateException("the writer failed");
    }));
    assertEquals("first\n", Files.readString(f));
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary left behind");
    }
  }

  /** `-o /dev/stdout` or a pipe: written as it is (a rename over it would replace a device with a file). */
  @Test
  void aPipeIsWrittenToNotReplaced() throws Exception {
    Path fifo = dir.resolve("fifo");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
      try {
        return Files.readString(fifo);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    ReportOutput.toFile(fifo, out -> out.append("through the pipe\n"));
    assertEquals("through the pipe\n", read.get(30, TimeUnit.SECONDS));
    assertFalse(Files.isRegularFile(fifo), "still a pipe");
  }

  @Test
  void aDirectoryIsRefused() {
    UkhookException e = assertThrows(UkhookException.class, () -> ReportOutput.toFile(dir, out -> out.append("x")));
    assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
    assertTrue(Files.isDirectory(dir));
  }
}
