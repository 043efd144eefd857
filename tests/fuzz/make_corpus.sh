#!/bin/sh
# Seed corpus for fuzz_ckpt: small valid files of each format, written by
# nninit itself. usage: make_corpus.sh NNINIT_BIN DIR
set -eu
bin=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
for f in safetensors npz gguf; do
    "$bin" init "$here/../../examples/models/seed.yaml" -q -o "$dir/seed.$f"
    "$bin" init "$here/../../examples/models/lstm.yaml" -q --dtype f16 \
        -o "$dir/lstm.$f"
done
