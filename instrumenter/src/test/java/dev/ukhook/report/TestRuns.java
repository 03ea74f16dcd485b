package dev.ukhook.report;

import dev.ukhook.format.EventRecord;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.format.RunDir;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
    Files.write(dir.resolve(RunDir.TRACE), out.toByteArray());
    Files.writeString(dir.resolve(RunDir.LINK_MAP), map(imageId));
    Files.writeString(dir.resolve(RunDir.IMAGE_ID), imageId + "\n");
    Files.writeString(dir.resolve(RunDir.RUN_JSON), "{\"transparent\": [\"libnolibc\", \"libsyscall_shim\"]}\n");
    return dir;
  }

  public static Path write(Path dir, String imageId, List<?> records) throws IOException {
    return write(dir, imageId, records, 0);
  }
}
