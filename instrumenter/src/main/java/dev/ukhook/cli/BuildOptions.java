package dev.ukhook.cli;

import dev.ukhook.pipeline.Builder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** How `build` (and `trace`) run Unikraft's make. */
final class BuildOptions {
  static final String SOURCES_ENV = "UKHOOK_SOURCES";

  @Option(names = "--sources", paramLabel = "DIR", description = "Directory of origin archives that answers the "
      + "downloads of the app's libraries (default: $" + SOURCES_ENV + ", else the app's ukhook.json \"sources\"; "
      + "see docs/offline-sources.md).")
  Path sources;

  @Option(names = "--make", paramLabel = "NAME=VALUE", description = "A variable for Unikraft's make (repeatable).")
  List<String> makeVariables = new ArrayList<>();

  Builder.Options options() {
    String env = System.getenv(SOURCES_ENV);
    Optional<Path> dir = Optional.ofNullable(sources)
        .or(() -> env == null || env.isBlank() ? Optional.empty() : Optional.of(Path.of(env)));
    return new Builder.Options(dir, makeVariables);
  }
}
