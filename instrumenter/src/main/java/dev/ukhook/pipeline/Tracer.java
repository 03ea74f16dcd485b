package dev.ukhook.pipeline;

import dev.ukhook.core.Tools;
import java.util.ArrayList;
import java.util.List;

/** `ukhook trace`: instrument, build and run in one go. */
public final class Tracer {
  private final Instrumenter instrumenter;
  private final Builder builder;
  private final Runner runner;

  public Tracer(Instrumenter instrumenter, Builder builder, Runner runner) {
    this.instrumenter = instrumenter;
    this.builder = builder;
    this.runner = runner;
  }

  public Runner.Outcome trace(Instrumenter.Options instrument, Builder.Options build, Runner.Options run) {
    // Everything the three steps run, checked before a long build so that one line lists all that is missing.
    List<String> tools = new ArrayList<>(instrumenter.tools());
    tools.addAll(runner.tools(run.qemu()));
    Tools.require(tools.stream().distinct().toList());
    Instrumenter.Result instrumented = instrumenter.instrument(instrument);
    AppSpec app = instrumented.app();
    builder.build(app, build);
    return runner.run(app, run);
  }
}
