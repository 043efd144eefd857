/*
 * gain.c: THE table of nonlinearities (each f, f', parameter, PyTorch's
 * gain) and the gains computed from it: PyTorch's calculate_gain, the
 * numeric variance-preserving gain 1/sqrt(E[f(z)^2]) and the edge-of-chaos
 * point. Expectations over z ~ N(0, 1) are adaptive Gauss-Kronrod
 * quadrature against the normal density, in plain libm.
 */
#include "init_internal.h"

#include <math.h>

/* ------------------------------------------------------------------------ */
/* The functions                                                            */
/* ------------------------------------------------------------------------ */

#define INV_SQRT2 0.70710678118654752440
#define INV_SQRT_2PI 0.39894228040143267794
#define SQRT_2_OVER_PI 0.79788456080286535588
/* Klambauer et al. 2017, the constants PyTorch, Keras and JAX use. */
#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_LAMBDA 1.0507009873554804934193349852946

static double sigmoid(double x)
{
    return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x));
}

/* log(1 + e^x) without overflow */
static double softplus1(double x)
{
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static double f_linear(double x, double p) { (void)p; return x; }
static double d_linear(double x, double p) { (void)x, (void)p; return 1; }
static double f_sigmoid(double x, double p) { (void)p; return sigmoid(x); }
static double d_sigmoid(double x, double p)
{
    (void)p;
    double s = sigmoid(x);
    return s * (1 - s);
}
static double f_tanh(double x, double p) { (void)p; return tanh(x); }
static double d_tanh(double x, double p)
{
    (void)p;
    double t = tanh(x);
    return 1 - t * t;
}
static double f_relu(double x, double p) { (void)p; return x > 0 ? x : 0; }
static double d_relu(double x, double p) { (void)p; return x > 0; }
static double f_leaky(double x, double p) { return x > 0 ? x : p * x; }
static double d_leaky(double x, double p) { return x > 0 ? 1 : p; }
static double f_selu(double x, double p)
{
    (void)p;
    return SELU_LAMBDA * (x > 0 ? x : SELU_ALPHA * expm1(x));
}
static double d_selu(double x, double p)
{
    (void)p;
    return SELU_LAMBDA * (x > 0 ? 1 : SELU_ALPHA * exp(x));
}
static double f_elu(double x, double p) { return x > 0 ? x : p * expm1(x); }
static double d_elu(double x, double p) { return x > 0 ? 1 : p * exp(x); }
static double f_celu(double x, double p)
{
    return x > 0 ? x : p * expm1(x / p);
}
static double d_celu(double x, double p) { return x > 0 ? 1 : exp(x / p); }
static double f_gelu(double x, double p)
{
    (void)p;
    return 0.5 * x * erfc(-x * INV_SQRT2); /* x Phi(x), exact in the tail */
}
static double d_gelu(double x, double p)
{
    (void)p;
    return 0.5 * erfc(-x * INV_SQRT2) + x * INV_SQRT_2PI * exp(-0.5 * x * x);
}
#define GELU_C 0.044715
static double f_gelu_tanh(double x, double p)
{
    (void)p;
    return 0.5 * x * (1 + tanh(SQRT_2_OVER_PI * (x + GELU_C * x * x * x)));
}
static double d_gelu_tanh(double x, double p)
{
    (void)p;
    double t = tanh(SQRT_2_OVER_PI * (x + GELU_C * x * x * x));
    return 0.5 * (1 + t) +
           0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_C * x * x);
}
static double f_silu(double x, double p) { (void)p; return x * sigmoid(x); }
static double d_silu(double x, double p)
{
    (void)p;
    double s = sigmoid(x);
    return s * (1 + x * (1 - s));
}
static double f_mish(double x, double p)
{
    (void)p;
    return x * tanh(softplus1(x));
}
static double d_mish(double x, double p)
{
    (void)p;
    double t = tanh(softplus1(x));
    return t + x * (1 - t * t) * sigmoid(x);
}
static double f_softplus(double x, double p) { return softplus1(p * x) / p; }
static double d_softplus(double x, double p) { return sigmoid(p * x); }
static double f_hardswish(double x, double p)
{
    (void)p;
    return x <= -3 ? 0 : x >= 3 ? x : x * (x + 3) / 6;
}
static double d_hardswish(double x, double p)
{
    (void)p;
    return x < -3 ? 0 : x > 3 ? 1 : (2 * x + 3) / 6;
}
static double f_softsign(double x, double p)
{
    (void)p;
    return x / (1 + fabs(x));
}
static double d_softsign(double x, double p)
{
    (void)p;
    double d = 1 + fabs(x);
    return 1 / (d * d);
}

