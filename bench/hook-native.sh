#!/usr/bin/env bash
# Host-native microbenchmark of ukhook's hook path (ukhook_begin/ukhook_end from the generated
# ukhook/stream.h): nanoseconds and TSC cycles per hook without a walk (frames=0) and with a
# frame-pointer walk of depth 4 and 8. See bench/hook-native/hookbench.c for what is simulated.
#
#   bench/hook-native.sh [ITERATIONS]        default 10000000 hooks per repetition
#
# Renders the library from this checkout's templates (bench/hook-native/RenderLibrary.java, default ring 4096
# and batch 512, overflow block), compiles hookbench.c with gcc -O2 -fno-omit-frame-pointer per variant
# and prints a Markdown table on stdout; progress goes to stderr. Targets: <= 10 ns a compact record,
# <= 15 ns with a depth-4 walk.
set -euo pipefail
iters=${1:-10000000}
repo=$(cd "$(dirname "$0")/.." && pwd)
jar=$repo/instrumenter/target/ukhook.jar
work=${BENCH_WORK:-$(mktemp -d /tmp/ukhook-hookbench-XXXXXX)}
cflags=(-O2 -fno-omit-frame-pointer -Wall -Wextra)

say() { echo "bench: $*" >&2; }
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$1"; }

# The launcher builds the jar when it is missing or older than its sources; --version then does nothing.
"$repo/ukhook" --version > /dev/null

# variant name, frames, leaf word is code (0/1), library mode (trace: a compact record, trace-args: --args, count:
# --mode count, count-nolat: --no-latency)
variants=("compact record (the default), one-frame charge:0:0:trace"
          "compact record with the arguments:0:0:trace-args"
          "walk depth 4 and the arguments (format 3's content):4:0:trace-args"
          "walk depth 8 and the arguments:8:0:trace-args"
          "walk depth 4, leaf word is code, arguments:4:1:trace-args" "count mode, one-frame charge:4:0:count"
          "count mode without latency:4:0:count-nolat")
built=()
for v in "${variants[@]}"; do
  IFS=: read -r name frames leaf mode <<< "$v"
  lib=$work/lib-$mode-frames$frames
  if [[ " ${built[*]} " != *" $mode-$frames "* ]]; then
    say "rendering and compiling $mode frames=$frames"
    java -cp "$jar" "$repo/bench/hook-native/RenderLibrary.java" "$lib" "$frames" 4096 512 block "$mode"
    gcc "${cflags[@]}" -I "$lib/include" "$repo/bench/hook-native/hookbench.c" \
      -o "$lib/hookbench"
    built+=("$mode-$frames")
  fi
  say "running $name ($iters iterations x 5)"
  "$lib/hookbench" "$iters" "$leaf" > "$work/out-$mode-$frames-$leaf.txt"
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
echo "Command: \`bench/hook-native.sh $iters\` (gcc ${cflags[*]}; $(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown))"
echo
vm=$(grep -qw hypervisor /proc/cpuinfo && echo ", virtual machine" || true)
echo "Machine: $cpu, $(nproc) CPUs$vm, $(uname -sr); $(gcc --version | head -1)"
echo
echo "Per hook = ukhook_syscall_enter + ukhook_syscall_exit inlined, as in the guest (ukhook/hook.h), minimum of 5"
echo "repetitions of $iters hooks, minus the minimum of 5 baseline loops (same simulated registers, no hook)."
echo "Cycles are TSC reference cycles; tsc_hz calibrated against CLOCK_MONOTONIC over a 50 ms sleep. Not pinned."
echo "\"2 x rdtsc alone\": the baseline loop plus the hook's two timestamp reads and nothing else, baseline subtracted."
echo
echo "| variant | ns/hook | TSC cycles/hook | depth walked | 2 x rdtsc alone, ns | raw ns/iter | baseline ns/iter | tsc_hz | target |"
echo "|---|---|---|---|---|---|---|---|---|"
for v in "${variants[@]}"; do
  IFS=: read -r name frames leaf mode <<< "$v"
  out=$work/out-$mode-$frames-$leaf.txt
  ns=$(field "$out" ns_per_hook)
  case "$mode.$frames.$leaf" in
    trace.0.0) target=10 ;;
    trace-args.4.0) target=15 ;;
    count.4.0|count-nolat.4.0) target=8 ;;
    *) target= ;;
  esac
  verdict=
  [ -n "$target" ] && verdict=$(awk -v a="$ns" -v t="$target" 'BEGIN { print (a <= t) ? "<= " t " ns: met" : "<= " t " ns: MISSED" }')
  echo "| $name (frames=$frames) | $ns | $(field "$out" cycles_per_hook) | $(field "$out" depth) | $(field "$out" rdtsc_pair_ns) | $(field "$out" raw_ns_per_iter) | $(field "$out" baseline_ns_per_iter) | $(field "$out" tsc_hz) | $verdict |"
done
say "raw output in $work"
