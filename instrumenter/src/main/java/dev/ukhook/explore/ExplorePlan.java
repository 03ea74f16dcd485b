package dev.ukhook.explore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.attribution.Attribution;
import dev.ukhook.format.SyscallNames;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * An exploration's runs (docs/explore.md): for each (library, syscall) pair its baseline run made, the app run again
 * with that library's calls of it failed with ENOSYS, with the call's likely errno, and faked (0 returned) where a
 * 0 is a result a caller can take. The plan is a file of JSON lines: a header with the explore command's own
 * arguments and the baseline run, then one job per line, addressed by its index, so that any scheduler can run
 * them anywhere (`ukhook explore --job N FILE`).
 *
 * @param app the application directory, absolute
 * @param args the `ukhook explore` arguments a job is run with (the run options, --expect)
 * @param baseline the baseline run's directory
 * @param calls the baseline's calls, library -> syscall -> count (a merge needs no more of it)
 */
public record ExplorePlan(String app, List<String> args, String baseline,
    SortedMap<String, SortedMap<String, Long>> calls, List<Job> jobs) {
  /** The first line's format version. */
  public static final int VERSION = 1;

  /** How a job fails its call. */
  public enum How {
    ENOSYS, ERRNO, FAKE;

    String lower() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One run.
   *
   * @param inject the injection rule, `--inject` syntax
   */
  public record Job(int index, String library, String syscall, How how, String inject) {}

  /** The plan's first line. */
  record Header(int ukhookExplore, String app, List<String> args, String baseline,
      SortedMap<String, SortedMap<String, Long>> calls, int jobs) {}

  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
      .disable(SerializationFeature.INDENT_OUTPUT);

  /** Calls no job fails: a program's end, and calls that hand back memory a caller would use at once. */
  static final Set<String> NOT_FAKED = Set.of("mmap", "mremap", "brk", "sbrk");

  public ExplorePlan {
    args = List.copyOf(args);
    jobs = List.copyOf(jobs);
  }

  /**
   * The jobs for the pairs of {@code calls} (library -> syscall -> count, the baseline's table), libraries and
   * syscalls in name order. Calls no library was charged with, and a program's exit, are not explored.
   */
  public static ExplorePlan of(String app, List<String> args, String baseline,
      SortedMap<String, SortedMap<String, Long>> calls) {
    return of(app, args, baseline, calls, Set.of());
  }

  /**
   * Whether a run can fail {@code syscall} of {@code library}: a library's call (the guest charges an injection to
   * one), of a syscall the filter tells apart, that does not end the program.
   */
  public static boolean explorable(String library, String syscall) {
    Integer nr = SyscallNames.byName().get(syscall);
    return !library.equals(Attribution.UNATTRIBUTED_LIBRARY) && nr != null && nr < dev.ukhook.format.PolicyLayout
        .BITMAP_BITS && !SyscallNames.inClass("exit").contains(nr);
  }

  /** The plan for the pairs of {@code libraries} only (all when empty); the baseline's calls are kept whole. */
  public static ExplorePlan of(String app, List<String> args, String baseline,
      SortedMap<String, SortedMap<String, Long>> calls, Set<String> libraries) {
    List<Job> jobs = new ArrayList<>();
    calls.forEach((lib, syscalls) -> {
      if (!libraries.isEmpty() && !libraries.contains(lib)) {
        return;
      }
      syscalls.keySet().forEach(s -> {
        if (!explorable(lib, s)) {
          return;
        }
        String likely = likelyErrno(s);
        add(jobs, lib, s, How.ENOSYS, s + ":error=ENOSYS:lib=" + lib);
        if (!likely.equals("ENOSYS")) {
          add(jobs, lib, s, How.ERRNO, s + ":error=" + likely + ":lib=" + lib);
        }
        if (!NOT_FAKED.contains(s)) {
          add(jobs, lib, s, How.FAKE, s + ":retval=0:lib=" + lib);
        }
      });
    });
    return new ExplorePlan(app, args, baseline, calls, jobs);
  }

  private static void add(List<Job> jobs, String lib, String syscall, How how, String inject) {
    jobs.add(new Job(jobs.size(), lib, syscall, how, inject));
  }

  /** The errno a call most plausibly fails with in a real system (what a full disk, a missing file... give). */
  static String likelyErrno(String syscall) {
    return switch (syscall) {
      case "open", "openat", "stat", "lstat", "newfstatat", "statx", "access", "faccessat", "readlink", "unlink",
          "unlinkat", "rename", "renameat", "chdir", "execve" -> "ENOENT";
      case "read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "fsync", "fdatasync",
          "sendfile", "close", "recvfrom", "sendto", "recvmsg", "sendmsg" -> "EIO";
      case "ftruncate", "fallocate", "mkdir", "mkdirat" -> "ENOSPC";
      case "mmap", "mremap", "brk", "mprotect", "clone", "clone3" -> "ENOMEM";
      case "socket", "dup", "dup2", "dup3", "pipe", "pipe2", "epoll_create", "epoll_create1", "eventfd2" -> "EMFILE";
      case "bind" -> "EADDRINUSE";
      case "connect" -> "ECONNREFUSED";
      case "accept", "accept4", "getrandom" -> "EAGAIN";
      case "ioctl" -> "ENOTTY";
      case "fcntl", "setsockopt", "getsockopt", "lseek" -> "EINVAL";
      case "nanosleep", "clock_nanosleep", "select", "pselect6", "poll", "ppoll", "epoll_wait", "epoll_pwait",
          "futex" -> "EINTR";
      default -> "ENOSYS";
    };
  }

  /** The plan as JSON lines. */
  public String toJsonLines() {
    StringBuilder sb = new StringBuilder(line(new Header(VERSION, app, args, baseline, calls, jobs.size())));
    jobs.forEach(j -> sb.append(line(Map.of("index", j.index(), "library", j.library(), "syscall", j.syscall(),
        "how", j.how().lower(), "inject", j.inject()))));
    return sb.toString();
  }

  private static String line(Object o) {
    try {
      return JSON.writeValueAsString(o) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads a plan written by {@link #toJsonLines}. */
  public static ExplorePlan read(Path file) {
    List<String> lines = TextFiles.readSmall(file, "exploration plan").lines().filter(l -> !l.isBlank()).toList();
    try {
      Header h = lines.isEmpty() ? null : JSON.readValue(lines.get(0), Header.class);
      if (h == null || h.ukhookExplore() != VERSION || h.args() == null || h.app() == null || h.calls() == null || h.jobs() != lines.size() - 1) {
        throw new UkhookException(Kind.USAGE, file + " is not an exploration plan of this ukhook (version " + VERSION
            + ") or is cut short: make it again with `ukhook explore APP ... --plan " + file + "`");
      }
      List<Job> jobs = new ArrayList<>();
      for (int i = 1; i < lines.size(); i++) {
        Map<?, ?> m = JSON.readValue(lines.get(i), Map.class);
        Job j = new Job(((Number) m.get("index")).intValue(), (String) m.get("library"), (String) m.get("syscall"),
            How.valueOf(((String) m.get("how")).toUpperCase(java.util.Locale.ROOT)), (String) m.get("inject"));
        if (j.index() != i - 1 || j.library() == null || j.syscall() == null || j.inject() == null) {
          throw new UkhookException(Kind.USAGE, file + ":" + (i + 1) + ": not job " + (i - 1) + " of an exploration "
              + "plan; make the plan again");
        }
        jobs.add(j);
      }
      return new ExplorePlan(h.app(), h.args(), h.baseline(), h.calls(), jobs);
    } catch (JsonProcessingException | RuntimeException e) {
      if (e instanceof UkhookException u) {
        throw u;
      }
      throw new UkhookException(Kind.USAGE, file + " is not an exploration plan (" + e.getMessage().lines()
          .findFirst().orElse("") + "): make it again with `ukhook explore APP ... --plan " + file + "`");
    }
  }
}
