"""Helpers shared by the Python cross-checks: run the nninit CLI, load .npy."""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

BIN = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("NNINIT_BIN", "nninit")
TMP = tempfile.mkdtemp(prefix="nninit-py-")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
failures = []


def run(*args, env=None, check=True):
    """Run the CLI; return (exit code, stdout, stderr)."""
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, env=e)
    if check and p.returncode != 0:
        raise RuntimeError(f"nninit {' '.join(map(str, args))} failed "
                           f"({p.returncode}): {p.stderr.strip()}")
    return p.returncode, p.stdout, p.stderr


def sample(init, shape, *opts, name="t", env=None):
    """nninit sample INIT --shape SHAPE OPTS -o tmp.npy, loaded with NumPy."""
    path = os.path.join(TMP, f"{name}.npy")
    run("sample", init, "--shape", ",".join(map(str, shape)), *opts, "-o", path, env=env)
    return np.load(path)


def path(name):
    """A file in the tests' temporary directory."""
    return os.path.join(TMP, name)


def spec(name, text):
    """A text file (a description, rules) in TMP; its path."""
    with open(path(name), "w") as f:
        f.write(text)
    return path(name)


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what, flush=True)


def finish():
    if failures:
        print(f"{len(failures)} failures")
        sys.exit(1)
    print("all checks passed")
