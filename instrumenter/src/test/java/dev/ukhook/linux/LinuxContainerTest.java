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

  /** Skips without an engine or the base image; else builds {@link #IMAGE} (cached after the first time). */
  private static void assumeImages() {
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
  }

  @Test
  void theExperimentImageTracesAsTheHostDoes() throws Exception {
    assumeImages();

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

  /** A server of a few lines: answers each connection's line with "ok", until SIGTERM. */
  private static final String SERVER = """
      #include <netinet/in.h>
      #include <sys/socket.h>
      #include <unistd.h>
      int main(void) {
        int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(7000), .sin_addr.s_addr = htonl(0x7f000001)};
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 8)) return 1;
        for (char b[64];;) {
          int c = accept(s, 0, 0);
          if (read(c, b, sizeof b) > 0) write(c, "ok\\n", 3);
          close(c);
        }
      }
      """;

  @Test
  void aServerIsTracedUnderItsLoadInTheContainerAndEndsWithIt() throws Exception {
    assumeImages();
    String image = new ImageFromDockerfile("ukhook-linux-test-server:test", false)
        .withFileFromString("server.c", SERVER)
        .withDockerfileFromBuilder(b -> b.from(IMAGE).copy("server.c", "/src/server.c")
            .run("gcc -O1 -o /opt/server /src/server.c").build())
        .get();
    // The load waits for the port (a probe that sends nothing, so the server writes nothing to it), then asks 5 times.
    String load = "bash -c 'until (exec 3<>/dev/tcp/127.0.0.1/7000) 2>/dev/null; do sleep 0.1; done;"
        + " for i in 1 2 3 4 5; do exec 3<>/dev/tcp/127.0.0.1/7000; echo hi >&3; read -r l <&3; echo \"$i $l\";"
        + " exec 3>&-; done'";
    Run r = ukhook("linux", "--runs", dir.toString(), "--image", image, "--load", load, "--", "/opt/server");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    Path run;
    try (Stream<Path> s = Files.list(dir)) {
      run = s.findFirst().orElseThrow();
    }
    assertEquals("1 ok\n2 ok\n3 ok\n4 ok\n5 ok\n", Files.readString(run.resolve("load.log")), "the load's answers");
    JsonNode results = new ObjectMapper().readTree(run.resolve("results.json").toFile());
    assertEquals(5, results.at("/libraries/server/syscalls/write").asLong(), "one answer a request: " + results);
    assertTrue(results.at("/libraries/server/syscalls/accept").asLong() >= 6, "the probes and the 5: " + results);
    assertEquals(1, results.at("/libraries/server/syscalls/listen").asLong(), results.toString());
    assertTrue(DockerClientFactory.lazyClient().listContainersCmd().withShowAll(true).exec().stream()
        .noneMatch(c -> c.getImage().equals(image)), "the server ended with its load, its container is gone");
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
