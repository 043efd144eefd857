"""PyTorch's side of bench/model_gpt2xl.sh: construct the GPT-2-XL-sized
model of examples/models/gpt2-xl.yaml (module defaults, embeddings N(0, 0.02)
as the spec's rule says) and save its state dict with torch.save.

usage: python3 model_gpt2xl_torch.py OUT.pt"""
import sys

import torch
import torch.nn as nn

torch.manual_seed(0)
d = 1600
m = nn.Module()
m.wte = nn.Embedding(50257, d)
m.wpe = nn.Embedding(1024, d)
m.h = nn.ModuleList()
for _ in range(48):
    b = nn.Module()
    b.ln_1 = nn.LayerNorm(d)
    b.attn = nn.Module()
    b.attn.c_attn = nn.Linear(d, 3 * d)
    b.attn.c_proj = nn.Linear(d, d)
    b.ln_2 = nn.LayerNorm(d)
    b.mlp = nn.Module()
    b.mlp.c_fc = nn.Linear(d, 4 * d)
    b.mlp.c_proj = nn.Linear(4 * d, d)
    m.h.append(b)
m.ln_f = nn.LayerNorm(d)
with torch.no_grad():
    nn.init.normal_(m.wte.weight, std=0.02)
    nn.init.normal_(m.wpe.weight, std=0.02)
torch.save(m.state_dict(), sys.argv[1])
n = sum(p.numel() for p in m.state_dict().values())
print(f"torch: {len(m.state_dict())} tensors, {n} parameters", file=sys.stderr)
