/*
 * spec.c: names, gains, default parameters, and resolution of an initializer
 * against a shape (fans, gain, bound, std). The formulas follow PyTorch's
 * torch/nn/init.py operation by operation (so the double-precision bounds are
 * the same bits) and Keras's VarianceScaling where PyTorch has no function.
 */
#include "../nninit_internal.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Names                                                                    */
/* ------------------------------------------------------------------------ */

static const char *const kind_names[] = {NNINIT_KIND_MAP(NNINIT__XNAME)};
_Static_assert(sizeof kind_names / sizeof *kind_names == NNINIT_KIND_COUNT,
               "kind table out of sync");
static const nninit_name_alias kind_aliases[] = {
    {"glorot_uniform", NNINIT_XAVIER_UNIFORM},
    {"glorot_normal", NNINIT_XAVIER_NORMAL},
    {"he_uniform", NNINIT_KAIMING_UNIFORM},
    {"he_normal", NNINIT_KAIMING_NORMAL},
    {"identity", NNINIT_EYE},
    {"truncated_normal", NNINIT_TRUNC_NORMAL},
    {"zero", NNINIT_ZEROS},
    {"one", NNINIT_ONES},
    {NULL, 0}};
static const nninit_names kind_table = {
    "initializer", kind_names, NNINIT_KIND_COUNT, kind_aliases,
    NNINIT_NAMES_TRAILING_UNDERSCORE};
NNINIT__NAMED_ENUM(nninit_kind, nninit_kind, kind_table)

static const char *const nl_names[] = {NNINIT_NONLINEARITY_MAP(NNINIT__XNAME)};
_Static_assert(sizeof nl_names / sizeof *nl_names == NNINIT_NL_COUNT,
               "nonlinearity table out of sync");
static const nninit_names nl_table = {"nonlinearity", nl_names,
                                      NNINIT_NL_COUNT, NULL, 0};
NNINIT__NAMED_ENUM(nninit_nonlinearity, nninit_nonlinearity, nl_table)

static const char *const mode_names[] = {"fan_in", "fan_out", "fan_avg",
                                         "fan_geo_avg"};
static const nninit_names mode_table = {"mode", mode_names, 4, NULL, 0};
NNINIT__NAMED_ENUM(nninit_mode, nninit_mode, mode_table)

static const char *const distribution_names[] = {"uniform", "normal",
                                                 "truncated_normal"};
static const nninit_name_alias distribution_aliases[] = {
    {"untruncated_normal", NNINIT_DISTRIBUTION_NORMAL}, {NULL, 0}};
static const nninit_names distribution_table = {
    "distribution", distribution_names, 3, distribution_aliases, 0};
NNINIT__NAMED_ENUM(nninit_distribution, nninit_distribution,
                   distribution_table)

/* ------------------------------------------------------------------------ */
/* Gains                                                                    */
/* ------------------------------------------------------------------------ */

int nninit_gain(nninit_nonlinearity nl, double slope, double *gain,
                nninit_error *err)
{
    switch (nl) {
    case NNINIT_NL_LINEAR:
    case NNINIT_NL_IDENTITY:
    case NNINIT_NL_CONV1D:
    case NNINIT_NL_CONV2D:
    case NNINIT_NL_CONV3D:
    case NNINIT_NL_CONV_TRANSPOSE1D:
    case NNINIT_NL_CONV_TRANSPOSE2D:
    case NNINIT_NL_CONV_TRANSPOSE3D:
    case NNINIT_NL_SIGMOID:
        *gain = 1.0;
        return NNINIT_OK;
    case NNINIT_NL_TANH:
        *gain = 5.0 / 3;
        return NNINIT_OK;
    case NNINIT_NL_RELU:
        *gain = sqrt(2.0);
        return NNINIT_OK;
    case NNINIT_NL_LEAKY_RELU:
        if (isnan(slope))
            slope = 0.01;
        if (!nninit__finite(slope))
            return nninit__fail(err, NNINIT_EINVAL,
                                "negative slope must be finite (got %g)",
                                slope);
        *gain = sqrt(2.0 / (1 + slope * slope));
        return NNINIT_OK;
    case NNINIT_NL_SELU:
        *gain = 3.0 / 4;
        return NNINIT_OK;
    default:
        return nninit__fail(err, NNINIT_EINVAL, "unknown nonlinearity %d",
                            (int)nl);
    }
}

/* ------------------------------------------------------------------------ */
/* Specs                                                                    */
/* ------------------------------------------------------------------------ */

