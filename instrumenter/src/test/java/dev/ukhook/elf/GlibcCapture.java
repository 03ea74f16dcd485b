package dev.ukhook.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ukhook.core.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The registers and stack at a system call inside glibc, from src/test/resources/c/glibc_syscall_capture.c
 * compiled with the host gcc and run: pc (after the syscall instruction), sp, bp, the stack from sp up, and
 * the load base of every object with a file.
 */
record GlibcCapture(long pc, long sp, long bp, Map<Path, Long> objects, byte[] stack, Path program) {
  /** How the program is linked: the glibc start code and the objects differ. */
  enum Link {
    STATIC("-static", "-no-pie"),
    STATIC_PIE("-static-pie"),
    PIE("-pie", "-fPIE");

    final List<String> flags;

    Link(String... flags) {
      this.flags = List.of(flags);
    }
  }

  static void assumeTools() {
    assumeTrue(Tools.onPath("gcc", Tools.path()), "gcc is not on PATH: install it (Debian: apt-get install gcc)");
    assumeTrue(Tools.onPath(Tools.READELF, Tools.path()),
        "readelf is not on PATH: install it (Debian: apt-get install binutils)");
  }

  static GlibcCapture compileAndRun(Path dir, Link link) throws IOException, InterruptedException {
    Path source = dir.resolve("glibc_syscall_capture.c");
    try (InputStream in = GlibcCapture.class.getResourceAsStream("/c/glibc_syscall_capture.c")) {
      Files.write(source, in.readAllBytes());
    }
    Path program = dir.resolve("capture-" + link.name().toLowerCase(Locale.ROOT));
    List<String> gcc = new ArrayList<>(List.of("gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2",
        "-fomit-frame-pointer"));
    gcc.addAll(link.flags);
    gcc.addAll(List.of("-o", program.toString(), source.toString()));
    exec(gcc);
    Path out = dir.resolve("capture-" + link.name().toLowerCase(Locale.ROOT) + ".txt");
    exec(List.of(program.toString(), out.toString()));
    return parse(Files.readAllLines(out), program);
  }

  static GlibcCapture parse(List<String> lines, Path program) {
    long pc = 0;
    long sp = 0;
    long bp = 0;
    Map<Path, Long> objects = new LinkedHashMap<>();
    byte[] stack = null;
    for (String line : lines) {
      String[] f = line.split(" ", 3);
      switch (f[0]) {
        case "pc" -> pc = Long.parseUnsignedLong(f[1], 16);
        case "sp" -> sp = Long.parseUnsignedLong(f[1], 16);
        case "bp" -> bp = Long.parseUnsignedLong(f[1], 16);
        case "object" -> {
          Path file = Path.of(f[2]);
          if (Files.isRegularFile(file)) { // not linux-vdso.so.1
            objects.put(file, Long.parseUnsignedLong(f[1], 16));
          }
        }
        case "stack" -> stack = HexFormat.of().parseHex(f[1]);
        default -> throw new IllegalArgumentException("capture line " + line);
      }
    }
    return new GlibcCapture(pc, sp, bp, objects, stack, program);
  }

  /** The objects as the host maps them, their unwind tables from {@code cache}. */
  List<MappedObject> mapped(CfiCache cache) {
    List<MappedObject> out = new ArrayList<>();
    objects.forEach((file, base) -> out.add(new MappedObject(base, ElfFile.read(file), cache.get(file))));
    return out;
  }

  private static String exec(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + "\n" + out);
    return out;
  }
}
