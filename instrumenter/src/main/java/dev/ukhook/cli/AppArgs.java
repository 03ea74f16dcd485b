package dev.ukhook.cli;

import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.pipeline.AppSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The application directory, as --app DIR or as the first positional argument, and the guest
 * arguments after `--`: `[KERNEL-ARGS --] APP-ARGS`, as Unikraft's command line has them.
 */
final class AppArgs {
  @Option(names = {"-a", "--app"}, paramLabel = "DIR", description = "The Unikraft application directory.")
  Path app;

  @Parameters(paramLabel = "APP [-- [KERNEL-ARGS --] APP-ARGS]", description = "The application directory "
      + "(unless --app is given), then arguments for the guest after --.")
  List<String> positional = new ArrayList<>();

  @Option(names = "--lib", paramLabel = "DIR", description = "Extra external microlibrary to build with (repeatable).")
  List<Path> libraries = new ArrayList<>();

  Path appDir() {
    if (app != null) {
      return app;
    }
    if (positional.isEmpty()) {
      throw new UkhookException(Kind.USAGE, "name the application directory: ukhook <command> APP (or --app DIR)");
    }
    return Path.of(positional.get(0));
  }

  AppSpec spec() {
    return AppSpec.load(appDir(), libraries);
  }

  /** The app as `build` and `run` need it (its microlibraries come from the workspace). */
  AppSpec instrumented() {
    return AppSpec.instrumented(appDir());
  }

  private List<String> guestArgs() {
    return app != null ? positional : positional.subList(Math.min(1, positional.size()), positional.size());
  }

  List<String> kernelArgs() {
    int sep = guestArgs().indexOf("--");
    return sep < 0 ? List.of() : guestArgs().subList(0, sep);
  }

  List<String> appArgs() {
    int sep = guestArgs().indexOf("--");
    return sep < 0 ? guestArgs() : guestArgs().subList(sep + 1, guestArgs().size());
  }
}
