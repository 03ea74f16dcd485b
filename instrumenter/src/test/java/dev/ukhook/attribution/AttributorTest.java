package dev.ukhook.attribution;

import static org.junit.jupiter.api.Assertions.*;

import dev.ukhook.format.SyscallRecord;
import java.io.IOException;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AttributorTest {
  // Addresses inside hello.map's ranges.
  private static final long NOLIBC = 0x101420L;
  private static final long MUSL = 0x102010L;
  private static final long POSIX_PROCESS = 0x101950L;
  private static final long APP = 0x101c50L;
  private static final long OUTSIDE = 0x900000L;

  private static Attributor attributor;

  @BeforeAll
  static void map() throws IOException {
    attributor = new Attributor(LinkMapTest.hello(), Set.of("libnolibc", "libmusl"));
  }

  private static Attribution attribute(long rip, long... frames) {
    return attributor.attribute(new SyscallRecord(0, 0, 0, 39, 0, new long[6], 0, rip, frames));
  }

  /** The cache of looked-up addresses grows, and stops growing, without changing an answer. */
  @Test
  void everyAddressIsChargedAsTheMapSaysHoweverManyThereAre() throws IOException {
    LinkMap map = LinkMapTest.hello();
    Attributor plain = new Attributor(map, Set.of());
    long start = map.ranges().get(0).start() - 0x100;
    for (int round = 0; round < 2; round++) { // the second round answers from the cache
      for (long a = start; a < start + 200_000; a += 3) {
        String expected = map.libraryAt(a).orElse(Attribution.UNATTRIBUTED_LIBRARY);
        assertEquals(expected, plain.attribute(new SyscallRecord(0, 0, 0, 39, 0, new long[6], 0, a + 1,
            new long[0])).library(), Long.toHexString(a));
      }
    }
  }

  @Test
  void ripInANonTransparentLibraryWins() {
    assertEquals(new Attribution("libposix_process", false), attribute(POSIX_PROCESS, APP));
  }

  @Test
  void transparentLibrariesAreSkippedForTheFirstRealCaller() {
    assertEquals(new Attribution("apphello", false), attribute(NOLIBC, APP));
    assertEquals(new Attribution("libposix_process", false), attribute(MUSL, NOLIBC, POSIX_PROCESS, APP));
  }

  @Test
  void unmappedFramesAreSkipped() {
    assertEquals(new Attribution("apphello", false), attribute(OUTSIDE, OUTSIDE, APP));
    assertEquals(new Attribution("apphello", false), attribute(NOLIBC, 0, APP));
  }

  @Test
  void onlyTransparentLibrariesGiveTheOutermostOne() {
    Attribution a = attribute(MUSL, MUSL, NOLIBC, OUTSIDE);
    assertEquals(new Attribution("libnolibc", true), a);
    assertTrue(a.viaTransparentOnly());
    assertEquals(new Attribution("libmusl", true), attribute(MUSL));
  }

  @Test
  void nothingMappedIsUnattributed() {
    Attribution a = attribute(OUTSIDE, OUTSIDE);
    assertEquals(Attribution.UNATTRIBUTED, a);
    assertTrue(a.isUnattributed());
    assertEquals("<unattributed>", a.library());
    assertEquals(Attribution.UNATTRIBUTED, attribute(0));
  }

  @Test
  void returnAddressesAreLookedUpOneByteBack() {
    // libposix_process ends at 0x101b30 where libsyscall_shim starts: a call or syscall as the last
    // instruction of libposix_process returns to 0x101b30.
    assertEquals(new Attribution("libposix_process", false), attribute(0x101b30L));
    assertEquals(new Attribution("libposix_process", false), attribute(NOLIBC, 0x101b30L));
    assertEquals(new Attribution("libsyscall_shim", false), attribute(0x101b31L));
    // The first byte of a range is not the return address of any call in it.
    assertEquals(Attribution.UNATTRIBUTED, attribute(0x101930L));
  }

  @Test
  void noTransparentLibrariesChargesTheRip() throws IOException {
    Attributor plain = new Attributor(LinkMapTest.hello(), Set.of());
    assertEquals(
        new Attribution("libnolibc", false),
        plain.attribute(new SyscallRecord(0, 0, 0, 1, 0, new long[6], 0, NOLIBC, new long[] {APP})));
  }
}
