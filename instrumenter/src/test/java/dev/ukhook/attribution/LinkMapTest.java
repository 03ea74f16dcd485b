package dev.ukhook.attribution;

import static org.junit.jupiter.api.Assertions.*;

import dev.ukhook.attribution.LinkMap.Range;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.TraceHeader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinkMapTest {
  static LinkMap hello() throws IOException {
    try (Reader in =
        new InputStreamReader(LinkMapTest.class.getResourceAsStream("/attrib/hello.map"), StandardCharsets.UTF_8)) {
      return LinkMap.parse(in);
    }
  }

  @Test
  void readsCodeRangesOfEachMicrolibrary() throws IOException {
    assertEquals(
        List.of(
            new Range(0x10000cL, 0x100026L, "libkvmplat"),
            new Range(0x101000L, 0x101120L, "libkvmplat"),
            new Range(0x101120L, 0x101400L, "libukdebug"), // wrapped section name
            new Range(0x101410L, 0x101922L, "libnolibc"), // .text and the wrapped .text.unlikely.abort joined
            new Range(0x101930L, 0x101b30L, "libposix_process"),
            new Range(0x101b30L, 0x101c30L, "libsyscall_shim"),
            new Range(0x101c40L, 0x101e40L, "apphello"),
            new Range(0x102000L, 0x102800L, "libmusl"),
            new Range(0x102900L, 0x102918L, "libukboot")), // .init and .fini
        hello().ranges());
  }

  @Test
  void ignoresDataArchiveMembersPlainObjectsAndDiscardedSections() throws IOException {
    LinkMap map = hello();
    assertEquals(Optional.empty(), map.libraryAt(0x10L), "discarded .text.unused_helper of libnolibc");
    assertEquals(Optional.empty(), map.libraryAt(0x100000L), ".data.boot.multiboot");
    assertEquals(Optional.empty(), map.libraryAt(0x101e40L), "libgcc.a(_udivti3.o)");
    assertEquals(Optional.empty(), map.libraryAt(0x101e80L), "kvmplat/entry64.o is not a microlibrary object");
    assertEquals(Optional.empty(), map.libraryAt(0x103000L), ".rodata of apphello");
    assertEquals(Optional.empty(), map.libraryAt(0x104000L), ".init_array is data, not .init");
    assertEquals(Optional.empty(), map.libraryAt(0x106000L), "COMMON of libukalloc");
    assertEquals(
        Set.of("apphello", "libkvmplat", "libmusl", "libnolibc", "libposix_process", "libsyscall_shim",
            "libukboot", "libukdebug"),
        map.libraries());
  }

  @Test
  void looksUpStartInclusiveEndExclusive() throws IOException {
    LinkMap map = hello();
    assertEquals(Optional.empty(), map.libraryAt(0x10000bL));
    assertEquals(Optional.of("libkvmplat"), map.libraryAt(0x10000cL));
    assertEquals(Optional.of("libkvmplat"), map.libraryAt(0x100025L));
    assertEquals(Optional.empty(), map.libraryAt(0x100026L));
    assertEquals(Optional.of("libukdebug"), map.libraryAt(0x1013ffL));
    assertEquals(Optional.empty(), map.libraryAt(0x101400L), "fill between libraries");
    assertEquals(Optional.of("libposix_process"), map.libraryAt(0x101b2fL));
    assertEquals(Optional.of("libsyscall_shim"), map.libraryAt(0x101b30L), "touching ranges of two libraries");
    assertEquals(Optional.of("libukboot"), map.libraryAt(0x102917L));
    assertEquals(Optional.empty(), map.libraryAt(0x102918L));
    assertEquals(Optional.empty(), map.libraryAt(0L));
    assertEquals(Optional.empty(), map.libraryAt(-1L), "addresses compare unsigned");
  }

  private static LinkMap parse(String text) throws IOException {
    return LinkMap.parse(new StringReader(text));
  }

  @Test
  void handlesAddressesInTheUpperHalf() throws IOException {
    LinkMap map =
        parse(
            "Linker script and memory map\n\n"
                + " .text          0xffffffff80001000      0x100 /b/libhigh.o\n"
                + " .text          0x0000000000001000      0x100 /b/liblow.o\n");
    assertEquals(Optional.of("libhigh"), map.libraryAt(0xffffffff80001080L));
    assertEquals(Optional.of("liblow"), map.libraryAt(0x1080L));
    assertEquals(Optional.empty(), map.libraryAt(0xffffffff80001100L));
    assertEquals("liblow", map.ranges().get(0).library());
  }

  @Test
  void refusesAFileThatIsNotALinkMap() {
    UkhookException e = assertThrows(UkhookException.class, () -> parse("int main() { return 0; }\n"));
    assertEquals(
        "not a GNU ld map file: no \"Linker script and memory map\" line; pass the map written by -Wl,-Map",
        e.getMessage());
  }

  @Test
  void refusesAMapWithoutMicrolibraryCode() {
    UkhookException e =
        assertThrows(
            UkhookException.class,
            () -> parse("Linker script and memory map\n .text  0x1000  0x10 /usr/lib/crt1.o\n"));
    assertEquals(
        "no code from lib*.o or app*.o objects in the map; pass the map of the image's final link", e.getMessage());
  }

  @Test
  void refusesOverlappingLibraries() {
    UkhookException e =
        assertThrows(
            UkhookException.class,
            () ->
                parse(
                    "Linker script and memory map\n"
                        + " .text  0x1000  0x100 /b/liba.o\n"
                        + " .text  0x1080  0x100 /b/libb.o\n"));
    assertEquals(
        "code of libb at 0x1080 overlaps code of liba ending at 0x1100; is this the map of one final link?",
        e.getMessage());
  }

  @Test
  void readNamesTheFile(@TempDir Path dir) throws IOException {
    Path map = dir.resolve("app.map");
    Files.writeString(map, "nothing here\n");
    UkhookException e = assertThrows(UkhookException.class, () -> LinkMap.read(map));
    assertTrue(e.getMessage().startsWith("link map " + map + ": not a GNU ld map file"), e.getMessage());

    Path none = dir.resolve("none.map");
    UkhookException missing = assertThrows(UkhookException.class, () -> LinkMap.read(none));
    assertEquals(
        "link map " + none + " does not exist; build the image with ukhook build first", missing.getMessage());
  }

  @Test
  void readsTheImageIdSymbolOfTheHookLibrary() throws IOException {
    assertEquals(Optional.of("00112233445566778899aabbccddeeff"), hello().imageId());
    assertEquals(Optional.empty(), parse("Linker script and memory map\n .text  0x1000  0x10 /b/liba.o\n").imageId());
    // Discarded sections come before the memory map: an id there is not this image's.
    assertEquals(Optional.empty(), parse("Discarded input sections\n"
        + "                0x0000000000000000                ukhook_image_id_00112233445566778899aabbccddeeff\n"
        + "Linker script and memory map\n .text  0x1000  0x10 /b/liba.o\n").imageId());
  }

  @Test
  void refusesTwoImageIds() {
    UkhookException e = assertThrows(UkhookException.class, () -> parse("Linker script and memory map\n"
        + " .text  0x1000  0x10 /b/liba.o\n"
        + "                0x0000000000002000                ukhook_image_id_00112233445566778899aabbccddeeff\n"
        + "                0x0000000000002000                ukhook_image_id_ffeeddccbbaa99887766554433221100\n"));
    assertEquals("line 4: a second ukhook image id ffeeddccbbaa99887766554433221100 after"
        + " 00112233445566778899aabbccddeeff; is this the map of one final link?", e.getMessage());
  }

  @Test
  void readsTheImagesTextBoundsFromTheLinkerScriptSymbols() throws IOException {
    String text = TestMaps.map("00112233445566778899aabbccddeeff", 2);
    assertEquals(Optional.of(new LinkMap.Text(TestMaps.TEXT_START, TestMaps.textEnd(2))), parse(text).text());
    try (Reader in = new InputStreamReader(
        LinkMapTest.class.getResourceAsStream("/golden/policy-compiler/link.map"), StandardCharsets.UTF_8)) {
      assertEquals(Optional.of(new LinkMap.Text(0x100000L, 0x102400L)), LinkMap.parse(in).text());
    }
    // hello.map has _text but no _etext; a map with neither, or with the end not after the start, gives none.
    assertEquals(Optional.empty(), hello().text());
    assertEquals(Optional.empty(), parse(text.replaceAll("(?m)^.*_e?text = \\.\\n", "")).text());
    assertEquals(Optional.empty(), parse(text.replace(String.format("0x%016x                _etext",
        TestMaps.textEnd(2)), "0x0000000000100000                _etext")).text());
    // A value too long for 64 bits is no bound, and no reason to refuse the map.
    assertEquals(Optional.empty(), parse(text.replace("0x0000000000100000                _text",
        "0x10000000000100000                _text")).text());
  }

  @Test
  void coverageCountsTheHolesOfTheText() throws IOException {
    LinkMap map = hello();
    // hello.map's _text is 0x101000; its code ends with libmusl at 0x102800. Holes: fill 0x10 at 0x101400 and
    // 0xe at 0x101922 and 0x10 at 0x101c30, libgcc and entry64.o then the gap up to 0x102000 (0x1c0).
    LinkMap.Coverage c = map.coverage(0x101000L, 0x102800L);
    assertEquals(0x10 + 0xe + 0x10 + 0x1c0, c.uncovered());
    assertEquals(0x1c0, c.largestGap());
    assertEquals(0x101e40L, c.largestGapAt());
    assertEquals(0, map.coverage(0x101000L, 0x101400L).uncovered());
    LinkMap.Coverage beyond = map.coverage(0x102000L, 0x103000L);
    assertEquals(0x800 - 0x18, beyond.uncovered(), ".init and .fini cover 0x18 of the rest");
  }

  @Test
  void aMapCoveringTheTextButForAlignmentPasses() throws IOException {
    TraceHeader h = TraceHeader.of(4, 0, "00112233445566778899aabbccddeeff", 64, TraceHeader.Overflow.BLOCK);
    assertEquals(Optional.empty(), hello().coverageProblem(h.withText(0x101000L, 0x102800L)));
    assertEquals(Optional.of("cannot be checked against the image's code: the trace header gives no text bounds"),
        hello().coverageProblem(h));
  }

  @Test
  void aCutMapDoesNotCoverTheText() throws IOException {
    // Defect 4: a map cut to its first half charged every call to the libraries it still listed.
    String text = TestMaps.map("00112233445566778899aabbccddeeff", 40);
    TraceHeader h = TraceHeader.of(4, 0, "00112233445566778899aabbccddeeff", 64, TraceHeader.Overflow.BLOCK)
        .withText(TestMaps.TEXT_START, TestMaps.textEnd(40));
    assertEquals(Optional.empty(), parse(text).coverageProblem(h));
    LinkMap cut = parse(text.substring(0, text.length() / 2));
    assertEquals(Optional.empty(), cut.imageId());
    assertEquals(Optional.of("covers only 85680 of the 163840 bytes of the image's code [0x100000, 0x128000) (a"
        + " hole of 77840 bytes at 0x114ff0): the map is cut or belongs to another build; pass the whole map of"
        + " the image's final link"), cut.coverageProblem(h));
  }

  @Test
  void aHoleOfAPageIsNotAlignment() throws IOException {
    String text = TestMaps.map("00112233445566778899aabbccddeeff", 40);
    TraceHeader h = TraceHeader.of(4, 0, "00112233445566778899aabbccddeeff", 64, TraceHeader.Overflow.BLOCK)
        .withText(TestMaps.TEXT_START, TestMaps.textEnd(40));
    // One library's code missing: a hole of 4096 + 16 bytes.
    LinkMap holed = parse(text.replaceFirst(" \\.text [^\\n]*/lib7\\.o\\n", ""));
    assertEquals(4096 + 16, holed.coverage(h.textStart(), h.textEnd()).largestGap());
    assertTrue(holed.coverageProblem(h).isPresent());
  }
}
