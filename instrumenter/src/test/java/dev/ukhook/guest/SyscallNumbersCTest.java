package dev.ukhook.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.TraceHeader.Overflow;
import dev.ukhook.format.TraceLayout;
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

  /** The guest's latency buckets are TraceLayout's: every bucket's bounds, and durations beyond 2^32 ticks. */
  @Test
  void theGuestsLatencyBucketsAreTheLayouts() throws Exception {
    HookLibrarySpec spec = new HookLibrarySpec(4, 64, 8, Overflow.BLOCK, HostStreamTest.ID);
    List<Long> durations = new ArrayList<>(List.of(0L, 1L, 2L, 3L, 5L, 1000L, (1L << 32) - 1, 1L << 32, 1L << 40,
        -1L));
    for (int b = 2; b < TraceLayout.HIST_BUCKETS; b++) {
      durations.add(TraceLayout.bucketLow(b));
      durations.add(TraceLayout.bucketLow(b) - 1);
    }
    StringBuilder in = new StringBuilder();
    StringBuilder expected = new StringBuilder();
    for (long d : durations) {
      in.append(Long.toUnsignedString(d)).append('\n');
      expected.append(Long.toUnsignedString(d)).append(' ').append(TraceLayout.bucket(d)).append('\n');
    }
    HostC.Result r = HostC.run(dir, spec, "host_stream.c", in.toString(), "buckets");
    assertEquals(expected.toString(), new String(r.stdout(), StandardCharsets.UTF_8));
    for (int b = 2; b < TraceLayout.HIST_BUCKETS; b++) {
      assertEquals(b, TraceLayout.bucket(TraceLayout.bucketLow(b)), "bucket " + b + " starts at its bound");
      assertEquals(b - (b == 2 ? 2 : 1), TraceLayout.bucket(TraceLayout.bucketLow(b) - 1), "and not before");
    }
  }
}
