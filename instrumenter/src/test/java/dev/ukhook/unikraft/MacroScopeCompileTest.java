package dev.ukhook.unikraft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blocks inserted into a multi-line macro (the golden macro-shape case) compile and run with the host
 * gcc: with CONFIG_LIBUKHOOK the hook sees every call of every defined syscall and may refuse one; without
 * it the patched header behaves exactly like the original.
 */
class MacroScopeCompileTest {
  @TempDir Path tmp;

  static final String HOOK_STUB = """
      #include <stdio.h>
      #include <string.h>
      static inline int ukhook_native_enter(const char *name, long *ret, void **rec)
      {
      	*rec = (void *)name;
      	printf("enter %s\\n", name);
      	if (!strcmp(name, "uk_syscall_r_fail")) {
      		*ret = -38; /* refused: the caller gets -ENOSYS */
      		return 0;
      	}
      	return 1;
      }
      static inline void ukhook_native_exit(void *rec, long ret)
      {
      	printf("exit %s %ld\\n", (const char *)rec, ret);
      }
      """;

  static final String MAIN = """
      #include <stdio.h>
      #include "uk/syscall.h"

      UK_LLSYSCALL_R_DEFINE(long, add, a, b)
      {
      	return a + b;
      }

      UK_LLSYSCALL_R_DEFINE(long, fail, a, b)
      {
      	(void)a;
      	(void)b;
      	return -22;
      }

      int main(void)
      {
      	long r = uk_syscall_r_add(2, 3);
      	printf("add=%ld\\n", r);
      	r = uk_syscall_e_add(4, 5);
      	printf("e_add=%ld\\n", r);
      	r = uk_syscall_e_fail(1, 1);
      	printf("e_fail=%ld errno=%d\\n", r, errno);
      	r = uk_syscall_r_fail(1, 1);
      	printf("r_fail=%ld\\n", r);
      	return 0;
      }
      """;

  static final String PLAIN = "add=5\ne_add=9\ne_fail=-1 errno=22\nr_fail=-22\n";

  @Test
  void patchedMacroCompilesAndRunsWithAndWithoutTheHook() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")), "host gcc not found at /usr/bin/gcc: install gcc");
    ProfileGoldenTest.Case c = SourcePatcherTest.golden("macro-shape/native-shape");
    Files.createDirectories(tmp.resolve("include/ukhook"));
    Files.writeString(tmp.resolve("include/ukhook/hook.h"), HOOK_STUB);
    Files.writeString(tmp.resolve("main.c"), MAIN);

    assertEquals(PLAIN, run(c.beforeText(), false), "the original shape");
    assertEquals(PLAIN, run(c.afterText(), false), "patched, without the hook library");
    assertEquals("""
        enter uk_syscall_r_add
        exit uk_syscall_r_add 5
        add=5
        enter uk_syscall_r_add
        exit uk_syscall_r_add 9
        e_add=9
        enter uk_syscall_r_fail
        exit uk_syscall_r_fail -38
        e_fail=-1 errno=38
        enter uk_syscall_r_fail
        exit uk_syscall_r_fail -38
        r_fail=-38
        """, run(c.afterText(), true), "patched, with the hook library");
  }

  private String run(String header, boolean hook) throws IOException, InterruptedException {
    Path h = tmp.resolve("include/uk/syscall.h");
    Files.createDirectories(h.getParent());
    Files.write(h, header.getBytes(StandardCharsets.ISO_8859_1));
    return compileAndRun(tmp, hook, "-I", tmp.resolve("include").toString());
  }

  /** Compiles {@code dir}/main.c with the host gcc (warnings are errors), with CONFIG_LIBUKHOOK or not, and runs it. */
  static String compileAndRun(Path dir, boolean hook, String... flags) throws IOException, InterruptedException {
    List<String> gcc = new ArrayList<>(List.of("gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror"));
    if (hook) {
      gcc.add("-DCONFIG_LIBUKHOOK=1");
    }
    gcc.addAll(List.of(flags));
    gcc.addAll(List.of("-o", dir.resolve("prog").toString(), dir.resolve("main.c").toString()));
    exec(gcc);
    return exec(List.of(dir.resolve("prog").toString()));
  }

  private static String exec(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + "\n" + out);
    return out;
  }
}
