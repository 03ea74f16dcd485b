package dev.ukhook.cli;

/** Placeholder until the qemu package's probe is wired. */
final class Accels {
  static String resolve(String requested) {
    return requested.equals("kvm") ? "kvm" : "tcg";
  }
}
