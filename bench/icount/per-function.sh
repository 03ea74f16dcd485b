#!/usr/bin/env bash
# Instructions per operation, per function, of a lat-syscall image under QEMU TCG (docs/benchmarks.md, "Issue 22").
# QEMU logs every translated block and each execution of it (-d in_asm,exec,nochain) for a run of 100 and one of
# 200 iterations; bench/icount/tb_instructions.py turns each log into instructions per function (executions x the
# block's instructions), and the difference divided by 100 is each function's share of one operation: boot and
# exit cancel out. Exact and repeatable, and it names the functions a cycles-per-op figure cannot.
#
#   bench/icount/per-function.sh IMAGE OPS OUT      e.g. bench/icount/per-function.sh app/.ukhook/build/lat-syscall_qemu-x86_64 read /tmp/read
#
# IMAGE.dbg must be beside IMAGE (ukhook build leaves both). Writes OUT.perop ("total N", then "function N" by
# size of share) and prints the guest's own cycles_per_op line. A log takes some GB for a moment; it is deleted.
set -euo pipefail
img=${1:?usage: per-function.sh IMAGE OPS OUT}; ops=${2:?}; out=${3:?}
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$img.dbg" ] || { echo "per-function.sh: no $img.dbg beside the image" >&2; exit 2; }
for n in 100 200; do
  timeout 1200 qemu-system-x86_64 -nodefaults -no-reboot -display none -serial "file:$out.console$n" -accel tcg \
    -cpu qemu64 -m 128 -device isa-debug-exit,iobase=0x501,iosize=2 -icount shift=0 \
    -device virtio-serial-pci,max_ports=1 -chardev "file,id=t,path=$out.trace$n" -device virtconsole,chardev=t \
    -kernel "$img" -append "-n $n $ops" -d in_asm,exec,nochain -D "$out.log$n" || true
  python3 "$here/tb_instructions.py" "$out.log$n" "$img.dbg" > "$out.fn$n"
  rm -f "$out.log$n" "$out.trace$n"
done
python3 - "$out" <<'PY'
import sys
o = sys.argv[1]
def read(f):
    return {l.split()[0]: int(l.split()[1]) for l in open(f)}
a, b = read(o + '.fn100'), read(o + '.fn200')
d = {k: (b.get(k, 0) - a.get(k, 0)) / 100 for k in set(a) | set(b)}
with open(o + '.perop', 'w') as f:
    f.write('total %.2f\n' % sum(d.values()))
    for k, v in sorted(d.items(), key=lambda x: -abs(x[1])):
        if abs(v) >= 0.005:
            f.write('%s %.2f\n' % (k, v))
PY
grep -h "op=" "$out.console200"
