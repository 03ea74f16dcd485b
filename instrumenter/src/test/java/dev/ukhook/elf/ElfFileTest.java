package dev.ukhook.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ukhook.core.UkhookException;
import dev.ukhook.elf.ElfFile.Symbol;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElfFileTest {
  static final String ONLY = "; ukhook reads little-endian ELF64 x86-64 executables and shared objects only";

  @TempDir Path tmp;

  @Test
  void headersOfAMinimalSharedObject() {
    ElfFile elf = TinyElf.dyn();
    assertEquals(ElfFile.Type.DYN, elf.type());
    assertEquals(0x1000, elf.entry());
    assertEquals(List.of(new ElfFile.LoadSegment(0, 0x2000, 0, 0x2000, 5)), elf.loads());
    assertEquals(Optional.empty(), elf.interpreter());
    assertEquals(0, elf.spanStart());
    assertEquals(0x2000, elf.spanEnd());
    assertEquals(Optional.empty(), elf.symbolAt(0x1000), "no symbol tables");
  }

  @Test
  void everythingButLittleEndianElf64X8664ExecutablesIsOneErrorNamingTheFile() throws Exception {
    assertEquals("f: not an ELF file" + ONLY, error(ByteBuffer.wrap(new byte[100])));
    assertEquals("f: not a little-endian 64-bit ELF file" + ONLY, error(TinyElf.of(1, 1, 3, 62)));
    assertEquals("f: not a little-endian 64-bit ELF file" + ONLY, error(TinyElf.of(2, 2, 3, 62)));
    assertEquals("f: ELF machine 183, not x86-64 (62)" + ONLY, error(TinyElf.of(2, 1, 3, 183)));
    assertEquals("f: ELF type 1, neither an executable nor a shared object" + ONLY, error(TinyElf.of(2, 1, 1, 62)));
    assertEquals("f: truncated or corrupt ELF file: a header, table or name lies outside its 80 bytes",
        error(TinyElf.of(2, 1, 3, 62).limit(80)));

    Path missing = tmp.resolve("missing");
    UkhookException e = assertThrows(UkhookException.class, () -> ElfFile.read(missing));
    assertEquals("ELF file " + missing + " does not exist", e.getMessage());
    Path text = Files.writeString(tmp.resolve("script.sh"), "#!/bin/sh\n");
    e = assertThrows(UkhookException.class, () -> ElfFile.read(text));
    assertEquals(text + ": not an ELF file" + ONLY, e.getMessage());
  }

  @Test
  void ofSeveralNamesForOneAddressTheOneAUserCalls() {
    // glibc's write and its aliases; __GI_* are the internal (LOCAL) ones of an unstripped libc.
    List<Symbol> write = List.of(new Symbol("__GI___libc_write", 0x100, 0x99, false),
        new Symbol("__libc_write", 0x100, 0x99, true), new Symbol("__write", 0x100, 0x99, true),
        new Symbol("write", 0x100, 0x99, true));
    assertEquals("write", write.stream().sorted(ElfFile.PREFERRED).findFirst().orElseThrow().name());
    List<Symbol> start = List.of(new Symbol("__libc_start_main_impl", 0x200, 0x1117, true),
        new Symbol("__libc_start_main", 0x200, 0x1117, true), new Symbol("_a", 0x200, 0, true),
        new Symbol("b", 0x200, 0x1117, false));
    assertEquals("__libc_start_main", start.stream().sorted(ElfFile.PREFERRED).findFirst().orElseThrow().name(),
        "sized and exported first, then fewer underscores, then shorter");
  }

  private static String error(ByteBuffer bytes) {
    return assertThrows(UkhookException.class, () -> ElfFile.parse("f", bytes)).getMessage();
  }
}
