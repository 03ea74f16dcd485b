package dev.ukhook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.pipeline.Output;
import dev.ukhook.pipeline.Steps;
import dev.ukhook.pipeline.TestTrees;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** In-process CLI runs: exit code, stdout and stderr. */
public class CliTest {
  @TempDir Path dir;

  public record Run(int exitCode, String out, String err) {}

  public static Run ukhook(String... args) {
    return ukhook(Steps::real, args);
  }

  /** In process, with the steps' make and QEMU from {@code wiring} (fakes, in tests). */
  public static Run ukhook(Function<Output, Steps> wiring, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = Ukhook.commandLine(new PrintWriter(out), new PrintWriter(err), wiring).execute(args);
    return new Run(rc, out.toString(), err.toString());
  }

  Path fakeTree(String name, int minor, String handlerResource) throws IOException {
    return TestTrees.tree(dir, name, minor, handlerResource);
  }

  Path app() throws IOException {
    return TestTrees.app(dir, "app");
  }

  static void assertOneLine(String err) {
    assertEquals(1, err.strip().lines().count(), err);
    assertTrue(err.startsWith("ukhook: "), err);
  }

  @Test
  void notAUnikraftTree() throws IOException {
    Run r = ukhook("instrument", "--unikraft", dir.toString(), "--app", app().toString());
    assertEquals(ExitCode.ENVIRONMENT, r.exitCode());
    assertOneLine(r.err());
    assertTrue(r.err().contains(dir + " is not a Unikraft tree"), r.err());
    assertFalse(Files.exists(dir.resolve("app/.ukhook")));
  }

  @Test
  void unsupportedVersion() throws IOException {
    Path uk = fakeTree("uk015", 15, "0.17");
    Run r = ukhook("instrument", "--unikraft", uk.toString(), "--app", app().toString());
    assertEquals(ExitCode.ENVIRONMENT, r.exitCode());
    assertOneLine(r.err());
    assertTrue(r.err().contains("Unikraft 0.15.0 is not supported: ukhook supports 0.16.x, 0.17.0 and main"), r.err());
  }

  @Test
  void appWithoutMakefileUk() throws IOException {
    Path uk = fakeTree("uk017", 17, "0.17");
    Files.createDirectories(dir.resolve("notapp"));
    Run r = ukhook("instrument", "--unikraft", uk.toString(), "--app", dir.resolve("notapp").toString());
    assertEquals(ExitCode.USAGE, r.exitCode());
    assertOneLine(r.err());
    assertTrue(r.err().contains("has no Makefile.uk"), r.err());
    assertFalse(Files.exists(dir.resolve("notapp/.ukhook")));
  }

  @Test
  void missingAnchorWritesNothing() throws IOException {
    Path uk = fakeTree("uk017", 17, "0.16");
    Path handler = uk.resolve("lib/syscall_shim/uk_syscall_binary.c");
    byte[] before = Files.readAllBytes(handler);
    Path app = app();
    Run r = ukhook("instrument", "--unikraft", uk.toString(), "--app", app.toString());
    assertEquals(ExitCode.FAILURE, r.exitCode());
    assertOneLine(r.err());
    assertTrue(r.err().contains(handler + ": cannot find the statement `ukarch_sysctx_load(&auxspcb->uksysctx);` "
        + "in function ukplat_syscall_handler()"), r.err());
    assertEquals(new String(before, StandardCharsets.UTF_8), Files.readString(handler));
    assertFalse(Files.exists(app.resolve(".ukhook")), "nothing may be written on a bad anchor");
  }

  @Test
  void noUnikraftTreeGiven() throws IOException {
    Run r = ukhook("restore");
    if (System.getenv("UK_ROOT") == null) {
      assertEquals(ExitCode.ENVIRONMENT, r.exitCode());
      assertOneLine(r.err());
      assertTrue(r.err().contains("pass --unikraft DIR or set UK_ROOT"), r.err());
    }
  }

  @Test
  void restoreOfAnUnpatchedTreeChangesNothing() throws IOException {
    Path uk = fakeTree("uk016", 16, "0.16");
    Path handler = uk.resolve("lib/syscall_shim/uk_syscall_binary.c");
    String before = Files.readString(handler);
    Run r = ukhook("restore", "--unikraft", uk.toString());
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertTrue(r.out().contains("carries no ukhook patch"));
    assertEquals(before, Files.readString(handler));
  }

  @Test
  void badOptionValueIsAUsageError() throws IOException {
    Path uk = fakeTree("uk017", 17, "0.17");
    Run r = ukhook("instrument", "--unikraft", uk.toString(), "--app", app().toString(), "--ring", "1000");
    assertEquals(ExitCode.USAGE, r.exitCode());
    assertEquals("ukhook: --ring must be a power of two of at least 2 records, got 1000", r.err().strip());
  }

  @Test
  void runWithoutQemuSaysWhatToInstallAndCreatesNoRun() throws IOException {
    Path app = app();
    Run r = ukhook("run", app.toString(), "--qemu", dir.resolve("no-such-qemu").toString());
    assertEquals(ExitCode.ENVIRONMENT, r.exitCode());
    assertOneLine(r.err());
    assertEquals("ukhook: " + dir.resolve("no-such-qemu") + " is not an executable file", r.err().strip());
    assertFalse(Files.exists(app.resolve(".ukhook")));
  }

  @Test
  void noCommandIsAUsageError() {
    Run r = ukhook();
    assertEquals(ExitCode.USAGE, r.exitCode());
    assertTrue(r.err().startsWith("ukhook: missing command: try `ukhook trace APP --unikraft DIR`"), r.err());
  }
}
