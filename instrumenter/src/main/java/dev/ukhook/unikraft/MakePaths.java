package dev.ukhook.unikraft;

import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import java.nio.file.Path;

/**
 * What Unikraft's make accepts as a path in A=, L=, O= and C= and as the tree itself: make splits words at
 * whitespace, so a path with a space becomes two (Unikraft then stops with "Path to external library ... is not
 * absolute"), and L= separates libraries with ':'.
 */
public final class MakePaths {
  private MakePaths() {}

  /** Fails with one line unless Unikraft's make can take {@code path}; {@code what} names it for the user. */
  public static void requireUsable(Path path, String what) {
    String p = path.toString();
    String problem = null;
    if (p.chars().anyMatch(Character::isWhitespace)) {
      problem = "contains a space, which Unikraft's make cannot handle (it splits its paths at spaces)";
    } else if (p.indexOf(':') >= 0) {
      problem = "contains ':', which Unikraft's make cannot handle (L= separates libraries with ':')";
    }
    if (problem != null) {
      throw new UkhookException(Kind.USAGE, what + " " + path + " " + problem
          + ": move or link it to a path without one; nothing was changed");
    }
  }
}
