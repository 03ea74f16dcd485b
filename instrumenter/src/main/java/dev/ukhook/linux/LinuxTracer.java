package dev.ukhook.linux;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.Tools;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.format.RunDir;
import dev.ukhook.format.RunJson;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Runs a Linux program under strace ({@code -f -k -ttt -T}: every thread and child, each call's stack with the
 * object and function of every frame, its entry time and duration) into a run directory: strace's log and a
 * run.json that names the program, its hash as the run's image id, and the transparent objects.
 */
public final class LinuxTracer {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  /**
   * What the run did.
   *
   * @param runDir where its files are
   * @param exitCode the program's exit status, as strace passes it on (128 + N for a signal)
   */
  public record Result(Path runDir, int exitCode) {}

  private LinuxTracer() {}

  /** The strace command line that traces {@code command} into {@code log}. */
  static List<String> straceCommand(Path log, List<String> command) {
    List<String> c = new ArrayList<>(List.of(Tools.STRACE, "-f", "-k", "-ttt", "-T", "-qq", "-o", log.toString(),
        "--"));
    c.addAll(command);
    return c;
  }

  /**
   * Traces {@code command} into a new directory under {@code runs}; the program's input and output are this one's.
   * With a {@code load} (a server's), {@code sh -c LOAD} runs beside it (its output in the run's load.log, it waits
   * for the server itself), and when it ends the program gets SIGTERM.
   */
  public static Result trace(List<String> command, String load, Path runs, Set<String> transparent)
      throws InterruptedException {
    if (command.isEmpty()) {
      throw new UkhookException(Kind.USAGE, "name the program to trace: ukhook linux -- CMD [ARGS...]");
    }
    Tools.require(List.of(Tools.STRACE));
    Path program = resolve(command.get(0));
    Path runDir = newRunDir(runs);
    writeRunJson(runDir, program.toString(), imageId(program), transparent, command);
    Path log = runDir.resolve(RunDir.STRACE_LOG);
    Process p;
    try {
      p = new ProcessBuilder(straceCommand(log, command)).inheritIO().start();
    } catch (IOException e) {
      throw new UkhookException(Kind.ENVIRONMENT, "cannot run strace: " + e.getMessage());
    }
    if (load != null) {
      try {
        runLoad(new ProcessBuilder("sh", "-c", load), runDir);
      } finally {
        p.descendants().forEach(ProcessHandle::destroy); // SIGTERM to the program and its children; strace follows
      }
    }
    int exit = p.waitFor();
    requireLog(runDir, command, exit);
    return new Result(runDir, exit);
  }

  /** Runs a load to its end, its output appended to the run's load.log. */
  private static void runLoad(ProcessBuilder load, Path runDir) throws InterruptedException {
    Path log = runDir.resolve(RunDir.LOAD_LOG);
    try {
      Process l = load.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      l.waitFor();
    } catch (IOException e) {
      throw new UkhookException(Kind.ENVIRONMENT, "cannot run the load: " + e.getMessage());
    }
  }

  /** Where the run directory is mounted in an experiment's container. */
  static final String IN_CONTAINER = "/ukhook-run";

  /**
   * Traces {@code command} inside a container of {@code image} (docker/'s experiment images carry strace), started
   * by Testcontainers with ptrace allowed, the run directory mounted; the program's output is shown as it comes.
   */
  public static Result traceInImage(String image, List<String> command, String load, Path runs,
      Set<String> transparent) {
    if (command.isEmpty()) {
      throw new UkhookException(Kind.USAGE, "name the program to trace: ukhook linux --image IMAGE -- CMD [ARGS...]");
    }
    String imageId = Containers.imageId(image);
    Path runDir = newRunDir(runs).toAbsolutePath();
    writeRunJson(runDir, image + ":" + command.get(0), imageId, transparent, command);
    try (Containers.Run c = Containers.start(image, straceCommand(Path.of(IN_CONTAINER, RunDir.STRACE_LOG), command),
        runDir, IN_CONTAINER, load != null)) {
      if (load != null) {
        // In the container, beside the server; then SIGTERM to all but strace (its pid 1) and the shell itself.
        c.exec("sh -c " + quote(load) + " >> " + IN_CONTAINER + "/" + RunDir.LOAD_LOG + " 2>&1; kill -TERM -1");
      }
      int exit = c.await();
      requireLog(runDir, command, exit);
      return new Result(runDir, exit);
    }
  }

  /** A Linux run's run.json: what ran (a file, or IMAGE:PROGRAM), its id, the objects looked through, the command. */
  private static void writeRunJson(Path runDir, String image, String imageId, Set<String> transparent,
      List<String> command) {
    TextFiles.write(new RunDir(runDir).runJson(), new RunJson(image, imageId, null, null, null, false,
        List.copyOf(transparent), RunJson.STRACE, null, null, null, null, null, List.of(), null, null,
        List.copyOf(command)).toJson());
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static void requireLog(Path runDir, List<String> command, int exit) {
    Path log = runDir.resolve(RunDir.STRACE_LOG);
    try {
      if (!Files.exists(log) || Files.size(log) == 0) {
        throw new UkhookException(Kind.ENVIRONMENT, "strace traced nothing of `" + String.join(" ", command)
            + "` (exit " + exit + "; its message is above): it needs ptrace, which a container gives only with "
            + "--cap-add SYS_PTRACE, and a kernel.yama.ptrace_scope that allows it");
      }
    } catch (IOException e) {
      throw new UkhookException(Kind.FAILURE, "cannot read " + log + ": " + e.getMessage());
    }
  }

  /** The program's file: a path as given, or the first executable of that name on PATH. */
  static Path resolve(String program) {
    if (program.contains("/")) {
      Path p = Path.of(program).toAbsolutePath().normalize();
      if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
        throw new UkhookException(Kind.USAGE, program + " is not an executable file");
      }
      return p;
    }
    for (String dir : Tools.path().split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p.toAbsolutePath().normalize();
      }
    }
    throw new UkhookException(Kind.USAGE, program + " is not on PATH; give its path");
  }

  /** The first 16 bytes of the SHA-256 of the program's file: the same binary, the same id. */
  static String imageId(Path program) {
    try (InputStream in = Files.newInputStream(program)) {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        d.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(d.digest(), 0, 16);
    } catch (IOException e) {
      throw new UkhookException(Kind.USAGE, "cannot read " + program + ": " + e.getMessage());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** runs/<time>, or runs/<time>-N when that exists already. */
  private static Path newRunDir(Path runs) {
    return TextFiles.newPrivateDir(runs, LocalDateTime.now().format(STAMP));
  }
}
