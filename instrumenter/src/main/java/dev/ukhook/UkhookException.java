package dev.ukhook;

/**
 * A failure with one actionable line for the user (what, where, what to do) and the exit code it maps to.
 * Core classes throw it; commands print its message and exit with its code.
 */
public class UkhookException extends RuntimeException {
  private final int exitCode;

  public UkhookException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public UkhookException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
