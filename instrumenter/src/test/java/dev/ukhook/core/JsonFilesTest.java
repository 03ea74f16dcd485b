package dev.ukhook.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.core.UkhookException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 18, defect 14: a damaged JSON file is one line, FILE:LINE:COLUMN, what is wrong and what to do. */
class JsonFilesTest {
  static final ObjectMapper STRICT =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  record App(List<String> libraries, String sources) {}

  @TempDir Path dir;

  private String error(String json) throws IOException {
    Path f = Files.writeString(dir.resolve("ukhook.json"), json);
    UkhookException e = assertThrows(UkhookException.class,
        () -> JsonFiles.read(f, "ukhook.json", STRICT, App.class, Kind.USAGE, "fix it"));
    assertEquals(Kind.USAGE, e.kind());
    return e.getMessage().replace(f.toString(), "F");
  }

  @Test
  void eachProblemSaysWhereAndWhatInTheFilesTerms() throws IOException {
    assertEquals("F:2:1: not valid JSON: unexpected end-of-input: expected close marker for Array (opened at "
        + "line 1, column 15); fix it", error("{\"libraries\": [\n"));
    assertEquals("F:1:33: unknown key \"librarys\"; the keys are \"libraries\", \"sources\"; fix it",
        error("{\"sources\": \"x\", \"librarys\": []}"));
    assertEquals("F:1:15: \"libraries\" must be a list; fix it", error("{\"libraries\": \"lib-musl\"}"));
    assertEquals("F:1:1: the file must hold an object; fix it", error("[1, 2]"));
    assertEquals("F:1:1: the file must hold an object; fix it", error("null"));
    assertEquals("F: the file is empty; fix it", error("\n"));
    assertEquals("F:1:13: not valid JSON: unexpected character (':' (code 58)): expected a valid value (JSON "
        + "String, Number, Array, Object or token 'null', 'true' or 'false'); fix it", error("{\"sources\": : 1}"));
  }

  // A file that could not be read at all (a directory, a device, too large) was a usage error without the
  // caller's advice; it is the caller's kind of error, with what to do, like a file that does not parse.
  @Test
  void aFileThatCannotBeReadGetsTheCallersKindAndAdvice() {
    UkhookException e = assertThrows(UkhookException.class,
        () -> JsonFiles.read(dir, "run.json", new ObjectMapper(), List.class, Kind.FAILURE, "trace again"));
    assertEquals(Kind.FAILURE, e.kind());
    assertEquals("cannot read run.json " + dir + ": it is a directory, not a regular file; pass the file itself;"
        + " trace again", e.getMessage());
  }
}
