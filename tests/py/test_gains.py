"""Gains against SciPy and PyTorch: every numeric gain 1/sqrt(E[f(z)^2]),
z ~ N(0, 1), against scipy.integrate.quad on the normal density with the
activation written here in NumPy (itself checked against
torch.nn.functional); PyTorch's calculate_gain where it has the
nonlinearity; the edge-of-chaos point against a SciPy root of the
variance map; and the README's table of gains against the command that
makes it."""
import math
import os
import re
import json
import warnings

import numpy as np
import scipy.integrate
import scipy.optimize
import scipy.special
import torch
import torch.nn.functional as F

from nninit_py import TMP, check, finish, run

# quad warns of roundoff where the density's tail is below 1e-300
warnings.filterwarnings("ignore", category=scipy.integrate.IntegrationWarning)

spec = os.path.join(TMP, "model.yaml")
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def softplus(x, beta=1.0):
    return np.logaddexp(0.0, beta * x) / beta


# name -> (f(x, p), default p, points where f' jumps), from PyTorch's docs
ACTS = {
    "linear": (lambda x, p: x, None, []),
    "sigmoid": (lambda x, p: scipy.special.expit(x), None, []),
    "tanh": (lambda x, p: np.tanh(x), None, []),
    "relu": (lambda x, p: np.maximum(x, 0.0), None, [0.0]),
    "leaky_relu": (lambda x, p: np.where(x > 0, x, p * x), 0.01, [0.0]),
    "selu": (lambda x, p: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
             None, [0.0]),
    "elu": (lambda x, p: np.where(x > 0, x, p * np.expm1(np.minimum(x, 0))), 1.0, [0.0]),
    "celu": (lambda x, p: np.maximum(x, 0) + np.minimum(0, p * np.expm1(np.minimum(x, 0) / p)),
             1.0, [0.0]),
    "gelu": (lambda x, p: x * scipy.special.ndtr(x), None, []),
    "gelu_tanh": (lambda x, p: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
                  None, []),
    "silu": (lambda x, p: x * scipy.special.expit(x), None, []),
    "mish": (lambda x, p: x * np.tanh(softplus(x)), None, []),
    "softplus": (lambda x, p: softplus(x, p), 1.0, []),
    "hardswish": (lambda x, p: x * np.clip(x + 3, 0, 6) / 6, None, [-3.0, 3.0]),
    "softsign": (lambda x, p: x / (1 + np.abs(x)), None, []),
}
TORCH = {  # the same functions in PyTorch, to check the NumPy ones
    "sigmoid": lambda t, p: torch.sigmoid(t),
    "tanh": lambda t, p: torch.tanh(t),
    "relu": lambda t, p: F.relu(t),
    "leaky_relu": lambda t, p: F.leaky_relu(t, p),
    "selu": lambda t, p: F.selu(t),
    "elu": lambda t, p: F.elu(t, p),
    "celu": lambda t, p: F.celu(t, p),
    "gelu": lambda t, p: F.gelu(t),
    "gelu_tanh": lambda t, p: F.gelu(t, approximate="tanh"),
    "silu": lambda t, p: F.silu(t),
    "mish": lambda t, p: F.mish(t),
    "softplus": lambda t, p: F.softplus(t, beta=p, threshold=1e9),
    "hardswish": lambda t, p: F.hardswish(t),
    "softsign": lambda t, p: F.softsign(t),
}
# f' for the bounded nonlinearities (the critical point)
DERIV = {
    "tanh": lambda x: 1 - np.tanh(x) ** 2,
    "sigmoid": lambda x: scipy.special.expit(x) * (1 - scipy.special.expit(x)),
    "softsign": lambda x: 1 / (1 + np.abs(x)) ** 2,
}

# --- the NumPy activations are PyTorch's ---------------------------------------
xs = np.linspace(-9, 9, 3601)
for name, fn in TORCH.items():
    f, p0, _ = ACTS[name]
    for p in ([p0] if p0 is None else [p0, 0.3, 2.0]):
        want = fn(torch.tensor(xs, dtype=torch.float64), p).numpy()
        got = f(xs, p)
        err = np.max(np.abs(got - want) / np.maximum(1, np.abs(want)))
        check(err < 1e-13, f"NumPy {name}({p}) vs torch: {err:.2e}")


def expect(fn, kinks, q=1.0):
    """E[fn(sqrt(q) z)], z ~ N(0, 1), by quad over the pieces between kinks."""
    s = math.sqrt(q)
    g = lambda z: fn(s * z) * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    cuts = [-np.inf] + sorted(k / s for k in kinks) + [np.inf]
    total = 0.0
    for a, b in zip(cuts, cuts[1:]):
        v, _ = scipy.integrate.quad(g, a, b, epsabs=1e-15, epsrel=1e-14, limit=500)
        total += v
    return total


def gain_cli(*args):
    return float(run("gain", *map(str, args))[1])


