package dev.ukhook.report;

import dev.ukhook.core.TextFiles;
import dev.ukhook.format.RunDir;

/** Writes a run directory's results: the per-library table as text and JSON, and the self-contained HTML report. */
public final class RunWriter {
  private RunWriter() {}

  public static void write(RunReport r, RunDir run) {
    TextFiles.write(run.file(RunDir.TABLE), r.table().toText());
    TextFiles.write(run.file(RunDir.RESULTS), r.table().toJson());
    ReportOutput.toFile(run.file(RunDir.HTML), out -> HtmlReport.write(ReportJson.of(r), out));
  }
}
