"""The CLI as users meet it: .npy files NumPy loads, dtypes, --range slices,
thread and stream behaviour, f16 rounding against NumPy, help and version,
and every bad-input case (exit status, one-line message, no output file)."""
import os
import stat

import numpy as np

from nninit_py import TMP, check, finish, run, sample

# --- .npy as NumPy reads it --------------------------------------------------
for dt, np_dt in [("f32", np.float32), ("f64", np.float64), ("f16", np.float16)]:
    for shape in [(7,), (50, 10), (2, 3, 4), (3, 1, 2, 2, 5)]:
        x = sample("normal", shape, "--dtype", dt)
        check(x.dtype == np_dt and x.shape == shape and x.flags["C_CONTIGUOUS"],
              f"npy {dt} {shape}: {x.dtype} {x.shape}")
    path = os.path.join(TMP, f"t.npy")
    with open(path, "rb") as f:
        head = f.read(10)
        hl = int.from_bytes(head[8:10], "little")
    check(head[:8] == b"\x93NUMPY\x01\x00" and (10 + hl) % 64 == 0, f"npy header {dt}")
empty = sample("xavier_uniform", (0, 5))
check(empty.shape == (0, 5), "empty tensor")

# --- f16: the f32 values rounded to nearest even, as NumPy rounds ------------
f32 = sample("normal", (100000,), "--std", 3, "--seed", 2)
f16 = sample("normal", (100000,), "--std", 3, "--seed", 2, "--dtype", "f16")
check(np.array_equal(f32.astype(np.float16).view(np.uint16), f16.view(np.uint16)),
      "f16 == numpy's float32 -> float16 rounding")
u16 = sample("uniform", (100000,), "--low", 0.1, "--high", 0.2, "--dtype", "f16")
check(u16.min() >= np.float16(0.1) and u16.max() < np.float16(0.2), "f16 uniform bounds")

