/*
 * resolve.c: each family of initializers against a shape: the distribution
 * to draw, fans, gain, bound and the std of the result. The formulas
 * follow PyTorch's torch/nn/init.py operation by operation (so the
 * double-precision bounds are the same bits), and Keras's VarianceScaling
 * where PyTorch has no function; the edge of chaos from mean-field theory. The table (spec.c) has checked ranks,
 * fans, required and finite parameters and enum values before these run.
 */
#include "init_internal.h"

#include <math.h>

#define SQRT_2PI 2.5066282746310002
#define STD_TRUNC_2SIGMA 0.87962566103423978 /* std of N(0,1) cut at +-2 */

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

/* out and in channels of a kernel in either layout. */
static void channels(const nninit__rctx *c, int64_t *out, int64_t *in)
{
    const int nd = c->nd;
    const int keras = c->layout == NNINIT_LAYOUT_KERAS;
    *out = keras ? c->shape->dim[nd - 1] : c->shape->dim[0];
    *in = keras ? c->shape->dim[nd - 2] : c->shape->dim[1];
}

/* ------------------------------------------------------------------------ */
/* Constants and plain distributions                                        */
/* ------------------------------------------------------------------------ */

int nninit__resolve_constant(const nninit_spec *s, const nninit__rctx *c,
                             nninit_resolved *r, nninit_error *err)
{
    (void)c;
    (void)err;
    r->dist = nninit_dist_constant(s->kind == NNINIT_CONSTANT ? s->value
                                   : s->kind == NNINIT_ONES   ? 1.0
                                                              : 0.0);
    return NNINIT_OK;
}

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

