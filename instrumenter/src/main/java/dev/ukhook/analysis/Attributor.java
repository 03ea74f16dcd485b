package dev.ukhook.analysis;

import dev.ukhook.format.LoadRecord;
import dev.ukhook.format.SyscallRecord;
import java.util.Optional;
import java.util.Set;

/**
 * Charges each binary syscall to the innermost microlibrary on its call path that is not transparent.
 * Transparent libraries are the ones that only pass calls through, such as a libc's syscall wrappers: charging
 * every call to them would say nothing about who needed it.
 */
public final class Attributor {
  private final LinkMap map;
  private final Set<String> transparent;
  private final LoadedPrograms programs;

  public Attributor(LinkMap map, Set<String> transparentLibs) {
    this(map, transparentLibs, null);
  }

  /** With {@code programs}: calls made by Linux programs app-elfloader loaded are charged to their objects. */
  public Attributor(LinkMap map, Set<String> transparentLibs, LoadedPrograms programs) {
    this.map = map;
    this.transparent = Set.copyOf(transparentLibs);
    this.programs = programs;
  }

  /** Attributes a record and then lets the loaded programs follow it (a mapping it made counts from the next call). */
  public Attribution attributeAndFollow(SyscallRecord r) {
    Attribution a = attribute(r);
    if (programs != null) {
      programs.observe(r);
    }
    return a;
  }

  /** A program load: its objects are placed (nothing happens without {@link LoadedPrograms}). */
  public void load(LoadRecord l) {
    if (programs != null) {
      programs.load(l);
    }
  }

  /**
   * Looks up {@code rip}, then each frame's return address, innermost first. The first library found that is
   * not transparent wins; if all found are transparent, the outermost of them; if none, {@code <unattributed>}.
   */
  public Attribution attribute(SyscallRecord r) {
    if (programs != null && programs.covers(r.rip() - 1)) {
      return programs.attribute(r);
    }
    String outermostTransparent = null;
    for (int i = -1; i < r.depth(); i++) {
      long returnAddress = i < 0 ? r.rip() : r.frame(i);
      if (returnAddress == 0) {
        continue;
      }
      // Both rip and the frames are return addresses: the instruction after the call or the syscall. When
      // that instruction is the last of a function (a noreturn call, or a `syscall` ending an exit wrapper),
      // the address is the first byte after the function, possibly in the next library; one byte back is
      // always inside the calling instruction.
      Optional<String> library = map.libraryAt(returnAddress - 1);
      if (library.isEmpty()) {
        continue;
      }
      String name = library.get();
      if (!transparent.contains(name)) {
        return new Attribution(name, false);
      }
      outermostTransparent = name;
    }
    if (outermostTransparent == null) {
      return Attribution.UNATTRIBUTED;
    }
    return new Attribution(outermostTransparent, true);
  }

  public Set<String> transparentLibraries() {
    return transparent;
  }
}
