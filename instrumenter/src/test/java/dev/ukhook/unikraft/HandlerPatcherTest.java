package dev.ukhook.unikraft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class HandlerPatcherTest {
  static String resource(String name) throws IOException {
    try (InputStream in = HandlerPatcherTest.class.getResourceAsStream("/patch/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static PatchSpec spec(String name) {
    return PatchSpecs.all().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  @ParameterizedTest
  @CsvSource({"0.17, handler-0.17-shape.c", "0.16, handler-0.16-shape.c"})
  void patchIsIdempotentAndRestoreGivesTheOriginalBytes(String specName, String file) throws IOException {
    String original = resource(file);
    PatchSpec spec = spec(specName);
    String once = HandlerPatcher.patch(original, spec, file);
    assertNotEquals(original, once);
    assertEquals(once, HandlerPatcher.patch(once, spec, file), "patching twice must change nothing");
    assertEquals(original, HandlerPatcher.restore(once, file), "restore must give back the original bytes");
    assertEquals(original, HandlerPatcher.restore(original, file));
    // The dispatch is now wrapped: enter before it, exit after it, with the spec's expressions.
    int enter = once.indexOf("if (ukhook_syscall_enter(" + spec.regs() + ", &ukhook_rec))");
    int dispatch = once.indexOf("\t" + spec.dispatch());
    int exit = once.indexOf("ukhook_syscall_exit(ukhook_rec, " + spec.ret() + ");");
    assertTrue(enter > 0 && enter < dispatch && dispatch < exit, once);
  }

  @Test
  void hookComesAfterTheContextLoadAndKeepsIndentation() throws IOException {
    String once = HandlerPatcher.patch(resource("handler-0.17-shape.c"), spec("0.17"), "f.c");
    assertTrue(once.indexOf("ukarch_sysctx_load( &auxspcb") < once.indexOf("ukhook_syscall_enter"));
    assertTrue(once.contains("\n\tif (ukhook_syscall_enter(&execenv->regs, &ukhook_rec))\n#endif /* ukhook-end */\n"
        + "\texecenv->regs.__syscall_rret0 = uk_syscall6_r_e(execenv);\n#if CONFIG_LIBUKHOOK"), once);
  }

  @Test
  void missingAnchorNamesFileFunctionAndAnchor() throws IOException {
    String src = resource("handler-0.17-shape.c").replace("uk_syscall6_r_e(execenv);", "other(execenv);");
    UkhookException e = assertThrows(UkhookException.class, () -> HandlerPatcher.patch(src, spec("0.17"), "x/uk_syscall_binary.c"));
    assertEquals("x/uk_syscall_binary.c: cannot find the statement `execenv->regs.__syscall_rret0 = "
        + "uk_syscall6_r_e(execenv);` in function ukplat_syscall_handler() (anchor of unikraft-patches/0.17.json); "
        + "the tree differs from Unikraft 0.17, nothing was changed", e.getMessage());
  }

  @Test
  void missingFunctionAndRepeatedAnchorAndWrongOrderAreRefused() throws IOException {
    String src = resource("handler-0.17-shape.c");
    assertTrue(assertThrows(UkhookException.class, () -> HandlerPatcher.patch(
        src.replace("ukplat_syscall_handler", "renamed_handler"), spec("0.17"), "f.c"))
        .getMessage().contains("cannot find the definition of ukplat_syscall_handler()"));
    String twice = src.replace("\texecenv->regs.__syscall_rret0 = uk_syscall6_r_e(execenv);\n",
        "\texecenv->regs.__syscall_rret0 = uk_syscall6_r_e(execenv);\n\texecenv->regs.__syscall_rret0 = uk_syscall6_r_e(execenv);\n");
    assertTrue(assertThrows(UkhookException.class, () -> HandlerPatcher.patch(twice, spec("0.17"), "f.c"))
        .getMessage().contains("occurs 2 times"));
    String swapped = src.replace("\tukarch_sysctx_load( &auxspcb->uksysctx );\n", "")
        .replace("#if CONFIG_LIBSYSCALL_SHIM_STRACE", "\tukarch_sysctx_load(&auxspcb->uksysctx);\n#if CONFIG_LIBSYSCALL_SHIM_STRACE");
    assertTrue(assertThrows(UkhookException.class, () -> HandlerPatcher.patch(swapped, spec("0.17"), "f.c"))
        .getMessage().contains("comes before"));
  }

  @Test
  void damagedBlockIsReportedWithItsLine() throws IOException {
    String once = HandlerPatcher.patch(resource("handler-0.16-shape.c"), spec("0.16"), "f.c");
    String damaged = once.substring(0, once.lastIndexOf(HandlerPatcher.END));
    UkhookException e = assertThrows(UkhookException.class, () -> HandlerPatcher.restore(damaged, "f.c"));
    assertTrue(e.getMessage().startsWith("f.c:"), e.getMessage());
    assertTrue(e.getMessage().contains("has no end marker"));
  }

  @Test
  void commentsAndStringsNeverMatch() {
    CSource c = new CSource("/* f( */ int g(void) { return 1; } // f(\nchar *s = \"f(\";\nvoid f(int a) { x; }\n");
    int[] body = c.functionBody("f");
    assertEquals(" x; ", c.text().substring(body[0], body[1]));
  }

  /** Golden files: the exact text ukhook inserts, per spec (run with -Dukhook.updateGolden=true to rewrite). */
  @ParameterizedTest
  @CsvSource({"0.17, handler-0.17-shape.c, handler-0.17-shape.patched.c",
      "0.16, handler-0.16-shape.c, handler-0.16-shape.patched.c"})
  void patchedTextMatchesItsGoldenFile(String specName, String file, String golden) throws IOException {
    String patched = HandlerPatcher.patch(resource(file), spec(specName), file);
    Path expected = Path.of("src/test/resources/patch", golden);
    if (Boolean.getBoolean("ukhook.updateGolden")) {
      Files.writeString(expected, patched);
    }
    assertEquals(Files.readString(expected), patched);
  }
}
