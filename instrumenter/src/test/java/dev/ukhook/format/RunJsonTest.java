package dev.ukhook.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunJsonTest {
  @TempDir Path dir;

  private static final RunJson RUN = new RunJson("/app/.ukhook/build/app_qemu-x86_64", "00ff", "/uk", "0.17.0",
      "tcg", true, List.of("libnolibc"), "filter_only", "/app/p.yaml", "/tmp/policy.sock", List.of("qemu", "-m"),
      null, null, List.of("127.0.0.1:8080:80"), "curl x", null, null);

  @Test
  void keysAreSnakeCaseInTheRecordsOrder() {
    assertEquals("""
        {
          "image" : "/app/.ukhook/build/app_qemu-x86_64",
          "image_id" : "00ff",
          "unikraft" : "/uk",
          "unikraft_version" : "0.17.0",
          "accel" : "tcg",
          "icount" : true,
          "transparent" : [ "libnolibc" ],
          "hooks" : "filter_only",
          "policy" : "/app/p.yaml",
          "policy_socket" : "/tmp/policy.sock",
          "qemu" : [ "qemu", "-m" ],
          "initrd" : null,
          "rootfs" : null,
          "forwards" : [ "127.0.0.1:8080:80" ],
          "load" : "curl x",
          "stop" : null,
          "command" : null
        }
        """, RUN.toJson());
  }

  @Test
  void aRunDirectoryReadsBackWhatItsRunWrote() throws IOException {
    RunDir run = new RunDir(dir);
    Files.writeString(run.runJson(), RUN.toJson());
    assertEquals(RUN, run.json());
    assertEquals(RunJson.FILTER_ONLY, run.json().hooks());
    assertEquals(Optional.of(Set.of("libnolibc")), run.json().transparentLibraries());
  }

  @Test
  void anOlderOrHandWrittenRunJsonMayLackAnyKey() throws IOException {
    RunDir run = new RunDir(dir);
    assertEquals(RunJson.NONE, run.json());
    Files.writeString(run.runJson(), "{\"transparent\": [\"lib0\"], \"added_later\": 1}");
    assertEquals(Optional.of(Set.of("lib0")), run.json().transparentLibraries());
    assertEquals(null, run.json().rootfs());
    assertEquals(null, run.json().hooks());
  }

  @Test
  void aDamagedRunJsonIsOneLineNamingTheFile() throws IOException {
    RunDir run = new RunDir(dir);
    Files.writeString(run.runJson(), "{\"transparent\": [\"lib0\"");
    UkhookException e = assertThrows(UkhookException.class, run::json);
    assertTrue(e.getMessage().startsWith(run.runJson() + ":1:"), e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
  }
}
