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


def pypi_python(venv, packages, imports, no_deps=False):
    """A Python that sees Debian's packages (torch, numpy, yaml) and also
    `packages` from PyPI, pip-installed once into the venv `venv` next to
    the nninit binary (so each build directory has its own): the path of
    its interpreter, once `import IMPORTS` works in it; None when PyPI
    cannot be reached (the caller says what it then leaves unchecked).
    A failed install while PyPI answers fails the test."""
    import urllib.request
    root = os.path.join(os.path.dirname(os.path.abspath(BIN)), venv)
    py = os.path.join(root, "bin", "python")

    def usable():
        return os.path.exists(py) and subprocess.run(
            [py, "-c", f"import {imports}"], capture_output=True).returncode == 0

    if usable():
        return py
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", root],
                   check=True)
    p = subprocess.run([os.path.join(root, "bin", "pip"), "install",
                        *(["--no-deps"] if no_deps else []),
                        "--disable-pip-version-check", "-q", *packages],
                       capture_output=True, text=True, timeout=600)
    if p.returncode == 0 and usable():
        return py
    try:
        urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=20)
    except OSError:
        return None
    print(f"FAIL pip install {' '.join(packages)}:", p.stderr.strip()[-400:])
    sys.exit(1)
