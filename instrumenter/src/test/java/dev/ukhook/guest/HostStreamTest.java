package dev.ukhook.guest;

import dev.ukhook.format.TraceHeader;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.format.TraceHeader.Overflow;
import dev.ukhook.format.ControlMessage;
import dev.ukhook.format.DecodedTrace;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceDecoder;
import dev.ukhook.format.TraceLayout;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.nio.charset.StandardCharsets;
import dev.ukhook.format.SyscallNames;
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
    assertEquals(40 + 4 * 8 + 48, t.header().recordSize()); // the base, 4 frames, the arguments
    assertEquals(ID, t.header().imageId());
    assertEquals(1_000_000_000L, t.header().tsHz());
    assertEquals(TraceLayout.HOOK_BINARY | TraceLayout.HOOK_NATIVE | TraceLayout.HOOK_PROCESS, t.header().hookPoints());
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
      assertEquals(atEntry(i) ? 0 : -i, r.ret());
      assertEquals(0x400000 + i, r.rip());
      assertEquals(0, r.lib()); // the harness's library table is empty: no library charged
      assertEquals(1, r.thread()); // the harness's one thread, the first to make a call
      // frames[0] from the leaf check (the word at the stack pointer), then the rbp chain.
      assertArrayEquals(new long[] {0x1abc, 0x1001, 0x1002, 0x1003}, r.frames());
      // exit and exit_group (60, 231) never return: recorded when they begin.
      assertEquals(atEntry(i) ? 2 | TraceLayout.FLAG_AT_ENTRY : 2, r.flags());
      assertTrue(r.tExit() >= r.tEnter());
    }
  }

  @Test
  void readsAndWritesKeepTheirFirstBytesWhenTheyMovedAny() throws Exception {
    DecodedTrace t = run(new HookLibrarySpec(4, 64, 8, Overflow.BLOCK, ID, HookLibrarySpec.HOOK_POINTS, 32, 0),
        new HashMap<>(), "buffers");
    assertEquals(List.of(), t.problems());
    List<SyscallRecord> r = t.records();
    assertEquals(4, r.size());
    assertEquals("hello, world\n", new String(r.get(0).buffer(), java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals("0123456789abcdefghijklmnopqrstuv", new String(r.get(1).buffer(),
        java.nio.charset.StandardCharsets.US_ASCII), "40 bytes read, cut to the 32 of the copy");
    // A failed write on a bad pointer (0x10: reading it would crash the harness) and a read of 0 bytes.
    assertEquals(null, r.get(2).buffer());
    assertEquals(-14, r.get(2).ret());
    assertEquals(null, r.get(3).buffer());
    assertEquals(TraceLayout.FLAG_BUFFER, r.get(0).flags() & TraceLayout.FLAG_BUFFER);
    assertEquals(0, r.get(3).flags() & TraceLayout.FLAG_BUFFER);
  }

  @Test
  void tailsLoadRecordsAndCallsThatDoNotReturn() throws Exception {
    Map<String, Long> fn = new HashMap<>();
    DecodedTrace t = run(new HookLibrarySpec(4, 64, 8, Overflow.BLOCK, ID, HookLibrarySpec.HOOK_POINTS, 32, 64),
        fn, "tails");
    assertEquals(List.of(), t.problems());
    assertEquals(4, t.header().pathWords());
    assertEquals(2 + 8, t.header().stackWords());
    assertEquals(40 + 4 * 8 + 48 + 32 + 80, t.header().recordSize());
    assertEquals(5, t.stats().finalRecord().orElseThrow().total());
    List<SyscallRecord> r = t.records();
    assertEquals(4, r.size());

    // openat: its path copied (up to 31 bytes and the NUL), its stack snapshot (binary) from sp.
    assertEquals("/lib/x86_64-linux-gnu/libc.so.6", r.get(0).tail().pathArg()); // 31 bytes: fits exactly
    assertEquals(fn.get("sp"), r.get(0).tail().sp());
    byte[] stack = r.get(0).tail().stack();
    assertEquals(64, stack.length);
    assertEquals(0x5000, java.nio.ByteBuffer.wrap(stack).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0));
    assertEquals(0x5007, java.nio.ByteBuffer.wrap(stack).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(56));
    assertEquals(TraceLayout.FLAG_PATH_ARG | TraceLayout.FLAG_STACK, r.get(0).flags() & ~TraceLayout.FLAG_LEAF_FRAME);

    // The load record, numbered between the calls.
    assertEquals(List.of(new dev.ukhook.format.LoadRecord(1, t.loads().get(0).t(), 0x7000040, 13, 0x7001000,
        0x9000000, "/linux-static")), t.loads());

    // A native open: its path, cut and terminated; no stack area (binary calls only).
    assertEquals(2, r.get(1).seq());
    assertEquals("/a/very/long/path/that/does/not", r.get(1).tail().pathArg());
    assertEquals(null, r.get(1).tail().stack());
    assertEquals(-2, r.get(1).ret());

    // exit_group: committed when it began (then the guest is asked to end), its later end ignored.
    assertEquals(1L, fn.get("exit_groups"));
    assertEquals("exit_group", r.get(2).name());
    assertTrue(r.get(2).atEntry());
    assertEquals(0, r.get(2).ret());
    // nanosleep still in progress at shutdown: emitted, not dropped.
    assertEquals("nanosleep", r.get(3).name());
    assertTrue(r.get(3).atEntry());
    assertEquals(0, t.stats().dropped());
  }

  @Test
  void aCallThatNeverReturnsDoesNotHoldTheRingBack() throws Exception {
    // Ring 64: without committing the sleeper early the harness would wait for ever at the 64th call.
    DecodedTrace t = run(new HookLibrarySpec(4, 64, 8, Overflow.BLOCK, ID), new HashMap<>(), "stuck", "1000");
    assertEquals(List.of(), t.problems());
    assertEquals(1001, t.received());
    assertEquals(0, t.stats().dropped());
    SyscallRecord sleeper = t.records().get(0);
    assertEquals("nanosleep", sleeper.name());
    assertTrue(sleeper.atEntry());
    assertEquals(0, sleeper.ret());
    for (int i = 1; i <= 1000; i++) {
      SyscallRecord r = t.records().get(i);
      assertEquals(i, r.seq());
      assertEquals(i, r.ret(), "the sleeper's late end wrote nothing into the slot's next record");
      assertTrue(!r.atEntry());
    }
  }

  /** Whether the harness's call i (number i % 300, 3 unknown) is exit or exit_group. */
  private static boolean atEntry(long i) {
    return i != 3 && (i % 300 == 60 || i % 300 == 231);
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
      assertEquals(atEntry(r.seq()) ? 0 : -r.seq(), r.ret());
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
      assertEquals(atEntry(i) ? 0 : -i, t.records().get(i).ret());
    }
  }

  @Test
  void theGuestsControlReaderFindsTheHostsMessagesInAByteStream() throws Exception {
    byte[] stop = ControlMessage.stop();
    byte[] other = ControlMessage.encode(7, "UKHC then payload".getBytes(StandardCharsets.US_ASCII));
    // Noise (with a false start of the magic), a message of another kind whose payload holds the magic, a stop.
    byte[] noise = {0x55, 0x4b, 0x00, 0x55, 0x55};
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.write(noise);
    in.write(other);
    in.write(stop);
    Map<String, Long> seen = new HashMap<>();
    exec(List.of(build(new HookLibrarySpec(4, 64, 8, Overflow.BLOCK, ID)).toString(), "control",
        HexFormat.of().formatHex(in.toByteArray())), seen);

    // A message is complete, and its kind returned, with the last byte of its payload.
    long otherEnd = noise.length + other.length - 1;
    assertEquals(Map.of("kind0", 7L, "at0", otherEnd, "kind1", (long) TraceLayout.CONTROL_STOP, "at1",
        (long) in.size() - 1), seen);
  }

  @Test
  void walkDepthFollowsTheFramesOption() throws Exception {
    DecodedTrace none = run(new HookLibrarySpec(0, 64, 8, Overflow.BLOCK, ID), 20, 0);
    assertEquals(40 + 48, none.header().recordSize());
    assertEquals(0, none.records().get(0).depth());
    DecodedTrace eight = run(new HookLibrarySpec(8, 64, 8, Overflow.BLOCK, ID), 20, 0);
    assertEquals(40 + 8 * 8 + 48, eight.header().recordSize());
    assertArrayEquals(new long[] {0x1abc, 0x1001, 0x1002, 0x1003}, eight.records().get(19).frames());
  }

  @Test
  void nativeCallsAreRecordedOnceWithTheirPathNestingAndCaller() throws Exception {
    Map<String, Long> fn = new HashMap<>();
    DecodedTrace t = run(new HookLibrarySpec(4, 64, 8, Overflow.BLOCK, ID), fn, "native");
    assertEquals(List.of(), t.problems());
    assertEquals(14, t.received(), t.records().toString());
    List<SyscallRecord> r = t.records();
    // uk_syscall_r_write from app_raw, and the clock_gettime the write makes while it runs.
    assertCall(r.get(0), "write", TraceLayout.PATH_NATIVE_RAW, 0, fn, "app_raw");
    assertArrayEquals(new long[] {1, 2, 3, 0, 0, 0}, r.get(0).args());
    assertEquals(3, r.get(0).ret());
    assertTrue(r.get(0).depth() > 0 && within(r.get(0).frame(0), fn, "native"), r.get(0).toString());
    assertCall(r.get(1), "clock_gettime", TraceLayout.PATH_NATIVE_RAW, 1, fn, "uk_syscall_r_write");
    // Through the errno wrapper: the record names the wrapper's caller.
    assertCall(r.get(2), "write", TraceLayout.PATH_NATIVE_ERRNO, 0, fn, "app_errno");
    assertCall(r.get(3), "clock_gettime", TraceLayout.PATH_NATIVE_RAW, 1, fn, "uk_syscall_r_write");
    // A binary call is recorded by the handler only; what its definition calls is nested in it.
    assertEquals(TraceLayout.PATH_BINARY, r.get(4).path());
    assertEquals(0x1234, r.get(4).rip());
    assertEquals(9 + 0, r.get(4).ret());
    assertCall(r.get(5), "clock_gettime", TraceLayout.PATH_NATIVE_RAW, 1, fn, "uk_syscall_r_write");
    // A binary call whose dispatch passes a wrapper: once, and the wrapper leaves nothing behind for
    // the next native call, which names its own caller.
    assertEquals(TraceLayout.PATH_BINARY, r.get(6).path());
    assertEquals(0x1235, r.get(6).rip());
    assertCall(r.get(7), "clock_gettime", TraceLayout.PATH_NATIVE_RAW, 1, fn, "uk_syscall_r_write");
    assertCall(r.get(8), "write", TraceLayout.PATH_NATIVE_RAW, 0, fn, "app_raw");
    assertCall(r.get(9), "clock_gettime", TraceLayout.PATH_NATIVE_RAW, 1, fn, "uk_syscall_r_write");
    // A Unikraft-only name and a name the table lacks.
    assertCall(r.get(10), "fstatat", TraceLayout.PATH_NATIVE_RAW, 0, fn, "app_other");
    assertEquals(SyscallNames.UNIKRAFT_BASE, r.get(10).nr());
    assertCall(r.get(11), "<unknown native>", TraceLayout.PATH_NATIVE_RAW, 0, fn, "app_other");
    // Stubs: calls of system calls the image lacks, at the code that made them.
    assertCall(r.get(12), "getpid", TraceLayout.PATH_STUB, 0, fn, "app_stub");
    assertEquals(-38, r.get(12).ret());
    assertCall(r.get(13), "<unknown native>", TraceLayout.PATH_STUB, 0, fn, "app_stub");
  }

  private static void assertCall(SyscallRecord r, String name, int path, int nest, Map<String, Long> fn,
      String caller) {
    assertEquals(name, r.name(), r.toString());
    assertEquals(path, r.path(), r.toString());
    assertEquals(nest, r.nest(), r.toString());
    assertTrue(within(r.rip(), fn, caller), r + " should return into " + caller);
  }

  // Within the named function: after its start, before the next function the harness names (gcc keeps them in
  // source order at -O2) and no more than 4 KiB in.
  private static boolean within(long address, Map<String, Long> fn, String name) {
    long start = fn.get(name);
    long end = fn.values().stream().filter(a -> a > start).min(Long::compare).orElse(start + 4096);
    return address > start && address < Math.min(end, start + 4096);
  }

  private DecodedTrace run(HookLibrarySpec spec, int calls, int stall) throws Exception {
    return run(spec, calls, stall, 0);
  }

  private DecodedTrace run(HookLibrarySpec spec, int calls, int stall, int lateStall) throws Exception {
    return run(spec, new HashMap<>(), Integer.toString(calls), Integer.toString(stall), Integer.toString(lateStall));
  }

  /** Builds the harness against the rendered library, as the guest's code is built, and decodes its stdout. */
  private DecodedTrace run(HookLibrarySpec spec, Map<String, Long> functions, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(build(spec).toString()));
    cmd.addAll(List.of(args));
    byte[] out = exec(cmd, functions);
    return TraceDecoder.decode(new ByteArrayInputStream(out));
  }

  /** The harness built against the rendered library, as the guest's code is built. */
  private Path build(HookLibrarySpec spec) throws Exception {
    return HostC.build(dir, spec, "host_stream.c");
  }

  /** Runs cmd; its stderr lines "fn NAME ADDRESS" go to functions (when given), the rest to ours. */
  private static byte[] exec(List<String> cmd, Map<String, Long> functions) throws Exception {
    HostC.Result r = HostC.exec(cmd, "");
    for (String line : r.stderr()) {
      String[] f = line.split(" ");
      if (functions != null && f.length == 3 && f[0].equals("fn")) {
        functions.put(f[1], Long.parseUnsignedLong(f[2]));
      } else {
        System.err.println(line);
      }
    }
    return r.stdout();
  }
}
