/*
 * rule.c: the rule "pick each layer's initializer from what follows it", as
 * data a program can use and words a person can read: a row per role and a
 * row per activation.
 */
#include "../nninit_internal.h"

#include <math.h>
#include <string.h>

static const char *const act_names[] = {NNINIT_ACTIVATION_MAP(NNINIT__XNAME)};
_Static_assert(sizeof act_names / sizeof *act_names == NNINIT_ACT_COUNT,
               "activation table out of sync");
static const nninit_name_alias act_aliases[] = {
    {"none", NNINIT_ACT_NONE},           {"identity", NNINIT_ACT_NONE},
    {"swish", NNINIT_ACT_SILU},          {"gelu_new", NNINIT_ACT_GELU_TANH},
    {"gelu_pytorch_tanh", NNINIT_ACT_GELU_TANH}, {NULL, 0}};
static const nninit_names act_table = {"activation", act_names,
                                       NNINIT_ACT_COUNT, act_aliases, 0};
NNINIT__NAMED_ENUM(nninit_activation, nninit_activation, act_table)

static const char *const role_names[] = {"weight",      "recurrent",
                                         "bias",        "norm_weight",
                                         "norm_bias",   "embedding"};
_Static_assert(sizeof role_names / sizeof *role_names == NNINIT_ROLE_COUNT,
               "role table out of sync");
static const nninit_name_alias role_aliases[] = {
    {"rnn", NNINIT_ROLE_RECURRENT},     {"lstm", NNINIT_ROLE_RECURRENT},
    {"gru", NNINIT_ROLE_RECURRENT},     {"norm", NNINIT_ROLE_NORM_WEIGHT},
    {"layernorm", NNINIT_ROLE_NORM_WEIGHT},
    {"batchnorm", NNINIT_ROLE_NORM_WEIGHT}, {NULL, 0}};
static const nninit_names role_table = {"role", role_names, NNINIT_ROLE_COUNT,
                                        role_aliases, 0};
NNINIT__NAMED_ENUM(nninit_role, nninit_role, role_table)

/* ------------------------------------------------------------------------ */
/* The rule, as two tables: what each role gets, and for weights, what     */
/* each activation that follows gets                                        */
/* ------------------------------------------------------------------------ */

typedef struct {
    nninit_kind kind;
    const char *formula, *why;
} role_row;

static const role_row roles[NNINIT_ROLE_COUNT] = {
    [NNINIT_ROLE_RECURRENT] =
        {NNINIT_ORTHOGONAL,
         "Haar-random orthogonal matrix (QR of a Gaussian, sign-corrected), "
         "times gain 1",
         "all singular values are 1, so repeating the recurrence over many "
         "time steps neither explodes nor vanishes the signal (Saxe et al. "
         "2014)"},
    [NNINIT_ROLE_BIAS] = {NNINIT_ZEROS, "0",
                          "the random weights already break the symmetry, so "
                          "biases can start at zero"},
    [NNINIT_ROLE_NORM_WEIGHT] = {NNINIT_ONES, "1",
                                 "a normalization layer starts as the "
                                 "identity: scale 1"},
    [NNINIT_ROLE_NORM_BIAS] = {NNINIT_ZEROS, "0",
                               "a normalization layer starts as the "
                               "identity: shift 0"},
    [NNINIT_ROLE_EMBEDDING] = {NNINIT_NORMAL, "N(0, 1)",
                               "an embedding is a lookup, not a product, so "
                               "there is no fan to preserve; N(0, 1) is "
                               "PyTorch's default (models often pick a "
                               "smaller std such as 0.02)"},
};

/* How a weight's initializer follows from its activation. */
typedef enum {
    XAVIER,  /* xavier_uniform, gain from nninit_gain (PyTorch's, or numeric
                where PyTorch has none) */
    KAIMING, /* kaiming_uniform, fan_in, nonlinearity = the activation's */
    LECUN    /* lecun_normal */
} family;

typedef struct {
    family fam;
    nninit_nonlinearity nl; /* whose gain */
    const char *formula, *why;
} act_row;

#define XAVIER_F "U(-b, b), b = gain*sqrt(6/(fan_in+fan_out)), "
#define KAIMING_F "U(-b, b), b = gain*sqrt(3/fan_in), "
#define NUMERIC_GAIN "gain = 1/sqrt(E[f(z)^2]), z ~ N(0, 1)"
#define LINEAR_WHY                                                             \
    "nothing nonlinear follows, so Xavier keeps the variance of signals and "  \
    "of gradients equal across the layer (Glorot & Bengio 2010)"
#define RELU_LIKE_WHY                                                          \
    "a ReLU-like activation zeroes or damps most negative inputs, so He's "    \
    "Var = 2/fan_in keeps the signal's variance (He et al. 2015)"
#define NUMERIC_WHY                                                            \
    "PyTorch has no gain for it, so the gain is numeric: 1/sqrt(E[f(z)^2]), "  \
    "z ~ N(0, 1), keeps the pre-activations' second moment (He et al. "        \
    "2015's argument for any f)"
#define NUMERIC(nl) {KAIMING, NNINIT_NL_##nl, KAIMING_F NUMERIC_GAIN, NUMERIC_WHY}

