"""Whole models, checked against independent peers: tensor names and shapes
against PyTorch's own modules; safetensors parsed by its published layout and
turned into torch tensors with torch.frombuffer; npz read by numpy.load; GGUF
parsed by its layout; values against formulas computed here from the shapes
(bounds, Kolmogorov-Smirnov against the exact CDFs, orthogonality); stream ids
stable when a layer is added; checkpoints made by NumPy, by PyTorch tensors and
by a GGUF writer written from the spec, read back and re-initialized.

Every statistic uses a fixed seed, so each check is deterministic; the KS
threshold p > 1e-4 is loose enough for any correct sampler and tight enough
that a 10% error in a bound or std fails at the sizes used (>= 10^4 samples)."""
import json
import os
import re
import zipfile

import numpy as np
import scipy.stats as st
import torch
import torch.nn as nn

from modelfiles import read_gguf, read_safetensors, write_gguf, write_safetensors
from nninit_py import TMP, check, finish, run


def spec(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def out(name):
    return os.path.join(TMP, name)


def plan(path, *opts):
    return json.loads(run("plan", path, "--format", "json", *opts)[1])


# --- names and shapes: exactly PyTorch's state_dict --------------------------------
ZOO = spec("zoo.yaml", """
name: zoo
layers:
  - {name: emb, type: embedding, num: 40, dim: 12}
  - {name: fc, type: linear, in: 12, out: 20, activation: relu}
  - {name: nob, type: linear, in: 20, out: 6, bias: false}
  - {name: bil, type: bilinear, in1: 6, in2: 5, out: 4}
  - {name: c1, type: conv1d, in: 4, out: 8, kernel: 3}
  - {name: c2, type: conv2d, in: 8, out: 12, kernel: [3, 5], groups: 4, activation: leaky_relu, slope: 0.2}
  - {name: c3, type: conv3d, in: 2, out: 4, kernel: 2, bias: false}
  - {name: t1, type: conv_transpose1d, in: 8, out: 6, kernel: 4, groups: 2}
  - {name: t2, type: conv_transpose2d, in: 6, out: 4, kernel: [2, 3]}
  - {name: t3, type: conv_transpose3d, in: 4, out: 2, kernel: [1, 2, 3]}
  - {name: ln, type: layernorm, dim: [4, 6]}
  - {name: bn, type: batchnorm2d, dim: 12}
  - {name: bn0, type: batchnorm, dim: 5, affine: false}
  - {name: rnn, type: rnn, in: 12, hidden: 10, layers: 2, nonlinearity: relu, bidirectional: true}
  - {name: lstm, type: lstm, in: 10, hidden: 16, layers: 2, proj_size: 4, bidirectional: true}
  - {name: gru, type: gru, in: 4, hidden: 9, bias: false}
  - name: blocks
    repeat: 2
    layers:
      - {name: mlp, type: linear, in: 9, out: 9, activation: selu}
""")


def torch_zoo():
    m = nn.Module()
    m.emb = nn.Embedding(40, 12)
    m.fc = nn.Linear(12, 20)
    m.nob = nn.Linear(20, 6, bias=False)
    m.bil = nn.Bilinear(6, 5, 4)
    m.c1 = nn.Conv1d(4, 8, 3)
    m.c2 = nn.Conv2d(8, 12, (3, 5), groups=4)
    m.c3 = nn.Conv3d(2, 4, 2, bias=False)
    m.t1 = nn.ConvTranspose1d(8, 6, 4, groups=2)
    m.t2 = nn.ConvTranspose2d(6, 4, (2, 3))
    m.t3 = nn.ConvTranspose3d(4, 2, (1, 2, 3))
    m.ln = nn.LayerNorm([4, 6])
    m.bn = nn.BatchNorm2d(12)
    m.bn0 = nn.BatchNorm1d(5, affine=False)
    m.rnn = nn.RNN(12, 10, 2, nonlinearity="relu", bidirectional=True)
    m.lstm = nn.LSTM(10, 16, 2, proj_size=4, bidirectional=True)
    m.gru = nn.GRU(4, 9, bias=False)
    m.blocks = nn.ModuleList([nn.Module() for _ in range(2)])
    for b in m.blocks:
        b.mlp = nn.Linear(9, 9)
    return m


sd = torch_zoo().state_dict()
rows = plan(ZOO)
check([r["name"] for r in rows] == list(sd), "state_dict names and order")
for r in rows:
    if r["name"] in sd:
        check(r["shape"] == list(sd[r["name"]].shape), f"shape of {r['name']}")
        check(r["dtype"] == ("I64" if sd[r["name"]].dtype == torch.int64 else "F32"),
              f"dtype of {r['name']}")
byname = {r["name"]: r for r in rows}
# the per-layer rule, with fans as torch computes them
for name, kind in [("fc.weight", "kaiming_uniform"), ("nob.weight", "xavier_uniform"),
                   ("c2.weight", "kaiming_uniform"), ("blocks.0.mlp.weight", "lecun_normal"),
                   ("emb.weight", "normal"), ("lstm.weight_hh_l1_reverse", "orthogonal"),
                   ("fc.bias", "zeros"), ("ln.weight", "ones"), ("bn.running_var", "ones"),
                   ("bn.num_batches_tracked", "zeros")]:
    check(byname[name]["kind"] == kind, f"{name}: {byname[name]['kind']} != {kind}")
for name, t in sd.items():
    if t.dim() >= 2 and name in byname:
        fi, fo = nn.init._calculate_fan_in_and_fan_out(t)
        check(byname[name]["fan_in"] == fi and byname[name]["fan_out"] == fo,
              f"fans of {name}: {byname[name]['fan_in']},{byname[name]['fan_out']} vs {fi},{fo}")
c2 = byname["c2.weight"]
check(abs(c2["bound"] - np.sqrt(2 / (1 + 0.2 ** 2)) * np.sqrt(3 / (2 * 15))) < 1e-12,
      "leaky_relu slope 0.2 in the He gain")

# --- the seed example: He before ReLU, Xavier before tanh and sigmoid --------------
SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                    "models", "seed.yaml")
seed_rows = {r["name"]: r for r in plan(SEED)}
for name, kind, fi, fo, gain, bound in [
        ("fc1.weight", "kaiming_uniform", 10, 50, np.sqrt(2), np.sqrt(2) * np.sqrt(3 / 10)),
        ("fc2.weight", "xavier_uniform", 50, 30, 5 / 3, 5 / 3 * np.sqrt(6 / 80)),
        ("fc3.weight", "xavier_uniform", 30, 1, 1.0, np.sqrt(6 / 31))]:
    r = seed_rows[name]
    check(r["kind"] == kind and r["fan_in"] == fi and r["fan_out"] == fo and
          abs(r["gain"] - gain) < 1e-12 and abs(r["bound"] - bound) < 1e-12 and
          abs(r["std"] - bound / np.sqrt(3)) < 1e-12, f"seed plan row {name}: {r}")
