"""The known-answer table against independent peers.

1. nninit_kat's SHA-256 (accelerated and portable) equals Python's hashlib and
   coreutils' sha256sum on inputs around every padding boundary.
2. The table's rows are the bytes the real CLI writes, hashed here by
   hashlib: every npy and file row, and a third of the philox and torch rows
   (the data of `nninit sample` .npy files). So the table is not only what
   nninit_kat computes: it is what users get.
With KAT_FILES_ONLY=1, only the npy and file rows (the CLI runs under each
OPENBLAS_CORETYPE this way: the CLI loads OpenBLAS for the lab, and nothing
it writes may depend on which kernels that picks; and under the sanitizers,
where every CLI run is slow).
"""
import hashlib
import os
import random
import re
import subprocess

from nninit_py import TMP, check, finish, run

KAT = os.environ["NNINIT_KAT"]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
TABLE = os.path.join(ROOT, "tests", "kat", "kat.tsv")
MODELS = os.path.join(ROOT, "examples", "models")

FILES_ONLY = os.environ.get("KAT_FILES_ONLY") == "1"

# --- SHA-256 against hashlib and sha256sum --------------------------------------
rng = random.Random(5)
files = []
for n in [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, (1 << 20) + 3]:
    path = os.path.join(TMP, f"h{n}")
    with open(path, "wb") as f:
        f.write(bytes(rng.getrandbits(8) for _ in range(n)) if n < 5000
                else os.urandom(n))
    files.append(path)
want = {p: hashlib.sha256(open(p, "rb").read()).hexdigest() for p in files}
coreutils = dict(reversed(l.split("  ", 1)) for l in subprocess.run(
    ["sha256sum", *files], capture_output=True, text=True, check=True)
    .stdout.splitlines())
for mode in ["--hash", "--hash-portable"]:
    out = subprocess.run([KAT, mode, *files], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    got = dict(reversed(l.split("  ", 1)) for l in out)
    for p in files:
        check(got[p] == want[p] == coreutils[p],
              f"{mode} {os.path.basename(p)}: {got[p]} vs hashlib {want[p]}")

# --- the table's rows from the CLI's own files -----------------------------------
table = {}
for line in open(TABLE):
    if line.startswith("#") or not line.strip():
        continue
    key, digest = line.rstrip("\n").rsplit("\t", 1)
    table[key] = digest


def spec_args(spec):
    """'kaiming_uniform(mode=fan_out,nonlinearity=relu)' -> CLI arguments."""
    m = re.fullmatch(r"([a-z_]+)(?:\((.*)\))?", spec)
    args = [m.group(1)]
    if m.group(1) == "constant" and not m.group(2):
        args += ["--value", "0.5"]  # the table's default row
    if m.group(1) == "sparse" and "sparsity" not in (m.group(2) or ""):
        args += ["--sparsity", "0.3"]
    for kv in filter(None, (m.group(2) or "").split(",")):
        k, v = kv.split("=")
        args += ["--" + k.replace("_", "-"), v]
    return args


def npy_data(path):
    """The data bytes of a .npy file (after its header)."""
    raw = open(path, "rb").read()
    return raw[10 + int.from_bytes(raw[8:10], "little"):]


out = os.path.join(TMP, "t.npy")
checked = {"npy": 0, "file": 0, "philox": 0, "torch": 0}
for i, (key, digest) in enumerate(sorted(table.items())):
    words = key.split(" ")
    cls = words[0]
    if cls == "npy":  # npy SPEC DTYPE SHAPE seed=S: the whole file
        _, spec, dt, shape, seed = words
        run("sample", *spec_args(spec), "--dtype", dt, "--shape",
            shape.replace("x", ","), "--seed", seed.split("=")[1], "-o", out)
        check(hashlib.sha256(open(out, "rb").read()).hexdigest() == digest, key)
    elif cls == "file":  # file MODEL FORMAT [preset=P rng=R]
        model, fmt = words[1], words[2]
        extra = []
        for w in words[3:]:
            k, v = w.split("=")
            extra += ["--" + k, v]
        path = os.path.join(TMP, "m." + fmt)
        run("init", os.path.join(MODELS, model), *extra, "-q", "-o", path)
        check(hashlib.sha256(open(path, "rb").read()).hexdigest() == digest, key)
    elif FILES_ONLY:
        continue
    elif cls == "philox" and i % 3 == 0 and " bf16 " not in key:
        # philox SPEC DTYPE SHAPE [keras] seed=S stream=T
        spec, dt, shape = words[1], words[2], words[3]
        rest = words[4:]
        layout = ["--layout", "keras"] if rest[0] == "keras" else []
        seed, stream = [w.split("=")[1] for w in rest[-2:]]
        run("sample", *spec_args(spec), "--dtype", dt, "--shape",
            shape.replace("x", ","), *layout, "--seed", seed, "--stream", stream,
            "-o", out)
        check(hashlib.sha256(npy_data(out)).hexdigest() == digest, key)
    elif cls == "torch" and i % 3 == 0 and " bf16 " not in key:
        # torch SPEC DTYPE SHAPE seed=S kernel=K version=V
        spec, dt, shape, seed, kernel, version = words[1:]
        run("sample", *spec_args(spec), "--dtype", dt, "--shape",
            shape.replace("x", ","), "--rng", "torch", "--seed",
            seed.split("=")[1], "--torch-kernel", kernel.split("=")[1],
            "--torch-version", version.split("=")[1], "-o", out)
        check(hashlib.sha256(npy_data(out)).hexdigest() == digest, key)
    else:
        continue
    checked[cls] += 1
print("rows checked through the CLI:", checked)
check(checked["npy"] >= 5 and checked["file"] >= 9 and
      (FILES_ONLY or checked["philox"] >= 300 and checked["torch"] >= 50),
      f"too few rows checked: {checked}")
finish()
