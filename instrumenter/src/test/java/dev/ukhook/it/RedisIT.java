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
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/redis served to redis-benchmark on the host: lib-redis on lib-musl and lib-lwip from $UK_LIBS, their
 * origin archives from $UKHOOK_SOURCES, on the first Unikraft 0.16 and 0.17 trees of UK_ROOTS. Nothing may be
 * lost, the load must finish, the unikernel must shut down so that the final record comes (on 0.16 Redis exits on
 * `redis-cli shutdown`, on 0.17 ukhook's stop request ends it), and the table must tell the start-up from the
 * serving phase.
 */
class RedisIT {
  @TempDir Path tmp;

  static final String NO_LIBS = "SKIPPED: set UK_LIBS to a directory with clones of unikraft/lib-musl, lib-lwip "
      + "and lib-redis, UKHOOK_SOURCES to a directory with musl-1.2.3.tar.gz, UNIKRAFT-2_1_x.zip and 7.0.11.zip "
      + "(docs/offline-sources.md), and UK_ROOTS to include a Unikraft 0.16.x tree, to run the Redis end-to-end test";
  /** Requests per command type: enough to serve for a while, few enough for TCG. */
  static final int REQUESTS = 2000;

  static String missing() {
    return missingServer("lib-redis", "7.0.11.zip", List.of("redis-benchmark", "redis-cli"), NO_LIBS);
  }

  /**
   * Why a server test cannot run, or null: a Unikraft 0.16 tree, lib-musl, lib-lwip and {@code lib} in $UK_LIBS,
   * their origin archives in $UKHOOK_SOURCES, QEMU and the load {@code tools} on the PATH.
   */
  static String missingServer(String lib, String archive, List<String> tools, String noLibs) {
    String libs = System.getenv("UK_LIBS");
    String sources = System.getenv("UKHOOK_SOURCES");
    if (ElfloaderIT.tree016() == null || libs == null || sources == null
        || Stream.of("lib-musl", "lib-lwip", lib).anyMatch(l -> !Files.isRegularFile(Path.of(libs, l, "Makefile.uk")))
        || Stream.of("musl-1.2.3.tar.gz", "UNIKRAFT-2_1_x.zip", archive)
            .anyMatch(a -> !Files.isRegularFile(Path.of(sources, a)))) {
      return noLibs;
    }
    for (String tool : Stream.concat(Stream.of("qemu-system-x86_64"), tools.stream()).toList()) {
      if (!SyscallMixIT.onPath(tool)) {
        return "SKIPPED: " + tool + " is not installed (Debian: qemu-system-x86, redis-tools, wrk, curl)";
      }
    }
    return null;
  }

  /**
   * {@code ukhook trace ARGS} on {@code tree}, restored afterwards. A stalled guest fails the test: the virtio-notify
   * fix and ukhook's forward relay took out the two causes of the stalls that once made this try again
   * (docs/virtio-net-stall.md).
   */
  static Run traceServer(Path tree, List<String> args) {
    try {
      return SyscallMixIT.ukhook(args.toArray(String[]::new));
    } finally {
      SyscallMixIT.ukhook("restore", "--unikraft", tree.toString());
    }
  }

  /** Makes the skip visible in the test counts. */
  @Test
  void treeLibrariesArchivesAndToolsAreGiven() {
    String missing = missing();
    if (missing != null) {
      System.err.println("[RedisIT] " + missing);
    }
    assumeTrue(missing == null, missing);
  }

  /**
   * Every tree of UK_ROOTS (0.16.3, 0.17.0 and main). On 0.17 and main the example's compat/uk/swrand.h stands in
   * for the ukswrand that lib-lwip still includes.
   */
  @TestFactory
  Stream<DynamicTest> redisServesTheBenchmarkWithNothingLost() {
    if (missing() != null) {
      return Stream.empty();
    }
    return SyscallMixIT.trees().stream().map(t -> DynamicTest.dynamicTest(t.toString(), () -> served(t, isVersion16(t))));
  }

  private static boolean isVersion16(Path tree) throws java.io.IOException {
    return Files.readString(tree.resolve("version.mk")).contains("UK_SUBVERSION = 16");
  }


  private void served(Path tree, boolean stopCommand) throws Exception {
    Path app = tmp.resolve("redis-" + tree.getFileName());
    SyscallMixIT.copyExample(SyscallMixIT.home().resolve("examples/redis"), app);
    int port = 16379 + (int) (ProcessHandle.current().pid() % 1000);
    List<String> args = new java.util.ArrayList<>(List.of("trace", app.toString(), "--unikraft", tree.toString(),
        "-M", "512", "--timeout", "600", "--net", "user", "--forward", "127.0.0.1:" + port + ":6379",
        "--load", "redis-benchmark -p " + port + " -n " + REQUESTS + " -c 10 -t set,get -q"));
    if (stopCommand) {
      args.addAll(List.of("--stop", "redis-cli -p " + port + " shutdown nosave"));
    }
    args.addAll(List.of("--", "--port", "6379", "--protected-mode", "no", "--save", "", "--appendonly", "no"));
    Run r = traceServer(tree, args);
    assertEquals(ExitCode.OK, r.exitCode(), r.out() + r.err());
    Path run = SyscallMixIT.lastRun(app);
    String load = Files.readString(run.resolve("load.log"));
    assertTrue(load.contains("SET: ") && load.contains("GET: ") && load.contains("requests per second"), load);
    JsonNode results = new ObjectMapper().readTree(run.resolve("results.json").toFile());
    assertEquals(0, results.get("dropped").asLong());
    assertEquals(0, results.get("missing").asLong());
    assertTrue(results.get("final_record").asBoolean());
    assertTrue(results.has("serving_from_seq"), results.toString());
    // Every request is a read of its command and a write of its reply, while serving.
    assertTrue(results.at("/libraries/libredis/serving/read").asLong() >= 2 * REQUESTS, results.toString());
    assertTrue(results.at("/libraries/libredis/serving/write").asLong() >= 2 * REQUESTS, results.toString());
    assertEquals(0, results.at("/libraries/libredis/serving/listen").asLong(), "listen is start-up");
    // Redis's own exit, or none when ukhook's stop request ended the unikernel.
    assertEquals(stopCommand ? 1 : 0, results.at("/libraries/libredis/syscalls/exit_group").asLong());
    assertEquals(!stopCommand, r.err().contains("asked the guest to stop after the load"), r.err());
    assertTrue(r.err().contains("; fixes virtio-notify): "), r.err()); // an image with virtio-net
  }
}
