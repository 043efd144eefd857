/*
 * nninit/torch.h: torch-exact mode. PyTorch 1.13's CPU generator, its
 * uniform_/normal_ transforms, every torch.nn.init function and the default
 * initialization of the common nn modules, bit for bit (see
 * shared/reference/torch-1.13-cpu.md; tests/py/torch_exact.py checks it
 * against Debian's python3-torch 1.13.1).
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
 * dtypes: f32 and f64 everywhere; f16 and bf16 (PyTorch's own half and
 * bfloat16 arithmetic, as in a module built with dtype=torch.bfloat16) for
 * everything except trunc_normal_ and orthogonal_ (NNINIT_ENOTSUP: PyTorch
 * 1.13 has no Half erfinv and no Half/BFloat16 QR on CPU; its BFloat16
 * trunc_normal_ goes through reduced-precision kernels not modelled here).
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

#define NNINIT_TORCH_MT_N 624

/* Plain data: copy it to fork the stream, compare it, store it. */
typedef struct nninit_torch_gen {
    uint64_t initial_seed;            /* torch.initial_seed() */
    uint32_t state[NNINIT_TORCH_MT_N]; /* mt19937 state */
    uint32_t pos;        /* next state word to temper; N: twist first */
    int normal_cached;   /* 1 if normal_cache holds a value */
    double normal_cache; /* second Box-Muller value of the < 16 path */
    nninit_torch_kernel kernel;
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
 * semantics, threads = 1. A negative Python seed s is passed as (uint64_t)(int64_t)s,
 * i.e. 2^64 + s, which is what torch does. */
NNINIT_API void nninit_torch_gen_init(nninit_torch_gen *g, uint64_t seed,
                                      nninit_torch_kernel kernel);
/* torch.manual_seed(seed): reseed, clear the cached normal, keep the kernel,
 * the threads and the simd path.
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
/* Module defaults: what constructing an nn module draws                    */
/* ------------------------------------------------------------------------ */

/* XX(enum name, name) */
#define NNINIT_TORCH_MODULE_MAP(XX)                                            \
    XX(LINEAR, "linear")                                                       \
    XX(BILINEAR, "bilinear")                                                   \
    XX(CONV1D, "conv1d")                                                       \
    XX(CONV2D, "conv2d")                                                       \
    XX(CONV3D, "conv3d")                                                       \
    XX(CONV_TRANSPOSE1D, "conv_transpose1d")                                   \
    XX(CONV_TRANSPOSE2D, "conv_transpose2d")                                   \
    XX(CONV_TRANSPOSE3D, "conv_transpose3d")                                   \
    XX(EMBEDDING, "embedding")                                                 \
    XX(LAYER_NORM, "layernorm")                                                \
    XX(GROUP_NORM, "groupnorm")                                                \
    XX(BATCH_NORM, "batchnorm")                                                \
    XX(RNN, "rnn")                                                             \
    XX(LSTM, "lstm")                                                           \
    XX(GRU, "gru")                                                             \
    XX(RNN_CELL, "rnn_cell")                                                   \
    XX(LSTM_CELL, "lstm_cell")                                                 \
    XX(GRU_CELL, "gru_cell")

typedef enum nninit_torch_module {
#define NNINIT__TORCH_MODULE_ENUM(name, str) NNINIT_TORCH_##name,
    NNINIT_TORCH_MODULE_MAP(NNINIT__TORCH_MODULE_ENUM)
#undef NNINIT__TORCH_MODULE_ENUM
    NNINIT_TORCH_MODULE_COUNT
} nninit_torch_module;

/* Accepts the names above, case-insensitively, with or without '_' (so
 * "LayerNorm", "layer_norm", "ConvTranspose2d", "LSTMCell"), and
 * batchnorm1d/2d/3d for batchnorm (all three build the same tensors). */
NNINIT_API int nninit_torch_module_parse(const char *name,
                                         nninit_torch_module *out,
                                         nninit_error *err);
NNINIT_API const char *nninit_torch_module_name(nninit_torch_module kind);

/* One module's constructor arguments. Build it with nninit_torch_layer_make
 * (which sets the defaults marked *), then set what the module needs:
 *   linear            in, out, bias*
 *   bilinear          in (in1_features), in2, out, bias*
 *   conv{1,2,3}d      in, out (channels), kernel[0..d-1], groups*, bias*
 *   conv_transpose*   the same; weight (in, out/groups, *k)
 *   embedding         num_embeddings, embedding_dim, padding_idx (if
 *                     has_padding_idx; negative counts from the end)
 *   layernorm         normalized_shape[0..normalized_ndim-1], affine*
 *                     (elementwise_affine)
 *   groupnorm         groups (num_groups), num_features (num_channels),
 *                     affine*
 *   batchnorm         num_features, affine*, track_running_stats*
 *   rnn, lstm, gru    in (input_size), hidden, num_layers*, bias*,
 *                     bidirectional*, proj_size* (lstm only)
 *   *_cell            in, hidden, bias*
 * Defaults: bias 1, groups 1, num_layers 1, affine 1, track_running_stats 1,
 * everything else 0. */
typedef struct nninit_torch_layer {
    nninit_torch_module kind;
    int64_t in, in2, out;
    int64_t kernel[3];
    int64_t groups;
    int bias;
    int64_t num_embeddings, embedding_dim, padding_idx;
    int has_padding_idx;
    int64_t normalized_shape[NNINIT_MAX_DIMS];
    int normalized_ndim;
    int64_t num_features;
    int affine;
    int track_running_stats;
    int64_t hidden, num_layers, proj_size;
    int bidirectional;
} nninit_torch_layer;

NNINIT_API nninit_torch_layer nninit_torch_layer_make(nninit_torch_module kind);

/* One tensor of a module's state_dict. */
typedef struct nninit_torch_tensor {
    char name[48];      /* key inside the module: "weight", "bias_hh_l1_reverse" */
    nninit_shape shape; /* PyTorch's shape */
    int buffer;         /* 1 for buffers (batchnorm running stats) */
    int int64;          /* 1 for num_batches_tracked: a 0-d int64 tensor */
    const char *init;   /* what fills it, e.g. "kaiming_uniform_(a=sqrt(5))",
                           "uniform_", "normal_", "ones_", "zeros_" */
    double bound;       /* uniform half-width (0 if not uniform) */
    double std;         /* std of the values (bound/sqrt(3) for uniform) */
} nninit_torch_tensor;

/* The module's state_dict entries in order (parameters in registration
 * order, which for every kind here is also the order construction draws
 * them in; then buffers). Validates the layer (NNINIT_EINVAL naming the bad
 * field, as PyTorch's constructor would refuse it). Sets *count to the
 * number of tensors and writes the first min(cap, *count) of them to out
 * (out may be NULL when cap is 0). */
NNINIT_API int nninit_torch_layer_tensors(const nninit_torch_layer *layer,
                                          nninit_torch_tensor *out, int cap,
                                          int *count, nninit_error *err);

/* Draw tensor `index` (of nninit_torch_layer_tensors) into buf, which holds
 * its numel elements of dtype (8 bytes for the int64 tensor, whatever dtype
 * says). Call it for index 0, 1, 2, ... in order, once each, to reproduce
 * the constructor: each call consumes exactly that tensor's draws. Other
 * tensors and modules may be created in between only if the script does.
 * A conv bias whose fan_in is 0 is left uninitialized by PyTorch; here it is
 * zeroed (no draws either way). */
NNINIT_API int nninit_torch_layer_fill(nninit_torch_gen *g,
                                       const nninit_torch_layer *layer,
                                       int index, nninit_dtype dtype,
                                       void *buf,
                                       const nninit_allocator *alloc,
                                       nninit_error *err);

/* nninit_torch_layer_fill's draws for tensor `index`, nothing written (see
 * nninit_torch_skip). */
NNINIT_API int nninit_torch_layer_skip(nninit_torch_gen *g,
                                       const nninit_torch_layer *layer,
                                       int index, nninit_dtype dtype,
                                       const nninit_allocator *alloc,
                                       nninit_error *err);

/* All of a module's tensors at once: bufs[i] receives tensor i. */
NNINIT_API int nninit_torch_layer_init(nninit_torch_gen *g,
                                       const nninit_torch_layer *layer,
                                       nninit_dtype dtype, void *const *bufs,
                                       const nninit_allocator *alloc,
                                       nninit_error *err);

/* ------------------------------------------------------------------------ */
/* Streams: one tensor in pieces, in bounded memory                         */
/* ------------------------------------------------------------------------ */

/* A tensor made piece by piece, in order, with the same bytes and the same
 * draws as nninit_torch_init (or nninit_torch_layer_fill) making it whole:
 * so a large tensor can go to a file without being held. Only calls that
 * are one elementwise step stream: zeros_, ones_, constant_, uniform_,
 * trunc_normal_, xavier/kaiming/lecun_uniform_, and normal_,
 * xavier/kaiming/lecun_normal_ of 16 values or more (below 16, normal_'s
 * draws depend on the generator's cached value); and module tensors drawn
 * by those.
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
/* The same for tensor `index` of a module (nninit_torch_layer_fill). */
NNINIT_API int nninit_torch_stream_layer_begin(nninit_torch_stream *st,
                                               const nninit_torch_layer *layer,
                                               int index, nninit_dtype dtype);
/* The next `count` elements (count <= n - done) into out; with out NULL,
 * only their draws (nothing written), e.g. to drop the rest of a stream. */
NNINIT_API int nninit_torch_stream_next(nninit_torch_gen *g,
                                        nninit_torch_stream *st, void *out,
                                        uint64_t count, nninit_error *err);

#ifdef __cplusplus
}
#endif

#endif /* NNINIT_TORCH_H */
