/*
 * rule.c: the rule "pick each layer's initializer from what follows it"
 * (shared/reference/initializers.md), as data a program can use and words a
 * person can read.
 */
#include "../nninit_internal.h"

#include <math.h>
#include <string.h>

static const char *const act_names[] = {NNINIT_ACTIVATION_MAP(NNINIT__XNAME)};
_Static_assert(sizeof act_names / sizeof *act_names == NNINIT_ACT_COUNT,
               "activation table out of sync");
static const nninit_name_alias act_aliases[] = {
    {"none", NNINIT_ACT_NONE}, {"identity", NNINIT_ACT_NONE},
    {"swish", NNINIT_ACT_SILU}, {NULL, 0}};
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

int nninit_recommend(nninit_role role, nninit_activation act, double slope,
                     nninit_advice *out, nninit_error *err)
{
    memset(out, 0, sizeof *out);
    switch (role) {
    case NNINIT_ROLE_RECURRENT:
        out->spec = nninit_spec_make(NNINIT_ORTHOGONAL);
        out->formula = "Haar-random orthogonal matrix (QR of a Gaussian, "
                       "sign-corrected), times gain 1";
        out->why = "all singular values are 1, so repeating the recurrence "
                   "over many time steps neither explodes nor vanishes the "
                   "signal (Saxe et al. 2014)";
        return NNINIT_OK;
    case NNINIT_ROLE_BIAS:
        out->spec = nninit_spec_make(NNINIT_ZEROS);
        out->formula = "0";
        out->why = "the random weights already break the symmetry, so biases "
                   "can start at zero";
        return NNINIT_OK;
    case NNINIT_ROLE_NORM_WEIGHT:
        out->spec = nninit_spec_make(NNINIT_ONES);
        out->formula = "1";
        out->why = "a normalization layer starts as the identity: scale 1";
        return NNINIT_OK;
    case NNINIT_ROLE_NORM_BIAS:
        out->spec = nninit_spec_make(NNINIT_ZEROS);
        out->formula = "0";
        out->why = "a normalization layer starts as the identity: shift 0";
        return NNINIT_OK;
    case NNINIT_ROLE_EMBEDDING:
        out->spec = nninit_spec_make(NNINIT_NORMAL);
        out->formula = "N(0, 1)";
        out->why = "an embedding is a lookup, not a product, so there is no "
                   "fan to preserve; N(0, 1) is PyTorch's default (models "
                   "often pick a smaller std such as 0.02)";
        return NNINIT_OK;
    case NNINIT_ROLE_WEIGHT:
        break;
    default:
        return nninit__fail(err, NNINIT_EINVAL, "unknown role %d", (int)role);
    }
    switch (act) {
    case NNINIT_ACT_NONE:
    case NNINIT_ACT_SIGMOID:
    case NNINIT_ACT_SOFTSIGN:
    case NNINIT_ACT_SOFTMAX:
        out->spec = nninit_spec_make(NNINIT_XAVIER_UNIFORM);
        out->formula = "U(-b, b), b = gain*sqrt(6/(fan_in+fan_out)), gain 1";
        out->why = act == NNINIT_ACT_NONE || act == NNINIT_ACT_SOFTMAX
                       ? "nothing nonlinear follows, so Xavier keeps the "
                         "variance of signals and of gradients equal across "
                         "the layer (Glorot & Bengio 2010)"
                       : "the activation is roughly linear with slope ~1 "
                         "near 0 (after centring), so Xavier keeps forward "
                         "and backward variance constant (Glorot & Bengio "
                         "2010)";
        return NNINIT_OK;
    case NNINIT_ACT_TANH:
        out->spec = nninit_spec_make(NNINIT_XAVIER_UNIFORM);
        out->spec.gain = 5.0 / 3;
        out->formula = "U(-b, b), b = gain*sqrt(6/(fan_in+fan_out)), "
                       "gain 5/3";
        out->why = "tanh is linear with slope 1 near 0 and squashes larger "
                   "inputs, so Xavier keeps forward and backward variance "
                   "constant; PyTorch's gain 5/3 offsets the squashing "
                   "(Glorot & Bengio 2010)";
        return NNINIT_OK;
    case NNINIT_ACT_RELU:
    case NNINIT_ACT_PRELU:
    case NNINIT_ACT_ELU:
    case NNINIT_ACT_GELU:
    case NNINIT_ACT_SILU:
        out->spec = nninit_spec_make(NNINIT_KAIMING_UNIFORM);
        out->spec.nonlinearity = NNINIT_NL_RELU;
        out->formula = "U(-b, b), b = gain*sqrt(3/fan_in), gain sqrt(2)";
        out->why = act == NNINIT_ACT_RELU
                       ? "ReLU zeroes half of its inputs, halving the "
                         "variance; He's factor 2 (Var = 2/fan_in) "
                         "restores it layer after layer (He et al. 2015)"
                       : "a ReLU-like activation zeroes or damps most "
                         "negative inputs, so He's Var = 2/fan_in keeps the "
                         "signal's variance (He et al. 2015)";
        return NNINIT_OK;
    case NNINIT_ACT_LEAKY_RELU: {
        if (isnan(slope))
            slope = 0.01;
        if (!nninit__finite(slope))
            return nninit__fail(err, NNINIT_EINVAL,
                                "negative slope must be finite (got %g)",
                                slope);
        out->spec = nninit_spec_make(NNINIT_KAIMING_UNIFORM);
        out->spec.nonlinearity = NNINIT_NL_LEAKY_RELU;
        out->spec.a = slope;
        out->formula = "U(-b, b), b = gain*sqrt(3/fan_in), "
                       "gain sqrt(2/(1+slope^2))";
        out->why = "leaky ReLU keeps a fraction slope of negative inputs, so "
                   "He's correction becomes 2/(1+slope^2) (He et al. 2015)";
        return NNINIT_OK;
    }
    case NNINIT_ACT_SELU:
        out->spec = nninit_spec_make(NNINIT_LECUN_NORMAL);
        out->formula = "N(0, s^2), s = 1/sqrt(fan_in), untruncated";
        out->why = "with weights of variance 1/fan_in, SELU pulls activations "
                   "to the fixed point mean 0, variance 1 (self-normalizing "
                   "networks, Klambauer et al. 2017)";
        return NNINIT_OK;
    default:
        return nninit__fail(err, NNINIT_EINVAL, "unknown activation %d",
                            (int)act);
    }
}
