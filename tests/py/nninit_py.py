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


# ---------------------------------------------------------------------------
# Python packages from PyPI that Debian 12 lacks (mup, safetensors, gguf,
# transformers): pip-installed into one venv under the build directory that
# sees Debian's own packages (numpy, torch, yaml), never torch from PyPI.
# ---------------------------------------------------------------------------

VENV = os.path.join(os.path.dirname(os.path.abspath(BIN)), "py-venv")
VENV_PY = os.path.join(VENV, "bin", "python")


def _venv_has(imports):
    return os.path.exists(VENV_PY) and subprocess.run(
        [VENV_PY, "-c", "import " + imports], capture_output=True).returncode == 0


def pypi_python(packages, imports, no_deps=True):
    """The venv's interpreter once `import IMPORTS` works in it, after
    installing `packages` (with --no-deps unless no_deps is False) if it does
    not; None when PyPI cannot be reached (the caller says what it then
    leaves unchecked). A failed install while PyPI answers fails the test."""
    import fcntl
    import urllib.request
    with open(VENV + ".lock", "w") as lock:  # tests run in parallel
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _venv_has(imports):
            return VENV_PY
        if not os.path.exists(VENV_PY):
            subprocess.run(["/usr/bin/python3", "-m", "venv",
                            "--system-site-packages", VENV], check=True)
        p = subprocess.run([os.path.join(VENV, "bin", "pip"), "install",
                            *(["--no-deps"] if no_deps else []),
                            "--disable-pip-version-check", "-q", *packages],
                           capture_output=True, text=True, timeout=600)
        if p.returncode == 0 and _venv_has(imports):
            return VENV_PY
    try:
        urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=20)
    except OSError:
        return None
    print("FAIL pip install", *packages, p.stderr.strip()[-400:])
    sys.exit(1)


def in_pypi_venv(packages, modules):
    """Re-run this script in the venv with `packages` installed (modules:
    what it imports from them), unless running there already. Returns
    False, saying SKIP, only when PyPI cannot be reached to install them."""
    if os.environ.get("NNINIT_IN_PY_VENV") and sys.executable == VENV_PY:
        return True
    if pypi_python(packages, ", ".join(modules)) is None:
        print(f"SKIP: PyPI is unreachable, so {' '.join(packages)} could not "
              "be installed")
        return False
    os.environ["NNINIT_IN_PY_VENV"] = "1"
    shutil.rmtree(TMP, ignore_errors=True)  # atexit does not run over exec
    os.execv(VENV_PY, [VENV_PY, os.path.abspath(sys.argv[0]), *sys.argv[1:]])
