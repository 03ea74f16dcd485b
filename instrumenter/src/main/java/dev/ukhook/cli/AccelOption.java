package dev.ukhook.cli;

import picocli.CommandLine.Option;

/** --accel auto|kvm|tcg. */
final class AccelOption {
  @Option(names = "--accel", defaultValue = "auto", paramLabel = "auto|kvm|tcg",
      description = "QEMU accelerator; auto uses KVM only where it really works (default: ${DEFAULT-VALUE}).")
  String accel;

  /** "kvm" or "tcg". */
  String resolve() {
    return Accels.resolve(accel);
  }
}
