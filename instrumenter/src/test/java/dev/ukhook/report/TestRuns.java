package dev.ukhook.report;

import dev.ukhook.aggregate.Analyzer;
import dev.ukhook.attribution.Attributor;
import dev.ukhook.attribution.LinkMap;
import dev.ukhook.format.CountSnapshot;
import dev.ukhook.format.EventRecord;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.format.RunDir;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.format.TraceWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Run directories as `ukhook trace` leaves them, without QEMU: trace.ukt written with {@link TraceWriter},
 * hello.map (test resource) as link.map with the image's id, image-id, and run.json naming the transparent
 * libraries (libnolibc and libsyscall_shim).
 */
public final class TestRuns {
  /** The image id hello.map names; {@link #map} puts another in its place. */
  public static final String IMAGE_A = "00112233445566778899aabbccddeeff";
  public static final String IMAGE_B = "ffeeddccbbaa99887766554433221100";
  /** A getpid-like call in libnolibc's code, returning to libposix_process, to apphello, or from libukdebug. */
  static final long NOLIBC = 0x101605L;
  static final long POSIX_PROCESS = 0x101950L;
  static final long APPHELLO = 0x101e10L;
  static final long UKDEBUG = 0x101200L;
  static final long NOWHERE = 0x900000L;

  /** The libraries the runs look through (their run.json). */
  static final Set<String> TRANSPARENT = Set.of("libnolibc", "libsyscall_shim");

  private TestRuns() {}

  /** A call of {@code nr} charged to libposix_process. */
  public static SyscallRecord posix(long seq, int nr) {
    return call(seq, nr, NOLIBC, POSIX_PROCESS);
  }

  /** A call of {@code nr} charged to apphello. */
  public static SyscallRecord app(long seq, int nr) {
    return call(seq, nr, NOLIBC, APPHELLO);
  }

  /** A call of {@code nr} charged to libukdebug. */
  public static SyscallRecord ukdebug(long seq, int nr) {
    return call(seq, nr, UKDEBUG);
  }

  /** A call of {@code nr} from libnolibc alone: charged to it, through transparent libraries only. */
  public static SyscallRecord libc(long seq, int nr) {
    return call(seq, nr, NOLIBC);
  }

  /** A call of {@code nr} from no mapped code: unattributed. */
  public static SyscallRecord nowhere(long seq, int nr) {
    return call(seq, nr, NOWHERE);
  }

  static SyscallRecord call(long seq, int nr, long rip, long... frames) {
    return new SyscallRecord(seq, 10 * seq, 10 * seq + 5, nr, 0, new long[6], 0, rip, frames);
  }

  /** The program's phase mark, phase {@code from} -> {@code to}, as record {@code seq}. */
  public static EventRecord mark(long seq, int from, int to) {
    return new EventRecord(seq, 10 * seq, 0, PolicyLayout.EVENT_MARK, from, to, 0, 0, 0);
  }

  public static String map(String imageId) throws IOException {
    try (InputStream in = TestRuns.class.getResourceAsStream("/attrib/hello.map")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace(IMAGE_A, imageId);
    }
  }

  /**
   * Writes run directory {@code dir} of image {@code imageId}: {@code records} (syscall and event records, in
   * stream order) and a final record counting them, less {@code missing} that the guest says it sent.
   */
  public static Path write(Path dir, String imageId, List<?> records, int missing) throws IOException {
    Files.createDirectories(dir);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TraceWriter w = new TraceWriter(out, TraceHeader.of(4, 1_000_000_000L, imageId, 4096,
        TraceHeader.Overflow.BLOCK).withText(0x101000L, 0x102800L));
    for (Object r : records) {
      if (r instanceof SyscallRecord s) {
        w.syscall(s);
      } else {
        w.event((EventRecord) r);
      }
    }
    long n = records.size() + missing;
    w.end(new FinalRecord(n, 0, n, 10 * n));
    return files(dir, imageId, out.toByteArray());
  }

  private static Path files(Path dir, String imageId, byte[] trace) throws IOException {
    Files.write(dir.resolve(RunDir.TRACE), trace);
    Files.writeString(dir.resolve(RunDir.LINK_MAP), map(imageId));
    Files.writeString(dir.resolve(RunDir.IMAGE_ID), imageId + "\n");
    Files.writeString(dir.resolve(RunDir.RUN_JSON), "{\"transparent\": [\"libnolibc\", \"libsyscall_shim\"]}\n");
    return dir;
  }

