package dev.ukhook.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** A host harness from src/test/resources/c, built against a rendered hook library as the guest's code is built. */
public final class HostC {
  public record Result(byte[] stdout, List<String> stderr) {}

  private HostC() {}

  public static Path build(Path dir, HookLibrarySpec spec, String source) throws IOException, InterruptedException {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")), "host gcc not found at /usr/bin/gcc: install gcc");
    Path lib = dir.resolve("lib-" + spec.frames() + "-" + spec.overflow() + "-" + spec.mode());
    for (Map.Entry<String, String> f : HookLibrary.render(spec).entrySet()) {
      Files.createDirectories(lib.resolve(f.getKey()).getParent());
      Files.writeString(lib.resolve(f.getKey()), f.getValue());
    }
    Path src = dir.resolve(source);
    copy("/c/" + source, src);
    copy("/c/uk/essentials.h", dir.resolve("host-include/uk/essentials.h"));
    copy("/c/uk/arch/lcpu.h", dir.resolve("host-include/uk/arch/lcpu.h"));
    Path bin = lib.resolve(source.replaceFirst("\\.c$", ""));
    // The guest's frame-pointer flags (CONFIG_OPTIMIZE_NOOMITFP and the hook library's COMPFLAGS).
    Result r = exec(List.of("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-fno-omit-frame-pointer",
        "-mno-omit-leaf-frame-pointer", "-fno-optimize-sibling-calls", "-I", lib.resolve("include").toString(),
        "-I", dir.resolve("host-include").toString(), src.toString(), "-o", bin.toString()), "");
    r.stderr().forEach(System.err::println);
    return bin;
  }

  private static void copy(String resource, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    try (InputStream in = HostC.class.getResourceAsStream(resource)) {
      Files.write(to, in.readAllBytes());
    }
  }

  /** Builds {@code source} and runs it with {@code args}, {@code stdin} as its input. */
  public static Result run(Path dir, HookLibrarySpec spec, String source, String stdin, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(build(dir, spec, source).toString()));
    cmd.addAll(List.of(args));
    return exec(cmd, stdin);
  }

  /** Runs cmd to its end; it must exit 0. */
  public static Result exec(List<String> cmd, String stdin) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    CompletableFuture<Void> in = CompletableFuture.runAsync(() -> {
      try (OutputStream o = p.getOutputStream()) {
        o.write(stdin.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    byte[] out = p.getInputStream().readAllBytes();
    int rc = p.waitFor();
    in.join();
    List<String> lines = err.join().lines().toList();
    assertEquals(0, rc, () -> "command failed: " + cmd + "\n" + String.join("\n", lines));
    return new Result(out, lines);
  }
}
