package dev.ukhook.cli;

import dev.ukhook.pipeline.Instrumenter;
import dev.ukhook.unikraft.RestoreResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "restore", description = "Remove ukhook's patch from a Unikraft tree, restoring its original bytes.")
final class RestoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin CommonOptions.UnikraftOption unikraft;

  @Option(names = "--force", description = "Also remove ukhook's (intact) blocks from a file that was edited "
      + "outside them since it was patched; the file then keeps those edits.")
  boolean force;

  @Override
  public Integer call() {
    Path tree = unikraft.resolve();
    RestoreResult r = Instrumenter.restore(tree, force);
    PrintWriter out = spec.commandLine().getOut();
    r.restored().forEach(f -> out.println("ukhook: restored " + f + " (Unikraft's original bytes)"));
    r.forced().forEach(f -> out.println("ukhook: removed ukhook's blocks from " + f + ", but it differs from the "
        + "file ukhook patched: it was edited since"));
    if (!r.changed()) {
      out.println("ukhook: " + tree + " carries no ukhook patch; nothing to do");
    }
    return ExitCode.OK;
  }
}