  /**
   * The final snapshot a counting image sends for the calls of {@code records} (syscall and event records in
   * stream order), the guest's model: each call charged as the host's attributor charges it (the library's number,
   * bit 7 when only transparent libraries were on its path), in the phase the events before it set, counted when it
   * began; its error (and its errno, of the first {@value TraceLayout#CELL_ERRNOS} a cell names), refusal, nesting
   * and, if it returned, its duration.
   */
  public static CountSnapshot counts(String imageId, List<?> records) throws IOException {
    Attributor attributor = new Attributor(LinkMap.parse(new StringReader(map(imageId))), TRANSPARENT);
    Map<List<Integer>, CountSnapshot.Cell> cells = new LinkedHashMap<>();
    int phase = 0;
    long events = 0;
    long t = 0;
    for (Object o : records) {
      if (o instanceof EventRecord e) {
        phase = Analyzer.phaseAfter(e, phase);
        events++;
        t = e.t();
        continue;
      }
      SyscallRecord r = (SyscallRecord) o;
      t = r.tExit();
      int charge = attributor.charge(r);
      int lib = (charge & Attributor.LIBRARY)
          | ((charge & Attributor.VIA_TRANSPARENT_ONLY) != 0 ? TraceLayout.CELL_VIA_TRANSPARENT : 0);
      CountSnapshot.Cell c = cells.getOrDefault(List.of(r.nr(), lib, phase), new CountSnapshot.Cell(r.nr(), lib,
          phase, 0, 0, 0, 0, 0, Map.of(), new long[TraceLayout.HIST_BUCKETS]));
      Map<Integer, Long> errnos = new LinkedHashMap<>(c.errnos());
      if (r.errno() != 0 && (errnos.containsKey(r.errno()) || errnos.size() < TraceLayout.CELL_ERRNOS)) {
        errnos.merge(r.errno(), 1L, Long::sum);
      }
      long[] hist = c.hist();
      long d = r.atEntry() ? 0 : r.tExit() - r.tEnter();
      hist[TraceLayout.bucket(d)] += r.atEntry() ? 0 : 1;
      cells.put(List.of(r.nr(), lib, phase), new CountSnapshot.Cell(r.nr(), lib, phase, c.calls() + 1,
          c.errors() + (r.errno() != 0 ? 1 : 0), c.refused() + (r.refused() ? 1 : 0), c.nested() + (r.nest() > 0 ? 1
              : 0), c.ticks() + d, errnos, hist));
    }
    return new CountSnapshot(events, t + 1, true, true, 0, List.copyOf(cells.values()));
  }

  /**
   * Writes run directory {@code dir} as a counting image of {@code imageId} leaves it for the calls of {@code
   * records}: their events, numbered anew (such an image numbers no calls), then {@code snapshot} (none: null) and,
   * when {@code shutDown}, a final record.
   */
  public static Path writeCounted(Path dir, String imageId, List<?> records, CountSnapshot snapshot,
      boolean shutDown) throws IOException {
    Files.createDirectories(dir);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TraceHeader h = TraceHeader.of(4, 1_000_000_000L, imageId, 4096, TraceHeader.Overflow.BLOCK);
    // Both hook points, the native one silent as it always is here: no report may take that for a missing hook.
    TraceWriter w = new TraceWriter(out, new TraceHeader(h.version(), h.headerSize(), h.recordSize(), h.frames(),
        h.argWords(), h.tsHz(), imageId, h.ringRecords(), h.overflow(), TraceLayout.HOOK_BINARY
            | TraceLayout.HOOK_NATIVE, 0x101000L, 0x102800L, 0, 0));
    long n = 0;
    for (Object r : records) {
      if (r instanceof EventRecord e) {
        w.event(new EventRecord(n++, e.t(), e.policy(), e.event(), e.from(), e.to(), e.reason(), e.cause(),
            e.refused()));
      }
    }
    if (snapshot != null) {
      w.counts(snapshot);
    }
    if (shutDown) {
      w.end(new FinalRecord(n, 0, n, snapshot == null ? 0 : snapshot.t()));
    }
    files(dir, imageId, out.toByteArray());
    Files.writeString(dir.resolve(RunDir.RUN_JSON), "{\"transparent\": [\"libnolibc\", \"libsyscall_shim\"], "
        + "\"hooks\": \"count\"}\n");
    return dir;
  }

  /** {@link #writeCounted} of the final snapshot of {@code records} ({@link #counts}). */
  public static Path writeCounted(Path dir, String imageId, List<?> records) throws IOException {
    return writeCounted(dir, imageId, records, counts(imageId, records), true);
  }

  public static Path write(Path dir, String imageId, List<?> records) throws IOException {
    return write(dir, imageId, records, 0);
  }
}
