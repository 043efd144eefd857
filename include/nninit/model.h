/*
 * nninit/model.h: whole models (libnninit_model, above the core; libc only).
 *
 * A model is a list of layers (Linear, Conv, LSTM, ...: the modules of
 * nninit/torch.h's table) or of bare named tensors read from a checkpoint,
 * plus rules. nninit_model_add_layer expands a layer into exactly the
 * tensors of PyTorch's state_dict (names and shapes: "fc1.weight" (50, 10),
 * "lstm.weight_hh_l0_reverse", ...). A plan decides
 * every tensor's initializer from a preset (the per-activation rule, or
 * PyTorch's, Keras's or Flax's layer defaults), the layer's own overrides and
 * the rules, and says why. A producer then fills any range of any tensor.
 *
 * Quickstart (the seed network; nninit/io.h writes the plan to a file):
 *     nninit_model *m;
 *     nninit_error err;
 *     nninit_model_new(&m, NULL, &err);
 *     nninit_layer fc1 = nninit_layer_make(NNINIT_TORCH_LINEAR);
 *     snprintf(fc1.name, sizeof fc1.name, "fc1");
 *     fc1.args.in = 10;
 *     fc1.args.out = 50;
 *     fc1.args.activation = NNINIT_ACT_RELU;     // what follows it
 *     if (nninit_model_add_layer(m, &fc1, &err) != NNINIT_OK)
 *         fprintf(stderr, "%s\n", err.msg);
 *     nninit_plan *plan;
 *     nninit_plan_opts po = nninit_plan_opts_default();   // preset seed
 *     nninit_plan_new(m, &po, &plan, &err);
 *     const nninit_plan_entry *e = nninit_plan_get(plan, 0);
 *     printf("%s %s: %s\n", e->name, e->init, e->why);  // fc1.weight: He
 *     float w[500];
 *     nninit_producer *pr;
 *     nninit_producer_new(plan, NULL, &pr, &err);
 *     nninit_producer_fill(pr, 0, w, 0, 500, &err);        // any range
 *     nninit_producer_free(pr);
 *     nninit_plan_free(plan);
 *     nninit_model_free(m);
 *
 * Determinism: with the default generator, tensor t's element i depends only
 * on (seed, stream id of t's *name*, i, its initializer, parameters, dtype).
 * Adding, removing or reordering other layers changes none of t's bytes.
 * Composite schemes keep this: a per-gate orthogonal block g draws from
 * nninit_stream_derive(stream, NNINIT_BLOCK_TAG + g).
 */
#ifndef NNINIT_MODEL_H
#define NNINIT_MODEL_H

#include "init.h"
#include "torch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Element types of tensors in model files                                  */
/* ------------------------------------------------------------------------ */

/* The floating types share nninit_dtype's values. The integer and bool types
 * occur in checkpoints (num_batches_tracked, position ids, masks); nninit
 * writes them as zeros (num_batches_tracked) or copies them unchanged.
 * NNINIT_ET_OTHER is a type nninit can read past but not write (a quantized
 * GGUF block type): such tensors are re-initialized as floats. */
#define NNINIT_ETYPE_MAP(XX)                                                   \
    XX(F32, "F32", 4)                                                          \
    XX(F64, "F64", 8)                                                          \
    XX(F16, "F16", 2)                                                          \
    XX(BF16, "BF16", 2)                                                        \
    XX(I64, "I64", 8)                                                          \
    XX(I32, "I32", 4)                                                          \
    XX(I16, "I16", 2)                                                          \
    XX(I8, "I8", 1)                                                            \
    XX(U64, "U64", 8)                                                          \
    XX(U32, "U32", 4)                                                          \
    XX(U16, "U16", 2)                                                          \
    XX(U8, "U8", 1)                                                            \
    XX(BOOL, "BOOL", 1)                                                        \
    XX(OTHER, "OTHER", 0)

typedef enum nninit_etype {
#define NNINIT__ET_ENUM(name, str, size) NNINIT_ET_##name,
    NNINIT_ETYPE_MAP(NNINIT__ET_ENUM)
#undef NNINIT__ET_ENUM
    NNINIT_ETYPE_COUNT
} nninit_etype;

