package dev.ukhook.pipeline;

import java.nio.file.Path;

/** Where ukhook keeps what it makes for one application: {@code <app>/.ukhook/}. */
public record Workspace(Path root) {
  public static Workspace of(AppSpec app) {
    return new Workspace(app.dir().resolve(".ukhook"));
  }

  public Path library() {
    return root.resolve("libukhook");
  }

  public Path build() {
    return root.resolve("build");
  }

  /** The full Kconfig configuration the build uses (Unikraft's C=). */
  public Path config() {
    return root.resolve("config");
  }

  /** The fragment ukhook hands to `make defconfig`: the user's options plus the ones the hooks need. */
  public Path defconfig() {
    return root.resolve("defconfig");
  }

  public Path state() {
    return root.resolve("instrument.json");
  }

  public Path linkMap() {
    return build().resolve("link.map");
  }

  /** Held by {@link WorkspaceLock}. */
  public Path lock() {
    return root.resolve("lock");
  }

  public Path runs() {
    return root.resolve("runs");
  }
}
