#!/usr/bin/env bash
# A server under load, side by side: plain, with CONFIG_LIBSYSCALL_SHIM_STRACE, traced by ukhook (block mode),
# traced by ukhook in drop mode with a small ring (to check that drop mode accounts for every record), and counted
# by ukhook in the guest (--mode count).
#
#   UK_LIBS=DIR UKHOOK_SOURCES=DIR bench/servers.sh redis|nginx UNIKRAFT_TREE [REQUESTS|SECONDS]
#
# Builds examples/SERVER four ways from the same tree (lib-musl, lib-lwip and the server's library from $UK_LIBS,
# their origin archives from $UKHOOK_SOURCES), then RUNS (default 5) rounds, each booting the variants in turn
# (paired, alternating runs) under QEMU TCG and driving each from the host through QEMU's user-network forward:
#   redis: redis-benchmark -n REQUESTS -c 10 -t set,get (default 20000 requests per command)
#   nginx: wrk -t1 -c10 -dSECONDS --latency for the static page (default 10 seconds; keep-alive connections)
# ukhook stops its guest with a stop request on the trace port, so that the trace ends with its final record; the
# plain and STRACE guests are killed. With PIN=1 (the default on 2 or more CPUs) the guest side (QEMU, and ukhook
# with it) runs on CPU 1 and the load generator on CPU 0, so that the two do not take turns on one core. With
# COLLECTOR_CPU=0 as well, ukhook itself (the collector) runs on CPU 0 beside the load and only QEMU on CPU 1.
# VARIANTS chooses which of plain, strace, ukhook, ukhook-drop, ukhook-count run and are built (default: all five).
# Prints a Markdown table on stdout: requests/s as the median with the range over the rounds, the ratio to plain as
# the median and range of the paired rounds' ratios, p50 latency (median), and for ukhook the records received,
# dropped and missing of every run; a column only for the variants that ran. Progress goes to stderr.
# Every variant reaches the guest through the same relay: ukhook run relays its --forward itself (ForwardProxy,
# docs/virtio-net-stall.md), and the plain and STRACE guests get `ukhook relay` in front of QEMU's forward, on the
# CPU ukhook runs on, since QEMU's user network alone accepts connections with a backlog of one.
#
#   bench/servers.sh table redis|nginx WORK_DIR
#
# prints the table again from the logs an earlier run left in WORK_DIR (its BENCH_WORK), for the variants (of
# VARIANTS) that have logs there, and RUNS rounds (default: as many as there are).
set -euo pipefail

table_only=""
if [ "${1:-}" = table ]; then
  table_only=1
  shift
fi
server=${1:?usage: bench/servers.sh redis|nginx UNIKRAFT_TREE [REQUESTS|SECONDS]}
if [ -n "$table_only" ]; then
  work=$(cd "${2:?usage: bench/servers.sh table redis|nginx WORK_DIR}" && pwd)
else
  uk=$(cd "${2:?usage: bench/servers.sh redis|nginx UNIKRAFT_TREE [REQUESTS|SECONDS]}" && pwd)
fi
variants=${VARIANTS:-plain strace ukhook ukhook-drop ukhook-count}
for v in $variants; do
  case $v in
    plain|strace|ukhook|ukhook-drop|ukhook-count) ;;
    *) echo "bench: unknown variant $v in VARIANTS (plain, strace, ukhook, ukhook-drop, ukhook-count)" >&2; exit 2 ;;
  esac