/* Bytes per element (0 for OTHER or unknown). */
NNINIT_API size_t nninit_etype_size(nninit_etype t);
/* safetensors' spelling: "F32", "BF16", "I64", "BOOL", ... */
NNINIT_API const char *nninit_etype_name(nninit_etype t);
/* 1 for F32, F64, F16, BF16. */
NNINIT_API int nninit_etype_is_float(nninit_etype t);

/* ------------------------------------------------------------------------ */
/* Layers                                                                   */
/* ------------------------------------------------------------------------ */

/* A layer is one PyTorch module (nninit/torch.h's table: kinds, fields,
 * tensors, construction) under a name. */

#define NNINIT_NAME_MAX 256
/* The most tensors a model (or a checkpoint nninit reads) may have. */
#define NNINIT_MAX_TENSORS (1 << 22)

/* An explicit initializer for some of a layer's tensors. `key` selects them:
 *   "weights"  the layer's weights but the recurrent weight_hh: kernels,
 *              weight_ih, weight_hr, an embedding table, a norm's scale
 *              (what the spec's `init:` sets)
 *   "biases"   every bias: bias, bias_ih_*, bias_hh_*, a norm's shift
 *              (`bias_init:`)
 *   a tensor's name inside the layer ("weight", "self_attn.in_proj_weight")
 *              or, for recurrent layers, its family: "weight_hh" selects
 *              weight_hh_l0, weight_hh_l1_reverse, ...
 *   a glob over those names ("*.linear1.weight"; fnmatch, '*' also
 *              matches dots) */
typedef struct nninit_tensor_init {
    char key[64];
    nninit_spec spec;
    int line, column; /* where the spec said so (0 if unknown) */
} nninit_tensor_init;

/* One layer: a name, the module (kind and fields: nninit_torch_layer),
 * explicit initializers, and where it sits in a residual network (what
 * the scalings below read). nninit_layer_make sets every default. */
typedef struct nninit_layer {
    char name[NNINIT_NAME_MAX]; /* full dotted prefix: "h.0.attn.c_attn" */
    nninit_torch_layer args;    /* kind, constructor arguments, and what
                                   follows (args.activation, args.slope) */
    const nninit_tensor_init *inits; /* applied in this order; copied by
                                        nninit_model_add_layer */
    int n_inits;
    int line, column; /* where the layer was declared (0 if unknown) */
    nninit_layer_role role; /* its place (spec `role:`): what its weights
                               are in a residual block */
    nninit_stack stack;     /* the stack of blocks it is in, and its block's */
    int64_t depth, depth_count; /* index (0-based) among depth_count blocks
                                   (a spec's `repeat:`); depth_count 0: in
                                   no stack */
    char tie[NNINIT_NAME_MAX]; /* "" or an earlier layer whose weight this
                                  layer's weight is (lm_head tied to the
                                  token embedding): no tensor of its own,
                                  its steps act on that one */
} nninit_layer;

NNINIT_API nninit_layer nninit_layer_make(nninit_torch_module kind);

/* ------------------------------------------------------------------------ */
/* Rules                                                                    */
/* ------------------------------------------------------------------------ */

/* A rule applies to every tensor whose full name matches the glob `match`
 * (fnmatch: '*' also matches dots). It either sets an initializer (has_init)
 * or says which activation follows the tensor (has_activation; weights then
 * get the per-activation rule's choice, other roles are unaffected). Rules
 * apply in the order they were added, after the layers' own overrides: the
 * last match wins. A rule that matches no tensor is a plan warning. */
typedef struct nninit_rule {
    char match[NNINIT_NAME_MAX];
    int has_init;
    nninit_spec spec;
    int has_activation;
    nninit_activation activation;
    double slope; /* NAN: 0.01 for leaky_relu */
    int line, column;
} nninit_rule;

NNINIT_API nninit_rule nninit_rule_make(const char *match);

