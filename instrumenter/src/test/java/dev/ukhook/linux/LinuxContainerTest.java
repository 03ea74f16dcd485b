package dev.ukhook.linux;

import static dev.ukhook.cli.CliTest.ukhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.cli.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * `ukhook linux --image`: the experiment image of examples/musl-files (docker/linux-musl-files.Dockerfile), built by
 * Testcontainers on the local base image (docker/base.sh), traced in its container. Skipped, with the reason, where
 * no Docker engine runs or the base image is missing; .ci/run starts the engine and makes the base where it can.
 */
class LinuxContainerTest {
  static final String IMAGE = "ukhook-linux-musl-files:test";

  @TempDir Path dir;

  @Test
  void theExperimentImageTracesAsTheHostDoes() throws Exception {
    assumeTrue(Containers.available(), "SKIPPED: no Docker engine answers (Debian: apt-get install docker.io, then "
        + "start dockerd)");
    boolean base;
    try {
      DockerClientFactory.lazyClient().inspectImageCmd("ukhook-debian:bookworm").exec();
      base = true;
    } catch (RuntimeException e) {
      base = false;
    }
    assumeTrue(base, "SKIPPED: no base image ukhook-debian:bookworm; make it with docker/base.sh");
    Path home = LinuxCommandTest.HOME;
    new ImageFromDockerfile(IMAGE, false)
        .withFileFromPath("docker/linux-musl-files.Dockerfile", home.resolve("docker/linux-musl-files.Dockerfile"))
        .withFileFromPath("examples/musl-files/main.c", home.resolve("examples/musl-files/main.c"))
        .withDockerfilePath("docker/linux-musl-files.Dockerfile")
        .get();

    Run r = ukhook("linux", "--runs", dir.toString(), "--image", IMAGE, "--", "/opt/musl-files");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    Path run;
    try (Stream<Path> s = Files.list(dir)) {
      run = s.findFirst().orElseThrow();
    }
    JsonNode results = new ObjectMapper().readTree(run.resolve("results.json").toFile());
    for (String call : new String[] {"openat", "lseek", "read", "close"}) {
      assertEquals(10, results.at("/libraries/musl-files/syscalls/" + call).asLong(), call + ": " + results);
    }
    assertEquals(6, results.at("/libraries/musl-files/syscalls/getpid").asLong());
    JsonNode json = new ObjectMapper().readTree(run.resolve("run.json").toFile());
    assertEquals("strace", json.get("hooks").asText());
    assertTrue(json.get("image").asText().startsWith(IMAGE + ":"), json.toString());
    assertTrue(DockerClientFactory.lazyClient().listContainersCmd().withShowAll(true).exec().stream()
        .noneMatch(c -> c.getImage().equals(IMAGE)), "the container is gone");
  }

  @Test
  void anImageThatIsNotHereIsRefusedInOneLine() {
    assumeTrue(Containers.available(), "SKIPPED: no Docker engine answers");
    Run r = ukhook("linux", "--runs", dir.toString(), "--image", "ukhook-no-such-image:1", "--", "/bin/true");
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertEquals("ukhook: no image ukhook-no-such-image:1 here: build it first (docker/README.md)", r.err().strip());
    assertTrue(dir.toFile().list().length == 0, "no run directory was made");
  }
}
