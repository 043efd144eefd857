/*
 * nninit/torch.h: torch-exact mode. PyTorch's CPU generator, its
 * uniform_/normal_ transforms, every torch.nn.init function and the default
 * initialization of the common nn modules, bit for bit, as PyTorch 2.6 or
 * 1.13 computes them (nninit_torch_version; tests/py/torch_exact.py checks
 * it against Debian 12's python3-torch 1.13.1 and, through
 * tests/torch2/run.sh, Debian 13's 2.6.0).
 *
 * Quickstart: the seed script
 *     torch.manual_seed(42)
 *     fc1, fc2, fc3 = nn.Linear(10, 50), nn.Linear(50, 30), nn.Linear(30, 1)
 *     nn.init.kaiming_uniform_(fc1.weight, nonlinearity='relu')
 * in C:
 *     nninit_torch_gen g;                                  // caller-owned state
 *     nninit_torch_gen_init(&g, 42, NNINIT_TORCH_KERNEL_AVX2);
 *     float w1[50 * 10], b1[50];
 *     void *bufs[] = {w1, b1};
 *     nninit_torch_layer fc1 = nninit_torch_layer_make(NNINIT_TORCH_LINEAR);
 *     fc1.in = 10;
 *     fc1.out = 50;
 *     nninit_error err;
 *     if (nninit_torch_layer_init(&g, &fc1, NNINIT_F32, bufs, NULL, &err))
 *         fprintf(stderr, "%s\n", err.msg);
 *     // ... fc2 and fc3 the same way, in construction order, then:
 *     nninit_spec he = nninit_spec_make(NNINIT_KAIMING_UNIFORM);
 *     he.nonlinearity = NNINIT_NL_RELU;
 *     nninit_shape s;
 *     nninit_shape_parse("50,10", &s, NULL);
 *     nninit_torch_init(&g, &he, &s, NNINIT_F32, w1, NULL, &err);
 *
 * The generator is one explicit state that every call advances, exactly as
 * PyTorch's global default generator advances across all the tensors a
 * script creates: reproducing a script means making the same calls in the
 * same order. Everything here is sequential by nature (the draws of one call
 * depend on all earlier calls), so it does not follow nninit's counter-based
 * determinism contract; it follows PyTorch's.
 *
 * Kernel semantics. PyTorch computes some values differently depending on
 * the CPU capability its kernels were dispatched for (AVX2 on any x86-64
 * machine with AVX2, DEFAULT elsewhere or with ATEN_CPU_CAPABILITY=default):
 *   - uniform_: AVX2 fuses x*(to-from)+from into one FMA; DEFAULT rounds twice.
 *   - normal_ on >= 16 contiguous float32: AVX2 uses avx_mathfun's log/sincos
 *     polynomials (with GCC's FMA contraction); DEFAULT uses glibc logf,
 *     cosf, sinf without FMA.
 *   - the double-precision paths and erfinv: FMA-contracted in AVX2 only.
 * nninit reproduces both in portable C with explicit fma(), so either can be
 * chosen on any CPU. (Verified against Debian's x86-64 build, GCC 12; other
 * builds, e.g. aarch64 or PyPI wheels, may contract FMAs differently.)
 *
 * Functions PyTorch computes through the C library (erfinv_'s erff, expf
 * and logf in trunc_normal_; logf, cosf and sinf in the DEFAULT kernels'
 * normal_; log, cos, sin for float64 normal_) call this machine's libm, as
 * PyTorch does: nninit matches PyTorch running on the same C library
 * (erff of glibc 2.36 and 2.41, for one, differs on 6 % of the floats
 * in [2^-10, 4)).
 *
 * dtypes: f32 and f64 everywhere; f16 and bf16 (PyTorch's own half and
 * bfloat16 arithmetic, as in a module built with dtype=torch.bfloat16) for
 * everything except orthogonal_ (no Half/BFloat16 QR on CPU) and, with
 * version 1.13, f16 trunc_normal_ (no Half erfinv_): NNINIT_ENOTSUP.
 */
#ifndef NNINIT_TORCH_H
#define NNINIT_TORCH_H

#include "init.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* The generator: at::CPUGeneratorImpl (mt19937)                            */
/* ------------------------------------------------------------------------ */