typedef double (*act_fn)(double x, double p);

typedef struct {
    nninit_nonlinearity_info info;
    act_fn f, df;
    double torch_gain; /* PyTorch's constant (leaky_relu: computed) */
    double kink;       /* f' jumps at 0 and at +-kink (0: at 0 only) */
} nl_row;

#define SAME(x) NNINIT_NL_##x
#define LIN(x)                                                                 \
    [NNINIT_NL_##x] = {{"x", NULL, NAN, 1, 0, SAME(LINEAR)},                   \
                       f_linear, d_linear, 1, 0}

static const nl_row rows[NNINIT_NL_COUNT] = {
    LIN(LINEAR), LIN(IDENTITY), LIN(CONV1D), LIN(CONV2D), LIN(CONV3D),
    LIN(CONV_TRANSPOSE1D), LIN(CONV_TRANSPOSE2D), LIN(CONV_TRANSPOSE3D),
    [NNINIT_NL_SIGMOID] = {{"1/(1+exp(-x))", NULL, NAN, 1, 1, SAME(SIGMOID)},
                           f_sigmoid, d_sigmoid, 1, 0},
    [NNINIT_NL_TANH] = {{"tanh(x)", NULL, NAN, 1, 1, SAME(TANH)},
                        f_tanh, d_tanh, 5.0 / 3, 0},
    [NNINIT_NL_RELU] = {{"max(x, 0)", NULL, NAN, 1, 0, SAME(RELU)},
                        f_relu, d_relu, 1.4142135623730951, 0},
    [NNINIT_NL_LEAKY_RELU] = {{"x if x > 0 else negative_slope*x",
                               "negative_slope", 0.01, 1, 0, SAME(LEAKY_RELU)},
                              f_leaky, d_leaky, NAN, 0},
    [NNINIT_NL_SELU] = {{"scale*(x if x > 0 else alpha*(exp(x)-1)), "
                         "Klambauer's constants",
                         NULL, NAN, 1, 0, SAME(SELU)},
                        f_selu, d_selu, 3.0 / 4, 0},
    [NNINIT_NL_ELU] = {{"x if x > 0 else alpha*(exp(x)-1)", "alpha", 1.0, 0, 0,
                        SAME(ELU)},
                       f_elu, d_elu, NAN, 0},
    [NNINIT_NL_CELU] = {{"x if x > 0 else alpha*(exp(x/alpha)-1)", "alpha",
                         1.0, 0, 0, SAME(CELU)},
                        f_celu, d_celu, NAN, 0},
    [NNINIT_NL_GELU] = {{"x*Phi(x), Phi the normal CDF", NULL, NAN, 0, 0,
                         SAME(GELU)},
                        f_gelu, d_gelu, NAN, 0},
    [NNINIT_NL_GELU_TANH] = {{"x/2*(1+tanh(sqrt(2/pi)*(x+0.044715*x^3)))",
                              NULL, NAN, 0, 0, SAME(GELU_TANH)},
                             f_gelu_tanh, d_gelu_tanh, NAN, 0},
    [NNINIT_NL_SILU] = {{"x*sigmoid(x)", NULL, NAN, 0, 0, SAME(SILU)},
                        f_silu, d_silu, NAN, 0},
    [NNINIT_NL_MISH] = {{"x*tanh(softplus(x))", NULL, NAN, 0, 0, SAME(MISH)},
                        f_mish, d_mish, NAN, 0},
    [NNINIT_NL_SOFTPLUS] = {{"log(1+exp(beta*x))/beta", "beta", 1.0, 0, 0,
                             SAME(SOFTPLUS)},
                            f_softplus, d_softplus, NAN, 0},
    [NNINIT_NL_HARDSWISH] = {{"x*min(max(x+3, 0), 6)/6", NULL, NAN, 0, 0,
                              SAME(HARDSWISH)},
                             f_hardswish, d_hardswish, NAN, 3},
    [NNINIT_NL_SOFTSIGN] = {{"x/(1+abs(x))", NULL, NAN, 0, 1, SAME(SOFTSIGN)},
                            f_softsign, d_softsign, NAN, 0},
};
#undef LIN
#undef SAME

