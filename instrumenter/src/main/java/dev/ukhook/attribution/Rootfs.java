package dev.ukhook.attribution;

import dev.ukhook.elf.ElfFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The files a Linux program ran from, on the host: a directory standing for the guest's root. A symbolic link
 * is followed inside it (an absolute target is a path in the guest, not on the host).
 */
public record Rootfs(Path root) {
  private static final int MAX_LINKS = 16;
  /** Where a Debian-like rootfs, and this host, keep glibc. */
  private static final List<String> LIBC = List.of("/lib/x86_64-linux-gnu/libc.so.6",
      "/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib64/libc.so.6", "/usr/lib64/libc.so.6");

  /** The host file of guest path {@code path}, if the rootfs has it. */
  public Optional<Path> file(String path) {
    Path p = root.resolve(path.replaceFirst("^/+", "")).normalize();
    try {
      for (int i = 0; i < MAX_LINKS && Files.isSymbolicLink(p); i++) {
        String target = Files.readSymbolicLink(p).toString();
        p = (target.startsWith("/") ? root.resolve(target.substring(1)) : p.resolveSibling(target)).normalize();
      }
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
    return p.startsWith(root.normalize()) && Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }

  /**
   * The functions glibc exports, from the rootfs's libc.so.6 or else the host's: what counts as glibc inside a
   * static program, besides its names that start with '_' (docs/elfloader.md).
   */
  public Set<String> glibcNames() {
    for (String l : LIBC) {
      Optional<Path> f = file(l).or(() -> Optional.of(Path.of(l)).filter(Files::isRegularFile));
      if (f.isPresent()) {
        return ElfFile.read(f.get()).exportedFunctionNames();
      }
    }
    return Set.of();
  }
}