typedef enum nninit_torch_kernel {
    NNINIT_TORCH_KERNEL_AVX2 = 0,   /* PyTorch on x86-64 with AVX2 (default) */
    NNINIT_TORCH_KERNEL_DEFAULT = 1 /* ATEN_CPU_CAPABILITY=default */
} nninit_torch_kernel;

/* "avx2" | "default" */
NNINIT_API int nninit_torch_kernel_parse(const char *name,
                                         nninit_torch_kernel *out,
                                         nninit_error *err);
NNINIT_API const char *nninit_torch_kernel_name(nninit_torch_kernel kernel);

/* Which PyTorch release's arithmetic to reproduce where releases differ
 * (everything else is the same in both):
 *   - normal_ on >= 16 contiguous float16 values (so xavier_normal_,
 *     kaiming_normal_, sparse_ on float16): 1.13 rounds to Half only where
 *     the code stores a Half; since 2.1 Half math overloads (std::log, sqrt,
 *     cos, sin return Half, as for BFloat16) round after every step.
 *   - normal_ on < 16 values: the radius takes log(1 - u) in 1.13 and
 *     log1p(-u) since 2.0 (the last bit of some float64 values).
 *   - trunc_normal_ on bfloat16 (both) and float16 (2.6 only: 1.13 has no
 *     Half erfinv_): erfinv_ in float rounded to the dtype, then mul_ by a
 *     scalar rounded to the dtype (1.13) or kept in float (since 2.1), add_,
 *     clamp_.
 * By PyTorch's source NNINIT_TORCH_2_6 also describes 2.1 to 2.5; it is
 * checked against 2.6.0, and NNINIT_TORCH_1_13 against 1.13.1. */
typedef enum nninit_torch_version {
    NNINIT_TORCH_2_6 = 0, /* PyTorch 2.6 (default: the newest covered) */
    NNINIT_TORCH_1_13 = 1 /* PyTorch 1.13 */
} nninit_torch_version;

/* "2.6" | "1.13" */
NNINIT_API int nninit_torch_version_parse(const char *name,
                                          nninit_torch_version *out,
                                          nninit_error *err);
NNINIT_API const char *nninit_torch_version_name(nninit_torch_version version);

#define NNINIT_TORCH_MT_N 624

/* Plain data: copy it to fork the stream, compare it, store it. */
typedef struct nninit_torch_gen {
    uint64_t initial_seed;            /* torch.initial_seed() */
    uint32_t state[NNINIT_TORCH_MT_N]; /* mt19937 state */
    uint32_t pos;        /* next state word to temper; N: twist first */
    int normal_cached;   /* 1 if normal_cache holds a value */
    double normal_cache; /* second Box-Muller value of the < 16 path */
    nninit_torch_kernel kernel;
    nninit_torch_version version; /* NNINIT_TORCH_2_6 after gen_init */
    /* Worker threads for the steps that do not touch the generator (the
     * normal transforms, erfinv, QR updates) on large tensors: 0 or 1 runs
     * everything on the calling thread (the default). The bytes never
     * depend on it. */
    int threads;
    /* The code path for the bulk loops (NNINIT_SIMD_AUTO: the best this
     * CPU runs; the default). The bytes never depend on it either. */
    nninit_simd simd;
} nninit_torch_gen;

/* torch.manual_seed(seed) on a fresh generator that computes with `kernel`'s
 * semantics, version NNINIT_TORCH_2_6 (set g->version to change it),
 * threads = 1. A negative Python seed s is passed as (uint64_t)(int64_t)s,
 * i.e. 2^64 + s, which is what torch does. */
NNINIT_API void nninit_torch_gen_init(nninit_torch_gen *g, uint64_t seed,
                                      nninit_torch_kernel kernel);
/* torch.manual_seed(seed): reseed, clear the cached normal, keep the kernel,
 * version, the threads and the simd path.
 * The state is seeded with the low 32 bits; all 64 are kept as initial_seed. */
NNINIT_API void nninit_torch_manual_seed(nninit_torch_gen *g, uint64_t seed);
/* One tempered 32-bit output (CPUGeneratorImpl::random). */
NNINIT_API uint32_t nninit_torch_random(nninit_torch_gen *g);
/* Two outputs, first one high (CPUGeneratorImpl::random64). */
NNINIT_API uint64_t nninit_torch_random64(nninit_torch_gen *g);