done
runs=${RUNS:-5}
stall=${STALL:-120}
repo=$(cd "$(dirname "$0")/.." && pwd)
port=$((20000 + RANDOM % 20000))
case $server in
  redis)
    requests=${3:-20000}
    lib=lib-redis; archive=7.0.11.zip; guest_port=6379; tools="redis-benchmark redis-cli"
    args=(--port 6379 --protected-mode no --save "" --appendonly no)
    cmdline="--port 6379 --protected-mode no --save '' --appendonly no"
    commands="SET GET"
    load_cmd="redis-benchmark -p $port -n $requests -c 10 -t set,get -q"
    ready() { redis-cli -p $port ping 2>/dev/null | grep -q PONG; }
    # "SET: 4914.00 requests per second, p50=1.839 msec" -> field $3 (1 req/s, 2 p50) for command $2 in log $1
    field() { [ -e "$1" ] || return 0; tr '\r' '\n' < "$1" | sed -n "s/^ *$2: \([0-9.]*\) requests per second, p50=\([0-9.]*\) msec.*/\1 \2/p" \
      | tail -1 | cut -d' ' -f"$3"; }
    ;;
  nginx)
    seconds=${3:-10}
    lib=lib-nginx; archive=nginx-1.15.6.tar.gz; guest_port=80; tools="wrk curl"
    args=(-c /nginx/conf/nginx.conf)
    cmdline="${args[*]}"
    commands="GET"
    load_cmd="wrk -t1 -c10 -d${seconds}s --latency http://127.0.0.1:$port/"
    ready() { curl -sf -o /dev/null --max-time 2 http://127.0.0.1:$port/; }
    # wrk: "Requests/sec:   5329.17" and, under "Latency Distribution", "     50%    1.70ms" (also us or s)
    field() { [ -e "$1" ] || return 0; if [ "$3" = 1 ]; then sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$1"
      else sed -n 's/^ *50% *\([0-9.]*\)\(us\|ms\|s\)$/\1 \2/p' "$1" \
        | awk '{ print ($2 == "us") ? $1 / 1000 : ($2 == "s") ? $1 * 1000 : $1 }'; fi; }
    ;;
  *) echo "bench: unknown server $server (redis or nginx)" >&2; exit 2 ;;
esac

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "n/a"; else print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# The median of the numbers on stdin, in printf format $1, and their range: "5020.00 (4890.00-5110.00)".
spread() { sort -g | awk -v f="$1" '{a[NR]=$1} END {if (NR == 0) print "n/a"; else printf f " (%s-%s)\n", (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2, a[1], a[NR]}'; }
# Variant $1's req/s over variant $2's, per paired round (both with a figure) of command $3, with 3 decimals.
ratios() { for i in $(seq "$runs"); do
  awk -v a="$(field "$work/$1.$i.log" "$3" 1)" -v b="$(field "$work/$2.$i.log" "$3" 1)" \
    'BEGIN { if (a != "" && b != "" && b > 0) printf "%.3f\n", a / b }'; done; }
