package dev.ukhook.unikraft;

import java.nio.file.Path;
import java.util.List;

/**
 * What `ukhook restore` did.
 *
 * @param restored files that now have exactly Unikraft's original bytes again
 * @param forced files whose blocks were removed under --force although the rest of the file differs from the
 *     file ukhook patched (edited since)
 */
public record RestoreResult(List<Path> restored, List<Path> forced) {
  public boolean changed() {
    return !restored.isEmpty() || !forced.isEmpty();
  }
}