/* ------------------------------------------------------------------------ */
/* Models                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct nninit_model nninit_model;

/* An empty model. Memory through alloc (NULL: malloc); free with
 * nninit_model_free. */
NNINIT_API int nninit_model_new(nninit_model **out,
                                const nninit_allocator *alloc,
                                nninit_error *err);
NNINIT_API void nninit_model_free(nninit_model *m);

/* Model name (general.name in GGUF) and architecture (GGUF's
 * general.architecture, [a-z0-9_]+; default "nninit"). */
NNINIT_API int nninit_model_set_name(nninit_model *m, const char *name,
                                     nninit_error *err);
NNINIT_API int nninit_model_set_architecture(nninit_model *m,
                                             const char *arch,
                                             nninit_error *err);
NNINIT_API const char *nninit_model_name(const nninit_model *m);
NNINIT_API const char *nninit_model_architecture(const nninit_model *m);

/* Validate a layer and append its tensors. NNINIT_EINVAL naming the problem
 * (a missing, zero or negative dimension, channels not divisible by groups,
 * proj_size >= hidden, a duplicate layer name, an initializer key the layer
 * does not have, more than NNINIT_MAX_TENSORS tensors in the model, ...);
 * NNINIT_EOVERFLOW if a shape has more than 2^62 elements. The model is
 * unchanged on failure. */
NNINIT_API int nninit_model_add_layer(nninit_model *m,
                                      const nninit_layer *layer,
                                      nninit_error *err);

/* Append a bare tensor (from a checkpoint: the plan decides its scheme from
 * its name). `source_index` is its index in the checkpoint, kept in the
 * plan so non-float tensors can be copied. Duplicate names, or more than
 * NNINIT_MAX_TENSORS tensors: NNINIT_EINVAL. */
NNINIT_API int nninit_model_add_tensor(nninit_model *m, const char *name,
                                       const nninit_shape *shape,
                                       nninit_etype type, size_t source_index,
                                       nninit_error *err);

NNINIT_API int nninit_model_add_rule(nninit_model *m, const nninit_rule *rule,
                                     nninit_error *err);

/* ------------------------------------------------------------------------ */
/* Scalings: schemes that change tensors by their place in the network      */
/* ------------------------------------------------------------------------ */

/* Depth and width schemes, one row each in one table (scaling.c): each
 * reads the layers' roles, stacks and depths (and muP the base shapes),
 * and changes the initializer the preset, the layer and the rules chose
 * for some tensors, saying why in the plan. A preset may carry one (gpt2
 * carries gpt2); the model's own come after it, in order.
 * XX(enum name, name) */
#define NNINIT_SCALING_MAP(XX)                                                 \
    XX(GPT2, "gpt2")                                                           \
    XX(TORCHTITAN, "torchtitan")                                               \
    XX(DEEPNET, "deepnet")                                                     \
    XX(T_FIXUP, "t_fixup")                                                     \
    XX(FIXUP, "fixup")                                                         \
    XX(ZERO_INIT, "zero_init")                                                 \
    XX(MUP, "mup")

typedef enum nninit_scaling_kind {
#define NNINIT__SCALING_ENUM(name, str) NNINIT_SCALING_##name,
    NNINIT_SCALING_MAP(NNINIT__SCALING_ENUM)
#undef NNINIT__SCALING_ENUM
    NNINIT_SCALING_COUNT
} nninit_scaling_kind;

NNINIT_API int nninit_scaling_kind_parse(const char *name,
                                         nninit_scaling_kind *out,
                                         nninit_error *err);
NNINIT_API const char *nninit_scaling_kind_name(nninit_scaling_kind kind);

/* A scaling and its options (each scaling takes only its own). */
typedef struct nninit_scaling {
    nninit_scaling_kind kind;
    int depth_init;   /* torchtitan: 1 (default): block i's output
                         projections get std 0.02/sqrt(2(i+1)); 0:
                         0.02/sqrt(2 n_layers) */
    int readout_zero; /* mup: 0 (default): the readout keeps its std at the
                         base shape (its output is multiplied by
                         1/width_mult); 1: zero (MuReadout's
                         readout_zero_init) */
    int query_zero;   /* mup: 1: zero query projections (Yang et al.'s
                         recommendation); 0 (default): keep them */
    int line, column; /* where the spec said so (0 if unknown) */
} nninit_scaling;

