package dev.ukhook.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ukhook.core.JsonFiles;
import dev.ukhook.core.UkhookException.Kind;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A run directory's {@code run.json}: how the run was made, written once by the run and read by report, policy
 * infer and policy push. Keys are the components' names in snake case, in this order; a run directory of an older
 * ukhook, or one written by hand, may lack any of them (null, or false).
 *
 * @param image the image that ran
 * @param hooks the hook mode, lower case ({@code filter_only}: the trace holds only the calls the policy refused)
 * @param policy the policy file the image was built with, if it filters
 * @param policySocket where `ukhook policy push` hands the run a policy, if its image filters
 * @param qemu QEMU's command line
 * @param initrd the initrd QEMU got; {@code rootfs}: what it was made of (where `ukhook report` finds programs)
 * @param forwards a server's port forwards; {@code load} and {@code stop}: its load and stop commands
 * @param command a Linux program's command line ({@code ukhook linux}), else null
 */
public record RunJson(String image, String imageId, String unikraft, String unikraftVersion, String accel,
    boolean icount, List<String> transparent, String hooks, String policy, String policySocket, List<String> qemu,
    String initrd, String rootfs, List<String> forwards, String load, String stop, List<String> command) {
  /** What a run directory without run.json says: nothing. */
  public static final RunJson NONE = new RunJson(null, null, null, null, null, false, null, null, null, null, null,
      null, null, null, null, null, null);

  /** The hook mode of a Linux program's run: strace's log in place of a trace ({@code ukhook linux}). */
  public static final String STRACE = "strace";

  /** The hook mode of an image that only filters (HookLibrarySpec.Mode.FILTER_ONLY, lower case). */
  public static final String FILTER_ONLY = "filter_only";

  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(SerializationFeature.INDENT_OUTPUT);

  public static RunJson read(Path file) {
    return JsonFiles.read(file, RunDir.RUN_JSON, JSON, RunJson.class, Kind.FAILURE, "`ukhook trace` wrote it whole,"
        + " so it was changed since: fix it by hand, or trace the app again");
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render run.json", e);
    }
  }

  /** Whether the run is a Linux program's, traced by strace ({@code ukhook linux}). */
  public boolean linux() {
    return STRACE.equals(hooks);
  }

  /** The libraries the run looked through, if it says. */
  public Optional<Set<String>> transparentLibraries() {
    return Optional.ofNullable(transparent).map(LinkedHashSet::new);
  }

}