check(seed_rows["fc1.bias"]["kind"] == "zeros" and "relu" in seed_rows["fc1.weight"]["why"],
      "seed plan: biases zeros, and why names the activation")
tsv = run("plan", SEED, "--format", "tsv")[1].splitlines()
check(tsv[0].split("\t") == ["name", "shape", "dtype", "fan_in", "fan_out", "init", "gain",
                             "std", "bound", "why"] and len(tsv) == 7, "plan tsv columns")

# --- the three formats hold the same bytes, laid out as their specs say ---------
run("init", ZOO, "--seed", 42, "-o", out("zoo.safetensors"))
run("init", ZOO, "--seed", 42, "-o", out("zoo.npz"), "-q")
code, _, err = run("init", ZOO, "-o", out("zoo.gguf"), check=False)
check(code == 2 and "5 dimensions" in err and not os.path.exists(out("zoo.gguf")),
      "gguf refuses 5-D conv3d weights")
# GGUF: the same model without the 5-D kernels
ZOO2 = spec("zoo2.yaml", "".join(l + "\n" for l in open(ZOO).read().split("\n")
                                 if "3d" not in l))
run("init", ZOO2, "--seed", 42, "-o", out("zoo.gguf"), "-q")
meta, sf, order = read_safetensors(out("zoo.safetensors"))
check(order == list(sd), "safetensors header order")
z = np.load(out("zoo.npz"))
check(z.files == list(sd), "npz member order")
# the same bytes in any timezone and at any time: members dated 1980-01-01 12:00
for tz in ["Asia/Tokyo", "America/Los_Angeles"]:
    run("init", ZOO, "--seed", 42, "-o", out("zoo_tz.npz"), "-q", env={"TZ": tz})
    check(open(out("zoo_tz.npz"), "rb").read() == open(out("zoo.npz"), "rb").read(),
          f"npz bytes under TZ={tz}")
