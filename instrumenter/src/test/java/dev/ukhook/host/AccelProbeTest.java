package dev.ukhook.host;

import dev.ukhook.core.UkhookException.Kind;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.ukhook.core.UkhookException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AccelProbeTest {
  // Shortened from this machine: an AMD EPYC guest under PVM, with /dev/kvm but no svm flag.
  private static final String PVM_GUEST =
      "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\n"
          + "flags\t\t: fpu vme de pse tsc msr pae syscall nx lm constant_tsc rep_good nopl cpuid"
          + " pni x2apic hypervisor lahf_lm cmp_legacy cr8_legacy abm sse4a\n\n";
  private static final String INTEL_VMX =
      "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr vmx smx est tm2 ssse3\n"
          + "vmx flags\t: vnmi preemption_timer invvpid ept_x_only\n\n";
  private static final String AMD_SVM = "processor\t: 0\nflags\t\t: fpu lm svm extapic cr8_legacy\n";

  @Test
  void kvmNeedsTheDeviceAndTheCpuFlag() {
    assertEquals(Accel.KVM, AccelProbe.probe(INTEL_VMX, true).accel());
    assertEquals(Accel.KVM, AccelProbe.probe(AMD_SVM, true).accel());
  }

  @Test
  void nestedPvmWithoutTheFlagFallsBackToTcg() {
    AccelChoice choice = AccelProbe.probe(PVM_GUEST, true);

    assertEquals(Accel.TCG, choice.accel());
    assertEquals(
        "/dev/kvm is present but the CPU shows no vmx/svm flag (nested PVM); using TCG", choice.reason());
  }

  @Test
  void unusableDeviceFallsBackToTcgEvenWithTheFlag() {
    AccelChoice choice = AccelProbe.probe(INTEL_VMX, false);

    assertEquals(Accel.TCG, choice.accel());
    assertEquals(
        "/dev/kvm is missing or not readable and writable by this user; using TCG", choice.reason());
  }

  @Test
  void onlyWholeTokensOfTheFlagsLineCount() {
    String vmxFlagsLineOnly = "flags\t\t: fpu vme\nvmx flags\t: vnmi ept\n";
    String lookalike = "flags\t\t: fpu vmxe svm_lock\n";

    assertEquals(Accel.TCG, AccelProbe.probe(vmxFlagsLineOnly, true).accel());
    assertEquals(Accel.TCG, AccelProbe.probe(lookalike, true).accel());
    assertEquals(Accel.TCG, AccelProbe.probe("", true).accel());
  }

  @Test
  void requestedKvmWhereItCannotWorkIsAnEnvironmentError() {
    UkhookException e =
        assertThrows(UkhookException.class, () -> AccelProbe.choose(Accel.KVM, PVM_GUEST, true));

    assertEquals(Kind.ENVIRONMENT, e.kind());
    assertEquals(
        "--accel kvm: KVM cannot run guests here: /dev/kvm is present but the CPU shows no vmx/svm flag"
            + " (nested PVM); use --accel tcg or --accel auto",
        e.getMessage());
  }

  @Test
  void requestsAreHonouredWherePossible() {
    assertEquals(Accel.KVM, AccelProbe.choose(Accel.KVM, INTEL_VMX, true).accel());
    assertEquals(Accel.TCG, AccelProbe.choose(Accel.TCG, INTEL_VMX, true).accel());
    assertEquals(Accel.KVM, AccelProbe.choose(Accel.AUTO, INTEL_VMX, true).accel());
    assertEquals(Accel.TCG, AccelProbe.choose(Accel.AUTO, PVM_GUEST, true).accel());
  }

  @Test
  void thisHostWithoutVirtualizationFlagsGetsTcg() throws Exception {
    Path cpuinfo = Path.of("/proc/cpuinfo");
    assumeFalse(
        Files.isReadable(cpuinfo) && AccelProbe.hasVirtualizationFlag(Files.readString(cpuinfo)),
        "this host's CPU has vmx/svm, so AUTO may rightly pick KVM");

    assertEquals(Accel.TCG, AccelProbe.chooseForThisHost(Accel.AUTO).accel());
    assertThrows(UkhookException.class, () -> AccelProbe.chooseForThisHost(Accel.KVM));
  }

  @Test
  void autoHasNoQemuName() {
    assertEquals("tcg", Accel.TCG.qemuName());
    assertEquals("kvm", Accel.KVM.qemuName());
    assertThrows(IllegalStateException.class, Accel.AUTO::qemuName);
  }
}