# --- ranges, threads, seeds, streams -------------------------------------------
for init_name, shape, extra in [("normal", (300, 301), []), ("trunc_normal", (1000, 33), []),
                                ("orthogonal", (40, 70), []), ("sparse", (60, 50), ["--sparsity", "0.3"]),
                                ("kaiming_uniform", (64, 3, 5, 5), []), ("eye", (9, 12), [])]:
    whole = sample(init_name, shape, *extra, "--seed", 3).ravel()
    n = whole.size
    for b, e in [(0, 1), (5, 17), (63, min(129, n)), (n // 3, n - 7), (0, n)]:
        part = sample(init_name, shape, *extra, "--seed", 3, "--range", f"{b}:{e}")
        check(part.shape == (e - b,) and np.array_equal(part, whole[b:e]),
              f"{init_name} --range {b}:{e}")
big = (1 << 21) + 5
one = sample("normal", (big,), "--threads", 1)
for t in [2, 7]:
    check(np.array_equal(one, sample("normal", (big,), "--threads", t)), f"{t} threads")
for simd in ["scalar", "avx2", "avx512"]:
    rc, _, err = run("sample", "normal", "--shape", 1, "--simd", simd, "-o",
                     os.path.join(TMP, "probe.npy"), check=False)
    if rc == 2 and "not supported by this CPU" in err:
        continue  # a path this machine cannot run
    check(np.array_equal(one, sample("normal", (big,), "--simd", simd)), f"--simd {simd}")
    # the library reads no environment variable: NNINIT_SIMD changes nothing
    check(np.array_equal(one, sample("normal", (big,), env={"NNINIT_SIMD": "nonsense"})),
          "NNINIT_SIMD is not read")
check(not np.array_equal(one[:100], sample("normal", (100,), "--seed", 1)), "seed changes values")
a = sample("normal", (64,), "--name", "fc1.weight")
b = sample("normal", (64,), "--name", "fc2.weight")
check(not np.array_equal(a, b), "--name changes the stream")
check(np.array_equal(sample("normal", (64,), "--seed", -1),
                     sample("normal", (64,), "--seed", 2**64 - 1)), "negative seeds wrap")

# --- help and version ----------------------------------------------------------
rc, out, _ = run("--version")
check(rc == 0 and out.startswith("nninit "), "--version")
for cmd in ["sample", "gain", "fans", "recommend", "demo"]:
    rc, out, _ = run(cmd, "--help")
    check(rc == 0 and "usage: nninit " + cmd in out, f"{cmd} --help")
rc, out, _ = run("recommend", "relu")
check("kaiming_uniform" in out and "He" in out, "recommend relu")
rc, out, _ = run("recommend", "tanh")
check("xavier_uniform" in out, "recommend tanh")
rc, out, _ = run("recommend", "lstm")
check("orthogonal" in out, "recommend lstm")
# the seed-network section only: the full tour trains networks (lab_cli.py
# runs it at smoke-test size)
rc, out, _ = run("demo", "--seed-network-only")
check(rc == 0 and "fc1.weight" in out and "kaiming_uniform" in out, "demo")

# --- bad input: exit 2, one line naming the problem, no file --------------------
out_path = os.path.join(TMP, "bad.npy")
BAD = [
    (["sample", "xavier", "--shape", "3,4"],
     "unknown initializer 'xavier' (did you mean xavier_uniform or xavier_normal?)"),
    (["sample", "kaiming_unifrom", "--shape", "3,4"], "(did you mean kaiming_uniform?)"),
    (["sample", "normal", "--shape", "3,4", "--sead", "2"], "(did you mean --seed?)"),
    (["sample", "normal", "--shape", "3,4", "--rng", "torhc"], "(did you mean torch?)"),
    (["smaple"], "unknown command 'smaple' (did you mean sample?)"),
    (["sample", "kaiming_normal", "--shape", "3,4", "--nonlinearity", "swishy"], "unknown nonlinearity"),
    (["sample", "kaiming_normal", "--shape", "3,4", "--mode", "fan_middle"], "unknown mode"),
    (["sample", "variance_scaling", "--shape", "3,4", "--distribution", "cauchy"], "unknown distribution"),
    (["sample", "normal", "--shape", "3,-4"], "negative"),
    (["sample", "normal", "--shape", "3,four"], "not a non-negative integer"),
    (["sample", "normal", "--shape", "99999999999999999999999"], "overflows"),
    (["sample", "normal", "--shape", "4294967296,4294967296"], "too many elements"),
    (["sample", "normal", "--shape", "3,4", "--std", "-1"], "std must be >= 0"),
    (["sample", "uniform", "--shape", "3,4", "--low", "2", "--high", "1"], "low must be <= high"),
    (["sample", "trunc_normal", "--shape", "3,4", "--trunc-a", "1", "--trunc-b", "1"], "trunc-a must be < trunc-b"),
    (["sample", "sparse", "--shape", "3,4", "--sparsity", "1.5"], "sparsity must be in [0, 1]"),
    (["sample", "sparse", "--shape", "3,4", "--sparsity", "-0.1"], "sparsity must be in [0, 1]"),
    (["sample", "normal", "--shape", "3,4", "--std", "nan"], "finite"),
    (["sample", "normal", "--shape", "3,4", "--mean", "inf"], "finite"),
    (["sample", "xavier_uniform", "--shape", "3,4", "--gain", "-inf"], "finite"),
    (["sample", "orthogonal", "--shape", "12"], "at least 2 dimensions"),
    (["sample", "xavier_normal", "--shape", "12"], "2 dimensions"),
    (["sample", "dirac", "--shape", "3,4"], "3-, 4- or 5-D"),
    (["sample", "dirac", "--shape", "5,4,3", "--groups", "2"], "divisible by groups"),
    (["sample", "eye", "--shape", "3,4,5"], "2-D"),
    (["sample", "normal", "--shape", "3,4", "--range", "5:13"], "outside the tensor"),
    (["sample", "normal", "--shape", "3,4", "--range", "7:5"], "after end"),
    (["sample", "normal", "--shape", "3,4", "--gain", "2"], "does not take --gain"),
    (["sample", "normal", "--shape", "3,4", "--bogus", "2"], "unknown option"),
    (["sample", "normal", "--shape", "3,4", "--dtype", "f8"], "unknown dtype"),
    (["sample", "normal", "--shape", "3,4", "--simd", "avx3"], "--simd: unknown path 'avx3'"),
    (["sample", "normal", "--shape", "3,4", "--dtype", "bf16"], "bf16"),
    (["sample", "normal"], "missing --shape"),
    (["sample", "constant", "--shape", "3,4"], "value"),
    (["gain", "gleu"], "unknown nonlinearity 'gleu' (did you mean gelu?)"),
    (["gain", "gelu", "--param", "0.1"], "gelu has no parameter"),
    (["gain", "relu", "--critical"], "bounded nonlinearity"),
    (["gain", "tanh", "--sigma-b", "0.1"], "--sigma-b needs --critical"),
    (["gain", "tanh", "--critical", "--sigma-b", "-1"], "sigma_b must be finite and >= 0"),
    (["gain", "tanh", "--numeric", "--critical"], "choose one"),
    (["gain", "--table", "--format", "html"], "unknown format 'html'"),
    (["gain", "celu", "--param", "0"], "alpha must be > 0"),
    (["sample", "critical", "--shape", "3,4", "--nonlinearity", "relu"], "bounded nonlinearity"),
    (["sample", "critical", "--shape", "3,4", "--sigma-b", "-1"], "sigma_b must be finite and >= 0"),
    (["sample", "critical", "--shape", "3,4", "--gain", "2"], "does not take --gain (it takes: --nonlinearity, --sigma-b)"),
    (["sample", "critical", "--shape", "3,4", "--rng", "torch"], "critical has no torch.nn.init counterpart"),
    (["sample", "kaiming_uniform", "--shape", "3,4", "--nonlinearity", "gelu", "--rng", "torch"],
     "calculate_gain has no gelu"),
    (["fans", "--shape", "5"], "2 dimensions"),
    (["recommend", "swishy"], "unknown activation"),
    (["frobnicate"], "unknown command"),
]
for args, needle in BAD:
    if os.path.exists(out_path):
        os.remove(out_path)
    argv = args + (["-o", out_path] if args[0] == "sample" else [])
    rc, out, err = run(*argv, check=False)
    lines = err.strip().splitlines()
    check(rc == 2, f"{' '.join(args)}: exit {rc}, expected 2")
    check(len(lines) == 1 and lines[0].startswith("nninit: ") and needle in lines[0],
          f"{' '.join(args)}: stderr {err.strip()!r} should be one line naming '{needle}'")
    check(not os.path.exists(out_path), f"{' '.join(args)}: left an output file")
    check(not [f for f in os.listdir(TMP) if ".tmp-" in f], f"{' '.join(args)}: left a temp file")

# an unwritable output path: exit 1, a clear message, nothing created
rc, out, err = run("sample", "normal", "--shape", "3,4", "-o", "/nonexistent-dir/x.npy", check=False)
check(rc == 1 and "cannot create '/nonexistent-dir/x.npy'" in err, f"unwritable: {rc} {err!r}")
ro = os.path.join(TMP, "ro")
os.mkdir(ro)
os.chmod(ro, stat.S_IRUSR | stat.S_IXUSR)
if os.geteuid() != 0:  # root ignores directory permissions
    rc, out, err = run("sample", "normal", "--shape", "3,4", "-o", os.path.join(ro, "x.npy"), check=False)
    check(rc == 1 and "cannot create" in err, f"read-only dir: {rc} {err!r}")
# an existing file is replaced whole, or left untouched on error
keep = os.path.join(TMP, "keep.npy")
with open(keep, "wb") as f:
    f.write(b"precious")
run("sample", "normal", "--shape", "3,4", "--std", "-1", "-o", keep, check=False)
check(open(keep, "rb").read() == b"precious", "failed run left the old file alone")
run("sample", "normal", "--shape", "3,4", "-o", keep)
check(np.load(keep).shape == (3, 4), "successful run replaced the file")

finish()
