#!/usr/bin/env bash
# Redis under load, side by side: plain, with CONFIG_LIBSYSCALL_SHIM_STRACE, and traced by ukhook.
#
#   UK_LIBS=DIR UKHOOK_SOURCES=DIR bench/redis.sh UNIKRAFT_TREE [REQUESTS]
#
# Builds examples/redis three ways from the same tree (lib-musl, lib-lwip, lib-redis from $UK_LIBS, their origin
# archives from $UKHOOK_SOURCES), then RUNS (default 5) rounds, each booting the three variants in turn
# (paired, alternating runs) under QEMU TCG and driving each with
# `redis-benchmark -n REQUESTS -c 10 -t set,get` (default 20000 requests per command) from the host; Redis
# is stopped with `redis-cli shutdown nosave` so that ukhook's trace ends with its final record. Prints a
# Markdown table of medians on stdout (requests/s and p50 latency per command; for ukhook the records received,
# dropped and missing of every run); progress goes to stderr.
set -euo pipefail

uk=$(cd "${1:?usage: bench/redis.sh UNIKRAFT_TREE [REQUESTS]}" && pwd)
requests=${2:-20000}
runs=${RUNS:-5}
: "${UK_LIBS:?set UK_LIBS to the directory with clones of unikraft/lib-musl, lib-lwip and lib-redis}"
: "${UKHOOK_SOURCES:?set UKHOOK_SOURCES to the directory with musl-1.2.3.tar.gz, UNIKRAFT-2_1_x.zip, 7.0.11.zip}"
for tool in redis-benchmark redis-cli qemu-system-x86_64; do
  command -v $tool >/dev/null || { echo "bench: $tool is missing (Debian: redis-tools, qemu-system-x86)" >&2; exit 3; }
done
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_WORK:-$(mktemp -d /tmp/ukhook-redis-XXXXXX)}
mkdir -p "$work"
app=$work/redis
rm -rf "$app" && cp -r "$repo/examples/redis" "$app" && rm -rf "$app/.ukhook"
libs=L="$UK_LIBS/lib-musl:$UK_LIBS/lib-lwip:$UK_LIBS/lib-redis"
port=$((20000 + RANDOM % 20000))
args=(--port 6379 --protected-mode no --save "''" --appendonly no)
say() { echo "bench: $*" >&2; }

build() { # name extra-kconfig-lines...
  local name=$1; shift
  local dir=$work/$name
  # A BENCH_WORK of an earlier run keeps its images (copying the archives again would unpack them again).
  [ -f "$dir/build/redis_qemu-x86_64" ] && { say "$name: reusing $dir/build"; return; }
  mkdir -p "$dir/build/libmusl" "$dir/build/liblwip" "$dir/build/libredis"
  cp "$UKHOOK_SOURCES/musl-1.2.3.tar.gz" "$dir/build/libmusl/"
  cp "$UKHOOK_SOURCES/UNIKRAFT-2_1_x.zip" "$dir/build/liblwip/"
  cp "$UKHOOK_SOURCES/7.0.11.zip" "$dir/build/libredis/"
  { cat "$app/defconfig"; printf '%s\n' "$@"; } > "$dir/defconfig"
  say "building $name"
  make -C "$uk" A="$app" "$libs" O="$dir/build" C="$dir/config" UK_DEFCONFIG="$dir/defconfig" defconfig > "$dir/build.log" 2>&1
  make -C "$uk" A="$app" "$libs" O="$dir/build" C="$dir/config" -j"$(nproc)" >> "$dir/build.log" 2>&1 \
    || { say "build of $name failed; see $dir/build.log"; exit 1; }
}

# One benchmark against a guest listening on $port; its output goes to $1.
load() {
  for _ in $(seq 300); do
    redis-cli -p $port ping 2>/dev/null | grep -q PONG && break
    sleep 0.2
  done
  # A stalled guest (Unikraft's virtio-net receive ring, seen with and without ukhook) must not stop the
  # benchmark: each command has a time limit, and a stalled run has no summary line, so no figure.
  timeout ${STALL:-120} redis-benchmark -p $port -n "$requests" -c 10 -t set,get -q > "$1" 2>&1 || true
  timeout 10 redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true
}

