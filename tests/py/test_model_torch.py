"""--preset torch --rng torch against PyTorch itself: the same script, run by
python3-torch (construct every module in order under torch.manual_seed, then
the nn.init calls the spec names, in order) must give the same bytes. The one
exception is orthogonal_, whose QR differs from LAPACK's (torch.h: ~1e-6).
--torch-version and --torch-kernel follow the PyTorch found (its release, and
the CPU capability it runs, e.g. under ATEN_CPU_CAPABILITY=default). Where
the safetensors package is installed (NNINIT_NEED_SAFETENSORS=1: it must be),
it reads nninit's files too."""
import os

import numpy as np
import torch
import torch.nn as nn

from modelfiles import read_gguf, read_safetensors
from nninit_py import TMP, check, finish, run

VERSION = next((v for v in ("1.13", "2.6") if torch.__version__.startswith(v)), None)
if VERSION is None:
    print(f"FAIL PyTorch {torch.__version__}: torch-exact mode covers 1.13 and 2.6")
    raise SystemExit(1)
KERNEL = "default" if "NO AVX" in torch.__config__.show() else "avx2"
TORCH = ("--preset", "torch", "--rng", "torch", "--torch-version", VERSION,
         "--torch-kernel", KERNEL)
print(f"PyTorch {torch.__version__}: --torch-version {VERSION} --torch-kernel {KERNEL}")
try:
    import safetensors.torch as st
except ImportError:
    st = None
    check(not os.environ.get("NNINIT_NEED_SAFETENSORS"), "safetensors package missing")
    print("safetensors package not installed: nninit's own reader only")


def load_safetensors(path):
    """read_safetensors' tensors, which the safetensors package (if present)
    must read the same."""
    _, got, _ = read_safetensors(path)
    if st is not None:
        other = st.load_file(path)
        check(set(other) == set(got) and all(
            other[k].dtype == got[k].dtype and torch.equal(other[k], got[k]) for k in got),
            f"safetensors package reads {os.path.basename(path)} the same")
    return got

SPEC = os.path.join(TMP, "t.yaml")
with open(SPEC, "w") as f:
    f.write("""
name: t
layers:
  - {name: emb, type: embedding, num: 20, dim: 8}
  - {name: fc1, type: linear, in: 10, out: 50, init: kaiming_uniform, nonlinearity: relu}
  - {name: conv, type: conv2d, in: 4, out: 6, kernel: [3, 2], groups: 2}
  - {name: up, type: conv_transpose1d, in: 6, out: 4, kernel: 3}
  - {name: bn, type: batchnorm, dim: 6}
  - {name: ln, type: layernorm, dim: [4, 5]}
  - {name: bil, type: bilinear, in1: 3, in2: 4, out: 5}
  - {name: lstm, type: lstm, in: 8, hidden: 16, layers: 2, bidirectional: true, proj_size: 4, forget_bias: 1.0}
  - {name: gru, type: gru, in: 5, hidden: 7, weight_hh: orthogonal, orthogonal: per_gate}
  - {name: rnn, type: rnn, in: 5, hidden: 3, nonlinearity: relu, bias_init: zeros}
  - name: h
    repeat: 2
    layers:
      - {name: mlp, type: linear, in: 40, out: 30, init: trunc_normal, std: 0.02}
rules:
  - {match: "fc*.bias", init: normal, std: 0.5}
  - {match: "rnn.weight_hh*", init: xavier_normal}
  - {match: "h.1.*.weight", init: xavier_uniform, gain: 2.0}
  - {match: "conv.weight", activation: selu}
  - {match: "emb.weight", activation: selu}
""")


