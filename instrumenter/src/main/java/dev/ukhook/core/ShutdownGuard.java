package dev.ukhook.core;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What Ctrl-C does while a command runs: stop the work (QEMU, the collector), then give the main thread time
 * to show what arrived before the JVM exits. The main thread closes the guard once it has shown its result.
 */
public final class ShutdownGuard implements AutoCloseable {
  /** How long a Ctrl-C waits for the main thread to show its result. */
  static final Duration REPORT_GRACE = Duration.ofSeconds(20);

  private final Runnable stop;
  private final Duration grace;
  private final CountDownLatch shown = new CountDownLatch(1);
  final Thread hook;

  ShutdownGuard(Runnable stop, Duration grace) {
    this.stop = stop;
    this.grace = grace;
    this.hook = new Thread(this::onShutdown, "ukhook-ctrl-c");
  }

  /** Installs a guard that runs {@code stop} on Ctrl-C (or any JVM shutdown) until it is closed. */
  public static ShutdownGuard install(Runnable stop) {
    ShutdownGuard g = new ShutdownGuard(stop, REPORT_GRACE);
    try {
      Runtime.getRuntime().addShutdownHook(g.hook);
    } catch (IllegalStateException shuttingDown) {
      // A step that begins after a Ctrl-C (explore's next run): it must not start what nothing would stop.
      throw new UkhookException(UkhookException.Kind.FAILURE, "interrupted: ukhook is shutting down (Ctrl-C)");
    }
    return g;
  }

  /** What the shutdown hook does: stop, then wait until the result is shown (or the grace period ends). */
  void onShutdown() {
    stop.run();
    try {
      shown.await(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The result is shown: a Ctrl-C from now on need not wait, and the guard is removed. */
  @Override
  public void close() {
    shown.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // Ctrl-C: the hook is running already, and returns now that the result is shown.
    }
  }
}
