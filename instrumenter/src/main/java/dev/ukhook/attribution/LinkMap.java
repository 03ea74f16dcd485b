package dev.ukhook.attribution;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.TraceHeader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which microlibrary owns each code address of a Unikraft image, read from the GNU ld map of its final link.
 *
 * <p>Unikraft links each microlibrary into one relocatable object first ({@code build/libnolibc.o}, the
 * application into {@code build/app<name>.o}) and then links those objects into the image, so every input
 * section in the final map names its microlibrary by file name.
 */
public final class LinkMap {
  private static final String MEMORY_MAP = "Linker script and memory map";
  // " .text.foo   0x0000000000115ac0   0x862 /abs/build/libisrlib.o"; the name may wrap onto its own line.
  private static final Pattern SECTION =
      Pattern.compile("^ (\\.\\S+)(?:\\s+(0x\\p{XDigit}+)\\s+(0x\\p{XDigit}+)\\s+(\\S.*))?$");
  private static final Pattern CONTINUATION = Pattern.compile("^\\s+(0x\\p{XDigit}+)\\s+(0x\\p{XDigit}+)\\s+(\\S.*)$");
  // Unikraft's per-library objects; an archive member such as "libc.a(x.o)" does not match.
  private static final Pattern LIBRARY_OBJECT = Pattern.compile("(?:^|/)((?:lib|app)[^/]*)\\.o$");
  // "                0x0000000000135040                ukhook_image_id_<32 hex digits>", from libukhook's ukhook.c.
  private static final Pattern IMAGE_ID_SYMBOL =
      Pattern.compile("^\\s+0x\\p{XDigit}+\\s+ukhook_image_id_(\\p{XDigit}{32})\\s*$");
  // "                0x0000000000100000                _text = .", from Unikraft's linker script (and _etext).
  private static final Pattern TEXT_SYMBOL =
      Pattern.compile("^\\s+0x(\\p{XDigit}{1,16})\\s+(_text|_etext) = \\.\\s*$");

  /*
   * How much of the image's text, [_text, _etext), a map may leave uncovered (coverageProblem()). Inside the
   * text, Unikraft's x86_64 linker script aligns to at most a page (`. = ALIGN(0x1000)` after the boot code),
   * and ld pads between input sections; everything else is code of a microlibrary object. Measured on
   * syscall-mix, 2026-11-26: 0.17.0 leaves 3899 of 191335 bytes uncovered (the page-alignment hole 3566, the
   * rest 333 in fills of up to 14 bytes), 0.16.3 3938 of 185111 (3633 + 305), main 3327 of 196391 (2975 + 352).
   * So no hole may reach a page, and all of them together at most a page plus an eighth of the text (room for
   * -ffunction-sections builds, which pad every function). A map cut anywhere but in its last page of code
   * leaves a larger hole.
   */
  static final long MAX_HOLE_BYTES = 4095;
  static final long PAGE_BYTES = 4096;

  /** A half-open address range {@code [start, end)} of one microlibrary's code. */
  public record Range(long start, long end, String library) {}

  /**
   * How much of an address range {@code [start, end)} no code range of the map covers.
   *
   * @param largestGap the longest uncovered stretch, at {@code largestGapAt}
   */
  public record Coverage(long start, long end, long uncovered, long largestGap, long largestGapAt) {}

  /** The image's code, {@code [_text, _etext)}, as the linker script's symbols place it. */
  public record Text(long start, long end) {}

  private final List<Range> ranges;
  private final long[] starts;
  private final Optional<String> imageId;
  private final Optional<Text> text;

  private LinkMap(List<Range> ranges, Optional<String> imageId, Optional<Text> text) {
    this.ranges = List.copyOf(ranges);
    this.starts = ranges.stream().mapToLong(Range::start).toArray();
    this.imageId = imageId;
    this.text = text;
  }

  /**
   * The most a link map may hold. Unikraft's maps are a few MiB (nginx with musl and lwip: about 5 MiB); one that
   * lists every function of a -ffunction-sections build of a large application stays well below this.
   */
  public static final long MAX_BYTES = 256L << 20;

  /**
   * Reads a map file, once from start to end, so that a pipe does ({@code --map <(zcat link.map.gz)}); errors
   * name the file.
   */
  public static LinkMap read(Path mapFile) {
    if (!Files.exists(mapFile)) {
      throw new UkhookException(
          Kind.FAILURE, "link map " + mapFile + " does not exist; build the image with ukhook build first");
    }
    InputStream bytes = TextFiles.openStream(mapFile, "link map", MAX_BYTES);
    try (Reader in = new InputStreamReader(bytes, StandardCharsets.UTF_8.newDecoder())) {
      return parse(in);
    } catch (CharacterCodingException e) {
      throw new UkhookException(Kind.FAILURE, "cannot read link map " + mapFile + ": it is not UTF-8 text; pass the"
          + " map written by -Wl,-Map", e);
    } catch (IOException e) {
      throw new UkhookException(Kind.FAILURE, "cannot read link map " + mapFile + ": " + e.getMessage(), e);
    } catch (UkhookException e) {
      throw new UkhookException(e.kind(), "link map " + mapFile + ": " + e.getMessage(), e);
    }
  }

