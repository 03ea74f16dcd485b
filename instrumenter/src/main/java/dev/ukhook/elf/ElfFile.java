package dev.ukhook.elf;

import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What the host needs from a little-endian ELF64 x86-64 executable or shared object that a guest runs: its
 * type, entry, loadable segments, interpreter and function symbols.
 *
 * <p>Addresses here are ELF virtual addresses; at run time an object sits at {@code base + vaddr}, where base
 * is the load bias (0 for a non-PIE {@link Type#EXEC}).
 */
public final class ElfFile {
  /** {@code e_type}: a fixed-address executable, or a position-independent one (PIE or shared object). */
  public enum Type { EXEC, DYN }

  /** One {@code PT_LOAD} program header; {@code flags} is {@code p_flags} (PF_X 1, PF_W 2, PF_R 4). */
  public record LoadSegment(long vaddr, long memsz, long fileOffset, long filesz, int flags) {
    public boolean executable() {
      return (flags & PF_X) != 0;
    }
  }

  /** A function symbol; {@code exported} is GLOBAL or WEAK binding. */
  record Symbol(String name, long value, long size, boolean exported) {}

  static final long PAGE = 4096;
  private static final int PF_X = 1;
  private static final int ET_EXEC = 2;
  private static final int ET_DYN = 3;
  private static final int EM_X86_64 = 62;
  private static final int PT_LOAD = 1;
  private static final int PT_INTERP = 3;
  private static final int SHT_SYMTAB = 2;
  private static final int SHT_DYNSYM = 11;
  private static final int STT_FUNC = 2;
  private static final int STT_GNU_IFUNC = 10;
  private static final int STB_LOCAL = 0;
  private static final int SHN_UNDEF = 0;
  private static final int SHN_LORESERVE = 0xff00;

  private final String name;
  private final Type type;
  private final long entry;
  private final List<LoadSegment> loads;
  private final Optional<String> interpreter;
  /** One symbol per address, sorted by address: the one {@link #PREFERRED} picks among those sharing it. */
  private final Symbol[] byAddress;
  private final long[] addresses;
  /** The sized subset of {@link #byAddress}, for "which function contains this address". */
  private final Symbol[] sized;
  private final long[] sizedAddresses;

  private ElfFile(String name, Type type, long entry, List<LoadSegment> loads, Optional<String> interpreter,
      List<Symbol> symbols) {
    this.name = name;
    this.type = type;
    this.entry = entry;
    this.loads = List.copyOf(loads);
    this.interpreter = interpreter;
    this.byAddress = onePerAddress(symbols).toArray(Symbol[]::new);
    this.addresses = addressesOf(byAddress);
    this.sized = onePerAddress(symbols.stream().filter(s -> s.size() > 0).toList()).toArray(Symbol[]::new);
    this.sizedAddresses = addressesOf(sized);
  }

  /** Reads an ELF file; every problem is one {@link UkhookException} naming the file. */
  public static ElfFile read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new UkhookException(Kind.USAGE, "ELF file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new UkhookException(Kind.USAGE, "cannot read ELF file " + file + ": " + e, e);
    }
    return parse(file.toString(), ByteBuffer.wrap(bytes));
  }

  /** Parses an ELF file that starts at the position of {@code bytes}; {@code name} names it in errors. */
  public static ElfFile parse(String name, ByteBuffer bytes) {
    ByteBuffer b = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
    try {
      return parseChecked(name, b);
    } catch (BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException e) {
      throw new UkhookException(Kind.USAGE, name + ": truncated or corrupt ELF file: a header, table or name lies "
          + "outside its " + b.limit() + " bytes", e);
    }
  }

  private static ElfFile parseChecked(String name, ByteBuffer b) {
    if (b.limit() < 64 || b.getInt(0) != 0x464c457f) {
      throw notSupported(name, "not an ELF file");
    }
    if (b.get(4) != 2 || b.get(5) != 1) {
      throw notSupported(name, "not a little-endian 64-bit ELF file");
    }
    int eType = Short.toUnsignedInt(b.getShort(16));
    int machine = Short.toUnsignedInt(b.getShort(18));
    if (machine != EM_X86_64) {
      throw notSupported(name, "ELF machine " + machine + ", not x86-64 (62)");
    }
    Type type = switch (eType) {
      case ET_EXEC -> Type.EXEC;
      case ET_DYN -> Type.DYN;
      default -> throw notSupported(name, "ELF type " + eType + ", neither an executable nor a shared object");
    };
    long entry = b.getLong(24);
    long phoff = b.getLong(32);
    long shoff = b.getLong(40);
    int phentsize = Short.toUnsignedInt(b.getShort(54));
    int phnum = Short.toUnsignedInt(b.getShort(56));
    int shentsize = Short.toUnsignedInt(b.getShort(58));
    int shnum = Short.toUnsignedInt(b.getShort(60));

    List<LoadSegment> loads = new ArrayList<>();
    Optional<String> interpreter = Optional.empty();
    for (int i = 0; i < phnum; i++) {
      int ph = index(phoff + (long) i * phentsize);
      int pType = b.getInt(ph);
      if (pType == PT_LOAD) {
        loads.add(new LoadSegment(b.getLong(ph + 16), b.getLong(ph + 40), b.getLong(ph + 8), b.getLong(ph + 32),
            b.getInt(ph + 4)));
      } else if (pType == PT_INTERP) {
        interpreter = Optional.of(cString(b, index(b.getLong(ph + 8)), index(b.getLong(ph + 32))));
      }
    }
    if (loads.isEmpty()) {
      throw notSupported(name, "no PT_LOAD segment");
    }

    List<Symbol> symbols = new ArrayList<>();
    if (shoff != 0 && shnum == 0) {
      shnum = index(b.getLong(index(shoff) + 32)); // more than SHN_LORESERVE sections: the count is in section 0
    }
    for (int i = 0; i < shnum; i++) {
      int sh = index(shoff + (long) i * shentsize);
      int shType = b.getInt(sh + 4);
      if (shType == SHT_SYMTAB || shType == SHT_DYNSYM) {
        int strtab = index(shoff + (long) b.getInt(sh + 40) * shentsize);
        readSymbols(b, index(b.getLong(sh + 24)), index(b.getLong(sh + 32)), index(b.getLong(sh + 56)),
            index(b.getLong(strtab + 24)), index(b.getLong(strtab + 32)), symbols);
      }
    }
    return new ElfFile(name, type, entry, loads, interpreter, symbols);
  }

  private static void readSymbols(ByteBuffer b, int offset, int size, int entsize, int strOffset, int strSize,
      List<Symbol> into) {
    if (entsize == 0) {
      return;
    }
    for (int at = offset; at + entsize <= offset + size; at += entsize) {
      int info = b.get(at + 4);
      int symType = info & 0xf;
      int shndx = Short.toUnsignedInt(b.getShort(at + 6));
      long value = b.getLong(at + 8);
      if ((symType != STT_FUNC && symType != STT_GNU_IFUNC) || shndx == SHN_UNDEF || value == 0
          || (shndx >= SHN_LORESERVE && shndx != 0xffff)) {
        continue;
      }
      int nameOffset = b.getInt(at);
      String symbolName = cString(b, strOffset + nameOffset, strSize - nameOffset);
      if (!symbolName.isEmpty()) {
        into.add(new Symbol(symbolName, value, b.getLong(at + 16), ((info >> 4) & 0xf) != STB_LOCAL));
      }
    }
  }

  /**
   * The function at {@code vaddr}: the sized function symbol that contains it ({@link SymbolHit#contained()}),
   * otherwise the nearest function symbol at or below it (a guess: in a stripped object, such as Debian's
   * libc.so.6 with only {@code .dynsym}, a static function is named after the exported one before it).
   *
   * <p>Several names for one address (glibc's {@code write}, {@code __write}, {@code __libc_write}) resolve
   * to one, by {@link #PREFERRED}: the one a user calls.
   */
  public Optional<SymbolHit> symbolAt(long vaddr) {
    int s = floor(sizedAddresses, vaddr);
    if (s >= 0 && vaddr - sized[s].value() < sized[s].size()) {
      return Optional.of(new SymbolHit(sized[s].name(), vaddr - sized[s].value(), true));
    }
    int any = floor(addresses, vaddr);
    if (any < 0) {
      return Optional.empty();
    }
    return Optional.of(new SymbolHit(byAddress[any].name(), vaddr - byAddress[any].value(), false));
  }

  /**
   * Which of two names for one address {@link #symbolAt} reports: a sized symbol over an unsized one, then an
   * exported (GLOBAL or WEAK) over a LOCAL one, then fewer leading underscores, then the shorter name, then
   * the alphabetically first. So glibc's {@code write} beats {@code __write} and {@code __libc_write}, and
   * {@code getppid} beats {@code __getppid}.
   */
  static final Comparator<Symbol> PREFERRED = Comparator
      .comparing((Symbol s) -> s.size() == 0)
      .thenComparing(s -> !s.exported())
      .thenComparingInt(s -> leadingUnderscores(s.name()))
      .thenComparingInt(s -> s.name().length())
      .thenComparing(Symbol::name);

  private static List<Symbol> onePerAddress(List<Symbol> symbols) {
    List<Symbol> sorted = symbols.stream()
        .sorted(Comparator.comparingLong(Symbol::value).thenComparing(PREFERRED)).toList();
    List<Symbol> out = new ArrayList<>();
    for (Symbol s : sorted) {
      if (out.isEmpty() || out.get(out.size() - 1).value() != s.value()) {
        out.add(s);
      }
    }
    return out;
  }

  private static int leadingUnderscores(String s) {
    int n = 0;
    while (n < s.length() && s.charAt(n) == '_') {
      n++;
    }
    return n;
  }

  private static long[] addressesOf(Symbol[] symbols) {
    long[] out = new long[symbols.length];
    for (int i = 0; i < symbols.length; i++) {
      out[i] = symbols[i].value();
    }
    return out;
  }

  /** The index of the last element {@code <= key} (unsigned), or -1. */
  static int floor(long[] sorted, long key) {
    int lo = 0;
    int hi = sorted.length - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(sorted[mid], key) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  private static String cString(ByteBuffer b, int offset, int maxLength) {
    int end = offset;
    int limit = offset + Math.max(0, maxLength);
    while (end < limit && b.get(end) != 0) {
      end++;
    }
    byte[] bytes = new byte[end - offset];
    b.get(offset, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static int index(long offset) {
    if (offset < 0 || offset > Integer.MAX_VALUE) {
      throw new IndexOutOfBoundsException("offset " + offset);
    }
    return (int) offset;
  }

  private static UkhookException notSupported(String name, String why) {
    return new UkhookException(Kind.USAGE, name + ": " + why + "; ukhook reads little-endian ELF64 x86-64 "
        + "executables and shared objects only");
  }

  /** The file name given to {@link #read} or {@link #parse}. */
  /** The names of the functions the object exports (global or weak), as its dynamic or static symbol table has them. */
  public java.util.Set<String> exportedFunctionNames() {
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Symbol sym : byAddress) {
      if (sym.exported()) {
        names.add(sym.name());
      }
    }
    return names;
  }

  public String name() {
    return name;
  }

  public Type type() {
    return type;
  }

  public long entry() {
    return entry;
  }

  public List<LoadSegment> loads() {
    return loads;
  }

  /** The {@code PT_INTERP} path, such as {@code /lib64/ld-linux-x86-64.so.2}, for a dynamically linked program. */
  public Optional<String> interpreter() {
    return interpreter;
  }

  /** The lowest {@code PT_LOAD} vaddr rounded down to a page: where the object's mapping starts. */
  public long spanStart() {
    return loads.stream().mapToLong(LoadSegment::vaddr).min().orElseThrow() & -PAGE;
  }

  /** The end (exclusive) of the highest {@code PT_LOAD}'s memory image. */
  public long spanEnd() {
    return loads.stream().mapToLong(l -> l.vaddr() + l.memsz()).max().orElseThrow();
  }

  @Override
  public String toString() {
    return name;
  }
}
