"""Many processes (Open MPI): `mpirun -n N nninit-mpi init MODEL -o OUT`.

- The files are byte for byte those of one nninit process, for N = 1..4
  (on any machine: --oversubscribe), for one safetensors file (the ranks
  write byte ranges of it), shards (each rank whole shards, or ranges of
  each when there are fewer shards than ranks), GGUF, split GGUF, npz,
  bf16, and no other file is left in the directory.
- A rank that fails halfway (a test's fault, injected through
  NNINIT_TEST_FAIL_RANK, which nninit-mpi reads) fails the run with one
  line and leaves no file at all; a rank killed halfway (SIGKILL, through
  NNINIT_TEST_KILL_RANK) fails the run and leaves nothing under an output
  name and no index.
- --rng torch (one sequential generator) is refused with more than one
  process, with one line, and is the one-process bytes with one.

The model is small (1.4 MB), so the whole test takes seconds per launch."""
import filecmp
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from nninit_py import BIN, TMP, check, finish, run  # noqa: E402

MPI_BIN = os.environ["NNINIT_MPI_BIN"]
MPIEXEC = os.environ.get("NNINIT_MPIEXEC", "mpirun")
MODEL = os.path.join(HERE, "..", "..", "examples", "models", "transformer.yaml")
MPIRUN = [MPIEXEC, "-q", "--oversubscribe", "--allow-run-as-root",
          "--mca", "btl", "self,vader"]


def mpi(n, *args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([*MPIRUN, "-n", str(n), MPI_BIN, *map(str, args)],
                       capture_output=True, text=True, env=e, timeout=300)
    return p.returncode, p.stderr


def fresh(name):
    d = os.path.join(TMP, name)
    shutil.rmtree(d, ignore_errors=True)
    os.mkdir(d)
    return d


CASES = [  # (name, output, options)
    ("single", "m.safetensors", []),
    ("shards", "m.safetensors", ["--max-shard-size", "200kB"]),  # 7 shards
    ("few-shards", "m.safetensors", ["--max-shard-size", "700kB"]),  # 3
    ("gguf", "m.gguf", []),
    ("split-gguf", "m.gguf", ["--max-shard-size", "300kB"]),
    ("npz", "m.npz", []),
    ("bf16", "m.safetensors", ["--dtype", "bf16", "--chunk-mb", "1"]),
]

for name, outname, opts in CASES:
    ref = fresh(f"ref-{name}")
    run("init", MODEL, "-q", "-o", os.path.join(ref, outname), *opts)
    files = sorted(os.listdir(ref))
    for n in (1, 2, 3, 4):
        d = fresh(f"{name}-{n}")
        rc, err = mpi(n, "init", MODEL, "-q", "--threads", "1",
                      "-o", os.path.join(d, outname), *opts)
        got = sorted(os.listdir(d))
        same = rc == 0 and got == files and all(
            filecmp.cmp(os.path.join(ref, f), os.path.join(d, f), shallow=False)
            for f in files)
        check(same, f"{name}, {n} processes: exit {rc} {err.strip()!r}, files "
              f"{got} (want {files}), bytes differ")

# --- a rank fails halfway: one line, no file at all ------------------------
for name, opts in [("single", []), ("shards", ["--max-shard-size", "200kB"])]:
    d = fresh(f"fail-{name}")
    rc, err = mpi(3, "init", MODEL, "-q", "--threads", "1", "--chunk-mb", "1",
                  "-o", os.path.join(d, "m.safetensors"), *opts,
                  env={"NNINIT_TEST_FAIL_RANK": "1"})
    lines = err.strip().splitlines()
    check(rc != 0 and len(lines) == 1 and "process 1" in lines[0],
          f"{name}: a failing rank: exit {rc}, {err.strip()!r}")
    check(os.listdir(d) == [], f"{name}: a failing rank left {os.listdir(d)}")

# --- a rank killed halfway: nothing under an output name, no index ---------
for name, opts in [("single", []), ("shards", ["--max-shard-size", "200kB"]),
                   ("few-shards", ["--max-shard-size", "700kB"])]:
    d = fresh(f"kill-{name}")
    rc, err = mpi(3, "init", MODEL, "-q", "--threads", "1", "--chunk-mb", "1",
                  "-o", os.path.join(d, "m.safetensors"), *opts,
                  env={"NNINIT_TEST_KILL_RANK": "1"})
    visible = [f for f in os.listdir(d) if not f.startswith(".")]
    check(rc != 0 and visible == [],
          f"{name}: a killed rank: exit {rc}, left {visible}")
    if name == "shards":  # whole shards: unnamed until renamed, nothing left
        check(os.listdir(d) == [], f"shards: a killed rank left {os.listdir(d)}")

# --- --rng torch -----------------------------------------------------------
d = fresh("torch")
rc, err = mpi(2, "init", MODEL, "--preset", "torch", "--rng", "torch", "-q",
              "-o", os.path.join(d, "t.safetensors"))
check(rc == 2 and len(err.strip().splitlines()) == 1 and "one process" in err,
      f"--rng torch on 2 processes: exit {rc}, {err.strip()!r}")
check(os.listdir(d) == [], "--rng torch refused, yet files appeared")
rc, err = mpi(1, "init", MODEL, "--preset", "torch", "--rng", "torch", "-q",
              "-o", os.path.join(d, "t.safetensors"))
run("init", MODEL, "--preset", "torch", "--rng", "torch", "-q",
    "-o", os.path.join(TMP, "t.safetensors"))
check(rc == 0 and filecmp.cmp(os.path.join(d, "t.safetensors"),
                              os.path.join(TMP, "t.safetensors"), shallow=False),
      f"--rng torch on 1 process: exit {rc} {err.strip()!r}, or other bytes")

print(f"checked against {BIN}")
finish()
