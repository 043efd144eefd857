"""Every kind of nninit's module table against PyTorch's own construction.

A spec with every module kind and option goes through `nninit init --preset
torch --rng torch`; the same modules are built here in PyTorch under the
same seed, in the same order, then the spec's explicit initializers and rules
run as nn.init calls. Names, shapes and bytes must all be equal, in float32
and float64: attention (packed and separate q/k/v projections, bias_k/bias_v
through normal_'s small path and its cache), the transformer layers, their
stacks (nn.TransformerEncoder clones one layer) and nn.Transformer (its
_reset_parameters after construction), RMSNorm, LayerNorm without bias,
GroupNorm, the RNN cells and Embedding's padding_idx.

Modules and options this PyTorch lacks (nn.RMSNorm: 2.4; bias=False of
LayerNorm and of the transformer layers: 2.1) are built here as PyTorch
2.6's source builds them (torch/nn/modules/normalization.py, transformer.py:
parameters created empty, ones_/zeros_ on the norms, the layers' sub-modules
in the same order). Where this PyTorch has them the real modules are used,
so the same test checks against 2.x for real. --torch-kernel follows the CPU
capability this PyTorch runs (ATEN_CPU_CAPABILITY=default: default), and
--torch-version its release where nninit has that option."""
import inspect
import os

import torch
import torch.nn as nn

from modelfiles import read_safetensors
from nninit_py import TMP, check, finish, run

KERNEL = "default" if "NO AVX" in torch.__config__.show() else "avx2"
TORCH = ["--preset", "torch", "--rng", "torch", "--torch-kernel", KERNEL]
if "--torch-version" in run("init", "--help", check=False)[1]:
    TORCH += ["--torch-version", "1.13" if torch.__version__.startswith("1.") else "2.6"]

HAS_RMSNORM = hasattr(nn, "RMSNorm")
HAS_LN_BIAS = "bias" in inspect.signature(nn.LayerNorm.__init__).parameters
HAS_TR_BIAS = "bias" in inspect.signature(
    nn.TransformerEncoderLayer.__init__).parameters
print(f"torch {torch.__version__} ({' '.join(TORCH[4:])}): "
      f"RMSNorm {'real' if HAS_RMSNORM else 'emulated'}, "
      f"LayerNorm(bias=False) {'real' if HAS_LN_BIAS else 'emulated'}, "
      f"transformer bias=False {'real' if HAS_TR_BIAS else 'emulated'}")


# --- PyTorch 2.x's construction, for a PyTorch without it ------------------------

class EmuRMSNorm(nn.Module):
    """2.6 RMSNorm.__init__: weight = Parameter(torch.empty(shape)), then
    reset_parameters: init.ones_(self.weight)."""

    def __init__(self, shape, dtype):
        super().__init__()
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self.weight = nn.Parameter(torch.empty(shape, dtype=dtype))
        nn.init.ones_(self.weight)


def rms_norm(shape, dtype):
    return nn.RMSNorm(shape, dtype=dtype) if HAS_RMSNORM else EmuRMSNorm(shape, dtype)


def layer_norm(shape, bias, dtype):
    """2.6 LayerNorm: weight ones_, and a bias (zeros_) only if bias=True;
    neither draws."""
    if HAS_LN_BIAS:
        return nn.LayerNorm(shape, bias=bias, dtype=dtype)
    m = nn.LayerNorm(shape, dtype=dtype)
    if not bias:
        del m.bias
        m.register_parameter("bias", None)
    return m


class EmuCoderLayer(nn.Module):
    """2.6 TransformerEncoderLayer / DecoderLayer with bias=False: self_attn
    (and multihead_attn), linear1, dropout, linear2, norm1, norm2 (and
    norm3), constructed in that order, bias=bias for each."""

    def __init__(self, d, h, ff, bias, dtype, decoder):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, h, bias=bias, dtype=dtype)
        if decoder:
            self.multihead_attn = nn.MultiheadAttention(d, h, bias=bias, dtype=dtype)
        self.linear1 = nn.Linear(d, ff, bias=bias, dtype=dtype)
        self.dropout = nn.Dropout(0.1)
        self.linear2 = nn.Linear(ff, d, bias=bias, dtype=dtype)
        self.norm1 = layer_norm(d, bias, dtype)
        self.norm2 = layer_norm(d, bias, dtype)
        if decoder:
            self.norm3 = layer_norm(d, bias, dtype)


