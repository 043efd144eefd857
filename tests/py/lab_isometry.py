#!/usr/bin/python3
"""nninit lab isometry against mpmath: the singular values of deep linear
nets and unrolled RNNs of Gaussian and uniform weights, whose spread reaches
1e40 and beyond, recomputed from the same weights (drawn again with nninit
sample --name, as the experiment names them) as an explicit product in
120-digit arithmetic and mpmath's SVD. They must agree to the 12 digits the
JSON holds; orthogonal's must be 1 within 1e-12.

Usage: lab_isometry.py PATH/TO/nninit
"""
import json
import os

import mpmath

from nninit_py import TMP, check, finish, run, sample

N, DEPTHS, SEED = 12, [1, 4, 16, 32], 3

mpmath.mp.dps = 120
js = os.path.join(TMP, "iso.json")
run("lab", "isometry", "--quiet", "--seed", SEED, "--width", N, "--depths",
    ",".join(map(str, DEPTHS)), "--nets", "linear,rnn", "--json", js)
runs = json.load(open(js))["runs"]
weights = {}

def weight(init, name):
    if (init, name) not in weights:
        w = sample(init, (N, N), "--name", name, "--seed", SEED, "--dtype",
                   "f64", name=f"{init}-{name}")
        weights[init, name] = mpmath.matrix(w.tolist())
    return weights[init, name]

products = {}  # (net, init) -> (depth, J), extended layer by layer
worst = 0
for r in runs:
    net, init = r["net"], r["init"]
    depth = r.get("steps", r.get("depth"))
    got = r["singular_values"]
    if init == "orthogonal":
        check(max(abs(s - 1) for s in got) < 1e-12, f"{net} orthogonal {got[:3]}")
        continue
    d0, J = products.get((net, init), (0, mpmath.eye(N)))
    for k in range(d0 + 1, depth + 1):
        J = weight(init, "rnn.weight_hh" if net == "rnn" else f"layer{k}.weight") * J
    products[net, init] = (depth, J)
    want = sorted((float(s) for s in mpmath.svd_r(J, compute_uv=False)),
                  reverse=True)
    rel = max(abs(a - b) / b for a, b in zip(got, want))
    worst = max(worst, rel)
    check(rel < 1e-10, f"{net} {init} depth {depth}: relative error {rel:.2g}")
    check(abs(r["condition_number"] / (want[0] / want[-1]) - 1) < 1e-10,
          f"{net} {init} depth {depth}: condition number")
check(len(products) == 4, f"{len(products)} Gaussian/uniform products checked")
print(f"worst relative error {worst:.2g}; largest condition number checked "
      f"{max((r['condition_number'] for r in runs), default=0):.3g}")

finish()