const nninit_nonlinearity_info *
nninit_nonlinearity_info_get(nninit_nonlinearity nl)
{
    return (unsigned)nl < NNINIT_NL_COUNT ? &rows[nl].info : NULL;
}

/* The row of nl and the parameter to use (NAN: the default), or
 * NNINIT_EINVAL. */
static int row_of(nninit_nonlinearity nl, double in, const nl_row **row,
                  double *p, nninit_error *err)
{
    *row = NULL;
    *p = NAN;
    if ((unsigned)nl >= NNINIT_NL_COUNT)
        return nninit__fail(err, NNINIT_EINVAL, "unknown nonlinearity %d",
                            (int)nl);
    const nninit_nonlinearity_info *i = &rows[nl].info;
    *row = &rows[nl];
    *p = i->param && !isnan(in) ? in : i->param_default;
    if (i->param && !nninit__finite(*p))
        return nninit__fail(err, NNINIT_EINVAL, "%s must be finite (got %g)",
                            nl == NNINIT_NL_LEAKY_RELU ? "negative slope"
                                                       : i->param,
                            *p);
    if ((nl == NNINIT_NL_CELU || nl == NNINIT_NL_SOFTPLUS) && !(*p > 0))
        return nninit__fail(err, NNINIT_EINVAL, "%s's %s must be > 0 (got %g)",
                            nninit_nonlinearity_name(nl), i->param, *p);
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* E[g(z)], z ~ N(0, 1), by adaptive Gauss-Kronrod quadrature               */
/* ------------------------------------------------------------------------ */

/* The 15-point Kronrod extension of the 7-point Gauss rule on [-1, 1]
 * (QUADPACK's qk15): nodes xk[0..7] (xk[1], xk[3], xk[5], xk[7] are the
 * Gauss nodes), Kronrod weights wk, Gauss weights wg. */
static const double xk[8] = {
    0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
    0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
    0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
    0.207784955007898467600689403773245, 0.0};
static const double wk[8] = {
    0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
    0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
    0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
    0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
static const double wg[4] = {
    0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
    0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

/* What is integrated: g(sqrt(q) z)^2 phi(z), g = f or f'. */
typedef struct {
    act_fn g;
    double p, sq;
} integrand;

static double at(const integrand *in, double z)
{
    double v = in->g(in->sq * z, in->p);
    return v * v * INV_SQRT_2PI * exp(-0.5 * z * z);
}

#define REL_TOL 1e-13
#define MAX_DEPTH 40

/* Integral over [a, b]: accept K15 where it agrees with G7 to the
 * tolerance, else halve. `tol` is absolute, set from a first estimate of
 * the whole so every piece aims at the same accuracy. */
static double gk(const integrand *in, double a, double b, double tol,
                 int depth)
{
    double c = 0.5 * (a + b), h = 0.5 * (b - a);
    double fc = at(in, c);
    double k = wk[7] * fc, g = wg[3] * fc;
    for (int j = 0; j < 7; j++) {
        double s = at(in, c - h * xk[j]) + at(in, c + h * xk[j]);
        k += wk[j] * s;
        if (j & 1)
            g += wg[j / 2] * s;
    }
    k *= h;
    g *= h;
    /* the tolerance, or as close as rounding lets K15 and G7 agree */
    if (fabs(k - g) <= tol || fabs(k - g) <= 1e-15 * fabs(k) ||
        depth >= MAX_DEPTH)
        return k;
    return gk(in, a, c, tol / 2, depth + 1) + gk(in, c, b, tol / 2, depth + 1);
}

/* Beyond |z| = 14 the normal density is below 1e-42: nothing these
 * functions (at most linear growth) add there shows in a double. */
#define Z_MAX 14.0

/* E[g(sqrt(q) z)^2] over the pieces between the points where g jumps. */
static double expect_sq(act_fn g, double p, double q, double kink)
{
    integrand in = {g, p, sqrt(q)};
    double cut[5], *c = cut;
    *c++ = -Z_MAX;
    if (kink > 0 && kink / in.sq < Z_MAX)
        *c++ = -kink / in.sq;
    *c++ = 0;
    if (kink > 0 && kink / in.sq < Z_MAX)
        *c++ = kink / in.sq;
    *c++ = Z_MAX;
    int n = (int)(c - cut);
    double rough = 0;
    for (int i = 0; i + 1 < n; i++)
        rough += gk(&in, cut[i], cut[i + 1], INFINITY, MAX_DEPTH);
    double tol = REL_TOL * fabs(rough) / (n - 1);
    double sum = 0;
    for (int i = 0; i + 1 < n; i++)
        sum += gk(&in, cut[i], cut[i + 1], tol > 0 ? tol : 1e-300, 0);
    return sum;
}

/* ------------------------------------------------------------------------ */
/* Gains                                                                    */
/* ------------------------------------------------------------------------ */

/* PyTorch's constant where it has one (unless numeric), else the numeric
 * gain. */
static int gain_of(nninit_nonlinearity nl, double param, int numeric,
                   double *gain, nninit_error *err)
{
    const nl_row *row;
    double p;
    int rc = row_of(nl, param, &row, &p, err);
    if (rc)
        return rc;
    if (numeric || !row->info.torch)
        *gain = 1 / sqrt(expect_sq(row->f, p, 1.0, row->kink));
    else if (nl == NNINIT_NL_LEAKY_RELU) /* sqrt(2.0 / (1 + slope ** 2)) */
        *gain = sqrt(2.0 / (1 + p * p));
    else
        *gain = row->torch_gain;
    return NNINIT_OK;
}

int nninit_gain(nninit_nonlinearity nl, double param, double *gain,
                nninit_error *err)
{
    return gain_of(nl, param, 0, gain, err);
}

int nninit_gain_numeric(nninit_nonlinearity nl, double param, double *gain,
                        nninit_error *err)
{
    return gain_of(nl, param, 1, gain, err);
}

int nninit_gain_critical(nninit_nonlinearity nl, double param,
                         double sigma_b, double *sigma_w, double *q_star,
                         nninit_error *err)
{
    const nl_row *row;
    double p;
    int rc = row_of(nl, param, &row, &p, err);
    if (rc)
        return rc;
    if (!row->info.bounded)
        return nninit__fail(err, NNINIT_EINVAL,
                            "the critical point needs a bounded "
                            "nonlinearity such as tanh, sigmoid or softsign "
                            "(%s is not)", nninit_nonlinearity_name(nl));
    if (!nninit__finite(sigma_b) || sigma_b < 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "sigma_b must be finite and >= 0 (got %g)",
                            sigma_b);
    const double f0 = row->f(0, p), d0 = row->df(0, p), vb = sigma_b * sigma_b;
    double q = 0;
    if (vb > 0 || f0 != 0) {
        /* h(q) = sigma_b^2 + E[f^2]/E[f'^2] - q: the variance map's
         * fixed-point equation with sigma_w^2 = 1/E[f'^2] put in. h(0+) =
         * sigma_b^2 + f(0)^2/f'(0)^2 > 0, and for bounded f, E[f'^2] falls
         * like 1/sqrt(q), so h goes to -inf: bracket the root, bisect. */
#define H(q)                                                                   \
    (vb + expect_sq(row->f, p, q, row->kink) /                                 \
              expect_sq(row->df, p, q, row->kink) -                            \
     (q))
        double lo = 0, hi = vb + f0 * f0 / (d0 * d0) + 1;
        for (int i = 0; H(hi) >= 0; i++) {
            if (i == 60)
                return nninit__fail(err, NNINIT_EINVAL,
                                    "no critical point found for %s",
                                    nninit_nonlinearity_name(nl));
            lo = hi;
            hi *= 2;
        }
        for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
            double mid = 0.5 * (lo + hi);
            if (H(mid) >= 0)
                lo = mid;
            else
                hi = mid;
        }
#undef H
        q = 0.5 * (lo + hi);
    }
    *q_star = q;
    *sigma_w = q > 0 ? 1 / sqrt(expect_sq(row->df, p, q, row->kink))
                     : 1 / fabs(d0);
    return NNINIT_OK;
}
