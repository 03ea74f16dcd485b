package dev.ukhook.core;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.ukhook.core.UkhookException.Kind;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads the small JSON files ukhook keeps or is given (ukhook.json, instrument.json, run.json): each through
 * {@link TextFiles#readSmall}, and a file that is not what it should be is one line, {@code FILE:LINE:COLUMN:
 * what is wrong; what to do}, never the parser's own words about its internals.
 */
public final class JsonFiles {
  private static final ObjectMapper TREE = new ObjectMapper();

  private JsonFiles() {}

  /**
   * The value of {@code type} in {@code file}, read with {@code mapper}.
   *
   * @param what what the file is ("run.json")
   * @param todo what the user should do about a damaged file, the end of the error line
   */
  public static <T> T read(Path file, String what, ObjectMapper mapper, Class<T> type, Kind kind, String todo) {
    String text = nonEmpty(file, what, kind, todo);
    try {
      T value = mapper.readValue(text, type);
      if (value == null) { // the file says null
        throw new UkhookException(kind, file + ":1:1: the file must hold " + kindOf(type) + "; " + todo);
      }
      return value;
    } catch (JsonProcessingException e) {
      throw new UkhookException(kind, problem(file, e) + "; " + todo, e);
    }
  }

  private static String nonEmpty(Path file, String what, Kind kind, String todo) {
    String text;
    try {
      text = TextFiles.readSmall(file, what);
    } catch (UkhookException e) {
      throw new UkhookException(kind, e.getMessage() + "; " + todo, e);
    }
    if (text.isBlank()) {
      throw new UkhookException(kind, file + ": the file is empty; " + todo);
    }
    return text;
  }

  /** {@code FILE:LINE:COLUMN: what is wrong}, in the file's terms. */
  static String problem(Path file, JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    String where = file + (at == null || at.getLineNr() < 1 ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr());
    return where + ": " + what(e);
  }

  private static String what(JsonProcessingException e) {
    if (e instanceof JsonMappingException && e.getCause() instanceof JsonProcessingException syntax) {
      return what(syntax); // the parser's, wrapped while a value was being bound
    }
    if (e instanceof UnrecognizedPropertyException u) {
      Collection<Object> known = u.getKnownPropertyIds();
      return "unknown key \"" + u.getPropertyName() + "\"" + (known == null || known.isEmpty() ? ""
          : "; the keys are " + known.stream().map(k -> "\"" + k + "\"").sorted().collect(Collectors.joining(", ")));
    }
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      return (m.getPath().isEmpty() ? "the file must hold " : "\"" + path(m) + "\" must be ")
          + kindOf(m.getTargetType());
    }
    String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
    // Jackson puts where it was into the message too, with the words "Source: REDACTED": the line says where.
    message = message
        .replaceAll("\\(start marker at \\[Source:[^\\]]*; line: (\\d+), column: (\\d+)\\]\\)",
            "(opened at line $1, column $2)")
        .replaceAll("\\s*\\(?(?:at )?\\[Source:[^\\]]*\\]\\)?", "").lines().findFirst().orElse("").strip();
    String prefix = e instanceof JsonMappingException ? "" : "not valid JSON: ";
    return prefix + (message.isEmpty() ? message : message.substring(0, 1).toLowerCase(Locale.ROOT)
        + message.substring(1));
  }

  private static String path(JsonMappingException m) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : m.getPath()) {
      if (r.getFieldName() != null) {
        sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String kindOf(Class<?> type) {
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a list";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type.isPrimitive() || Number.class.isAssignableFrom(type)) {
      return "a number";
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "an object";
    }
    return "a " + type.getSimpleName();
  }
}