nninit_spec nninit_spec_make(nninit_kind kind)
{
    nninit_spec s;
    memset(&s, 0, sizeof s);
    s.kind = kind;
    s.gain = 1.0;
    s.a = 0.0;
    s.mode = NNINIT_FAN_IN;
    s.nonlinearity = NNINIT_NL_LEAKY_RELU;
    s.mean = 0.0;
    s.std = kind == NNINIT_SPARSE ? 0.01 : 1.0;
    s.low = 0.0;
    s.high = 1.0;
    s.trunc_a = -2.0;
    s.trunc_b = 2.0;
    s.value = kind == NNINIT_ZEROS ? 0.0 : kind == NNINIT_ONES ? 1.0 : NAN;
    s.sparsity = NAN;
    s.groups = 1;
    s.scale = 1.0;
    s.distribution = NNINIT_DISTRIBUTION_TRUNCATED_NORMAL;
    return s;
}

#define SQRT_2PI 2.5066282746310002
#define STD_TRUNC_2SIGMA 0.87962566103423978 /* std of N(0,1) cut at +-2 */

/* Std of N(mean, std^2) truncated to [a, b], for reporting. */
static double trunc_std(double sd, double mean, double a, double b)
{
    double al = (a - mean) / sd, be = (b - mean) / sd;
    double Z = 0.5 * (erfc(-be / sqrt(2.0)) - erfc(-al / sqrt(2.0)));
    double pa = exp(-0.5 * al * al) / SQRT_2PI;
    double pb = exp(-0.5 * be * be) / SQRT_2PI;
    double m1 = (pa - pb) / Z;
    double v = 1 + (al * pa - be * pb) / Z - m1 * m1;
    return v > 0 ? sd * sqrt(v) : 0;
}


static int check_finite(nninit_error *err, const char *name, double v)
{
    if (!nninit__finite(v))
        return nninit__fail(err, NNINIT_EINVAL, "%s must be finite (got %g)",
                            name, v);
    return NNINIT_OK;
}

static int need_gain(const nninit_spec *s, nninit_error *err, int nonneg)
{
    int rc = check_finite(err, "gain", s->gain);
    if (rc)
        return rc;
    if (nonneg && s->gain < 0)
        return nninit__fail(err, NNINIT_EINVAL, "gain must be >= 0 (got %g)",
                            s->gain);
    return NNINIT_OK;
}

static void set_uniform(nninit_resolved *r, double bound)
{
    r->dist = nninit_dist_uniform(-bound, bound);
    r->bound = bound;
    r->std = bound / sqrt(3.0);
}

static void set_normal(nninit_resolved *r, double sd)
{
    r->dist = nninit_dist_normal(0.0, sd);
    r->std = sd;
}

