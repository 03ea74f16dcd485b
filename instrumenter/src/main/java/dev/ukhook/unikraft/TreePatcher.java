package dev.ukhook.unikraft;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.unikraft.PatchPlan.FileChange;
import dev.ukhook.unikraft.Profile.HookPoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Patches a Unikraft tree with a profile's hook points and restores it. Planning reads and checks every
 * file (all anchors, all existing blocks) and writes nothing; applying writes every changed file or none:
 * each new text goes to a temporary file beside its target first, then all are renamed into place, and a
 * failed rename puts back the files already renamed.
 */
public final class TreePatcher {
  /** Moves a finished temporary file over its target; a test replaces it to make one rename fail. */
  interface Mover {
    void move(Path from, Path to) throws IOException;
  }

  static final Mover RENAME = (from, to) ->
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

  private TreePatcher() {}

  /**
   * The texts patching the tree with the given hook points of the profile gives. Files of the profile's other
   * hook points that carry blocks go back to their original. Throws, having written nothing, when an anchor
   * is missing or a patched file is damaged.
   */
  public static PatchPlan plan(UnikraftTree tree, Profile profile, Set<String> hookPoints) {
    hookPoints.forEach(profile::hookPoint);
    List<FileChange> files = new ArrayList<>();
    for (String file : profile.files()) {
      List<HookPoint> selected = profile.hookPoints().values().stream()
          .filter(h -> h.file().equals(file) && hookPoints.contains(h.name())).toList();
      Path path = tree.root().resolve(file);
      if (!Files.isRegularFile(path)) {
        if (selected.isEmpty()) {
          continue;
        }
        throw new UkhookException(Kind.FAILURE, path + " does not exist, but hook point " + selected.get(0).name()
            + " of " + profile.source() + " expects it; the tree differs from Unikraft " + profile.name()
            + ", nothing was changed");
      }
      String current = read(path);
      String original = SourcePatcher.restore(current, path.toString(), recovery(tree, file), false).text();
      String patched = selected.isEmpty() ? original
          : SourcePatcher.patch(original, profile, selected, path.toString(), recovery(tree, file));
      if (!selected.isEmpty() || !patched.equals(current)) {
        files.add(new FileChange(path, file, current, original, patched));
      }
    }
    return new PatchPlan(tree, profile, Set.copyOf(hookPoints), List.copyOf(files));
  }

  /** Writes the plan: every changed file or, on any failure, none (the error names the file and the reason). */
  public static void apply(PatchPlan plan) {
    write(plan.files(), RENAME);
  }

  /**
   * Removes ukhook's blocks from every file a hook point of the tree's profile names. Every file is verified
   * before any is written; a damaged one stops it all with one line naming file, line and what is wrong.
   *
   * @param force also remove the (verified) blocks of a file that was edited outside them since it was patched
   */
  public static RestoreResult restore(UnikraftTree tree, boolean force) {
    return restore(tree, Profiles.forVersion(tree.version()), force);
  }

  static RestoreResult restore(UnikraftTree tree, Profile profile, boolean force) {
    List<FileChange> files = new ArrayList<>();
    List<Path> restored = new ArrayList<>();
    List<Path> forced = new ArrayList<>();
    for (String file : profile.files()) {
      Path path = tree.root().resolve(file);
      if (!Files.isRegularFile(path)) {
        continue;
      }
      String current = read(path);
      SourcePatcher.Restored r = SourcePatcher.restore(current, path.toString(), recovery(tree, file), force);
      if (r.blocks() > 0) {
        files.add(new FileChange(path, file, current, r.text(), r.text()));
        (r.differs() ? forced : restored).add(path);
      }
    }
    write(files, RENAME);
    return new RestoreResult(List.copyOf(restored), List.copyOf(forced));
  }

  /** The profile's hook points whose file carries a block of theirs now, in profile order. */
  public static Set<String> patchedHookPoints(UnikraftTree tree, Profile profile) {
    Set<String> patched = new LinkedHashSet<>();
    for (HookPoint h : profile.hookPoints().values()) {
      Path file = tree.root().resolve(h.file());
      if (Files.isRegularFile(file) && read(file).contains(PatchMarkers.BEGIN + " " + h.name() + "/")) {
        patched.add(h.name());
      }
    }
    return patched;
  }

  private static String recovery(UnikraftTree tree, String file) {
    return "`git -C " + tree.root() + " checkout -- " + file + "` restores Unikraft's original";
  }

