"""The LLM presets under --rng torch against the PyTorch scripts they stand
for, byte for byte:
  --preset gpt2   nanoGPT's GPT (written here from its published model.py:
                  a ModuleDict transformer of wte, wpe, drop, h.N of Blocks
                  {ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc,
                  mlp.c_proj}, ln_f; lm_head tied to wte), built under
                  torch.manual_seed, then self.apply(self._init_weights)
                  and the c_proj re-initialization N(0, 0.02/sqrt(2
                  n_layer)), with and without biases;
  --preset llama  a Llama decoder as Hugging Face's modeling_llama builds it
                  (embed_tokens, layers.N.{self_attn.{q,k,v,o}_proj,
                  mlp.{gate,up,down}_proj, input_layernorm,
                  post_attention_layernorm}, norm, lm_head; no biases;
                  grouped key/value heads) and its _init_weights through
                  apply: Linear and Embedding N(0, 0.02), RMSNorm 1.
--torch-version and --torch-kernel follow the PyTorch found (1.13 on Debian
12, 2.6 in tests/torch2's Debian 13 root). The tied lm_head is written once
(the file holds transformer.wte.weight only, with an nninit.tie note)."""
import math
import os

import torch
import torch.nn as nn

from modelfiles import read_safetensors
from nninit_py import TMP, check, finish, run

VERSION = next((v for v in ("1.13", "2.6") if torch.__version__.startswith(v)), None)
if VERSION is None:
    print(f"FAIL PyTorch {torch.__version__}: torch-exact mode covers 1.13 and 2.6")
    raise SystemExit(1)
KERNEL = "default" if "NO AVX" in torch.__config__.show() else "avx2"
RNG = ("--rng", "torch", "--torch-version", VERSION, "--torch-kernel", KERNEL)
print(f"PyTorch {torch.__version__}: --torch-version {VERSION} --torch-kernel {KERNEL}")


# ---------------------------------------------------------------- nanoGPT
class Config:
    def __init__(self, bias, n_layer=3, n_embd=32, vocab_size=96, block_size=16):
        self.bias, self.n_layer, self.n_embd = bias, n_layer, n_embd
        self.vocab_size, self.block_size, self.n_head, self.dropout = (
            vocab_size, block_size, 4, 0.0)


class LayerNorm(nn.Module):
    """nanoGPT's LayerNorm with an optional bias."""
    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None


class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)


class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),
            wpe=nn.Embedding(config.block_size, config.n_embd),
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            ln_f=LayerNorm(config.n_embd, bias=config.bias),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)


def gpt_spec(c):
    b = "true" if c.bias else "false"
    d = c.n_embd
    return f"""
name: nanogpt
layers:
  - name: transformer
    layers:
      - {{name: wte, type: embedding, num: {c.vocab_size}, dim: {d}}}
      - {{name: wpe, type: embedding, num: {c.block_size}, dim: {d}}}
      - name: h
        repeat: {c.n_layer}
        layers:
          - {{name: ln_1, type: layernorm, dim: {d}, bias: {b}}}
          - {{name: attn.c_attn, type: linear, in: {d}, out: {3 * d}, bias: {b}, role: attn_qkv}}
          - {{name: attn.c_proj, type: linear, in: {d}, out: {d}, bias: {b}, role: attn_out}}
          - {{name: ln_2, type: layernorm, dim: {d}, bias: {b}}}
          - {{name: mlp.c_fc, type: linear, in: {d}, out: {4 * d}, bias: {b}, activation: gelu,
              role: ffn_in}}
          - {{name: mlp.c_proj, type: linear, in: {4 * d}, out: {d}, bias: {b}, role: ffn_out}}
      - {{name: ln_f, type: layernorm, dim: {d}, bias: {b}}}
  - {{name: lm_head, type: linear, in: {d}, out: {c.vocab_size}, bias: false, role: readout,
      tie: transformer.wte}}
"""


for bias, seed in [(True, 1337), (False, 7)]:
    c = Config(bias)
    path = os.path.join(TMP, f"gpt{int(bias)}.yaml")
    with open(path, "w") as f:
        f.write(gpt_spec(c))
    out = os.path.join(TMP, f"gpt{int(bias)}.safetensors")
    run("init", path, "--preset", "gpt2", *RNG, "--seed", seed, "-o", out, "-q")
    meta, got, _ = read_safetensors(out)
    torch.manual_seed(seed)
    want = GPT(c).state_dict()
    check(want["lm_head.weight"].data_ptr() == want["transformer.wte.weight"].data_ptr(),
          "nanoGPT ties lm_head to wte")
    check(set(got) == set(want) - {"lm_head.weight"},
          f"bias={bias}: the tensors, lm_head once as wte: {sorted(set(got) ^ set(want))}")
    check(meta.get("nninit.tie.lm_head.weight") == "transformer.wte.weight",
          f"the tie is recorded: {meta}")
    for k in got:
        check(torch.equal(got[k], want[k]),
              f"gpt2 bias={bias} seed {seed} {k}: bit-exact (max diff "
              f"{(got[k].double() - want[k].double()).abs().max().item():.3g})")
    print(f"gpt2 bias={bias} seed {seed}: {len(got)} tensors bit-exact")


