package dev.ukhook.policy;

import dev.ukhook.attribution.LinkMap;
import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.elf.ElfFile;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.format.RunDir;
import dev.ukhook.format.RunJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Writes the library table and the compiled policy into a built image (docs/policy.md, "Enforcement in the guest").
 * Which addresses belong to which microlibrary is known only after the final link, so the hook library reserves
 * both as placeholders (marked by their magic and the image id) and ukhook fills them in the image files: the
 * stripped image QEMU boots and its .dbg. The table carries a hash of the image's code, which the guest checks at
 * boot, so a table left in an image whose code changed is never used.
 */
public final class ImagePolicy {

  public record Filled(LibTable table, PolicySpec spec, byte[] compiled) {}

  private ImagePolicy() {}

  /**
   * Fills {@code images} (the boot image and its .dbg, the latter read for the code's bytes) with the table of
   * {@code linkMap} and {@code policy} compiled for it (none: the table alone, for a counting image); every file or
   * none is changed.
   */
  public static Filled fill(Path image, Path debugImage, Path linkMap, String imageId, Path policy,
      Set<String> transparent) {
    LinkMap map = LinkMap.read(linkMap);
    LibTable table = table(debugImage, linkMap, map, imageId, transparent);
    PolicySpec spec = policy == null ? null : PolicyFile.read(policy, map.libraries());
    byte[] compiled = spec == null ? null : PolicyCompiler.compile(spec, table, transparent);
    byte[] tableBytes = table.bytes();
    List<Path> files = List.of(image, debugImage);
    List<byte[]> filled = files.stream().map(f -> filled(read(f), f, imageId, tableBytes, compiled)).toList();
    for (int i = 0; i < files.size(); i++) {
      replace(files.get(i), filled.get(i));
    }
    return new Filled(table, spec, compiled);
  }

  /** A policy compiled for the image of a run that is still going, and the socket its ukhook takes pushes on. */
  public record Push(Path socket, byte[] compiled) {}

  /** Compiles {@code policy} against the library table the run's image carries (its copy in the run directory). */
  public static Push forRun(Path runDir, Path policy) {
    return forRun(runDir, policy.toString(), TextFiles.readSmall(policy, "policy file"));
  }

  /** {@link #forRun(Path, Path)} of a policy's text, {@code fileName} naming it in problems. */
  public static Push forRun(Path runDir, String fileName, String policy) {
    RunDir run = new RunDir(runDir);
    Path table = run.file(RunDir.LIB_TABLE);
    if (!Files.isRegularFile(run.runJson())) {
      throw new UkhookException(Kind.USAGE, runDir + " is not a run directory (no run.json); pass "
          + "APP/.ukhook/runs/<time> of a run that is still going");
    }
    RunJson json = run.json();
    Set<String> transparent = json.transparentLibraries().orElse(Set.of());
    if (json.policySocket() == null || !Files.isRegularFile(table)) {
      throw new UkhookException(Kind.USAGE, "the image of run " + runDir + " does not filter, so it takes no policy: "
          + "trace it with --policy FILE to make one that does");
    }
    return new Push(Path.of(json.policySocket()), compileAgainst(table, fileName, policy, transparent));
  }

  /** {@code policy} read against the libraries of the library table in {@code tableFile}, and compiled for it. */
  private static byte[] compileAgainst(Path tableFile, String fileName, String policy, Set<String> transparent) {
    LibTable t = LibTable.parse(read(tableFile));
    PolicySpec spec = PolicyFile.parse(fileName, policy, Set.copyOf(t.names().subList(1, t.names().size())));
    return PolicyCompiler.compile(spec, t, transparent);
  }


  /**
   * Refuses {@code policy} as the build of the image in {@code build} would: against the library table it
   * carries (a filtering image's) or the libraries of its link map. Nothing to check against before a first build.
   */
  public static void checkAgainstBuilt(Path build, Path linkMap, Path policy, Set<String> transparent) {
    Path table = build.resolve(RunDir.LIB_TABLE);
    if (Files.isRegularFile(table)) {
      compileAgainst(table, policy.toString(), TextFiles.readSmall(policy, "policy file"), transparent);
    } else if (Files.isRegularFile(linkMap)) {
      PolicyFile.read(policy, LinkMap.read(linkMap).libraries());
    }
  }

