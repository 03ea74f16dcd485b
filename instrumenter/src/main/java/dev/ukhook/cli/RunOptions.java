package dev.ukhook.cli;

import dev.ukhook.host.AccelChoice;
import dev.ukhook.host.Initrd;
import dev.ukhook.host.QemuSpec;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.host.UserNet;
import dev.ukhook.pipeline.Load;
import dev.ukhook.pipeline.Runner;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How `run` and `trace` boot the image. */
final class RunOptions {
  @Option(names = {"-M", "--memory"}, defaultValue = "" + QemuSpec.DEFAULT_MEMORY_MIB, paramLabel = "MIB",
      description = "Guest memory in MiB (default: ${DEFAULT-VALUE}).")
  int memory;

  @Option(names = "--timeout", defaultValue = "300", paramLabel = "SECONDS",
      description = "Stop QEMU after this long, keeping what was received (default: ${DEFAULT-VALUE}; 0 = never).")
  long timeout;

  @Option(names = "--icount", description = "Deterministic TCG timing (-icount shift=0): TSC deltas repeat exactly.")
  boolean icount;

  @Option(names = "--qemu", defaultValue = QemuSpec.DEFAULT_QEMU, paramLabel = "PATH",
      description = "QEMU binary (default: ${DEFAULT-VALUE}).")
  String qemu;

  @Option(names = "--initrd", paramLabel = "FILE|DIR", description = "An initrd, as app-elfloader images need: "
      + "a file QEMU gets as it is, or a directory packed into a newc cpio archive (initrd.cpio in the run "
      + "directory). The program and its arguments go after --.")
  Path initrd;

  @Option(names = "--cpu", paramLabel = "MODEL", description = "QEMU CPU model (default: host under KVM, qemu64 "
      + "under TCG, " + QemuSpec.INITRD_TCG_CPU + " under TCG with --initrd, for app-elfloader's 1 GiB pages).")
  String cpu;

  @Option(names = "--net", paramLabel = "user", description = "Networking: user (QEMU user networking on a "
      + "virtio-net device; the guest is " + UserNet.GUEST_IP + ", given as " + UserNet.KERNEL_ARG
      + " when the image takes it).")
  String net;

  @Option(names = "--forward", paramLabel = "HOSTADDR:HOSTPORT:GUESTPORT", description = "A TCP port forward "
      + "from the host's loopback to the guest, for example 127.0.0.1:16379:6379 (repeatable; needs --net user).")
  List<String> forwards = new ArrayList<>();

  @Option(names = "--load", paramLabel = "COMMAND", description = "A host command (sh -c) run once the guest "
      + "listens behind the first --forward, for example 'redis-benchmark -p 16379 -n 20000 -q'; its output is "
      + "shown and kept in the run directory's load.log.")
  String load;

  @Option(names = "--stop", paramLabel = "COMMAND", description = "A host command run after --load that makes the "
      + "server exit, so that the unikernel shuts down and the trace ends cleanly, for example "
      + "'redis-cli -p 16379 shutdown nosave'. Without it ukhook asks the guest to stop on its trace port.")
  String stop;

  @Option(names = "--stall", paramLabel = "SECONDS", description = "While --load runs, a guest that makes no system "
      + "call but waits, sleeps and clock reads for this long has stalled: the load is ended and the guest stopped "
      + "(default: 30; 0 = never).")
  long stall = 30;

  @Option(names = "--max-trace", paramLabel = "MIB", description = "Stop the guest once its trace passes this many "
      + "MiB (default: no limit; " + ExploreCommand.MAX_TRACE_MIB + " for each run of `explore`, where a program "
      + "that spins on a failed call would fill the disk).")
  Long maxTrace;

  /** The options checked; a directory given to --initrd is packed here, before anything is built or run. */
  Runner.Options options(AccelChoice accel, AppArgs app) {
    if (maxTrace != null && (maxTrace < 1 || maxTrace > (1L << 40))) {
      throw new UkhookException(Kind.USAGE, "--max-trace must be 1 to 2^40 MiB, got " + maxTrace);
    }
    return new Runner.Options(accel, memory, Duration.ofSeconds(timeout), icount, qemu, app.kernelArgs(),
        app.appArgs(), initrd == null ? null : Initrd.of(initrd), cpu, serve())
        .withMaxTrace(maxTrace == null ? 0 : maxTrace << 20);
  }

  private Load serve() {
    if (net == null) {
      if (!forwards.isEmpty() || load != null || stop != null) {
        throw new UkhookException(Kind.USAGE, "--forward, --load and --stop need --net user");
      }
      return null;
    }
    if (!net.equals("user")) {
      throw new UkhookException(Kind.USAGE, "--net " + net + ": the one network ukhook sets up is user (QEMU's "
          + "user networking with forwards from the host's loopback)");
    }
    return new Load(forwards.stream().map(UserNet.Forward::parse).toList(), load, stop, Duration.ofSeconds(stall));
  }
}