# ------------------------------------------------------------ Llama (HF)
class LlamaRMSNorm(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden))


class LlamaAttention(nn.Module):
    def __init__(self, d, heads, kv_heads):
        super().__init__()
        hd = d // heads
        self.q_proj = nn.Linear(d, heads * hd, bias=False)
        self.k_proj = nn.Linear(d, kv_heads * hd, bias=False)
        self.v_proj = nn.Linear(d, kv_heads * hd, bias=False)
        self.o_proj = nn.Linear(heads * hd, d, bias=False)


class LlamaMLP(nn.Module):
    def __init__(self, d, ffn):
        super().__init__()
        self.gate_proj = nn.Linear(d, ffn, bias=False)
        self.up_proj = nn.Linear(d, ffn, bias=False)
        self.down_proj = nn.Linear(ffn, d, bias=False)


class LlamaDecoderLayer(nn.Module):
    def __init__(self, d, heads, kv_heads, ffn):
        super().__init__()
        self.self_attn = LlamaAttention(d, heads, kv_heads)
        self.mlp = LlamaMLP(d, ffn)
        self.input_layernorm = LlamaRMSNorm(d)
        self.post_attention_layernorm = LlamaRMSNorm(d)


class Llama(nn.Module):
    def __init__(self, vocab, d, layers, heads, kv_heads, ffn):
        super().__init__()
        self.model = nn.Module()
        self.model.embed_tokens = nn.Embedding(vocab, d)
        self.model.layers = nn.ModuleList(
            [LlamaDecoderLayer(d, heads, kv_heads, ffn) for _ in range(layers)])
        self.model.norm = LlamaRMSNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.apply(self._init_weights)  # post_init

    def _init_weights(self, module):
        std = 0.02  # config.initializer_range
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(mean=0.0, std=std)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.data.normal_(mean=0.0, std=std)
        elif isinstance(module, LlamaRMSNorm):
            module.weight.data.fill_(1.0)


V, D, L, H, KV, F = 128, 64, 2, 8, 2, 176
LLAMA = os.path.join(TMP, "llama.yaml")
with open(LLAMA, "w") as f:
    f.write(f"""
name: tiny-llama
layers:
  - name: model
    layers:
      - {{name: embed_tokens, type: embedding, num: {V}, dim: {D}}}
      - name: layers
        repeat: {L}
        layers:
          - {{name: self_attn.q_proj, type: linear, in: {D}, out: {D}, bias: false, role: attn_q}}
          - {{name: self_attn.k_proj, type: linear, in: {D}, out: {D // H * KV}, bias: false,
              role: attn_k}}
          - {{name: self_attn.v_proj, type: linear, in: {D}, out: {D // H * KV}, bias: false,
              role: attn_v}}
          - {{name: self_attn.o_proj, type: linear, in: {D}, out: {D}, bias: false, role: attn_out}}
          - {{name: mlp.gate_proj, type: linear, in: {D}, out: {F}, bias: false, role: ffn_gate}}
          - {{name: mlp.up_proj, type: linear, in: {D}, out: {F}, bias: false, role: ffn_in}}
          - {{name: mlp.down_proj, type: linear, in: {F}, out: {D}, bias: false, role: ffn_out}}
          - {{name: input_layernorm, type: rmsnorm, dim: {D}}}
          - {{name: post_attention_layernorm, type: rmsnorm, dim: {D}}}
      - {{name: norm, type: rmsnorm, dim: {D}}}
  - {{name: lm_head, type: linear, in: {D}, out: {V}, bias: false, role: readout}}
""")
out = os.path.join(TMP, "llama.safetensors")
run("init", LLAMA, "--preset", "llama", *RNG, "--seed", 3, "-o", out, "-q")
_, got, _ = read_safetensors(out)
torch.manual_seed(3)
want = Llama(V, D, L, H, KV, F).state_dict()
check(set(got) == set(want), f"llama tensors: {sorted(set(got) ^ set(want))}")
for k in want:
    check(k in got and torch.equal(got[k], want[k]), f"llama {k}: bit-exact")
print(f"llama seed 3: {len(got)} tensors bit-exact")
finish()