/* ------------------------------------------------------------------------ */
/* Tensor operations on contiguous caller buffers of n elements             */
/* ------------------------------------------------------------------------ */

/* t.uniform_(from, to). NNINIT_EINVAL if from > to or either is not finite.
 * Draws: n words for f32/f16/bf16, 2n for f64. */
NNINIT_API int nninit_torch_uniform_(nninit_torch_gen *g, nninit_dtype dtype,
                                     void *data, uint64_t n, double from,
                                     double to, nninit_error *err);
/* t.normal_(mean, std). NNINIT_EINVAL if std < 0 or not finite. n >= 16 uses
 * the block fill (n words, plus 16 if n % 16 != 0; doubled for f64); n < 16
 * the per-element double path with its cached second value, which persists
 * in g across calls until the next manual_seed. */
NNINIT_API int nninit_torch_normal_(nninit_torch_gen *g, nninit_dtype dtype,
                                    void *data, uint64_t n, double mean,
                                    double std, nninit_error *err);
/* torch.randperm(n) (CPU, int64): n - 1 draws. */
NNINIT_API int nninit_torch_randperm(nninit_torch_gen *g, int64_t n,
                                     int64_t *out, nninit_error *err);

/* ------------------------------------------------------------------------ */
/* torch.nn.init                                                            */
/* ------------------------------------------------------------------------ */

/* torch.nn.init.<spec->kind>_(t, <spec's parameters>) on a fresh contiguous
 * tensor t of `shape` and `dtype`, written to `out` (numel elements). The
 * same names and parameters as nninit_init (PyTorch's layout):
 *   zeros ones constant uniform normal trunc_normal eye dirac xavier_uniform
 *   xavier_normal kaiming_uniform kaiming_normal orthogonal sparse
 * lecun_uniform/lecun_normal are the calls a PyTorch script makes for them:
 *   kaiming_uniform_/kaiming_normal_(t, nonlinearity='linear').
 * delta_orthogonal and variance_scaling have no torch.nn.init counterpart:
 *   NNINIT_ENOTSUP. eye multiplies by spec->gain (1: torch's eye_).
 * kaiming_* on a zero-element tensor draws nothing (PyTorch's no-op).
 * orthogonal_ draws exactly PyTorch's Gaussians and applies its steps; the
 * QR is nninit's own Householder QR, in the tensor's precision as PyTorch's
 * LAPACK call is, so results agree to about 1e-6, not bit for bit.
 * Workspace (orthogonal, sparse) comes from `alloc` (NULL: malloc). */
NNINIT_API int nninit_torch_init(nninit_torch_gen *g, const nninit_spec *spec,
                                 const nninit_shape *shape, nninit_dtype dtype,
                                 void *out, const nninit_allocator *alloc,
                                 nninit_error *err);

/* NNINIT_OK if torch-exact mode can make spec->kind in dtype for `version`
 * (parameters and shape are checked by the call itself); otherwise
 * NNINIT_ENOTSUP with the reason: no torch.nn.init counterpart
 * (delta_orthogonal, variance_scaling), orthogonal_ in f16/bf16, or
 * trunc_normal_ in f16 with version 1.13. */
NNINIT_API int nninit_torch_check(const nninit_spec *spec, nninit_dtype dtype,
                                  nninit_torch_version version,
                                  nninit_error *err);

/* Advance g exactly as nninit_torch_init with the same arguments would, and
 * return the same status, without producing the tensor: for draws a later
 * call overwrites (a module's default weight that the script re-initializes).
 * No output memory and no transform; the words are drawn and dropped (the
 * < 16-element normal path, which depends on the generator's cached value,
 * runs for real in a small local buffer). */
NNINIT_API int nninit_torch_skip(nninit_torch_gen *g, const nninit_spec *spec,
                                 const nninit_shape *shape, nninit_dtype dtype,
                                 const nninit_allocator *alloc,
                                 nninit_error *err);

/* ------------------------------------------------------------------------ */
/* Modules: one table of PyTorch's nn modules                               */
/* ------------------------------------------------------------------------ */

/* Every module nninit knows is one row of one table (torch_module.c): its
 * fields (constructor arguments, their defaults and limits), its tensors
 * (state_dict names, shapes, what each is for) and the steps its
 * constructor takes (the default draws, in PyTorch's order). Whole models
 * (nninit/model.h), their plans and the spec language all read it.
 *
 * XX(enum name, spec name, PyTorch class) */
