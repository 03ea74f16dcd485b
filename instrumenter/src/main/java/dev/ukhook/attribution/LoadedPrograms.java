package dev.ukhook.attribution;

import dev.ukhook.core.Terminal;
import dev.ukhook.core.UkhookException;
import dev.ukhook.elf.CfiCache;
import dev.ukhook.elf.ElfFile;
import dev.ukhook.elf.MappedObject;
import dev.ukhook.elf.StackUnwinder;
import dev.ukhook.elf.SymbolHit;
import dev.ukhook.format.LoadRecord;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The Linux programs app-elfloader ran and the objects they mapped, rebuilt in stream order, and the attribution
 * of their system calls to object and function (docs/elfloader.md):
 *
 * <ul>
 *   <li>a load record places the program (its base is AT_ENTRY minus the file's entry point) and its
 *       interpreter (at AT_BASE, named by the program's PT_INTERP);
 *   <li>a shared object is placed where the program's {@code mmap(NULL, len, ..., fd, 0)} of it returned, the
 *       descriptor being the result of an {@code open}/{@code openat} whose path the record's tail copied;
 *   <li>a call is unwound from its stack snapshot with the objects' CFI and charged to the first frame that is
 *       not transparent: glibc's objects (libc.so.6, the dynamic loader, and in a static program the functions
 *       glibc defines, shown as {@value #STATIC_LIBC}) when the transparent names include {@value #GLIBC} (the
 *       default of an app-elfloader image), and any object named there.
 * </ul>
 *
 * The files come from the rootfs the program ran from; an object whose file is not there is still placed (by
 * the mapping's length) and named, but has no symbols and stops the unwinding.
 */
public final class LoadedPrograms {
  /** The name that makes glibc's objects transparent: libc.so.6, the dynamic loader and {@value #STATIC_LIBC}. */
  public static final String GLIBC = "glibc";
  /** Where glibc's code inside a static program is charged. */
  public static final String STATIC_LIBC = "libc.a";
  /** How many callers the host unwinds at most. */
  static final int MAX_FRAMES = 32;

  /**
   * An object placed in the guest's address space: its file's name, its range, its ELF file when known, and
   * whether it is a static program (glibc linked in).
   */
  public record Placed(String name, String path, long start, long end, Optional<MappedObject> object,
      boolean staticProgram) {}

  private final Function<String, Optional<Path>> rootfs;
  private final Set<String> transparent;
  private final CfiCache cfi = new CfiCache();
  private final List<Placed> placed = new ArrayList<>();
  private final Map<Long, String> fds = new HashMap<>();
  private final List<String> problems = new ArrayList<>();
  private boolean argsMissing;
  private final Set<String> glibcNames = new HashSet<>();
  private final Set<String> reported = new LinkedHashSet<>();
  private StackUnwinder unwinder = new StackUnwinder(List.of());

  /**
   * @param rootfs finds a guest path's file on the host, if the rootfs has it
   * @param transparent object names to look through, {@value #GLIBC} for glibc's
   * @param glibcNames the functions glibc exports (from a libc.so.6): with the names starting with '_', what
   *     counts as glibc inside a static program
   */
  public LoadedPrograms(Function<String, Optional<Path>> rootfs, Set<String> transparent, Set<String> glibcNames) {
    this.rootfs = rootfs;
    this.transparent = Set.copyOf(transparent);
    this.glibcNames.addAll(glibcNames);
  }

  /** What could not be placed, one line each (a file missing from the rootfs, a file that is not ELF). */
  public List<String> problems() {
    return List.copyOf(problems);
  }

  public List<Placed> placed() {
    return List.copyOf(placed);
  }

  /** A program was started: place it and its interpreter. */
  public void load(LoadRecord l) {
    Optional<ElfFile> program = elf(l.execfn());
    if (program.isEmpty()) {
      return;
    }
    ElfFile p = program.get();
    long base = p.type() == ElfFile.Type.EXEC ? 0 : l.entry() - p.entry();
    place(l.execfn(), base + p.spanStart(), base + p.spanEnd(), base, p, p.interpreter().isEmpty());
    if (l.interpBase() != 0 && p.interpreter().isPresent()) {
      String interp = p.interpreter().get();
      elf(interp).ifPresent(i -> place(interp, l.interpBase(), l.interpBase() + i.spanEnd() - i.spanStart(),
          l.interpBase() - i.spanStart(), i, false));
    }
  }

  /**
   * Follows the program's own calls that map objects. Called for every record in stream order, after it was
   * attributed (a mapping only matters to later calls).
   */
  public void observe(SyscallRecord r) {
    if (r.path() != TraceLayout.PATH_BINARY || r.atEntry()) {
      return;
    }
    if (!r.hasArgs()) {
      if (!argsMissing) {
        argsMissing = true;
        problems.add("the trace's records keep no arguments: the objects a loaded program maps (open, then mmap of"
            + " its descriptor) cannot be followed; trace the image with --args (an app-elfloader image's default)");
      }
      return;
    }
    String name = r.name();
    if ((name.equals("open") || name.equals("openat")) && r.ret() >= 0 && r.tail().pathArg() != null) {
      fds.put(r.ret(), r.tail().pathArg());
    } else if (name.equals("close")) {
      fds.remove(r.arg(0));
    } else if (name.equals("mmap") && r.arg(0) == 0 && r.arg(5) == 0 && fds.containsKey(r.arg(4))
        && Long.compareUnsigned(r.ret(), -4096L) < 0) {
      String path = fds.get(r.arg(4));
      if (placed.stream().noneMatch(o -> o.path().equals(path) && o.start() <= r.ret() && r.ret() < o.end())) {
        Optional<ElfFile> elf = elf(path);
        if (elf.isPresent()) {
          ElfFile e = elf.get();
          place(path, r.ret(), r.ret() + e.spanEnd() - e.spanStart(), r.ret() - e.spanStart(), e, false);
        } else {
          placed.add(new Placed(baseName(path), path, r.ret(), r.ret() + r.arg(1), Optional.empty(), false));
        }
      }
    }
  }

  /** Whether {@code address} lies in a placed object. */
  public boolean covers(long address) {
    return at(address).isPresent();
  }

  /**
   * Charges a call made from a placed object: unwinds it when its record has a stack snapshot, and returns the
   * first frame outside the transparent code, or the outermost transparent one.
   */
  public Attribution attribute(SyscallRecord r) {
    List<Long> chain = new ArrayList<>();
    chain.add(r.rip());
    SyscallRecord.Tail t = r.tail();
    if (t.stack() != null) {
      chain.addAll(unwinder.unwind(r.rip(), t.sp(), t.bp(), t.stack(), MAX_FRAMES).callers());
    }
    Attribution outermost = null;
    for (long ra : chain) {
      // A return address may be the first byte after a noreturn call's function: one byte back is the call.
      Optional<Placed> o = at(ra - 1);
      if (o.isEmpty()) {
        break;
      }
      String function = o.get().object().flatMap(m -> m.elf().symbolAt(ra - 1 - m.base()))
          .filter(SymbolHit::contained).map(SymbolHit::name).orElse(null);
      String owner = owner(o.get(), function);
      if (!isTransparent(owner)) {
        return new Attribution(owner, false, function);
      }
      outermost = new Attribution(owner, true, function);
    }
    return outermost != null ? outermost : Attribution.UNATTRIBUTED;
  }

  /** The object a frame is charged to: its file's name, or {@value #STATIC_LIBC} for glibc inside a static program. */
  private String owner(Placed o, String function) {
    if (o.staticProgram() && function != null && (function.startsWith("_") || glibcNames.contains(function))) {
      return STATIC_LIBC;
    }
    return o.name();
  }

  private boolean isTransparent(String owner) {
    return isTransparent(owner, transparent);
  }

  /**
   * Whether attribution looks through the object file {@code owner}: when {@code transparent} names it, or, with
   * {@value #GLIBC} in it, for glibc's own objects (libc.so, ld-linux, libpthread, and libc inside a static program).
   */
  public static boolean isTransparent(String owner, Set<String> transparent) {
    boolean glibc = owner.equals(STATIC_LIBC) || owner.startsWith("libc.so") || owner.startsWith("ld-linux")
        || owner.startsWith("libpthread.so");
    return (glibc && transparent.contains(GLIBC)) || transparent.contains(owner);
  }

  private Optional<Placed> at(long address) {
    for (Placed p : placed) {
      if (Long.compareUnsigned(address, p.start()) >= 0 && Long.compareUnsigned(address, p.end()) < 0) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private void place(String path, long start, long end, long base, ElfFile elf, boolean staticProgram) {
    Path file = rootfs.apply(path).orElseThrow();
    MappedObject m = new MappedObject(base, elf, cfi.get(file));
    placed.add(new Placed(baseName(path), path, start, end, Optional.of(m), staticProgram));
    unwinder = new StackUnwinder(placed.stream().flatMap(p -> p.object().stream()).toList());
  }

  private Optional<ElfFile> elf(String path) {
    Optional<Path> file = rootfs.apply(path);
    if (file.isEmpty()) {
      if (reported.add(path)) {
        problems.add(Terminal.escape(path) + " is not in the rootfs given to the report: its calls cannot be charged to"
            + " functions");
      }
      return Optional.empty();
    }
    try {
      return Optional.of(ElfFile.read(file.get()));
    } catch (UkhookException e) {
      return Optional.empty(); // a data file the program mapped, not code
    }
  }

  private static String baseName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
