package dev.ukhook.cli;

import dev.ukhook.host.AccelChoice;
import dev.ukhook.host.Initrd;
import dev.ukhook.host.QemuSpec;
import dev.ukhook.pipeline.Runner;
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

  /** The options checked; a directory given to --initrd is packed here, before anything is built or run. */
  Runner.Options options(AccelChoice accel, AppArgs app) {
    return new Runner.Options(accel, memory, Duration.ofSeconds(timeout), icount, qemu, app.kernelArgs(),
        app.appArgs(), initrd == null ? null : Initrd.of(initrd), cpu);
  }
}
