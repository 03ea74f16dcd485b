package dev.ukhook.unikraft;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * What patching a tree would do, computed before anything is written: per file, its text now, Unikraft's
 * original (derived through the verified restore) and the patched text. {@link TreePatcher#apply} writes it.
 */
public record PatchPlan(UnikraftTree tree, Profile profile, Set<String> hookPoints, List<FileChange> files) {
  /**
   * One file of the plan.
   *
   * @param file the path relative to the tree, as the profile names it
   * @param current the file's text when planned (ISO-8859-1, so exactly its bytes)
   */
  public record FileChange(Path path, String file, String current, String original, String patched) {
    public boolean changes() {
      return !patched.equals(current);
    }
  }

  /** The files applying the plan rewrites. */
  public List<Path> changed() {
    return files.stream().filter(FileChange::changes).map(FileChange::path).toList();
  }
}
