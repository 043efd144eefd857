#!/bin/sh
# Whole-model benchmark: a GPT-2-XL-sized model, 1.56 billion
# parameters, written as float32 by
#   torch:        PyTorch constructs it and torch.save()s its state dict
#   nninit:       nninit init examples/models/gpt2-xl.yaml -o X.safetensors
#                 (seed preset, counter-based generator, all threads)
#   nninit-torch: the same with --preset torch --rng torch (bit-exact with
#                 PyTorch's draws; one sequential generator)
#   dd:           6.2 GB of zeros with conv=fsync: what the disk allows
# side by side, REPEATS rounds in alternation, with /usr/bin/time for elapsed
# seconds and peak RSS. Outputs are deleted after each run.
#
# usage: bench/model_gpt2xl.sh [NNINIT] [OUTDIR] [REPEATS]
#   NNINIT   the nninit binary (default build/nninit)
#   OUTDIR   where the 6.2 GB files go (default /tmp; needs ~7 GB free)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/nninit}
dir=${2:-/tmp}
reps=${3:-3}
spec=$here/../examples/models/gpt2-xl.yaml
py=/usr/bin/python3
tmp=$(mktemp -d "$dir/nninit-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

measure() { # name, command...
    name=$1
    shift
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; exit 1; }
    set -- $(cat "$tmp/time")
    printf '%-13s %8.2f s  %8.0f MB peak RSS\n' "$name" "$1" "$(($2 / 1024))"
    echo "$name $1 $2" >>"$tmp/all"
    rm -f "$tmp"/out.*
}

echo "# $(date -u '+%Y-%m-%d %H:%M') $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $("$bin" --version), torch $($py -c 'import torch; print(torch.__version__)')"
for r in $(seq "$reps"); do
    echo "# round $r"
    measure torch "$py" "$here/model_gpt2xl_torch.py" "$tmp/out.pt"
    measure nninit "$bin" init "$spec" -q -o "$tmp/out.safetensors"
    measure nninit-torch "$bin" init "$spec" -q --preset torch --rng torch \
        -o "$tmp/out.safetensors"
    measure dd dd if=/dev/zero of="$tmp/out.dd" bs=16M count=372 conv=fsync
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# best of $reps (elapsed s, peak RSS MB) and ratios to torch:"
awk '{ if (!($1 in t) || $2 < t[$1]) t[$1] = $2; if ($3 > m[$1]) m[$1] = $3 }
     END { for (k in t) printf "%-13s %8.2f s %8.0f MB   time x%.2f   memory /%.0f\n",
           k, t[k], m[k] / 1024, t["torch"] / t[k], m["torch"] / m[k] }' "$tmp/all" | sort
