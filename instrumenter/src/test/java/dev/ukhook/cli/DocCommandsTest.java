package dev.ukhook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;

/**
 * Every {@code ukhook} command the README, docs/*.md and the examples' READMEs show in a ``` block parses against
 * the real command tree ({@link Ukhook#commandLine}, {@code parseArgs}: nothing runs). A command is a line of a
 * code block that starts with {@code ./ukhook } or {@code ukhook } (after a {@code $ } prompt and environment
 * assignments such as {@code UK_LIBS=~/uk-libs}), with its {@code \} continuations; words are split as sh splits
 * them, a comment after {@code #} is dropped, and {@code $VAR}, {@code ~} and placeholders such as
 * {@code RUN_DIR} stay plain strings. A synopsis is written as {@code usage: ukhook ...}, which is not a command.
 */
class DocCommandsTest {
  /** 47 commands when this test was written: far fewer means the extraction broke, not that the pages are right. */
  private static final int AT_LEAST = 40;

  /** One command shown in a page: where, as written, and its arguments after {@code ukhook}. */
  record Shown(String file, int line, String text, List<String> args) {}

  private static Path repo() {
    return Path.of(System.getenv().getOrDefault("UKHOOK_HOME", "..")).toAbsolutePath().normalize();
  }

  static List<Path> pages() {
    Path root = repo();
    List<Path> pages = new ArrayList<>();
    pages.add(root.resolve("README.md"));
    for (String dir : List.of("docs", "examples")) {
      try (Stream<Path> s = Files.walk(root.resolve(dir), 2)) {
        s.filter(p -> p.getFileName().toString().endsWith(".md")).sorted().forEach(pages::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return pages;
  }

  static List<Shown> shown() {
    List<Shown> all = new ArrayList<>();
    for (Path page : pages()) {
      try {
        all.addAll(commands(repo().relativize(page).toString(), Files.readString(page)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return all;
  }

  /** The ukhook commands in {@code markdown}'s fenced code blocks. */
  static List<Shown> commands(String file, String markdown) {
    List<Shown> found = new ArrayList<>();
    String[] lines = markdown.split("\n", -1);
    boolean inBlock = false;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.strip().startsWith("```")) {
        inBlock = !inBlock;
        continue;
      }
      if (!inBlock) {
        continue;
      }
      int first = i;
      StringBuilder logical = new StringBuilder(line.strip());
      while (continues(logical) && i + 1 < lines.length && !lines[i + 1].strip().startsWith("```")) {
        if (logical.charAt(logical.length() - 1) == '\\') {
          logical.setLength(logical.length() - 1);
        }
        logical.append(' ').append(lines[++i].strip());
      }
      String command = logical.toString();
      if (command.startsWith("$ ")) {
        command = command.substring(2);
      }
      String text = command.replaceAll("\\s+", " ");
      List<String> segment = new ArrayList<>();
      for (String word : words(command)) {
        if (OPERATORS.contains(word)) {
          add(found, file, first + 1, text, segment);
          segment = new ArrayList<>();
        } else {
          segment.add(word);
        }
      }
      add(found, file, first + 1, text, segment);
    }
    return found;
  }

  /** Unquoted control operators, as {@link #words} gives them: each ends one command and may begin another. */
  private static final List<String> OPERATORS = List.of("&&", "||", ";", "|", "&");

  private static void add(List<Shown> found, String file, int line, String text, List<String> words) {
    List<String> w = new ArrayList<>(words);
    while (!w.isEmpty() && w.get(0).matches("[A-Za-z_][A-Za-z0-9_]*=.*")) {
      w.remove(0);
    }
    if (!w.isEmpty() && (w.get(0).equals("ukhook") || w.get(0).equals("./ukhook"))) {
      found.add(new Shown(file, line, text, List.copyOf(w.subList(1, w.size()))));
    }
  }

  /**
   * A line that sh continues: an odd number of backslashes at its end, or, in a command, an operator that needs
   * more (an output line ending in a table's {@code |} does not).
   */
  private static boolean continues(CharSequence s) {
    int backslashes = 0;
    for (int i = s.length() - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
      backslashes++;
    }
    String t = s.toString();
    return backslashes % 2 == 1
        || t.contains("ukhook ") && (t.endsWith("&&") || t.endsWith("||") || t.endsWith("|"));
  }

  /**
   * A command line's words as sh splits them: quotes removed, a backslash escapes the next character, an unquoted
   * {@code #} at a word's start begins a comment; the control operators {@code && || | ; &} are words of their
   * own; redirections ({@code > FILE}, {@code 2>&1}) are dropped. Nothing is expanded.
   */
  static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    List<Boolean> quoted = new ArrayList<>();
    StringBuilder w = null;
    boolean wasQuoted = false;
    int n = line.length();
    for (int i = 0; i < n; i++) {
      char c = line.charAt(i);
      if (c == '\'') {
        int end = line.indexOf('\'', i + 1);
        end = end < 0 ? n : end;
        w = w == null ? new StringBuilder() : w;
        w.append(line, i + 1, end);
        wasQuoted = true;
        i = end;
      } else if (c == '"') {
        w = w == null ? new StringBuilder() : w;
        wasQuoted = true;
        for (i++; i < n && line.charAt(i) != '"'; i++) {
          char d = line.charAt(i);
          if (d == '\\' && i + 1 < n && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
            d = line.charAt(++i);
          }
          w.append(d);
        }
      } else if (c == '\\' && i + 1 < n) {
        w = w == null ? new StringBuilder() : w;
        w.append(line.charAt(++i));
      } else if (Character.isWhitespace(c)) {
        if (w != null) {
          words.add(w.toString());
          quoted.add(wasQuoted);
          w = null;
          wasQuoted = false;
        }
      } else if (w == null && c == '#') {
        break;
      } else if ((c == '|' || c == ';' || c == '&') && !(c == '&' && w != null && w.toString().matches("[0-9]*>"))) {
        if (w != null) {
          words.add(w.toString());
          quoted.add(wasQuoted);
          w = null;
          wasQuoted = false;
        }
        boolean twice = c != ';' && i + 1 < n && line.charAt(i + 1) == c;
        words.add(twice ? "" + c + c : "" + c);
        quoted.add(false);
        i += twice ? 1 : 0;
      } else {
        w = w == null ? new StringBuilder() : w;
        w.append(c);
      }
    }
    if (w != null) {
      words.add(w.toString());
      quoted.add(wasQuoted);
    }
    List<String> kept = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      String word = words.get(i);
      if (!quoted.get(i) && word.matches("[0-9]*(>>?|<)(&[0-9]+)?")) {
        i += word.contains("&") ? 0 : 1; // `> FILE`: the target is the next word
      } else if (!quoted.get(i) && word.matches("[0-9]*(>>?|<)[^(].*")) {
        continue; // `>FILE`, `2>&1`
      } else {
        kept.add(word);
      }
    }
    return kept;
  }

  @Test
  void wordsAreSplitAsShSplitsThem() {
    assertEquals(List.of("ukhook", "trace", "APP", "--load", "a -b 'c'", "--", "--save", ""),
        words("ukhook trace APP --load \"a -b 'c'\" -- --save '' # a comment"));
    assertEquals(List.of("ukhook", "report", "$RUN", "--format", "csv", "|", "head", "&&", "x", ";"),
        words("ukhook report $RUN --format csv > calls.csv 2>&1 | head&&x; # done"));
    List<Shown> found = commands("x.md", String.join("\n", "text ukhook run X", "```sh",
        "UK_LIBS=~/uk-libs ./ukhook trace APP --unikraft ~/unikraft \\", "    -M 256   # memory",
        "$ ukhook diff A B", "ukhook: an error line", "ukhook build APP &&", "  ukhook run APP -- -n 5 # x", "usage: ukhook report RUN_DIR [--calls]", "```"));
    assertEquals(List.of(new Shown("x.md", 3, "UK_LIBS=~/uk-libs ./ukhook trace APP --unikraft ~/unikraft "
        + "-M 256 # memory", List.of("trace", "APP", "--unikraft", "~/unikraft", "-M", "256")),
        new Shown("x.md", 5, "ukhook diff A B", List.of("diff", "A", "B")),
        new Shown("x.md", 7, "ukhook build APP && ukhook run APP -- -n 5 # x", List.of("build", "APP")),
        new Shown("x.md", 7, "ukhook build APP && ukhook run APP -- -n 5 # x",
            List.of("run", "APP", "--", "-n", "5"))), found);
  }

  @Test
  void thePagesShowEnoughCommandsForTheCheckToMeanSomething() {
    List<Shown> all = shown();
    assertTrue(all.size() >= AT_LEAST, "found only " + all.size() + " ukhook commands in " + pages().size()
        + " pages, expected at least " + AT_LEAST + ": " + all);
    assertTrue(all.stream().anyMatch(s -> s.file().equals("README.md")
        && s.args().equals(List.of("trace", "examples/syscall-mix", "--unikraft", "~/unikraft"))),
        "README.md no longer shows `./ukhook trace examples/syscall-mix --unikraft ~/unikraft`");
  }

  @TestFactory
  Stream<DynamicTest> everyShownCommandParses() {
    return shown().stream().map(s -> DynamicTest.dynamicTest(s.file() + ":" + s.line() + " " + s.text(), () -> {
      StringWriter sink = new StringWriter();
      CommandLine cl = Ukhook.commandLine(new PrintWriter(sink), new PrintWriter(sink));
      try {
        cl.parseArgs(s.args().toArray(String[]::new));
      } catch (CommandLine.ParameterException e) {
        fail(s.file() + ":" + s.line() + ": `" + s.text() + "` does not parse: " + e.getMessage());
      }
    }));
  }
}
