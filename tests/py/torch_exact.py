#!/usr/bin/python3
"""torch_exact.py: nninit's torch-exact mode against the PyTorch that
/usr/bin/python3 imports (Debian 12's python3-torch 1.13.1; Debian 13's 2.6.0
through tests/torch2/run.sh), byte for byte, with --torch-version set to the
release found.

Many scripts of PyTorch calls (seeds 0, 1, 42, 2^32+5, -1, 2^63+12345; sizes
below 16, exactly 16, non-multiples of 16, 2-D and 4-D; f32, f64, f16, bf16;
every nn.init function; module constructors in order) run twice: in PyTorch
(a subprocess per kernel set: ATEN_CPU_CAPABILITY=avx2, =default, and unset,
the machine's own choice; each checked through torch.__config__ and a known
value), and through tests/torch_exact_driver, which replays the same script
on one nninit torch generator. Every tensor must have the same bytes,
except orthogonal_: PyTorch's QR is LAPACK in the tensor's precision and
nninit's is its own Householder QR in double, so Q agrees only to rounding;
we require max |diff| <= 1e-5 (float32 QR of these small matrices is
accurate to a few 1e-7; the draws before and after must still be exact,
which the following tensors of each script check). A few scripts also go
through `nninit sample --rng torch` (the CLI).

Usage: torch_exact.py NNINIT_BIN (env NNINIT_TORCH_DRIVER: the driver).
"""
import json
import math
import os
import pickle
import subprocess
import sys
import tempfile

SEEDS = [0, 1, 42, 2**32 + 5, -1, 2**63 + 12345]
# ATEN_CPU_CAPABILITY values; None: unset (the machine's default, which is
# AVX2 or AVX512 on x86-64 with AVX2: nninit's avx2 semantics, as PyTorch
# registers no AVX-512 normal_ kernel and its AVX-512 build contracts FMAs
# as the AVX2 one does)
CAPABILITIES = ["avx2", "default", None]
# torch.__version__ prefix -> --torch-version
VERSIONS = {"1.13": "1.13", "2.6": "2.6"}
# known value: manual_seed(0); empty(4).uniform_(-0.1, 0.1)[0] (reference 4)
KNOWN = {"avx2": -0.0007486820104531944, "default": -0.0007486790418624878}
ORTHO_TOL = 1e-5

# torch keyword -> nninit spec field / CLI option, per initializer
SPEC_KEYS = {
    "uniform": {"a": "low", "b": "high"},
    "trunc_normal": {"a": "trunc_a", "b": "trunc_b"},
    "constant": {"val": "value"},
}


# ---------------------------------------------------------------------------
# The scripts
# ---------------------------------------------------------------------------

