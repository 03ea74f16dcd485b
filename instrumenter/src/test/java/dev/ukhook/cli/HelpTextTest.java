package dev.ukhook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's --help renders as written: picocli formats descriptions, so a bare % broke `report --help`. */
class HelpTextTest {
  @Test
  void everyCommandsHelpRendersWithoutAWarning() {
    StringWriter help = new StringWriter();
    CommandLine root = Ukhook.commandLine(new PrintWriter(help), new PrintWriter(new StringWriter()));
    List<CommandLine> all = new ArrayList<>();
    collect(root, all);
    PrintStream stderr = System.err;
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
    try {
      all.forEach(c -> help.append(c.getUsageMessage()));
    } finally {
      System.setErr(stderr);
    }
    assertEquals("", warnings.toString(StandardCharsets.UTF_8));
    assertTrue(all.size() >= 10, all.size() + " commands");
    assertTrue(help.toString().contains("%CLASS"), help.toString());
    assertTrue(!help.toString().contains("%%"), help.toString());
  }

  private static void collect(CommandLine c, List<CommandLine> into) {
    into.add(c);
    c.getSubcommands().values().stream().distinct().forEach(s -> collect(s, into));
  }
}
