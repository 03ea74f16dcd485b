package dev.ukhook.elf;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Unwind tables built on first use and kept per file: readelf runs once for each ELF object however many
 * runs or mappings use it. Files are assumed not to change while the cache lives.
 */
public final class CfiCache {
  private final Map<Path, Cfi> byFile = new ConcurrentHashMap<>();

  /** The tables of {@code file}, running readelf the first time. */
  public Cfi get(Path file) {
    return byFile.computeIfAbsent(file.toAbsolutePath().normalize(), Cfi::read);
  }
}
