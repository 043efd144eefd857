"""Fans, gains, bounds and deterministic initializers against PyTorch itself
(Debian's python3-torch 1.13.1), and every random initializer's values
against the distribution torch's own formulas promise (scipy KS test)."""
import math
import random

import numpy as np
import scipy.stats as st
import torch
import torch.nn.init as init

from nninit_py import check, finish, run, sample

# --- gains -------------------------------------------------------------------
for nl in ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
           "conv_transpose2d", "conv_transpose3d", "sigmoid", "tanh", "relu",
           "leaky_relu", "selu"]:
    want = float(init.calculate_gain(nl))
    got = float(run("gain", nl)[1])
    check(got == want, f"gain {nl}: {got!r} vs torch {want!r}")
for slope in [0.0, 0.2, 1.0, math.sqrt(5), 3.5]:
    want = init.calculate_gain("leaky_relu", slope)
    got = float(run("gain", "leaky_relu", "--slope", repr(slope))[1])
    check(got == want, f"gain leaky_relu {slope}: {got!r} vs {want!r}")

# --- fans --------------------------------------------------------------------
rnd = random.Random(1)
for _ in range(40):
    shape = [rnd.randint(1, 9) for _ in range(rnd.randint(2, 5))]
    fi, fo = init._calculate_fan_in_and_fan_out(torch.empty(shape))
    out = dict(line.split() for line in run("fans", "--shape", ",".join(map(str, shape)))[1].splitlines())
    check((int(out["fan_in"]), int(out["fan_out"])) == (fi, fo),
          f"fans {shape}: {out} vs torch {(fi, fo)}")

# --- deterministic initializers: byte-identical to torch ---------------------
def torch_f32(fn, shape, **kw):
    t = torch.empty(shape, dtype=torch.float32)
    fn(t, **kw)
    return t.numpy()

for shape in [(3, 5), (5, 3), (4, 4), (1, 7)]:
    got = sample("eye", shape)
    check(np.array_equal(got, torch_f32(init.eye_, shape)), f"eye {shape}")
for shape, groups in [((4, 2, 3), 1), ((4, 2, 3, 3), 2), ((6, 3, 2, 4, 5), 3),
                      ((5, 7, 4, 4), 1), ((8, 2, 2, 2), 4)]:
    got = sample("dirac", shape, "--groups", groups)
    check(np.array_equal(got, torch_f32(init.dirac_, shape, groups=groups)),
          f"dirac {shape} groups {groups}")
for shape in [(3, 4), (2, 3, 4)]:
    check(np.array_equal(sample("zeros", shape), torch_f32(init.zeros_, shape)), "zeros")
    check(np.array_equal(sample("ones", shape), torch_f32(init.ones_, shape)), "ones")
    check(np.array_equal(sample("constant", shape, "--value", "0.37"),
                         torch_f32(init.constant_, shape, val=0.37)), "constant")

# --- random initializers: distribution from torch's own formulas -------------
def fans(shape):
    return init._calculate_fan_in_and_fan_out(torch.empty(shape))

def ks(x, dist, what):
    p = st.kstest(x.astype(np.float64).ravel(), dist.cdf).pvalue
    print(f"  {what:50s} n={x.size} KS p={p:.4f}")
    check(p > 1e-3, f"{what}: KS p = {p}")

def in_bounds(x, lo, hi, what):
    check(x.min() >= np.float32(lo) and x.max() <= np.float32(hi),
          f"{what}: [{x.min()}, {x.max()}] outside [{lo}, {hi}]")