check({i.date_time for i in zipfile.ZipFile(out("zoo.npz")).infolist()} ==
      {(1980, 1, 1, 12, 0, 0)}, "npz member dates")
kv, gg, gtypes, _ = read_gguf(out("zoo.gguf"))
check(len(gg) == len(sd) - 3, "gguf tensor count")
for k, t in sf.items():
    a = t.numpy()
    check(a.shape == z[k].shape and np.array_equal(a, z[k]), f"npz == safetensors: {k}")
    if k in gg:
        g = gg[k]
        if a.ndim == 0:
            g = g.reshape(())
        check(np.array_equal(a, g), f"gguf == safetensors: {k}")
check(z["bn.num_batches_tracked"].dtype == np.int64 and z["bn.num_batches_tracked"].shape == ()
      and z["bn.num_batches_tracked"] == 0, "num_batches_tracked: int64 scalar 0")
check(gtypes["bn.num_batches_tracked"] == 27, "gguf int64 type")
check(meta["nninit.seed"] == "42" and meta["nninit.preset"] == "seed" and meta["format"] == "pt",
      f"safetensors metadata {meta.get('nninit.seed')}")
check(meta["nninit.scheme.fc.weight"] == byname["fc.weight"]["init"], "per-tensor scheme")
check(kv["general.architecture"] == "nninit" and kv["general.name"] == "zoo" and
      kv["nninit.seed"] == 42, "gguf keys")
# the version of the bytes (tests/kat pins version 1), in every format
check(meta["nninit.bytes_version"] == "1" and kv["nninit.bytes_version"] == 1 and
      json.loads(zipfile.ZipFile(out("zoo.npz")).comment)["nninit.bytes_version"] == "1",
      "bytes version recorded")
# torch loads the safetensors tensors straight into the module
m = torch_zoo()
m.load_state_dict(sf, strict=True)
check(torch.equal(m.fc.weight, sf["fc.weight"]), "load_state_dict")

# --- values against formulas computed here ------------------------------------------
def ks_uniform(x, b):
    return st.kstest(x.ravel(), "uniform", args=(-b, 2 * b)).pvalue


w = sf["fc.weight"].numpy()
b = np.sqrt(2.0) * np.sqrt(3.0 / 12)  # He uniform, relu, fan_in 12
check(np.abs(w).max() <= b and np.abs(w).max() > 0.9 * b, "He bound of fc")
check(np.all(sf["fc.bias"].numpy() == 0) and np.all(sf["ln.weight"].numpy() == 1), "zeros/ones")
big = spec("big.yaml", """
layers:
  - {name: tanh, type: linear, in: 300, out: 200, activation: tanh}
  - {name: selu, type: linear, in: 250, out: 100, activation: selu}
  - {name: emb, type: embedding, num: 500, dim: 64}
  - {name: lstm, type: lstm, in: 8, hidden: 32, forget_bias: 1.0}
""")
run("init", big, "--seed", 3, "-o", out("big.safetensors"), "-q")
_, bt, _ = read_safetensors(out("big.safetensors"))
xb = 5 / 3 * np.sqrt(6 / 500)
check(ks_uniform(bt["tanh.weight"].numpy(), xb) > 1e-4, "Xavier(tanh) is U(-b, b)")
check(st.kstest(bt["selu.weight"].numpy().ravel(), "norm", args=(0, np.sqrt(1 / 250))).pvalue
      > 1e-4, "LeCun normal for SELU")