int nninit__resolve_dist(const nninit_spec *s, const nninit__rctx *c,
                         nninit_resolved *r, nninit_error *err)
{
    (void)c;
    if (s->kind == NNINIT_UNIFORM)
        r->dist = nninit_dist_uniform(s->low, s->high);
    else if (s->kind == NNINIT_NORMAL)
        r->dist = nninit_dist_normal(s->mean, s->std);
    else
        r->dist = nninit_dist_trunc_normal(s->mean, s->std, s->trunc_a,
                                           s->trunc_b);
    int rc = nninit_dist_check(&r->dist, err);
    if (rc)
        return rc;
    if (s->kind == NNINIT_UNIFORM) {
        r->bound = (s->high - s->low) / 2;
        r->std = (s->high - s->low) / sqrt(12.0);
    } else if (s->kind == NNINIT_NORMAL) {
        r->std = s->std;
    } else {
        r->std = s->std > 0 ? trunc_std(s->std, s->mean, s->trunc_a, s->trunc_b)
                            : 0;
    }
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* Fan-based: Xavier, He, LeCun, variance scaling                           */
/* ------------------------------------------------------------------------ */

int nninit__resolve_xavier(const nninit_spec *s, const nninit__rctx *c,
                           nninit_resolved *r, nninit_error *err)
{
    if (s->gain < 0)
        return nninit__fail(err, NNINIT_EINVAL, "gain must be >= 0 (got %g)",
                            s->gain);
    r->gain = s->gain;
    r->fan = (c->fi + c->fo) / 2;
    if (c->numel == 0) { /* nothing to draw (PyTorch would divide by 0) */
        r->dist = nninit_dist_constant(0.0);
        return NNINIT_OK;
    }
    double sd = s->gain * sqrt(2.0 / (c->fi + c->fo)); /* torch's order */
    if (s->kind == NNINIT_XAVIER_UNIFORM)
        set_uniform(r, sqrt(3.0) * sd);
    else
        set_normal(r, sd);
    return NNINIT_OK;
}

int nninit__resolve_kaiming(const nninit_spec *s, const nninit__rctx *c,
                            nninit_resolved *r, nninit_error *err)
{
    if (s->mode != NNINIT_FAN_IN && s->mode != NNINIT_FAN_OUT)
        return nninit__fail(err, NNINIT_EINVAL,
                            "mode %s not supported by %s (use fan_in or "
                            "fan_out)", nninit_mode_name(s->mode),
                            nninit_kind_name(s->kind));
    /* a is leaky_relu's slope (PyTorch's kaiming_*_(a=...)); the other
     * nonlinearities keep their own default parameter */
    int rc = nninit_gain(s->nonlinearity,
                         s->nonlinearity == NNINIT_NL_LEAKY_RELU ? s->a : NAN,
                         &r->gain, err);
    if (rc)
        return rc;
    r->fan = s->mode == NNINIT_FAN_IN ? c->fi : c->fo;
    if (c->numel == 0) { /* PyTorch: "Initializing zero-element tensors is a
                            no-op" */
        r->dist = nninit_dist_constant(0.0);
        return NNINIT_OK;
    }
    double sd = r->gain / sqrt(r->fan);
    if (s->kind == NNINIT_KAIMING_UNIFORM)
        set_uniform(r, sqrt(3.0) * sd);
    else
        set_normal(r, sd);
    return NNINIT_OK;
}

int nninit__resolve_lecun(const nninit_spec *s, const nninit__rctx *c,
                          nninit_resolved *r, nninit_error *err)
{
    (void)err;
    r->fan = c->fi;
    if (c->numel == 0) {
        r->dist = nninit_dist_constant(0.0);
        return NNINIT_OK;
    }
    if (s->kind == NNINIT_LECUN_UNIFORM)
        set_uniform(r, sqrt(3.0 / c->fi));
    else
        set_normal(r, sqrt(1.0 / c->fi));
    return NNINIT_OK;
}

int nninit__resolve_variance_scaling(const nninit_spec *s,
                                     const nninit__rctx *c,
                                     nninit_resolved *r, nninit_error *err)
{
    if (!(s->scale > 0))
        return nninit__fail(err, NNINIT_EINVAL, "scale must be > 0 (got %g)",
                            s->scale);
    const double fi = c->fi, fo = c->fo;
    double n;
    switch (s->mode) {
    case NNINIT_FAN_IN: n = fi; break;
    case NNINIT_FAN_OUT: n = fo; break;
    case NNINIT_FAN_AVG: n = (fi + fo) / 2; break;
    default: n = sqrt(fi * fo); break; /* fan_geo_avg */
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
    default: { /* truncated_normal */
        double sigma = sqrt(var) / STD_TRUNC_2SIGMA;
        r->dist = nninit_dist_trunc_normal(0.0, sigma, -2 * sigma, 2 * sigma);
        r->std = sqrt(var);
        break;
    }
    }
    return NNINIT_OK;
}

/* Poole et al. 2016, Schoenholz et al. 2017: (sigma_w, sigma_b) on the
 * critical line of the nonlinearity, the weights' std sigma_w/sqrt(fan_in)
 * and the biases' sigma_b, so a deep net of it sits at the edge of chaos. */
int nninit__resolve_critical(const nninit_spec *s, const nninit__rctx *c,
                             nninit_resolved *r, nninit_error *err)
{
    double sigma_w, q;
    int rc = nninit_gain_critical(s->nonlinearity, NAN, s->sigma_b, &sigma_w,
                                  &q, err);
    if (rc)
        return rc;
    if (c->nd < 2) { /* a bias */
        r->dist = s->sigma_b > 0 ? nninit_dist_normal(0.0, s->sigma_b)
                                 : nninit_dist_constant(0.0);
        r->std = s->sigma_b;
        return NNINIT_OK;
    }
    r->gain = sigma_w;
    r->fan = c->fi;
    if (c->numel == 0) {
        r->dist = nninit_dist_constant(0.0);
        return NNINIT_OK;
    }
    set_normal(r, sigma_w / sqrt(c->fi));
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* Structured: eye, dirac, orthogonal, delta orthogonal, sparse             */
/* ------------------------------------------------------------------------ */

int nninit__resolve_eye(const nninit_spec *s, const nninit__rctx *c,
                        nninit_resolved *r, nninit_error *err)
{
    (void)err;
    r->draw = NNINIT_DRAW_EYE;
    r->gain = s->gain;
    r->rows = c->shape->dim[0];
    r->cols = c->shape->dim[1];
    return NNINIT_OK;
}

/* Zhao et al. 2022 (ZerO): a deterministic +-gain matrix whose rows (or
 * columns) are mutually orthogonal where the cut keeps them whole. */
int nninit__resolve_hadamard(const nninit_spec *s, const nninit__rctx *c,
                             nninit_resolved *r, nninit_error *err)
{
    (void)err;
    r->draw = NNINIT_DRAW_HADAMARD;
    r->gain = s->gain;
    r->rows = c->shape->dim[0];
    r->cols = c->shape->dim[1];
    return NNINIT_OK;
}

int nninit__resolve_dirac(const nninit_spec *s, const nninit__rctx *c,
                          nninit_resolved *r, nninit_error *err)
{
    if (s->groups < 1)
        return nninit__fail(err, NNINIT_EINVAL, "groups must be >= 1 (got %d)",
                            s->groups);
    int64_t out, in;
    channels(c, &out, &in);
    if (out % s->groups != 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "dirac: out channels (%lld) must be divisible by "
                            "groups (%d)", (long long)out, s->groups);
    r->draw = NNINIT_DRAW_DIRAC;
    return NNINIT_OK;
}

int nninit__resolve_orthogonal(const nninit_spec *s, const nninit__rctx *c,
                               nninit_resolved *r, nninit_error *err)
{
    (void)err;
    const nninit_shape *sh = c->shape;
    const int nd = c->nd;
    r->draw = NNINIT_DRAW_ORTHOGONAL;
    r->gain = s->gain;
    if (c->layout == NNINIT_LAYOUT_KERAS) { /* (prod(shape[:-1]), shape[-1]) */
        r->cols = sh->dim[nd - 1];
        r->rows = 1;
        for (int i = 0; i < nd - 1; i++)
            r->rows *= sh->dim[i];
    } else { /* (shape[0], prod(shape[1:])) */
        r->rows = sh->dim[0];
        r->cols = 1;
        for (int i = 1; i < nd; i++)
            r->cols *= sh->dim[i];
    }
    r->std = r->rows && r->cols
                 ? fabs(s->gain) /
                       sqrt((double)(r->rows > r->cols ? r->rows : r->cols))
                 : 0;
    return NNINIT_OK;
}

int nninit__resolve_delta_orthogonal(const nninit_spec *s,
                                     const nninit__rctx *c,
                                     nninit_resolved *r, nninit_error *err)
{
    int64_t out, in;
    channels(c, &out, &in);
    if (out < in)
        return nninit__fail(err, NNINIT_EINVAL,
                            "delta_orthogonal needs out channels (%lld) >= in "
                            "channels (%lld)", (long long)out, (long long)in);
    r->draw = NNINIT_DRAW_DELTA_ORTHOGONAL;
    r->gain = s->gain;
    r->rows = out;
    r->cols = in;
    return NNINIT_OK;
}

int nninit__resolve_sparse(const nninit_spec *s, const nninit__rctx *c,
                           nninit_resolved *r, nninit_error *err)
{
    if (!(s->sparsity >= 0 && s->sparsity <= 1))
        return nninit__fail(err, NNINIT_EINVAL,
                            "sparsity must be in [0, 1] (got %g)", s->sparsity);
    r->dist = nninit_dist_normal(0.0, s->std);
    int rc = nninit_dist_check(&r->dist, err);
    if (rc)
        return rc;
    r->draw = NNINIT_DRAW_SPARSE;
    r->rows = c->shape->dim[0];
    r->cols = c->shape->dim[1];
    r->zeros_per_col = (int64_t)ceil(s->sparsity * (double)r->rows);
    r->std = s->std * sqrt(r->rows ? 1 - (double)r->zeros_per_col /
                                             (double)r->rows
                                   : 0);
    return NNINIT_OK;
}