#define NNINIT_TORCH_MODULE_MAP(XX)                                            \
    XX(LINEAR, "linear", "Linear")                                             \
    XX(BILINEAR, "bilinear", "Bilinear")                                       \
    XX(CONV1D, "conv1d", "Conv1d")                                             \
    XX(CONV2D, "conv2d", "Conv2d")                                             \
    XX(CONV3D, "conv3d", "Conv3d")                                             \
    XX(CONV_TRANSPOSE1D, "conv_transpose1d", "ConvTranspose1d")                \
    XX(CONV_TRANSPOSE2D, "conv_transpose2d", "ConvTranspose2d")                \
    XX(CONV_TRANSPOSE3D, "conv_transpose3d", "ConvTranspose3d")                \
    XX(EMBEDDING, "embedding", "Embedding")                                    \
    XX(LAYER_NORM, "layernorm", "LayerNorm")                                   \
    XX(RMS_NORM, "rmsnorm", "RMSNorm")                                         \
    XX(GROUP_NORM, "groupnorm", "GroupNorm")                                   \
    XX(BATCH_NORM, "batchnorm", "BatchNorm")                                   \
    XX(RNN, "rnn", "RNN")                                                      \
    XX(LSTM, "lstm", "LSTM")                                                   \
    XX(GRU, "gru", "GRU")                                                      \
    XX(RNN_CELL, "rnn_cell", "RNNCell")                                        \
    XX(LSTM_CELL, "lstm_cell", "LSTMCell")                                     \
    XX(GRU_CELL, "gru_cell", "GRUCell")                                        \
    XX(MULTIHEAD_ATTENTION, "multihead_attention", "MultiheadAttention")       \
    XX(TRANSFORMER_ENCODER_LAYER, "transformer_encoder_layer",                 \
       "TransformerEncoderLayer")                                              \
    XX(TRANSFORMER_DECODER_LAYER, "transformer_decoder_layer",                 \
       "TransformerDecoderLayer")                                              \
    XX(TRANSFORMER_ENCODER, "transformer_encoder", "TransformerEncoder")       \
    XX(TRANSFORMER_DECODER, "transformer_decoder", "TransformerDecoder")       \
    XX(TRANSFORMER, "transformer", "Transformer")

typedef enum nninit_torch_module {
#define NNINIT__TORCH_MODULE_ENUM(name, str, cls) NNINIT_TORCH_##name,
    NNINIT_TORCH_MODULE_MAP(NNINIT__TORCH_MODULE_ENUM)
#undef NNINIT__TORCH_MODULE_ENUM
    NNINIT_TORCH_MODULE_COUNT
} nninit_torch_module;

/* Accepts the names above and PyTorch's class names, case-insensitively,
 * with or without '_' ("LayerNorm", "layer_norm", "ConvTranspose2d",
 * "LSTMCell"), and batchnorm1d/2d/3d for batchnorm (the same tensors).
 * NNINIT_EINVAL: "unknown layer type 'x' (expected linear, ...)". */
NNINIT_API int nninit_torch_module_parse(const char *name,
                                         nninit_torch_module *out,
                                         nninit_error *err);
/* "layernorm" */
NNINIT_API const char *nninit_torch_module_name(nninit_torch_module kind);
/* "LayerNorm" */
NNINIT_API const char *nninit_torch_module_class(nninit_torch_module kind);

/* How a recurrent weight_hh (gates*hidden, hidden) is made orthogonal when
 * a plan asks for orthogonal (nninit/model.h). */
typedef enum nninit_orth_mode {
    NNINIT_ORTH_DEFAULT = 0,  /* the preset's choice */
    NNINIT_ORTH_WHOLE = 1,    /* one orthogonal matrix over all gates (Keras) */
    NNINIT_ORTH_PER_GATE = 2  /* one per gate block (Flax; the seed preset) */
} nninit_orth_mode;

/* "whole" | "per_gate" (and "default") */
NNINIT_API int nninit_orth_mode_parse(const char *name, nninit_orth_mode *out,
                                      nninit_error *err);
NNINIT_API const char *nninit_orth_mode_name(nninit_orth_mode mode);

