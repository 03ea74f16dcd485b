package dev.ukhook.bench.collector.proto;

import dev.ukhook.analysis.Attribution;
import dev.ukhook.analysis.LinkMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Prototype of {@code dev.ukhook.analysis.Attributor} with the same rule, answering a library index instead of
 * an {@code Attribution}: the link map's ranges become parallel primitive arrays and libraries become indices
 * into {@link #libraries()}. Optionally a direct-mapped cache remembers past answers, which pays because a
 * trace has few distinct call sites, each repeated thousands of times:
 *
 * <ul>
 *   <li>{@link Cache#ADDRESS}: the library of each return address, saving the binary searches but not the
 *       walk along the frames with its data-dependent branches;
 *   <li>{@link Cache#PATH}: the answer for each whole call path (rip, depth and every frame slot), so a hit
 *       costs a fixed number of loads and compares whatever the path's shape.
 * </ul>
 *
 * Not thread-safe: one per decoding thread, like the table it feeds.
 */
public final class IndexedAttributor {
  public enum Cache { NONE, ADDRESS, PATH }

  private static final int ADDRESS_BITS = 12;
  private static final int PATH_BITS = 12;
  private static final long MIX = 0x9E3779B97F4A7C15L;
  // No address lookup is for this key: return address 0 is skipped, so the address is never 0 - 1.
  private static final long NO_ADDRESS = -1;

  private final long[] starts;
  private final long[] ends;
  private final int[] libraryOfRange;
  private final List<String> libraries;
  private final boolean[] transparent;
  private final int unknown;
  private final Cache cache;
  private long[] cachedAddress;
  private int[] cachedLibrary;
  // PATH: per slot, stride = 2 + frame slots longs: rip, depth (-1 when empty), slots.
  private long[] cachedPath;
  private int[] cachedPathLibrary;
  private int stride;

  public IndexedAttributor(LinkMap map, Set<String> transparentLibs, Cache cache) {
    List<LinkMap.Range> ranges = map.ranges();
    libraries = new ArrayList<>(map.libraries());
    unknown = libraries.size();
    libraries.add(Attribution.UNKNOWN_LIBRARY);
    starts = new long[ranges.size()];
    ends = new long[ranges.size()];
    libraryOfRange = new int[ranges.size()];
    for (int i = 0; i < ranges.size(); i++) {
      starts[i] = ranges.get(i).start();
      ends[i] = ranges.get(i).end();
      libraryOfRange[i] = libraries.indexOf(ranges.get(i).library());
    }
    transparent = new boolean[libraries.size()];
    for (int i = 0; i < unknown; i++) {
      transparent[i] = transparentLibs.contains(libraries.get(i));
    }
    this.cache = cache;
    if (cache == Cache.ADDRESS) {
      cachedAddress = new long[1 << ADDRESS_BITS];
      cachedLibrary = new int[1 << ADDRESS_BITS];
      Arrays.fill(cachedAddress, NO_ADDRESS);
    }
  }

  /** Library names by index; the last is {@code <unknown>}. */
  public List<String> libraries() {
    return libraries;
  }

  /** The index of the library {@code Attributor.attribute} would name for this record. */
  public int attribute(SyscallView r) {
    return cache == Cache.PATH ? cachedWalk(r) : walk(r);
  }

  private int cachedWalk(SyscallView r) {
    int n = r.slots();
    if (2 + n != stride) {
      stride = 2 + n;
      cachedPath = new long[stride << PATH_BITS];
      cachedPathLibrary = new int[1 << PATH_BITS];
      for (int i = 1; i < cachedPath.length; i += stride) {
        cachedPath[i] = -1;
      }
    }
    long rip = r.rip();
    long depth = r.depth();
    long h = (rip ^ depth) * MIX;
    for (int i = 0; i < n; i++) {
      h = Long.rotateLeft(h, 23) ^ r.slot(i) * MIX;
    }
    int entry = (int) (h >>> (64 - PATH_BITS));
    int at = entry * stride;
    long[] keys = cachedPath;
    long diff = (keys[at] ^ rip) | (keys[at + 1] ^ depth);
    for (int i = 0; i < n; i++) {
      diff |= keys[at + 2 + i] ^ r.slot(i);
    }
    if (diff == 0) {
      return cachedPathLibrary[entry];
    }
    int library = walk(r);
    keys[at] = rip;
    keys[at + 1] = depth;
    for (int i = 0; i < n; i++) {
      keys[at + 2 + i] = r.slot(i);
    }
    cachedPathLibrary[entry] = library;
    return library;
  }

  private int walk(SyscallView r) {
    int outermostTransparent = -1;
    int depth = r.depth();
    for (int i = -1; i < depth; i++) {
      long returnAddress = i < 0 ? r.rip() : r.frame(i);
      if (returnAddress == 0) {
        continue;
      }
      // One byte back, as Attributor explains: inside the calling instruction.
      int library = libraryAt(returnAddress - 1);
      if (library < 0) {
        continue;
      }
      if (!transparent[library]) {
        return library;
      }
      outermostTransparent = library;
    }
    return outermostTransparent < 0 ? unknown : outermostTransparent;
  }

  private int libraryAt(long address) {
    if (cache != Cache.ADDRESS) {
      return search(address);
    }
    int slot = (int) ((address * MIX) >>> (64 - ADDRESS_BITS));
    if (cachedAddress[slot] == address) {
      return cachedLibrary[slot];
    }
    int library = search(address);
    cachedAddress[slot] = address;
    cachedLibrary[slot] = library;
    return library;
  }

  // LinkMap.libraryAt over the primitive arrays: the last range starting at or below the address.
  private int search(long address) {
    int lo = 0;
    int hi = starts.length - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(starts[mid], address) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0 || Long.compareUnsigned(address, ends[found]) >= 0) {
      return -1;
    }
    return libraryOfRange[found];
  }
}
