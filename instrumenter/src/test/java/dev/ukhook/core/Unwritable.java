package dev.ukhook.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Makes a directory unwritable for this process: its mode for a normal user; root ignores modes, so for root
 * the immutable attribute too (chattr +i, where the file system has it).
 */
public final class Unwritable {
  public static final String SKIPPED = "SKIPPED: cannot make a directory unwritable here (running as root where "
      + "chattr +i does not work)";

  private Unwritable() {}

  /** True if {@code dir} is now unwritable; call {@link #undo} afterwards either way. */
  public static boolean make(Path dir) throws IOException, InterruptedException {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
    if (!canCreateIn(dir)) {
      return true;
    }
    new ProcessBuilder("chattr", "+i", dir.toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    return !canCreateIn(dir);
  }

  public static void undo(Path dir) throws IOException, InterruptedException {
    try {
      new ProcessBuilder("chattr", "-i", dir.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    } catch (IOException noChattr) {
      // then it was never set
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static boolean canCreateIn(Path dir) {
    try {
      Files.delete(Files.createTempFile(dir, "probe", ""));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
