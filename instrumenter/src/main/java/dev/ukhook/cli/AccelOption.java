package dev.ukhook.cli;

import dev.ukhook.host.Accel;
import dev.ukhook.host.AccelChoice;
import dev.ukhook.host.AccelProbe;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import picocli.CommandLine.Option;

/** --accel auto|kvm|tcg. */
final class AccelOption {
  @Option(names = "--accel", defaultValue = "auto", paramLabel = "auto|kvm|tcg", completionCandidates = Names.class,
      description = "QEMU accelerator; auto uses KVM only where it really works (default: ${DEFAULT-VALUE}).")
  Accel accel;

  AccelChoice resolve() {
    return AccelProbe.chooseForThisHost(accel);
  }

  /** The values as users type them. */
  static final class Names implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Arrays.stream(Accel.values()).map(a -> a.name().toLowerCase(Locale.ROOT)).iterator();
    }
  }
}