# --- numeric gains: nninit's quadrature vs SciPy's ---------------------------------
worst = 0.0
for name, (f, p0, kinks) in ACTS.items():
    params = [None] if p0 is None else [None, 0.2, 0.5, 2.0]
    for p in params:
        pv = p0 if p is None else p
        want = 1 / math.sqrt(expect(lambda x: float(f(np.float64(x), pv)) ** 2, kinks))
        got = gain_cli(name, "--numeric", *([] if p is None else ["--param", p]))
        rel = abs(got - want) / want
        worst = max(worst, rel)
        check(rel < 1e-11, f"numeric gain {name} ({pv}): nninit {got!r}, SciPy {want!r}, rel {rel:.1e}")
print(f"numeric gains: largest relative difference from SciPy {worst:.2e}")
# closed forms
check(abs(gain_cli("relu", "--numeric") - math.sqrt(2)) < 1e-14, "relu numeric = sqrt(2)")
check(abs(gain_cli("leaky_relu", "--numeric", "--param", 0.3) - math.sqrt(2 / 1.09)) < 1e-14,
      "leaky_relu numeric = sqrt(2/(1+a^2))")
check(abs(gain_cli("linear", "--numeric") - 1) < 1e-14, "linear numeric = 1")
# the figures users see
for name, four in [("gelu", "1.5335"), ("silu", "1.6765")]:
    out = run("gain", name, "--numeric")[1].strip()
    check(f"{float(out):.4f}" == four, f"nninit gain {name} --numeric prints {out}, want {four}")

# --- the default gain: PyTorch's calculate_gain where it has one ----------------------
# (PyTorch's documentation lists Identity with gain 1, but calculate_gain
# only takes the names below)
for name in ["linear", "conv1d", "conv_transpose3d", "sigmoid", "tanh",
             "relu", "leaky_relu", "selu"]:
    want = torch.nn.init.calculate_gain(name)
    check(gain_cli(name) == want, f"gain {name} = torch's {want}")
check(gain_cli("leaky_relu", "--param", 0.2) == torch.nn.init.calculate_gain("leaky_relu", 0.2),
      "leaky_relu 0.2 = torch's")
for name in ["gelu", "silu", "mish", "elu", "hardswish"]:
    try:
        torch.nn.init.calculate_gain(name)
        check(False, f"torch has a gain for {name}: the table should say so")
    except ValueError:
        pass
    check(gain_cli(name) == gain_cli(name, "--numeric"), f"gain {name} defaults to numeric")

# --- the edge of chaos: SciPy's root of the variance map ---------------------------------
def critical(name, sigma_b):
    f = ACTS[name][0]
    df = DERIV[name]
    ef2 = lambda q: expect(lambda x: float(f(np.float64(x), None)) ** 2, [], q)
    edf2 = lambda q: expect(lambda x: float(df(np.float64(x))) ** 2, [], q)
    h = lambda q: sigma_b**2 + ef2(q) / edf2(q) - q
    if sigma_b == 0 and float(f(np.float64(0.0), None)) == 0:
        return 1 / abs(float(df(0.0))), 0.0
    grid = np.geomspace(1e-10, 1e4, 60)
    signs = np.sign([h(q) for q in grid])
    check(np.count_nonzero(np.diff(signs)) == 1, f"{name} sigma_b={sigma_b}: one root of the map")
    k = int(np.nonzero(np.diff(signs))[0][0])
    q = scipy.optimize.brentq(h, grid[k], grid[k + 1], xtol=1e-15, rtol=1e-14, maxiter=500)
    sw = 1 / math.sqrt(edf2(q))
    # the point is the definition: q* is a fixed point, chi_1 = 1
    check(abs(sw**2 * ef2(q) + sigma_b**2 - q) < 1e-10 * max(q, 1), f"{name}: q* is a fixed point")
    return sw, q


worst = 0.0
for name, sbs in [("tanh", [0.0, 0.05, 0.3, 1.0, 2.5]), ("softsign", [0.0, 0.1, 0.5]),
                  ("sigmoid", [0.0, 0.5])]:
    for sb in sbs:
        out = run("gain", name, "--critical", "--sigma-b", sb)[1].split()
        got = dict(zip(out[0::2], map(float, out[1::2])))
        sw, q = critical(name, sb)
        check(abs(got["sigma_w"] - sw) < 1e-9 * sw and abs(got["q_star"] - q) < 1e-8 * max(q, 1e-12),
              f"critical {name} sigma_b={sb}: nninit ({got['sigma_w']!r}, {got['q_star']!r}), "
              f"SciPy ({sw!r}, {q!r})")
        check(got["sigma_b"] == sb, f"critical {name}: sigma_b echoed")
        worst = max(worst, abs(got["sigma_w"] - sw) / sw)
print(f"critical points: largest relative difference in sigma_w from SciPy {worst:.2e}")
# the critical initializer: weights N(0, sigma_w^2/fan_in), biases N(0, sigma_b^2), here
# through a rule over a whole tanh net. 120k normal draws: the sample std's relative sd is
# 1/sqrt(2n) = 0.2%; 1% is 5 sigma
sw, _ = critical("tanh", 0.3)
with open(spec, "w") as fh:
    fh.write("layers:\n"
             "  - {name: fc1, type: linear, in: 400, out: 300, activation: tanh}\n"
             "  - {name: fc2, type: linear, in: 300, out: 400, activation: tanh}\n"
             "rules:\n  - {match: \"fc*\", init: critical, sigma_b: 0.3}\n")
