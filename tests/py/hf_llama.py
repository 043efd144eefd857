"""A Llama decoder as Hugging Face's modeling_llama builds it, for the
torch-exact checks of --preset llama: LlamaForCausalLM's modules in
construction order (model.embed_tokens, model.layers.N.{self_attn.{q,k,v,o}
_proj, mlp.{gate,up,down}_proj, input_layernorm, post_attention_layernorm},
model.norm, lm_head; no biases; grouped key/value heads of head_dim rows
each), every nn.Linear built with PyTorch's own default initialization.
_init_weights (Linear and Embedding N(0, initializer_range), RMSNorm
weight 1) runs as transformers runs it: LlamaModel's constructor ends in
post_init, which applies it to the base model before LlamaForCausalLM
builds lm_head; LlamaForCausalLM's post_init then applies it again, to
the modules not yet initialized (_is_hf_initialized): lm_head alone.
Rotary embeddings hold no parameters and draw nothing. Checked against
transformers 4.40.2's LlamaForCausalLM under torch.manual_seed, tensor
for tensor (test_llama_specs does when transformers can be installed)."""
import torch
import torch.nn as nn


class LlamaRMSNorm(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden))


class LlamaAttention(nn.Module):
    def __init__(self, d, heads, kv_heads, hd):
        super().__init__()
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
    def __init__(self, d, heads, kv_heads, ffn, hd):
        super().__init__()
        self.self_attn = LlamaAttention(d, heads, kv_heads, hd)
        self.mlp = LlamaMLP(d, ffn)
        self.input_layernorm = LlamaRMSNorm(d)
        self.post_attention_layernorm = LlamaRMSNorm(d)


class Llama(nn.Module):
    """LlamaForCausalLM(config) with vocab_size, hidden_size, num_hidden_layers,
    num_attention_heads, num_key_value_heads, intermediate_size and head_dim
    (default hidden_size // num_attention_heads); tie_word_embeddings false."""
    def __init__(self, vocab, d, layers, heads, kv_heads, ffn, head_dim=None, std=0.02):
        super().__init__()
        hd = head_dim or d // heads
        self.std = std  # config.initializer_range
        self.model = nn.Module()
        self.model.embed_tokens = nn.Embedding(vocab, d)
        self.model.layers = nn.ModuleList(
            [LlamaDecoderLayer(d, heads, kv_heads, ffn, hd) for _ in range(layers)])
        self.model.norm = LlamaRMSNorm(d)
        self.model.apply(self._init_weights)  # LlamaModel's post_init
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.lm_head.apply(self._init_weights)  # the rest of post_init's pass

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(mean=0.0, std=self.std)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.data.normal_(mean=0.0, std=self.std)
        elif isinstance(module, LlamaRMSNorm):
            module.weight.data.fill_(1.0)
