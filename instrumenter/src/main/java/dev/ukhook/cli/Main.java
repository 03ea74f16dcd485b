package dev.ukhook.cli;

import java.io.PrintWriter;

public final class Main {
  private Main() {}

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    System.exit(Ukhook.commandLine(out, err).execute(args));
  }
}