def uniform_family(d, s, version):
    """Ops whose draws are uniform_ only (every dtype)."""
    ops = [
        dict(op="uniform", dtype=d, n=1, a=0.0, b=1.0),
        dict(op="uniform", dtype=d, n=5, a=-0.1, b=0.1),
        dict(op="uniform", dtype=d, n=16, a=-3.0, b=7.5),
        dict(op="uniform", dtype=d, n=37, a=0.25, b=0.5),
        dict(op="uniform", dtype=d, n=1000 + s, a=-1.0, b=1.0),
        dict(op="init", dtype=d, shape=[3, 7], kind="uniform",
             params=dict(a=-2.0, b=2.0)),
        dict(op="init", dtype=d, shape=[50, 30], kind="xavier_uniform",
             params={}),
        dict(op="init", dtype=d, shape=[4, 3, 2, 2], kind="xavier_uniform",
             params=dict(gain=2.5)),
        dict(op="init", dtype=d, shape=[50, 10], kind="kaiming_uniform",
             params=dict(nonlinearity="relu")),
        dict(op="init", dtype=d, shape=[7, 3, 3, 3], kind="kaiming_uniform",
             params=dict(a=0.2, mode="fan_out", nonlinearity="leaky_relu")),
        dict(op="init", dtype=d, shape=[0, 5], kind="kaiming_uniform",
             params={}),  # zero elements: no draws
        dict(op="init", dtype=d, shape=[6, 5], kind="kaiming_uniform",
             params=dict(a=math.sqrt(5))),
        dict(op="init", dtype=d, shape=[3, 4], kind="constant",
             params=dict(val=0.3)),
        dict(op="init", dtype=d, shape=[2, 2], kind="ones", params={}),
        dict(op="init", dtype=d, shape=[2, 3], kind="zeros", params={}),
        dict(op="init", dtype=d, shape=[3, 5], kind="eye", params={}),
        dict(op="init", dtype=d, shape=[4, 2, 3, 3], kind="dirac",
             params=dict(groups=2)),
        dict(op="init", dtype=d, shape=[2, 3, 5], kind="dirac", params={}),
        dict(op="module", dtype=d, kind="linear", args=dict(in_=10, out=50)),
        dict(op="module", dtype=d, kind="linear",
             args=dict(in_=50, out=30, bias=0)),
        dict(op="module", dtype=d, kind="conv2d",
             args=dict(in_=3, out=4, kernel="3x3")),
        dict(op="module", dtype=d, kind="conv1d",
             args=dict(in_=4, out=6, kernel="5", groups=2)),
        dict(op="module", dtype=d, kind="conv3d",
             args=dict(in_=2, out=4, kernel="2x3x1")),
        dict(op="module", dtype=d, kind="conv_transpose2d",
             args=dict(in_=4, out=6, kernel="3x2", groups=2)),
        dict(op="module", dtype=d, kind="conv_transpose1d",
             args=dict(in_=3, out=5, kernel="2", bias=0)),
        dict(op="module", dtype=d, kind="conv_transpose3d",
             args=dict(in_=2, out=3, kernel="1x2x2")),
        dict(op="module", dtype=d, kind="bilinear",
             args=dict(in_=3, in2=4, out=5)),
        dict(op="module", dtype=d, kind="layernorm",
             args=dict(normalized_shape="4x5")),
        dict(op="module", dtype=d, kind="groupnorm",
             args=dict(groups=2, num_features=6)),
        dict(op="module", dtype=d, kind="batchnorm",
             args=dict(num_features=5)),
        dict(op="module", dtype=d, kind="lstm",
             args=dict(in_=3, hidden=5, num_layers=2, bidirectional=1)),
        dict(op="module", dtype=d, kind="gru",
             args=dict(in_=4, hidden=6, num_layers=2)),
        dict(op="module", dtype=d, kind="rnn",
             args=dict(in_=3, hidden=4, bias=0)),
        dict(op="module", dtype=d, kind="lstm",
             args=dict(in_=3, hidden=6, proj_size=2, num_layers=2,
                       bidirectional=1)),
        dict(op="module", dtype=d, kind="lstm_cell", args=dict(in_=3, hidden=4)),
        dict(op="module", dtype=d, kind="gru_cell",
             args=dict(in_=2, hidden=3, bias=0)),
        dict(op="module", dtype=d, kind="rnn_cell", args=dict(in_=5, hidden=2)),
        dict(op="module", dtype=d, kind="multihead_attention",
             args=dict(embed_dim=6, num_heads=2)),
        dict(op="module", dtype=d, kind="multihead_attention",
             args=dict(embed_dim=4, num_heads=4, kdim=3, vdim=5, bias=0)),
        dict(op="module", dtype=d, kind="transformer_decoder_layer",
             args=dict(d_model=4, nhead=2, dim_feedforward=6)),
        dict(op="module", dtype=d, kind="transformer_encoder",
             args=dict(d_model=4, nhead=1, dim_feedforward=3, num_layers=2,
                       norm=1)),
        dict(op="module", dtype=d, kind="transformer",
             args=dict(d_model=4, nhead=2, num_encoder_layers=2,
                       num_decoder_layers=1, dim_feedforward=5)),
        dict(op="module", dtype=d, kind="layernorm",
             args=dict(normalized_shape="3")),  # its defaults, after the above
        dict(op="uniform", dtype=d, n=7, a=-1.0, b=1.0),
    ]
    if d == "bf16" and version == "1.13":  # "eye" not implemented for
        ops = [op for op in ops if op.get("kind") != "eye"]  # BFloat16
    return ops