def coder_layer(d, h, ff, dtype, decoder=False, bias=True, **kw):
    cls = nn.TransformerDecoderLayer if decoder else nn.TransformerEncoderLayer
    if HAS_TR_BIAS:
        return cls(d, h, ff, bias=bias, dtype=dtype, **kw)
    if bias:
        return cls(d, h, ff, dtype=dtype, **kw)
    return EmuCoderLayer(d, h, ff, bias, dtype, decoder)


class EmuTransformer(nn.Module):
    """2.6 Transformer with bias=False: an encoder layer, its LayerNorm, the
    TransformerEncoder cloning the layer; the same for the decoder; then
    _reset_parameters: xavier_uniform_ on every parameter with dim > 1."""

    def __init__(self, d, h, ne, nd, ff, dtype):
        super().__init__()
        el = EmuCoderLayer(d, h, ff, False, dtype, False)
        en = layer_norm(d, False, dtype)
        self.encoder = nn.TransformerEncoder(el, ne, en)
        dl = EmuCoderLayer(d, h, ff, False, dtype, True)
        dn = layer_norm(d, False, dtype)
        self.decoder = nn.TransformerDecoder(dl, nd, dn)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)


def transformer(d, h, ne, nd, ff, dtype, bias=True):
    if HAS_TR_BIAS:
        return nn.Transformer(d, h, ne, nd, ff, bias=bias, dtype=dtype)
    if bias:
        return nn.Transformer(d, h, ne, nd, ff, dtype=dtype)
    return EmuTransformer(d, h, ne, nd, ff, dtype)


# --- the spec and the same script in PyTorch --------------------------------------

SPEC = os.path.join(TMP, "modules.yaml")
with open(SPEC, "w") as f:
    f.write("""
layers:
  - {name: mha, type: multihead_attention, embed_dim: 12, num_heads: 3, dropout: 0.1}
  - {name: mhakv, type: multihead_attention, embed_dim: 8, num_heads: 2, add_bias_kv: true,
     add_zero_attn: true}
  - {name: mhaqkv, type: multihead_attention, embed_dim: 8, num_heads: 4, kdim: 5, vdim: 7,
     bias: false}
  - {name: mhavd, type: multihead_attention, embed_dim: 16, num_heads: 4, vdim: 3,
     add_bias_kv: true}
  - name: enc
    type: transformer_encoder_layer
    d_model: 8
    nhead: 2
    dim_feedforward: 12
    activation: gelu
    norm_first: true
    dropout: 0.0
    linear2.weight: xavier_normal
    "*.out_proj.weight": {init: trunc_normal, std: 0.02}
  - {name: encnb, type: transformer_encoder_layer, d_model: 8, nhead: 2, dim_feedforward: 12,
     bias: false}
  - {name: dec, type: transformer_decoder_layer, d_model: 8, nhead: 4, dim_feedforward: 6,
     layer_norm_eps: 1.0e-6}
  - {name: decnb, type: transformer_decoder_layer, d_model: 8, nhead: 4, dim_feedforward: 6,
     bias: false}
  - {name: tenc, type: transformer_encoder, d_model: 8, nhead: 2, dim_feedforward: 10,
     num_layers: 3, norm: true}
  - {name: tdec, type: transformer_decoder, d_model: 4, nhead: 1, dim_feedforward: 6,
     num_layers: 2}
  - {name: tr, type: transformer, d_model: 8, nhead: 2, num_encoder_layers: 2,
     num_decoder_layers: 3, dim_feedforward: 16}
  - {name: trnb, type: transformer, d_model: 4, nhead: 2, num_encoder_layers: 1,
     num_decoder_layers: 2, dim_feedforward: 8, bias: false}
  - {name: rms, type: rmsnorm, dim: [3, 4], eps: 1.0e-6}
  - {name: lnnb, type: layernorm, dim: 6, bias: false}
  - {name: gn, type: groupnorm, groups: 2, dim: 6}
  - {name: emb, type: embedding, num: 10, dim: 4, padding_idx: -3}
  - {name: embp, type: embedding, num: 40, dim: 20, padding_idx: 5}
  - {name: rc, type: rnn_cell, in: 3, hidden: 5, nonlinearity: relu}
  - {name: lc, type: lstm_cell, in: 4, hidden: 3, forget_bias: 1.0}
  - {name: gc, type: gru_cell, in: 2, hidden: 6, bias: false}
  - name: blocks
    repeat: 2
    layers:
      - {name: layer, type: transformer_encoder_layer, d_model: 8, nhead: 2,
         dim_feedforward: 16}
rules:
  - {match: "blocks.1.layer.self_attn.in_proj_weight", init: normal, std: 0.02}
  - {match: "tr.decoder.layers.*.linear1.bias", init: uniform, low: -0.5, high: 0.5}
  - {match: "tenc.layers.1.linear*.weight", init: kaiming_normal}
""")