ran() { case " $variants " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# The table of medians from $work's logs ($v.$i.log, and $v.$i.log.err for ukhook), for $variants and $runs
# rounds: a column only for a variant that ran (the ratio only when both plain and ukhook did).
print_table() {
  local head="| command" sep="|" v cmd row last
  for v in plain strace ukhook; do ran $v && head+=" | $v req/s"; done
  ran ukhook && ran plain && head+=" | ukhook / plain"
  ran ukhook-drop && head+=" | ukhook drop req/s"
  ran ukhook-count && head+=" | ukhook count req/s"
  ran ukhook-count && ran plain && head+=" | ukhook count / plain"
  for v in plain strace ukhook; do ran $v && head+=" | $v p50 ms"; done
  for _ in $(seq "$(tr -cd '|' <<< "$head" | wc -c)"); do sep+="---|"; done
  echo "$head |"
  echo "$sep"
  for cmd in $commands; do
    local -A rps=() p50=()
    for v in $variants; do
      rps[$v]=$(for i in $(seq "$runs"); do field "$work/$v.$i.log" $cmd 1; done | spread %.2f)
      p50[$v]=$(for i in $(seq "$runs"); do field "$work/$v.$i.log" $cmd 2; done | median)
    done
    row="| $cmd"
    for v in plain strace ukhook; do ran $v && row+=" | ${rps[$v]}"; done
    ran ukhook && ran plain && row+=" | $(ratios ukhook plain $cmd | spread %.3f)"
    ran ukhook-drop && row+=" | ${rps[ukhook-drop]}"
    ran ukhook-count && row+=" | ${rps[ukhook-count]}"
    ran ukhook-count && ran plain && row+=" | $(ratios ukhook-count plain $cmd | spread %.3f)"
    for v in plain strace ukhook; do ran $v && row+=" | ${p50[$v]}"; done
    echo "$row |"
  done
  echo
  last=${commands##* }
  # A round without a log did not run (an interrupted run): it is neither a figure nor a stall.
  echo "Runs without a figure stalled and count in no median: $(for v in $variants; do for i in $(seq "$runs"); do [ ! -e "$work/$v.$i.log" ] || [ -n "$(field "$work/$v.$i.log" "$last" 1)" ] || printf '%s ' "$v.$i"; done; done)"
  echo
  for v in $variants; do
    [ "${v#ukhook}" = "$v" ] && continue
    echo "$v runs (records received; dropped by the guest; missing):"
    for i in $(seq "$runs"); do
      [ -e "$work/$v.$i.log" ] || continue
      echo "- round $i: $(grep -h "records (" "$work/$v.$i.log.err" | head -1 | sed 's/^ukhook: //; s/ in [^;]*trace.ukt//')$(grep -h "stalled\|still running" "$work/$v.$i.log.err" | head -1 | sed 's/^ukhook: /; /')"
    done
  done
  return 0
}

if [ -n "$table_only" ]; then
  variants=$(for v in $variants; do if [ -e "$work/$v.1.log" ]; then printf '%s ' "$v"; fi; done)
  [ -n "$variants" ] || { echo "bench: no logs of a round in $work (\$variant.1.log)" >&2; exit 1; }
  # As many rounds as the variant that got furthest (an interrupted run leaves the later variants a round short).
  runs=${RUNS:-$(for v in $variants; do find "$work" -maxdepth 1 -name "$v.*.log" | grep -c "/$v\.[0-9]*\.log$"; done \
    | sort -n | tail -1)}
  print_table
  exit 0
fi
: "${UK_LIBS:?set UK_LIBS to the directory with clones of unikraft/lib-musl, lib-lwip and $lib}"
: "${UKHOOK_SOURCES:?set UKHOOK_SOURCES to the directory with musl-1.2.3.tar.gz, UNIKRAFT-2_1_x.zip, $archive}"
for tool in $tools qemu-system-x86_64 cpio; do
  command -v $tool >/dev/null || { echo "bench: $tool is missing" >&2; exit 3; }
done
work=${BENCH_WORK:-$(mktemp -d /tmp/ukhook-$server-XXXXXX)}
mkdir -p "$work"
say() { echo "bench: $*" >&2; }
guest_cpu=(); load_cpu=""
if [ "${PIN:-$([ "$(nproc)" -ge 2 ] && echo 1 || echo 0)}" = 1 ]; then
  guest_cpu=(taskset -c 1); load_cpu="taskset -c 0 "
fi
ukhook_cpu=("${guest_cpu[@]}"); qemu_opt=()
if [ -n "$load_cpu" ] && [ "${COLLECTOR_CPU:-}" = 0 ]; then
  printf '#!/bin/sh\nexec taskset -c 1 qemu-system-x86_64 "$@"\n' > "$work/qemu-cpu1" && chmod +x "$work/qemu-cpu1"
  ukhook_cpu=(taskset -c 0); qemu_opt=(--qemu "$work/qemu-cpu1")
fi

# The app three times: ukhook instruments each copy for itself (block mode, drop mode with a 64-record ring, count).
for a in app app-drop app-count; do
  [ -n "$(ls "$work/$a"/.ukhook/build/*_qemu-x86_64 2>/dev/null)" ] && continue # a BENCH_WORK of an earlier run
  rm -rf "${work:?}/$a" && cp -r "$repo/examples/$server" "$work/$a" && rm -rf "$work/$a/.ukhook"
done
app=$work/app
initrd=(); cpu=qemu64
if [ -d "$app/rootfs" ]; then
  (cd "$app/rootfs" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$work/rootfs.cpio"
  initrd=(-initrd "$work/rootfs.cpio"); cpu=qemu64,+pdpe1gb # the CPU ukhook gives a guest with an initrd
fi
libdir=lib${lib#lib-}

build() { # name extra-kconfig-lines...
  local name=$1; shift
  local dir=$work/$name
  # A BENCH_WORK of an earlier run keeps its images (copying the archives again would unpack them again).
  [ -n "$(ls "$dir"/build/*_qemu-x86_64 2>/dev/null)" ] && { say "$name: reusing $dir/build"; return; }
  mkdir -p "$dir/build/libmusl" "$dir/build/liblwip" "$dir/build/$libdir"
  cp "$UKHOOK_SOURCES/musl-1.2.3.tar.gz" "$dir/build/libmusl/"
  cp "$UKHOOK_SOURCES/UNIKRAFT-2_1_x.zip" "$dir/build/liblwip/"
  cp "$UKHOOK_SOURCES/$archive" "$dir/build/$libdir/"
  { cat "$app/defconfig"; printf '%s\n' "$@"; } > "$dir/defconfig"
  say "building $name"
  local libs=L="$UK_LIBS/lib-musl:$UK_LIBS/lib-lwip:$UK_LIBS/$lib"
  make -C "$uk" A="$app" "$libs" O="$dir/build" C="$dir/config" UK_DEFCONFIG="$dir/defconfig" defconfig \
    > "$dir/build.log" 2>&1
  make -C "$uk" A="$app" "$libs" O="$dir/build" C="$dir/config" -j"$(nproc)" >> "$dir/build.log" 2>&1 \
    || { say "build of $name failed; see $dir/build.log"; exit 1; }
}

# Waits for the guest, then runs the load into $1; a stalled guest (Unikraft's virtio-net receive ring, seen with
# and without ukhook) must not stop the benchmark: the load has a time limit, and a stalled run gives no figure.
load() {
  for _ in $(seq 300); do ready && break; sleep 0.2; done
  timeout "$stall" ${load_cpu:-} sh -c "$load_cmd" > "$1" 2>&1 || true
}

run_plain() { # name log
  local img inner=$((port + 1))
  img=$(ls "$work/$1"/build/*_qemu-x86_64)
  "${ukhook_cpu[@]}" "$repo/ukhook" relay 127.0.0.1:$port $inner 2> "$2.relay" &
  local relay=$!
  "${guest_cpu[@]}" qemu-system-x86_64 -nodefaults -no-reboot -display none -serial file:"$2.console" -accel tcg -cpu $cpu -m 512 \
    -device isa-debug-exit,iobase=0x501,iosize=2 "${initrd[@]}" \
    -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$inner-:$guest_port -device virtio-net-pci,netdev=n0 \
    -kernel "$img" -append "netdev.ip=10.0.2.15/24:10.0.2.2 -- $cmdline" > /dev/null 2>&1 &
  local qemu=$!
  load "$2"
  kill $qemu $relay 2>/dev/null || true
  wait $qemu $relay 2>/dev/null || true
}

run_ukhook() { # app log
  local rootfs=()
  [ -d "$1/rootfs" ] && rootfs=(--initrd "$1/rootfs")
  "${ukhook_cpu[@]}" "$repo/ukhook" run "$1" "${qemu_opt[@]}" -M 512 --timeout $((stall + 120)) --stall 30 --net user \
    --forward 127.0.0.1:$port:$guest_port "${rootfs[@]}" --load "${load_cpu:-}$load_cmd" -- "${args[@]}" \
    > "$2.table" 2> "$2.err" || true
  tr '\r' '\n' < "$(ls -d "$1"/.ukhook/runs/* | tail -1)/load.log" > "$2"
  grep -h "records (" "$2.err" >&2 || true
}

ran plain && build plain "# CONFIG_LIBSYSCALL_SHIM_STRACE is not set"
ran strace && build strace "CONFIG_LIBSYSCALL_SHIM_STRACE=y"
for v in ukhook ukhook-drop ukhook-count; do
  ran $v || continue
  say "instrumenting and building $v"
  case $v in
    ukhook) dir=$app; opts=() ;;
    ukhook-drop) dir=$work/app-drop; opts=(--overflow drop --ring 64 --batch 8) ;;
    ukhook-count) dir=$work/app-count; opts=(--mode count) ;;
  esac
  "$repo/ukhook" instrument --unikraft "$uk" "$dir" --accel tcg "${opts[@]}" >&2
  "$repo/ukhook" build "$dir" >&2
done

for i in $(seq "$runs"); do
  for v in $variants; do
    say "round $i/$runs: $v"
    case $v in
      ukhook) run_ukhook "$app" "$work/$v.$i.log" ;;
      ukhook-drop) run_ukhook "$work/app-drop" "$work/$v.$i.log" ;;
      ukhook-count) run_ukhook "$work/app-count" "$work/$v.$i.log" ;;
      *) run_plain $v "$work/$v.$i.log" ;;
    esac
  done
done
"$repo/ukhook" restore --unikraft "$uk" >&2

version=$(sed -n 's/^UK_\(VERSION\|SUBVERSION\|EXTRAVERSION\) = //p' "$uk/version.mk" | paste -sd.)
echo "$server on Unikraft $version ($(git -C "$uk" describe --always --tags 2>/dev/null || echo unknown)), \`$load_cmd\` (port varies), $runs paired rounds, ${load_cpu:+guest on CPU 1 and load on CPU 0, }${qemu_opt:+the collector on CPU 0, }TCG on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}')"
echo
print_table
say "logs in $work"