def normal_family(d, s):
    """Ops that draw normals (f32 and f64)."""
    return [
        # the < 16 path, its cache across calls and parameters
        dict(op="normal", dtype=d, n=1, mean=0.0, std=1.0),
        dict(op="normal", dtype=d, n=1, mean=0.0, std=1.0),
        dict(op="normal", dtype=d, n=3, mean=0.5, std=2.0),
        dict(op="normal", dtype=d, n=15, mean=-1.0, std=0.1),
        # the >= 16 fill: exactly 16, tails, larger
        dict(op="normal", dtype=d, n=16, mean=0.0, std=1.0),
        dict(op="normal", dtype=d, n=17, mean=0.0, std=1.0),
        dict(op="normal", dtype=d, n=40, mean=3.0, std=0.25),
        dict(op="normal", dtype=d, n=2000 + 7 * s, mean=0.0, std=1.0),
        # the cache survives >= 16 calls
        dict(op="normal", dtype=d, n=1, mean=10.0, std=3.0),
        dict(op="init", dtype=d, shape=[33, 5], kind="normal",
             params=dict(mean=1.0, std=0.5)),
        dict(op="init", dtype=d, shape=[2, 3, 4, 5], kind="normal",
             params={}),
        dict(op="init", dtype=d, shape=[2, 3], kind="normal",
             params=dict(std=0.02)),
        dict(op="init", dtype=d, shape=[100], kind="trunc_normal",
             params={}),
        dict(op="init", dtype=d, shape=[7], kind="trunc_normal", params={}),
        dict(op="init", dtype=d, shape=[20, 30], kind="trunc_normal",
             params=dict(mean=0.5, std=2.0, a=-1.0, b=3.0)),
        dict(op="init", dtype=d, shape=[16], kind="trunc_normal",
             params=dict(mean=0.0, std=0.02, a=-0.04, b=0.04)),
        dict(op="init", dtype=d, shape=[30, 50], kind="xavier_normal",
             params=dict(gain=5.0 / 3)),
        dict(op="init", dtype=d, shape=[20, 20], kind="kaiming_normal",
             params=dict(nonlinearity="selu")),
        dict(op="init", dtype=d, shape=[3, 4], kind="kaiming_normal",
             params=dict(nonlinearity="tanh", mode="fan_out")),
        dict(op="init", dtype=d, shape=[10, 6], kind="sparse",
             params=dict(sparsity=0.3)),
        dict(op="init", dtype=d, shape=[20, 5], kind="sparse",
             params=dict(sparsity=0.1, std=0.5)),
        dict(op="randperm", n=10),
        dict(op="randperm", n=1),
        dict(op="randperm", n=37 + s),
        dict(op="init", dtype=d, shape=[8, 12], kind="orthogonal", params={}),
        dict(op="init", dtype=d, shape=[20, 10], kind="orthogonal",
             params=dict(gain=2.0)),
        dict(op="init", dtype=d, shape=[6, 3, 2, 2], kind="orthogonal",
             params={}),
        dict(op="init", dtype=d, shape=[3, 3], kind="orthogonal", params={}),
        dict(op="uniform", dtype=d, n=20, a=0.0, b=1.0),
        dict(op="module", dtype=d, kind="embedding",
             args=dict(num_embeddings=10, embedding_dim=4, padding_idx=-2)),
        dict(op="module", dtype=d, kind="embedding",
             args=dict(num_embeddings=3, embedding_dim=2)),
        # bias_k, bias_v: xavier_normal_ of 5 values (the small path, and
        # the cache between them), then of 16 (the block fill)
        dict(op="module", dtype=d, kind="multihead_attention",
             args=dict(embed_dim=5, num_heads=1, add_bias_kv=1)),
        dict(op="module", dtype=d, kind="multihead_attention",
             args=dict(embed_dim=16, num_heads=4, add_bias_kv=1, vdim=2)),
        dict(op="seed", seed=SEEDS[(s + 1) % len(SEEDS)]),  # clears the cache
        dict(op="normal", dtype=d, n=1, mean=0.0, std=1.0),
        dict(op="normal", dtype=d, n=1, mean=0.0, std=1.0),
    ]


