#!/usr/bin/env bash
# Cost of filtering (docs/policy.md) against tracing alone and against a plain image, in the deterministic unit
# of shared/REFERENCE.md: TSC cycles per operation under QEMU TCG with -icount shift=0 (they repeat exactly).
#
#   bench/filter.sh UNIKRAFT_TREE [ITERATIONS] [OPS]      e.g. bench/filter.sh ~/unikraft 20000 "null read write"
#
# Builds examples/lat-syscall seven ways from one tree: plain (no ukhook), traced, traced with a policy,
# filter-only (--policy --no-trace), filter-only with the policy's sequences (`policy infer --sequences`),
# counted (--mode count) and counted with the policy. The policy is inferred from the traced run itself (`ukhook policy infer`),
# so it allows every call the benchmark makes and refuses none: what is measured is the check. UKHOOK_OPTS
# passes options to `ukhook instrument` (e.g. "--hook-points binary"). Prints a Markdown table on stdout;
# progress goes to stderr.
set -euo pipefail
uk=$(cd "${1:?usage: bench/filter.sh UNIKRAFT_TREE [ITERATIONS] [OPS]}" && pwd)
iters=${2:-20000}
ops=${3:-null read write}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_WORK:-$(mktemp -d /tmp/ukhook-filter-XXXXXX)}
mkdir -p "$work"
app=$work/lat-syscall
rm -rf "$app" && cp -r "$repo/examples/lat-syscall" "$app" && rm -rf "$app/.ukhook"

say() { echo "bench: $*" >&2; }
per_op() { sed -n "s/.*lat-syscall op=$2 .*cycles_per_op=\([0-9.]*\).*/\1/p" "$1" | tail -1; }

say "building the plain image"
plain=$work/plain
mkdir -p "$plain"
make -C "$uk" A="$app" O="$plain/build" C="$plain/config" UK_DEFCONFIG="$app/defconfig" defconfig > "$plain/build.log" 2>&1
make -C "$uk" A="$app" O="$plain/build" C="$plain/config" -j"$(nproc)" >> "$plain/build.log" 2>&1 \
  || { say "plain build failed; see $plain/build.log"; exit 1; }
qemu-system-x86_64 -nodefaults -no-reboot -display none -serial stdio -accel tcg -cpu qemu64 -m 64 \
  -device isa-debug-exit,iobase=0x501,iosize=2 -icount shift=0 -kernel "$plain/build/lat-syscall_qemu-x86_64" \
  -append "-n $iters $ops" > "$work/plain.log" 2>&1 || true

ukhook_variant() { # name instrument-options...
  local name=$1; shift
  say "$name: instrument, build, run with -icount shift=0"
  # shellcheck disable=SC2086 # UKHOOK_OPTS is a list of options
  "$repo/ukhook" instrument --unikraft "$uk" "$app" ${UKHOOK_OPTS:-} "$@" >&2
  "$repo/ukhook" build "$app" >&2
  "$repo/ukhook" run "$app" --icount --timeout 600 -- -n "$iters" $ops > "$work/$name.table" 2> "$work/$name.err" || true
  run=$(ls -d "$app"/.ukhook/runs/* | tail -1)
  cp "$run/console.log" "$work/$name.log"
  grep -h "records (" "$work/$name.err" >&2 || true
}

ukhook_variant trace
traced=$run
"$repo/ukhook" policy infer "$traced" -o "$work/policy.yaml" 2>&1 | grep -v "^ukhook: warning" >&2 || true
"$repo/ukhook" policy infer --sequences "$traced" -o "$work/sequences.yaml" 2>&1 | grep -v "^ukhook: warning" >&2 || true
ukhook_variant policy --policy "$work/policy.yaml"
grep -q "filter: 0 refused (0 killed), 0 logged" "$work/policy.table" \
  || { say "the inferred policy refused or logged calls: see $work/policy.table"; exit 1; }
ukhook_variant filter-only --policy "$work/policy.yaml" --no-trace
ukhook_variant sequences --policy "$work/sequences.yaml" --no-trace
grep -q "filter: 0 refused (0 killed), 0 logged" "$work/sequences.table" \
  || { say "the inferred sequences refused or logged calls: see $work/sequences.table"; exit 1; }
ukhook_variant count --mode count
ukhook_variant count-policy --mode count --policy "$work/policy.yaml"
"$repo/ukhook" restore --unikraft "$uk" >&2

diff() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "n/a"; else printf "%.2f", a - b }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.3fx", a / b }'; }
version=$(sed -n 's/^UK_\(VERSION\|SUBVERSION\|EXTRAVERSION\) = //p' "$uk/version.mk" | paste -sd.)
echo "Unikraft $version ($(git -C "$uk" describe --always --tags 2>/dev/null || echo unknown)), ukhook ${UKHOOK_OPTS:-(defaults)}, $iters iterations, TCG -icount shift=0, QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}')"
echo
echo "| op | plain | traced | traced + policy | filter-only | filter-only + sequences | counted | counted + policy | policy - traced | sequences - filter-only | policy - counted | traced + policy / traced | filter-only / plain | counted / plain | counted + policy / plain |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for op in $ops; do
  p=$(per_op "$work/plain.log" "$op"); t=$(per_op "$work/trace.log" "$op")
  f=$(per_op "$work/policy.log" "$op"); o=$(per_op "$work/filter-only.log" "$op"); q=$(per_op "$work/sequences.log" "$op")
  c=$(per_op "$work/count.log" "$op"); cp=$(per_op "$work/count-policy.log" "$op")
  echo "| $op | $p | $t | $f | $o | $q | $c | $cp | $(diff "$f" "$t") | $(diff "$q" "$o") | $(diff "$cp" "$c") | $(ratio "$f" "$t") | $(ratio "$o" "$p") | $(ratio "$c" "$p") | $(ratio "$cp" "$p") |"
done
say "logs in $work"
