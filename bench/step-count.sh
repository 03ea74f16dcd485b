#!/usr/bin/env bash
# Where one system call's instructions go: boots an image under QEMU's gdbstub (TCG), stops at the SKIP+1-th
# entry of Unikraft's binary syscall handler, single-steps it to its return and prints how many instructions ran,
# then the count per source line (file:line), most first. Needs gdb and the image's .dbg beside it.
#
#   bench/step-count.sh IMAGE [SKIP] [APP-ARGS]     e.g. bench/step-count.sh APP/.ukhook/build/lat-syscall_qemu-x86_64 50 "-n 200 null"
#   BREAK=getpid MEM=128 bench/step-count.sh IMAGE 50 "-n 200 native-null"    a native call: from musl's getpid()
set -euo pipefail
image=${1:?usage: bench/step-count.sh IMAGE [SKIP] [APP-ARGS]}
skip=${2:-50}
args=${3:--n 200 null}
port=$((20000 + RANDOM % 20000))
script=$(mktemp /tmp/step-count-XXXXXX.py)
trap 'rm -f "$script"; kill "$qemu" 2>/dev/null || true' EXIT
cat > "$script" <<PY
import gdb
gdb.execute("set pagination off")
gdb.execute("target remote :$port")
gdb.execute("hbreak ${BREAK:-ukplat_syscall_handler}")
for _ in range($skip + 1):
    gdb.execute("continue", to_string=True)
ret = int(gdb.parse_and_eval("*(unsigned long *)\$sp"))
lines, n = {}, 0
while int(gdb.parse_and_eval("\$pc")) != ret and n < 100000:
    sal = gdb.find_pc_line(int(gdb.parse_and_eval("\$pc")))
    where = (sal.symtab.filename.split("/")[-1] if sal.symtab else "?") + ":" + str(sal.line)
    lines[where] = lines.get(where, 0) + 1
    gdb.execute("stepi", to_string=True)
    n += 1
print("instructions", n)
for where, count in sorted(lines.items(), key=lambda x: -x[1]):
    print(count, where)
PY
qemu-system-x86_64 -nodefaults -no-reboot -display none -serial null -accel tcg -cpu qemu64 -m "${MEM:-64}" \
  -device isa-debug-exit,iobase=0x501,iosize=2 -device virtio-serial-pci,max_ports=2 \
  -kernel "$image" -append "$args" -gdb tcp::$port -S &
qemu=$!
sleep 1
gdb -q -batch -x "$script" "$image.dbg" 2>/dev/null | sed -n '/^instructions/,$p'