def seed_example(d):
    """The seed script: Linear 10->50, 50->30, 30->1, then nn.init calls."""
    return [
        dict(op="module", dtype=d, kind="linear", args=dict(in_=10, out=50)),
        dict(op="module", dtype=d, kind="linear", args=dict(in_=50, out=30)),
        dict(op="module", dtype=d, kind="linear", args=dict(in_=30, out=1)),
        dict(op="init", dtype=d, shape=[50, 10], kind="kaiming_uniform",
             params=dict(nonlinearity="relu")),
        dict(op="init", dtype=d, shape=[30, 50], kind="xavier_uniform",
             params={}),
        dict(op="init", dtype=d, shape=[1, 30], kind="xavier_uniform",
             params={}),
    ]


def threaded(d):
    """Large tensors, for the transforms nninit splits over threads."""
    return [
        dict(op="threads", n=3),
        dict(op="normal", dtype=d, n=140001, mean=0.0, std=1.0),
        dict(op="init", dtype=d, shape=[300, 500], kind="trunc_normal",
             params=dict(std=0.02)),
        dict(op="init", dtype=d, shape=[96, 80], kind="orthogonal", params={}),
        dict(op="threads", n=1),
        dict(op="uniform", dtype=d, n=9, a=0.0, b=1.0),
    ]


def narrow_normals(d, s, version):
    """normal_ in half / bfloat16 (both paths, the cache, modules), and
    trunc_normal_ where the release runs it (1.13: no Half erfinv_)."""
    trunc = [] if d == "f16" and version == "1.13" else [
        dict(op="init", dtype=d, shape=[100], kind="trunc_normal", params={}),
        dict(op="init", dtype=d, shape=[7], kind="trunc_normal", params={}),
        dict(op="init", dtype=d, shape=[20, 30], kind="trunc_normal",
             params=dict(mean=0.5, std=2.0, a=-1.0, b=3.0)),
        # mean, scale and bounds not representable in the dtype
        dict(op="init", dtype=d, shape=[40, 50], kind="trunc_normal",
             params=dict(mean=0.1, std=0.3, a=-0.37, b=0.77)),
        dict(op="init", dtype=d, shape=[16], kind="trunc_normal",
             params=dict(mean=0.0, std=0.02, a=-0.04, b=0.04)),
    ]
    return trunc + [
        dict(op="normal", dtype=d, n=1, mean=0.0, std=1.0),
        dict(op="normal", dtype=d, n=3, mean=0.5, std=2.0),
        dict(op="normal", dtype=d, n=16, mean=0.0, std=1.0),
        dict(op="normal", dtype=d, n=17, mean=0.25, std=0.5),
        dict(op="normal", dtype=d, n=3000 + s, mean=0.0, std=1.0),
        dict(op="init", dtype=d, shape=[40, 30], kind="xavier_normal",
             params={}),
        dict(op="init", dtype=d, shape=[20, 3, 3], kind="kaiming_normal",
             params=dict(nonlinearity="relu")),
        dict(op="module", dtype=d, kind="embedding",
             args=dict(num_embeddings=50, embedding_dim=8, padding_idx=0)),
        dict(op="init", dtype=d, shape=[12, 9], kind="sparse",
             params=dict(sparsity=0.4, std=0.1)),
        dict(op="normal", dtype=d, n=2, mean=0.0, std=1.0),
    ]


def make_scripts(version):
    scripts = []
    for d in ["f32", "f64"]:
        scripts.append(dict(seed=SEEDS[-1], ops=threaded(d)))
    for s, seed in enumerate(SEEDS):
        for d in ["f32", "f64"]:
            scripts.append(dict(seed=seed, ops=normal_family(d, s) +
                                uniform_family(d, s, version)))
        for d in ["f16", "bf16"]:
            scripts.append(dict(seed=seed, ops=uniform_family(d, s, version) +
                                narrow_normals(d, s, version)))
        scripts.append(dict(seed=seed, ops=seed_example("f32")))
    return scripts


# One nn.init call on a fresh tensor each: these also go through the CLI.
def cli_cases(version):
    return CLI_CASES + (CLI_CASES_2 if version != "1.13" else [])