run_plain() { # name log
  local img=$work/$1/build/redis_qemu-x86_64
  qemu-system-x86_64 -nodefaults -no-reboot -display none -serial file:"$2.console" -accel tcg -cpu qemu64 -m 512 \
    -device isa-debug-exit,iobase=0x501,iosize=2 \
    -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$port-:6379 -device virtio-net-pci,netdev=n0 \
    -kernel "$img" -append "netdev.ip=10.0.2.15/24:10.0.2.2 -- ${args[*]}" > /dev/null 2>&1 &
  local qemu=$!
  load "$2"
  # Without ukhook the unikernel does not halt when Redis exits (lwip's threads keep it up): stop QEMU.
  kill $qemu 2>/dev/null || true
  wait $qemu 2>/dev/null || true
}

run_ukhook() { # log
  "$repo/ukhook" run "$app" -M 512 --timeout $((${STALL:-120} + 60)) --net user --forward 127.0.0.1:$port:6379 \
    --load "redis-benchmark -p $port -n $requests -c 10 -t set,get -q" \
    --stop "redis-cli -p $port shutdown nosave" -- --port 6379 --protected-mode no --save '' --appendonly no \
    > "$1.table" 2> "$1.err" || true
  tr '\r' '\n' < "$(ls -d "$app"/.ukhook/runs/* | tail -1)/load.log" > "$1"
  grep -h "records (" "$1.err" >&2 || true
}

build plain "# CONFIG_LIBSYSCALL_SHIM_STRACE is not set"
build strace "CONFIG_LIBSYSCALL_SHIM_STRACE=y"
say "instrumenting and building ukhook"
"$repo/ukhook" instrument --unikraft "$uk" "$app" --accel tcg >&2
"$repo/ukhook" build "$app" >&2

for i in $(seq "$runs"); do
  for v in plain strace ukhook; do
    say "round $i/$runs: $v"
    if [ $v = ukhook ]; then run_ukhook "$work/$v.$i.log"; else run_plain $v "$work/$v.$i.log"; fi
  done
done
"$repo/ukhook" restore --unikraft "$uk" >&2

# "SET: 4914.00 requests per second, p50=1.839 msec" -> value of field $3 for command $2 in log $1
field() { tr '\r' '\n' < "$1" | sed -n "s/^ *$2: \([0-9.]*\) requests per second, p50=\([0-9.]*\) msec.*/\1 \2/p" | tail -1 | cut -d' ' -f"$3"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "n/a"; else print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.3f", a / b }'; }

version=$(sed -n 's/^UK_\(VERSION\|SUBVERSION\|EXTRAVERSION\) = //p' "$uk/version.mk" | paste -sd.)
echo "Unikraft $version ($(git -C "$uk" describe --always --tags 2>/dev/null || echo unknown)), redis-benchmark -n $requests -c 10 -t set,get, $runs paired rounds, TCG on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}')"
echo
echo "| command | plain req/s | strace req/s | ukhook req/s | ukhook / plain | plain p50 ms | strace p50 ms | ukhook p50 ms |"
echo "|---|---|---|---|---|---|---|---|"
for cmd in SET GET; do
  declare -A rps p50
  for v in plain strace ukhook; do
    rps[$v]=$(for i in $(seq "$runs"); do field "$work/$v.$i.log" $cmd 1; done | median)
    p50[$v]=$(for i in $(seq "$runs"); do field "$work/$v.$i.log" $cmd 2; done | median)
  done
  echo "| $cmd | ${rps[plain]} | ${rps[strace]} | ${rps[ukhook]} | $(ratio "${rps[ukhook]}" "${rps[plain]}") | ${p50[plain]} | ${p50[strace]} | ${p50[ukhook]} |"
done
echo
echo "Runs without a summary line stalled and count in no median: $(for v in plain strace ukhook; do for i in $(seq "$runs"); do [ -n "$(field "$work/$v.$i.log" GET 1)" ] || printf '%s ' "$v.$i"; done; done)"
echo
echo "ukhook's runs (records received; dropped by the guest; missing):"
for i in $(seq "$runs"); do
  echo "- round $i: $(grep -h "records (" "$work/ukhook.$i.log.err" | head -1 | sed 's/^ukhook: //; s/ in [^;]*trace.ukt//')"
done
say "logs in $work"