  /** Parses the text of a GNU ld {@code -Map} file. */
  public static LinkMap parse(Reader reader) throws IOException {
    BufferedReader in = new BufferedReader(reader);
    List<Range> found = new ArrayList<>();
    boolean inMemoryMap = false;
    String imageId = null;
    Long textStart = null;
    Long textEnd = null;
    String wrappedName = null;
    int lineNumber = 0;
    for (String line; (line = in.readLine()) != null; ) {
      lineNumber++;
      if (!inMemoryMap) {
        // Everything before this line lists discarded sections and memory regions, not placed code.
        inMemoryMap = line.startsWith(MEMORY_MAP);
        continue;
      }
      if (wrappedName != null) {
        Matcher c = CONTINUATION.matcher(line);
        String name = wrappedName;
        wrappedName = null;
        if (c.matches()) {
          add(found, name, c.group(1), c.group(2), c.group(3), lineNumber);
          continue;
        }
      }
      Matcher id = IMAGE_ID_SYMBOL.matcher(line);
      if (id.matches()) {
        String symbolId = id.group(1).toLowerCase(Locale.ROOT);
        if (imageId != null && !imageId.equals(symbolId)) {
          throw new UkhookException(Kind.FAILURE, "line " + lineNumber + ": a second ukhook image id " + symbolId
              + " after " + imageId + "; is this the map of one final link?");
        }
        imageId = symbolId;
        continue;
      }
      Matcher t = TEXT_SYMBOL.matcher(line);
      if (t.matches()) {
        long v = Long.parseUnsignedLong(t.group(1), 16);
        if (t.group(2).equals("_text")) {
          textStart = v;
        } else {
          textEnd = v;
        }
        continue;
      }
      Matcher s = SECTION.matcher(line);
      if (s.matches()) {
        if (s.group(2) == null) {
          wrappedName = s.group(1);
        } else {
          add(found, s.group(1), s.group(2), s.group(3), s.group(4), lineNumber);
        }
      }
    }
    if (!inMemoryMap) {
      throw new UkhookException(
          Kind.FAILURE,
          "not a GNU ld map file: no \"" + MEMORY_MAP + "\" line; pass the map written by -Wl,-Map");
    }
    if (found.isEmpty()) {
      throw new UkhookException(
          Kind.FAILURE,
          "no code from lib*.o or app*.o objects in the map; pass the map of the image's final link");
    }
    Optional<Text> text = textStart == null || textEnd == null || Long.compareUnsigned(textStart, textEnd) >= 0
        ? Optional.empty() : Optional.of(new Text(textStart, textEnd));
    return new LinkMap(merge(found), Optional.ofNullable(imageId), text);
  }

  private static void add(List<Range> found, String section, String address, String size, String file, int line) {
    if (!isCode(section)) {
      return;
    }
    Matcher m = LIBRARY_OBJECT.matcher(file.trim());
    if (!m.find()) {
      return;
    }
    long start = Long.parseUnsignedLong(address.substring(2), 16);
    long length = Long.parseUnsignedLong(size.substring(2), 16);
    if (length == 0) {
      return;
    }
    if (Long.compareUnsigned(start + length, start) < 0) {
      throw new UkhookException(
          Kind.FAILURE, "line " + line + ": section " + section + " at " + address + " wraps the address space");
    }
    found.add(new Range(start, start + length, m.group(1)));
  }

  private static boolean isCode(String section) {
    return section.startsWith(".text") || section.equals(".init") || section.equals(".fini");
  }

  // Sorts, joins adjacent ranges of one library, and refuses overlaps between libraries.
  private static List<Range> merge(List<Range> found) {
    found.sort(Comparator.comparing(Range::start, Long::compareUnsigned));
    List<Range> merged = new ArrayList<>();
    for (Range r : found) {
      Range last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
      if (last != null && Long.compareUnsigned(r.start(), last.end()) < 0) {
        if (!last.library().equals(r.library())) {
          throw new UkhookException(
              Kind.FAILURE,
              String.format(
                  "code of %s at 0x%x overlaps code of %s ending at 0x%x; is this the map of one final link?",
                  r.library(), r.start(), last.library(), last.end()));
        }
        merged.set(merged.size() - 1, new Range(last.start(), max(last.end(), r.end()), last.library()));
      } else if (last != null && r.start() == last.end() && last.library().equals(r.library())) {
        merged.set(merged.size() - 1, new Range(last.start(), r.end(), last.library()));
      } else {
        merged.add(r);
      }
    }
    return merged;
  }

