/*
 * core.c: activations, initializer choice, parameters, optimizers, losses.
 */
#include "lab_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* OpenBLAS's own thread control (declared in its cblas.h). */
int nninit_lab_set_threads(int n)
{
    if (n <= 0)
        n = nninit__resolve_threads(0);
    openblas_set_num_threads(n);
    return openblas_get_num_threads();
}

const char *nninit_lab_blas_core(void) { return openblas_get_corename(); }

/* ------------------------------------------------------------------------ */
/* Activations                                                              */
/* ------------------------------------------------------------------------ */

/* Klambauer et al. 2017, the constants Keras and JAX use. */
#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_LAMBDA 1.0507009873554804934193349852946

int nninit_lab_act_supported(nninit_activation act)
{
    switch (act) {
    case NNINIT_ACT_NONE:
    case NNINIT_ACT_SIGMOID:
    case NNINIT_ACT_TANH:
    case NNINIT_ACT_SOFTSIGN:
    case NNINIT_ACT_RELU:
    case NNINIT_ACT_LEAKY_RELU:
    case NNINIT_ACT_ELU:
    case NNINIT_ACT_GELU:
    case NNINIT_ACT_SILU:
    case NNINIT_ACT_SELU:
        return 1;
    default:
        return 0;
    }
}

static double sigmoid(double x)
{
    /* never exp of a large positive number */
    if (x >= 0)
        return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

void nninit_lab_act_forward(nninit_activation act, double slope,
                            const real *x, real *y, size_t n)
{
    if (isnan(slope))
        slope = 0.01;
    switch (act) {
    case NNINIT_ACT_RELU:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] > 0 ? x[i] : 0;
        return;
    case NNINIT_ACT_LEAKY_RELU:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] > 0 ? x[i] : (real)(slope * x[i]);
        return;
    case NNINIT_ACT_TANH:
        for (size_t i = 0; i < n; i++)
            y[i] = (real)tanh(x[i]);
        return;
    case NNINIT_ACT_SIGMOID:
        for (size_t i = 0; i < n; i++)
            y[i] = (real)sigmoid(x[i]);
        return;
    case NNINIT_ACT_SOFTSIGN:
        for (size_t i = 0; i < n; i++)
            y[i] = (real)(x[i] / (1.0 + fabs(x[i])));
        return;
    case NNINIT_ACT_ELU:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] > 0 ? x[i] : (real)expm1(x[i]);
        return;
    case NNINIT_ACT_SELU:
        for (size_t i = 0; i < n; i++)
            y[i] = (real)(x[i] > 0 ? SELU_LAMBDA * x[i]
                                   : SELU_LAMBDA * SELU_ALPHA * expm1(x[i]));
        return;
    case NNINIT_ACT_GELU:
        for (size_t i = 0; i < n; i++)
            y[i] = (real)(0.5 * x[i] * (1.0 + erf(x[i] * 0.70710678118654752440)));
        return;
    case NNINIT_ACT_SILU:
        for (size_t i = 0; i < n; i++)
            y[i] = (real)(x[i] * sigmoid(x[i]));
        return;
    default: /* linear */
        if (y != x)
            memmove(y, x, n * sizeof *y);
        return;
    }
}