plan = {e["name"]: e for e in json.loads(run("plan", spec, "--format", "json")[1])}
check(abs(plan["fc1.weight"]["gain"] - sw) < 1e-12 and plan["fc1.weight"]["init"] ==
      "critical(nonlinearity=tanh, sigma_b=0.3)", f"plan critical: {plan['fc1.weight']}")
w = os.path.join(TMP, "crit.npz")
run("init", spec, "-q", "-o", w)
z = np.load(w)
for name, want in [("fc1.weight", sw / math.sqrt(400)), ("fc2.weight", sw / math.sqrt(300))]:
    x = z[name].astype(np.float64)
    check(abs(x.std() / want - 1) < 0.01 and abs(x.mean()) < 5 * want / math.sqrt(x.size),
          f"critical {name}: std {x.std()}, want {want}")
for name, n in [("fc1.bias", 300), ("fc2.bias", 400)]:
    x = z[name].astype(np.float64)
    check(abs(x.std() / 0.3 - 1) < 5 / math.sqrt(2 * n), f"critical {name}: std {x.std()}, want 0.3")
# not for unbounded nonlinearities
rc, _, err = run("gain", "relu", "--critical", check=False)
check(rc == 2 and "bounded" in err, f"relu --critical refused: {rc} {err!r}")

# --- the rule: activations PyTorch has no gain for get the numeric one ----------------------
ACT_OF = {"gelu": "gelu", "gelu_tanh": "gelu_new", "silu": "swish", "mish": "mish",
          "elu": "elu", "celu": "celu", "softplus": "softplus", "hardswish": "hardswish",
          "softsign": "softsign"}
with open(spec, "w") as fh:
    fh.write("layers:\n" + "".join(
        f"  - {{name: {n}, type: linear, in: 40, out: 30, activation: {a}}}\n"
        for n, a in ACT_OF.items()))
plan = {e["name"]: e for e in json.loads(run("plan", spec, "--format", "json")[1])}
for n in ACT_OF:
    f, p0, kinks = ACTS[n]
    want = 1 / math.sqrt(expect(lambda x: float(f(np.float64(x), p0)) ** 2, kinks))
    e = plan[f"{n}.weight"]
    check(abs(e["gain"] - want) < 1e-12 * want, f"plan {n}: gain {e['gain']}, SciPy {want}")
    bound = want * math.sqrt(3 / 40) if n != "softsign" else want * math.sqrt(6 / 70)
    check(abs(e["bound"] - bound) < 1e-12, f"plan {n}: bound {e['bound']}, want {bound}")
    check("numeric" in e["why"], f"plan {n}: the why says the gain is numeric: {e['why']}")
    out = run("recommend", ACT_OF[n])[1]
    check(f"gain         {want:.6g}" in out, f"recommend {ACT_OF[n]}: {out}")
# and the weights are drawn with it: U(-b, b), b = gain*sqrt(3/fan_in). For
# 120k uniform draws the sample std's relative sd is sqrt(0.8/n)/2 = 0.13%;
# 0.6% is 4.6 sigma, and sqrt(2) instead of the GELU gain would be off by 8%
with open(spec, "w") as fh:
    fh.write("layers:\n  - {name: fc, type: linear, in: 400, out: 300, activation: gelu}\n")
w = os.path.join(TMP, "acts.npz")
run("init", spec, "-q", "-o", w)
x = np.load(w)["fc.weight"].astype(np.float64)
b = plan["gelu.weight"]["gain"] * math.sqrt(3 / 400)
check(x.shape == (300, 400) and np.abs(x).max() <= b and np.abs(x).max() > 0.999 * b,
      f"gelu layer within U(-b, b), b = {b}: max {np.abs(x).max()}")
check(abs(x.std() / (b / math.sqrt(3)) - 1) < 0.006, f"gelu layer std {x.std()}, want {b / math.sqrt(3)}")
# --- the README's table is the command's output ---------------------------------------------
table = run("gain", "--table", "--format", "markdown")[1]
readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md")).read()
m = re.search(r"<!-- gains: nninit gain --table --format markdown -->\n(.*?)<!-- /gains -->",
              readme, re.S)
check(m is not None, "README has the table of gains")
if m:
    check(m.group(1) == table, "README's table of gains is `nninit gain --table --format markdown`"
          " (regenerate it with that command)")
rows = [r for r in table.splitlines()[2:]]
check(len(rows) == 15, f"the table has a row per function ({len(rows)})")
for r in rows:
    cells = [c.strip() for c in r.strip("|").split("|")]
    name = cells[0].split(" ")[0].rstrip(",")
    f, p0, kinks = ACTS[name]
    want = 1 / math.sqrt(expect(lambda x: float(f(np.float64(x), p0)) ** 2, kinks))
    check(cells[3] == f"{want:.5f}", f"table {name}: numeric {cells[3]}, SciPy {want:.5f}")

finish()
