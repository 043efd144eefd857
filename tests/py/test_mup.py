"""muP against the `mup` package itself (Yang et al. 2022; pure Python on
PyPI, installed with pip --no-deps into a venv that sees Debian's torch and
yaml, under the build directory): for MLPs at width 256 over a base of
width 64,
  - each tensor's infshape (which dimensions are width dimensions, and
    their base sizes) against p.infshape after mup.set_base_shapes, from a
    base model spec and from a .bsh file mup.make_base_shapes wrote;
  - under --preset torch, the factor nninit applies to each tensor against
    the one set_base_shapes(rescale_params=True) applies to PyTorch's
    default init (MuReadout's rescale, rescale_linear_bias), measured as
    the ratio of the tensors after and before;
  - under the seed preset and with N(0, 0.02) rules, the bound or std of
    each tensor against what mup.init.kaiming_uniform_, xavier_uniform_
    and normal_ pass to uniform_/normal_ (caught on the way);
  - the readout's 1/width_mult note against MuReadout.width_mult().
Skips, saying so, only when PyPI cannot be reached to install mup."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from nninit_py import TMP, check, finish, in_pypi_venv, run  # noqa: E402

if not in_pypi_venv(["mup"], ["mup", "torch", "yaml"]):
    sys.exit(0)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import mup  # noqa: E402

from importlib.metadata import version  # noqa: E402

print(f"mup {version('mup')} from {os.path.dirname(mup.__file__)}, torch {torch.__version__}")
BASE, WIDTH = 64, 256


def spec(path, width, extra=""):
    with open(path, "w") as f:
        f.write(f"""
name: mlp
{extra}
layers:
  - {{name: fc1, type: linear, in: 784, out: {width}, activation: relu}}
  - {{name: fc2, type: linear, in: {width}, out: {width}, activation: relu}}
  - {{name: fc3, type: linear, in: {width}, out: 10}}
""")


class MLP(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc1 = nn.Linear(784, width)
        self.fc2 = nn.Linear(width, width)
        self.fc3 = mup.MuReadout(width, 10)


def plan(path, *opts):
    code, out, err = run("plan", path, "--format", "json", *opts)
    return {e["name"]: e for e in json.loads(out)}, err


def infshape(p):
    return [d.base_dim if d.isinf() else None for d in p.infshape]


base_spec = os.path.join(TMP, "base.yaml")
spec(base_spec, BASE)
model_spec = os.path.join(TMP, "model.yaml")
spec(model_spec, WIDTH, "base_shapes: base.yaml\nscaling: mup")

# --- infshapes and PyTorch's default init rescaled (set_base_shapes) ---
torch.manual_seed(0)
model, base = MLP(WIDTH), MLP(BASE)
before = {k: v.detach().clone() for k, v in model.named_parameters()}
mup.set_base_shapes(model, base)
got, err = plan(model_spec, "--preset", "torch")
check(set(got) == set(before), "the same tensors")
for name, p in model.named_parameters():
    e = got[name]
    check(e["base_shape"] == infshape(p), f"{name}: infshape {e['base_shape']} vs mup "
                                          f"{infshape(p)}")
    check(abs(e["width_mult"] - p.infshape.width_mult()) < 1e-15,
          f"{name}: width_mult {e['width_mult']} vs {p.infshape.width_mult()}")
    ratio = (p.detach() / before[name]).double()
    m = ratio.mean().item()
    check(ratio.std().item() < 1e-6 * m, f"{name}: mup rescales by one factor")
    scale = 1.0 if e["scale"] is None else e["scale"]
    check(abs(scale - m) < 1e-6 * m, f"{name}: nninit scale {scale} vs mup's rescale {m}")
print("torch preset: infshapes, width_mults and rescale factors agree:",
      {k: round(1.0 if v["scale"] is None else v["scale"], 6) for k, v in got.items()})
want = 1 / model.fc3.width_mult()
code, out, err = run("plan", model_spec)
check(f"mup.readout.fc3.weight = {want!r}" in out,
      f"readout note 1/width_mult = {want}: {out[-400:]}")

# --- a .bsh file from mup.make_base_shapes, read by nninit ---
bsh = os.path.join(TMP, "mlp.bsh")
mup.make_base_shapes(MLP(BASE), MLP(2 * BASE), savefile=bsh)
spec(os.path.join(TMP, "model2.yaml"), WIDTH, "base_shapes: mlp.bsh\nscaling: mup")
got2, _ = plan(os.path.join(TMP, "model2.yaml"), "--preset", "torch")
model2 = MLP(WIDTH)
mup.set_base_shapes(model2, bsh)
for name, p in model2.named_parameters():
    check(got2[name]["base_shape"] == infshape(p),
          f"{name} from .bsh: {got2[name]['base_shape']} vs {infshape(p)}")

# --- mup.init on the seed preset's choices and on N(0, 0.02) ---
caught = []
orig_uniform, orig_normal = torch.Tensor.uniform_, torch.Tensor.normal_


def uniform_(self, a=0, b=1, **kw):
    caught.append(("uniform", a, b))
    return orig_uniform(self, a, b, **kw)


def normal_(self, mean=0, std=1, **kw):
    caught.append(("normal", mean, std))
    return orig_normal(self, mean, std, **kw)


torch.Tensor.uniform_, torch.Tensor.normal_ = uniform_, normal_
try:
    seed_plan, _ = plan(model_spec)
    normal_spec = os.path.join(TMP, "normal.yaml")
    spec(normal_spec, WIDTH, "base_shapes: base.yaml\nscaling: mup\n"
         "rules:\n  - {match: '*.weight', init: normal, std: 0.02}")
    normal_plan, _ = plan(normal_spec)
    for name, p in model.named_parameters():
        if not name.endswith("weight"):
            continue
        caught.clear()
        if name == "fc3.weight":  # the seed preset: Xavier, nothing follows
            mup.init.xavier_uniform_(p)
        else:  # He after ReLU
            mup.init.kaiming_uniform_(p, a=0, nonlinearity="relu")
        _, lo, hi = caught[-1]
        b = seed_plan[name]["bound"]
        check(abs(b - hi) < 1e-12 * hi and abs(lo + hi) == 0,
              f"{name}: seed preset bound {b} vs mup.init {hi}")
        caught.clear()
        mup.init.normal_(p, std=0.02)
        _, _, sd = caught[-1]
        check(abs(normal_plan[name]["std"] - sd) < 1e-15,
              f"{name}: N(0, 0.02) under mup: std {normal_plan[name]['std']} vs "
              f"mup.init.normal_ {sd}")
    print("mup.init: bounds and stds agree:",
          {k: (seed_plan[k]["bound"], normal_plan[k]["std"]) for k in seed_plan
           if k.endswith("weight")})
finally:
    torch.Tensor.uniform_, torch.Tensor.normal_ = orig_uniform, orig_normal
finish()