def script(seed, dt):
    torch.manual_seed(seed)
    m = nn.Module()
    m.mha = nn.MultiheadAttention(12, 3, dropout=0.1, dtype=dt)
    m.mhakv = nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True, dtype=dt)
    m.mhaqkv = nn.MultiheadAttention(8, 4, kdim=5, vdim=7, bias=False, dtype=dt)
    m.mhavd = nn.MultiheadAttention(16, 4, vdim=3, add_bias_kv=True, dtype=dt)
    m.enc = coder_layer(8, 2, 12, dt, activation="gelu", norm_first=True, dropout=0.0)
    m.encnb = coder_layer(8, 2, 12, dt, bias=False)
    m.dec = coder_layer(8, 4, 6, dt, decoder=True, layer_norm_eps=1e-6)
    m.decnb = coder_layer(8, 4, 6, dt, decoder=True, bias=False)
    m.tenc = nn.TransformerEncoder(coder_layer(8, 2, 10, dt), 3, nn.LayerNorm(8, dtype=dt),
                                   enable_nested_tensor=False)
    m.tdec = nn.TransformerDecoder(coder_layer(4, 1, 6, dt, decoder=True), 2)
    m.tr = transformer(8, 2, 2, 3, 16, dt)
    m.trnb = transformer(4, 2, 1, 2, 8, dt, bias=False)
    m.rms = rms_norm([3, 4], dt)
    m.lnnb = layer_norm(6, False, dt)
    m.gn = nn.GroupNorm(2, 6, dtype=dt)
    m.emb = nn.Embedding(10, 4, padding_idx=-3, dtype=dt)
    m.embp = nn.Embedding(40, 20, padding_idx=5, dtype=dt)
    m.rc = nn.RNNCell(3, 5, nonlinearity="relu", dtype=dt)
    m.lc = nn.LSTMCell(4, 3, dtype=dt)
    m.gc = nn.GRUCell(2, 6, bias=False, dtype=dt)
    m.blocks = nn.ModuleList([nn.Module(), nn.Module()])
    for b in m.blocks:
        b.layer = coder_layer(8, 2, 16, dt)
    with torch.no_grad():  # the layers' own initializers in layer order, then rules
        nn.init.xavier_normal_(m.enc.linear2.weight)
        nn.init.trunc_normal_(m.enc.self_attn.out_proj.weight, std=0.02)
        m.lc.bias_ih[3:6].fill_(1.0)  # forget_bias: gate order i, f, g, o
        m.lc.bias_hh[3:6].zero_()
        nn.init.normal_(m.blocks[1].layer.self_attn.in_proj_weight, std=0.02)
        for layer in m.tr.decoder.layers:
            nn.init.uniform_(layer.linear1.bias, -0.5, 0.5)
        for n, p in m.tenc.layers[1].named_parameters():
            if n.startswith("linear") and n.endswith(".weight"):
                nn.init.kaiming_normal_(p)
    return m.state_dict()


for seed, name, dt in [(11, "f32", torch.float32), (2**32 + 7, "f64", torch.float64)]:
    path = os.path.join(TMP, f"modules-{name}.safetensors")
    run("init", SPEC, *TORCH, "--seed", seed, "--dtype", name, "-o", path, "-q")
    _, got, _ = read_safetensors(path)
    want = script(seed, dt)
    check(list(got) == list(want) or set(got) == set(want),
          f"{name}: same tensors (missing {sorted(set(want) - set(got))[:4]}, "
          f"extra {sorted(set(got) - set(want))[:4]})")
    for k, v in want.items():
        if k not in got:
            continue
        g = got[k]
        same = g.shape == v.shape and g.dtype == v.dtype and torch.equal(g, v)
        check(same, f"{name} seed {seed} {k}: bit-exact ({tuple(g.shape)} vs "
              f"{tuple(v.shape)}, max diff "
              f"{(g.double() - v.double()).abs().max().item() if g.shape == v.shape else '-'})")

# the stack's clones start equal (nn.TransformerEncoder deep-copies its layer)
_, got, _ = read_safetensors(os.path.join(TMP, "modules-f32.safetensors"))
check(torch.equal(got["tenc.layers.2.linear1.bias"], got["tenc.layers.0.linear1.bias"]) and
      torch.equal(got["tenc.layers.2.linear1.weight"], got["tenc.layers.0.linear1.weight"]),
      "transformer_encoder: layers start equal")
finish()
