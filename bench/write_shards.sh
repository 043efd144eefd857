#!/bin/sh
# Write-speed benchmark: a Llama-3-8B-sized model (8.03 billion parameters,
# 16.06 GB in bfloat16) written as 5 GB safetensors shards
#   nninit:     nninit init SPEC --dtype bf16 --max-shard-size 5GB (1 process)
#   nninit-mpi: the same under mpirun -n 2 (nninit-mpi; each rank whole
#               shards)
#   dd:         the same number of bytes of zeros, dd conv=fsync: what the
#               disk allows
# side by side, REPEATS rounds in alternation, with /usr/bin/time for elapsed
# seconds and peak RSS (for mpirun: of its largest process). Outputs are
# deleted after each run. Skips, saying so, when OUTDIR lacks room for two
# copies (34 GB).
#
# usage: bench/write_shards.sh [BUILD] [OUTDIR] [REPEATS]
#   BUILD    the build directory with nninit and nninit-mpi (default build)
#   OUTDIR   where the files go (default /tmp)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
dir=${2:-/tmp}
reps=${3:-1}
need_kb=$((34 * 1000 * 1000))
avail_kb=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
if [ "$avail_kb" -lt "$need_kb" ]; then
    echo "write_shards: skipped: $dir has $((avail_kb / 1000000)) GB free, the benchmark needs 34 GB"
    exit 0
fi
tmp=$(mktemp -d "$dir/nninit-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

spec=$here/../examples/models/llama-3-8b.yaml
if [ ! -f "$spec" ]; then # the same shapes (Llama-3-8B: GQA 8 KV heads, SwiGLU)
    spec=$tmp/llama-3-8b-sized.yaml
    cat >"$spec" <<'EOF'
name: llama-3-8b-sized
layers:
  - {name: embed_tokens, type: embedding, num: 128256, dim: 4096}
  - name: layers
    repeat: 32
    layers:
      - {name: q_proj, type: linear, in: 4096, out: 4096, bias: false}
      - {name: k_proj, type: linear, in: 4096, out: 1024, bias: false}
      - {name: v_proj, type: linear, in: 4096, out: 1024, bias: false}
      - {name: o_proj, type: linear, in: 4096, out: 4096, bias: false}
      - {name: gate_proj, type: linear, in: 4096, out: 14336, bias: false}
      - {name: up_proj, type: linear, in: 4096, out: 14336, bias: false}
      - {name: down_proj, type: linear, in: 14336, out: 4096, bias: false}
      - {name: input_layernorm, type: rmsnorm, dim: 4096}
      - {name: post_attention_layernorm, type: rmsnorm, dim: 4096}
  - {name: norm, type: rmsnorm, dim: 4096}
  - {name: lm_head, type: linear, in: 4096, out: 128256, bias: false}
EOF
fi

measure() { # name, command...
    name=$1
    shift
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; exit 1; }
    set -- $(cat "$tmp/time")
    bytes=$(cat "$tmp"/out* | wc -c)
    printf '%-11s %8.2f s  %6.0f MB peak RSS  %5.2f GB/s  (%s bytes)\n' "$name" "$1" \
        "$(($2 / 1024))" "$(echo "$bytes / $1 / 1000000000" | bc -l)" "$bytes"
    echo "$name $1 $2" >>"$tmp/all"
    echo "$bytes" >"$tmp/bytes"
    rm -f "$tmp"/out*
}

echo "# $(date -u '+%Y-%m-%d %H:%M') $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $("$build/nninit" --version); $(basename "$spec")"
for r in $(seq "$reps"); do
    echo "# round $r"
    measure nninit "$build/nninit" init "$spec" -q --dtype bf16 \
        --max-shard-size 5GB -o "$tmp/out.safetensors"
    measure dd dd if=/dev/zero of="$tmp/out.dd" bs=16M count="$(cat "$tmp/bytes")" \
        iflag=count_bytes conv=fsync
    measure nninit-mpi mpirun -q --oversubscribe --allow-run-as-root -n 2 \
        "$build/nninit-mpi" init "$spec" -q --dtype bf16 --max-shard-size 5GB \
        -o "$tmp/out.safetensors"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# best of $reps (elapsed s, peak RSS MB) and pace relative to dd:"
awk '{ if (!($1 in t) || $2 < t[$1]) t[$1] = $2; if ($3 > m[$1]) m[$1] = $3 }
     END { for (k in t) printf "%-11s %8.2f s %6.0f MB   pace x%.2f of dd\n",
           k, t[k], m[k] / 1024, t["dd"] / t[k] }' "$tmp/all" | sort
