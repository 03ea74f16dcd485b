package dev.ukhook.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ukhook.attribution.Attribution;
import dev.ukhook.attribution.LoadedPrograms;
import dev.ukhook.elf.GlibcCapture.Link;
import dev.ukhook.format.LoadRecord;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoadedPrograms on what the guest would record for a real static-PIE glibc program: its load record (AT_ENTRY
 * of where it really ran) and the getppid its c() makes, with the registers and stack at the syscall instruction
 * captured on this host (GlibcCapture).
 */
class LoadedProgramsCaptureTest {
  @TempDir Path tmp;

  @Test
  void aStaticProgramsCallIsChargedToItsFunctionThroughGlibc() throws Exception {
    GlibcCapture.assumeTools();
    GlibcCapture c = GlibcCapture.compileAndRun(tmp, Link.STATIC_PIE);
    ElfFile elf = ElfFile.read(c.program());
    long base = c.objects().get(c.program());
    LoadRecord load = new LoadRecord(0, 1, 0, 0, base + elf.entry(), 0, "/prog");
    SyscallRecord call = new SyscallRecord(1, 2, 3, 110, TraceLayout.PATH_BINARY, 0, TraceLayout.FLAG_STACK,
        new long[6], 1, c.pc(), new long[0], new SyscallRecord.Tail(null, c.sp(), c.bp(), c.stack()));

    LoadedPrograms glibcTransparent = programs(c, Set.of(LoadedPrograms.GLIBC));
    glibcTransparent.load(load);
    assertEquals(new Attribution("prog", false, "c"), glibcTransparent.attribute(call));

    LoadedPrograms raw = programs(c, Set.of());
    raw.load(load);
    assertEquals(new Attribution(LoadedPrograms.STATIC_LIBC, false, "getppid"), raw.attribute(call));

    // Without its stack snapshot the call can only be charged to the wrapper's object: glibc, seen through.
    SyscallRecord bare = new SyscallRecord(1, 2, 3, 110, TraceLayout.PATH_BINARY, 0, 0, new long[6], 1, c.pc(),
        new long[0]);
    assertEquals(new Attribution(LoadedPrograms.STATIC_LIBC, true, "getppid"), glibcTransparent.attribute(bare));
  }

  @Test
  void aSharedObjectIsPlacedWhereTheProgramsMmapOfItsOpenDescriptorReturned() throws Exception {
    GlibcCapture.assumeTools();
    GlibcCapture c = GlibcCapture.compileAndRun(tmp, Link.PIE);
    Path libc = c.objects().keySet().stream().filter(p -> p.getFileName().toString().startsWith("libc.so"))
        .findFirst().orElseThrow();
    ElfFile elf = ElfFile.read(c.program());
    LoadedPrograms programs = new LoadedPrograms(p -> p.equals("/prog") ? Optional.of(c.program())
        : p.equals("/lib/libc.so.6") ? Optional.of(libc) : Optional.empty(), Set.of(LoadedPrograms.GLIBC), Set.of());
    programs.load(new LoadRecord(0, 1, 0, 0, c.objects().get(c.program()) + elf.entry(), 0, "/prog"));
    SyscallRecord call = new SyscallRecord(9, 2, 3, 110, TraceLayout.PATH_BINARY, 0, TraceLayout.FLAG_STACK,
        new long[6], 1, c.pc(), new long[0], new SyscallRecord.Tail(null, c.sp(), c.bp(), c.stack()));
    // Before libc.so.6 is placed, the wrapper's address is nobody's.
    assertEquals(Attribution.UNATTRIBUTED, programs.attribute(call));

    long base = c.objects().get(libc);
    programs.observe(binary(257, new long[] {-100, 0, 0, 0, 0, 0}, 3, "/lib/libc.so.6"));
    programs.observe(binary(9, new long[] {0, 0x1000, 1, 2, 3, 0}, base, null));
    programs.observe(binary(3, new long[] {3, 0, 0, 0, 0, 0}, 0, null));
    // A second mapping of descriptor 3 after its close places nothing.
    programs.observe(binary(9, new long[] {0, 0x1000, 1, 2, 3, 0}, base + 0x100000, null));
    assertEquals(1, programs.placed().stream().filter(p -> p.name().equals("libc.so.6")).count());

    assertEquals(new Attribution("prog", false, "c"), programs.attribute(call));
  }

  /** Records without arguments (a trace made without --args) cannot be followed: one problem, no crash. */
  @Test
  void recordsWithoutArgumentsAreAProblemOnce() {
    LoadedPrograms programs = new LoadedPrograms(p -> Optional.empty(), Set.of(), Set.of());
    for (int nr : new int[] {257, 9, 3, 9}) {
      programs.observe(binary(nr, new long[0], 3, nr == 257 ? "/lib/libc.so.6" : null));
    }
    assertEquals(List.of("the trace's records keep no arguments: the objects a loaded program maps (open, then mmap"
        + " of its descriptor) cannot be followed; trace the image with --args (an app-elfloader image's default)"),
        programs.problems());
    assertEquals(List.of(), programs.placed());
  }

  private static SyscallRecord binary(int nr, long[] args, long ret, String path) {
    return new SyscallRecord(1, 2, 3, nr, TraceLayout.PATH_BINARY, 0, path == null ? 0 : TraceLayout.FLAG_PATH_ARG,
        args, ret, 0x1000, new long[0], new SyscallRecord.Tail(path, 0, 0, null));
  }

  private static LoadedPrograms programs(GlibcCapture c, Set<String> transparent) {
    return new LoadedPrograms(p -> p.equals("/prog") ? Optional.of(c.program()) : Optional.empty(), transparent,
        Set.of("getppid"));
  }
}
