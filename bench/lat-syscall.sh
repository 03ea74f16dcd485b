#!/usr/bin/env bash
# Cost of a system call in Unikraft: plain, with CONFIG_LIBSYSCALL_SHIM_STRACE, and traced by ukhook.
#
#   bench/lat-syscall.sh UNIKRAFT_TREE [ITERATIONS] [OPS]      e.g. bench/lat-syscall.sh ~/unikraft 20000 "null read write open"
#   LIBC=musl UK_LIBS=DIR UKHOOK_SOURCES=DIR bench/lat-syscall.sh UNIKRAFT_TREE [ITERATIONS] [OPS]
#
# Builds examples/lat-syscall three ways from the same tree and runs each under QEMU TCG, once with
# -icount shift=0 (deterministic: TSC cycles per operation repeat exactly) and 5 times without icount
# (wall clock: the median is reported). Prints a Markdown table on stdout; progress goes to stderr.
# With LIBC=musl the image is built on lib-musl ($UK_LIBS/lib-musl, its archive from $UKHOOK_SOURCES) and
# the ops default to the binary ones plus native-null, native-read, native-write and native-open (libc calls,
# which lib-musl makes native system calls). UKHOOK_OPTS passes options to `ukhook instrument`.
# UKHOOK_VARIANTS="NAME=OPTIONS;NAME=OPTIONS..." measures several ukhook images side by side in one run, each
# instrumented with its own OPTIONS (e.g. "trace=--ring 131072;count=--mode count"); the default is one variant,
# "ukhook", with UKHOOK_OPTS.
set -euo pipefail
uk=$(cd "${1:?usage: bench/lat-syscall.sh UNIKRAFT_TREE [ITERATIONS] [OPS]}" && pwd)
iters=${2:-20000}
libc=${LIBC:-nolibc}
ops=${3:-null read write open}
runs=${RUNS:-5}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_WORK:-$(mktemp -d /tmp/ukhook-bench-XXXXXX)}
mkdir -p "$work"
# A copy of the example, so that the repository's stays as it is.
app=$work/lat-syscall
rm -rf "$app" && cp -r "$repo/examples/lat-syscall" "$app" && rm -rf "$app/.ukhook"
libs=()
if [ "$libc" = musl ]; then
  : "${UK_LIBS:?LIBC=musl needs UK_LIBS, the directory with a clone of unikraft/lib-musl}"
  : "${UKHOOK_SOURCES:?LIBC=musl needs UKHOOK_SOURCES, the directory with musl-1.2.3.tar.gz}"
  sed -i 's/^CONFIG_LIBNOLIBC=y/CONFIG_LIBMUSL=y/' "$app/defconfig"
  echo '{ "libraries": ["$UK_LIBS/lib-musl"] }' > "$app/ukhook.json"
  libs=(L="$UK_LIBS/lib-musl")
  [ -n "${3:-}" ] || ops="null read write open native-null native-read native-write native-open"
fi
mem=64
[ "$libc" = musl ] && mem=128
qemu=(qemu-system-x86_64 -nodefaults -no-reboot -display none -serial stdio -accel tcg -cpu qemu64 -m $mem
      -device isa-debug-exit,iobase=0x501,iosize=2)

say() { echo "bench: $*" >&2; }

build() { # name extra-kconfig-lines...
  local name=$1; shift
  local dir=$work/$name
  mkdir -p "$dir"
  { cat "$app/defconfig"; printf '%s\n' "$@"; } > "$dir/defconfig"
  say "building $name"
  if [ "$libc" = musl ]; then
    mkdir -p "$dir/build/libmusl" && cp "$UKHOOK_SOURCES/musl-1.2.3.tar.gz" "$dir/build/libmusl/"
  fi
  make -C "$uk" A="$app" "${libs[@]}" O="$dir/build" C="$dir/config" UK_DEFCONFIG="$dir/defconfig" defconfig > "$dir/build.log" 2>&1
  make -C "$uk" A="$app" "${libs[@]}" O="$dir/build" C="$dir/config" -j"$(nproc)" >> "$dir/build.log" 2>&1 \
    || { say "build of $name failed; see $dir/build.log"; exit 1; }
}

