package dev.ukhook.report;

import dev.ukhook.aggregate.Analysis;
import java.io.IOException;

/**
 * The libraries' call-sequence automata as one Graphviz DOT graph (`dot -Tsvg`): a cluster per library, a node
 * per syscall and the start {@code ^}, an edge per observed 2-gram labelled with its count.
 */
public final class AutomatonDot {
  private AutomatonDot() {}

  public static void write(Analysis a, Appendable out) throws IOException {
    out.append("digraph ukhook {\n  rankdir=LR;\n  node [shape=ellipse, fontname=\"Helvetica\"];\n");
    int i = 0;
    for (Analysis.Sequences s : a.sequences()) {
      String prefix = "l" + i++ + "_";
      out.append("  subgraph cluster_").append(prefix).append(" {\n    label=").append(quote(s.library()))
          .append(";\n");
      for (String state : s.bigrams().stream().flatMap(g -> g.calls().stream()).distinct().sorted().toList()) {
        out.append("    ").append(quote(prefix + state)).append(" [label=").append(quote(state))
            .append(state.equals(Analysis.START) ? ", shape=point, width=0.15" : "").append("];\n");
      }
      for (Analysis.Gram g : s.bigrams()) {
        out.append("    ").append(quote(prefix + g.calls().get(0))).append(" -> ")
            .append(quote(prefix + g.calls().get(1))).append(" [label=\"").append(Long.toString(g.count()))
            .append("\"];\n");
      }
      out.append("  }\n");
    }
    out.append("}\n");
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
