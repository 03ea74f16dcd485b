#!/usr/bin/env bash
# Loss and throughput: a burst of binary syscalls (getpid) traced in block mode with the default ring,
# and in drop mode with a deliberately small ring.
#
#   bench/burst.sh UNIKRAFT_TREE [CALLS]        (default 1000000)
#
# Prints a Markdown table: calls made by the guest, records received by the collector, dropped (the
# guest's own count), missing, and records per second reaching the collector over the guest's loop.
set -euo pipefail
uk=$(cd "${1:?usage: bench/burst.sh UNIKRAFT_TREE [CALLS]}" && pwd)
calls=${2:-1000000}
repo=$(cd "$(dirname "$0")/.." && pwd)
app=$repo/examples/lat-syscall

row() { # label, ukhook options...
  local label=$1; shift
  echo "bench: $label" >&2
  "$repo/ukhook" trace "$app" --unikraft "$uk" "$@" --timeout 900 -- -n "$calls" null > /dev/null 2> /tmp/ukhook-burst.err \
    || { cat /tmp/ukhook-burst.err >&2; exit 1; }
  local run results console
  run=$(ls -d "$app"/.ukhook/runs/* | tail -1)
  results=$run/results.json
  console=$run/console.log
  local received dropped missing cycles hz
  received=$(sed -n 's/^  "records": \([0-9]*\),/\1/p' "$results")
  dropped=$(sed -n 's/^  "dropped": \([0-9]*\),/\1/p' "$results")
  missing=$(sed -n 's/^  "missing": \(-\{0,1\}[0-9]*\),/\1/p' "$results")
  hz=$(sed -n 's/^  "ts_hz": \([0-9]*\),/\1/p' "$results")
  cycles=$(sed -n 's/.*op=null .* cycles=\([0-9]*\) .*/\1/p' "$console")
  local rate
  rate=$(awk -v r="$received" -v c="$cycles" -v hz="$hz" 'BEGIN { if (hz > 0 && c > 0) printf "%.0f", r / (c / hz); else print "n/a" }')
  echo "| $label | $calls | $received | $dropped | $missing | $( [ $((received + dropped)) -eq "$calls" ] && echo yes || echo NO ) | $rate |"
}

echo "Unikraft $(sed -n 's/^UK_\(VERSION\|SUBVERSION\|EXTRAVERSION\) = //p' "$uk/version.mk" | paste -sd.), TCG (wall clock), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo
echo "| mode | guest calls | received | dropped (guest count) | missing | received + dropped == calls | records/s to the collector |"
echo "|---|---|---|---|---|---|---|"
row "block, ring 4096" --overflow block
row "drop, ring 32, batch 16" --overflow drop --ring 32 --batch 16
"$repo/ukhook" restore --unikraft "$uk" >&2
