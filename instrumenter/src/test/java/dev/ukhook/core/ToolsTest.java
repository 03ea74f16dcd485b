package dev.ukhook.core;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToolsTest {
  @TempDir Path dir;
  Path bin;

  @BeforeEach
  void someTools() throws IOException {
    bin = Files.createDirectories(dir.resolve("bin"));
    for (String tool : new String[] {"make", "gcc"}) {
      Files.writeString(bin.resolve(tool), "#!/bin/sh\n").toFile().setExecutable(true);
    }
    Files.writeString(bin.resolve("flex"), "not executable\n");
  }

  @Test
  void everyMissingToolIsNamedInOneLineWithItsDebianPackage() {
    UkhookException e = assertThrows(UkhookException.class,
        () -> Tools.require(List.of("make", "gcc", "flex", "bison", Tools.QEMU), bin.toString()));
    assertEquals(UkhookException.Kind.ENVIRONMENT, e.kind());
    assertEquals("missing on PATH: flex, bison, qemu-system-x86_64; install them (Debian: apt-get install flex bison "
        + "qemu-system-x86) or pass --qemu PATH", e.getMessage());
  }

  @Test
  void aPathIsCheckedAsAFileAndAnUnknownNameHasNoPackage() {
    UkhookException e = assertThrows(UkhookException.class,
        () -> Tools.require(List.of(bin.resolve("flex").toString(), "frobnicate"), bin.toString()));
    assertEquals(bin.resolve("flex") + " is not an executable file; missing on PATH: frobnicate; install it",
        e.getMessage());
  }

  @Test
  void presentToolsPass() {
    assertDoesNotThrow(() -> Tools.require(List.of("make", "gcc", bin.resolve("make").toString()), bin.toString()));
    assertDoesNotThrow(() -> Tools.require(List.of(), ""));
    assertTrue(Tools.onPath("gcc", "/nowhere:" + bin));
    assertFalse(Tools.onPath("gcc", ""));
  }
}