CLI_CASES_2 = [  # what only 2.x runs
    (11, "f16", [30, 20], "trunc_normal", dict(std=0.5)),
]
CLI_CASES = [
    (13, "f16", [40, 20], "xavier_normal", {}),
    (42, "f32", [17, 3], "normal", dict(mean=0.5, std=2.0)),
    (2**32 + 5, "f32", [5], "normal", {}),
    (-1, "f64", [16], "normal", {}),
    (0, "f32", [50, 10], "kaiming_uniform", dict(nonlinearity="relu")),
    (1, "f64", [4, 3, 3, 3], "kaiming_normal",
     dict(a=0.1, mode="fan_out")),
    (2**63 + 12345, "f32", [30, 50], "xavier_uniform", dict(gain=1.5)),
    (7, "f32", [64, 3], "trunc_normal", dict(std=0.02, a=-0.04, b=0.04)),
    (3, "f32", [12, 8], "sparse", dict(sparsity=0.25)),
    (5, "f16", [8, 8], "uniform", dict(a=-1.0, b=3.0)),
    (9, "f32", [9, 4], "orthogonal", dict(gain=1.2)),
]


# ---------------------------------------------------------------------------
# The PyTorch side (a subprocess: ATEN_CPU_CAPABILITY must be set before
# torch is imported)
# ---------------------------------------------------------------------------

def torch_side():
    import warnings
    import numpy as np
    import torch
    from torch import nn
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    cap = [ln for ln in torch.__config__.show().splitlines()
           if "CPU capability usage" in ln]
    torch.manual_seed(0)
    known = torch.empty(4).uniform_(-0.1, 0.1)[0].item()
    DT = {"f32": torch.float32, "f64": torch.float64, "f16": torch.float16,
          "bf16": torch.bfloat16}

    def raw(t):
        t = t.detach().contiguous()
        if t.dtype == torch.bfloat16:
            t = t.view(torch.int16)
        return t.numpy().tobytes()

    def dims(text):
        return tuple(int(x) for x in str(text).split("x"))

    def module(op):
        a, dt = op["args"], DT[op["dtype"]]
        kind = op["kind"]
        bias = bool(a.get("bias", 1))
        if kind == "linear":
            return nn.Linear(a["in_"], a["out"], bias=bias, dtype=dt)
        if kind == "bilinear":
            return nn.Bilinear(a["in_"], a["in2"], a["out"], bias=bias, dtype=dt)
        if kind.startswith("conv"):
            cls = {"conv1d": nn.Conv1d, "conv2d": nn.Conv2d,
                   "conv3d": nn.Conv3d, "conv_transpose1d": nn.ConvTranspose1d,
                   "conv_transpose2d": nn.ConvTranspose2d,
                   "conv_transpose3d": nn.ConvTranspose3d}[kind]
            return cls(a["in_"], a["out"], dims(a["kernel"]),
                       groups=a.get("groups", 1), bias=bias, dtype=dt)
        if kind == "embedding":
            return nn.Embedding(a["num_embeddings"], a["embedding_dim"],
                                padding_idx=a.get("padding_idx"), dtype=dt)
        if kind == "layernorm":
            return nn.LayerNorm(dims(a["normalized_shape"]), dtype=dt)
        if kind == "groupnorm":
            return nn.GroupNorm(a["groups"], a["num_features"], dtype=dt)
        if kind == "batchnorm":
            return nn.BatchNorm1d(a["num_features"], dtype=dt)
        if kind in ("rnn", "lstm", "gru"):
            cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
            kw = dict(num_layers=a.get("num_layers", 1), bias=bias,
                      bidirectional=bool(a.get("bidirectional", 0)), dtype=dt)
            if a.get("proj_size"):
                kw["proj_size"] = a["proj_size"]
            return cls(a["in_"], a["hidden"], **kw)
        if kind == "multihead_attention":
            return nn.MultiheadAttention(
                a["embed_dim"], a["num_heads"], bias=bias,
                add_bias_kv=bool(a.get("add_bias_kv", 0)),
                kdim=a.get("kdim"), vdim=a.get("vdim"), dtype=dt)
        if kind.startswith("transformer"):
            ff, layer_kw = a["dim_feedforward"], dict(dtype=dt)
            if kind == "transformer":
                return nn.Transformer(a["d_model"], a["nhead"],
                                      a["num_encoder_layers"],
                                      a["num_decoder_layers"], ff, dtype=dt)
            dec = "decoder" in kind
            cls = nn.TransformerDecoderLayer if dec else \
                nn.TransformerEncoderLayer
            layer = cls(a["d_model"], a["nhead"], ff, **layer_kw)
            if kind.endswith("_layer"):
                return layer
            norm = nn.LayerNorm(a["d_model"], dtype=dt) if a.get("norm") \
                else None
            return (nn.TransformerDecoder if dec else nn.TransformerEncoder)(
                layer, a["num_layers"], norm)
        cls = {"rnn_cell": nn.RNNCell, "lstm_cell": nn.LSTMCell,
               "gru_cell": nn.GRUCell}[kind]
        return cls(a["in_"], a["hidden"], bias=bias, dtype=dt)

    def run(seed, ops):
        """Per op, the list of (bytes, "name shape" or None) it produced."""
        torch.manual_seed(seed)
        outs = []
        for op in ops:
            k, got = op["op"], []
            if k == "threads":
                pass
            elif k == "seed":
                torch.manual_seed(op["seed"])
            elif k == "uniform":
                got.append((raw(torch.empty(op["n"], dtype=DT[op["dtype"]])
                                .uniform_(op["a"], op["b"])), None))
            elif k == "normal":
                got.append((raw(torch.empty(op["n"], dtype=DT[op["dtype"]])
                                .normal_(op["mean"], op["std"])), None))
            elif k == "randperm":
                got.append((raw(torch.randperm(op["n"])), None))
            elif k == "init":
                t = torch.empty(op["shape"], dtype=DT[op["dtype"]])
                getattr(nn.init, op["kind"] + "_")(t, **op["params"])
                got.append((raw(t), None))
            elif k == "module":
                m = module(op)
                for name, t in m.state_dict().items():
                    got.append((raw(t), ("%s %s" % (
                        name, ",".join(str(x) for x in t.shape))).strip()))
            outs.append(got)
        return outs

    req = json.load(sys.stdin)
    res = dict(capability=cap, known=known, version=torch.__version__,
               scripts=[run(s["seed"], s["ops"]) for s in req["scripts"]],
               cli=[run(c[0], [dict(op="init", dtype=c[1], shape=c[2],
                                    kind=c[3], params=c[4])])[0][0][0]
                    for c in req["cli"]])
    sys.stdout.buffer.write(pickle.dumps(res))


