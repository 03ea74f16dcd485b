package dev.ukhook.format;

/**
 * Receives a trace's records in stream order. A {@link Call} handed to {@link #call} is valid only during that
 * call: it may be a view the decoder moves on; keep {@link Call#toRecord()} instead.
 */
public interface CallSink {
  void call(Call c);

  default void load(LoadRecord l) {}

  default void event(EventRecord e) {}

  /** A counting image's snapshot: every counter since boot (the last one holds them all). */
  default void counts(CountSnapshot s) {}
}
