/*
 * nninit/init.h: shapes, fans, gains, every standard initializer, and the rule
 * "pick each layer's initializer from the activation that follows it".
 *
 * Quickstart (He-initialize the weight of a Linear 10 -> 50 followed by ReLU):
 *     nninit_shape s;
 *     nninit_shape_parse("50,10", &s, NULL);                 // (out, in)
 *     nninit_spec spec = nninit_spec_make(NNINIT_KAIMING_UNIFORM);
 *     spec.nonlinearity = NNINIT_NL_RELU;
 *     float w[500];
 *     nninit_fill_opts o = nninit_fill_opts_default();
 *     o.seed = 42;
 *     nninit_error err;
 *     if (nninit_init(&spec, &s, NNINIT_LAYOUT_TORCH, NNINIT_F32, w, 0, 500,
 *                     &o, &err) != NNINIT_OK)
 *         fprintf(stderr, "%s\n", err.msg);
 *
 * Formulas (fan_in, fan_out from nninit_fans; gain from nninit_gain):
 *   xavier_uniform   U(-b, b),  b = gain*sqrt(6/(fan_in+fan_out))   Glorot 2010
 *   xavier_normal    N(0, s^2), s = gain*sqrt(2/(fan_in+fan_out))
 *   kaiming_uniform  U(-b, b),  b = gain*sqrt(3/fan)                He 2015
 *   kaiming_normal   N(0, s^2), s = gain/sqrt(fan)     (Var = 2/fan_in for ReLU)
 *   lecun_uniform    U(-b, b),  b = sqrt(3/fan_in)                  LeCun 1998
 *   lecun_normal     N(0, 1/fan_in), untruncated        Klambauer et al. 2017
 *   variance_scaling n = fan_in|fan_out|fan_avg|sqrt(fan_in*fan_out) (clamped
 *                    to >= 1 as Keras does): uniform U(+-sqrt(3*scale/n)),
 *                    normal N(0, scale/n), truncated_normal: sigma =
 *                    sqrt(scale/n)/0.87962566103423978 cut at +-2 sigma, so the
 *                    result has std sqrt(scale/n)
 *   orthogonal       Haar-random, rows orthonormal if rows <= cols else
 *                    columns, times gain                         Saxe 2014
 *   delta_orthogonal zero kernel, centre tap gain*orthogonal(out, in), out>=in
 *                                                                 Xiao 2018
 *   sparse           N(0, std^2), then ceil(sparsity*rows) zeros per column
 *   hadamard         gain * H[:rows, :cols], H the Sylvester Hadamard matrix
 *                    of order 2^ceil(log2 max(rows, cols)): entries
 *                    +-gain, no randomness (ZerO's growing layers)
 *                                                       Zhao et al. 2022
 *   critical         the edge of chaos for a bounded nonlinearity (tanh):
 *                    weights N(0, sigma_w^2/fan_in) with sigma_w from
 *                    nninit_gain_critical(nonlinearity, sigma_b), 1-D
 *                    tensors (biases) N(0, sigma_b^2)   Schoenholz 2017
 */
#ifndef NNINIT_INIT_H
#define NNINIT_INIT_H

#include "sample.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Shapes and fans                                                          */
/* ------------------------------------------------------------------------ */

#define NNINIT_MAX_DIMS 8

typedef struct nninit_shape {
    int ndim;
    int64_t dim[NNINIT_MAX_DIMS];
} nninit_shape;

/* Where in and out sit in a kernel:
 *   TORCH: (out, in, k1, k2, ...)    fan_in = in*rf, fan_out = out*rf
 *   KERAS: (k1, k2, ..., in, out)    fan_in = in*rf, fan_out = out*rf
 * with rf the product of the kernel dims (1 for a matrix). */
typedef enum nninit_layout {
    NNINIT_LAYOUT_TORCH = 0,
    NNINIT_LAYOUT_KERAS = 1
} nninit_layout;

NNINIT_API int nninit_layout_parse(const char *name, nninit_layout *out,
                                   nninit_error *err);
NNINIT_API const char *nninit_layout_name(nninit_layout layout);

/* Parse "D0,D1,..." (also "D0xD1"); 1 to NNINIT_MAX_DIMS non-negative
 * decimal dims whose product fits in 63 bits. */
