package dev.ukhook.unikraft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BuildErrorsTest {
  @Test
  void compilerErrorComesWithItsFunctionAndSourceContextButNotTheWarnings() {
    List<String> output = List.of(
        "make: Entering directory '/uk'",
        "  CC      libnolibc: stdio.o",
        "  CC      apphello: main.o",
        "/app/main.c: In function ‘main’:",
        "/app/main.c:3:14: warning: unused parameter ‘argc’ [-Wunused-parameter]",
        "    3 | int main(int argc, char **argv){",
        "      |          ~~~~^~~~",
        "/app/main.c:4:5: error: implicit declaration of function ‘prinf’ [-Werror=implicit-function-declaration]",
        "    4 |     prinf(\"hi\");",
        "      |     ^~~~~",
        "      |     printf",
        "cc1: some warnings being treated as errors",
        "make[1]: *** [/uk/support/build/Makefile.rules:250: /app/build/apphello/main.o] Error 1",
        "make: *** [Makefile:1180: sub-make] Error 2",
        "make: Leaving directory '/uk'");

    assertEquals(
        List.of(
            "/app/main.c: In function ‘main’:",
            "/app/main.c:4:5: error: implicit declaration of function ‘prinf’ [-Werror=implicit-function-declaration]",
            "    4 |     prinf(\"hi\");",
            "      |     ^~~~~",
            "      |     printf",
            "make[1]: *** [/uk/support/build/Makefile.rules:250: /app/build/apphello/main.o] Error 1",
            "make: *** [Makefile:1180: sub-make] Error 2"),
        BuildErrors.extract(output));
  }

  @Test
  void linkerErrorKeepsTheCallerAndSkipsLdNoise() {
    List<String> output = List.of(
        "  LD      hello_qemu-x86_64.dbg",
        "/usr/bin/ld: NOTE: This behaviour is deprecated and will be removed in a future version",
        "/usr/bin/ld: warning: /app/build/libkvmplat.o: requires executable stack",
        "/usr/bin/ld: /app/build/apphello.o: in function `main':",
        "/app/main.c:4:(.text.main+0x9): undefined reference to `missing_function'",
        "collect2: error: ld returned 1 exit status",
        "make[1]: *** [/uk/plat/kvm/Linker.uk:45: /app/build/hello_qemu-x86_64.dbg] Error 1");

    assertEquals(
        List.of(
            "/usr/bin/ld: /app/build/apphello.o: in function `main':",
            "/app/main.c:4:(.text.main+0x9): undefined reference to `missing_function'",
            "collect2: error: ld returned 1 exit status",
            "make[1]: *** [/uk/plat/kvm/Linker.uk:45: /app/build/hello_qemu-x86_64.dbg] Error 1"),
        BuildErrors.extract(output));
  }

  @Test
  void kconfigAndMakefileErrorsArePicked() {
    List<String> output = List.of(
        "make: Entering directory '/uk'",
        "/app/Config.uk:3: syntax error",
        "/app/Config.uk:2: invalid statement",
        "make[2]: *** [/uk/support/kconfig/Makefile:78: olddefconfig] Error 1",
        "/app/Makefile.uk:7: *** missing separator.  Stop.");

    assertEquals(
        List.of(
            "/app/Config.uk:3: syntax error",
            "make[2]: *** [/uk/support/kconfig/Makefile:78: olddefconfig] Error 1",
            "/app/Makefile.uk:7: *** missing separator.  Stop."),
        BuildErrors.extract(output));
  }

  @Test
  void assemblerErrorsArePicked() {
    List<String> output = List.of(
        "  AS      libkvmplat: entry64.o",
        "/uk/plat/kvm/x86/entry64.S: Assembler messages:",
        "/uk/plat/kvm/x86/entry64.S:12: Error: no such instruction: `movz %eax'");

    assertEquals(
        List.of("/uk/plat/kvm/x86/entry64.S:12: Error: no such instruction: `movz %eax'"),
        BuildErrors.extract(output));
  }

  @Test
  void manyErrorsAreCutToThirtyLinesWithACount() {
    List<String> output = new ArrayList<>();
    IntStream.rangeClosed(1, 40).forEach(i -> output.add("/app/f" + i + ".c:1:1: error: broken " + i));

    List<String> lines = BuildErrors.extract(output);

    assertEquals(BuildErrors.MAX_LINES + 1, lines.size());
    assertEquals("/app/f30.c:1:1: error: broken 30", lines.get(BuildErrors.MAX_LINES - 1));
    assertEquals("... and 10 more error lines", lines.get(BuildErrors.MAX_LINES));
  }

  @Test
  void withoutRecognisableErrorsTheEndOfTheOutputIsKept() {
    List<String> output = new ArrayList<>();
    IntStream.rangeClosed(1, 25).forEach(i -> output.add("output line " + i));

    assertEquals(output.subList(15, 25), BuildErrors.extract(output));
  }
}