NNINIT_API nninit_scaling nninit_scaling_make(nninit_scaling_kind kind);
/* Set option `key` from text: depth_init true|false, readout
 * multiplier|zero, query default|zero. NNINIT_EINVAL if the scaling does
 * not take it ("gpt2 takes no options") or the value does not parse. */
NNINIT_API int nninit_scaling_set(nninit_scaling *s, const char *key,
                                  const char *value, nninit_error *err);
/* "NAME" or "NAME:key=value,key=value" (the CLI's --scaling). */
NNINIT_API int nninit_scaling_parse(const char *text, nninit_scaling *out,
                                    nninit_error *err);
/* "mup(readout=zero, query=default)" Returns buf. */
NNINIT_API char *nninit_scaling_format(const nninit_scaling *s, char *buf,
                                       size_t size);

typedef struct nninit_scaling_info {
    const char *what;     /* what it does, one line */
    const char *source;   /* whose recipe: "Radford et al. 2019 (GPT-2)" */
    const char *options;  /* "depth_init=true|false", or "" */
} nninit_scaling_info;

/* NULL for an unknown kind. */
NNINIT_API const nninit_scaling_info *
nninit_scaling_info_get(nninit_scaling_kind kind);

/* Append a scaling (after those added before; one per kind: a second of
 * the same kind replaces the first). */
NNINIT_API int nninit_model_add_scaling(nninit_model *m,
                                        const nninit_scaling *s,
                                        nninit_error *err);

/* muP's base shapes (the `mup` package's set_base_shapes): for each tensor
 * of m, the shape it has in a narrower base model. A dimension whose base
 * differs from its size is "infinite" (width-scaled); tensors with two
 * (hidden matrices) are matrix-like, the rest vector-like. From a base
 * model with the same tensor names (dims equal to m's are finite), or one
 * tensor at a time with the dims of `base` that are 0 finite (the `mup`
 * package's .bsh files write null for those). NNINIT_EINVAL naming a
 * tensor missing from either side or a rank that differs. */
NNINIT_API int nninit_model_set_base_shapes(nninit_model *m,
                                            const nninit_model *base,
                                            nninit_error *err);
NNINIT_API int nninit_model_set_base_shape(nninit_model *m, const char *name,
                                           const nninit_shape *base,
                                           nninit_error *err);

NNINIT_API size_t nninit_model_layer_count(const nninit_model *m);
NNINIT_API size_t nninit_model_tensor_count(const nninit_model *m);
NNINIT_API size_t nninit_model_rule_count(const nninit_model *m);

/* ------------------------------------------------------------------------ */
/* Plans                                                                    */
/* ------------------------------------------------------------------------ */

#define NNINIT_PRESET_MAP(XX)                                                  \
    XX(SEED, "seed")                                                           \
    XX(TORCH, "torch")                                                         \
    XX(KERAS, "keras")                                                         \
    XX(FLAX, "flax")                                                           \
    XX(GPT2, "gpt2")                                                           \
    XX(LLAMA, "llama")

typedef enum nninit_preset {
#define NNINIT__PRESET_ENUM(name, str) NNINIT_PRESET_##name,
    NNINIT_PRESET_MAP(NNINIT__PRESET_ENUM)
#undef NNINIT__PRESET_ENUM
    NNINIT_PRESET_COUNT
} nninit_preset;

NNINIT_API int nninit_preset_parse(const char *name, nninit_preset *out,
                                   nninit_error *err);
NNINIT_API const char *nninit_preset_name(nninit_preset preset);

typedef enum nninit_rng_kind {
    NNINIT_RNG_PHILOX = 0, /* counter-based, per-tensor streams (default) */
    NNINIT_RNG_TORCH = 1   /* PyTorch's sequential mt19937 (torch preset) */
} nninit_rng_kind;

