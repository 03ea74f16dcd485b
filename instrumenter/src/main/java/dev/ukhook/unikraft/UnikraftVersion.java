package dev.ukhook.unikraft;

/**
 * A Unikraft tree's version as read from its {@code version.mk}; {@code main} marks the development
 * tree after that release (it still says 0.17.0 but has, for example, lib/ukconsole).
 */
public record UnikraftVersion(int major, int minor, int patch, boolean main) {
  public String release() {
    return major + "." + minor + "." + patch;
  }

  @Override
  public String toString() {
    return main ? release() + "+main" : release();
  }
}