  /** The table of an image: its code's bounds from the map, their bytes (and hash) from the ELF file. */
  static LibTable table(Path elfFile, Path linkMap, LinkMap map, String imageId, Set<String> transparent) {
    LinkMap.Text text = map.text().orElseThrow(() -> new UkhookException(Kind.FAILURE, linkMap + " does not give"
        + " the image's code bounds (_text = . and _etext = . lines): is it the map of a Unikraft image's final"
        + " link?"));
    long lo = text.start();
    long hi = text.end();
    byte[] bytes = read(elfFile);
    ElfFile elf = ElfFile.parse(elfFile.toString(), ByteBuffer.wrap(bytes));
    ElfFile.LoadSegment seg = elf.loads().stream()
        .filter(s -> s.vaddr() <= lo && hi <= s.vaddr() + s.filesz()).findFirst()
        .orElseThrow(() -> new UkhookException(Kind.FAILURE, elfFile + " has no loaded segment holding the code ["
            + Long.toHexString(lo) + ", " + Long.toHexString(hi) + ") its link map names: is it that map's"
            + " image?"));
    return LibTable.of(map, imageId, lo, hi,
        ByteBuffer.wrap(bytes, (int) (seg.fileOffset() + lo - seg.vaddr()), (int) (hi - lo)).slice(), transparent);
  }

  /**
   * Copies a built image to {@code copy} with {@code policy} (a policy file's text) in force at boot, compiled
   * against the image's library table ({@code tableFile}): one build, a run per policy (`run --inject`, explore).
   *
   * @return the compiled policy
   */
  public static byte[] copyWithPolicy(Path image, Path copy, Path tableFile, String imageId, String fileName,
      String policy, Set<String> transparent) {
    byte[] compiled = compileAgainst(tableFile, fileName, policy, transparent);
    replace(copy, filled(read(image), image, imageId, read(tableFile), compiled));
    TextFiles.ownerOnly(copy);
    return compiled;
  }

  /** {@code file} with the table and the policy written over their areas (placeholders, or filled before). */
  static byte[] filled(byte[] file, Path name, String imageId, byte[] table, byte[] compiled) {
    place(file, name, PolicyLayout.TABLE_MAGIC, PolicyLayout.Table.IMAGE_ID.offset(), imageId, table, "library table");
    if (compiled != null) {
      place(file, name, PolicyLayout.POLICY_MAGIC, PolicyLayout.Policy.IMAGE_ID.offset(), imageId, compiled, "policy");
    }
    return file;
  }

  /** Copies {@code content} over the one placeholder that starts with {@code magic} and has this image's id. */
  private static void place(byte[] file, Path name, long magic, int idAt, String imageId, byte[] content,
      String what) {
    byte[] id = HexFormat.of().parseHex(imageId);
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    int found = -1;
    for (int i = 0; i + content.length <= file.length; i += 8) { // the areas are 64-byte aligned in the image
      if (b.getLong(i) == magic && ByteBuffer.wrap(file, i + idAt, 16).equals(ByteBuffer.wrap(id))) {
        if (found >= 0) {
          throw new UkhookException(Kind.FAILURE, name + " has two " + what + " areas of image " + imageId
              + "; nothing was written");
        }
        found = i;
      }
    }
    if (found < 0) {
      throw new UkhookException(Kind.USAGE, name + " has no " + what + " area of image " + imageId + ": it was not "
          + "instrumented with --policy, or built before; run `ukhook instrument --policy FILE` and build again");
    }
    System.arraycopy(content, 0, file, found, content.length);
  }

  private static byte[] read(Path f) {
    try {
      return Files.readAllBytes(f);
    } catch (IOException e) {
      throw new UkhookException(Kind.USAGE, "cannot read " + f + ": " + TextFiles.reason(e));
    }
  }

  /** Through a temporary file beside it and a rename, so that an image is never half written. */
  private static void replace(Path f, byte[] content) {
    Path tmp = f.resolveSibling(f.getFileName() + ".ukhook-tmp");
    try {
      Files.write(tmp, content);
      Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      TextFiles.deleteQuietly(tmp);
      throw new UkhookException(Kind.ENVIRONMENT, "cannot write " + f + ": " + TextFiles.reason(e));
    }
  }
}