NNINIT_API int nninit_rng_kind_parse(const char *name, nninit_rng_kind *out,
                                     nninit_error *err);
NNINIT_API const char *nninit_rng_kind_name(nninit_rng_kind rng);

typedef struct nninit_plan_opts {
    nninit_preset preset;
    nninit_rng_kind rng;
    uint64_t seed;
    int dtype_set;      /* 0: f32 for layers, each checkpoint tensor's own */
    nninit_dtype dtype; /* the float type to write when dtype_set */
    nninit_torch_kernel torch_kernel; /* --rng torch: whose arithmetic */
    nninit_torch_version torch_version; /* --rng torch: which release */
} nninit_plan_opts;

/* preset seed, rng philox, seed 0, dtype f32 (not forced), torch kernel
 * avx2 (PyTorch on any x86-64 CPU with AVX2), torch version 2.6. */
NNINIT_API nninit_plan_opts nninit_plan_opts_default(void);

/* One tensor of the plan. What it points at belongs to the plan (the name
 * to the model), valid until nninit_plan_free; what many tensors share
 * (texts, shapes, initializers and their numbers) is stored once, so an
 * entry is a few pointers and numbers. */
typedef struct nninit_plan_entry {
    const char *name;
    const nninit_shape *shape; /* row-major (PyTorch's for layers) */
    nninit_etype type;         /* element type written */
    nninit_role role;
    int generated;             /* 0: copied unchanged from the checkpoint */
    int composite;             /* row blocks drawn separately (per-gate
                                  orthogonal, forget-gate bias) */
    size_t source_index;       /* the checkpoint tensor (bare tensors only) */
    const nninit_spec *spec;   /* the initializer of the whole tensor (all
                                  zero bytes for copied tensors) */
    const nninit_resolved *res; /* spec against the shape: fans, gain, std
                                   (fans -1 where not defined) */
    const char *init;          /* what fills it, for people */
    const char *why;           /* which activation, preset or rule decided */
    uint64_t stream;           /* nninit_stream_from_name(name) */
    uint64_t nbytes;
    double scale;              /* the factor scalings multiplied its values
                                  by (1: none; NAN: a scaling replaced its
                                  initializer outright, or scaled rows) */
    const nninit_shape *base;  /* muP's base shape (NULL: no base shapes);
                                  dim d is infinite if bit d of `infinite` */
    unsigned infinite;
    double width_mult;         /* size / base of its last infinite dim
                                  (muP's width_mult), 1 if none */
} nninit_plan_entry;

typedef struct nninit_plan nninit_plan;

/* Decide every tensor's initializer: the preset's choices (for torch,
 * gpt2 and llama: PyTorch's construction of every module first), each
 * layer's explicit initializers, the rules, then the scalings (the preset's
 * own, then the model's). NNINIT_EINVAL for a spec that does not fit its
 * tensor (e.g. eye on a 3-D weight: "fc.weight: eye needs a 2-D shape
 * ..."), a scaling whose places are missing (a role outside any stack,
 * muP without base shapes), for --rng torch with a preset that builds no
 * PyTorch modules (seed, keras, flax) or with a step PyTorch cannot make
 * (variance_scaling, delta_orthogonal, hadamard, normal draws in
 * f16/bf16), and past a budget: rules whose patterns have neither a
 * literal start nor end ("*attn*") test at most 2^25 names in all, and
 * --rng torch replays at most 2^23 steps. NNINIT_EOVERFLOW if a tensor, or
 * the whole model, has more than NNINIT_MAX_BYTES bytes in its element
 * type. The model must outlive the plan.
 *
 * --rng torch replays the script PyTorch would run: torch.manual_seed(seed),
 * construct every module in order (each draws its defaults), then (gpt2,
 * llama) the model's _init_weights on each module in order, as
 * self.apply() runs it, then the layers' explicit initializers, the rules
 * and the scalings as nn.init calls in order (per-gate orthogonal: one
 * orthogonal_ per chunk of weight_hh; the forget-gate bias: fill_ on its
 * rows). The bytes are PyTorch's, bit for bit (orthogonal_: to about 1e-6,
 * see torch.h). */