/* A module: its kind and its fields. Build it with nninit_torch_layer_make,
 * which sets every default, then set what the module needs. The fields of
 * each kind, by the names the spec language uses (PyTorch's constructor
 * names are accepted too; nninit_torch_field_find):
 *   linear            in, out, bias
 *   bilinear          in (in1_features), in2, out, bias
 *   conv*d, conv_transpose*d   in, out (channels), kernel[0..d-1], groups,
 *                     bias; conv_transpose weight is (in, out/groups, *k)
 *   embedding         num_embeddings, embedding_dim, padding_idx (set
 *                     has_padding_idx; negative counts from the end)
 *   layernorm         normalized_shape[0..normalized_ndim-1], affine
 *                     (elementwise_affine), bias (PyTorch 2.1+)
 *   rmsnorm           normalized_shape, affine (PyTorch 2.4+)
 *   groupnorm         groups (num_groups), num_features (num_channels),
 *                     affine
 *   batchnorm         num_features, affine, track_running_stats
 *   rnn, lstm, gru    in (input_size), hidden, num_layers, bias,
 *                     bidirectional, proj_size (lstm), activation (rnn's
 *                     nonlinearity: tanh or relu)
 *   *_cell            in, hidden, bias (rnn_cell: activation)
 *   multihead_attention  embed_dim, num_heads, bias, add_bias_kv, kdim and
 *                     vdim (0: embed_dim; q/k/v_proj_weight instead of the
 *                     packed in_proj_weight when either differs)
 *   transformer_encoder_layer, transformer_decoder_layer  embed_dim
 *                     (d_model), num_heads (nhead), dim_feedforward, bias
 *                     (PyTorch 2.1+), activation (relu, gelu)
 *   transformer_encoder, transformer_decoder  the same, num_layers, and
 *                     norm (a final LayerNorm): num_layers clones of one
 *                     layer, all starting equal, as nn.TransformerEncoder
 *                     deep-copies the layer it is given
 *   transformer       the same, num_encoder_layers, num_decoder_layers:
 *                     nn.Transformer, clones then its _reset_parameters
 * and nninit's own, read by plans only (the generator ignores them):
 *   activation, slope what follows a linear, bilinear or conv module (the
 *                     per-activation rule picks its weights from it)
 *   forget_bias       lstm: the forget-gate rows' bias (NAN: none)
 *   orthogonal        rnn, lstm, gru: whole or per_gate
 * A field a kind does not take must keep its default (NNINIT_EINVAL
 * otherwise, so a misplaced field is never silently ignored). Sizes are
 * >= 1: PyTorch accepts some zero sizes (Linear(0, 3)); nninit refuses
 * them, as a zero is almost always a missing field. */
typedef struct nninit_torch_layer {
    nninit_torch_module kind;
    int64_t in, in2, out;
    int64_t kernel[3];
    int64_t groups;                       /* 1 */
    int64_t num_embeddings, embedding_dim;
    int64_t padding_idx;
    int64_t normalized_shape[NNINIT_MAX_DIMS];
    int64_t num_features;
    int64_t hidden, num_layers, proj_size; /* num_layers 1 */
    int64_t embed_dim, num_heads, kdim, vdim;
    int64_t dim_feedforward;               /* 2048 */
    int64_t num_encoder_layers, num_decoder_layers; /* 6, 6 */
    int normalized_ndim;
    int has_padding_idx;
    int bias;                              /* 1 */
    int affine, track_running_stats;       /* 1, 1 */
    int bidirectional;
    int add_bias_kv;
    int norm;                              /* transformer_encoder/decoder */
    nninit_activation activation;          /* rnn: tanh; transformer*: relu;
                                              otherwise none */
    double slope;                          /* NAN: 0.01 for leaky_relu */
    double forget_bias;                    /* NAN */
    nninit_orth_mode orthogonal;
} nninit_torch_layer;

NNINIT_API nninit_torch_layer nninit_torch_layer_make(nninit_torch_module kind);

/* ---- fields by name (the spec language) ---- */

typedef enum nninit_torch_field_type {
    NNINIT_TORCH_FIELD_SIZE,   /* an integer >= its minimum */
    NNINIT_TORCH_FIELD_SIZES,  /* one integer or a list (kernel, shapes) */
    NNINIT_TORCH_FIELD_INDEX,  /* an integer, negative from the end */
    NNINIT_TORCH_FIELD_BOOL,   /* true/false, yes/no, on/off */
    NNINIT_TORCH_FIELD_NUMBER, /* a finite number */
    NNINIT_TORCH_FIELD_WORD,   /* a name (activation, orthogonal mode) */
    NNINIT_TORCH_FIELD_ANY     /* anything: no effect on the weights */
} nninit_torch_field_type;

