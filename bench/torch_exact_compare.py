#!/usr/bin/python3
"""torch_exact_compare.py: torch-exact mode vs PyTorch 1.13 on the same work.

Runs build/nninit_torch_bench and, in a subprocess with the matching
ATEN_CPU_CAPABILITY, the same calls in Debian's python3-torch; prints the
best-of-N seconds of each and the ratio (PyTorch time / nninit time, so > 1
means nninit is faster). Both sides produce the same bytes (tests/py/
torch_exact.py checks that); this only measures time.

Usage: bench/torch_exact_compare.py [--bench build/nninit_torch_bench]
         [--reps 5] [--rounds 3] [--kernel avx2|default] [--clock cpu|wall]
         [--threads N] [--torch-threads N] [--wall-threads 1,2] [NAME...]
PyTorch runs with its default thread count unless --torch-threads is given
(nninit's torch mode is single-threaded except erfinv and QR; see README).

orthogonal_ is the exception to comparing CPU time: PyTorch's QR runs on
OpenBLAS's own threads (2 on a 2-core machine, whatever torch's thread count
is), so its CPU time counts both. For the orthogonal_ workloads selected, the
script therefore adds wall-time rows: PyTorch as it runs by default against
nninit on each thread count of --wall-threads (default 1,2; "" for none).
"""
import argparse
import os
import subprocess
import sys

