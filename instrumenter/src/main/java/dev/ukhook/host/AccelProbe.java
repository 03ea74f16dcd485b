package dev.ukhook.host;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Decides between KVM and TCG.
 *
 * <p>A readable {@code /dev/kvm} is not enough: on nested PVM hosts the device exists but the CPU has no
 * vmx/svm flag, and Unikraft then dies with "emulation failure" (and {@code -cpu host} aborts on MSR 0x10a).
 * So KVM is chosen only when both the device and the CPU flag are there.
 */
public final class AccelProbe {
  private static final Path CPUINFO = Path.of("/proc/cpuinfo");
  private static final Path DEV_KVM = Path.of("/dev/kvm");

  private AccelProbe() {}

  /** What works, given the text of {@code /proc/cpuinfo} and whether {@code /dev/kvm} is readable+writable. */
  public static AccelChoice probe(String cpuinfo, boolean devKvmUsable) {
    if (!devKvmUsable) {
      return new AccelChoice(
          Accel.TCG, "/dev/kvm is missing or not readable and writable by this user; using TCG");
    }
    if (!hasVirtualizationFlag(cpuinfo)) {
      return new AccelChoice(
          Accel.TCG, "/dev/kvm is present but the CPU shows no vmx/svm flag (nested PVM); using TCG");
    }
    return new AccelChoice(Accel.KVM, "/dev/kvm is usable and the CPU has vmx/svm; using KVM");
  }

  /**
   * Resolves what the user asked for: AUTO becomes what {@link #probe} finds, TCG is always possible,
   * KVM fails with {@link UkhookException.Kind#ENVIRONMENT} where it would not work.
   */
  public static AccelChoice choose(Accel requested, String cpuinfo, boolean devKvmUsable) {
    return switch (requested) {
      case TCG -> new AccelChoice(Accel.TCG, "TCG requested with --accel tcg");
      case AUTO -> probe(cpuinfo, devKvmUsable);
      case KVM -> {
        AccelChoice probed = probe(cpuinfo, devKvmUsable);
        if (probed.accel() != Accel.KVM) {
          String why = probed.reason().replace("; using TCG", "");
          throw new UkhookException(
              Kind.ENVIRONMENT,
              "--accel kvm: KVM cannot run guests here: " + why + "; use --accel tcg or --accel auto");
        }
        yield new AccelChoice(Accel.KVM, "KVM requested with --accel kvm");
      }
    };
  }

  /** {@link #choose} with this machine's {@code /proc/cpuinfo} and {@code /dev/kvm}. */
  public static AccelChoice chooseForThisHost(Accel requested) {
    String cpuinfo;
    try {
      cpuinfo = Files.readString(CPUINFO);
    } catch (IOException | RuntimeException e) {
      // Not Linux or /proc not mounted: no flags known, so KVM is not trusted.
      cpuinfo = "";
    }
    boolean devKvmUsable = Files.isReadable(DEV_KVM) && Files.isWritable(DEV_KVM);
    return choose(requested, cpuinfo, devKvmUsable);
  }

  // Whole tokens of the "flags" lines only: a substring search would also hit the separate "vmx flags"
  // line newer kernels print, or some future flag that merely contains "svm".
  static boolean hasVirtualizationFlag(String cpuinfo) {
    return cpuinfo
        .lines()
        .filter(line -> line.indexOf(':') > 0)
        .filter(line -> line.substring(0, line.indexOf(':')).trim().equals("flags"))
        .flatMap(line -> Arrays.stream(line.substring(line.indexOf(':') + 1).trim().split("\\s+")))
        .anyMatch(flag -> flag.equals("vmx") || flag.equals("svm"));
  }
}
