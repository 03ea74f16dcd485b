package dev.ukhook.attribution;

import dev.ukhook.format.Call;
import dev.ukhook.format.LoadRecord;
import dev.ukhook.format.TraceLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Charges each binary syscall to the innermost microlibrary on its call path that is not transparent.
 * Transparent libraries are the ones that only pass calls through, such as a libc's syscall wrappers: charging
 * every call to them would say nothing about who needed it.
 *
 * <p>Libraries are numbered ({@link #charge}), 0 being {@link Attribution#UNATTRIBUTED_LIBRARY}; the code ranges
 * are arrays and each return address looked up is remembered, so charging a call allocates nothing. Not
 * thread-safe: one per trace.
 */
public final class Attributor {
  /** The bit of a {@link #charge} that says every address found was in a transparent library. */
  public static final int VIA_TRANSPARENT_ONLY = 1 << 30;
  /** The library number of a {@link #charge}. */
  public static final int LIBRARY = VIA_TRANSPARENT_ONLY - 1;
  /**
   * The bit of a counting image's cell library (TraceLayout.Cell.LIB) that says what {@link #VIA_TRANSPARENT_ONLY}
   * says; the bits below it are the library's number, as in {@link #libraryNames()}.
   */

  // Return addresses looked up, in an open-addressing table that never evicts; real traces have a few thousand
  // distinct ones. Past MAX_CACHED, new addresses are searched every time.
  private static final int MAX_CACHED = 1 << 16;

  private final Set<String> transparent;
  private final LoadedPrograms programs;
  private final List<String> names = new ArrayList<>();
  private final boolean[] transparentLib;
  private final LinkMap map;
  private final int[] rangeLib;
  // Address and library number side by side (one cache line per look-up); a library of -1 marks a free slot.
  private long[] cache = emptyCache(1 << 12);
  private int cached;
  private final Attribution[] attributions;

  public Attributor(LinkMap map, Set<String> transparentLibs) {
    this(map, transparentLibs, null);
  }

  /** With {@code programs}: calls made by Linux programs app-elfloader loaded are charged to their objects. */
  public Attributor(LinkMap map, Set<String> transparentLibs, LoadedPrograms programs) {
    this.transparent = Set.copyOf(transparentLibs);
    this.programs = programs;
    names.add(Attribution.UNATTRIBUTED_LIBRARY);
    names.addAll(map.libraries());
    Map<String, Integer> index = new HashMap<>();
    transparentLib = new boolean[names.size()];
    attributions = new Attribution[2 * names.size()];
    for (int i = 0; i < names.size(); i++) {
      index.put(names.get(i), i);
      transparentLib[i] = transparent.contains(names.get(i));
      attributions[2 * i] = i == 0 ? Attribution.UNATTRIBUTED : new Attribution(names.get(i), false);
      attributions[2 * i + 1] = new Attribution(names.get(i), true);
    }
    List<LinkMap.Range> ranges = map.ranges();
    this.map = map;
    rangeLib = ranges.stream().mapToInt(r -> index.get(r.library())).toArray();
  }

  /** The libraries by number: 0 is {@link Attribution#UNATTRIBUTED_LIBRARY}, then the map's, by name. */
  public List<String> libraryNames() {
    return List.copyOf(names);
  }

  /** What a counting image charged a cell's calls to ({@link #TraceLayout.CELL_VIA_TRANSPARENT}); empty beyond the map. */
  public Optional<Attribution> ofCell(int lib) {
    int i = lib & (TraceLayout.CELL_VIA_TRANSPARENT - 1);
    return i < names.size() ? Optional.of(attributions[2 * i + ((lib & TraceLayout.CELL_VIA_TRANSPARENT) != 0 ? 1 : 0)])
        : Optional.empty();
  }

  /** Whether calls are charged to the objects of loaded programs, which {@link #charge} does not know. */
  public boolean followsPrograms() {
    return programs != null;
  }

  /** What went wrong placing the loaded programs' objects, one line each. */
  public List<String> programProblems() {
    return programs == null ? List.of() : programs.problems();
  }

  /** Attributes a record and then lets the loaded programs follow it (a mapping it made counts from the next call). */
  public Attribution attributeAndFollow(Call r) {
    Attribution a = attribute(r);
    if (programs != null) {
      programs.observe(r.toRecord());
    }
    return a;
  }

  /** A program load: its objects are placed (nothing happens without {@link LoadedPrograms}). */
  public void load(LoadRecord l) {
    if (programs != null) {
      programs.load(l);
    }
  }

  /** The library a call is charged to, as a name; see {@link #charge}. */
  public Attribution attribute(Call r) {
    if (programs != null && programs.covers(r.rip() - 1)) {
      return programs.attribute(r.toRecord());
    }
    int c = charge(r);
    return attributions[2 * (c & LIBRARY) + ((c & VIA_TRANSPARENT_ONLY) != 0 ? 1 : 0)];
  }

  /**
   * Looks up {@code rip}, then each frame's return address, innermost first. The first library found that is
   * not transparent wins; if all found are transparent, the outermost of them, with {@link #VIA_TRANSPARENT_ONLY};
   * if none, 0 ({@link Attribution#UNATTRIBUTED_LIBRARY}). Programs loaded at run time are not looked at.
   */
  public int charge(Call r) {
    int outermostTransparent = -1;
    int depth = r.depth();
    for (int i = -1; i < depth; i++) {
      long returnAddress = i < 0 ? r.rip() : r.frame(i);
      if (returnAddress == 0) {
        continue;
      }
      // Both rip and the frames are return addresses: the instruction after the call or the syscall. When
      // that instruction is the last of a function (a noreturn call, or a `syscall` ending an exit wrapper),
      // the address is the first byte after the function, possibly in the next library; one byte back is
      // always inside the calling instruction.
      int lib = libraryAt(returnAddress - 1);
      if (lib == 0) {
        continue;
      }
      if (!transparentLib[lib]) {
        return lib;
      }
      outermostTransparent = lib;
    }
    return outermostTransparent < 0 ? 0 : outermostTransparent | VIA_TRANSPARENT_ONLY;
  }

  /** The number of the library whose code holds {@code address}, 0 for none. */
  private int libraryAt(long address) {
    long[] c = cache;
    int mask = c.length / 2 - 1;
    for (int i = (int) ((address * 0x9E3779B97F4A7C15L) >>> 40) & mask; ; i = (i + 1) & mask) {
      long lib = c[2 * i + 1];
      if (lib < 0) {
        int found = search(address);
        if (cached < MAX_CACHED) {
          c[2 * i] = address;
          c[2 * i + 1] = found;
          if (++cached * 4 > c.length) {
            growCache();
          }
        }
        return found;
      }
      if (c[2 * i] == address) {
        return (int) lib;
      }
    }
  }

  private static long[] emptyCache(int slots) {
    long[] c = new long[2 * slots];
    for (int i = 1; i < c.length; i += 2) {
      c[i] = -1;
    }
    return c;
  }

  private void growCache() {
    long[] old = cache;
    cache = emptyCache(old.length);
    int mask = old.length - 1;
    for (int j = 0; j < old.length; j += 2) {
      if (old[j + 1] >= 0) {
        int i = (int) ((old[j] * 0x9E3779B97F4A7C15L) >>> 40) & mask;
        while (cache[2 * i + 1] >= 0) {
          i = (i + 1) & mask;
        }
        cache[2 * i] = old[j];
        cache[2 * i + 1] = old[j + 1];
      }
    }
  }

  private int search(long address) {
    int r = map.rangeAt(address);
    return r < 0 ? 0 : rangeLib[r];
  }
}
