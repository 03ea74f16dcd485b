package dev.ukhook.core;

import freemarker.template.Configuration;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Renders the Freemarker templates that the jar carries under {@code templates/}. */
public final class Templates {
  private static final Configuration CONFIG = configuration();

  private Templates() {}

  private static Configuration configuration() {
    Configuration c = new Configuration(Configuration.VERSION_2_3_33);
    c.setClassForTemplateLoading(Templates.class, "/templates");
    c.setDefaultEncoding("UTF-8");
    c.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
    c.setLogTemplateExceptions(false);
    // C code is full of ${...}-free braces but never uses [#...], so keep the angle-bracket syntax.
    c.setNumberFormat("computer");
    return c;
  }

  /** Renders {@code templates/<name>} with the given model. */
  public static String render(String name, Map<String, ?> model) {
    try {
      StringWriter out = new StringWriter();
      CONFIG.getTemplate(name).process(model, out);
      return out.toString();
    } catch (IOException e) {
      throw new UncheckedIOException("template " + name + " is missing from the ukhook jar", e);
    } catch (TemplateException e) {
      throw new IllegalStateException("template " + name + ": " + e.getMessage(), e);
    }
  }

  /** Reads a resource list file (one name a line) that the jar carries, such as an INDEX. */
  public static List<String> index(String resource) {
    return resource("/" + resource).lines()
        .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
  }

  /** The text of a resource the jar carries, at an absolute {@code /path}. */
  public static String resource(String path) {
    try (InputStream in = Templates.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException(path + " is missing from the ukhook jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
