package dev.ukhook.cli;

import dev.ukhook.host.Accel;
import dev.ukhook.host.AccelChoice;
import dev.ukhook.host.AccelProbe;
import picocli.CommandLine.Option;

/** --accel auto|kvm|tcg. */
final class AccelOption {
  @Option(names = "--accel", defaultValue = "auto", paramLabel = "auto|kvm|tcg",
      description = "QEMU accelerator; auto uses KVM only where it really works (default: ${DEFAULT-VALUE}).")
  String accel;

  AccelChoice resolve() {
    for (Accel a : Accel.values()) {
      if (a.name().equalsIgnoreCase(accel)) {
        return AccelProbe.chooseForThisHost(a);
      }
    }
    throw new IllegalArgumentException("--accel must be auto, kvm or tcg, got '" + accel + "'");
  }
}
