package dev.ukhook.unikraft;

import dev.ukhook.core.LockFile;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import java.nio.file.Path;

/**
 * One ukhook at a time changes a Unikraft tree, and none changes it while another builds on it: instrument and
 * restore hold the lock exclusively while they patch, builds share it while make reads the tree. Without it a
 * restore during a build gave an image without hooks and a run with an empty table.
 *
 * <p>The lock is a {@link LockFile} on {@value #FILE} in the tree's root (Unikraft's .gitignore ignores it), not
 * on a file ukhook reads, such as version.mk: a POSIX lock goes when its process closes any descriptor of the file.
 */
public final class TreeLock implements AutoCloseable {
  /** The lock file in the tree's root. */
  public static final String FILE = ".ukhook-lock";

  private final LockFile lock;

  private TreeLock(LockFile lock) {
    this.lock = lock;
  }

  /** For a command that patches the tree ({@code what}: its name, e.g. `ukhook restore`). */
  public static TreeLock exclusive(UnikraftTree tree, String what) {
    return take(tree.root(), what, false);
  }

  /** For a command that builds on the tree: other builds may too, nothing may patch it meanwhile. */
  public static TreeLock shared(UnikraftTree tree, String what) {
    return take(tree.root(), what, true);
  }

  private static TreeLock take(Path root, String what, boolean shared) {
    Path file = root.resolve(FILE);
    return new TreeLock(LockFile.take(file, shared, what).orElseThrow(() -> new UkhookException(Kind.FAILURE,
        "another ukhook is working on the Unikraft tree " + root + ": " + LockFile.holders(file)
            + "; wait for it to finish (or stop it), then run `" + what + "` again; nothing was changed")));
  }

  @Override
  public void close() {
    lock.close();
  }
}
