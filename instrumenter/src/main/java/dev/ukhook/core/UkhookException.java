package dev.ukhook.core;

/**
 * A failure with one actionable line for the user (what, where, what to do) and its kind. Every layer throws
 * it; only the CLI maps the kind to an exit code.
 */
public class UkhookException extends RuntimeException {
  /** What went wrong, from the user's point of view. */
  public enum Kind {
    /** The command line or an input file is wrong: fix the invocation. */
    USAGE,
    /** Something the command needs is missing here: QEMU, make, a Unikraft tree, a writable directory. */
    ENVIRONMENT,
    /** The job ran and failed, or its result cannot be trusted: a build error, a damaged trace. */
    FAILURE,
    /** A bug in ukhook. */
    INTERNAL
  }

  private final Kind kind;

  public UkhookException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public UkhookException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
