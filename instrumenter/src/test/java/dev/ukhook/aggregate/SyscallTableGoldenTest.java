package dev.ukhook.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.ukhook.attribution.Attributor;
import dev.ukhook.attribution.LinkMap;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.StreamDecoder;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each directory under attrib/golden holds a trace.txt (a map, transparent libraries and records, written out
 * as a binary stream and decoded) and the expected table.txt and table.json. Run with
 * -Dukhook.updateGolden=true to rewrite the expected files after a deliberate change, then review the diff.
 */
class SyscallTableGoldenTest {
  private static final boolean UPDATE = Boolean.getBoolean("ukhook.updateGolden");
  private static final Path SOURCE = Path.of("src/test/resources/attrib/golden");

  @TestFactory
  Stream<DynamicTest> goldenCases() throws IOException, URISyntaxException {
    Path root = Path.of(SyscallTableGoldenTest.class.getResource("/attrib/golden").toURI());
    List<Path> cases;
    try (Stream<Path> dirs = Files.list(root)) {
      cases = dirs.filter(Files::isDirectory).sorted().toList();
    }
    assertFalse(cases.isEmpty(), "no golden cases under " + root);
    return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
  }

  private static void check(Path dir) throws IOException {
    Case c = Case.parse(Files.readAllLines(dir.resolve("trace.txt")));
    LinkMap map;
    try (Reader in = Files.newBufferedReader(dir.resolve("../..").resolve(c.map).normalize())) {
      map = LinkMap.parse(in);
    }
    Analyzer analyzer = Tables.analyzer(new Attributor(map, c.transparent));
    StreamDecoder decoder = StreamDecoder.of(analyzer);
    decoder.feed(ByteBuffer.wrap(c.stream));
    decoder.end();
    SyscallTable table = Tables.table(analyzer, decoder.header().orElseThrow(), decoder.stats());

    String name = dir.getFileName().toString();
    compare(dir, name, "table.txt", table.toText());
    compare(dir, name, "table.json", table.toJson());
  }

  private static void compare(Path dir, String name, String file, String actual) throws IOException {
    if (UPDATE) {
      Files.writeString(SOURCE.resolve(name).resolve(file), actual);
      return;
    }
    assertEquals(Files.readString(dir.resolve(file)), actual, name + "/" + file);
  }

  /** The parsed trace.txt of one case. */
  private record Case(String map, Set<String> transparent, byte[] stream) {
    static Case parse(List<String> lines) throws IOException {
      String map = null;
      Set<String> transparent = Set.of();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      TraceWriter writer = null;
      for (String line : lines) {
        String[] f = line.replaceAll("#.*", "").trim().split("\\s+");
        switch (f[0]) {
          case "" -> {}
          case "map" -> map = f[1];
          case "transparent" -> transparent = Set.of(Arrays.copyOfRange(f, 1, f.length));
          case "header" ->
              writer =
                  new TraceWriter(
                      out,
                      TraceHeader.of(
                          Integer.parseInt(f[1]), Long.parseLong(f[2]), f[3], 1024, TraceHeader.Overflow.DROP));
          case "syscall" -> {
            long[] frames = Arrays.stream(f, 7, f.length).mapToLong(Long::decode).toArray();
            writer.syscall(
                new SyscallRecord(
                    Long.parseLong(f[1]), Long.parseLong(f[4]), Long.parseLong(f[5]), Integer.parseInt(f[2]),
                    Integer.parseInt(f[3]), new long[] {1, 2, 3, 4, 5, 6}, 0, Long.decode(f[6]), frames));
          }
          case "final" ->
              writer.end(
                  new FinalRecord(
                      Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4])));
          default -> throw new IllegalArgumentException("unknown line in trace.txt: " + line);
        }
      }
      return new Case(map, transparent, out.toByteArray());
    }
  }
}