  /** All-or-nothing: temporary files for every new text and every old one first, then the renames. */
  static void write(List<FileChange> files, Mover mover) {
    List<FileChange> todo = files.stream().filter(FileChange::changes).toList();
    for (FileChange f : todo) {
      requireReplaceable(f.path());
      if (!read(f.path()).equals(f.current())) {
        throw new UkhookException(Kind.FAILURE, f.path() + " changed while ukhook was working on it; nothing was "
            + "changed, run the command again");
      }
    }
    List<Path> fresh = new ArrayList<>();
    List<Path> backup = new ArrayList<>();
    int renamed = 0;
    Path at = null;
    try {
      for (FileChange f : todo) {
        at = f.path();
        fresh.add(temporary(f.path(), f.patched()));
        backup.add(temporary(f.path(), f.current()));
      }
      for (FileChange f : todo) {
        at = f.path();
        mover.move(fresh.get(renamed), f.path());
        renamed++;
      }
    } catch (IOException e) {
      for (int i = 0; i < renamed; i++) {
        try {
          mover.move(backup.get(i), todo.get(i).path());
        } catch (IOException again) {
          throw new UkhookException(Kind.FAILURE, "cannot write " + at + " (" + TextFiles.reason(e) + "), and cannot put back "
              + todo.get(i).path() + " (" + TextFiles.reason(again) + "): it is still patched; `git -C "
              + todo.get(i).path().getParent() + " checkout -- " + todo.get(i).path().getFileName()
              + "` restores Unikraft's original", again);
        }
      }
      throw new UkhookException(Kind.FAILURE, "cannot write " + at + ": " + TextFiles.reason(e) + "; none of the files was changed", e);
    } finally {
      fresh.forEach(TextFiles::deleteQuietly);
      backup.forEach(TextFiles::deleteQuietly);
    }
  }

  /**
   * Fails, naming the file, unless its mode lets its owner write it. The file is replaced by a rename in its
   * directory, which needs no write permission on the file itself (and root needs none at all), so without this
   * a read-only file (say a root-owned 0444 process.c in a directory the user may write) would be replaced.
   */
  public static void requireReplaceable(Path file) {
    PosixFileAttributes a;
    try {
      a = Files.readAttributes(file, PosixFileAttributes.class);
    } catch (UnsupportedOperationException notPosix) {
      return;
    } catch (IOException e) {
      throw new UkhookException(Kind.FAILURE, "cannot read " + file + ": " + TextFiles.reason(e)
          + "; nothing was changed", e);
    }
    if (!a.permissions().contains(PosixFilePermission.OWNER_WRITE)) {
      throw new UkhookException(Kind.FAILURE, file + " is read-only (mode "
          + PosixFilePermissions.toString(a.permissions()) + ", owner " + a.owner().getName() + "), and ukhook "
          + "patches and restores it by replacing it: make it writable (chmod u+w) as its owner, or use a copy of "
          + "the tree you own; nothing was changed");
    }
  }

  /** A file beside {@code target} holding {@code text}, with the target's mode, owner and group. */
  private static Path temporary(Path target, String text) throws IOException {
    Path tmp = Files.createTempFile(target.getParent(), ".ukhook-", ".tmp");
    Files.write(tmp, text.getBytes(StandardCharsets.ISO_8859_1));
    PosixFileAttributeView posix = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
    if (posix != null) {
      PosixFileAttributes was = Files.readAttributes(target, PosixFileAttributes.class);
      try {
        if (!posix.readAttributes().owner().equals(was.owner())) {
          posix.setOwner(was.owner());
        }
        if (!posix.readAttributes().group().equals(was.group())) {
          posix.setGroup(was.group());
        }
      } catch (IOException e) {
        TextFiles.deleteQuietly(tmp);
        throw new UkhookException(Kind.FAILURE, target + " belongs to " + was.owner().getName() + ":"
            + was.group().getName() + ", and replacing it would give it to another (" + TextFiles.reason(e)
            + "): run ukhook as its owner; nothing was changed", e);
      }
      posix.setPermissions(was.permissions());
    }
    return tmp;
  }

  /** The file's bytes as ISO-8859-1 characters: every byte maps to one char, so writing back is exact. */
  static String read(Path p) {
    try {
      return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UkhookException(Kind.FAILURE, "cannot read " + p + ": " + TextFiles.reason(e) + "; nothing was changed", e);
    }
  }

}
