package dev.ukhook.cli;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command shares. */
public final class CommonOptions {
  @Option(names = "--stacktrace", description = "Print the stack trace of an error.")
  boolean stacktrace;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  /** --unikraft, defaulting to $UK_ROOT. */
  public static final class UnikraftOption {
    @Option(names = {"-u", "--unikraft"}, paramLabel = "DIR",
        description = "Unikraft source tree (default: $UK_ROOT).")
    Path unikraft;

    Path resolve() {
      if (unikraft != null) {
        return unikraft;
      }
      String env = System.getenv("UK_ROOT");
      if (env == null || env.isBlank()) {
        throw new UkhookException(Kind.ENVIRONMENT,
            "no Unikraft tree given: pass --unikraft DIR or set UK_ROOT to a Unikraft 0.16.x/0.17.0/main checkout");
      }
      return Path.of(env);
    }
  }
}