NNINIT_API int nninit_shape_parse(const char *text, nninit_shape *out,
                                  nninit_error *err);
/* Build a shape from an array of dims (same checks as parse). */
NNINIT_API int nninit_shape_make(nninit_shape *out, int ndim,
                                 const int64_t *dims, nninit_error *err);
/* Number of elements (1 for ndim == 0). */
NNINIT_API uint64_t nninit_shape_numel(const nninit_shape *shape);
/* Writes "(50, 10)" into buf (always NUL-terminated); returns buf. */
NNINIT_API char *nninit_shape_format(const nninit_shape *shape, char *buf,
                                     size_t size);

/* fan_in and fan_out as PyTorch (_calculate_fan_in_and_fan_out) or Keras
 * (compute_fans) compute them. Needs ndim >= 2 (NNINIT_EINVAL otherwise). */
NNINIT_API int nninit_fans(const nninit_shape *shape, nninit_layout layout,
                           int64_t *fan_in, int64_t *fan_out,
                           nninit_error *err);

/* ------------------------------------------------------------------------ */
/* Gains                                                                    */
/* ------------------------------------------------------------------------ */

#define NNINIT_NONLINEARITY_MAP(XX)                                            \
    XX(LINEAR, "linear")                                                       \
    XX(IDENTITY, "identity")                                                   \
    XX(CONV1D, "conv1d")                                                       \
    XX(CONV2D, "conv2d")                                                       \
    XX(CONV3D, "conv3d")                                                       \
    XX(CONV_TRANSPOSE1D, "conv_transpose1d")                                   \
    XX(CONV_TRANSPOSE2D, "conv_transpose2d")                                   \
    XX(CONV_TRANSPOSE3D, "conv_transpose3d")                                   \
    XX(SIGMOID, "sigmoid")                                                     \
    XX(TANH, "tanh")                                                           \
    XX(RELU, "relu")                                                           \
    XX(LEAKY_RELU, "leaky_relu")                                               \
    XX(SELU, "selu")                                                           \
    XX(ELU, "elu")                                                             \
    XX(CELU, "celu")                                                           \
    XX(GELU, "gelu")                                                           \
    XX(GELU_TANH, "gelu_tanh")                                                 \
    XX(SILU, "silu")                                                           \
    XX(MISH, "mish")                                                           \
    XX(SOFTPLUS, "softplus")                                                   \
    XX(HARDSWISH, "hardswish")                                                 \
    XX(SOFTSIGN, "softsign")

typedef enum nninit_nonlinearity {
#define NNINIT__NL_ENUM(name, str) NNINIT_NL_##name,
    NNINIT_NONLINEARITY_MAP(NNINIT__NL_ENUM)
#undef NNINIT__NL_ENUM
    NNINIT_NL_COUNT
} nninit_nonlinearity;

/* Accepts the names above and swish (silu), gelu_new and gelu_pytorch_tanh
 * (gelu_tanh, Hugging Face's names). */
NNINIT_API int nninit_nonlinearity_parse(const char *name,
                                         nninit_nonlinearity *out,
                                         nninit_error *err);
NNINIT_API const char *nninit_nonlinearity_name(nninit_nonlinearity nl);

/* What nninit knows of a nonlinearity f. The first 13 are PyTorch's
 * calculate_gain names; the rest are PyTorch's activations of the same
 * names (gelu_tanh: GELU(approximate='tanh')), with their defaults. */
typedef struct nninit_nonlinearity_info {
    const char *formula;  /* f(x), for people */
    const char *param;    /* its one parameter ("negative_slope", "alpha",
                             "beta"), or NULL */
    double param_default; /* NAN if it has none */
    int torch;            /* 1 if PyTorch's calculate_gain has it */
    int bounded;          /* 1 if |f| is bounded (tanh-like): the
                             critical point exists for every sigma_b */
    nninit_nonlinearity same_as; /* the row with the same f (identity and
                                    conv*: linear), else itself */
} nninit_nonlinearity_info;

/* NULL for an unknown nonlinearity. */
NNINIT_API const nninit_nonlinearity_info *
nninit_nonlinearity_info_get(nninit_nonlinearity nl);