def script(seed, dtype=torch.float32):
    torch.manual_seed(seed)
    m = nn.Module()
    kw = {"dtype": dtype}
    m.emb = nn.Embedding(20, 8, **kw)
    m.fc1 = nn.Linear(10, 50, **kw)
    m.conv = nn.Conv2d(4, 6, (3, 2), groups=2, **kw)
    m.up = nn.ConvTranspose1d(6, 4, 3, **kw)
    m.bn = nn.BatchNorm1d(6, **kw)
    m.ln = nn.LayerNorm([4, 5], **kw)
    m.bil = nn.Bilinear(3, 4, 5, **kw)
    m.lstm = nn.LSTM(8, 16, 2, bidirectional=True, proj_size=4, **kw)
    m.gru = nn.GRU(5, 7, **kw)
    m.rnn = nn.RNN(5, 3, nonlinearity="relu", **kw)
    m.h = nn.ModuleList([nn.Module(), nn.Module()])
    for b in m.h:
        b.mlp = nn.Linear(40, 30, **kw)
    with torch.no_grad():  # layer overrides in layer order, then the rules
        nn.init.kaiming_uniform_(m.fc1.weight, nonlinearity="relu")
        for n, p in m.lstm.named_parameters():
            if n.startswith("bias_ih"):
                p[16:32].fill_(1.0)
            if n.startswith("bias_hh"):
                p[16:32].zero_()
        for w in m.gru.weight_hh_l0.chunk(3):
            nn.init.orthogonal_(w)
        for n, p in m.rnn.named_parameters():
            if n.startswith("bias"):
                nn.init.zeros_(p)
        for b in m.h:
            nn.init.trunc_normal_(b.mlp.weight, std=0.02)
        nn.init.normal_(m.fc1.bias, 0, 0.5)
        nn.init.xavier_normal_(m.rnn.weight_hh_l0)
        nn.init.xavier_uniform_(m.h[1].mlp.weight, gain=2.0)
        nn.init.kaiming_normal_(m.conv.weight, nonlinearity="linear")  # LeCun normal
    return m.state_dict()


for seed, dt, tdt in [(7, "f32", torch.float32), (123456789, "f64", torch.float64)]:
    path = os.path.join(TMP, f"t{seed}.safetensors")
    _, _, err = run("init", SPEC, *TORCH, "--seed", seed, "--dtype", dt, "-o", path, "-q")
    check("rule 5" in err and "no weight it would change" in err, f"warning: {err!r}")
    got = load_safetensors(path)
    want = script(seed, tdt)
    check(set(got) == set(want), "same tensors")
    for k, v in want.items():
        if k not in got:
            continue
        if k == "gru.weight_hh_l0":  # orthogonal_: a different QR
            d = (got[k].double() - v.double()).abs().max().item()
            check(d < 1e-5, f"{dt} {k}: orthogonal within {d:.2g}")
            continue
        check(got[k].dtype == v.dtype and torch.equal(got[k], v),
              f"{dt} seed {seed} {k}: bit-exact (max diff "
              f"{(got[k].double() - v.double()).abs().max().item():.3g})")

# the other writers make the same bytes in the same order of draws
run("init", SPEC, *TORCH, "--seed", 7, "-o", os.path.join(TMP, "t.npz"), "-q")
_, ref, _ = read_safetensors(os.path.join(TMP, "t7.safetensors"))
z = np.load(os.path.join(TMP, "t.npz"))
check(all(np.array_equal(z[k], ref[k].numpy()) for k in ref), "npz == safetensors (torch rng)")
# a plain GPT-like stack, as in the benchmark, is bit-exact too
GPT = os.path.join(TMP, "g.yaml")
with open(GPT, "w") as f:
    f.write("layers:\n  - {name: wte, type: embedding, num: 64, dim: 32}\n"
            "  - name: h\n    repeat: 2\n    layers:\n"
            "      - {name: ln_1, type: layernorm, dim: 32}\n"
            "      - {name: attn, type: linear, in: 32, out: 96}\n"
            "      - {name: mlp, type: linear, in: 32, out: 128}\n"
            "rules:\n  - {match: '*.weight', init: normal, std: 0.02}\n"
            "  - {match: '*ln_1.weight', init: ones}\n")
run("init", GPT, *TORCH, "--seed", 1, "-o", os.path.join(TMP, "g.gguf"), "-q")
torch.manual_seed(1)
g = nn.Module()
g.wte = nn.Embedding(64, 32)
g.h = nn.ModuleList([nn.Module(), nn.Module()])
for b in g.h:
    b.ln_1 = nn.LayerNorm(32)
    b.attn = nn.Linear(32, 96)
    b.mlp = nn.Linear(32, 128)
with torch.no_grad():
    for n, p in g.named_parameters():
        if n.endswith(".weight") or n == "wte.weight":
            nn.init.normal_(p, std=0.02)
    for b in g.h:
        nn.init.ones_(b.ln_1.weight)
