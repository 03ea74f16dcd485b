package dev.ukhook.cli;

import static dev.ukhook.cli.CliTest.assertOneLine;
import static dev.ukhook.cli.CliTest.ukhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.cli.CliTest.Run;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `ukhook restore` on a 0.17-shaped tree that ukhook patched. Regression tests for issue 6, defects 1 and 2:
 * damaged markers made restore delete Unikraft's own code (or leave ukhook's behind), print "restored" and
 * exit 0. Now it refuses with one line, exit 1, and the file keeps every byte.
 */
class RestoreCommandTest {
  @TempDir Path dir;
  Path handler;
  byte[] original;
  String patched;

  static String resource(String name) throws IOException {
    try (InputStream in = RestoreCommandTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
    }
  }

  @BeforeEach
  void patchedTree() throws IOException {
    Files.createDirectories(dir.resolve("lib/syscall_shim"));
    Files.writeString(dir.resolve("Makefile"), "");
    Files.writeString(dir.resolve("version.mk"), "UK_VERSION = 0\nUK_SUBVERSION = 17\nUK_EXTRAVERSION = 0\n");
    handler = dir.resolve("lib/syscall_shim/uk_syscall_binary.c");
    original = resource("/profiles/0.17/binary/before.c").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    patched = resource("/profiles/0.17/binary/after.c");
    Files.writeString(handler, patched);
  }

  Run refused(String damaged) throws IOException {
    Files.writeString(handler, damaged);
    Run r = ukhook("restore", "--unikraft", dir.toString());
    assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
    assertOneLine(r.err());
    assertTrue(r.err().contains("nothing was changed; "), r.err());
    assertEquals("", r.out());
    assertEquals(damaged, Files.readString(handler), "a refused restore changes nothing");
    return r;
  }

  @Test
  void deletedFirstEndMarkerIsRefused() throws IOException {
    Run r = refused(patched.replaceFirst("#endif /\\* ukhook-end binary/include \\*/\n", ""));
    assertEquals("ukhook: " + handler + ":3: a ukhook-begin marker has no ukhook-end before the next begin at line 20; "
        + "nothing was changed; `git -C " + dir + " checkout -- lib/syscall_shim/uk_syscall_binary.c` restores "
        + "Unikraft's original", r.err().strip());
  }

  @Test
  void endMarkerWithAnExtraSpaceIsRefused() throws IOException {
    Run r = refused(patched.replaceFirst("ukhook-end binary/include", "ukhook-end  binary/include"));
    assertEquals("ukhook: " + handler + ":5: this line mentions ukhook-end but is not a ukhook marker in its exact "
        + "format (expected `#endif /* ukhook-end binary/include */`); nothing was changed; `git -C " + dir
        + " checkout -- lib/syscall_shim/uk_syscall_binary.c` restores Unikraft's original", r.err().strip());
  }

  @Test
  void deletedFirstBeginMarkerIsRefused() throws IOException {
    Run r = refused(patched.replaceFirst("#if CONFIG_LIBUKHOOK /\\* ukhook-begin binary/include [^\n]*\n", ""));
    assertTrue(r.err().startsWith("ukhook: " + handler + ":4: a ukhook-end marker has no ukhook-begin before it"), r.err());
  }

  @Test
  void intactPatchIsRestoredToTheOriginalBytes() throws IOException {
    Run r = ukhook("restore", "--unikraft", dir.toString());
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertEquals("ukhook: restored " + handler + " (Unikraft's original bytes)\n", r.out());
    assertEquals(new String(original, java.nio.charset.StandardCharsets.ISO_8859_1), Files.readString(handler));
  }

  @Test
  void editOutsideTheBlocksNeedsForce() throws IOException {
    String edited = patched.replace("print(execenv", "printf(execenv");
    Run r = refused(edited);
    assertTrue(r.err().contains("the file was edited outside ukhook's blocks since ukhook patched it"), r.err());
    r = ukhook("restore", "--unikraft", dir.toString(), "--force");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertEquals("ukhook: removed ukhook's blocks from " + handler + ", but it differs from the file ukhook patched: "
        + "it was edited since\n", r.out());
    assertEquals(new String(original, java.nio.charset.StandardCharsets.ISO_8859_1)
        .replace("print(execenv", "printf(execenv"), Files.readString(handler));
  }
}