/* The gain nninit uses: PyTorch's calculate_gain where PyTorch has the
 * nonlinearity (1 for linear, identity, conv* and sigmoid, 5/3 for tanh,
 * sqrt(2) for relu, sqrt(2/(1+slope^2)) for leaky_relu, 3/4 for selu), the
 * numeric gain below for the others. `param` is the nonlinearity's
 * parameter (leaky_relu's negative slope, elu's and celu's alpha,
 * softplus's beta); NAN for its default (0.01, 1, 1, 1); others ignore it.
 * NNINIT_EINVAL for an unknown nonlinearity or a bad parameter. */
NNINIT_API int nninit_gain(nninit_nonlinearity nl, double param, double *gain,
                           nninit_error *err);

/* The variance-preserving gain 1/sqrt(E[f(z)^2]), z ~ N(0, 1) (He et al.
 * 2015's argument for any f: weights of variance gain^2/fan_in keep the
 * second moment of the pre-activations at 1 from layer to layer). Computed
 * by adaptive Gauss-Kronrod (7, 15) quadrature of f(z)^2 phi(z) over
 * [-14, 14] (the mass beyond is below 1e-40), split where f' jumps, to a
 * relative tolerance of 1e-13; it matches the closed forms (relu sqrt(2),
 * leaky_relu sqrt(2/(1+a^2)), linear 1) to 1e-14 and SciPy's quad (on
 * every nonlinearity here) to 4e-16 relative. gelu 1.53353, silu 1.67653,
 * tanh 1.59254 (PyTorch: 5/3), sigmoid 1.84623 (PyTorch: 1), selu 1.00000
 * (PyTorch: 3/4). */
NNINIT_API int nninit_gain_numeric(nninit_nonlinearity nl, double param,
                                   double *gain, nninit_error *err);

/* The edge of chaos (Poole et al. 2016, Schoenholz et al. 2017) of a deep
 * network x' = f(W x + b), W ~ N(0, sigma_w^2/fan_in), b ~ N(0, sigma_b^2):
 * the pre-activations' second moment settles at the fixed point q* of
 *     q = sigma_w^2 E[f(sqrt(q) z)^2] + sigma_b^2,
 * and signals neither die out nor become chaotic when
 *     chi_1 = sigma_w^2 E[f'(sqrt(q*) z)^2] = 1.
 * Given sigma_b >= 0, returns the sigma_w on that critical line and q*
 * (q* = 0, sigma_w = 1/|f'(0)| when sigma_b = 0 and f(0) = 0: tanh's
 * (1, 0)). Needs a bounded nonlinearity (tanh, sigmoid, softsign), for
 * which the point exists and is found by bisection on q; NNINIT_EINVAL
 * otherwise. */
NNINIT_API int nninit_gain_critical(nninit_nonlinearity nl, double param,
                                    double sigma_b, double *sigma_w,
                                    double *q_star, nninit_error *err);

/* ------------------------------------------------------------------------ */
/* Initializers                                                             */
/* ------------------------------------------------------------------------ */

/* XX(enum name, canonical name) */
#define NNINIT_KIND_MAP(XX)                                                    \
    XX(ZEROS, "zeros")                                                         \
    XX(ONES, "ones")                                                           \
    XX(CONSTANT, "constant")                                                   \
    XX(UNIFORM, "uniform")                                                     \
    XX(NORMAL, "normal")                                                       \
    XX(TRUNC_NORMAL, "trunc_normal")                                           \
    XX(EYE, "eye")                                                             \
    XX(DIRAC, "dirac")                                                         \
    XX(XAVIER_UNIFORM, "xavier_uniform")                                       \
    XX(XAVIER_NORMAL, "xavier_normal")                                         \
    XX(KAIMING_UNIFORM, "kaiming_uniform")                                     \
    XX(KAIMING_NORMAL, "kaiming_normal")                                       \
    XX(LECUN_UNIFORM, "lecun_uniform")                                         \
    XX(LECUN_NORMAL, "lecun_normal")                                           \
    XX(ORTHOGONAL, "orthogonal")                                               \
    XX(DELTA_ORTHOGONAL, "delta_orthogonal")                                   \
    XX(SPARSE, "sparse")                                                       \
    XX(VARIANCE_SCALING, "variance_scaling")                                   \
    XX(CRITICAL, "critical")                                                   \
    XX(HADAMARD, "hadamard")