void nninit_lab_act_backward(nninit_activation act, double slope,
                             const real *x, const real *y, const real *dy,
                             real *dx, size_t n)
{
    if (isnan(slope))
        slope = 0.01;
    switch (act) {
    case NNINIT_ACT_RELU:
        for (size_t i = 0; i < n; i++)
            dx[i] = x[i] > 0 ? dy[i] : 0;
        return;
    case NNINIT_ACT_LEAKY_RELU:
        for (size_t i = 0; i < n; i++)
            dx[i] = x[i] > 0 ? dy[i] : (real)(slope * dy[i]);
        return;
    case NNINIT_ACT_TANH:
        for (size_t i = 0; i < n; i++)
            dx[i] = dy[i] * (1 - y[i] * y[i]);
        return;
    case NNINIT_ACT_SIGMOID:
        for (size_t i = 0; i < n; i++)
            dx[i] = dy[i] * y[i] * (1 - y[i]);
        return;
    case NNINIT_ACT_SOFTSIGN:
        for (size_t i = 0; i < n; i++) {
            double d = 1.0 + fabs(x[i]);
            dx[i] = (real)(dy[i] / (d * d));
        }
        return;
    case NNINIT_ACT_ELU:
        for (size_t i = 0; i < n; i++)
            dx[i] = x[i] > 0 ? dy[i] : dy[i] * (y[i] + 1);
        return;
    case NNINIT_ACT_SELU:
        for (size_t i = 0; i < n; i++)
            dx[i] = (real)(x[i] > 0 ? SELU_LAMBDA * dy[i]
                                    : dy[i] * (y[i] + SELU_LAMBDA * SELU_ALPHA));
        return;
    case NNINIT_ACT_GELU:
        for (size_t i = 0; i < n; i++) {
            double v = x[i];
            double cdf = 0.5 * (1.0 + erf(v * 0.70710678118654752440));
            double pdf = exp(-0.5 * v * v) * 0.39894228040143267794;
            dx[i] = (real)(dy[i] * (cdf + v * pdf));
        }
        return;
    case NNINIT_ACT_SILU:
        for (size_t i = 0; i < n; i++) {
            double s = sigmoid(x[i]);
            dx[i] = (real)(dy[i] * s * (1.0 + x[i] * (1.0 - s)));
        }
        return;
    default:
        if (dx != dy)
            memmove(dx, dy, n * sizeof *dx);
        return;
    }
}

/* ------------------------------------------------------------------------ */
/* Initializer choice                                                       */
/* ------------------------------------------------------------------------ */

nninit_lab_init nninit_lab_init_rule(void)
{
    nninit_lab_init i;
    memset(&i, 0, sizeof i);
    i.rule = 1;
    i.spec = nninit_spec_make(NNINIT_ZEROS);
    return i;
}

nninit_lab_init nninit_lab_init_of(nninit_spec spec)
{
    nninit_lab_init i;
    memset(&i, 0, sizeof i);
    i.rule = 0;
    i.spec = spec;
    return i;
}

int nninit_lab_init_parse(const char *text, nninit_lab_init *out,
                          nninit_error *err)
{
    if (!text || !*text)
        return nninit__fail(err, NNINIT_EINVAL, "empty initializer");
    if (!strcmp(text, "rule")) {
        *out = nninit_lab_init_rule();
        return NNINIT_OK;
    }
    if (!strcmp(text, "lsuv")) { /* the paper's orthonormal start */
        *out = nninit_lab_init_of(nninit_spec_make(NNINIT_ORTHOGONAL));
        out->lsuv = 1;
        return NNINIT_OK;
    }
    if (!strcmp(text, "small")) {
        nninit_spec s = nninit_spec_make(NNINIT_UNIFORM);
        s.low = -0.01;
        s.high = 0.01;
        *out = nninit_lab_init_of(s);
        return NNINIT_OK;
    }
    if (!strcmp(text, "large")) {
        nninit_spec s = nninit_spec_make(NNINIT_NORMAL);
        s.std = 1.0;
        *out = nninit_lab_init_of(s);
        return NNINIT_OK;
    }
    nninit_spec s;
    int rc = nninit_spec_parse(text, &s, err);
    if (rc)
        return rc;
    /* validate the parameters on a typical shape (the real shape is checked
     * again when the layer is built) */
    nninit_shape sh;
    int64_t dims[2] = {16, 16};
    nninit_shape_make(&sh, 2, dims, NULL);
    nninit_resolved r;
    if ((rc = nninit_resolve(&s, &sh, NNINIT_LAYOUT_TORCH, &r, err)))
        return rc;
    *out = nninit_lab_init_of(s);
    return NNINIT_OK;
}

char *nninit_lab_init_label(const nninit_lab_init *init, char *buf,
                            size_t size)
{
    const nninit_spec *s = &init->spec;
    if (init->rule)
        snprintf(buf, size, "rule");
    else if (init->lsuv)
        snprintf(buf, size, "lsuv");
    else if (s->kind == NNINIT_UNIFORM)
        snprintf(buf, size, "uniform(%g,%g)", s->low, s->high);
    else if (s->kind == NNINIT_NORMAL)
        snprintf(buf, size, "normal(std=%g)", s->std);
    else if (s->kind == NNINIT_CONSTANT)
        snprintf(buf, size, "constant(%g)", s->value);
    else if ((s->kind == NNINIT_XAVIER_UNIFORM ||
              s->kind == NNINIT_XAVIER_NORMAL ||
              s->kind == NNINIT_ORTHOGONAL || s->kind == NNINIT_EYE) &&
             s->gain != 1.0)
        snprintf(buf, size, "%s(gain=%g)", nninit_kind_name(s->kind),
                 s->gain);
    else if ((s->kind == NNINIT_KAIMING_UNIFORM ||
              s->kind == NNINIT_KAIMING_NORMAL) &&
             s->nonlinearity != NNINIT_NL_LEAKY_RELU)
        snprintf(buf, size, "%s(%s)", nninit_kind_name(s->kind),
                 nninit_nonlinearity_name(s->nonlinearity));
    else
        snprintf(buf, size, "%s", nninit_kind_name(s->kind));
    return buf;
}

