package dev.ukhook.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.elf.GlibcCapture.Link;
import dev.ukhook.elf.StackUnwinder.Stop;
import dev.ukhook.elf.StackUnwinder.Walk;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A real frame-pointer-less glibc program (src/test/resources/c/glibc_syscall_capture.c: main -> a -> b -> c
 * -> getppid) stopped at the syscall instruction inside glibc, unwound from its registers and stack as the
 * host will unwind a guest's.
 */
class GlibcSyscallUnwindTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @EnumSource(Link.class)
  void aSyscallInsideGlibcUnwindsThroughEveryCallerToTheStartCode(Link link) throws Exception {
    GlibcCapture.assumeTools();
    GlibcCapture capture = GlibcCapture.compileAndRun(tmp, link);
    StackUnwinder unwinder = new StackUnwinder(capture.mapped(new CfiCache()));

    SymbolHit at = unwinder.symbolAt(capture.pc() - 1).orElseThrow();
    assertEquals("getppid", at.name(), "glibc's wrapper, not its alias __getppid");
    assertTrue(at.contained(), at.toString());
    MappedObject wrapperObject = unwinder.objectAt(capture.pc()).orElseThrow();
    assertEquals(link == Link.PIE ? "libc.so.6" : capture.program().getFileName().toString(),
        Path.of(wrapperObject.elf().name()).getFileName().toString());

    Walk walk = unwinder.unwind(capture.pc(), capture.sp(), capture.bp(), capture.stack(), 64);
    List<String> names = names(unwinder, walk.callers());
    // Debian's libc.so.6 keeps only .dynsym, which lacks the static __libc_start_call_main: its frame is
    // found, but named only by a guess ("?").
    String startCallMain = link == Link.PIE && names.get(4).equals("?") ? "?" : "__libc_start_call_main";
    assertEquals(List.of("c", "b", "a", "main", startCallMain, "__libc_start_main", "_start"), names,
        walk.toString());
    assertEquals(Stop.OUTERMOST, walk.stop(), "_start marks the return address undefined");
    if (link == Link.PIE) {
      assertEquals("libc.so.6",
          Path.of(unwinder.objectAt(walk.callers().get(4)).orElseThrow().elf().name()).getFileName().toString());
    }

    Walk two = unwinder.unwind(capture.pc(), capture.sp(), capture.bp(), capture.stack(), 2);
    assertEquals(new Walk(walk.callers().subList(0, 2), Stop.MAX_FRAMES), two);

    // Any cut of the snapshot gives a prefix of the chain, cut where a needed word is missing.
    boolean sawCBA = false;
    for (int length = 0; length <= capture.stack().length; length++) {
      Walk cut = unwinder.unwind(capture.pc(), capture.sp(), capture.bp(),
          Arrays.copyOf(capture.stack(), length), 64);
      assertEquals(walk.callers().subList(0, cut.callers().size()), cut.callers(), "snapshot of " + length);
      assertEquals(cut.callers().size() == walk.callers().size() ? Stop.OUTERMOST : Stop.OUTSIDE_SNAPSHOT,
          cut.stop(), "snapshot of " + length);
      sawCBA |= names(unwinder, cut.callers()).equals(List.of("c", "b", "a"));
    }
    assertTrue(sawCBA, "some snapshot ends the walk in a, before main's return address");
  }

  @ParameterizedTest
  @EnumSource(Link.class)
  void theProgramsHeadersAndSymbols(Link link) throws Exception {
    GlibcCapture.assumeTools();
    GlibcCapture capture = GlibcCapture.compileAndRun(tmp, link);
    ElfFile elf = ElfFile.read(capture.program());

    assertEquals(link == Link.STATIC ? ElfFile.Type.EXEC : ElfFile.Type.DYN, elf.type());
    assertEquals(link == Link.PIE ? Optional.of("/lib64/ld-linux-x86-64.so.2") : Optional.empty(),
        elf.interpreter());
    assertEquals(Optional.of(new SymbolHit("_start", 0, true)), elf.symbolAt(elf.entry()));
    assertEquals(link == Link.STATIC ? 0x400000 : 0, elf.spanStart());
    assertTrue(elf.loads().stream().anyMatch(ElfFile.LoadSegment::executable), elf.loads().toString());
    if (link == Link.STATIC) {
      assertEquals(0L, capture.objects().get(capture.program()), "a non-PIE program has no load bias");
    }
  }

  /** The function of each return address (looked up at ra - 1, inside its call), "?" when only guessed. */
  private static List<String> names(StackUnwinder unwinder, List<Long> returnAddresses) {
    List<String> out = new ArrayList<>();
    for (long ra : returnAddresses) {
      out.add(unwinder.symbolAt(ra - 1).map(h -> h.contained() ? h.name() : "?").orElse("<none>"));
    }
    return out;
  }
}
