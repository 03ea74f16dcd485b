package dev.ukhook.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the rendered sample report in headless Chromium (Debian's {@code chromium} package): the DOM it builds
 * holds the chart elements, and a screenshot of the page is not blank. With {@code -Dukhook.screenshot=PATH} the
 * screenshot is also copied to PATH, an absolute path (docs/report-screenshot.png is made that way). Skipped, with the reason, when
 * no Chromium is on PATH.
 */
class HtmlReportChromiumTest {
  private static final long TIMEOUT_SECONDS = 60;
  private static final String[] BINARIES = {"chromium", "chromium-browser", "google-chrome"};

  @TempDir static Path tmp;
  private static Path page;

  @BeforeAll
  static void renderSample() throws IOException {
    page = tmp.resolve("report.html");
    Files.writeString(page, HtmlReport.render(HtmlReportTest.sample()), StandardCharsets.UTF_8);
  }

  @Test
  void domHoldsTheRenderedElements() throws Exception {
    String dom = chromium("dom", "--dump-dom", page.toUri().toString());
    assertTrue(dom.contains("</html>"), "a whole document: " + dom.length() + " characters");
    for (String id : new String[] {"summary", "heatmap", "timeline", "automaton", "latency", "phases", "security"}) {
      assertTrue(dom.contains("id=\"" + id + "\""), id);
    }
    assertEquals(6, HtmlReportTest.count(dom, "class=\"cell\""));
    assertEquals(9, HtmlReportTest.count(dom, "class=\"state\""));
    assertEquals(12, HtmlReportTest.count(dom, "class=\"edge\""));
    assertEquals(1, HtmlReportTest.count(dom, "class=\"phase-boundary\""));
    assertEquals(6, HtmlReportTest.count(dom, "class=\"latency-hist\""));
    // Chromium's serialisation, not our text: it closes the SVG elements we wrote as <x/>.
    assertTrue(dom.contains("</path>") && dom.contains("</circle>"), "parsed by the browser");
  }

  @Test
  void screenshotIsNotBlank() throws Exception {
    Path png = tmp.resolve("report.png");
    chromium("screenshot", "--screenshot=" + png, "--window-size=1280,2400", "--hide-scrollbars",
        page.toUri().toString());
    assertTrue(Files.size(png) > 0, "no screenshot written");
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(1280, img.getWidth());
    Map<Integer, Integer> colours = new HashMap<>();
    long nonWhite = 0, bars = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        colours.merge(rgb, 1, Integer::sum);
        if (rgb != 0xffffff) nonWhite++;
        if (near(rgb, 0x3b82c4) || near(rgb, 0x9cc3e6)) bars++;
      }
    }
    long pixels = (long) img.getWidth() * img.getHeight();
    int background = colours.values().stream().max(Integer::compare).orElse(0);
    System.out.printf("screenshot: %d colours, %.1f %% non-white, %.1f %% not background, %d bar pixels%n",
        colours.size(), 100.0 * nonWhite / pixels, 100.0 * (pixels - background) / pixels, bars);
    assertTrue(colours.size() > 100, "distinct colours: " + colours.size());
    assertTrue(nonWhite > pixels / 20, "non-white pixels: " + nonWhite + " of " + pixels);
    assertTrue(pixels - background > pixels / 10, "pixels not the background colour: " + (pixels - background));
    assertTrue(bars > 1000, "timeline and histogram bars drawn: " + bars);
    String copy = System.getProperty("ukhook.screenshot");
    if (copy != null && !copy.isBlank()) {
      Files.copy(png, Path.of(copy), StandardCopyOption.REPLACE_EXISTING);
      System.out.println("screenshot copied to " + copy);
    }
  }

  private static boolean near(int rgb, int want) {
    for (int shift = 0; shift <= 16; shift += 8) {
      if (Math.abs(((rgb >> shift) & 255) - ((want >> shift) & 255)) > 3) return false;
    }
    return true;
  }

  /** Runs headless Chromium with {@code args}; its standard output, after it exits within the timeout. */
  private static String chromium(String name, String... args) throws IOException, InterruptedException {
    String binary = findBinary();
    Assumptions.assumeTrue(binary != null,
        "no chromium, chromium-browser or google-chrome on PATH: install Debian's 'chromium' package "
            + "(apt-get install chromium) to run this test");
    List<String> command = new ArrayList<>(List.of(binary, "--headless=new", "--no-sandbox", "--disable-gpu",
        "--no-first-run", "--user-data-dir=" + Files.createTempDirectory(tmp, "profile")));
    command.addAll(List.of(args));
    Path out = tmp.resolve(name + ".out"), err = tmp.resolve(name + ".err");
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      boolean exited = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertTrue(exited, "chromium did not exit within " + TIMEOUT_SECONDS + " s: " + Files.readString(err));
      System.out.printf("chromium %s: %d ms%n", name, (System.nanoTime() - t0) / 1_000_000);
      assertEquals(0, p.exitValue(), "chromium failed: " + Files.readString(err));
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    return Files.readString(out);
  }

  private static String findBinary() {
    for (String name : BINARIES) {
      for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) return Path.of(dir, name).toString();
      }
    }
    return null;
  }
}