typedef struct nninit_torch_field {
    const char *name;             /* nninit's key: "in", "kernel", ... */
    nninit_torch_field_type type;
    int stored;                   /* 0: checked, without effect on the
                                     weights (eps, dropout, stride, ...) */
} nninit_torch_field;

/* The field `key` names for `kind`, or -1 if the kind has none: nninit's
 * key or PyTorch's constructor argument ("in_features", "kernel_size",
 * "elementwise_affine", "dropout", ...). */
NNINIT_API int nninit_torch_field_find(nninit_torch_module kind,
                                       const char *key);
NNINIT_API const nninit_torch_field *nninit_torch_field_info(int field);
/* Set field `field` of l from text ("3", "true", "gelu", "-1"); a SIZES
 * field from one integer (a kernel: that size in every dimension).
 * NNINIT_EINVAL naming the field and the value ("in must be a positive
 * integer (got 0)"), NNINIT_EOVERFLOW past 2^62. */
NNINIT_API int nninit_torch_field_set(nninit_torch_layer *l, int field,
                                      const char *text, nninit_error *err);
/* Set a SIZES field from a list of n integers (a kernel: one per spatial
 * dimension). */
NNINIT_API int nninit_torch_field_set_sizes(nninit_torch_layer *l, int field,
                                            const int64_t *v, int n,
                                            nninit_error *err);
/* "in, out, bias, activation, slope": the keys `kind` takes, for
 * messages. Returns buf. */
NNINIT_API char *nninit_torch_module_keys(nninit_torch_module kind, char *buf,
                                          size_t size);

/* ---- tensors ---- */

/* What a tensor of a module is for (presets choose by it). */
typedef enum nninit_part {
    NNINIT_PART_WEIGHT,      /* a dense or conv kernel */
    NNINIT_PART_QKV,         /* attention's query/key/value projection:
                                in_proj_weight (3 blocks) or q/k/v_proj */
    NNINIT_PART_INPUT,       /* recurrent input-to-hidden weight_ih */
    NNINIT_PART_RECURRENT,   /* recurrent hidden-to-hidden weight_hh */
    NNINIT_PART_PROJECTION,  /* LSTM projection weight_hr */
    NNINIT_PART_BIAS,
    NNINIT_PART_GATE_BIAS,   /* recurrent bias_ih / bias_hh */
    NNINIT_PART_KV_BIAS,     /* attention's bias_k / bias_v (1, 1, E) */
    NNINIT_PART_EMBEDDING,
    NNINIT_PART_NORM_SCALE,
    NNINIT_PART_NORM_SHIFT,
    NNINIT_PART_RUNNING_MEAN,
    NNINIT_PART_RUNNING_VAR,
    NNINIT_PART_STEP_COUNT   /* num_batches_tracked: a 0-d int64 */
} nninit_part;

/* Where a layer sits in a residual network (a transformer block, a ResNet
 * branch): what depth and width schemes (nninit/model.h's scalings) read.
 * A spec tags its layers with `role:`; the transformer modules tag their
 * own sub-layers (self_attn.in_proj_weight attn_qkv, linear1 ffn_in, ...).
 * XX(enum name, spec name, what it is) */
#define NNINIT_LAYER_ROLE_MAP(XX)                                              \
    XX(NONE, "none", "no particular place")                                   \
    XX(EMBEDDING, "embedding", "an input embedding table")                    \
    XX(ATTN_QKV, "attn_qkv", "attention's packed query/key/value projection")\
    XX(ATTN_Q, "attn_q", "attention's query projection")                      \
    XX(ATTN_K, "attn_k", "attention's key projection")                        \
    XX(ATTN_V, "attn_v", "attention's value projection")                      \
    XX(ATTN_OUT, "attn_out",                                                  \
       "attention's output projection: the last layer of its residual "       \
       "branch")                                                              \
    XX(FFN_IN, "ffn_in", "the feed-forward branch's first (up) projection")   \
    XX(FFN_GATE, "ffn_gate", "the feed-forward branch's gate projection "     \
                             "(SwiGLU's w1)")                                 \
    XX(FFN_OUT, "ffn_out",                                                    \
       "the feed-forward branch's output (down) projection: the last layer "  \
       "of its residual branch")                                              \
    XX(BRANCH, "branch", "a layer inside a residual branch (a ResNet "        \
                         "block's first convolutions)")                      \
    XX(BRANCH_OUT, "branch_out", "the last layer of a residual branch")       \
    XX(READOUT, "readout", "the output layer (classifier, lm_head)")