typedef enum nninit_kind {
#define NNINIT__KIND_ENUM(name, str) NNINIT_##name,
    NNINIT_KIND_MAP(NNINIT__KIND_ENUM)
#undef NNINIT__KIND_ENUM
    NNINIT_KIND_COUNT
} nninit_kind;

/* Accepts the canonical names and the aliases glorot_* (xavier_*), he_*
 * (kaiming_*), identity (eye), truncated_normal (trunc_normal); a trailing
 * underscore as in PyTorch ("kaiming_uniform_") is accepted too. */
NNINIT_API int nninit_kind_parse(const char *name, nninit_kind *out,
                                 nninit_error *err);
NNINIT_API const char *nninit_kind_name(nninit_kind kind);

typedef enum nninit_mode {
    NNINIT_FAN_IN = 0,
    NNINIT_FAN_OUT = 1,
    NNINIT_FAN_AVG = 2,
    NNINIT_FAN_GEO_AVG = 3
} nninit_mode;

NNINIT_API int nninit_mode_parse(const char *name, nninit_mode *out,
                                 nninit_error *err);
NNINIT_API const char *nninit_mode_name(nninit_mode mode);

/* "normal" is the untruncated normal, as in JAX (Keras calls that
 * "untruncated_normal", also accepted); "truncated_normal" cuts at +-2 sigma
 * with the std correction. */
typedef enum nninit_distribution {
    NNINIT_DISTRIBUTION_UNIFORM = 0,
    NNINIT_DISTRIBUTION_NORMAL = 1,
    NNINIT_DISTRIBUTION_TRUNCATED_NORMAL = 2
} nninit_distribution;

NNINIT_API int nninit_distribution_parse(const char *name,
                                         nninit_distribution *out,
                                         nninit_error *err);
NNINIT_API const char *nninit_distribution_name(nninit_distribution d);

/* XX(enum name, name): the parameters initializers take, each the field of
 * nninit_spec of the same name. Specs and rules spell them so (trunc_a),
 * the CLI with dashes (--trunc-a); both spellings parse. */
#define NNINIT_PARAM_MAP(XX)                                                   \
    XX(GAIN, "gain")                                                           \
    XX(A, "a")                                                                 \
    XX(MODE, "mode")                                                           \
    XX(NONLINEARITY, "nonlinearity")                                           \
    XX(MEAN, "mean")                                                           \
    XX(STD, "std")                                                             \
    XX(LOW, "low")                                                             \
    XX(HIGH, "high")                                                           \
    XX(TRUNC_A, "trunc_a")                                                     \
    XX(TRUNC_B, "trunc_b")                                                     \
    XX(VALUE, "value")                                                         \
    XX(SPARSITY, "sparsity")                                                   \
    XX(GROUPS, "groups")                                                       \
    XX(SCALE, "scale")                                                         \
    XX(DISTRIBUTION, "distribution")                                           \
    XX(SIGMA_B, "sigma_b")

typedef enum nninit_param {
#define NNINIT__PARAM_ENUM(name, str) NNINIT_PARAM_##name,
    NNINIT_PARAM_MAP(NNINIT__PARAM_ENUM)
#undef NNINIT__PARAM_ENUM
    NNINIT_PARAM_COUNT
} nninit_param;

NNINIT_API int nninit_param_parse(const char *name, nninit_param *out,
                                  nninit_error *err);
NNINIT_API const char *nninit_param_name(nninit_param p);

typedef struct nninit_param_info {
    const char *help;             /* what it means, one line */
    const nninit_names *choices;  /* the names an enum parameter takes
                                     (mode, nonlinearity, distribution);
                                     NULL for numbers */
    int integer;                  /* 1 for whole numbers (groups) */
} nninit_param_info;

/* NULL for an unknown parameter. */
NNINIT_API const nninit_param_info *nninit_param_info_get(nninit_param p);

/* The table of initializers: one row per nninit_kind drives names,
 * parameters and defaults, validation, text forms and help. */
