#!/usr/bin/python3
"""One training epoch of the MLP 784-256-128-10 on Fashion-MNIST: nninit's lab
against PyTorch 1.13 on this machine, side by side.

Alternates the contenders (fresh process each), REPEATS times, each running 2
epochs; reports every epoch time, the best and the median of epoch 2 (steady
state) and of epoch 1 (with warm-up), and the ratio torch/nninit (> 1: nninit
is faster). Prints the load (uptime) before and after: the machine is shared.

PyTorch runs twice per repeat, because Debian's torch multiplies its matrices
through OpenBLAS, which has threads of its own:
  torch         torch.set_num_threads(THREADS), OPENBLAS_NUM_THREADS=THREADS
                (what a user gets by asking torch for THREADS threads)
  torch-blas    torch.set_num_threads(1), OPENBLAS_NUM_THREADS=THREADS
                (only the products threaded: no oversubscription)
With THREADS=1 the two are the same and only the first runs.

Usage: /usr/bin/python3 bench/lab_vs_torch.py [NNINIT_BIN] [THREADS] [REPEATS]
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
nn = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "build", "nninit")
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def run_nninit():
    with tempfile.TemporaryDirectory() as d:
        js = os.path.join(d, "t.json")
        subprocess.run([nn, "lab", "train", "--epochs", "2", "--constant-lr",
                        "--threads", str(threads), "--quiet", "--json", js],
                       check=True, stdout=subprocess.DEVNULL)
        with open(js) as f:
            ep = json.load(f)["epochs"]
        return [e["seconds"] for e in ep], ep[-1]["test_accuracy"]


def run_torch(torch_threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    out = subprocess.run(["/usr/bin/python3", os.path.join(here, "torch_mlp_epoch.py"),
                          str(torch_threads), "2"], check=True, capture_output=True,
                         text=True, env=env).stdout
    secs = [float(x) for x in re.findall(r"seconds=([0-9.]+)", out)]
    acc = float(re.findall(r"test_accuracy=([0-9.]+)", out)[-1])
    return secs, acc


print("load before:", uptime())
contenders = [("nninit", run_nninit), ("torch", lambda: run_torch(threads))]
if threads > 1:
    contenders.append(("torch-blas", lambda: run_torch(1)))
res = {name: [] for name, _ in contenders}
for r in range(repeats):
    for name, fn in contenders:
        secs, acc = fn()
        res[name].append(secs)
        print(f"repeat {r + 1} {name:10s} epoch1 {secs[0]:.3f} s  epoch2 {secs[1]:.3f} s"
              f"  test accuracy after 2 epochs {acc:.4f}", flush=True)
print("load after: ", uptime())
for e in (0, 1):
    b = {k: min(v[e] for v in res[k]) for k in res}
    m = {k: statistics.median(v[e] for v in res[k]) for k in res}
    for k in res:
        if k == "nninit":
            print(f"epoch {e + 1}: nninit best {b[k]:.3f} s, median {m[k]:.3f} s")
        else:
            print(f"epoch {e + 1}: {k} best {b[k]:.3f} s, median {m[k]:.3f} s; "
                  f"{k}/nninit best {b[k] / b['nninit']:.2f}, "
                  f"median {m[k] / m['nninit']:.2f}")