check(st.kstest(bt["emb.weight"].numpy().ravel(), "norm").pvalue > 1e-4, "embedding N(0, 1)")
whh = bt["lstm.weight_hh_l0"].numpy().astype(np.float64)
for g in range(4):
    blk = whh[32 * g:32 * (g + 1)]
    check(np.abs(blk @ blk.T - np.eye(32)).max() < 1e-5, f"gate block {g} orthogonal")
bih = bt["lstm.bias_ih_l0"].numpy()
check(np.all(bih[32:64] == 1) and np.all(bih[:32] == 0) and np.all(bih[64:] == 0),
      "forget-gate bias 1")

# --- narrow and wide types -------------------------------------------------------------
# f16/bf16 are the f32 values rounded to nearest even (sample.h), except uniform
# values that round onto the excluded upper bound: those become the largest
# narrow value below it. f64 draws 53-bit values of its own.
for dt, ct in [("f16", torch.float16), ("bf16", torch.bfloat16)]:
    run("init", big, "--seed", 3, "--dtype", dt, "-o", out(f"big_{dt}.safetensors"), "-q")
    _, nt, _ = read_safetensors(out(f"big_{dt}.safetensors"))
    check(nt["emb.weight"].dtype == ct and torch.equal(bt["emb.weight"].to(ct), nt["emb.weight"]),
          f"{dt} normal == rounded f32")
    w32, wn = bt["tanh.weight"], nt["tanh.weight"]
    hi = torch.tensor(xb, dtype=torch.float64)
    below = hi.to(ct)
    if below.double() >= hi:  # one bit pattern down: the next value below
        below = (below.view(torch.int16) - 1).view(ct)
    rounded = w32.to(ct)
    onto = rounded.double() >= hi
    check(torch.equal(wn[~onto], rounded[~onto]) and bool(torch.all(wn[onto] == below)) and
          wn.double().max() < hi, f"{dt} uniform: rounded f32, the bound excluded")
run("init", big, "--seed", 3, "--dtype", "f64", "-o", out("big_f64.safetensors"), "-q")
_, wt, _ = read_safetensors(out("big_f64.safetensors"))
check(wt["tanh.weight"].dtype == torch.float64 and
      ks_uniform(wt["tanh.weight"].numpy(), xb) > 1e-4, "f64 uniform")
check(st.kstest(wt["emb.weight"].numpy().ravel(), "norm").pvalue > 1e-4, "f64 normal")
check(run("init", big, "--dtype", "bf16", "-o", out("x.npz"), check=False)[0] == 2 and
      not os.path.exists(out("x.npz")), "bf16 npz refused")

# --- stream ids come from names: adding a layer changes no other tensor -------------
a_spec = spec("a.yaml", "layers:\n  - {name: fc1, type: linear, in: 10, out: 50, activation: relu}\n"
              "  - {name: fc2, type: lstm, in: 50, hidden: 8}\n")
b_spec = spec("b.yaml", "layers:\n  - {name: new, type: linear, in: 3, out: 3}\n"
              "  - {name: fc1, type: linear, in: 10, out: 50, activation: relu}\n"
              "  - {name: mid, type: gru, in: 50, hidden: 8}\n"
              "  - {name: fc2, type: lstm, in: 50, hidden: 8}\n")
run("init", a_spec, "--seed", 9, "-o", out("a.safetensors"), "-q")
run("init", b_spec, "--seed", 9, "-o", out("b.safetensors"), "-q")
_, ta, _ = read_safetensors(out("a.safetensors"))
_, tb, _ = read_safetensors(out("b.safetensors"))
for k in ta:
    check(torch.equal(ta[k], tb[k]), f"stream stability: {k}")
run("init", a_spec, "--seed", 10, "-o", out("a10.safetensors"), "-q")
_, t10, _ = read_safetensors(out("a10.safetensors"))
check(not torch.equal(t10["fc1.weight"], ta["fc1.weight"]), "another seed, other values")
for threads in ["1", "2"]:
    run("init", a_spec, "--seed", 9, "--threads", threads, "--chunk-mb", "1",
        "-o", out("at.safetensors"), "-q")
    check(open(out("at.safetensors"), "rb").read() == open(out("a.safetensors"), "rb").read(),
          f"same file at --threads {threads}")