typedef struct nninit_kind_info {
    uint32_t params;    /* bit (1u << p) for each nninit_param it takes */
    uint32_t required;  /* of those, the ones without a default */
    int needs_fans;     /* fan_in and fan_out: at least 2 dimensions */
    int min_ndim;       /* shapes it accepts: min_ndim..max_ndim dims */
    int max_ndim;       /* (0: no upper limit) */
    const char *formula; /* what it draws, for people */
    int torch;          /* 1 if torch.nn.init has it (or, for lecun_*, the
                           kaiming_* call that makes it): torch-exact mode
                           can draw it */
} nninit_kind_info;

/* NULL for an unknown kind. */
NNINIT_API const nninit_kind_info *nninit_kind_info_get(nninit_kind kind);
/* The names and aliases nninit_kind_parse accepts. */
NNINIT_API const nninit_names *nninit_kind_names(void);

/* An initializer and all its parameters. Fields an initializer does not use
 * are ignored. Build one with nninit_spec_make, then change what you need. */
typedef struct nninit_spec {
    nninit_kind kind;
    double gain;       /* xavier_*, orthogonal, delta_orthogonal, eye: 1 */
    double a;          /* kaiming_*: negative slope for leaky_relu: 0 */
    nninit_mode mode;  /* kaiming_*: fan_in; variance_scaling: fan_in */
    nninit_nonlinearity nonlinearity; /* kaiming_*: leaky_relu */
    double mean, std;  /* normal: 0, 1; trunc_normal: 0, 1; sparse std: 0.01 */
    double low, high;  /* uniform: 0, 1 */
    double trunc_a, trunc_b; /* trunc_normal absolute bounds: -2, 2 */
    double value;      /* constant: required (NAN until set) */
    double sparsity;   /* sparse: required (NAN until set) */
    int groups;        /* dirac: 1 */
    double scale;      /* variance_scaling: 1 */
    nninit_distribution distribution; /* variance_scaling: truncated_normal */
    double sigma_b;    /* critical: the biases' std: 0 */
} nninit_spec;

/* Defaults are PyTorch's where PyTorch has the function, Keras's otherwise. */
NNINIT_API nninit_spec nninit_spec_make(nninit_kind kind);

/* Set parameter `key` (a nninit_param name; '-' may stand for '_') of spec
 * from text. NNINIT_EINVAL if the key is unknown, the initializer does not
 * take it ("xavier_uniform does not take std (it takes: gain)") or the
 * value does not parse (numbers must be finite; the whole text must be the
 * number; names must be one of the parameter's choices). */
NNINIT_API int nninit_spec_set(nninit_spec *spec, const char *key,
                               const char *value, nninit_error *err);
/* 1 if `key` names a parameter (whatever the initializer). */
NNINIT_API int nninit_spec_is_param(const char *key);
/* A spec from text: "NAME", "NAME:key=value,key=value" or what
 * nninit_spec_format writes, "NAME(key=value, key=value)". Parameters not
 * given keep their defaults. Checks names and values as nninit_spec_set;
 * the shape-dependent checks wait for nninit_resolve. */
NNINIT_API int nninit_spec_parse(const char *text, nninit_spec *out,
                                 nninit_error *err);
/* "kaiming_uniform(a=0, mode=fan_in, nonlinearity=relu)": the name and the
 * parameters the initializer takes (numbers as %.6g). Returns buf. */
NNINIT_API char *nninit_spec_format(const nninit_spec *spec, char *buf,
                                    size_t size);
/* The text of one parameter's value in spec ("fan_in", "0.01"). Returns
 * buf. */
NNINIT_API char *nninit_spec_format_value(const nninit_spec *spec,
                                          nninit_param p, char *buf,
                                          size_t size);

/* A spec whose values are those `spec` gives `shape`, times mul/div
 * (computed as value*mul/div, so a factor 1/sqrt(n) written mul 1, div
 * sqrt(n) gives the same bits as value/sqrt(n)): the gain of xavier_*,
 * orthogonal, delta_orthogonal, eye and hadamard; variance_scaling's scale
 * by (mul/div)^2; the numbers of uniform, normal, trunc_normal, constant,
 * ones and sparse; kaiming_* and lecun_*, whose scale is no parameter,
 * become the uniform or normal of the same numbers on `shape`. A factor
 * of 0 gives zeros. NNINIT_EINVAL for a negative or non-finite factor, and
 * for dirac and critical (no parameter scales them). Depth and width
 * schemes (nninit/model.h) scale initializers with it. */