NNINIT_API int nninit_plan_new(const nninit_model *m,
                               const nninit_plan_opts *opts,
                               nninit_plan **out, nninit_error *err);
NNINIT_API void nninit_plan_free(nninit_plan *p);

NNINIT_API size_t nninit_plan_size(const nninit_plan *p);
NNINIT_API const nninit_plan_entry *nninit_plan_get(const nninit_plan *p,
                                                    size_t i);
NNINIT_API const nninit_plan_opts *nninit_plan_options(const nninit_plan *p);
NNINIT_API const nninit_model *nninit_plan_model(const nninit_plan *p);
/* Total bytes of all tensors. */
NNINIT_API uint64_t nninit_plan_bytes(const nninit_plan *p);

/* The order in which tensors must be produced and written: position k holds
 * an entry index. The identity for the counter-based generator; for
 * --rng torch the order in which the sequential generator finishes them. */
NNINIT_API size_t nninit_plan_order(const nninit_plan *p, size_t k);

/* Warnings (a rule that matches nothing): one line each. */
NNINIT_API size_t nninit_plan_warning_count(const nninit_plan *p);
NNINIT_API const char *nninit_plan_warning(const nninit_plan *p, size_t i);

/* Notes: what a scheme needs outside the weights (DeepNet's alpha in the
 * forward pass, muP's readout multiplier and 1/d attention, a tied
 * weight), as key, value and a sentence; files record each as
 * "nninit.<key>" = value. Texts belong to the plan. */
typedef struct nninit_plan_note {
    const char *key;   /* "deepnet.alpha", "tie.lm_head.weight" */
    const char *value; /* "2.8284271247461903", "transformer.wte.weight" */
    const char *text;  /* for people */
} nninit_plan_note;

NNINIT_API size_t nninit_plan_note_count(const nninit_plan *p);
NNINIT_API const nninit_plan_note *nninit_plan_note_get(const nninit_plan *p,
                                                        size_t i);

/* ------------------------------------------------------------------------ */
/* Producing the bytes                                                      */
/* ------------------------------------------------------------------------ */

typedef struct nninit_producer nninit_producer;

/* `fill` gives threads, SIMD path and allocator (NULL: defaults, one
 * thread); its seed and stream are ignored (the plan's seed and each
 * tensor's stream are used). */
NNINIT_API int nninit_producer_new(const nninit_plan *p,
                                   const nninit_fill_opts *fill,
                                   nninit_producer **out, nninit_error *err);
NNINIT_API void nninit_producer_free(nninit_producer *pr);

/* Write elements [begin, end) of generated entry i, in its element type,
 * into out. Elementwise initializers never allocate; orthogonal, sparse
 * and delta_orthogonal build their tensor once (its own matrix only) and
 * serve ranges of it until another tensor is asked for. With --rng torch,
 * tensors must be asked for in nninit_plan_order and each tensor's ranges
 * in order, each starting where the last one ended (NNINIT_EINVAL
 * otherwise): most tensors are then drawn piece by piece as asked, never
 * held (nninit_torch_stream). Copied entries:
 * NNINIT_EINVAL (nninit/io.h copies them). */
NNINIT_API int nninit_producer_fill(nninit_producer *pr, size_t i, void *out,
                                    uint64_t begin, uint64_t end,
                                    nninit_error *err);

/* Bytes the producer currently holds (whole-tensor caches), for tests of
 * the memory bound. */
NNINIT_API uint64_t nninit_producer_held_bytes(const nninit_producer *pr);

/* Stream tag of per-gate blocks: block g of a tensor with stream s draws
 * from nninit_stream_derive(s, NNINIT_BLOCK_TAG + g). */
#define NNINIT_BLOCK_TAG UINT64_C(0x424c4f434b000000) /* "BLOCK" */

#ifdef __cplusplus
}
#endif

#endif /* NNINIT_MODEL_H */