static const act_row acts[NNINIT_ACT_COUNT] = {
    [NNINIT_ACT_NONE] = {XAVIER, NNINIT_NL_LINEAR, XAVIER_F "gain 1",
                         LINEAR_WHY},
    [NNINIT_ACT_SOFTMAX] = {XAVIER, NNINIT_NL_LINEAR, XAVIER_F "gain 1",
                            LINEAR_WHY},
    [NNINIT_ACT_SIGMOID] = {XAVIER, NNINIT_NL_SIGMOID, XAVIER_F "gain 1",
                            "the activation is roughly linear with slope ~1 "
                            "near 0 (after centring), so Xavier keeps forward "
                            "and backward variance constant (Glorot & Bengio "
                            "2010)"},
    [NNINIT_ACT_TANH] = {XAVIER, NNINIT_NL_TANH, XAVIER_F "gain 5/3",
                         "tanh is linear with slope 1 near 0 and squashes "
                         "larger inputs, so Xavier keeps forward and backward "
                         "variance constant; PyTorch's gain 5/3 offsets the "
                         "squashing (Glorot & Bengio 2010)"},
    [NNINIT_ACT_SOFTSIGN] = {XAVIER, NNINIT_NL_SOFTSIGN,
                             XAVIER_F NUMERIC_GAIN,
                             "softsign squashes like tanh, so Xavier; PyTorch "
                             "has no gain for it, so the gain is numeric: "
                             "1/sqrt(E[f(z)^2]), z ~ N(0, 1) (Glorot & Bengio "
                             "2010, He et al. 2015)"},
    [NNINIT_ACT_RELU] = {KAIMING, NNINIT_NL_RELU, KAIMING_F "gain sqrt(2)",
                         "ReLU zeroes half of its inputs, halving the "
                         "variance; He's factor 2 (Var = 2/fan_in) restores it "
                         "layer after layer (He et al. 2015)"},
    [NNINIT_ACT_PRELU] = {KAIMING, NNINIT_NL_RELU, KAIMING_F "gain sqrt(2)",
                          RELU_LIKE_WHY},
    [NNINIT_ACT_LEAKY_RELU] = {KAIMING, NNINIT_NL_LEAKY_RELU,
                               KAIMING_F "gain sqrt(2/(1+slope^2))",
                               "leaky ReLU keeps a fraction slope of negative "
                               "inputs, so He's correction becomes "
                               "2/(1+slope^2) (He et al. 2015)"},
    [NNINIT_ACT_ELU] = NUMERIC(ELU),
    [NNINIT_ACT_CELU] = NUMERIC(CELU),
    [NNINIT_ACT_GELU] = NUMERIC(GELU),
    [NNINIT_ACT_GELU_TANH] = NUMERIC(GELU_TANH),
    [NNINIT_ACT_SILU] = NUMERIC(SILU),
    [NNINIT_ACT_MISH] = NUMERIC(MISH),
    [NNINIT_ACT_SOFTPLUS] = NUMERIC(SOFTPLUS),
    [NNINIT_ACT_HARDSWISH] = NUMERIC(HARDSWISH),
    [NNINIT_ACT_SELU] = {LECUN, NNINIT_NL_SELU,
                         "N(0, s^2), s = 1/sqrt(fan_in), untruncated",
                         "with weights of variance 1/fan_in, SELU pulls "
                         "activations to the fixed point mean 0, variance 1 "
                         "(self-normalizing networks, Klambauer et al. "
                         "2017)"},
};
#undef NUMERIC

nninit_nonlinearity nninit_activation_nonlinearity(nninit_activation act)
{
    return (unsigned)act < NNINIT_ACT_COUNT ? acts[act].nl : NNINIT_NL_LINEAR;
}

int nninit_recommend(nninit_role role, nninit_activation act, double slope,
                     nninit_advice *out, nninit_error *err)
{
    memset(out, 0, sizeof *out);
    if ((unsigned)role >= NNINIT_ROLE_COUNT)
        return nninit__fail(err, NNINIT_EINVAL, "unknown role %d", (int)role);
    if (role != NNINIT_ROLE_WEIGHT) {
        out->spec = nninit_spec_make(roles[role].kind);
        out->formula = roles[role].formula;
        out->why = roles[role].why;
        return NNINIT_OK;
    }
    if ((unsigned)act >= NNINIT_ACT_COUNT)
        return nninit__fail(err, NNINIT_EINVAL, "unknown activation %d",
                            (int)act);
    const act_row *a = &acts[act];
    out->formula = a->formula;
    out->why = a->why;
    switch (a->fam) {
    case XAVIER:
        out->spec = nninit_spec_make(NNINIT_XAVIER_UNIFORM);
        return nninit_gain(a->nl, NAN, &out->spec.gain, err);
    case KAIMING: {
        out->spec = nninit_spec_make(NNINIT_KAIMING_UNIFORM);
        out->spec.nonlinearity = a->nl;
        if (a->nl != NNINIT_NL_LEAKY_RELU)
            return NNINIT_OK;
        double g; /* checks the slope */
        out->spec.a = isnan(slope) ? 0.01 : slope;
        return nninit_gain(a->nl, out->spec.a, &g, err);
    }
    case LECUN:
        out->spec = nninit_spec_make(NNINIT_LECUN_NORMAL);
        return NNINIT_OK;
    }
    return nninit__fail(err, NNINIT_EINVAL, "unknown activation %d", (int)act);
}