_, gg, _, _ = read_gguf(os.path.join(TMP, "g.gguf"))
for k, v in g.state_dict().items():
    check(np.array_equal(gg[k], v.numpy()), f"gpt-like {k} bit-exact")
# tensors larger than a chunk are drawn chunk by chunk (nninit_torch_stream):
# still PyTorch's bytes, for module defaults, an explicit normal_ and a
# normal_ whose last 16 values PyTorch redraws (numel not a multiple of 16)
BIG = os.path.join(TMP, "big.yaml")
with open(BIG, "w") as f:
    f.write("layers:\n  - {name: wte, type: embedding, num: 2048, dim: 256}\n"
            "  - {name: fc, type: linear, in: 700, out: 900}\n"
            "  - {name: odd, type: embedding, num: 1001, dim: 301}\n"
            "rules:\n  - {match: 'wte.weight', init: normal, std: 0.02}\n")
run("init", BIG, *TORCH, "--seed", 5, "--chunk-mb", 1,
    "-o", os.path.join(TMP, "big.safetensors"), "-q")
torch.manual_seed(5)
bm = nn.Module()
bm.wte = nn.Embedding(2048, 256)
bm.fc = nn.Linear(700, 900)
bm.odd = nn.Embedding(1001, 301)
with torch.no_grad():
    nn.init.normal_(bm.wte.weight, std=0.02)
bg = load_safetensors(os.path.join(TMP, "big.safetensors"))
for k, v in bm.state_dict().items():
    check(torch.equal(bg[k], v), f"chunked {k} bit-exact")
# half and bfloat16 models: normal_ (the part 1.13 and 2.x compute
# differently in half), trunc_normal_ (half: 2.x only), the module defaults;
# large enough to stream in pieces of --chunk-mb 1
HALF = os.path.join(TMP, "half.yaml")
with open(HALF, "w") as f:
    f.write("layers:\n  - {name: wte, type: embedding, num: 1000, dim: 300}\n"
            "  - {name: fc, type: linear, in: 300, out: 517, init: xavier_normal}\n"
            "  - {name: proj, type: linear, in: 300, out: 900, init: trunc_normal,"
            " std: 0.02}\n  - {name: ln, type: layernorm, dim: 300}\n")
for dt, tdt in [("f16", torch.float16), ("bf16", torch.bfloat16)]:
    path = os.path.join(TMP, f"half_{dt}.safetensors")
    trunc = dt == "bf16" or VERSION != "1.13"
    code, _, err = run("init", HALF, *TORCH, "--seed", 3, "--dtype", dt, "--chunk-mb", 1,
                       "-o", path, "-q", check=False)
    if not trunc:  # PyTorch 1.13 has no Half erfinv_
        check(code == 2 and "f16" in err and not os.path.exists(path),
              f"1.13 f16 trunc_normal_ refused: {err}")
        continue
    check(code == 0, f"{dt} model: {err}")
    if code:
        continue
    torch.manual_seed(3)
    hm = nn.Module()
    hm.wte = nn.Embedding(1000, 300, dtype=tdt)
    hm.fc = nn.Linear(300, 517, dtype=tdt)
    hm.proj = nn.Linear(300, 900, dtype=tdt)
    hm.ln = nn.LayerNorm(300, dtype=tdt)
    with torch.no_grad():
        nn.init.xavier_normal_(hm.fc.weight)
        nn.init.trunc_normal_(hm.proj.weight, std=0.02)
    hg = load_safetensors(path)
    for k, v in hm.state_dict().items():
        check(k in hg and hg[k].dtype == v.dtype and torch.equal(hg[k], v),
              f"{dt} {k} bit-exact")

# what --rng torch cannot do is refused before anything is written
code, _, err = run("init", SPEC, "--rng", "torch", "-o", os.path.join(TMP, "x.safetensors"),
                   check=False)
check(code == 2 and "torch, gpt2 or llama (got seed)" in err,
      f"--rng torch needs a preset that builds PyTorch's modules: {err}")
code, _, err = run("init", SPEC, "--preset", "torch", "--rng", "torch", "--dtype", "bf16",
                   "-o", os.path.join(TMP, "x.safetensors"), check=False)
check(code == 2 and "f32 and f64 only" in err and
      not os.path.exists(os.path.join(TMP, "x.safetensors")), f"bf16 normal refused: {err}")
finish()
