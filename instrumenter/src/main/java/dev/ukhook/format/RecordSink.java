package dev.ukhook.format;

import java.util.function.Consumer;

/** A consumer of syscall records that also wants the load and event records, in stream order between them. */
public interface RecordSink extends Consumer<SyscallRecord> {
  void load(LoadRecord l);

  default void event(EventRecord e) {}
}