TORCH_SIDE = r'''
import math, sys, time, warnings
import torch, torch.nn as nn
warnings.simplefilter("ignore")
reps, threads, clock = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if threads > 0:
    torch.set_num_threads(threads)
names = sys.argv[4:]
tick = time.process_time if clock == "cpu" else time.perf_counter

def best(fn, setup, n=reps):
    t = 1e30
    for _ in range(n):
        x = setup()
        torch.manual_seed(0)
        t0 = tick()
        fn(x)
        t = min(t, tick() - t0)
    return t

E = lambda *s, dt=torch.float32: (lambda: torch.empty(*s, dtype=dt).zero_())
work = {
 "uniform_f32_16M": (lambda x: x.uniform_(0, 1), E(16777216)),
 "normal_f32_16M": (lambda x: x.normal_(0, 1), E(16777216)),
 "uniform_f64_4M": (lambda x: x.uniform_(0, 1), E(4194304, dt=torch.float64)),
 "normal_f64_4M": (lambda x: x.normal_(0, 1), E(4194304, dt=torch.float64)),
 "trunc_normal_f32_4M": (lambda x: nn.init.trunc_normal_(x), E(4194304)),
 "kaiming_uniform_4096x4096": (lambda x: nn.init.kaiming_uniform_(x), E(4096, 4096)),
 "xavier_normal_4096x4096": (lambda x: nn.init.xavier_normal_(x), E(4096, 4096)),
 "sparse_1024x1024": (lambda x: nn.init.sparse_(x, 0.1), E(1024, 1024)),
 "orthogonal_256x256": (lambda x: nn.init.orthogonal_(x), E(256, 256)),
 "orthogonal_1024x1024": (lambda x: nn.init.orthogonal_(x), E(1024, 1024)),
 "orthogonal_2048x2048": (lambda x: nn.init.orthogonal_(x), E(2048, 2048)),
 "orthogonal_4096x1024": (lambda x: nn.init.orthogonal_(x), E(4096, 1024)),
 # modules: the draws of construction, on a built module (no allocation)
 "Linear_4096x4096": (lambda m: m.reset_parameters(), lambda: nn.Linear(4096, 4096)),
 "LSTM_1024x1024x2": (lambda m: m.reset_parameters(), lambda: nn.LSTM(1024, 1024, 2)),
 "Embedding_50257x768": (lambda m: m.reset_parameters(), lambda: nn.Embedding(50257, 768)),
}
def seed_example(_):
    fc1, fc2, fc3 = nn.Linear(10, 50), nn.Linear(50, 30), nn.Linear(30, 1)
    nn.init.kaiming_uniform_(fc1.weight, nonlinearity="relu")
    nn.init.xavier_uniform_(fc2.weight)
    nn.init.xavier_uniform_(fc3.weight)
work["seed_example"] = (seed_example, lambda: None)
cap = [l for l in torch.__config__.show().splitlines() if "capability" in l]
print("#", cap[0].strip(), "threads", torch.get_num_threads(), flush=True)
for name in names:
    fn, setup = work[name]
    n = reps * 100 if name == "seed_example" else reps
    print(name, best(fn, setup, n), flush=True)
'''


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default=os.path.join(here, "..", "build",
                                                    "nninit_torch_bench"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--kernel", default="avx2", choices=["avx2", "default"])
    ap.add_argument("--torch-threads", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1,
                    help="nninit worker threads (gen.threads)")
    ap.add_argument("--clock", default="cpu", choices=["cpu", "wall"],
                    help="process CPU time (default; robust on a shared "
                    "machine, single-threaded runs only) or wall time")
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternate the two sides this many times, keep the "
                    "best of each")
    ap.add_argument("--wall-threads", default="1,2",
                    help="nninit thread counts for the wall-time rows of "
                    "the orthogonal_ workloads (\"\" for none)")
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    if not os.path.exists(a.bench):
        sys.exit("build it first: cmake --build build --target "
                 "nninit_torch_bench")
    env = dict(os.environ, ATEN_CPU_CAPABILITY=a.kernel)

    def run(names, threads, clock, torch_threads):
        """Best-of seconds per name of both sides, alternating rounds."""
        ours, theirs, head = {}, {}, ""
        for _ in range(a.rounds):  # alternate, so both see the same load
            out = subprocess.run([a.bench, "--reps", str(a.reps), "--kernel",
                                  a.kernel, "--threads", str(threads),
                                  "--clock", clock] + names,
                                 capture_output=True, text=True,
                                 check=True).stdout.split("\n")
            for line in out:
                if line.strip():
                    k, v = line.split()
                    ours[k] = min(float(v), ours.get(k, 1e30))
            out = subprocess.run(["/usr/bin/python3", "-c", TORCH_SIDE,
                                  str(a.reps), str(torch_threads), clock] +
                                 list(ours), capture_output=True, text=True,
                                 env=env, check=True).stdout.split("\n")
            head = out[0]
            for line in out[1:]:
                if line.strip():
                    k, v = line.split()
                    theirs[k] = min(float(v), theirs.get(k, 1e30))
        return ours, theirs, head

    ours, theirs, head = run(a.names, a.threads, a.clock, a.torch_threads)
    print(head, "| nninit threads", a.threads, "| clock", a.clock,
          "| best of", a.reps, "x", a.rounds, "rounds")
    print("# load:", open("/proc/loadavg").read().split()[:3])
    print("%-28s %12s %12s %8s" % ("workload", "nninit_s", "torch_s",
                                   "speedup"))
    for name, o in ours.items():
        t = theirs[name]
        print("%-28s %12.6f %12.6f %8.2f" % (name, o, t, t / o))
    ortho = [n for n in ours if n.startswith("orthogonal_")]
    walls = [int(x) for x in a.wall_threads.split(",") if x.strip()]
    if ortho and walls:
        print("# orthogonal_, wall time: PyTorch as it runs by default "
              "(its QR on OpenBLAS's threads) vs nninit on T threads")
        for t in walls:
            o, th, head = run(ortho, t, "wall", 0)
            print("#", head.lstrip("# "), "| nninit threads", t,
                  "| load", open("/proc/loadavg").read().split()[:3])
            for name in ortho:
                print("%-28s %12.6f %12.6f %8.2f" % (
                    "%s wall T=%d" % (name, t), o[name], th[name],
                    th[name] / o[name]))


if __name__ == "__main__":
    main()
