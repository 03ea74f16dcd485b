package dev.ukhook.policy;

import static dev.ukhook.format.PolicyLayout.GRANULE_MIXED;
import static dev.ukhook.format.PolicyLayout.MAX_GRANULES;
import static dev.ukhook.format.PolicyLayout.MAX_LIBS;
import static dev.ukhook.format.PolicyLayout.MAX_RANGES;
import static dev.ukhook.format.PolicyLayout.NAME_BYTES;

import dev.ukhook.attribution.Attribution;
import dev.ukhook.attribution.LinkMap;
import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.PolicyLayout.Table;
import dev.ukhook.format.PolicyLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The library table of one image (struct ukhook_libtable, docs/policy.md): each microlibrary's code ranges from the
 * link map of the final link, numbered in name order from 1 (0 is no library), and a direct lookup by granule. It
 * is the guest's only source of "which library is this address in", so {@link #libAt} is also the Java model of
 * the guest's ukhook_lib_at().
 *
 * @param names library names by index; index 0 is {@link Attribution#UNATTRIBUTED_LIBRARY}
 * @param transparent a bit per library looked through by the charge when no policy is in force (a counting image)
 */
public record LibTable(String imageId, long textLo, long textHi, long textHash, List<String> names,
    long[] rangeStart, int[] rangeLib, int shift, int[] granule, long[] transparent) {

  /** The table for {@code map}'s image, whose code [textLo, textHi) is {@code text}, looking through nothing. */
  public static LibTable of(LinkMap map, String imageId, long textLo, long textHi, ByteBuffer text) {
    return of(map, imageId, textLo, textHi, text, Set.of());
  }

  /** The table for {@code map}'s image, whose code [textLo, textHi) is {@code text}. */
  public static LibTable of(LinkMap map, String imageId, long textLo, long textHi, ByteBuffer text,
      Set<String> transparent) {
    List<String> names = new ArrayList<>();
    names.add(Attribution.UNATTRIBUTED_LIBRARY);
    names.addAll(new TreeSet<>(map.libraries()));
    names.stream().filter(n -> n.length() >= NAME_BYTES).findFirst().ifPresent(n -> {
      throw new UkhookException(Kind.FAILURE, "the microlibrary name " + n + " is longer than the " + (NAME_BYTES - 1)
          + " bytes the guest's library table holds: filtering is not available for this image");
    });
    if (names.size() > MAX_LIBS) {
      throw new UkhookException(Kind.FAILURE, "the image has " + (names.size() - 1) + " microlibraries; the guest's "
          + "library table holds " + (MAX_LIBS - 1) + ": filtering is not available for this image");
    }
    // Ranges covering [textLo, textHi) without a hole: a gap belongs to library 0.
    List<long[]> ranges = new ArrayList<>();
    for (LinkMap.Range r : map.ranges()) {
      long start = Math.max(r.start(), textLo);
      long end = Math.min(r.end(), textHi);
      if (start >= end) {
        continue;
      }
      long covered = ranges.isEmpty() ? textLo : ranges.get(ranges.size() - 1)[1];
      if (start > covered) {
        add(ranges, covered, start, 0);
      }
      add(ranges, start, end, names.indexOf(r.library()));
    }
    long covered = ranges.isEmpty() ? textLo : ranges.get(ranges.size() - 1)[1];
    if (covered < textHi || ranges.isEmpty()) {
      add(ranges, covered, textHi, 0);
    }
    if (ranges.size() > MAX_RANGES) {
      throw new UkhookException(Kind.FAILURE, "the image's code has " + ranges.size() + " library ranges; the guest's"
          + " library table holds " + MAX_RANGES + ": filtering is not available for this image");
    }
    long[] starts = ranges.stream().mapToLong(r -> r[0]).toArray();
    int[] libs = ranges.stream().mapToInt(r -> (int) r[2]).toArray();
    long len = textHi - textLo;
    int shift = 4;
    while (((len + (1L << shift) - 1) >> shift) > MAX_GRANULES) {
      shift++;
    }
    int[] granule = new int[(int) ((len + (1L << shift) - 1) >> shift)];
    int r = 0;
    for (int g = 0; g < granule.length; g++) {
      long lo = textLo + ((long) g << shift);
      long hi = Math.min(lo + (1L << shift), textHi);
      while (r + 1 < starts.length && starts[r + 1] <= lo) {
        r++;
      }
      boolean whole = r + 1 >= starts.length || starts[r + 1] >= hi;
      granule[g] = whole ? libs[r] : GRANULE_MIXED;
    }
    long anchors = anchorHash(starts, libs, textLo, textHi, text);
    long[] bits = new long[MAX_LIBS / 64];
    for (int i = 1; i < names.size(); i++) {
      if (transparent.contains(names.get(i))) {
        bits[i / 64] |= 1L << (i % 64);
      }
    }
    return new LibTable(imageId, textLo, textHi, anchors, List.copyOf(names), starts, libs, shift, granule, bits);
  }

  /** ukhook_anchor_hash(): the first {@link PolicyLayout#ANCHOR_BYTES} of each library's range, in order. */
  static long anchorHash(long[] starts, int[] libs, long textLo, long textHi, ByteBuffer text) {
    long h = PolicyLayout.HASH_SEED;
    for (int i = 0; i < starts.length; i++) {
      long end = i + 1 < starts.length ? starts[i + 1] : textHi;
      if (libs[i] != 0) {
        int len = (int) Math.min(end - starts[i], PolicyLayout.ANCHOR_BYTES);
        h = PolicyLayout.hash(h, text.slice((int) (starts[i] - textLo), len));
      }
    }
    return PolicyLayout.hashEnd(h);
  }

  private static void add(List<long[]> ranges, long start, long end, int lib) {
    long[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
    if (last != null && last[2] == lib && last[1] == start) {
      last[1] = end;
    } else {
      ranges.add(new long[] {start, end, lib});
    }
  }

  /** The index of library {@code name}, or -1. */
  public int index(String name) {
    return names.indexOf(name);
  }

  /** The library whose code holds {@code address} (0: none), as the guest's ukhook_lib_at() finds it. */
  public int libAt(long address) {
    long off = address - textLo;
    if (Long.compareUnsigned(off, textHi - textLo) >= 0) {
      return 0;
    }
    int g = granule[(int) (off >>> shift)];
    if (g != GRANULE_MIXED) {
      return g;
    }
    int lo = 0;
    int hi = rangeStart.length;
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      if (rangeStart[mid] <= address) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return rangeLib[lo];
  }

  /** The table as the guest reads it, checksum included. */
  public byte[] bytes() {
    ByteBuffer b = ByteBuffer.allocate(Table.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(Table.MAGIC.offset(), PolicyLayout.TABLE_MAGIC);
    b.put(Table.IMAGE_ID.offset(), HexFormat.of().parseHex(imageId));
    b.putInt(Table.STATE.offset(), PolicyLayout.TABLE_FILLED);
    b.putShort(Table.NLIBS.offset(), (short) names.size());
    b.put(Table.SHIFT.offset(), (byte) shift);
    b.putLong(Table.TEXT_LO.offset(), textLo);
    b.putLong(Table.TEXT_HI.offset(), textHi);
    b.putLong(Table.TEXT_HASH.offset(), textHash);
    b.putInt(Table.NRANGES.offset(), rangeStart.length);
    b.putInt(Table.NGRANULES.offset(), granule.length);
    for (int i = 0; i < rangeStart.length; i++) {
      b.putLong(Table.RANGE_START.offset() + 8 * i, rangeStart[i]);
      b.put(Table.RANGE_LIB.offset() + i, (byte) rangeLib[i]);
    }
    for (int i = 0; i < granule.length; i++) {
      b.put(Table.GRANULE.offset() + i, (byte) granule[i]);
    }
    for (int i = 0; i < transparent.length; i++) {
      b.putLong(Table.TRANSPARENT.offset() + 8 * i, transparent[i]);
    }
    for (int i = 0; i < names.size(); i++) {
      byte[] n = names.get(i).getBytes(StandardCharsets.US_ASCII);
      b.put(Table.NAMES.offset() + NAME_BYTES * i, n, 0, Math.min(n.length, NAME_BYTES - 1));
    }
    b.putLong(Table.CHECKSUM.offset(), PolicyLayout.hash(b.slice(Table.CHECKED_FROM, Table.SIZE - Table.CHECKED_FROM)));
    return b.array();
  }

  /** The table in {@code file} (a run directory's or a build's copy). */
  public static LibTable read(Path file) {
    try {
      return parse(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UkhookException(Kind.FAILURE, "cannot read the library table " + file + ": "
          + TextFiles.reason(e));
    }
  }

  /** The table {@link #bytes()} wrote (a run directory keeps it, for policies pushed into that run). */
  public static LibTable parse(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length != Table.SIZE || b.getLong(Table.MAGIC.offset()) != PolicyLayout.TABLE_MAGIC
        || b.getInt(Table.STATE.offset()) != PolicyLayout.TABLE_FILLED) {
      throw new UkhookException(Kind.USAGE, "not a library table written by ukhook");
    }
    byte[] id = new byte[16];
    b.get(Table.IMAGE_ID.offset(), id);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < b.getShort(Table.NLIBS.offset()); i++) {
      int at = Table.NAMES.offset() + NAME_BYTES * i;
      int n = 0;
      while (n < NAME_BYTES && bytes[at + n] != 0) {
        n++;
      }
      names.add(new String(bytes, at, n, StandardCharsets.US_ASCII));
    }
    long[] starts = new long[b.getInt(Table.NRANGES.offset())];
    int[] libs = new int[starts.length];
    for (int i = 0; i < starts.length; i++) {
      starts[i] = b.getLong(Table.RANGE_START.offset() + 8 * i);
      libs[i] = Byte.toUnsignedInt(b.get(Table.RANGE_LIB.offset() + i));
    }
    int[] granule = new int[b.getInt(Table.NGRANULES.offset())];
    for (int i = 0; i < granule.length; i++) {
      granule[i] = Byte.toUnsignedInt(b.get(Table.GRANULE.offset() + i));
    }
    long[] transparent = new long[MAX_LIBS / 64];
    for (int i = 0; i < transparent.length; i++) {
      transparent[i] = b.getLong(Table.TRANSPARENT.offset() + 8 * i);
    }
    return new LibTable(HexFormat.of().formatHex(id), b.getLong(Table.TEXT_LO.offset()),
        b.getLong(Table.TEXT_HI.offset()), b.getLong(Table.TEXT_HASH.offset()), List.copyOf(names), starts, libs,
        b.get(Table.SHIFT.offset()), granule, transparent);
  }

  public long checksum() {
    return ByteBuffer.wrap(bytes()).order(ByteOrder.LITTLE_ENDIAN).getLong(Table.CHECKSUM.offset());
  }
}