# --- presets ---------------------------------------------------------------------------
pre = spec("pre.yaml", """
layers:
  - {name: fc, type: linear, in: 400, out: 300}
  - {name: emb, type: embedding, num: 300, dim: 200}
  - {name: up, type: conv_transpose2d, in: 64, out: 32, kernel: 3}
  - {name: lstm, type: lstm, in: 20, hidden: 24}
""")
for preset in ["torch", "keras", "flax"]:
    run("init", pre, "--preset", preset, "--seed", 1, "-o", out(f"{preset}.safetensors"), "-q")
_, pt, _ = read_safetensors(out("torch.safetensors"))
check(ks_uniform(pt["fc.weight"].numpy(), 1 / np.sqrt(400)) > 1e-4, "torch: Linear U(+-1/sqrt(in))")
check(ks_uniform(pt["fc.bias"].numpy(), 1 / np.sqrt(400)) > 1e-4 or
      np.abs(pt["fc.bias"].numpy()).max() <= 1 / np.sqrt(400), "torch: Linear bias")
check(np.abs(pt["lstm.weight_hh_l0"].numpy()).max() <= 1 / np.sqrt(24), "torch: LSTM bound")
_, kt, _ = read_safetensors(out("keras.safetensors"))
check(ks_uniform(kt["fc.weight"].numpy(), np.sqrt(6 / 700)) > 1e-4, "keras: glorot_uniform")
check(ks_uniform(kt["emb.weight"].numpy(), 0.05) > 1e-4, "keras: Embedding U(-0.05, 0.05)")
kw = kt["lstm.weight_hh_l0"].numpy().astype(np.float64)  # (96, 24): whole matrix
check(np.abs(kw.T @ kw - np.eye(24)).max() < 1e-5 and
      np.abs(kw[:24] @ kw[:24].T - np.eye(24)).max() > 0.1, "keras: orthogonal over all gates")
check(np.all(kt["lstm.bias_ih_l0"].numpy()[24:48] == 1), "keras: unit_forget_bias")
_, ft, _ = read_safetensors(out("flax.safetensors"))
sig = np.sqrt(1 / 400) / 0.87962566103423978
f = ft["fc.weight"].numpy().ravel()
check(st.kstest(f, st.truncnorm(-2, 2, scale=sig).cdf).pvalue > 1e-4,
      "flax: lecun_normal = truncated normal, sigma corrected")
check(st.kstest(ft["emb.weight"].numpy().ravel(), "norm", args=(0, np.sqrt(1 / 200))).pvalue
      > 1e-4, "flax: Embed N(0, 1/dim)")
sig_up = np.sqrt(1 / (64 * 9)) / 0.87962566103423978  # fan_in = in * rf in flax's layout
check(st.kstest(ft["up.weight"].numpy().ravel(), st.truncnorm(-2, 2, scale=sig_up).cdf).pvalue
      > 1e-4, "flax: ConvTranspose fan_in = in * rf")
fw = ft["lstm.weight_hh_l0"].numpy().astype(np.float64)
check(all(np.abs(fw[24 * g:24 * g + 24] @ fw[24 * g:24 * g + 24].T - np.eye(24)).max() < 1e-5
          for g in range(4)), "flax: orthogonal per gate")

# --- checkpoints as input ---------------------------------------------------------------
torch.manual_seed(0)
ref = nn.Module()
ref.wte = nn.Embedding(50, 16)
ref.ln_f = nn.LayerNorm(16)
ref.fc1 = nn.Linear(16, 64)
ref.fc2 = nn.Linear(64, 16)
ref.bn = nn.BatchNorm1d(16)
ref.rnn = nn.GRU(16, 8)
tensors = {k: v.numpy() for k, v in ref.state_dict().items()}
tensors["fc2.weight"] = tensors["fc2.weight"].astype(np.float16)
tensors["bn.num_batches_tracked"] = np.array(7, dtype=np.int64)
tensors["position_ids"] = np.arange(12, dtype=np.int64).reshape(1, 12)
write_safetensors(out("ref.safetensors"), tensors, {"format": "pt", "source": "hf",
                                                    "nninit.seed": "old"})
