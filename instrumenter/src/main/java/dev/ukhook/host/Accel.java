package dev.ukhook.host;

/** How QEMU runs the guest: hardware virtualization (KVM), emulation (TCG), or whichever works here. */
public enum Accel {
  AUTO,
  KVM,
  TCG;

  /** The name QEMU's {@code -accel} option takes. */
  public String qemuName() {
    if (this == AUTO) {
      throw new IllegalStateException("resolve AUTO with AccelProbe before starting QEMU");
    }
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
