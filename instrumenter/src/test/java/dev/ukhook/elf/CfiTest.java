package dev.ukhook.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import dev.ukhook.elf.Cfi.Row;
import dev.ukhook.elf.Cfi.Rule;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The readelf table parser on src/test/resources/elf/frames-interp.txt, captured from binutils 2.40's
 * {@code readelf --debug-dump=frames-interp -W}: a PIE program's .eh_frame (a CIE marking _start outermost,
 * FDEs without rows, the .plt's expression), glibc FDEs with an rbp-based CFA and register rules printed as
 * "r3 (rbx)", and the .debug_frame of an object file.
 */
class CfiTest {
  static final Rule RA = new Rule(Rule.Kind.AT_CFA, -8, "c-8");

  @TempDir Path tmp;

  static String sample() throws IOException {
    try (InputStream in = CfiTest.class.getResourceAsStream("/elf/frames-interp.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static Cfi parse(String text) throws IOException {
    return Cfi.parse(new StringReader(text));
  }

  @Test
  void theEhFrameFdesSortedAndTheDebugFrameIgnored() throws IOException {
    assertEquals(List.of(0x1020L, 0x1120L, 0x1440L, 0x1530L, 0x1590L, 0x27900L, 0x1180b0L),
        parse(sample()).fdes().stream().map(Cfi.Fde::start).toList());
  }

  @Test
  void anFdeWithoutRowsHasItsCiesInitialRulesOverItsRange() throws IOException {
    Cfi cfi = parse(sample());
    // _start's CIE: the return address is undefined (the outermost frame).
    Row start = new Row(0x1440, "rsp", 8, Rule.UNDEFINED, Rule.SAME);
    assertEquals(Optional.of(start), cfi.rowAt(0x1440));
    assertEquals(Optional.of(start), cfi.rowAt(0x1461));
    assertEquals(Optional.empty(), cfi.rowAt(0x1462), "the range's end is exclusive");
    assertEquals(Optional.of(new Row(0x1120, "rsp", 8, RA, Rule.SAME)), cfi.rowAt(0x1127));
    assertEquals(Optional.empty(), cfi.rowAt(0x1000), "no FDE");
    assertEquals(Optional.empty(), cfi.rowAt(0x1500), "between FDEs");
  }

  @Test
  void rowsHoldTheCfaTheReturnAddressAndRbp() throws IOException {
    Cfi cfi = parse(sample());
    Rule rbpAt24 = new Rule(Rule.Kind.AT_CFA, -24, "c-24");
    assertEquals(Optional.of(new Row(0x1536, "rsp", 24, RA, rbpAt24)), cfi.rowAt(0x1536));
    assertEquals(Optional.of(new Row(0x1537, "rsp", 32, RA, rbpAt24)), cfi.rowAt(0x1540));
    assertEquals(Optional.of(new Row(0x1541, "rsp", 4128, RA, rbpAt24)), cfi.rowAt(0x1541));
    assertEquals(Optional.of(new Row(0x1530, "rsp", 8, RA, Rule.UNDEFINED)), cfi.rowAt(0x1531));
    // glibc: a frame-pointer function's CFA is rbp-based.
    assertEquals(Optional.of(new Row(0x27914, "rbp", 16, RA, new Rule(Rule.Kind.AT_CFA, -16, "c-16"))),
        cfi.rowAt(0x27920));
  }

  @Test
  void expressionsAndRegisterRulesAreKeptAsUnsupported() throws IOException {
    Cfi cfi = parse(sample());
    assertEquals("exp", cfi.rowAt(0x1030).orElseThrow().cfaRegister(), "the .plt's CFA");
    assertEquals("rsp", cfi.rowAt(0x102f).orElseThrow().cfaRegister());
    // "rdi+0    c+0   u     u     r9 (r9) r8 (r8) c+16 ... r1 (rdx)" under "CFA rbx rsi rdi rbp rsp ... ra"
    assertEquals(Optional.of(new Row(0x118133, "rdi", 0, new Rule(Rule.Kind.UNSUPPORTED, 0, "r1 (rdx)"),
        new Rule(Rule.Kind.UNSUPPORTED, 0, "r9 (r9)"))), cfi.rowAt(0x118140));
    assertEquals(Optional.of(new Row(0x1180ed, "rsp", 8, RA, Rule.UNDEFINED)), cfi.rowAt(0x1180ee));
  }

  @Test
  void withoutEhFrameTheDebugFrameIsUsed() throws IOException {
    String sample = sample();
    Cfi cfi = parse(sample.substring(sample.indexOf("Contents of the .debug_frame section")));
    assertEquals(List.of(0L), cfi.fdes().stream().map(Cfi.Fde::start).toList());
    assertEquals(Optional.of(new Row(0x11, "rsp", 4128, RA, new Rule(Rule.Kind.AT_CFA, -24, "c-24"))),
        cfi.rowAt(0x20));
  }

  @Test
  void aRowThatDoesNotFitItsColumnsIsAnErrorWithItsLine() {
    String text = """
        Contents of the .eh_frame section:

        00000088 0000000000000030 0000005c FDE cie=00000030 pc=0000000000001530..000000000000158f
           LOC           CFA      rbx   rbp   r12   ra
        0000000000001530 rsp+8    u     c-8
        """;
    UkhookException e = assertThrows(UkhookException.class, () -> parse(text));
    assertEquals("line 5: 3 cells under 5 columns CFA rbx rbp r12 ra; has readelf's frames-interp format "
        + "changed?", e.getMessage());
  }

  @Test
  void readRunsReadelfAndNamesTheFileItCannotRead() throws IOException {
    GlibcCapture.assumeTools();
    Path notElf = Files.writeString(tmp.resolve("not-elf"), "hello\n");
    UkhookException e = assertThrows(UkhookException.class, () -> Cfi.read(notElf));
    assertEquals(UkhookException.Kind.FAILURE, e.kind());
    assertTrue(e.getMessage().startsWith("readelf --debug-dump=frames-interp --debug-dump=no-follow-links -W "
        + notElf + " failed (exit 1): readelf: Error: "), e.getMessage());
  }
}
