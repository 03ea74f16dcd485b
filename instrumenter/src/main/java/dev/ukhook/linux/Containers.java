package dev.ukhook.linux;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.startupcheck.IsRunningStartupCheckStrategy;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.DockerStatus;

/**
 * One run of a command in an experiment's container image, started by Testcontainers. The images are local
 * (docker/, built on ukhook-debian:bookworm): nothing is pulled. Testcontainers' reaper and start-up checks need
 * images from a registry, so the launcher turns them off ({@code TESTCONTAINERS_RYUK_DISABLED},
 * {@code TESTCONTAINERS_CHECKS_DISABLE}) and names the local base as its helper image
 * ({@code TESTCONTAINERS_TINYIMAGE_CONTAINER_IMAGE}); Testcontainers reads these from the environment or
 * ~/.testcontainers.properties only. ukhook removes its container itself.
 */
final class Containers {
  private Containers() {}

  /** A started container: {@link #await} its end; closing removes it. */
  interface Run extends AutoCloseable {
    /** Runs {@code sh -c SCRIPT} in the running container, to its end. */
    void exec(String script);

    /** Waits for the command to end; its exit status. */
    int await();

    @Override
    void close();
  }

  /** Whether a Docker engine answers here. */
  static boolean available() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * The id of the local image {@code image}, its first 32 hex digits (a run's image id).
   *
   * @throws UkhookException when Testcontainers is not set up to stay local, no engine answers, or there is no
   *     such image
   */
  static String imageId(String image) {
    if (!"true".equals(System.getenv("TESTCONTAINERS_RYUK_DISABLED"))
        || System.getenv("TESTCONTAINERS_TINYIMAGE_CONTAINER_IMAGE") == null) {
      throw new UkhookException(Kind.ENVIRONMENT, "Testcontainers would pull its reaper and helper images from a "
          + "registry: run ukhook through its launcher (./ukhook), or set TESTCONTAINERS_RYUK_DISABLED=true, "
          + "TESTCONTAINERS_CHECKS_DISABLE=true and TESTCONTAINERS_TINYIMAGE_CONTAINER_IMAGE=ukhook-debian:bookworm");
    }
    if (!available()) {
      throw new UkhookException(Kind.ENVIRONMENT, "no Docker engine answers (is dockerd running? Debian: apt-get "
          + "install docker.io), so the image " + image + " cannot run");
    }
    try {
      return DockerClientFactory.lazyClient().inspectImageCmd(image).exec().getId().replaceFirst("^sha256:", "")
          .substring(0, 32);
    } catch (RuntimeException e) {
      throw new UkhookException(Kind.USAGE, "no image " + image + " here: build it first (docker/README.md)");
    }
  }

  /** Starts {@code command} in the local {@code image}, with {@code dir} at {@code mountedAt} and ptrace allowed. */
  @SuppressWarnings("resource") // closed by Run.close
  static Run start(String image, List<String> command, Path dir, String mountedAt, boolean serves) {
    DockerClient docker = DockerClientFactory.lazyClient();
    GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image))
        .withImagePullPolicy(name -> false)
        .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withCapAdd(Capability.SYS_PTRACE)
            .withSecurityOpts(List.of("seccomp=unconfined")))
        .withFileSystemBind(dir.toString(), mountedAt, BindMode.READ_WRITE)
        .withCommand(command.toArray(String[]::new))
        .withLogConsumer((OutputFrame f) -> {
          if (f.getBytes() != null) {
            (f.getType() == OutputFrame.OutputType.STDERR ? System.err : System.out).write(f.getBytes(), 0,
                f.getBytes().length);
          }
        })
        .withStartupCheckStrategy(serves ? new IsRunningStartupCheckStrategy()
            : new Ended().withTimeout(Duration.ofDays(1)));
    try {
      c.start();
    } catch (RuntimeException e) {
      c.stop();
      throw new UkhookException(Kind.ENVIRONMENT, "cannot run " + image + ": " + e.getMessage());
    }
    return new Run() {
      @Override
      public void exec(String script) {
        try {
          c.execInContainer("sh", "-c", script);
        } catch (java.io.IOException e) {
          throw new UkhookException(Kind.ENVIRONMENT, "cannot run the load in " + image + ": " + e.getMessage());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public int await() {
        while (c.isRunning()) {
          try {
            Thread.sleep(200);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        Long code = docker.inspectContainerCmd(c.getContainerId()).exec().getState().getExitCodeLong();
        return code == null ? -1 : code.intValue();
      }

      @Override
      public void close() {
        c.stop();
      }
    };
  }

  /** Started once the command has ended, whatever its exit status (the program's, not the start's). */
  private static final class Ended extends StartupCheckStrategy {
    @Override
    public StartupStatus checkStartupState(DockerClient docker, String containerId) {
      return DockerStatus.isContainerStopped(getCurrentState(docker, containerId)) ? StartupStatus.SUCCESSFUL
          : StartupStatus.NOT_YET_KNOWN;
    }
  }
}