NNINIT_API int nninit_spec_scale(const nninit_spec *spec,
                                 const nninit_shape *shape,
                                 nninit_layout layout, double mul, double div,
                                 nninit_spec *out, nninit_error *err);

/* What an initializer draws for one shape, after fans and gains. */
typedef enum nninit_draw {
    NNINIT_DRAW_DIST = 0,        /* elementwise: see `dist` */
    NNINIT_DRAW_EYE = 1,         /* identity (times gain) */
    NNINIT_DRAW_DIRAC = 2,       /* centre-tap identity per group */
    NNINIT_DRAW_ORTHOGONAL = 3,  /* needs a workspace; see nninit_init */
    NNINIT_DRAW_DELTA_ORTHOGONAL = 4,
    NNINIT_DRAW_SPARSE = 5,      /* dist is the normal; then the zero mask */
    NNINIT_DRAW_HADAMARD = 6     /* +-gain Sylvester pattern, no draws */
} nninit_draw;

typedef struct nninit_resolved {
    nninit_draw draw;
    nninit_dist dist;   /* for DRAW_DIST and DRAW_SPARSE */
    int64_t fan_in, fan_out; /* -1 where not defined (1-D shapes) */
    double fan;         /* the fan the formula used (0 if none) */
    double gain;        /* the gain the formula used (1 if none) */
    double bound;       /* uniform half-width, or 0 */
    double std;         /* the std of the resulting values (0 for constants) */
    int64_t rows, cols; /* orthogonal / sparse / eye matrix view */
    int64_t zeros_per_col; /* sparse */
} nninit_resolved;

/* Validate spec against shape and work out the numbers. All the bad-input
 * cases (unknown enum values, NaN/inf parameters, std < 0, low > high,
 * trunc_a >= trunc_b, sparsity outside [0, 1], fans of a 1-D shape, dirac on
 * a shape that is not 3-5-D or whose out is not divisible by groups, eye not
 * 2-D, delta_orthogonal with out < in) return NNINIT_EINVAL naming the
 * problem in err. */
NNINIT_API int nninit_resolve(const nninit_spec *spec,
                              const nninit_shape *shape, nninit_layout layout,
                              nninit_resolved *out, nninit_error *err);

/* Initialize elements [begin, end) of the row-major flattened tensor into
 * `out` (end-begin elements of dtype). The bytes equal the same slice of the
 * whole tensor. Orthogonal, delta_orthogonal and sparse build what they need
 * with opts->alloc (O(rows*cols) for orthogonal, O(rows) for sparse) and may
 * return NNINIT_ENOMEM; everything else never allocates. Returns
 * NNINIT_ERANGE if end > numel or begin > end. */
NNINIT_API int nninit_init(const nninit_spec *spec, const nninit_shape *shape,
                           nninit_layout layout, nninit_dtype dtype, void *out,
                           uint64_t begin, uint64_t end,
                           const nninit_fill_opts *opts, nninit_error *err);

/* Fill a whole rows x cols row-major matrix with a Haar-random orthogonal
 * matrix (orthonormal rows if rows <= cols, else columns) times gain, drawn
 * from (opts->seed, opts->stream). Workspace through opts->alloc.
 *
 * Orthogonal init (here and through nninit_init) is built in double for
 * f64 output and in float for the other dtypes, as PyTorch builds it in the
 * tensor's dtype (max|Q^T Q - I| about 1e-15 and 2e-7); both start from
 * the same Gaussians. It uses opts->threads and opts->simd, and like every
 * initializer its bytes are the same at any thread count, on every SIMD
 * path, on every CPU architecture and for any range: the products are
 * nninit's own, each sum one chain of fused multiply-adds in a fixed order.
 * Square and wide f32/f64 matrices filled whole need no matrix-sized
 * workspace. */
NNINIT_API int nninit_orthogonal(double *out, int64_t rows, int64_t cols,
                                 double gain, const nninit_fill_opts *opts,
                                 nninit_error *err);

/* ------------------------------------------------------------------------ */
/* The per-layer rule                                                       */
/* ------------------------------------------------------------------------ */

