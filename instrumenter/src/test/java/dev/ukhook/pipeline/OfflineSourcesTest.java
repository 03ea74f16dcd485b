package dev.ukhook.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.format.TraceHeader.Overflow;
import dev.ukhook.host.Accel;
import dev.ukhook.host.AccelChoice;
import dev.ukhook.pipeline.Fakes.BufferOutput;
import dev.ukhook.pipeline.Fakes.FakeMake;
import dev.ukhook.pipeline.Fakes.FakeQemu;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Origin archives from a directory instead of downloads, make variables, and what a clean build keeps. */
class OfflineSourcesTest extends AppOnTreeTest {
  final BufferOutput out = new BufferOutput();
  final FakeMake make = new FakeMake();
  final Steps steps = Fakes.steps(out, make, new FakeQemu());

  void instrument() {
    steps.instrumenter().instrument(new Instrumenter.Options(uk, app, List.of(), List.of(),
        new AccelChoice(Accel.TCG, "tcg"), 4, 4096, 512, Overflow.BLOCK));
  }

  @Test
  void unikraftsDownloadIsAnsweredFromTheDirectoryByACopy() throws Exception {
    Path sources = Files.createDirectories(dir.resolve("archives"));
    Files.writeString(sources.resolve("musl-1.2.3.tar.gz"), "the archive");
    instrument();
    steps.builder().build(AppSpec.load(app, List.of()), new Builder.Options(Optional.of(sources), List.of("V=1")));
    List<String> build = make.calls.get(make.calls.size() - 1);
    Path fetch = app.resolve(".ukhook/" + Builder.OFFLINE_FETCH);
    assertTrue(build.contains("WGET=" + fetch), build.toString());
    assertEquals("V=1", build.get(build.size() - 1));

    // As Unikraft's fetch rule calls it: $(WGET) -q --show-progress --progress=bar -O FILE URL
    Path target = Files.createDirectories(dir.resolve("build/libmusl")).resolve("musl-1.2.3.tar.gz");
    Process ok = new ProcessBuilder(fetch.toString(), "-q", "--show-progress", "--progress=bar", "-O",
        target.toString(), "https://www.musl-libc.org/releases/musl-1.2.3.tar.gz").redirectErrorStream(true).start();
    assertEquals(0, ok.waitFor());
    assertEquals("the archive", Files.readString(target));
    assertTrue(Files.exists(sources.resolve("musl-1.2.3.tar.gz")), "the user's archive stays");

    Process missing = new ProcessBuilder(fetch.toString(), "-q", "-O", dir.resolve("x.zip").toString(),
        "https://www.sqlite.org/2022/sqlite-amalgamation-3400100.zip").redirectErrorStream(true).start();
    String said = new String(missing.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, missing.waitFor());
    assertEquals("ukhook: error: origin archive sqlite-amalgamation-3400100.zip is not in " + sources
        + " (Unikraft wants it from https://www.sqlite.org/2022/sqlite-amalgamation-3400100.zip); put it there, "
        + "see docs/offline-sources.md\n", said);
  }

  @Test
  void aMissingDirectoryOrABadVariableIsAUsageErrorBeforeMakeRuns() {
    instrument();
    int calls = make.calls.size();
    UkhookException e = assertThrows(UkhookException.class, () -> steps.builder().build(AppSpec.load(app, List.of()),
        new Builder.Options(Optional.of(dir.resolve("nope")), List.of())));
    assertEquals(Kind.USAGE, e.kind());
    assertTrue(e.getMessage().startsWith("the origin archive directory " + dir.resolve("nope") + " "), e.getMessage());
    assertEquals("--make takes NAME=VALUE (a make variable), not 'oops'",
        assertThrows(UkhookException.class, () -> new Builder.Options(Optional.empty(), List.of("oops"))).getMessage());
    assertEquals(calls, make.calls.size());
  }

  @Test
  void aCleanBuildKeepsOriginArchivesOnly() throws IOException {
    Path build = dir.resolve("build");
    Path archive = Files.createDirectories(build.resolve("libsqlite")).resolve("sqlite-amalgamation-3400100.zip");
    Files.writeString(archive, "zip");
    Files.createDirectories(build.resolve("libsqlite/origin/x"));
    Files.writeString(build.resolve("libsqlite/origin/x/sqlite3.c"), "c");
    Files.writeString(build.resolve("libsqlite/sqlite3.o"), "o");
    Files.writeString(build.resolve("app_qemu-x86_64"), "image");
    Builder.cleanKeepingArchives(build);
    assertTrue(Files.exists(archive));
    assertFalse(Files.exists(build.resolve("libsqlite/origin")));
    assertFalse(Files.exists(build.resolve("libsqlite/sqlite3.o")));
    assertFalse(Files.exists(build.resolve("app_qemu-x86_64")));
  }

  @Test
  void ukhookJsonNamesLibrariesAndSourcesThroughTheEnvironment() throws IOException {
    Path libs = dir.resolve("libs");
    Files.createDirectories(libs.resolve("lib-musl"));
    Files.writeString(libs.resolve("lib-musl/Makefile.uk"), "");
    Files.writeString(app.resolve(AppSpec.FILE),
        "{\"libraries\": [\"$UK_LIBS/lib-musl\"], \"sources\": \"${ARCHIVES}/uk\"}");
    AppSpec spec = AppSpec.load(app, List.of(), Map.of("UK_LIBS", libs.toString(), "ARCHIVES", "/srv"), true);
    assertEquals(List.of(libs.resolve("lib-musl")), spec.libraries());
    assertEquals(Optional.of(Path.of("/srv/uk")), spec.sources());

    // build and run take the libraries from the workspace: an unset UK_LIBS does not matter to them.
    assertEquals(List.of(), AppSpec.load(app, List.of(), Map.of("ARCHIVES", "/srv"), false).libraries());
    UkhookException e = assertThrows(UkhookException.class, () -> AppSpec.load(app, List.of(), Map.of(), true));
    assertEquals(Kind.ENVIRONMENT, e.kind());
    assertEquals(app.resolve(AppSpec.FILE) + " names $UK_LIBS/lib-musl but UK_LIBS is not set: set UK_LIBS to the "
        + "directory that holds your clones of Unikraft's libraries (lib-musl, lib-sqlite, ...), or pass each with "
        + "--lib DIR", e.getMessage());
  }
}
