package dev.ukhook.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ukhook.guest.HookLibrarySpec.Overflow;
import dev.ukhook.format.DecodedTrace;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceDecoder;
import dev.ukhook.format.TraceLayout;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated C stream code, compiled with the host gcc and run by a harness that plays the
 * syscall handler and the transport; its bytes are decoded by the Java decoder.
 */
class HostStreamTest {
  static final String ID = "00112233445566778899aabbccddeeff";

  @TempDir Path dir;

  @Test
  void blockModeDeliversEveryRecordWithItsFields() throws Exception {
    DecodedTrace t = run(new HookLibrarySpec(4, 1024, 8, Overflow.BLOCK, ID), 2000, 5);
    assertEquals(128, t.header().recordSize());
    assertEquals(ID, t.header().imageId());
    assertEquals(1_000_000_000L, t.header().tsHz());
    assertEquals(TraceLayout.HOOK_BINARY, t.header().hookPoints());
    // host_stream.c's "image text" (ukhook_state.text_lo, text_len) goes into the header.
    assertEquals(0x1000, t.header().textStart());
    assertEquals(0x2000, t.header().textEnd());
    assertEquals(2000, t.received());
    assertEquals(List.of(), t.problems());
    FinalRecord f = t.finalRecord().orElseThrow();
    assertEquals(2000, f.total());
    assertEquals(0, f.dropped());
    assertEquals(2000, f.emitted());
    assertEquals(0, t.stats().missing());
    assertTrue(t.damage().isEmpty(), () -> t.damage().get().message());
    for (int i = 0; i < 2000; i++) {
      SyscallRecord r = t.records().get(i);
      assertEquals(i, r.seq());
      assertEquals(i == 3 ? TraceLayout.NR_UNKNOWN : i % 300, r.nr());
      assertEquals(TraceLayout.PATH_BINARY, r.path());
      assertEquals(0, r.nest());
      assertArrayEquals(new long[] {i, i + 1, i + 2, i + 3, i + 4, i + 5}, r.args());
      assertEquals(-i, r.ret());
      assertEquals(0x400000 + i, r.rip());
      // frames[0] from the leaf check (the word at the stack pointer), then the rbp chain.
      assertArrayEquals(new long[] {0x1abc, 0x1001, 0x1002, 0x1003}, r.frames());
      assertEquals(2, r.flags());
      assertTrue(r.tExit() >= r.tEnter());
    }
  }

  @Test
  void dropModeCountsEveryDroppedRecordExactly() throws Exception {
    DecodedTrace t = run(new HookLibrarySpec(4, 16, 4, Overflow.DROP, ID), 1000, 300);
    FinalRecord f = t.finalRecord().orElseThrow();
    assertEquals(1000, f.total());
    assertTrue(f.dropped() > 0, "a stalled transport with a 16-record ring must drop");
    assertEquals(f.total() - f.dropped(), t.received());
    assertEquals(f.dropped(), t.stats().gaps());
    assertEquals(0, t.stats().missing());
    assertEquals(List.of(), t.problems());
    long previous = -1;
    for (SyscallRecord r : t.records()) {
      assertTrue(r.seq() > previous);
      assertEquals(r.seq() == 3 ? TraceLayout.NR_UNKNOWN : r.seq() % 300, r.nr());
      assertEquals(-r.seq(), r.ret());
      previous = r.seq();
    }
  }

  @Test
  void batchesLeftInTheRingAtShutdownGoOutWithoutWrapping() throws Exception {
    // 1028 calls on a 1024-record ring: the last ten use slots 1018..1023 and 0..3, and the device
    // refuses them until shutdown, so the tail that goes out at the end crosses the end of the ring.
    DecodedTrace t = run(new HookLibrarySpec(4, 1024, 4, Overflow.BLOCK, ID), 1028, 0, 1000);
    assertTrue(t.damage().isEmpty(), () -> t.damage().get().message());
    assertEquals(1028, t.received());
    assertEquals(0, t.finalRecord().orElseThrow().dropped());
    for (int i = 0; i < 1028; i++) {
      assertEquals(i, t.records().get(i).seq());
      assertEquals(-i, t.records().get(i).ret());
    }
  }

  @Test
  void walkDepthFollowsTheFramesOption() throws Exception {
    DecodedTrace none = run(new HookLibrarySpec(0, 64, 8, Overflow.BLOCK, ID), 20, 0);
    assertEquals(96, none.header().recordSize());
    assertEquals(0, none.records().get(0).depth());
    DecodedTrace eight = run(new HookLibrarySpec(8, 64, 8, Overflow.BLOCK, ID), 20, 0);
    assertEquals(160, eight.header().recordSize());
    assertArrayEquals(new long[] {0x1abc, 0x1001, 0x1002, 0x1003}, eight.records().get(19).frames());
  }

  private DecodedTrace run(HookLibrarySpec spec, int calls, int stall) throws Exception {
    return run(spec, calls, stall, 0);
  }

  private DecodedTrace run(HookLibrarySpec spec, int calls, int stall, int lateStall) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")), "host gcc not found at /usr/bin/gcc: install gcc");
    Path lib = dir.resolve("lib-" + spec.frames() + "-" + spec.overflow());
    for (Map.Entry<String, String> f : HookLibrary.render(spec).entrySet()) {
      Files.createDirectories(lib.resolve(f.getKey()).getParent());
      Files.writeString(lib.resolve(f.getKey()), f.getValue());
    }
    Path src = dir.resolve("host_stream.c");
    try (InputStream in = getClass().getResourceAsStream("/c/host_stream.c")) {
      Files.write(src, in.readAllBytes());
    }
    Path bin = lib.resolve("host_stream");
    exec(List.of("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-I", lib.resolve("include").toString(),
        src.toString(), "-o", bin.toString()));
    byte[] out = exec(List.of(bin.toString(), Integer.toString(calls), Integer.toString(stall),
        Integer.toString(lateStall)));
    return TraceDecoder.decode(new ByteArrayInputStream(out));
  }

  private static byte[] exec(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertEquals(0, p.waitFor(), () -> "command failed: " + cmd);
    return out;
  }
}