rules = spec("rules.yaml", "rules:\n  - {match: '*.fc1.weight', activation: relu}\n"
             "  - {match: 'fc1.weight', activation: relu}\n"
             "  - {match: 'wte.weight', init: normal, std: 0.02}\n")
code, _, err = run("init", out("ref.safetensors"), "--rules", rules, "--seed", 5,
                   "-o", out("re.safetensors"), "-q")
check("rule 1" in err and "matches no tensor" in err, f"unmatched rule warned: {err!r}")
rmeta, rt, rorder = read_safetensors(out("re.safetensors"))
check(rorder == list(tensors), "checkpoint: names and order kept")
for k, a in tensors.items():
    check(list(rt[k].shape) == list(a.shape), f"checkpoint shape {k}")
check(rt["fc2.weight"].dtype == torch.float16, "checkpoint: f16 tensor stays f16")
check(torch.equal(rt["position_ids"], torch.arange(12).reshape(1, 12)), "int tensor copied")
check(rt["bn.num_batches_tracked"].item() == 0, "num_batches_tracked reset to 0")
check(rmeta["source"] == "hf" and rmeta["format"] == "pt" and rmeta["nninit.seed"] == "5",
      f"metadata kept and renewed: {rmeta}")
rrows = {r["name"]: r for r in plan(out("ref.safetensors"), "--rules", rules)}
for name, kind in [("fc1.weight", "kaiming_uniform"), ("fc2.weight", "xavier_uniform"),
                   ("fc1.bias", "zeros"), ("ln_f.weight", "ones"), ("ln_f.bias", "zeros"),
                   ("bn.running_var", "ones"), ("wte.weight", "normal"),
                   ("rnn.weight_hh_l0", "orthogonal"), ("rnn.bias_hh_l0", "zeros"),
                   ("position_ids", "copy")]:
    check(rrows[name]["kind"] == kind, f"checkpoint rule for {name}: {rrows[name]['kind']}")
check(abs(rt["wte.weight"].float().std().item() - 0.02) < 0.002, "rule std 0.02")
# npz written by numpy itself, stored and deflated
np.savez(out("np.npz"), w=np.zeros((6, 4), np.float32), ids=np.arange(5))
np.savez_compressed(out("npc.npz"), w=np.zeros((6, 4), np.float32), ids=np.arange(5))
for src in ["np.npz", "npc.npz"]:
    run("init", out(src), "-o", out("re_" + src), "-q")
    r = np.load(out("re_" + src))
    check(r.files == ["w", "ids"] and r["w"].shape == (6, 4) and np.abs(r["w"]).max() > 0
          and np.array_equal(r["ids"], np.arange(5)), f"npz from numpy: {src}")
# GGUF written from the spec: key-values are kept, a quantized tensor becomes F32
q8 = bytes(range(34)) * 4  # 4 blocks of Q8_0: 128 elements
write_gguf(out("src.gguf"),
           [("general.architecture", 8, "llama"), ("general.name", 8, "tiny"),
            ("llama.context_length", 4, 128), ("tokenizer.ggml.tokens", 9, (8, ["a", "bb", "c"])),
            ("general.alignment", 4, 32), ("nninit.seed", 10, 99)],
           [("token_embd.weight", [8, 5], 0, np.zeros(40, np.float32).tobytes()),
            ("blk.0.attn_norm.weight", [8], 0, np.zeros(8, np.float32).tobytes()),
            ("blk.0.ffn_up.weight", [128], 8, q8),
            ("blk.0.attn_q.weight", [8, 8], 1, np.zeros(64, np.float16).tobytes())])
run("init", out("src.gguf"), "--seed", 4, "-o", out("re.gguf"), "-q")
gkv, gt, gty, gorder = read_gguf(out("re.gguf"))
check(gkv["general.architecture"] == "llama" and gkv["general.name"] == "tiny" and
      gkv["llama.context_length"] == 128 and gkv["tokenizer.ggml.tokens"] == ["a", "bb", "c"],
      "gguf key-values kept")
