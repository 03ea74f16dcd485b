#!/bin/sh
# Builds the example's Linux program with the host's gcc and lays out its rootfs in DIR (the initrd's files):
#   ./rootfs.sh static DIR    /linux-static, a static-PIE glibc program
#   ./rootfs.sh dynamic DIR   /linux-dynamic, plus the dynamic loader and libc.so.6 copied from this host
set -eu
kind=$1 dir=$2
src=$(dirname "$0")/../linux-static/prog.c
mkdir -p "$dir/tmp"
case $kind in
static)  gcc -O2 -static-pie -o "$dir/linux-static" "$src" ;;
dynamic) gcc -O2 -o "$dir/linux-dynamic" "$src"
         interp=$(readelf -lW "$dir/linux-dynamic" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
         libc=$(gcc -print-file-name=libc.so.6)
         mkdir -p "$dir$(dirname "$interp")" "$dir/lib/x86_64-linux-gnu"
         cp -L "$interp" "$dir$interp"
         cp -L "$(realpath "$libc")" "$dir/lib/x86_64-linux-gnu/libc.so.6" ;;
*) echo "usage: $0 static|dynamic DIR" >&2; exit 2 ;;
esac
