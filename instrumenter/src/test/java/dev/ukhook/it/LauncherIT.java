package dev.ukhook.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, defect 22: a first build of the `./ukhook` launcher stopped after Maven wrote
 * instrumenter/target/ukhook.jar and before it was shaded left a jar without a Main-Class, newer than the sources,
 * and every later command failed with "no main manifest attribute". The launcher now checks the jar and builds
 * under a name of its own. An IT because the launcher's Maven build takes about a minute (offline: Maven's local
 * repository must hold the build's plugins, as it does once the project was built).
 */
class LauncherIT {
  @TempDir Path dir;

  /** The launcher with what its build reads: the poms, the main sources, the templates and the patch specs. */
  Path copyOfTheRepository() throws IOException {
    Path home = SyscallMixIT.home();
    Path repo = dir.resolve("repo");
    for (String p : List.of("ukhook", "pom.xml", "instrumenter/pom.xml", "bench/collector-jmh/pom.xml",
        "instrumenter/src/main", "templates", "unikraft-patches")) {
      copy(home.resolve(p), repo.resolve(p));
    }
    Files.createDirectories(repo.resolve(".mvn"));
    Files.writeString(repo.resolve(".mvn/maven.config"), "-o\n");
    return repo;
  }

  static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path dest = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(dest);
        } else {
          Files.createDirectories(dest.getParent());
          Files.copy(p, dest, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  record Result(int exit, String out, String err) {}

  static Result launch(Path repo, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(repo.resolve("ukhook").toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("launcher", ".out");
    Path err = Files.createTempFile("launcher", ".err");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the launcher did not finish in 10 minutes");
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  void aJarWithoutMainClassNewerThanTheSourcesIsRebuilt() throws Exception {
    assumeTrue(SyscallMixIT.onPath("mvn"), "SKIPPED: mvn is not on PATH");
    Path repo = copyOfTheRepository();
    Path jar = repo.resolve("instrumenter/target/ukhook.jar");
    Files.createDirectories(jar.getParent());
    // What `mvn package` leaves when stopped before the shade step: a jar whose manifest has no Main-Class.
    try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(jar), new Manifest())) {
      j.putNextEntry(new java.util.jar.JarEntry("dev/ukhook/cli/Main.class"));
      j.write("not yet shaded".getBytes(StandardCharsets.UTF_8));
    }
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(3600)));

    Result r = launch(repo, "--version");

    assertEquals(0, r.exit(), r.err());
    assertEquals("ukhook 0.1.0\n", r.out());
    assertEquals("ukhook: building the tool (mvn package, about a minute the first time)...\n", r.err());
    try (JarFile j = new JarFile(jar.toFile())) {
      assertNotNull(j.getManifest(), "manifest");
      assertEquals("dev.ukhook.cli.Main", j.getManifest().getMainAttributes().getValue(Attributes.Name.MAIN_CLASS));
    }
    try (Stream<Path> s = Files.list(jar.getParent())) {
      assertEquals(List.of(), s.map(p -> p.getFileName().toString())
          .filter(n -> n.contains(".ukhook-building-")).toList(), "no temporary jar is left");
    }
    Result again = launch(repo, "--version");
    assertEquals(0, again.exit(), again.err());
    assertEquals("", again.err(), "a good jar is not rebuilt");
    assertTrue(again.out().startsWith("ukhook "), again.out());
  }

  /**
   * Two commands at once on a repository whose jar is stale (seen this session: a trace and `ukhook linux` started
   * together, and one failed with "Could not replace original artifact with shaded artifact"): one builds, the other
   * waits for it and builds nothing.
   */
  @Test
  void twoLaunchersAtOnceBuildOnce() throws Exception {
    assumeTrue(SyscallMixIT.onPath("mvn"), "SKIPPED: mvn is not on PATH");
    Path repo = copyOfTheRepository();
    java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      var a = two.submit(() -> launch(repo, "--version"));
      var b = two.submit(() -> launch(repo, "--version"));
      for (Result r : List.of(a.get(), b.get())) {
        assertEquals(0, r.exit(), r.err());
        assertEquals("ukhook 0.1.0\n", r.out());
      }
      assertEquals(1, (a.get().err() + b.get().err()).split("building the tool", -1).length - 1,
          "one build: " + a.get().err() + b.get().err());
    } finally {
      two.shutdownNow();
    }
  }
}
