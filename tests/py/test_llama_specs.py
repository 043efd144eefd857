"""examples/models/llama-3-8b.yaml, llama-3-70b.yaml and llama-3.1-405b.yaml
against Meta's published configs (the config.json numbers are written out
below, not read from the specs):
  - `nninit plan --preset llama --format json` lists exactly the tensors of
    Hugging Face's LlamaForCausalLM state_dict, in its order, with its
    shapes, each generated here from the config numbers;
  - the parameter counts are the published 8,030,261,248 / 70,553,706,496 /
    405,853,388,800, both from the config arithmetic and from the plans;
  - every tensor gets the llama preset's initializer (N(0, 0.02) for the
    matrices, ones for the RMSNorm scales);
  - a scaled-down copy of the 8B spec (its numbers substituted: 2 layers,
    hidden 256, 8 heads of 32, 2 key/value heads, intermediate 896, vocab
    1000) under --preset llama --rng torch equals, bit for bit, the Hugging
    Face Llama of hf_llama.py built from the same small config, and
    transformers' own LlamaForCausalLM (4.40.2, pip-installed into a venv
    beside the binary; skipped, saying so, when PyPI cannot be reached)."""
import json
import os
import re
import subprocess
import sys

import torch

from hf_llama import Llama
from modelfiles import read_safetensors
from nninit_py import BIN, TMP, check, finish, pypi_python, run

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                      "examples", "models")

# Meta's config.json values (meta-llama/Meta-Llama-3-8B, Meta-Llama-3-70B,
# Llama-3.1-405B); tie_word_embeddings is false in all three.
CONFIGS = {
    "llama-3-8b": dict(hidden_size=4096, num_hidden_layers=32, num_attention_heads=32,
                       num_key_value_heads=8, head_dim=128, intermediate_size=14336,
                       vocab_size=128256, params=8_030_261_248),
    "llama-3-70b": dict(hidden_size=8192, num_hidden_layers=80, num_attention_heads=64,
                        num_key_value_heads=8, head_dim=128, intermediate_size=28672,
                        vocab_size=128256, params=70_553_706_496),
    "llama-3.1-405b": dict(hidden_size=16384, num_hidden_layers=126,
                           num_attention_heads=128, num_key_value_heads=8, head_dim=128,
                           intermediate_size=53248, vocab_size=128256,
                           params=405_853_388_800),
}

# The scaled-down 8B (its numbers substituted below).
SMALL = dict(hidden_size=256, num_hidden_layers=2, num_attention_heads=8,
             num_key_value_heads=2, head_dim=32, intermediate_size=896, vocab_size=1000)
SEED = 42
TRANSFORMERS = "transformers==4.40.2"

if sys.argv[2:3] == ["--transformers"]:
    # run by the check below, in the venv that has transformers: the file
    # nninit wrote (argv[3]) against LlamaForCausalLM(config) built under
    # torch.manual_seed
    import transformers
    from transformers import LlamaConfig, LlamaForCausalLM
    _, got, _ = read_safetensors(sys.argv[3])
    config = LlamaConfig(**{k: v for k, v in SMALL.items() if k != "head_dim"},
                         tie_word_embeddings=False, initializer_range=0.02)
    assert config.hidden_size // config.num_attention_heads == SMALL["head_dim"]
    torch.manual_seed(SEED)
    want = LlamaForCausalLM(config).state_dict()
    check(list(got) == list(want), f"transformers: tensors {sorted(set(got) ^ set(want))}")
    for k in want:
        check(k in got and torch.equal(got[k], want[k]), f"transformers {k}: bit-exact")
    print(f"scaled-down 8B, seed {SEED}: {len(want)} tensors bit-exact with transformers "
          f"{transformers.__version__}'s LlamaForCausalLM")
    finish()  # returns only when every check passed
    sys.exit(0)


def hf_state_dict(c):
    """[(name, shape)] of LlamaForCausalLM(config).state_dict(), in its order:
    modules register in __init__ order (self_attn, mlp, then the two norms)."""
    d, ffn, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    q = c["num_attention_heads"] * c["head_dim"]
    kv = c["num_key_value_heads"] * c["head_dim"]
    out = [("model.embed_tokens.weight", (v, d))]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        out += [(p + "self_attn.q_proj.weight", (q, d)),
                (p + "self_attn.k_proj.weight", (kv, d)),
                (p + "self_attn.v_proj.weight", (kv, d)),
                (p + "self_attn.o_proj.weight", (d, q)),
                (p + "mlp.gate_proj.weight", (ffn, d)),
                (p + "mlp.up_proj.weight", (ffn, d)),
                (p + "mlp.down_proj.weight", (d, ffn)),
                (p + "input_layernorm.weight", (d,)),
                (p + "post_attention_layernorm.weight", (d,))]
    return out + [("model.norm.weight", (d,)), ("lm_head.weight", (v, d))]