int nninit_lab_init_resolve(const nninit_lab_init *init, nninit_role role,
                            nninit_activation act, double slope,
                            nninit_spec *out, nninit_error *err)
{
    if (!init->rule) {
        *out = init->spec;
        return NNINIT_OK;
    }
    nninit_advice adv;
    int rc = nninit_recommend(role, act, slope, &adv, err);
    if (rc)
        return rc;
    *out = adv.spec;
    return NNINIT_OK;
}

int nninit__lab_fill(const nninit_spec *spec, int64_t rows, int64_t cols,
                     uint64_t seed, const char *name, real *out,
                     const nninit_allocator *alloc, nninit_error *err)
{
    nninit_shape sh;
    int64_t dims[2] = {rows, cols};
    int rc = cols > 0 ? nninit_shape_make(&sh, 2, dims, err)
                      : nninit_shape_make(&sh, 1, dims, err);
    if (rc)
        return rc;
    nninit_fill_opts o = nninit_fill_opts_default();
    o.seed = seed;
    o.stream = nninit_stream_from_name(name);
    o.alloc = alloc;
    nninit_error e2;
    rc = nninit_init(spec, &sh, NNINIT_LAYOUT_TORCH, LAB_DTYPE, out, 0,
                     nninit_shape_numel(&sh), &o, &e2);
    if (rc)
        return nninit__fail(err, rc, "%s: %s", name, e2.msg);
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* Parameters                                                               */
/* ------------------------------------------------------------------------ */

real *nninit__lab_zalloc(const nninit_allocator *alloc, size_t n)
{
    if (n == 0 || n > SIZE_MAX / sizeof(real))
        return NULL;
    real *p = (real *)nninit__alloc(alloc, n * sizeof(real));
    if (p)
        memset(p, 0, n * sizeof(real));
    return p;
}

int nninit__lab_param_alloc(nninit_lab_param *p, const char *name,
                            int64_t rows, int64_t cols,
                            const nninit_allocator *alloc)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->rows = rows;
    p->cols = cols;
    p->n = (size_t)(rows * cols);
    p->lr_mult = 1;
    p->w = nninit__lab_zalloc(alloc, p->n);
    p->g = nninit__lab_zalloc(alloc, p->n);
    p->m = nninit__lab_zalloc(alloc, p->n);
    p->v = nninit__lab_zalloc(alloc, p->n);
    if (!p->w || !p->g || !p->m || !p->v) {
        nninit__lab_param_free(p, alloc);
        return NNINIT_ENOMEM;
    }
    return NNINIT_OK;
}

void nninit__lab_param_free(nninit_lab_param *p, const nninit_allocator *alloc)
{
    nninit__free(alloc, p->w);
    nninit__free(alloc, p->g);
    nninit__free(alloc, p->m);
    nninit__free(alloc, p->v);
    p->w = p->g = p->m = p->v = NULL;
}

/* ------------------------------------------------------------------------ */
/* Optimizers                                                               */
/* ------------------------------------------------------------------------ */

static const char *const optim_names[] = {"sgd", "momentum", "adam", NULL};

int nninit_lab_optimizer_parse(const char *name, nninit_lab_optimizer *out,
                               nninit_error *err)
{
    int i = nninit__lookup(optim_names, name);
    if (i < 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "unknown optimizer '%s' (sgd, momentum, adam)",
                            name);
    *out = (nninit_lab_optimizer)i;
    return NNINIT_OK;
}

const char *nninit_lab_optimizer_name(nninit_lab_optimizer o)
{
    return (unsigned)o < 3 ? optim_names[o] : "?";
}

