package dev.ukhook.cli;

import dev.ukhook.host.AccelChoice;
import dev.ukhook.host.QemuSpec;
import dev.ukhook.pipeline.Runner;
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

  Runner.Options options(AccelChoice accel, AppArgs app) {
    return new Runner.Options(accel, memory, Duration.ofSeconds(timeout), icount, qemu, app.kernelArgs(),
        app.appArgs());
  }
}