check(gkv["nninit.seed"] == 4, "gguf nninit keys renewed")
check(gorder == ["token_embd.weight", "blk.0.attn_norm.weight", "blk.0.ffn_up.weight",
                 "blk.0.attn_q.weight"], "gguf names kept")
check(gt["token_embd.weight"].shape == (5, 8) and np.abs(gt["token_embd.weight"]).max() > 0,
      "gguf embedding (row-major (5, 8))")
check(np.all(gt["blk.0.attn_norm.weight"] == 1), "gguf norm weight ones")
check(gty["blk.0.ffn_up.weight"] == 0 and gt["blk.0.ffn_up.weight"].shape == (128,),
      "quantized tensor re-initialized as F32")
check(gty["blk.0.attn_q.weight"] == 1, "f16 kept")

# --- scalings through the CLI: the plan's scale, infshape and notes, the
# notes in every file format, KS of a scaled tensor read back ------------------
DEEP = spec("deep.yaml", """
name: deep
scaling: deepnet
layers:
  - name: h
    repeat: 4
    layers:
      - {name: attn, type: linear, in: 64, out: 192, role: attn_qkv}
      - {name: proj, type: linear, in: 64, out: 64, role: attn_out}
      - {name: fc2, type: linear, in: 256, out: 64, role: ffn_out}
""")
p = {e["name"]: e for e in plan(DEEP)}
beta = (8 * 4) ** -0.25
check(abs(p["h.0.proj.weight"]["scale"] - beta) < 1e-15 and p["h.0.attn.weight"]["scale"] is None,
      f"plan json scale: {p['h.0.proj.weight']['scale']}, {p['h.0.attn.weight']['scale']}")
c, table, _ = run("plan", DEEP)
check("scale" in table.splitlines()[0] and f"deepnet.alpha = {(2 * 4) ** 0.25!r}" in table,
      "plan table: scale column and the alpha note")
tsv = run("plan", DEEP, "--format", "tsv")[1].splitlines()
check(tsv[0].split("\t")[9] == "scale", "plan tsv: the scale column before why")
for fmt in ["safetensors", "gguf", "npz"]:
    run("init", DEEP, "--seed", 3, "-o", out(f"deep.{fmt}"), "-q")
meta, t, _ = read_safetensors(out("deep.safetensors"))
check(float(meta["nninit.deepnet.alpha"]) == (2 * 4) ** 0.25, f"safetensors note: {meta}")
gkv, gt, _, _ = read_gguf(out("deep.gguf"))
check(float(gkv["nninit.deepnet.alpha"]) == (2 * 4) ** 0.25, "gguf note")
x = t["h.2.fc2.weight"].numpy().ravel()
b = beta * np.sqrt(6 / (256 + 64))
check(st.kstest(x, st.uniform(-b, 2 * b).cdf).pvalue > 1e-4, "deepnet fc2 read back: U(+-beta b)")
MUP = spec("mup.yaml", """
base_shapes: mup.bsh
scaling: mup
layers:
  - {name: fc1, type: linear, in: 10, out: 512}
  - {name: fc2, type: linear, in: 512, out: 512}
""")
with open(out("mup.bsh"), "w") as f:  # the mup package's format: null = finite
    f.write("# base shapes\nfc1.weight: [128, null]\nfc1.bias: [128]\n"
            "fc2.weight: [128, 128]\nfc2.bias: [128]\n")
c, table, _ = run("plan", MUP)
check("(128/512, 128/512)" in table and "(128/512, 10)" in table, "plan table: infshape")
p = {e["name"]: e for e in plan(MUP)}
check(p["fc2.weight"]["base_shape"] == [128, 128] and p["fc1.weight"]["base_shape"] == [128, None]
      and p["fc2.weight"]["width_mult"] == 4, "plan json: base_shape, width_mult")
# the README's table of scalings is the command's output
readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md")).read()
m = re.search(r"<!-- scalings: nninit scalings --format markdown -->\n(.*?)<!-- /scalings -->",
              readme, re.S)
check(m is not None and m.group(1) == run("scalings", "--format", "markdown")[1],
      "README's table of scalings is `nninit scalings --format markdown`")
finish()
