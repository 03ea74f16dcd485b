package dev.ukhook.host;

import dev.ukhook.core.CpioArchive;
import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.RunDir;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code --initrd} names, checked: an initrd file, which QEMU gets as it is, or a directory, packed here
 * into a newc cpio archive that each run writes into its directory as {@value RunDir#INITRD}. app-elfloader
 * images extract it as their root file system (lib/ukcpio) and load the program to run from it.
 */
public final class Initrd {

  private final Path rootfs;
  private final CpioArchive packed; // null for a file

  private Initrd(Path rootfs, CpioArchive packed) {
    this.rootfs = rootfs;
    this.packed = packed;
  }

  /**
   * Checks {@code given} and, for a directory, reads and packs it now, so that a bad file stops a trace
   * before its build and a run before its run directory is made.
   */
  public static Initrd of(Path given) {
    Path abs = given.toAbsolutePath().normalize();
    if (Files.isDirectory(abs)) {
      try {
        return new Initrd(abs, CpioArchive.ofDirectory(abs.toRealPath()));
      } catch (IOException e) {
        throw new UkhookException(Kind.USAGE, "--initrd: cannot read " + abs + ": " + TextFiles.reason(e)
            + "; check the path and its permissions", e);
      } catch (UkhookException e) {
        throw new UkhookException(e.kind(), "--initrd: " + e.getMessage(), e);
      }
    }
    if (!Files.exists(abs)) {
      throw new UkhookException(Kind.USAGE, "--initrd " + abs + ": no such file or directory; name an initrd "
          + "file, or a directory to pack into one");
    }
    if (!Files.isRegularFile(abs)) {
      throw new UkhookException(Kind.USAGE, "--initrd " + abs + " is neither a regular file nor a directory; "
          + "name an initrd file, or a directory to pack into one");
    }
    try (SeekableByteChannel readable = Files.newByteChannel(abs)) {
      return new Initrd(abs, null);
    } catch (IOException e) {
      throw new UkhookException(Kind.USAGE, "--initrd: cannot read " + abs + ": " + TextFiles.reason(e)
          + "; check its permissions", e);
    }
  }

  /** The directory the user gave, or the initrd file: where the guest's files come from, absolute. */
  public Path rootfs() {
    return rootfs;
  }

  /** True when {@link #rootfs()} is a directory that each run packs into {@value RunDir#INITRD}. */
  public boolean packed() {
    return packed != null;
  }

  /** The number of entries packed from the directory; 0 for a file. */
  public int packedEntries() {
    return packed == null ? 0 : packed.entries().size();
  }

  /** The file QEMU gets in a run with the directory {@code runDir}. */
  public Path qemuFile(Path runDir) {
    return packed == null ? rootfs : runDir.resolve(RunDir.INITRD).toAbsolutePath();
  }

  /** Writes the packed archive into {@code runDir} (nothing for a file); returns {@link #qemuFile}. */
  public Path writeInto(Path runDir) {
    Path file = qemuFile(runDir);
    if (packed != null) {
      TextFiles.write(file, packed.toBytes());
    }
    return file;
  }
}
