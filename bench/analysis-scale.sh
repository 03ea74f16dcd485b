#!/usr/bin/env bash
# The analysis of a long trace: a synthetic trace of RECORDS records (bench module's SyntheticTrace, seed 42,
# 39 libraries, 128-byte records), then `ukhook report` in every output format, each timed (wall seconds and
# peak resident memory) with a Java heap capped at HEAP, so a run that needed memory in proportion to the trace
# would fail here instead of passing slowly.
#
#   bench/analysis-scale.sh [RECORDS] [HEAP] [DIR]      defaults: 10000000 512m /tmp/ukhook-scale
#
# Needs the tool (./ukhook builds it) and the benchmark jar:
#   mvn -q -B -pl bench/collector-jmh -am package -DskipTests
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
records="${1:-10000000}"
heap="${2:-512m}"
dir="${3:-/tmp/ukhook-scale}"
jar="$here/bench/collector-jmh/target/benchmarks.jar"
[ -f "$jar" ] || { echo "analysis-scale: no $jar; build it: mvn -q -B -pl bench/collector-jmh -am package -DskipTests" >&2; exit 3; }
command -v /usr/bin/time >/dev/null || { echo "analysis-scale: needs /usr/bin/time (apt-get install time)" >&2; exit 3; }
"$here/ukhook" --version >/dev/null
mkdir -p "$dir"
if [ ! -f "$dir/trace.ukt" ] || [ "$(stat -c %s "$dir/trace.ukt")" -ne $((64 + (records + 1) * 128)) ]; then
  echo "writing a $records-record trace to $dir ..." >&2
  java -cp "$jar" dev.ukhook.bench.collector.SyntheticTrace "$dir" "$records"
fi
export JAVA_TOOL_OPTIONS="-Xmx$heap"
# --overwrite: a second run writes its outputs over the first's.
src=(--trace "$dir/trace.ukt" --map "$dir/link.map" --transparent libnolibc --transparent libsyscall_shim --overwrite)
printf '%-52s %8s %10s %10s\n' "output" "wall s" "peak MiB" "bytes"
run() {
  local name="$1" out="$2"; shift 2
  local t; t=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$t" "$here/ukhook" report "${src[@]}" "$@" > "$dir/stdout" 2> "$dir/stderr" \
    || { echo "analysis-scale: $name failed:" >&2; cat "$dir/stderr" >&2; exit 1; }
  read -r wall kb < "$t"; rm -f "$t"
  local size; size=$(stat -c %s "${out:-$dir/stdout}")
  printf '%-52s %8s %10d %10d\n' "$name" "$wall" $((kb / 1024)) "$size"
}
run "text (the terminal report)" ""
run "--format json" ""  --format json
run "--format csv (syscalls table)" "" --format csv
run "--format parquet (syscalls table)" "$dir/syscalls.parquet" --format parquet -o "$dir/syscalls.parquet"
run "--html" "$dir/report.html" --html "$dir/report.html"
run "--dot" "$dir/automata.dot" --dot "$dir/automata.dot"
run "--calls (strace-style listing)" "$dir/calls.txt" --calls -o "$dir/calls.txt"
run "--calls --format csv" "$dir/calls.csv" --calls --format csv -o "$dir/calls.csv"
run "--calls --format parquet" "$dir/calls.parquet" --calls --format parquet -o "$dir/calls.parquet"
run "--perfetto" "$dir/perfetto.json" --perfetto "$dir/perfetto.json"