# cycles_per_op for one op from a console log
per_op() { sed -n "s/.*lat-syscall op=$2 .*cycles_per_op=\([0-9.]*\).*/\1/p" "$1" | tail -1; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

run_plain() { # name icount(0/1) log
  local img=$work/$1/build/lat-syscall_qemu-x86_64 extra=()
  [ "$2" = 1 ] && extra=(-icount shift=0)
  "${qemu[@]}" "${extra[@]}" -kernel "$img" -append "-n $iters $ops" > "$3" 2>&1 || true
}

run_ukhook() { # variant icount(0/1) log
  local extra=() dir=$work/app-$1/lat-syscall
  [ "$2" = 1 ] && extra=(--icount)
  "$repo/ukhook" run "$dir" "${extra[@]}" -M $mem --timeout 600 -- -n "$iters" $ops > "$3.table" 2> "$3.err" || true
  cp "$(ls -d "$dir"/.ukhook/runs/* | tail -1)/console.log" "$3"
  grep -h "records (" "$3.err" >&2 || true
}

build plain "# CONFIG_LIBSYSCALL_SHIM_STRACE is not set"
build strace "CONFIG_LIBSYSCALL_SHIM_STRACE=y"
declare -A vopts
variants=()
IFS=';' read -ra specs <<< "${UKHOOK_VARIANTS:-ukhook=${UKHOOK_OPTS:-}}"
for spec in "${specs[@]}"; do
  name=${spec%%=*}
  variants+=("$name")
  vopts[$name]=${spec#*=}
  # Each variant's own copy of the app: its workspace (.ukhook) holds its hook library and image.
  mkdir -p "$work/app-$name" && rm -rf "$work/app-$name/lat-syscall" && cp -r "$app" "$work/app-$name/"
  say "instrumenting and building $name (${vopts[$name]:-defaults})"
  # shellcheck disable=SC2086 # the options are a list, e.g. "--hook-points binary" or "--mode count"
  "$repo/ukhook" instrument --unikraft "$uk" "$work/app-$name/lat-syscall" ${vopts[$name]} >&2
  "$repo/ukhook" build "$work/app-$name/lat-syscall" >&2
done

declare -A icount wall
for v in plain strace "${variants[@]}"; do
  say "$v: icount run"
  if [ -n "${vopts[$v]+x}" ]; then run_ukhook "$v" 1 "$work/$v.icount.log"; else run_plain $v 1 "$work/$v.icount.log"; fi
  for op in $ops; do icount[$v.$op]=$(per_op "$work/$v.icount.log" "$op"); done
  for i in $(seq $runs); do
    say "$v: wall-clock run $i/$runs"
    if [ -n "${vopts[$v]+x}" ]; then run_ukhook "$v" 0 "$work/$v.wall$i.log"; else run_plain $v 0 "$work/$v.wall$i.log"; fi
  done
  for op in $ops; do
    wall[$v.$op]=$(for i in $(seq $runs); do per_op "$work/$v.wall$i.log" "$op"; done | median)
  done
done
"$repo/ukhook" restore --unikraft "$uk" >&2

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2fx", a / b }'; }
version=$(sed -n 's/^UK_\(VERSION\|SUBVERSION\|EXTRAVERSION\) = //p' "$uk/version.mk" | paste -sd.)
echo "Unikraft $version ($(git -C "$uk" describe --always --tags 2>/dev/null || echo unknown)), $libc, $iters iterations, TCG on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}')"
for v in "${variants[@]}"; do echo "- $v: \`ukhook instrument ${vopts[$v]:-(defaults)}\`"; done
echo
cols=(plain strace "${variants[@]}")
head="| op |" rule="|---|"
for v in "${cols[@]}"; do head+=" $v (icount) |"; rule+="---|"; done
for v in strace "${variants[@]}"; do head+=" $v / plain |"; rule+="---|"; done
for v in "${cols[@]}"; do head+=" $v (wall, median of $runs) |"; rule+="---|"; done
for v in strace "${variants[@]}"; do head+=" $v / plain (wall) |"; rule+="---|"; done
echo "$head"
echo "$rule"
for op in $ops; do
  row="| $op |"
  for v in "${cols[@]}"; do row+=" ${icount[$v.$op]} |"; done
  for v in strace "${variants[@]}"; do row+=" $(ratio "${icount[$v.$op]}" "${icount[plain.$op]}") |"; done
  for v in "${cols[@]}"; do row+=" ${wall[$v.$op]} |"; done
  for v in strace "${variants[@]}"; do row+=" $(ratio "${wall[$v.$op]}" "${wall[plain.$op]}") |"; done
  echo "$row"
done
say "logs in $work"