def count(c):
    """The parameter count in closed form: untied embedding and lm_head, per
    layer q and o (d x heads*head_dim), k and v (d x kv_heads*head_dim),
    SwiGLU's three d x ffn matrices and two norms, then the final norm."""
    d, hd = c["hidden_size"], c["head_dim"]
    layer = (2 * d * c["num_attention_heads"] * hd + 2 * d * c["num_key_value_heads"] * hd
             + 3 * d * c["intermediate_size"] + 2 * d)
    return 2 * c["vocab_size"] * d + c["num_hidden_layers"] * layer + d


def plan(path):
    _, out, _ = run("plan", path, "--preset", "llama", "--format", "json")
    return json.loads(out)


for name, c in CONFIGS.items():
    check(count(c) == c["params"], f"{name}: the config arithmetic gives {count(c):,}, "
                                   f"published {c['params']:,}")
    want = hf_state_dict(c)
    check(sum(torch.Size(s).numel() for _, s in want) == c["params"],
          f"{name}: the expected state_dict sums to the published count")
    got = plan(os.path.join(MODELS, name + ".yaml"))
    have = [(t["name"], tuple(t["shape"])) for t in got]
    if have != want:
        diff = next((i for i, (a, b) in enumerate(zip(have, want)) if a != b),
                    min(len(have), len(want)))
        check(False, f"{name}: {len(have)} tensors, expected {len(want)}; first difference "
                     f"at {diff}: {have[diff:diff + 1]} vs {want[diff:diff + 1]}")
    total = sum(torch.Size(t["shape"]).numel() for t in got)
    check(total == c["params"], f"{name}: the plan holds {total:,} parameters, "
                                f"published {c['params']:,}")
    for t in got:
        if len(t["shape"]) == 2:
            ok = t["kind"] == "normal" and t["std"] == 0.02 and t["dtype"] == "F32"
        else:
            ok = t["kind"] == "ones"
        check(ok, f"{name} {t['name']}: {t['init']} under --preset llama")
    print(f"{name}: {len(got)} tensors, {total:,} parameters as LlamaForCausalLM has them")


# The 8B spec scaled down by substituting its numbers: hidden 4096 -> 256,
# key/value rows 1024 -> 64 (2 heads of 32), intermediate 14336 -> 896,
# vocab 128256 -> 1000, 32 layers -> 2.
SUBST = {"4096": "256", "1024": "64", "14336": "896", "128256": "1000"}
text = open(os.path.join(MODELS, "llama-3-8b.yaml")).read()
body = text[text.index("\nname:"):]  # the comments' numbers stay out of it
small = re.sub(r"\b(4096|1024|14336|128256)\b", lambda m: SUBST[m.group(1)], body)
small = small.replace("repeat: 32", "repeat: 2")
spath = os.path.join(TMP, "llama-small.yaml")
with open(spath, "w") as f:
    f.write(small)
have = [(t["name"], tuple(t["shape"])) for t in plan(spath)]
check(have == hf_state_dict(SMALL), "the scaled-down 8B spec has the small config's tensors")

VERSION = next((v for v in ("1.13", "2.6") if torch.__version__.startswith(v)), None)
if VERSION is None:
    check(False, f"PyTorch {torch.__version__}: torch-exact mode covers 1.13 and 2.6")
else:
    kernel = "default" if "NO AVX" in torch.__config__.show() else "avx2"
    out = os.path.join(TMP, "llama-small.safetensors")
    run("init", spath, "--preset", "llama", "--rng", "torch", "--torch-version", VERSION,
        "--torch-kernel", kernel, "--seed", SEED, "-o", out, "-q")
    _, got, _ = read_safetensors(out)
    torch.manual_seed(SEED)
    want = Llama(SMALL["vocab_size"], SMALL["hidden_size"], SMALL["num_hidden_layers"],
                 SMALL["num_attention_heads"], SMALL["num_key_value_heads"],
                 SMALL["intermediate_size"], head_dim=SMALL["head_dim"]).state_dict()
    check(list(got) == list(want), f"scaled-down 8B: tensors {sorted(set(got) ^ set(want))}")
    for k in want:
        check(k in got and torch.equal(got[k], want[k]), f"scaled-down 8B {k}: bit-exact")
    print(f"scaled-down 8B, seed {SEED}: {len(got)} tensors bit-exact with hf_llama's "
          f"Llama under torch.manual_seed({SEED})")
    vpy = pypi_python([TRANSFORMERS], "transformers", no_deps=False)
    if vpy is None:
        print(f"SKIP: PyPI is unreachable, so {TRANSFORMERS} could not be installed; "
              "the scaled-down 8B is not compared with transformers' LlamaForCausalLM here")
    else:
        p = subprocess.run([vpy, os.path.abspath(__file__), BIN, "--transformers", out],
                           capture_output=True, text=True, timeout=600)
        print("\n".join(l for l in p.stdout.splitlines() if l != "all checks passed"))
        check(p.returncode == 0, f"against transformers: {p.stderr.strip()[-400:]}")
finish()