# ---------------------------------------------------------------------------
# The nninit side
# ---------------------------------------------------------------------------

def fmt(v):
    return repr(float(v)) if isinstance(v, float) else str(v)


def driver_lines(seed, kernel, version, ops):
    lines = ["gen %d %s %s" % (seed, kernel, version)]
    for op in ops:
        k = op["op"]
        if k == "seed":
            lines.append("seed %d" % op["seed"])
        elif k == "threads":
            lines.append("threads %d" % op["n"])
        elif k == "uniform":
            lines.append("uniform %s %d %r %r" % (op["dtype"], op["n"],
                                                  op["a"], op["b"]))
        elif k == "normal":
            lines.append("normal %s %d %r %r" % (op["dtype"], op["n"],
                                                 op["mean"], op["std"]))
        elif k == "randperm":
            lines.append("randperm %d" % op["n"])
        elif k == "init":
            keys = SPEC_KEYS.get(op["kind"], {})
            kv = " ".join("%s=%s" % (keys.get(p, p), fmt(v))
                          for p, v in op["params"].items())
            lines.append("init %s %s %s %s" % (
                op["dtype"], ",".join(map(str, op["shape"])), op["kind"], kv))
        elif k == "module":
            kv = " ".join("%s=%s" % (p.rstrip("_"), fmt(v))
                          for p, v in op["args"].items())
            lines.append("module %s %s %s" % (op["dtype"], op["kind"], kv))
    return lines


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--torch-side":
        torch_side()
        return 0
    import numpy as np
    nninit = sys.argv[1] if len(sys.argv) > 1 else os.environ["NNINIT_BIN"]
    driver = os.environ.get("NNINIT_TORCH_DRIVER") or os.path.join(
        os.path.dirname(nninit), "tests", "torch_exact_driver")
    found = subprocess.run(
        [sys.executable, "-c", "import torch; print(torch.__version__)"],
        capture_output=True, text=True, check=True).stdout.strip()
    version = next((v for k, v in VERSIONS.items()
                    if found.startswith(k)), None)
    if version is None:
        print("FAIL PyTorch %s: torch-exact mode covers %s" % (
            found, ", ".join(VERSIONS)))
        return 1
    print("PyTorch %s: --torch-version %s" % (found, version))
    scripts = make_scripts(version)
    cases = cli_cases(version)
    request = json.dumps(dict(scripts=scripts, cli=cases))
    failures, checked, ortho_max = [], 0, 0.0
    NP = {"f32": np.float32, "f64": np.float64, "f16": np.float16,
          "bf16": np.int16}

    def op_dtype(op):
        return NP[op.get("dtype", "f32")] if op["op"] != "randperm" else np.int64

    for capability in CAPABILITIES:
        env = dict(os.environ, OMP_NUM_THREADS="1")
        env.pop("ATEN_CPU_CAPABILITY", None)
        if capability:
            env["ATEN_CPU_CAPABILITY"] = capability
        p = subprocess.run([sys.executable, __file__, "--torch-side"],
                           input=request.encode(), capture_output=True,
                           env=env)
        if p.returncode != 0:
            print(p.stderr.decode(), file=sys.stderr)
            return 1
        res = pickle.loads(p.stdout)
        cap = " ".join(res["capability"])
        if res["version"] != found:
            failures.append("PyTorch %s, then %s" % (found, res["version"]))
            continue
        # DEFAULT shows as "NO AVX"; nninit's avx2 semantics cover AVX2 and
        # AVX512 (see CAPABILITIES)
        kernel = "default" if "NO AVX" in cap else "avx2"
        cap_name = capability or "unset"
        if capability and capability != kernel or \
                res["known"] != KNOWN[kernel]:
            if capability == "avx2" and "NO AVX" in cap:
                print("SKIP avx2: this CPU runs PyTorch's DEFAULT kernels "
                      "(%s)" % cap)
                continue
            failures.append("capability %s did not take effect: %s, known "
                            "value %r" % (cap_name, cap, res["known"]))
            continue
        print("torch side ATEN_CPU_CAPABILITY=%s: %s; nninit --torch-kernel "
              "%s" % (cap_name, cap.strip(), kernel))

        # --- the scripts, through the driver in one process
        lines = []
        for s in scripts:
            lines += driver_lines(s["seed"], kernel, version, s["ops"])
        with tempfile.TemporaryDirectory() as tmp:
            names_path = os.path.join(tmp, "names.txt")
            q = subprocess.run([driver, names_path],
                               input=("\n".join(lines) + "\n").encode(),
                               capture_output=True)
            if q.returncode != 0:
                failures.append("driver failed: " + q.stderr.decode())
                continue
            with open(names_path) as f:
                names = [ln.split(" buffer")[0].strip() for ln in f]
        out, at, name_at = q.stdout, 0, 0
        for si, (s, tres) in enumerate(zip(scripts, res["scripts"])):
            bad = None
            for op, produced in zip(s["ops"], tres):
                dt = op_dtype(op) if op["op"] not in ("seed", "threads") \
                    else None
                for want, label in produced:
                    if label and label.startswith("num_batches_tracked"):
                        dt_t = np.int64
                    else:
                        dt_t = dt
                    got = out[at:at + len(want)]
                    at += len(want)
                    checked += 1
                    if label is not None:
                        have = names[name_at] if name_at < len(names) else None
                        name_at += 1
                        if have != label and bad is None:
                            bad = "tensor '%s': nninit lists '%s'" % (label,
                                                                      have)
                    if op["op"] == "init" and op["kind"] == "orthogonal":
                        a = np.frombuffer(want, dt_t).astype(np.float64)
                        b = np.frombuffer(got, dt_t).astype(np.float64)
                        diff = float(np.max(np.abs(a - b))) if a.size else 0.0
                        ortho_max = max(ortho_max, diff)
                        if (a.size != b.size or diff > ORTHO_TOL) and not bad:
                            bad = "orthogonal %s differs by %g" % (
                                op["shape"], diff)
                    elif got != want and bad is None:
                        a = np.frombuffer(want, dt_t)
                        b = (np.frombuffer(got, dt_t) if len(got) == len(want)
                             else np.zeros(0, dt_t))
                        idx = [i for i in range(b.size) if a[i] != b[i]]
                        bad = ("%s%s: %d of %d elements differ, first at %s: "
                               "torch %r, nninit %r" % (
                                   json.dumps(op), " " + label if label else "",
                                   len(idx), a.size, idx[:1],
                                   a[idx[0]] if idx else None,
                                   b[idx[0]] if idx else None))
            if bad:
                failures.append("[%s] script %d (seed %d): %s" % (
                    cap_name, si, s["seed"], bad))
        if at != len(out):
            failures.append("[%s] driver wrote %d bytes, torch %d" % (
                cap_name, len(out), at))

        # --- single calls through the CLI
        with tempfile.TemporaryDirectory() as tmp:
            for (seed, dt, shape, kind, params), want in zip(cases,
                                                             res["cli"]):
                path = os.path.join(tmp, "t.npy")
                keys = SPEC_KEYS.get(kind, {})
                cmd = [nninit, "sample", kind, "--shape",
                       ",".join(map(str, shape)), "--seed", str(seed),
                       "--rng", "torch", "--torch-kernel", kernel,
                       "--torch-version", version,
                       "--dtype", dt, "-o", path]
                for p_, v in params.items():
                    cmd += ["--" + keys.get(p_, p_).replace("_", "-"), fmt(v)]
                r = subprocess.run(cmd, capture_output=True)
                checked += 1
                if r.returncode != 0:
                    failures.append("[%s] %s: %s" % (cap_name, " ".join(cmd),
                                                     r.stderr.decode()))
                    continue
                got = np.load(path)
                exp = np.frombuffer(want, NP[dt]).reshape(shape)
                if kind == "orthogonal":
                    diff = float(np.max(np.abs(got.astype(np.float64) -
                                               exp.astype(np.float64))))
                    ortho_max = max(ortho_max, diff)
                    ok = diff <= ORTHO_TOL
                else:
                    ok = got.tobytes() == exp.tobytes()
                if not ok:
                    failures.append("[%s] CLI %s differs from torch" % (
                        cap_name, " ".join(cmd)))

    # --torch-version: bad values and misuse are refused, no file written
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.npy")
        base = [nninit, "sample", "normal", "--shape", "20", "-o", path]
        for extra, what in [
                (["--rng", "torch", "--torch-version", "1.12"], "1.12"),
                (["--torch-version", "1.13"], "need --rng torch"),
                (["--rng", "torch", "--torch-version", "1.13", "--dtype",
                  "f16", "--shape", "8,8"], None)]:
            r = subprocess.run(base + extra, capture_output=True, text=True)
            checked += 1
            if what is None:  # the last one is fine: f16 normal_ on 1.13
                ok = r.returncode == 0 and os.path.exists(path)
                if ok:
                    os.unlink(path)
            else:
                ok = (r.returncode == 2 and what in r.stderr and
                      len(r.stderr.strip().splitlines()) == 1 and
                      not os.path.exists(path))
            if not ok:
                failures.append("%s: exit %d, %r" % (" ".join(extra),
                                                     r.returncode, r.stderr))
        r = subprocess.run(
            [nninit, "sample", "trunc_normal", "--shape", "4", "--rng",
             "torch", "--torch-version", "1.13", "--dtype", "f16", "-o",
             path], capture_output=True, text=True)
        checked += 1
        if r.returncode != 2 or "1.13" not in r.stderr or \
                os.path.exists(path):
            failures.append("1.13 f16 trunc_normal_ not refused: %r" %
                            r.stderr)

    for f in failures:
        print("FAIL " + f)
    print("%d tensors checked, %d failures; orthogonal max |diff| %.3g "
          "(tolerance %g)" % (checked, len(failures), ortho_max, ORTHO_TOL))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