typedef enum nninit_layer_role {
#define NNINIT__LAYER_ROLE_ENUM(name, str, what) NNINIT_LAYER_##name,
    NNINIT_LAYER_ROLE_MAP(NNINIT__LAYER_ROLE_ENUM)
#undef NNINIT__LAYER_ROLE_ENUM
    NNINIT_LAYER_ROLE_COUNT
} nninit_layer_role;

NNINIT_API int nninit_layer_role_parse(const char *name,
                                       nninit_layer_role *out,
                                       nninit_error *err);
NNINIT_API const char *nninit_layer_role_name(nninit_layer_role role);
/* "attention's output projection: ..." */
NNINIT_API const char *nninit_layer_role_what(nninit_layer_role role);
/* 1 for the last layer of a residual branch (attn_out, ffn_out,
 * branch_out): what GPT-2, Fixup and ZerO scale or zero. */
NNINIT_API int nninit_layer_role_is_residual_out(nninit_layer_role role);

/* Which stack of residual blocks a layer is in: a repeated block of a spec
 * (`stack: encoder`), or the layers of nn.TransformerEncoder/Decoder.
 * DeepNet and T-Fixup take different constants for an encoder-decoder. */
typedef enum nninit_stack {
    NNINIT_STACK_NONE = 0,    /* a stack of unnamed kind (or none) */
    NNINIT_STACK_ENCODER = 1,
    NNINIT_STACK_DECODER = 2
} nninit_stack;

/* "none" | "encoder" | "decoder" */
NNINIT_API int nninit_stack_parse(const char *name, nninit_stack *out,
                                  nninit_error *err);
NNINIT_API const char *nninit_stack_name(nninit_stack stack);

/* One tensor of a module's state_dict. */
typedef struct nninit_torch_tensor {
    char name[64];       /* its key inside the module: "weight",
                            "bias_hh_l1_reverse" */
    char family[32];     /* the key selecting it in every layer and
                            direction ("weight_hh"); else its name */
    nninit_shape shape;  /* PyTorch's */
    nninit_part part;
    nninit_activation follows; /* weights: what the module applies to
                                  their output (NONE: nothing) */
    int blocks;          /* row blocks that are separate matrices (an
                            LSTM's 4 gates, attention's packed q, k, v);
                            1 otherwise */
    int buffer;          /* 1 for buffers (running statistics) */
    int int64;           /* 1 for num_batches_tracked */
    nninit_layer_role role; /* its place, where the module knows it (a
                               transformer's sub-layers); NONE otherwise */
    nninit_stack stack;  /* inside a module's own stack (the layers of
                            nn.TransformerEncoder): which, and the */
    int64_t depth, depth_count; /* layer's index among depth_count;
                                   depth_count 0 if the module has none */
} nninit_torch_tensor;

/* The module's state_dict entries in order (parameters in registration
 * order, then buffers). Validates the layer (NNINIT_EINVAL naming the bad
 * field; NNINIT_EOVERFLOW for a tensor of more than 2^62 elements). Sets
 * *count and writes the first min(cap, *count) to out (NULL when cap is 0). */
NNINIT_API int nninit_torch_layer_tensors(const nninit_torch_layer *layer,
                                          nninit_torch_tensor *out, int cap,
                                          int *count, nninit_error *err);

/* 1 if explicit-initializer key `key` selects tensor t: "weights" (the
 * module's kernels, attention projections, weight_ih/weight_hr, embedding
 * table, or the norm's own scale: not weight_hh, bias_k/bias_v, nor the
 * norms inside a transformer layer), "biases" (every bias, the norm's own
 * shift included), t's family ("weight_hh" selects weight_hh_l1_reverse)
 * or t's name ("self_attn.in_proj_weight"). */
NNINIT_API int nninit_torch_tensor_selected(const nninit_torch_tensor *t,
                                            const char *key);

/* ---- construction: the default draws, in order ---- */

