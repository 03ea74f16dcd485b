package dev.ukhook.cli;

import dev.ukhook.host.Accel;
import dev.ukhook.host.AccelChoice;
import dev.ukhook.host.AccelProbe;
import picocli.CommandLine.Option;

/** --accel auto|kvm|tcg. */
final class AccelOption {
  @Option(names = "--accel", defaultValue = "auto", paramLabel = "auto|kvm|tcg", completionCandidates = Names.class,
      description = "QEMU accelerator; auto uses KVM only where it really works (default: ${DEFAULT-VALUE}).")
  Accel accel;

  AccelChoice resolve() {
    return AccelProbe.chooseForThisHost(accel);
  }

  static final class Names extends LowerCaseNames<Accel> {
    Names() {
      super(Accel.class);
    }
  }
}
