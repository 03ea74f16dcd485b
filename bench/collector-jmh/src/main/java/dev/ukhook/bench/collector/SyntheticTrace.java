package dev.ukhook.bench.collector;




import dev.ukhook.attribution.Attributor;
import dev.ukhook.attribution.LinkMap;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.format.TraceWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A reproducible trace of a Unikraft image with a few dozen microlibraries: the GNU ld map text of its final
 * link and a stream of syscall records whose return addresses walk through that code the way a libc wrapper
 * and its callers do. Everything follows from the seed, so every benchmark run decodes the same bytes. A trace
 * keeps the walk and the arguments in its records ({@code --frames 4 --args}), or is compact (trace format 4's
 * default: each record the guest's charge and the return address that decided it, 40 bytes).
 */
public final class SyntheticTrace {
  /** The libraries a libc's syscall wrappers and the syscall shim live in, as an app's ukhook.json names them. */
  public static final Set<String> TRANSPARENT = Set.of("libnolibc", "libsyscall_shim");

  public static final int FRAMES = 4;

  // Libraries in link order, as Unikraft's build/ lists them for an app with networking and a 9p root.
  static final List<String> LIBRARIES =
      List.of(
          "libkvmplat", "libkvmpci", "libkvmvirtio", "libukdebug", "libukargparse", "libukalloc", "libukallocbuddy",
          "libukboot", "libukbus", "libuklibparam", "libuksched", "libukschedcoop", "libuktimeconv", "libuklock",
          "libukmpi", "libukfile", "libuknetdev", "libvirtio_net", "libvirtio_9p", "libuk9p", "lib9pfs",
          "libvfscore", "libramfs", "libdevfs", "libposix_fdtab", "libposix_fdio", "libposix_futex", "libposix_mmap",
          "libposix_process", "libposix_user", "libposix_time", "libposix_sysinfo", "libposix_socket",
          "libposix_poll", "libposix_event", "liblwip", "libsyscall_shim", "libnolibc", "apphttpreply");

  // Libraries that issue binary syscalls in this trace, with relative weights: the app most, then the network
  // stack and the file system acting for it.
  private static final String[] ISSUERS = {
    "apphttpreply", "liblwip", "libvfscore", "libposix_process", "libuksched", "libposix_socket", "libukboot",
    "libposix_time", "lib9pfs", "libposix_mmap"
  };
  private static final int[] ISSUER_WEIGHTS = {50, 14, 10, 6, 5, 5, 3, 3, 2, 2};

  // x86-64 syscall numbers of a small network server, with relative weights.
  private static final int[] NRS = {
    0, 1, 3, 5, 7, 9, 11, 13, 14, 20, 39, 41, 42, 44, 45, 49, 50, 60, 202, 228, 231, 232, 233, 257, 262, 288, 302,
    318
  };
  private static final int[] NR_WEIGHTS = {
    120, 140, 30, 20, 60, 10, 8, 6, 6, 40, 25, 10, 8, 90, 90, 3, 3, 1, 80, 200, 1, 60, 10, 30, 20, 40, 2, 5
  };

  private static final int CALL_PATHS = 512;
  private static final String IMAGE_ID = "0123456789abcdef0123456789abcdef";

  /** The text of the map, ready for {@link LinkMap#parse}. */
  public final String linkMapText;

  public final LinkMap linkMap;
  public final TraceHeader header;
  /** Header, {@code records} syscall records and the final record. */
  public final byte[] bytes;

  public final int records;

  private SyntheticTrace(String linkMapText, LinkMap linkMap, TraceHeader header, byte[] bytes, int records) {
    this.linkMapText = linkMapText;
    this.linkMap = linkMap;
    this.header = header;
    this.bytes = bytes;
    this.records = records;
  }

  public static SyntheticTrace generate(int records, long seed) {
    return generate(records, seed, false);
  }

  /** A trace of {@code records} records, compact ones when {@code compact}. */
  public static SyntheticTrace generate(int records, long seed, boolean compact) {
    TraceHeader header = header(mapText(new SplittableRandom(seed)), compact);
    ArrayOutput out = new ArrayOutput(header.headerSize() + (long) (records + 1) * header.recordSize());
    MapText map = write(records, seed, out, compact);
    LinkMap linkMap;
    try {
      linkMap = LinkMap.parse(new StringReader(map.text));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new SyntheticTrace(map.text, linkMap, header, out.array(), records);
  }

  /** The header of a trace of the image {@code map} describes: its text from the boot code to the last range. */
  private static TraceHeader header(MapText map, boolean compact) {
    TraceHeader h = TraceHeader.of(compact ? 0 : FRAMES, 2_450_000_000L, IMAGE_ID, 4096, TraceHeader.Overflow.BLOCK);
    long end = map.code.stream().flatMap(List::stream).mapToLong(r -> r[1]).max().orElseThrow();
    return new TraceHeader(h.version(), h.headerSize(), h.recordSize(), h.frames(), h.argWords(), h.tsHz(),
        h.imageId(), h.ringRecords(), h.overflow(), h.hookPoints(), 0x100000, end, 0, 0).withTail(compact ? 0
        : TraceLayout.ARGS, 0, 0);
  }

  /**
   * Writes a trace of RECORDS records as DIR/trace.ukt and its image's map as DIR/link.map, streaming, so a trace
   * of any length takes no memory here: {@code java -cp benchmarks.jar dev.ukhook.bench.collector.SyntheticTrace
   * DIR RECORDS}. bench/analysis-scale.sh reports on it.
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: SyntheticTrace DIR RECORDS");
      System.exit(2);
    }
    Path dir = Files.createDirectories(Path.of(args[0]));
    MapText map;
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(dir.resolve("trace.ukt")), 1 << 20)) {
      map = write(Integer.parseInt(args[1]), 42, out, false);
    }
    Files.writeString(dir.resolve("link.map"), map.text);
  }

  private static MapText write(int records, long seed, OutputStream out, boolean compact) {
    SplittableRandom random = new SplittableRandom(seed);
    MapText map = mapText(random);
    TraceHeader header = header(map, compact);
    long[][] paths = callPaths(map, random);
    // A compact record keeps what the guest's charge found over the path: the library and the address that decided.
    int[] charges = new int[paths.length];
    long[] decided = new long[paths.length];
    if (compact) {
      Attributor attributor;
      try {
        attributor = new Attributor(LinkMap.parse(new StringReader(map.text)), TRANSPARENT);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (int i = 0; i < paths.length; i++) {
        long[] frames = java.util.Arrays.copyOfRange(paths[i], 2, paths[i].length);
        SyscallRecord full = new SyscallRecord(0, 0, 0, 0, (int) paths[i][0], new long[6], 0, paths[i][1], frames);
        int c = attributor.charge(full);
        int lib = c & Attributor.LIBRARY;
        charges[i] = lib | ((c & Attributor.VIA_TRANSPARENT_ONLY) != 0 ? TraceLayout.CELL_VIA_TRANSPARENT : 0);
        decided[i] = paths[i][1];
        for (int k = 1; k < paths[i].length; k++) { // the guest's walk: the first that decides, else the outermost
          int one = attributor.charge(new SyscallRecord(0, 0, 0, 0, 0, new long[6], 0, paths[i][k], new long[0]));
          if (one != 0) {
            decided[i] = paths[i][k];
            if ((one & Attributor.VIA_TRANSPARENT_ONLY) == 0) {
              break;
            }
          }
        }
      }
    }
    int[] pathWeights = new int[paths.length];
    for (int i = 0; i < paths.length; i++) {
      // Few hot call sites, a long tail: the hottest path is about 20 times as frequent as the median one.
      pathWeights[i] = 1 + 4000 / (i + 10);
    }
    try {
      TraceWriter writer = new TraceWriter(out, header);
      long t = 1_000_000;
      long[] args = new long[6];
      for (int seq = 0; seq < records; seq++) {
        int p = pick(pathWeights, random);
        long[] path = paths[p];
        int nr = NRS[pick(NR_WEIGHTS, random)];
        for (int i = 0; i < args.length; i++) {
          args[i] = random.nextInt(8) == 0 ? random.nextLong() : random.nextInt(4096);
        }
        long duration = 300 + random.nextInt(4000);
        boolean refused = random.nextInt(100) == 0;
        int flags = (refused ? 1 : 0) | (int) path[0];
        long[] frames = new long[path.length - 2];
        System.arraycopy(path, 2, frames, 0, frames.length);
        long ret = refused ? -38 : random.nextInt(64);
        writer.syscall(compact
            ? new SyscallRecord(seq, t, t + duration, nr, TraceLayout.PATH_BINARY, 0, flags & ~TraceLayout.FLAG_LEAF_FRAME,
                new long[0], ret, decided[p], new long[0], SyscallRecord.Tail.NONE, charges[p], 1)
            : new SyscallRecord(seq, t, t + duration, nr, flags, args, ret, path[1], frames));
        t += duration + random.nextInt(2000);
      }
      writer.end(new FinalRecord(records, 0, records, t));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return map;
  }

  // The code ranges of each library, recorded while writing the map, to draw return addresses from.
  private record MapText(String text, List<List<long[]>> code) {}

  /**
   * A map the way GNU ld writes it for a Unikraft image: discarded sections, memory configuration, then the
   * .text output section holding every library's .text input section, followed by every library's
   * function sections (-ffunction-sections), some of whose names wrap onto a line of their own.
   */
  private static MapText mapText(SplittableRandom random) {
    StringBuilder sb = new StringBuilder();
    sb.append("Archive member included to satisfy reference by file (symbol)\n\n");
    sb.append("/usr/lib/gcc/x86_64-linux-gnu/12/libgcc.a(_udivti3.o)\n");
    sb.append("                              /abs/build/libnolibc.o (__udivti3)\n\n");
    sb.append("Discarded input sections\n\n");
    for (String lib : LIBRARIES) {
      sb.append(String.format(" .text.unused_%s%n                0x0000000000000000       0x40 /abs/build/%s.o%n", lib, lib));
      sb.append(String.format(" .comment       0x0000000000000000       0x2e /abs/build/%s.o%n", lib));
    }
    sb.append("\nMemory Configuration\n\nName             Origin             Length             Attributes\n");
    sb.append("*default*        0x0000000000000000 0xffffffffffffffff\n\n");
    sb.append("Linker script and memory map\n\n");
    for (String lib : LIBRARIES) {
      sb.append("LOAD /abs/build/").append(lib).append(".o\n");
    }
    sb.append("                0x0000000000100000                _base_addr = 0x100000\n");
    // The symbol ukhook's hook library defines, so that a report can check the map against the trace.
    sb.append("                0x0000000000100000                ukhook_image_id_").append(IMAGE_ID).append('\n');
    sb.append(".text.boot      0x0000000000100000       0x1a\n *(.text.boot)\n");
    sb.append(" .text.boot     0x0000000000100000       0x1a /abs/build/libkvmplat.o\n");
    sb.append("                0x0000000000101000                . = ALIGN (0x1000)\n\n");
    List<List<long[]>> code = new ArrayList<>();
    LIBRARIES.forEach(l -> code.add(new ArrayList<>()));
    long at = 0x101000;
    sb.append(".text           0x0000000000101000   0x200000\n *(.text)\n");
    for (int l = 0; l < LIBRARIES.size(); l++) {
      long size = 0x200 + 16L * random.nextInt(0x100);
      section(sb, ".text", at, size, LIBRARIES.get(l), false);
      code.get(l).add(new long[] {at, at + size});
      at = fill(sb, at + size);
    }
    sb.append(" *(.text.*)\n");
    for (int l = 0; l < LIBRARIES.size(); l++) {
      long start = at;
      int functions = 4 + random.nextInt(12);
      for (int f = 0; f < functions; f++) {
        long size = 0x40 + 16L * random.nextInt(0x40);
        String name = ".text." + LIBRARIES.get(l).substring(3) + "_fn" + f;
        section(sb, name, at, size, LIBRARIES.get(l), name.length() > 14);
        sb.append(String.format("                0x%016x                %s%n", at, name.substring(6)));
        at += size;
      }
      code.get(l).add(new long[] {start, at});
      at = fill(sb, at);
    }
    sb.append("\n.rodata         0x0000000000400000     0x1000\n");
    sb.append(" .rodata        0x0000000000400000     0x1000 /abs/build/libukdebug.o\n");
    return new MapText(sb.toString(), code);
  }

  private static void section(StringBuilder sb, String name, long at, long size, String lib, boolean wrap) {
    if (wrap) {
      sb.append(String.format(" %s%n                0x%016x %10s /abs/build/%s.o%n", name, at, "0x" + Long.toHexString(size), lib));
    } else {
      sb.append(String.format(" %-14s 0x%016x %10s /abs/build/%s.o%n", name, at, "0x" + Long.toHexString(size), lib));
    }
  }

  // Pads to the next 16 bytes, as ld does between objects.
  private static long fill(StringBuilder sb, long at) {
    long next = (at + 15) & ~15L;
    if (next != at) {
      sb.append(String.format(" *fill*         0x%016x %10s %n", at, "0x" + Long.toHexString(next - at)));
    }
    return next;
  }

  /**
   * Call paths as {flags, rip, frames...}: most calls go through a libc wrapper (rip and the leaf frame in
   * libnolibc) or the syscall shim before reaching the library that wanted them; some issue {@code syscall}
   * inline; a few never leave the wrappers (exit paths) or come from outside the image.
   */
  private static long[][] callPaths(MapText map, SplittableRandom random) {
    long[][] paths = new long[CALL_PATHS][];
    for (int p = 0; p < CALL_PATHS; p++) {
      String issuer = ISSUERS[pick(ISSUER_WEIGHTS, random)];
      int shape = random.nextInt(100);
      long flags = 0;
      long rip;
      List<Long> frames = new ArrayList<>();
      if (shape < 55) {
        // Through a frameless libc wrapper: the leaf frame is the wrapper's return into libc.
        flags = 2;
        rip = address(map, "libnolibc", random);
        frames.add(address(map, "libnolibc", random));
        frames.add(address(map, issuer, random));
      } else if (shape < 80) {
        rip = address(map, "libsyscall_shim", random);
        frames.add(address(map, "libnolibc", random));
        frames.add(address(map, issuer, random));
      } else if (shape < 95) {
        rip = address(map, issuer, random);
      } else if (shape < 98) {
        rip = address(map, "libnolibc", random);
        frames.add(address(map, "libnolibc", random));
      } else {
        // A return address outside the image's code: a loaded ELF binary's own syscall instruction.
        rip = 0x7f0000000000L + 16L * random.nextInt(1 << 20);
      }
      // Callers further out, until the frame slots or the chain end; the last two shapes have none.
      while (shape < 95 && frames.size() < FRAMES && random.nextInt(4) != 0) {
        frames.add(address(map, random.nextBoolean() ? "apphttpreply" : "libukboot", random));
      }
      long[] path = new long[2 + frames.size()];
      path[0] = flags;
      path[1] = rip;
      for (int i = 0; i < frames.size(); i++) {
        path[2 + i] = frames.get(i);
      }
      paths[p] = path;
    }
    return paths;
  }

  // A return address inside one of the library's code ranges: one byte back is inside the calling instruction.
  private static long address(MapText map, String library, SplittableRandom random) {
    List<long[]> ranges = map.code.get(LIBRARIES.indexOf(library));
    long[] r = ranges.get(random.nextInt(ranges.size()));
    return r[0] + 1 + random.nextLong(r[1] - r[0]);
  }

  private static int pick(int[] weights, SplittableRandom random) {
    int total = 0;
    for (int w : weights) {
      total += w;
    }
    int x = random.nextInt(total);
    for (int i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) {
        return i;
      }
    }
    throw new AssertionError();
  }

  /** An output stream into one array of known size, so a 128 MB trace is not copied on the way. */
  private static final class ArrayOutput extends OutputStream {
    private final byte[] array;
    private int size;

    ArrayOutput(long capacity) {
      if (capacity > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("a trace of " + capacity + " bytes does not fit one array");
      }
      array = new byte[(int) capacity];
    }

    @Override
    public void write(int b) {
      array[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      System.arraycopy(b, off, array, size, len);
      size += len;
    }

    byte[] array() {
      if (size != array.length) {
        throw new IllegalStateException("wrote " + size + " of " + array.length + " bytes");
      }
      return array;
    }
  }
}
