#!/bin/sh
# Install nninit into a temporary prefix, then build consumers three ways
# (find_package shared and static, pkg-config) and the upper layers two
# ways (find_package, pkg-config nninit-lab). Usage:
#   test_install.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1
bld=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$bld" --prefix "$tmp/prefix" >/dev/null
test -f "$tmp/prefix/include/nninit.h"
test -f "$tmp/prefix/lib/pkgconfig/nninit.pc" || test -f "$tmp/prefix/lib64/pkgconfig/nninit.pc"
test -x "$tmp/prefix/bin/nninit"
cmake -S "$src/tests/install" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
LD_LIBRARY_PATH="$tmp/prefix/lib:$tmp/prefix/lib64" "$tmp/consumer/consumer_cmake"
"$tmp/consumer/consumer_static"
"$tmp/consumer/consumer_io" "$tmp/net.safetensors"
test -s "$tmp/net.safetensors"
pc=$(ls -d "$tmp"/prefix/lib*/pkgconfig | head -1)
${CC:-cc} -std=c11 -o "$tmp/consumer_pc" "$src/tests/install/consumer.c" \
    $(PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs nninit)
LD_LIBRARY_PATH="$tmp/prefix/lib:$tmp/prefix/lib64" "$tmp/consumer_pc"
${CC:-cc} -std=c11 -o "$tmp/consumer_io_pc" "$src/tests/install/consumer_io.c" \
    $(PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs nninit-lab)
rm -f "$tmp/net.safetensors"
"$tmp/consumer_io_pc" "$tmp/net.safetensors"
test -s "$tmp/net.safetensors"
echo "install test passed"
