package dev.ukhook.host;

/** The accelerator to use and, for the user, why. */
public record AccelChoice(Accel accel, String reason) {
  public AccelChoice {
    if (accel == Accel.AUTO) {
      throw new IllegalArgumentException("an AccelChoice is KVM or TCG, not AUTO");
    }
  }
}