nninit_lab_optim nninit_lab_optim_make(nninit_lab_optimizer kind, double lr)
{
    nninit_lab_optim o;
    memset(&o, 0, sizeof o);
    o.kind = kind;
    o.lr = lr;
    o.momentum = 0.9;
    o.beta1 = 0.9;
    o.beta2 = 0.999;
    o.eps = 1e-8;
    return o;
}

double nninit_lab_grad_norm(const nninit_lab_param *params, int count)
{
    double ss = 0;
    for (int k = 0; k < count; k++)
        for (size_t i = 0; i < params[k].n; i++)
            ss += (double)params[k].g[i] * params[k].g[i];
    return sqrt(ss);
}

void nninit_lab_optim_step(nninit_lab_optim *o, nninit_lab_param *params,
                           int count)
{
    double scale = 1.0;
    if (o->clip_norm > 0) {
        o->last_norm = nninit_lab_grad_norm(params, count);
        if (o->last_norm > o->clip_norm)
            scale = o->clip_norm / (o->last_norm + 1e-12);
    }
    o->t++;
    const real sc = (real)scale;
    for (int k = 0; k < count; k++) {
        nninit_lab_param *p = &params[k];
        real *w = p->w, *g = p->g, *m = p->m, *v = p->v;
        size_t n = p->n;
        const double lrk = o->lr * (p->lr_mult > 0 ? p->lr_mult : 1);
        const real lr = (real)lrk;
        if (o->kind == NNINIT_LAB_SGD) {
            for (size_t i = 0; i < n; i++)
                w[i] -= lr * sc * g[i];
        } else if (o->kind == NNINIT_LAB_MOMENTUM) {
            const real mu = (real)o->momentum;
            for (size_t i = 0; i < n; i++) {
                m[i] = mu * m[i] + sc * g[i];
                w[i] -= lr * m[i];
            }
        } else {
            const real b1 = (real)o->beta1, b2 = (real)o->beta2;
            const double c1 = 1.0 - pow(o->beta1, (double)o->t);
            const double c2 = 1.0 - pow(o->beta2, (double)o->t);
            const real step = (real)(lrk / c1), rc2 = (real)(1.0 / c2);
            const real eps = (real)o->eps;
            for (size_t i = 0; i < n; i++) {
                real gi = sc * g[i];
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                w[i] -= step * m[i] / ((real)sqrt(v[i] * rc2) + eps);
            }
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Losses                                                                   */
/* ------------------------------------------------------------------------ */

double nninit_lab_softmax_xent(const real *logits, const int32_t *labels,
                               int batch, int classes, real *dlogits)
{
    double total = 0;
    int counted = 0;
    for (int b = 0; b < batch; b++)
        if (labels[b] >= 0 && labels[b] < classes)
            counted++;
    for (int b = 0; b < batch; b++) {
        const real *z = logits + (size_t)b * classes;
        real *dz = dlogits ? dlogits + (size_t)b * classes : NULL;
        int y = labels[b];
        if (y < 0 || y >= classes) {
            if (dz)
                memset(dz, 0, (size_t)classes * sizeof *dz);
            continue;
        }
        double mx = z[0];
        for (int c = 1; c < classes; c++)
            mx = z[c] > mx ? z[c] : mx;
        double se = 0;
        for (int c = 0; c < classes; c++)
            se += exp(z[c] - mx);
        double lse = mx + log(se);
        total += lse - z[y];
        if (dz) {
            double inv = 1.0 / counted;
            for (int c = 0; c < classes; c++)
                dz[c] = (real)((exp(z[c] - lse) - (c == y)) * inv);
        }
    }
    return counted ? total / counted : 0.0;
}

double nninit_lab_mse(const real *y, const real *t, size_t n, real *dy)
{
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)y[i] - t[i];
        ss += d * d;
        if (dy)
            dy[i] = (real)(2.0 * d / (double)n);
    }
    return n ? ss / (double)n : 0.0;
}

int nninit_lab_count_correct(const real *logits, const int32_t *labels,
                             int batch, int classes)
{
    int ok = 0;
    for (int b = 0; b < batch; b++) {
        const real *z = logits + (size_t)b * classes;
        int best = 0;
        for (int c = 1; c < classes; c++)
            if (z[c] > z[best])
                best = c;
        ok += best == labels[b];
    }
    return ok;
}
