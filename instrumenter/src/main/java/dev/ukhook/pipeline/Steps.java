package dev.ukhook.pipeline;

import java.time.Clock;

/** The pipeline steps wired to one set of collaborators: the real ones for the CLI, fakes in tests. */
public record Steps(Make make, QemuLauncher qemu, Clock clock, Output out) {
  public static Steps real(Output out) {
    return new Steps(Make.real(out), QemuLauncher.real(out), Clock.systemDefaultZone(), out);
  }

  /** The same steps with another make. */
  public Steps withMake(Make other) {
    return new Steps(other, qemu, clock, out);
  }

  public Instrumenter instrumenter() {
    return new Instrumenter(make, out);
  }

  public Builder builder() {
    return new Builder(make, out);
  }

  public Runner runner() {
    return new Runner(qemu, clock, out);
  }

  public Tracer tracer() {
    return new Tracer(instrumenter(), builder(), runner());
  }
}