int nninit_resolve(const nninit_spec *s, const nninit_shape *shape,
                   nninit_layout layout, nninit_resolved *r,
                   nninit_error *err)
{
    int rc;
    memset(r, 0, sizeof *r);
    r->draw = NNINIT_DRAW_DIST;
    r->fan_in = r->fan_out = -1;
    r->gain = 1.0;
    if (!s || !shape)
        return nninit__fail(err, NNINIT_EINVAL, "spec and shape are required");
    if ((unsigned)layout > NNINIT_LAYOUT_KERAS)
        return nninit__fail(err, NNINIT_EINVAL, "unknown layout %d",
                            (int)layout);
    if (shape->ndim < 0 || shape->ndim > NNINIT_MAX_DIMS)
        return nninit__fail(err, NNINIT_EINVAL, "bad shape rank %d",
                            shape->ndim);
    const int nd = shape->ndim;
    const uint64_t numel = nninit_shape_numel(shape);
    if (nd >= 2)
        nninit_fans(shape, layout, &r->fan_in, &r->fan_out, NULL);
    /* Initializers that need fans refuse 1-D shapes up front. */
    switch (s->kind) {
    case NNINIT_XAVIER_UNIFORM:
    case NNINIT_XAVIER_NORMAL:
    case NNINIT_KAIMING_UNIFORM:
    case NNINIT_KAIMING_NORMAL:
    case NNINIT_LECUN_UNIFORM:
    case NNINIT_LECUN_NORMAL:
    case NNINIT_VARIANCE_SCALING:
        if (nd < 2)
            return nninit__fail(err, NNINIT_EINVAL,
                                "%s needs fan in and fan out, which need at "
                                "least 2 dimensions (shape has %d)",
                                nninit_kind_name(s->kind), nd);
        break;
    default:
        break;
    }
    const double fi = (double)r->fan_in, fo = (double)r->fan_out;

    switch (s->kind) {
    case NNINIT_ZEROS:
        r->dist = nninit_dist_constant(0.0);
        break;
    case NNINIT_ONES:
        r->dist = nninit_dist_constant(1.0);
        break;
    case NNINIT_CONSTANT:
        if (isnan(s->value))
            return nninit__fail(err, NNINIT_EINVAL,
                                "constant needs a value (--value)");
        if ((rc = check_finite(err, "value", s->value)))
            return rc;
        r->dist = nninit_dist_constant(s->value);
        break;
    case NNINIT_UNIFORM:
        r->dist = nninit_dist_uniform(s->low, s->high);
        if ((rc = nninit_dist_check(&r->dist, err)))
            return rc;
        r->bound = (s->high - s->low) / 2;
        r->std = (s->high - s->low) / sqrt(12.0);
        break;
    case NNINIT_NORMAL:
        r->dist = nninit_dist_normal(s->mean, s->std);
        if ((rc = nninit_dist_check(&r->dist, err)))
            return rc;
        r->std = s->std;
        break;
    case NNINIT_TRUNC_NORMAL:
        r->dist = nninit_dist_trunc_normal(s->mean, s->std, s->trunc_a,
                                           s->trunc_b);
        if ((rc = nninit_dist_check(&r->dist, err)))
            return rc;
        r->std = s->std > 0 ? trunc_std(s->std, s->mean, s->trunc_a, s->trunc_b)
                            : 0;
        break;
    case NNINIT_XAVIER_UNIFORM:
    case NNINIT_XAVIER_NORMAL: {
        if ((rc = need_gain(s, err, 1)))
            return rc;
        r->gain = s->gain;
        r->fan = (fi + fo) / 2;
        if (numel == 0) { /* nothing to draw (PyTorch would divide by 0) */
            r->dist = nninit_dist_constant(0.0);
            break;
        }
        double sd = s->gain * sqrt(2.0 / (fi + fo)); /* torch's order */
        if (s->kind == NNINIT_XAVIER_UNIFORM)
            set_uniform(r, sqrt(3.0) * sd);
        else
            set_normal(r, sd);
        break;
    }
    case NNINIT_KAIMING_UNIFORM:
    case NNINIT_KAIMING_NORMAL: {
        if ((rc = check_finite(err, "a", s->a)))
            return rc;
        if (s->mode != NNINIT_FAN_IN && s->mode != NNINIT_FAN_OUT)
            return nninit__fail(err, NNINIT_EINVAL,
                                "mode %s not supported by %s (use fan_in or "
                                "fan_out)", nninit_mode_name(s->mode),
                                nninit_kind_name(s->kind));
        if ((rc = nninit_gain(s->nonlinearity, s->a, &r->gain, err)))
            return rc;
        r->fan = s->mode == NNINIT_FAN_IN ? fi : fo;
        if (numel == 0) { /* PyTorch: "Initializing zero-element tensors is a
                             no-op" */
            r->dist = nninit_dist_constant(0.0);
            break;
        }
        double sd = r->gain / sqrt(r->fan);
        if (s->kind == NNINIT_KAIMING_UNIFORM)
            set_uniform(r, sqrt(3.0) * sd);
        else
            set_normal(r, sd);
        break;
    }
    case NNINIT_LECUN_UNIFORM:
    case NNINIT_LECUN_NORMAL:
        r->fan = fi;
        if (numel == 0) {
            r->dist = nninit_dist_constant(0.0);
            break;
        }
        if (s->kind == NNINIT_LECUN_UNIFORM)
            set_uniform(r, sqrt(3.0 / fi));
        else
            set_normal(r, sqrt(1.0 / fi));
        break;
    case NNINIT_VARIANCE_SCALING: {
        if ((rc = check_finite(err, "scale", s->scale)))
            return rc;
        if (!(s->scale > 0))
            return nninit__fail(err, NNINIT_EINVAL,
                                "scale must be > 0 (got %g)", s->scale);
        double n;
        switch (s->mode) {
        case NNINIT_FAN_IN: n = fi; break;
        case NNINIT_FAN_OUT: n = fo; break;
        case NNINIT_FAN_AVG: n = (fi + fo) / 2; break;
        case NNINIT_FAN_GEO_AVG: n = sqrt(fi * fo); break;
        default:
            return nninit__fail(err, NNINIT_EINVAL, "unknown mode %d",
                                (int)s->mode);
        }
        if (n < 1) /* Keras: max(1, n) */
            n = 1;
        r->fan = n;
        double var = s->scale / n;
        switch (s->distribution) {
        case NNINIT_DISTRIBUTION_UNIFORM:
            set_uniform(r, sqrt(3.0 * var));
            break;
        case NNINIT_DISTRIBUTION_NORMAL:
            set_normal(r, sqrt(var));
            break;
        case NNINIT_DISTRIBUTION_TRUNCATED_NORMAL: {
            double sigma = sqrt(var) / STD_TRUNC_2SIGMA;
            r->dist = nninit_dist_trunc_normal(0.0, sigma, -2 * sigma,
                                               2 * sigma);
            r->std = sqrt(var);
            break;
        }
        default:
            return nninit__fail(err, NNINIT_EINVAL, "unknown distribution %d",
                                (int)s->distribution);
        }
        break;
    }
    case NNINIT_EYE:
        if (nd != 2)
            return nninit__fail(err, NNINIT_EINVAL,
                                "eye needs a 2-D shape (shape has %d "
                                "dimensions)", nd);
        if ((rc = need_gain(s, err, 0)))
            return rc;
        r->draw = NNINIT_DRAW_EYE;
        r->gain = s->gain;
        r->rows = shape->dim[0];
        r->cols = shape->dim[1];
        break;
    case NNINIT_DIRAC: {
        if (nd < 3 || nd > 5)
            return nninit__fail(err, NNINIT_EINVAL,
                                "dirac needs a 3-, 4- or 5-D shape (shape has "
                                "%d dimensions)", nd);
        if (s->groups < 1)
            return nninit__fail(err, NNINIT_EINVAL,
                                "groups must be >= 1 (got %d)", s->groups);
        int64_t out = layout == NNINIT_LAYOUT_KERAS ? shape->dim[nd - 1]
                                                    : shape->dim[0];
        if (out % s->groups != 0)
            return nninit__fail(err, NNINIT_EINVAL,
                                "dirac: out channels (%lld) must be divisible "
                                "by groups (%d)", (long long)out, s->groups);
        r->draw = NNINIT_DRAW_DIRAC;
        break;
    }
    case NNINIT_ORTHOGONAL:
        if (nd < 2)
            return nninit__fail(err, NNINIT_EINVAL,
                                "orthogonal needs at least 2 dimensions "
                                "(shape has %d)", nd);
        if ((rc = need_gain(s, err, 0)))
            return rc;
        r->draw = NNINIT_DRAW_ORTHOGONAL;
        r->gain = s->gain;
        if (layout == NNINIT_LAYOUT_KERAS) { /* (prod(shape[:-1]), shape[-1]) */
            r->cols = shape->dim[nd - 1];
            r->rows = 1;
            for (int i = 0; i < nd - 1; i++)
                r->rows *= shape->dim[i];
        } else { /* (shape[0], prod(shape[1:])) */
            r->rows = shape->dim[0];
            r->cols = 1;
            for (int i = 1; i < nd; i++)
                r->cols *= shape->dim[i];
        }
        r->std = r->rows && r->cols
                     ? fabs(s->gain) / sqrt((double)(r->rows > r->cols
                                                         ? r->rows
                                                         : r->cols))
                     : 0;
        break;
    case NNINIT_DELTA_ORTHOGONAL: {
        if (nd < 3 || nd > 5)
            return nninit__fail(err, NNINIT_EINVAL,
                                "delta_orthogonal needs a 3-, 4- or 5-D shape "
                                "(shape has %d dimensions)", nd);
        if ((rc = need_gain(s, err, 0)))
            return rc;
        int64_t out = layout == NNINIT_LAYOUT_KERAS ? shape->dim[nd - 1]
                                                    : shape->dim[0];
        int64_t in = layout == NNINIT_LAYOUT_KERAS ? shape->dim[nd - 2]
                                                   : shape->dim[1];
        if (out < in)
            return nninit__fail(err, NNINIT_EINVAL,
                                "delta_orthogonal needs out channels (%lld) >= "
                                "in channels (%lld)", (long long)out,
                                (long long)in);
        r->draw = NNINIT_DRAW_DELTA_ORTHOGONAL;
        r->gain = s->gain;
        r->rows = out;
        r->cols = in;
        break;
    }
    case NNINIT_SPARSE:
        if (nd != 2)
            return nninit__fail(err, NNINIT_EINVAL,
                                "sparse needs a 2-D shape (shape has %d "
                                "dimensions)", nd);
        if (isnan(s->sparsity))
            return nninit__fail(err, NNINIT_EINVAL,
                                "sparse needs a sparsity (--sparsity)");
        if (!(s->sparsity >= 0 && s->sparsity <= 1))
            return nninit__fail(err, NNINIT_EINVAL,
                                "sparsity must be in [0, 1] (got %g)",
                                s->sparsity);
        r->dist = nninit_dist_normal(0.0, s->std);
        if ((rc = nninit_dist_check(&r->dist, err)))
            return rc;
        r->draw = NNINIT_DRAW_SPARSE;
        r->rows = shape->dim[0];
        r->cols = shape->dim[1];
        r->zeros_per_col = (int64_t)ceil(s->sparsity * (double)r->rows);
        r->std = s->std * sqrt(r->rows ? 1 - (double)r->zeros_per_col /
                                                 (double)r->rows
                                       : 0);
        break;
    default:
        return nninit__fail(err, NNINIT_EINVAL, "unknown initializer %d",
                            (int)s->kind);
    }
    return NNINIT_OK;
}