/* What a tensor is for, and so which initializer the rule picks. */
typedef enum nninit_role {
    NNINIT_ROLE_WEIGHT = 0,    /* a weight followed by `activation` */
    NNINIT_ROLE_RECURRENT = 1, /* hidden-to-hidden weight of an RNN/LSTM/GRU */
    NNINIT_ROLE_BIAS = 2,
    NNINIT_ROLE_NORM_WEIGHT = 3, /* LayerNorm/BatchNorm scale */
    NNINIT_ROLE_NORM_BIAS = 4,
    NNINIT_ROLE_EMBEDDING = 5,
    NNINIT_ROLE_COUNT
} nninit_role;

/* weight, recurrent (also rnn, lstm, gru), bias, norm_weight (also norm,
 * layernorm, batchnorm), norm_bias, embedding. */
NNINIT_API int nninit_role_parse(const char *name, nninit_role *out,
                                 nninit_error *err);
NNINIT_API const char *nninit_role_name(nninit_role role);

#define NNINIT_ACTIVATION_MAP(XX)                                              \
    XX(NONE, "linear")                                                         \
    XX(SIGMOID, "sigmoid")                                                     \
    XX(TANH, "tanh")                                                           \
    XX(SOFTSIGN, "softsign")                                                   \
    XX(RELU, "relu")                                                           \
    XX(LEAKY_RELU, "leaky_relu")                                               \
    XX(PRELU, "prelu")                                                         \
    XX(ELU, "elu")                                                             \
    XX(GELU, "gelu")                                                           \
    XX(SILU, "silu")                                                           \
    XX(SELU, "selu")                                                           \
    XX(SOFTMAX, "softmax")                                                     \
    XX(GELU_TANH, "gelu_tanh")                                                 \
    XX(MISH, "mish")                                                           \
    XX(SOFTPLUS, "softplus")                                                   \
    XX(CELU, "celu")                                                           \
    XX(HARDSWISH, "hardswish")

typedef enum nninit_activation {
#define NNINIT__ACT_ENUM(name, str) NNINIT_ACT_##name,
    NNINIT_ACTIVATION_MAP(NNINIT__ACT_ENUM)
#undef NNINIT__ACT_ENUM
    NNINIT_ACT_COUNT
} nninit_activation;

/* Accepts the names above plus "none" and "identity" (= linear), "swish"
 * (= silu), "gelu_new" and "gelu_pytorch_tanh" (= gelu_tanh). */
NNINIT_API int nninit_activation_parse(const char *name,
                                       nninit_activation *out,
                                       nninit_error *err);
NNINIT_API const char *nninit_activation_name(nninit_activation act);
/* The nonlinearity whose gain the rule uses for act (softmax: linear,
 * prelu: relu). */
NNINIT_API nninit_nonlinearity
nninit_activation_nonlinearity(nninit_activation act);

typedef struct nninit_advice {
    nninit_spec spec;     /* the initializer, ready for nninit_init */
    const char *formula;  /* e.g. "U(-b, b), b = gain*sqrt(3/fan_in)" */
    const char *why;      /* one sentence */
} nninit_advice;

/* The rule "pick each layer's initializer from what follows it":
 *   linear, softmax, sigmoid, tanh -> xavier_uniform with PyTorch's gain
 *       (1, or 5/3 for tanh)
 *   softsign -> xavier_uniform with the numeric gain (PyTorch has none)
 *   relu, prelu -> kaiming_uniform (fan_in, relu gain sqrt(2))
 *   leaky_relu -> kaiming_uniform with a = slope (NAN: 0.01)
 *   elu, celu, gelu, gelu_tanh, silu, mish, softplus, hardswish ->
 *       kaiming_uniform (fan_in) with the activation's numeric gain
 *       1/sqrt(E[f(z)^2]): PyTorch's calculate_gain has none
 *   selu -> lecun_normal (untruncated)
 *   recurrent -> orthogonal; bias -> zeros; norm weight -> ones;
 *   norm bias -> zeros; embedding -> normal(0, 1)
 * `activation` is read only for NNINIT_ROLE_WEIGHT. */
NNINIT_API int nninit_recommend(nninit_role role, nninit_activation activation,
                                double slope, nninit_advice *out,
                                nninit_error *err);

#ifdef __cplusplus
}
#endif

#endif /* NNINIT_INIT_H */
