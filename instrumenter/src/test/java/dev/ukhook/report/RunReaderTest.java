package dev.ukhook.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ukhook.core.UkhookException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReaderTest {
  @TempDir Path dir;

  // A run.json whose rootfs was /dev/zero was said not to exist.
  @Test
  void aRootfsThatIsNeitherADirectoryNorAFileIsSaidSo() {
    UkhookException e = assertThrows(UkhookException.class, () -> RunReader.rootfs(Path.of("/dev/zero")));
    assertEquals("rootfs /dev/zero is neither a directory nor a file: pass the directory the initrd was made of, or"
        + " the initrd (a cpio archive)", e.getMessage());
    Path none = dir.resolve("none");
    e = assertThrows(UkhookException.class, () -> RunReader.rootfs(none));
    assertEquals("rootfs " + none + " does not exist: pass the directory the initrd was made of, or the initrd (a"
        + " cpio archive)", e.getMessage());
  }
}