shape = (800, 600, 2)  # 960000 elements, fan_in 1200, fan_out 1600
fi, fo = fans(shape)
for gi, gain in enumerate([1.0, 5 / 3]):
    std = gain * math.sqrt(2.0 / (fi + fo))
    b = math.sqrt(3.0) * std
    x = sample("xavier_uniform", shape, "--gain", gain, "--seed", 100 + gi)
    in_bounds(x, -b, b, f"xavier_uniform gain {gain}")
    ks(x, st.uniform(-b, 2 * b), f"xavier_uniform gain {gain}")
    x = sample("xavier_normal", shape, "--gain", gain, "--seed", 200 + gi)
    ks(x, st.norm(0, std), f"xavier_normal gain {gain}")
for ki, (nl, a, mode) in enumerate([("relu", 0, "fan_in"), ("leaky_relu", 0.2, "fan_out"),
                    ("leaky_relu", math.sqrt(5), "fan_in"), ("tanh", 0, "fan_in"),
                    ("selu", 0, "fan_out")]):
    gain = init.calculate_gain(nl, a)
    fan = fi if mode == "fan_in" else fo
    std = gain / math.sqrt(fan)
    b = math.sqrt(3.0) * std
    x = sample("kaiming_uniform", shape, "--nonlinearity", nl, "--a", a, "--mode", mode, "--seed", 300 + ki)
    in_bounds(x, -b, b, f"kaiming_uniform {nl} {a} {mode}")
    ks(x, st.uniform(-b, 2 * b), f"kaiming_uniform {nl} a={a:.3g} {mode}")
    x = sample("kaiming_normal", shape, "--nonlinearity", nl, "--a", a, "--mode", mode, "--seed", 400 + ki)
    ks(x, st.norm(0, std), f"kaiming_normal {nl} a={a:.3g} {mode}")
x = sample("uniform", shape, "--low", -0.01, "--high", 0.01, "--seed", 5)
in_bounds(x, -0.01, 0.01, "uniform")
ks(x, st.uniform(-0.01, 0.02), "uniform(-0.01, 0.01)")
x = sample("normal", shape, "--mean", 1, "--std", 0.5, "--seed", 6)
ks(x, st.norm(1, 0.5), "normal(1, 0.5)")
x = sample("trunc_normal", shape, "--mean", 0.5, "--std", 2, "--trunc-a", -1, "--trunc-b", 3, "--seed", 7)
in_bounds(x, -1, 3, "trunc_normal")
ks(x, st.truncnorm((-1 - 0.5) / 2, (3 - 0.5) / 2, loc=0.5, scale=2), "trunc_normal(0.5, 2, [-1, 3])")
x = sample("lecun_normal", shape, "--seed", 8)
ks(x, st.norm(0, 1 / math.sqrt(fi)), "lecun_normal")
x = sample("lecun_uniform", shape, "--seed", 9)
ks(x, st.uniform(-math.sqrt(3 / fi), 2 * math.sqrt(3 / fi)), "lecun_uniform")
# Keras' truncated He normal: sigma = sqrt(2/fan_in)/0.8796..., cut at +-2 sigma
x = sample("variance_scaling", shape, "--scale", 2, "--mode", "fan_in", "--distribution", "truncated_normal", "--seed", 10)
sig = math.sqrt(2 / fi) / 0.87962566103423978
in_bounds(x, -2 * sig, 2 * sig, "variance_scaling truncated")
ks(x, st.truncnorm(-2, 2, scale=sig), "variance_scaling(2, fan_in, truncated_normal)")
check(abs(x.std() / math.sqrt(2 / fi) - 1) < 0.005, "variance_scaling truncated std")

# orthogonal: as torch's orthogonal_, rows orthonormal when rows <= cols
for shp in [(64, 64), (20, 90), (90, 20), (8, 3, 3, 3)]:
    w = sample("orthogonal", shp, "--gain", 1.5).reshape(shp[0], -1).astype(np.float64)
    g = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    err = np.abs(g - 2.25 * np.eye(g.shape[0])).max() / 2.25
    print(f"  orthogonal {shp}: max|W W^T/g^2 - I| = {err:.2e}")
    check(err < 1e-6, f"orthogonal {shp}: {err}")

finish()
