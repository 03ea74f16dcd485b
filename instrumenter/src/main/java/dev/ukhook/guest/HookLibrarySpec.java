package dev.ukhook.guest;

import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.format.TraceHeader.Overflow;
import dev.ukhook.format.TraceLayout;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Everything the generated hook microlibrary depends on.
 *
 * @param frames return addresses kept per record beyond the caller's own (0: none, the record keeps only the one
 *     that decided the charge)
 * @param ringRecords capacity of the guest ring, a power of two
 * @param batchRecords records per virtio buffer; divides ringRecords
 * @param overflow what the guest does when the ring is full (the trace header's own enum: one definition)
 * @param imageId 16 random bytes identifying the image, as 32 hex digits
 * @param hookPoints the hook points of the profile the tree is patched with (binary, native)
 * @param pathBytes bytes of every record's tail kept for a copy of the call's path argument (0: no copy)
 * @param stackBytes bytes of the caller's stack a binary call's record keeps, with its sp and bp (0: none)
 * @param mode whether the hooks record every call, count calls, enforce a policy, or both
 * @param latency whether a counting image times each call (two timestamps per call) for its latency histograms
 * @param snapshotMs how often a counting image sends its counters to the host, in milliseconds
 * @param walk return addresses the guest's charge reads at most beyond the caller's own; at least frames
 * @param args whether every record keeps the six arguments
 */
public record HookLibrarySpec(int frames, int ringRecords, int batchRecords, Overflow overflow,
    String imageId, Set<String> hookPoints, int pathBytes, int stackBytes, Mode mode, boolean latency,
    int snapshotMs, int walk, boolean args) {

  /**
   * What the hooks do: record every call (the default), count calls per library, phase and syscall in the guest
   * ({@code --mode count}), either of them while enforcing a policy, or enforce only (docs/policy.md).
   */
  public enum Mode {
    TRACE, TRACE_AND_FILTER, FILTER_ONLY, COUNT, COUNT_AND_FILTER;

    public boolean filters() {
      return this == TRACE_AND_FILTER || this == FILTER_ONLY || this == COUNT_AND_FILTER;
    }

    /** Whether every call is recorded. */
    public boolean traces() {
      return this == TRACE || this == TRACE_AND_FILTER;
    }

    /** Whether calls are counted in the guest instead of recorded. */
    public boolean counts() {
      return this == COUNT || this == COUNT_AND_FILTER;
    }
  }

  public static final int DEFAULT_SNAPSHOT_MS = 1000;

  /** A library in {@code mode}, timing calls and sending counters every second when it counts. */
  public HookLibrarySpec(int frames, int ringRecords, int batchRecords, Overflow overflow, String imageId,
      Set<String> hookPoints, int pathBytes, int stackBytes, Mode mode) {
    this(frames, ringRecords, batchRecords, overflow, imageId, hookPoints, pathBytes, stackBytes, mode, true,
        DEFAULT_SNAPSHOT_MS, Math.max(frames, DEFAULT_WALK), true);
  }

  /** A library that only records. */
  public HookLibrarySpec(int frames, int ringRecords, int batchRecords, Overflow overflow, String imageId,
      Set<String> hookPoints, int pathBytes, int stackBytes) {
    this(frames, ringRecords, batchRecords, overflow, imageId, hookPoints, pathBytes, stackBytes, Mode.TRACE);
  }

  /** The hook points a library can serve: the ones the trace header can name (its hook_points bits). */
  public static final Set<String> HOOK_POINTS =
      TraceLayout.HOOK_POINTS.stream().map(TraceLayout.Value::name).collect(Collectors.toUnmodifiableSet());

  /** A library for a tree patched at every hook point. */
  public HookLibrarySpec(int frames, int ringRecords, int batchRecords, Overflow overflow, String imageId) {
    this(frames, ringRecords, batchRecords, overflow, imageId, HOOK_POINTS);
  }

  /** A library without record tails. */
  public HookLibrarySpec(int frames, int ringRecords, int batchRecords, Overflow overflow, String imageId,
      Set<String> hookPoints) {
    this(frames, ringRecords, batchRecords, overflow, imageId, hookPoints, 0, 0);
  }

  /** The largest path copy and stack snapshot a record can hold (the header counts their words in a byte). */
  public static final int MAX_PATH_BYTES = 8 * 255;
  public static final int MAX_STACK_BYTES = 8 * (255 - TraceLayout.STACK_REGS);

  /** The charge's walk: four return addresses beyond the caller's own. */
  public static final int DEFAULT_WALK = 4;
  /**
   * With musl or newlib a libc call is several frames deep before its system call (printf: vfprintf,
   * printf_core, the FILE's write, writev), all in the libc attribution looks through: four return addresses
   * often end inside it, and the call would be charged to the libc.
   */
  public static final int DEFAULT_WALK_DEEP_LIBC = 8;

  /** The charge's walk when the user does not choose a longer one: deeper for a libc that nests deeply. */
  public static int defaultWalk(Map<String, String> kconfig) {
    return "y".equals(kconfig.get("CONFIG_LIBMUSL")) || "y".equals(kconfig.get("CONFIG_LIBNEWLIBC"))
        ? DEFAULT_WALK_DEEP_LIBC : DEFAULT_WALK;
  }
  /**
   * An app-elfloader image runs Linux programs: their loads are found through path arguments (openat of a
   * shared object, then mmap of it) and glibc keeps no frame pointers, so the host unwinds them from a snapshot.
   */
  public static final int DEFAULT_LOADER_PATH_COPY = 64;
  public static final int DEFAULT_LOADER_STACK = 512;

  /** Whether the image has app-elfloader (its Config.uk's invisible dependency option is set). */
  public static boolean loadsPrograms(Map<String, String> kconfig) {
    return "y".equals(kconfig.get("CONFIG_APPELFLOADER_DEPENDENCIES"));
  }

  public static final int DEFAULT_RING = 4096;
  public static final int DEFAULT_BATCH = 512;

  public HookLibrarySpec {
    if (frames < 0 || frames > 32) {
      throw new UkhookException(Kind.USAGE, "--frames must be between 0 and 32, got " + frames);
    }
    if (walk < frames || walk > 32) {
      throw new IllegalArgumentException("the charge's walk must be from frames (" + frames + ") to 32, got " + walk);
    }
    if (Integer.bitCount(ringRecords) != 1 || ringRecords < 2) {
      throw new UkhookException(Kind.USAGE, "--ring must be a power of two of at least 2 records, got " + ringRecords);
    }
    if (Integer.bitCount(batchRecords) != 1 || batchRecords > ringRecords / 2) {
      throw new UkhookException(Kind.USAGE, "--batch must be a power of two of at most half the ring ("
          + ringRecords / 2 + "), got " + batchRecords);
    }
    if (pathBytes < 0 || pathBytes > MAX_PATH_BYTES || pathBytes % 8 != 0) {
      throw new UkhookException(Kind.USAGE, "--path-copy must be a multiple of 8 from 0 to " + MAX_PATH_BYTES
          + " bytes, got " + pathBytes);
    }
    if (stackBytes < 0 || stackBytes > MAX_STACK_BYTES || stackBytes % 8 != 0) {
      throw new UkhookException(Kind.USAGE, "--stack-snapshot must be a multiple of 8 from 0 to "
          + MAX_STACK_BYTES + " bytes, got " + stackBytes);
    }
    mode = mode == null ? Mode.TRACE : mode;
    snapshotMs = snapshotMs == 0 ? DEFAULT_SNAPSHOT_MS : snapshotMs;
    if (snapshotMs < 100 || snapshotMs > 3_600_000) {
      throw new UkhookException(Kind.USAGE, "--snapshot-every must be between 100 and 3600000 milliseconds, got "
          + snapshotMs);
    }
    hookPoints = hookPoints == null ? HOOK_POINTS : hookPoints;
    if (hookPoints.isEmpty() || !HOOK_POINTS.containsAll(hookPoints)) {
      throw new IllegalArgumentException("hook points must be some of " + HOOK_POINTS + ", got " + hookPoints);
    }
    hookPoints = Set.copyOf(hookPoints);
    if (HexFormat.of().parseHex(imageId).length != 16) {
      throw new IllegalArgumentException("image id must be 32 hex digits, got " + imageId);
    }
  }

  public int pathWords() {
    return pathBytes / 8;
  }

  /** The stack area in words: sp, bp and the snapshot; 0 without a snapshot. */
  public int stackWords() {
    return stackBytes == 0 ? 0 : TraceLayout.STACK_REGS + stackBytes / 8;
  }

  public int argWords() {
    return args ? TraceLayout.ARGS : 0;
  }

  public int recordSize() {
    return TraceLayout.recordSize(frames, argWords(), pathWords(), stackWords());
  }
}
