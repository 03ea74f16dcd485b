package dev.ukhook.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.cli.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/nginx serving its static page to wrk on the host: lib-nginx on lib-musl and lib-lwip from $UK_LIBS,
 * their origin archives from $UKHOOK_SOURCES, the page and configuration from the example's rootfs as an initrd.
 * nginx never exits by itself, so after the load ukhook's stop request must end the unikernel; nothing may be
 * lost, and every request is an accept or a read and a write of nginx while serving.
 */
class NginxIT {
  @TempDir Path tmp;

  static final String NO_LIBS = "SKIPPED: set UK_LIBS to a directory with clones of unikraft/lib-musl, lib-lwip "
      + "and lib-nginx, UKHOOK_SOURCES to a directory with musl-1.2.3.tar.gz, UNIKRAFT-2_1_x.zip and "
      + "nginx-1.15.6.tar.gz (docs/offline-sources.md), and UK_ROOTS to include a Unikraft 0.16.x tree, to run the "
      + "nginx end-to-end test";

  static String missing() {
    return RedisIT.missingServer("lib-nginx", "nginx-1.15.6.tar.gz", List.of("wrk", "curl"), NO_LIBS);
  }

  /** Makes the skip visible in the test counts. */
  @Test
  void treeLibrariesArchivesAndToolsAreGiven() {
    String missing = missing();
    if (missing != null) {
      System.err.println("[NginxIT] " + missing);
    }
    assumeTrue(missing == null, missing);
  }

  /** Every tree of UK_ROOTS (0.16.3, 0.17.0 and main). */
  @TestFactory
  Stream<DynamicTest> nginxServesWrkWithNothingLost() {
    if (missing() != null) {
      return Stream.empty();
    }
    return SyscallMixIT.trees().stream().map(t -> DynamicTest.dynamicTest(t.toString(), () -> served(t)));
  }

  private void served(Path tree) throws Exception {
    Path app = tmp.resolve("nginx-" + tree.getFileName());
    SyscallMixIT.copyExample(SyscallMixIT.home().resolve("examples/nginx"), app);
    int port = 18080 + (int) (ProcessHandle.current().pid() % 1000);
    String url = "http://127.0.0.1:" + port + "/";
    Run r = RedisIT.traceServer(tree, List.of("trace", app.toString(), "--unikraft", tree.toString(),
        "-M", "512", "--timeout", "600", "--net", "user", "--forward", "127.0.0.1:" + port + ":80", "--initrd",
        app.resolve("rootfs").toString(), "--load", "curl -sS " + url + " && wrk -t1 -c10 -d5s " + url,
        "--", "-c", "/nginx/conf/nginx.conf"));
    assertEquals(ExitCode.OK, r.exitCode(), r.out() + r.err());
    assertTrue(r.err().contains("asked the guest to stop after the load"), r.err());
    assertTrue(r.err().contains("; fixes virtio-notify): "), r.err()); // an image with virtio-net
    Path run = SyscallMixIT.lastRun(app);
    String load = Files.readString(run.resolve("load.log"));
    assertTrue(load.contains(Files.readString(app.resolve("rootfs/nginx/html/index.html")).strip()), load);
    Matcher m = Pattern.compile("(\\d+) requests in ").matcher(load);
    assertTrue(m.find(), load);
    long requests = Long.parseLong(m.group(1));
    assertTrue(requests > 0 && !load.contains("Socket errors"), load);
    JsonNode results = new ObjectMapper().readTree(run.resolve("results.json").toFile());
    assertEquals(0, results.get("dropped").asLong());
    assertEquals(0, results.get("missing").asLong());
    assertTrue(results.get("final_record").asBoolean());
    assertTrue(results.has("serving_from_seq"), results.toString());
    JsonNode serving = results.at("/libraries/libnginx/serving");
    assertEquals(0, serving.path("listen").asLong(), "listen is start-up: " + results);
    assertTrue(results.at("/libraries/libnginx/syscalls/listen").asLong() >= 1, results.toString());
    // Keep-alive: each request is at least one read (recv) of it and one write of the answer, in nginx.
    long reads = serving.path("read").asLong() + serving.path("recvfrom").asLong();
    long writes = serving.path("write").asLong() + serving.path("writev").asLong() + serving.path("sendfile").asLong();
    assertTrue(reads >= requests && writes >= requests, requests + " requests: " + serving);
  }
}
