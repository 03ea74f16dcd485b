package dev.ukhook.cli;

import dev.ukhook.core.UkhookException.Kind;

/** Named process exit codes; the only place an error's kind becomes one. */
public final class ExitCode {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;
  /** Something the command needs is missing: QEMU, a Unikraft tree, make. */
  public static final int ENVIRONMENT = 3;
  public static final int INTERNAL = 4;

  private ExitCode() {}

  public static int of(Kind kind) {
    return switch (kind) {
      case USAGE -> USAGE;
      case ENVIRONMENT -> ENVIRONMENT;
      case FAILURE -> FAILURE;
      case INTERNAL -> INTERNAL;
    };
  }
}
