package dev.ukhook.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ShutdownGuardTest {
  @Test
  void ctrlCStopsThenWaitsUntilTheResultIsShown() throws Exception {
    AtomicInteger stops = new AtomicInteger();
    ShutdownGuard g = new ShutdownGuard(stops::incrementAndGet, Duration.ofSeconds(20));
    Thread hook = new Thread(g::onShutdown);
    hook.start();
    hook.join(300);
    assertEquals(1, stops.get(), "the work is stopped at once");
    assertTrue(hook.isAlive(), "and the JVM waits for the result to be shown");
    g.close();
    hook.join(5_000);
    assertFalse(hook.isAlive());
  }

  @Test
  void ctrlCWaitsNoLongerThanTheGracePeriod() throws Exception {
    ShutdownGuard g = new ShutdownGuard(() -> {}, Duration.ofMillis(100));
    long start = System.nanoTime();
    g.onShutdown();
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
  }

  @Test
  void closeRemovesTheHook() {
    ShutdownGuard g = ShutdownGuard.install(() -> {});
    g.close();
    assertFalse(Runtime.getRuntime().removeShutdownHook(g.hook), "no hook left registered");
    g.close(); // closing twice is harmless
  }
}
