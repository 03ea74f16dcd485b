package dev.ukhook.pipeline;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.host.QemuResult;
import dev.ukhook.host.QemuRunner;
import dev.ukhook.host.QemuSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Boots QEMU: {@link QemuRunner} in the CLI, a fake that plays the guest's part in tests. */
public interface QemuLauncher {
  /**
   * Boots {@code spec} and waits for QEMU to exit. After {@code timeout} (zero: no limit) the guest is sent its
   * stop request by {@code askToStop} (true if sent) and given a grace period to shut down; then QEMU is killed.
   */
  QemuResult run(QemuSpec spec, Duration timeout, BooleanSupplier askToStop);

  /** Stops the boot in progress, or the next one before it starts; from any thread (Ctrl-C). */
  void stop();

  /** The programs {@link #run} needs on PATH to boot with {@code qemu}. */
  List<String> tools(String qemu);

  /** Real QEMU, its guest console shown on {@code out}. */
  static QemuLauncher real(Output out) {
    return new QemuLauncher() {
      private volatile QemuRunner current;
      private volatile boolean stopped;

      @Override
      public QemuResult run(QemuSpec spec, Duration timeout, BooleanSupplier askToStop) {
        QemuRunner runner = new QemuRunner(out.raw(), timeout);
        current = runner;
        if (stopped) {
          runner.stop();
        }
        try {
          return runner.run(spec, askToStop);
        } catch (IOException e) {
          throw new UkhookException(Kind.FAILURE, "running QEMU failed: " + TextFiles.reason(e)
              + "; see " + spec.logFile(), e);
        }
      }

      @Override
      public void stop() {
        stopped = true;
        QemuRunner runner = current;
        if (runner != null) {
          runner.stop();
        }
      }

      @Override
      public List<String> tools(String qemu) {
        return List.of(qemu, QemuRunner.SETSID, QemuRunner.SETPRIV);
      }
    };
  }
}
