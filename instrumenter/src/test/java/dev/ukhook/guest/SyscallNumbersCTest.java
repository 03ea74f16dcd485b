package dev.ukhook.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.TraceHeader.Overflow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C side's syscall numbers are the syscall table's: the generated library, compiled with the host gcc, prints
 * its exit numbers, its name table (looked up by name) and its path and buffer switches, which must be exactly
 * what {@link SyscallNames} reads from syscalls.tsv.
 */
class SyscallNumbersCTest {
  @TempDir Path dir;

  @Test
  void theGeneratedLibrarysNumbersAreTheTables() throws Exception {
    HookLibrarySpec spec = new HookLibrarySpec(4, 64, 8, Overflow.BLOCK, HostStreamTest.ID);
    HostC.Result r = HostC.run(dir, spec, "host_stream.c", "", "numbers");
    List<String> expected = new ArrayList<>();
    expected.add("exit " + SyscallNames.number("exit"));
    expected.add("exit_group " + SyscallNames.number("exit_group"));
    SyscallNames.byName().forEach((name, nr) -> expected.add("name " + name + " " + nr));
    for (int nr = 0; nr <= 0xffff; nr++) {
      Integer arg = SyscallNames.pathArgs().get(nr);
      if (arg != null) {
        expected.add("path " + nr + " " + arg);
      }
      if (SyscallNames.bufferCalls().contains(nr)) {
        expected.add("buffer " + nr);
      }
    }
    assertEquals(String.join("\n", expected) + "\n", new String(r.stdout(), StandardCharsets.UTF_8));
    // The classes the C side keys on are what the names say.
    assertEquals(List.of(60, 231), List.copyOf(SyscallNames.inClass("exit")));
  }
}
