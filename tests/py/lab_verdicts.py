#!/usr/bin/python3
"""The demo's verdicts do not flip: `nninit demo --quick` (fewer seeds and
smaller subsets than the full tour, the same claims and thresholds) at 1
and 2 OpenBLAS threads and under OPENBLAS_CORETYPE=Haswell, SkylakeX and
Prescott (set for each command only), each must hold every claim, and the
verdicts must be identical. OpenBLAS's kernels round sgemm differently, so
the trained numbers differ between these runs; the per-seed values are
printed side by side to show how far each stays from its threshold.

A kernel set the CPU cannot run (no AVX-512 for SkylakeX, say) is skipped
with a note. Usage: lab_verdicts.py PATH/TO/nninit
"""
import json
import os
import subprocess

from nninit_py import BIN, TMP, check, finish

def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


# what each kernel set needs (OpenBLAS's own checks, dynamic.c)
NEEDS = {"Haswell": {"avx2", "fma"},
         "SkylakeX": {"avx512f", "avx512bw", "avx512dq", "avx512vl"},
         "Prescott": {"pni"}}  # SSE3, as /proc/cpuinfo names it
flags = cpu_flags()
configs = [("1 thread", 1, None), ("2 threads", 2, None)]
for core, need in NEEDS.items():
    if need <= flags:
        configs.append((f"{core}, 1 thread", 1, core))
    else:
        print(f"note: skipping OPENBLAS_CORETYPE={core}: the CPU lacks "
              f"{' '.join(sorted(need - flags))}")

results = {}
for label, threads, core in configs:
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_NUM_THREADS", None)
    if core:
        env["OPENBLAS_CORETYPE"] = core
    out = os.path.join(TMP, label.replace(" ", "_").replace(",", ""))
    p = subprocess.run([BIN, "demo", "--quick", "--quiet", "--threads",
                        str(threads), "--out", out],
                       capture_output=True, text=True, env=env)
    check(p.returncode == 0, f"{label}: exit {p.returncode}: {p.stderr[-500:]}")
    if p.returncode:
        continue
    with open(os.path.join(out, "json", "claims.json")) as f:
        c = json.load(f)
    if core:
        check(c["blas_core"].lower() == core.lower(),
              f"{label}: OpenBLAS ran {c['blas_core']} kernels")
    check(c["threads"] == threads, f"{label}: {c['threads']} threads")
    check(c["held"] == c["total"],
          f"{label}: {c['held']} of {c['total']} claims hold: " +
          ", ".join(v["id"] for v in c["claims"] if not v["holds"]))
    results[label] = c
    for line in p.stdout.splitlines():
        if line.startswith("time:"):
            print(f"{label} ({c['blas_core']}): {line}")

if results:
    first = next(iter(results.values()))
    ids = [(v["id"], v["holds"]) for v in first["claims"]]
    for label, c in results.items():
        check([(v["id"], v["holds"]) for v in c["claims"]] == ids,
              f"{label}: verdicts differ from {next(iter(results))}")
    width = max(len(k) for k in results)
    for i, (cid, _) in enumerate(ids):
        print(f"{cid}: {first['claims'][i]['metric']}")
        for label, c in results.items():
            v = c["claims"][i]
            vals = " ".join("%.3g" % s["value"] if s["value"] is not None else "null"
                            for s in v["per_seed"])
            print(f"  {label:<{width}}  {'holds' if v['holds'] else 'FAILS'}  {vals}")

finish()
