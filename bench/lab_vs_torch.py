#!/usr/bin/python3
"""One training epoch of the MLP 784-256-128-10 on Fashion-MNIST: nninit's lab
against PyTorch 1.13 on this machine, side by side.

Alternates the two (fresh process each), REPEATS times, each running 2 epochs;
reports every epoch time, the best and the median of epoch 2 (steady state)
and of epoch 1 (with warm-up), and the ratio torch/nninit (> 1: nninit is
faster). Prints the load (uptime) before and after: the machine is shared.

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


def run_torch():
    out = subprocess.run(["/usr/bin/python3", os.path.join(here, "torch_mlp_epoch.py"),
                          str(threads), "2"], check=True, capture_output=True,
                         text=True).stdout
    secs = [float(x) for x in re.findall(r"seconds=([0-9.]+)", out)]
    acc = float(re.findall(r"test_accuracy=([0-9.]+)", out)[-1])
    return secs, acc


print("load before:", uptime())
res = {"nninit": [], "torch": []}
for r in range(repeats):
    for name, fn in (("nninit", run_nninit), ("torch", run_torch)):
        secs, acc = fn()
        res[name].append(secs)
        print(f"repeat {r + 1} {name:6s} epoch1 {secs[0]:.3f} s  epoch2 {secs[1]:.3f} s"
              f"  test accuracy after 2 epochs {acc:.4f}", flush=True)
print("load after: ", uptime())
for e in (0, 1):
    b = {k: min(v[e] for v in res[k]) for k in res}
    m = {k: statistics.median(v[e] for v in res[k]) for k in res}
    print(f"epoch {e + 1}: best nninit {b['nninit']:.3f} s, torch {b['torch']:.3f} s "
          f"(torch/nninit {b['torch'] / b['nninit']:.2f}); median nninit "
          f"{m['nninit']:.3f} s, torch {m['torch']:.3f} s "
          f"(torch/nninit {m['torch'] / m['nninit']:.2f})")
