#!/bin/sh
# Plan benchmark: `nninit plan` of the LLM example specs (Llama 3 8B, 70B,
# Llama 3.1 405B under --preset llama, the GPT-2-XL-sized model under its
# default preset), as a table and as JSON, with /usr/bin/time for peak RSS
# and the shell's clock (nanoseconds) for elapsed time; REPEATS rounds in
# alternation, best time and highest RSS kept. `nninit --version` gives the
# process's own footprint (binary and libraries) for comparison.
#
# usage: bench/plan_llm.sh [NNINIT] [REPEATS]
#   NNINIT   the nninit binary (default build/nninit)
#   REPEATS  rounds (default 5)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/nninit}
reps=${2:-5}
models=$here/../examples/models
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

preset() { case $1 in llama*) echo llama ;; *) echo seed ;; esac; }

measure() { # key, command...
    key=$1
    shift
    t0=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; exit 1; }
    t1=$(date +%s%N)
    echo "$key $(((t1 - t0) / 1000)) $(cat "$tmp/time")" >>"$tmp/all"
}

echo "# $(date -u '+%Y-%m-%d %H:%M') $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $("$bin" --version)"
specs="llama-3-8b llama-3-70b llama-3.1-405b gpt2-xl"
for r in $(seq "$reps"); do
    measure version "$bin" --version
    for s in $specs; do
        measure "$s:table" "$bin" plan "$models/$s.yaml" --preset "$(preset "$s")"
        measure "$s:json" "$bin" plan "$models/$s.yaml" --preset "$(preset "$s")" \
            --format json
    done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
best() { # key -> "ms MB": best elapsed, highest peak RSS
    awk -v k="$1" '$1 == k { if (t == "" || $2 < t) t = $2; if ($3 > m) m = $3 }
        END { printf "%.1f ms %.1f MB", t / 1000, m / 1024 }' "$tmp/all"
}
echo "# best of $reps; \`nninit --version\` alone: $(best version)"
echo "| spec | preset | tensors | parameters | plan: elapsed, peak RSS | plan --format json: elapsed, peak RSS |"
echo "|---|---|---:|---:|---:|---:|"
for s in $specs; do
    p=$(preset "$s")
    "$bin" plan "$models/$s.yaml" --preset "$p" --format tsv 2>/dev/null >"$tmp/tsv"
    # tensors and parameters from the plan's shape column, e.g. "(4096, 14336)"
    set -- $(awk -F'\t' 'NR > 1 { n++; g = $2; gsub(/[() ]/, "", g); k = split(g, d, ",");
        e = 1; for (i = 1; i <= k; i++) if (d[i] != "") e *= d[i]; s += e }
        END { printf "%d %.0f", n, s }' "$tmp/tsv")
    printf '| %s | %s | %s | %s | %s | %s |\n' "$s" "$p" "$1" \
        "$(echo "$2" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta')" \
        "$(best "$s:table" | sed 's/ms /ms, /')" "$(best "$s:json" | sed 's/ms /ms, /')"
done
