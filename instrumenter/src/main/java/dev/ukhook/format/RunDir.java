package dev.ukhook.format;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * A run directory ({@code APP/.ukhook/runs/<time>}): the one definition of its files, which every writer and
 * reader names through here, like the trace's layout. docs/usage.md, "The run directory", describes them.
 */
public record RunDir(Path dir) {
  /** The trace the guest sent. */
  public static final String TRACE = "trace.ukt";
  /** A Linux program's run ({@code ukhook linux}) has strace's log instead of a trace and a link map. */
  public static final String STRACE_LOG = "strace.log";
  /** The link map of the image that ran, and its id (ukhook_image_id_*). */
  public static final String LINK_MAP = "link.map";
  public static final String IMAGE_ID = "image-id";
  /** How the run was made ({@link RunJson}). */
  public static final String RUN_JSON = "run.json";
  /** A filtering image's library table, compiled policy and the policy file it was compiled from (as built). */
  public static final String LIB_TABLE = "libtable.bin";
  public static final String POLICY_BIN = "policy.bin";
  public static final String POLICY_YAML = "policy.yaml";
  /** The results: the per-library table as text and JSON, and the self-contained HTML report. */
  public static final String TABLE = "table.txt";
  public static final String RESULTS = "results.json";
  public static final String HTML = "report.html";
  /** QEMU's files: the guest's console, QEMU's own log, its pidfile, and the lock of the ukhook running it. */
  public static final String CONSOLE = "console.log";
  public static final String QEMU_LOG = "qemu.log";
  public static final String QEMU_PID = "qemu.pid";
  public static final String QEMU_LOCK = "qemu.lock";
  /** The output of a server run's --load and --stop commands. */
  public static final String LOAD_LOG = "load.log";
  /** The programs' files packed for app-elfloader. */
  public static final String INITRD = "initrd.cpio";
  /** The sockets of a running run: the trace port's, and the one `ukhook policy push` hands a policy to. */
  public static final String TRACE_SOCKET = "ukhook.sock";
  public static final String POLICY_SOCKET = "policy.sock";

  public Path trace() {
    return dir.resolve(TRACE);
  }

  public Path linkMap() {
    return dir.resolve(LINK_MAP);
  }

  public Path runJson() {
    return dir.resolve(RUN_JSON);
  }

  public Path file(String name) {
    return dir.resolve(name);
  }

  /** A policy `ukhook policy push` put in force, by its checksum. */
  public Path pushedPolicy(String checksum) {
    return dir.resolve("policy-" + checksum + ".yaml");
  }

  /** This run directory, when it is one (a directory); else one usage error saying what to pass. */
  public RunDir require() {
    if (!Files.isDirectory(dir)) {
      throw new UkhookException(Kind.USAGE, dir + " is not a run directory; pass APP/.ukhook/runs/<time>, or"
          + " --trace FILE --map FILE");
    }
    return this;
  }

  /** The image id in {@value #IMAGE_ID}, if the run has that file. */
  public Optional<String> imageId() {
    Path file = dir.resolve(IMAGE_ID);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    return Optional.of(TextFiles.readSmall(file, IMAGE_ID).strip().toLowerCase(Locale.ROOT));
  }

  /** What {@value #RUN_JSON} says; {@link RunJson#NONE} when the run has none. */
  public RunJson json() {
    return Files.exists(runJson()) ? RunJson.read(runJson()) : RunJson.NONE;
  }
}