/* One step of a module's constructor: an nn.init call on a tensor, or on
 * some of its rows, or a copy of another tensor (a module that clones a
 * sub-module, as nn.TransformerEncoder does, copies its values: no
 * draws). Steps come in the order the constructor makes them, which need
 * not be the order of the tensors. */
typedef struct nninit_torch_step {
    int tensor;         /* index into nninit_torch_layer_tensors */
    int source;         /* >= 0: copy this tensor's current values (the
                           spec is unused); -1 otherwise */
    int64_t row0, row1; /* row1 > row0: rows [row0, row1) only */
    nninit_spec spec;   /* the call, e.g. kaiming_uniform(a=sqrt(5)) */
    const char *module; /* the PyTorch class that makes it: "Linear" */
    const char *what;   /* "default kaiming_uniform_(a=sqrt(5)), i.e. ..." */
} nninit_torch_step;

/* The constructor's steps, as nninit_torch_layer_tensors lists tensors. */
NNINIT_API int nninit_torch_layer_steps(const nninit_torch_layer *layer,
                                        nninit_torch_step *out, int cap,
                                        int *count, nninit_error *err);

/* Construct the module: every step, in order, on g; bufs[i] receives
 * tensor i (numel elements of dtype; 8 bytes for the int64 counter; NULL
 * allowed for a tensor of no elements). Each step draws exactly what
 * PyTorch's does, so modules and nn.init calls can be interleaved as a
 * script interleaves them. */
NNINIT_API int nninit_torch_layer_init(nninit_torch_gen *g,
                                       const nninit_torch_layer *layer,
                                       nninit_dtype dtype, void *const *bufs,
                                       const nninit_allocator *alloc,
                                       nninit_error *err);

/* ------------------------------------------------------------------------ */
/* Streams: one tensor in pieces, in bounded memory                         */
/* ------------------------------------------------------------------------ */

/* A tensor made piece by piece, in order, with the same bytes and the same
 * draws as nninit_torch_init making it whole:
 * so a large tensor can go to a file without being held. Only calls that
 * are one elementwise step stream: zeros_, ones_, constant_, uniform_,
 * trunc_normal_, xavier/kaiming/lecun_uniform_, and normal_,
 * xavier/kaiming/lecun_normal_ of 16 values or more (below 16, normal_'s
 * draws depend on the generator's cached value); a module's steps
 * (nninit_torch_layer_steps) are such calls.
 * Caller-owned, no allocation. Typical use:
 *
 *     nninit_torch_stream st;
 *     if (nninit_torch_stream_begin(&st, &spec, &shape, NNINIT_F32))
 *         for (uint64_t i = 0; i < n; i += chunk)        // in order
 *             nninit_torch_stream_next(&g, &st, buf, min(chunk, n - i), &err);
 *     else
 *         nninit_torch_init(&g, &spec, &shape, NNINIT_F32, whole, NULL, &err);
 *
 * The generator must not be used for anything else until the stream ends
 * (all n elements handed out, or the rest skipped with out NULL). */
typedef struct nninit_torch_stream {
    int kind;              /* internal: which step */
    nninit_dtype dtype;
    uint64_t n, done;      /* elements in all, elements handed out */
    double p0, p1;         /* the step's two parameters */
    nninit_spec trunc;     /* trunc_normal_'s parameters */
    uint64_t zero0, zero1; /* elements zeroed after the draw (padding_idx) */
    double carry[16];      /* normal_: the rest of a 16-block already drawn,
                              or the 16 redrawn last values */
    unsigned carry_at, carry_n;
} nninit_torch_stream;

/* 1 and *st ready if nninit_torch_init(g, spec, shape, dtype, ...) can
 * stream; 0 if not: then make the tensor whole (that call also reports any
 * error in the arguments). */
NNINIT_API int nninit_torch_stream_begin(nninit_torch_stream *st,
                                         const nninit_spec *spec,
                                         const nninit_shape *shape,
                                         nninit_dtype dtype);
/* The next `count` elements (count <= n - done) into out; with out NULL,
 * only their draws (nothing written), e.g. to drop the rest of a stream. */
NNINIT_API int nninit_torch_stream_next(nninit_torch_gen *g,
                                        nninit_torch_stream *st, void *out,
                                        uint64_t count, nninit_error *err);

#ifdef __cplusplus
}
#endif

#endif /* NNINIT_TORCH_H */
