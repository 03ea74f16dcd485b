package dev.ukhook.unikraft;

import dev.ukhook.core.UkhookException.Kind;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MakeRunner with shell scripts standing in for Unikraft's make. */
class MakeRunnerTest {
  private static final String SUCCESS =
      String.join("\n",
          "echo \"make: Entering directory '/uk'\"",
          "echo '  CC      libnolibc: stdio.o'",
          "echo '  CC      libnolibc: string.o'",
          "echo '/usr/bin/ld: warning: libinfo.o: missing .note.GNU-stack section' >&2",
          "echo '  AS      libkvmplat: entry64.o'",
          "echo '  LD      hello_qemu-x86_64.dbg'",
          "echo '  SCSTRIP hello_qemu-x86_64'",
          "echo '  UKBI    hello_qemu-x86_64.bootinfo'",
          "echo \"make: Leaving directory '/uk' with A=$A in $(pwd)\"",
          "");
  private static final String FAILURE =
      String.join("\n",
          "echo '  CC      libnolibc: stdio.o'",
          "echo '  CC      apphello: main.o'",
          "echo '/app/main.c: In function ‘main’:' >&2",
          "echo '/app/main.c:4:5: error: ‘x’ undeclared (first use in this function)' >&2",
          "echo '    4 |     return x;' >&2",
          "echo '      |            ^' >&2",
          "echo '/app/main.c:4:5: note: each undeclared identifier is reported only once' >&2",
          "echo '  CC      libukdebug: print.o'",
          "echo 'make[1]: *** [Makefile.rules:250: main.o] Error 1' >&2",
          "echo 'make: *** [Makefile:1180: sub-make] Error 2' >&2",
          "exit 2",
          "");

  @TempDir Path dir;
  private final ByteArrayOutputStream progressBytes = new ByteArrayOutputStream();
  private final PrintStream progress = new PrintStream(progressBytes, true, StandardCharsets.UTF_8);

  @Test
  void successfulBuildCountsStepsAndLogsEverything() throws Exception {
    Path log = dir.resolve("logs/build.log");
    Path work = Files.createDirectory(dir.resolve("work"));

    BuildResult result = new MakeRunner(progress, false, Duration.ZERO)
        .run(List.of(script(SUCCESS).toString()), work, Map.of("A", "/app"), log);

    assertTrue(result.ok());
    assertEquals(6, result.steps());
    assertEquals(List.of(), result.errorLines());
    assertEquals(log, result.logFile());
    assertEquals(
        String.join("\n",
            "make: Entering directory '/uk'",
            "  CC      libnolibc: stdio.o",
            "  CC      libnolibc: string.o",
            "/usr/bin/ld: warning: libinfo.o: missing .note.GNU-stack section",
            "  AS      libkvmplat: entry64.o",
            "  LD      hello_qemu-x86_64.dbg",
            "  SCSTRIP hello_qemu-x86_64",
            "  UKBI    hello_qemu-x86_64.bootinfo",
            "make: Leaving directory '/uk' with A=/app in " + work.toRealPath(),
            ""),
        Files.readString(log));
    assertEquals(
        String.join("\n",
            "[build] 1 step  CC libnolibc: stdio.o",
            "[build] 2 steps  CC libnolibc: string.o",
            "[build] 3 steps  AS libkvmplat: entry64.o",
            "[build] 4 steps  LD hello_qemu-x86_64.dbg",
            "[build] 5 steps  SCSTRIP hello_qemu-x86_64",
            "[build] 6 steps  UKBI hello_qemu-x86_64.bootinfo",
            ""),
        progressBytes.toString(StandardCharsets.UTF_8));
  }

  @Test
  void plainProgressIsThrottled() throws Exception {
    BuildResult result = new MakeRunner(progress, false, Duration.ofHours(1))
        .run(List.of(script(SUCCESS).toString()), dir, Map.of(), dir.resolve("build.log"));

    assertEquals(6, result.steps());
    assertEquals("[build] 1 step  CC libnolibc: stdio.o\n", progressBytes.toString(StandardCharsets.UTF_8));
  }

  @Test
  void terminalProgressRedrawsOneLineAndErasesIt() throws Exception {
    new MakeRunner(progress, true, Duration.ZERO)
        .run(List.of(script(SUCCESS).toString()), dir, Map.of(), dir.resolve("build.log"));

    String drawn = progressBytes.toString(StandardCharsets.UTF_8);
    assertTrue(drawn.startsWith("\r[build] 1 step  CC libnolibc: stdio.o\033[K\r[build] 2 steps  "), drawn);
    assertTrue(drawn.endsWith("\r[build] 6 steps  UKBI hello_qemu-x86_64.bootinfo\033[K\r\033[K"), drawn);
    assertFalse(drawn.contains("\n"), "a status line never scrolls");
  }

  @Test
  void failedBuildReturnsTheCompilerErrorAmidTheNoise() throws Exception {
    Path log = dir.resolve("build.log");

    BuildResult result = new MakeRunner(progress, false, Duration.ZERO)
        .run(List.of(script(FAILURE).toString()), dir, Map.of(), log);

    assertFalse(result.ok());
    assertEquals(2, result.exitCode());
    assertEquals(3, result.steps());
    assertEquals(
        List.of(
            "/app/main.c: In function ‘main’:",
            "/app/main.c:4:5: error: ‘x’ undeclared (first use in this function)",
            "    4 |     return x;",
            "      |            ^",
            "/app/main.c:4:5: note: each undeclared identifier is reported only once",
            "make[1]: *** [Makefile.rules:250: main.o] Error 1",
            "make: *** [Makefile:1180: sub-make] Error 2"),
        result.errorLines());
    List<String> logged = Files.readAllLines(log);
    assertEquals(10, logged.size(), "every line of stdout and stderr");
    assertEquals("  CC      libukdebug: print.o", logged.get(7), "in the order they came");
  }

  @Test
  void missingMakeIsAnEnvironmentError() {
    UkhookException e = assertThrows(UkhookException.class, () -> new MakeRunner(progress, false, Duration.ZERO)
        .run(List.of("make-ukhook-absent", "-C", "/uk"), dir, Map.of(), dir.resolve("build.log")));

    assertEquals(Kind.ENVIRONMENT, e.kind());
    assertEquals(
        "missing on PATH: make-ukhook-absent; install it",
        e.getMessage());
  }

  @Test
  void stepLinesAreUnikraftsQuietBuildLines() {
    assertEquals("CC libnolibc: string.o", MakeRunner.step("  CC      libnolibc: string.o"));
    assertEquals("OBJCOPY libukdebug.o", MakeRunner.step("  OBJCOPY libukdebug.o"));
    assertNull(MakeRunner.step("    4 |     return x;"));
    assertNull(MakeRunner.step("make: Entering directory '/uk'"));
    assertNull(MakeRunner.step("gcc -c -o main.o main.c"));
  }

  private Path script(String body) throws IOException {
    Path script = dir.resolve("fake-make");
    Files.writeString(script, "#!/bin/sh\n" + body);
    script.toFile().setExecutable(true);
    return script;
  }
}
