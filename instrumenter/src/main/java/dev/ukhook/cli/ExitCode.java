package dev.ukhook.cli;

/** Named process exit codes shared by every ukhook command. */
public final class ExitCode {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;
  /** Something the command needs is missing: QEMU, a Unikraft tree, make. */
  public static final int ENVIRONMENT = 3;
  public static final int INTERNAL = 4;

  private ExitCode() {}
}