  private static long max(long a, long b) {
    return Long.compareUnsigned(a, b) >= 0 ? a : b;
  }

  /** The microlibrary whose code contains {@code address}, if any. */
  public Optional<String> libraryAt(long address) {
    int r = rangeAt(address);
    return r < 0 ? Optional.empty() : Optional.of(ranges.get(r).library());
  }

  /** The index in {@link #ranges()} of the range that contains {@code address}, -1 for none. */
  public int rangeAt(long address) {
    int lo = 0;
    int hi = starts.length - 1;
    // The last range starting at or below the address.
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
    return found < 0 || Long.compareUnsigned(address, ranges.get(found).end()) >= 0 ? -1 : found;
  }

  /**
   * The identity of the image this map was linked for: the {@code ukhook_image_id_<id>} symbol that ukhook's
   * hook library defines; empty for an image without it (not instrumented, or by an older ukhook).
   */
  public Optional<String> imageId() {
    return imageId;
  }

  /**
   * The image's code bounds from the map's {@code _text = .} and {@code _etext = .} lines (the last of each); empty
   * when it lacks one or they enclose nothing.
   */
  public Optional<Text> text() {
    return text;
  }

  /** How much of {@code [start, end)} (unsigned) lies outside every code range of the map. */
  public Coverage coverage(long start, long end) {
    long uncovered = 0;
    long largest = 0;
    long largestAt = start;
    long at = start;
    for (Range r : ranges) {
      if (Long.compareUnsigned(r.end(), at) <= 0) {
        continue;
      }
      if (Long.compareUnsigned(r.start(), end) >= 0) {
        break;
      }
      if (Long.compareUnsigned(r.start(), at) > 0) {
        long gap = r.start() - at;
        uncovered += gap;
        if (Long.compareUnsigned(gap, largest) > 0) {
          largest = gap;
          largestAt = at;
        }
      }
      at = r.end();
    }
    if (Long.compareUnsigned(at, end) < 0) {
      long gap = end - at;
      uncovered += gap;
      if (Long.compareUnsigned(gap, largest) > 0) {
        largest = gap;
        largestAt = at;
      }
    }
    return new Coverage(start, end, uncovered, largest, largestAt);
  }

  /**
   * Why this map does not describe the code of the image that wrote {@code header}, as the end of a sentence
   * that starts with the map's name; empty when its code ranges cover the image's text, {@code [text_start,
   * text_end)}, but for alignment holes.
   */
  public Optional<String> coverageProblem(TraceHeader header) {
    if (!header.hasText()) {
      return Optional.of("cannot be checked against the image's code: the trace header gives no text bounds");
    }
    Coverage c = coverage(header.textStart(), header.textEnd());
    if (c.largestGap() <= MAX_HOLE_BYTES && c.uncovered() <= PAGE_BYTES + (c.end() - c.start()) / 8) {
      return Optional.empty();
    }
    long text = c.end() - c.start();
    return Optional.of(String.format(
        "covers only %d of the %d bytes of the image's code [0x%x, 0x%x) (a hole of %d bytes at 0x%x): the map"
            + " is cut or belongs to another build; pass the whole map of the image's final link",
        text - c.uncovered(), text, c.start(), c.end(), c.largestGap(), c.largestGapAt()));
  }

  /**
   * Fails unless this map, read from {@code mapFile}, covers the code of the image that wrote {@code header} (as
   * {@link #coverageProblem} checks): a cut map lacks the libraries linked last, and whatever is checked against
   * it would be blamed for their absence. A header without text bounds (an older ukhook) cannot be checked.
   *
   * @throws UkhookException (FAILURE) naming the map as damaged
   */
  public void requireCovers(TraceHeader header, Path mapFile, String nothingDone) {
    if (!header.hasText()) {
      return;
    }
    coverageProblem(header).ifPresent(p -> {
      throw new UkhookException(Kind.FAILURE, "link map " + mapFile + " is damaged: it " + p + nothingDone);
    });
  }

  /** The code ranges, sorted by address, adjacent ranges of one library joined. */
  public List<Range> ranges() {
    return ranges;
  }

  /** Every microlibrary with code in the image, sorted by name. */
  public Set<String> libraries() {
    TreeSet<String> names = new TreeSet<>();
    ranges.forEach(r -> names.add(r.library()));
    return names;
  }
}
