/*
 * tour.c: the tour `nninit demo` runs: ONE table of sections, each an
 * experiment's settings at three scales and the number of seeds it is
 * decided over, and of the claims each section decides: the sentence, the
 * thresholds, the predicate (a judge function reading per-seed metrics)
 * and the prose, generated from the settings and thresholds it describes.
 * `nninit demo`, `nninit lab NAME --claims` and the tests all read this
 * table; nothing here is restated elsewhere.
 *
 * Robustness: the verdicts must come out the same on any x86-64 machine,
 * thread count and BLAS kernel set, while trained results differ in their
 * last bits (and then in their trajectories) with OpenBLAS's kernels. So
 * every claim is either about initialization itself (deterministic up to
 * rounding, with margins of orders of magnitude) or decided over several
 * seeds, per seed with a threshold well away from what is measured, and
 * counted. Thresholds on deep networks are per layer, so they mean the
 * same at every scale.
 */
#include "lab_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_METRICS = 24 };

/* What a judge reads: the first seed's settings and each seed's metrics. */
typedef struct tour_ctx {
    const nninit_lab_any_opts *o;
    nninit_lab_scale scale;
    int n;                                  /* seeds */
    double m[NNINIT_LAB_MAX_SEEDS][MAX_METRICS];
} tour_ctx;

typedef struct claim_row claim_row;
struct claim_row {
    const char *id;
    const char *claim; /* the sentence (settings-free) */
    double t[4];       /* the thresholds, used by judge and prose alike */
    void (*judge)(const claim_row *row, const tour_ctx *x,
                  nninit_lab_verdict *v);
    const char *why; /* printed when it does not hold */
};

typedef struct section_row {
    const char *id;
    nninit_lab_experiment exp;
    const char *title;
    int seeds[3]; /* full, quick, tiny */
    void (*settings)(nninit_lab_any_opts *o, nninit_lab_scale s);
    void (*setup)(const nninit_lab_any_opts *o, char *buf, size_t n);
    void (*measure)(const nninit_lab_any_opts *o,
                    const nninit_lab_any_result *r, double *m);
    int n_claims;
    claim_row claims[NNINIT_LAB_MAX_CLAIMS];
} section_row;

/* ------------------------------------------------------------------------ */
/* Helpers for judges                                                       */
/* ------------------------------------------------------------------------ */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void put(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

/* Append to a NUL-terminated buffer. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void add(char *buf, size_t n, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, n - len, fmt, ap);
    va_end(ap);
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* Metric k over the seeds: min, median, max (NaN sorts as missing). */
typedef struct spread {
    double min, med, max;
} spread;

static spread spread_of(const tour_ctx *x, int k)
{
    double v[NNINIT_LAB_MAX_SEEDS];
    int n = 0;
    for (int s = 0; s < x->n; s++)
        if (!isnan(x->m[s][k]))
            v[n++] = x->m[s][k];
    spread r = {NAN, NAN, NAN};
    if (!n)
        return r;
    qsort(v, (size_t)n, sizeof *v, dcmp);
    r.min = v[0];
    r.max = v[n - 1];
    r.med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    return r;
}

/* "median 0.31 (0.21..0.46 over 10 seeds)" */
static void add_spread(char *buf, size_t n, const tour_ctx *x, int k,
                       const char *fmt)
{
    spread s = spread_of(x, k);
    char a[32], b[32], c[32];
    snprintf(a, sizeof a, fmt, s.med);
    snprintf(b, sizeof b, fmt, s.min);
    snprintf(c, sizeof c, fmt, s.max);
    if (x->n == 1)
        add(buf, n, "%s", a);
    else
        add(buf, n, "median %s (%s..%s over %d seeds)", a, b, c, x->n);
}

/* The verdict's per-seed column: metric k. */
static void per_seed(nninit_lab_verdict *v, const tour_ctx *x, int k,
                     const char *metric)
{
    snprintf(v->metric, sizeof v->metric, "%s", metric);
    v->n_seeds = x->n;
    for (int s = 0; s < x->n; s++)
        v->per_seed[s] = x->m[s][k];
}

/* At least `frac` of the seeds (rounded up), as a count. */
static int need_of(int n, double frac)
{
    int k = (int)ceil(frac * n - 1e-9);
    return k < 1 ? 1 : k;
}

/* The average factor per layer from layer 1 to layer D: (b/a)^(1/(D-1)). */
static double per_layer(double a, double b, int D)
{
    if (D < 2 || !(a > 0) || !(b >= 0))
        return NAN;
    return pow(b / a, 1.0 / (D - 1));
}

/* ------------------------------------------------------------------------ */
/* symmetry                                                                 */
/* ------------------------------------------------------------------------ */

enum { SY_ZERO, SY_CONST, SY_RULE_MIN, SY_WIDTH, SY_ACC0, SY_ACCC, SY_ACCR,
       SY_GAP };

static void symmetry_settings(nninit_lab_any_opts *a, nninit_lab_scale s)
{
    nninit_lab_symmetry_opts *o = &a->symmetry;
    o->n_train = s == NNINIT_LAB_FULL ? 5000 : s == NNINIT_LAB_QUICK ? 2000 : 300;
    o->n_test = s == NNINIT_LAB_TINY ? 100 : 1000;
    o->epochs = s == NNINIT_LAB_FULL ? 2 : 1;
    if (s == NNINIT_LAB_TINY)
        o->width = 8;
}

static void symmetry_setup(const nninit_lab_any_opts *a, char *buf, size_t n)
{
    const nninit_lab_symmetry_opts *o = &a->symmetry;
    const int fm = o->c.fashion;
    put(buf, n,
        "An MLP %d", fm ? 784 : 2);
    for (int k = 0; k < o->hidden_layers; k++)
        add(buf, n, "-%d", o->width);
    add(buf, n,
        "-%d (%s) trained %d epoch%s (SGD, momentum 0.9, lr %g, batch %d) on "
        "%d %s from zeros, from a constant %g and from the rule (He). Units "
        "whose incoming weights stay equal (within 1e-4 of the largest) count "
        "once.",
        fm ? 10 : 3, nninit_activation_name(o->act), o->epochs,
        o->epochs > 1 ? "s" : "", o->lr, o->batch, o->n_train,
        fm ? "Fashion-MNIST images" : "spiral points", o->inits[1].spec.value);
}

static void symmetry_measure(const nninit_lab_any_opts *a,
                             const nninit_lab_any_result *res, double *m)
{
    const nninit_lab_symmetry_result *r = &res->symmetry;
    (void)a;
    int z = 0, c = 0, rmin = 1 << 30;
    for (int k = 0; k < r->runs[0].n_hidden; k++) {
        z = r->runs[0].distinct_units[k] > z ? r->runs[0].distinct_units[k] : z;
        c = r->runs[1].distinct_units[k] > c ? r->runs[1].distinct_units[k] : c;
        rmin = r->runs[2].distinct_units[k] < rmin
                   ? r->runs[2].distinct_units[k]
                   : rmin;
    }
    m[SY_ZERO] = z;
    m[SY_CONST] = c;
    m[SY_RULE_MIN] = rmin;
    m[SY_WIDTH] = r->width;
    m[SY_ACC0] = r->runs[0].test_accuracy;
    m[SY_ACCC] = r->runs[1].test_accuracy;
    m[SY_ACCR] = r->runs[2].test_accuracy;
    m[SY_GAP] = m[SY_ACCR] - fmax(m[SY_ACC0], m[SY_ACCC]);
}

static void judge_symmetry_never(const claim_row *row, const tour_ctx *x,
                                 nninit_lab_verdict *v)
{
    (void)row;
    int ok = 0;
    for (int s = 0; s < x->n; s++)
        ok += x->m[s][SY_ZERO] == 1 && x->m[s][SY_CONST] == 1;
    v->holds = ok == x->n;
    put(v->predicted, sizeof v->predicted,
        "1 distinct unit in every hidden layer under zeros and under the "
        "constant, in every seed");
    put(v->measured, sizeof v->measured,
        "most distinct units in a hidden layer (of %g): zeros ",
        x->m[0][SY_WIDTH]);
    add_spread(v->measured, sizeof v->measured, x, SY_ZERO, "%.0f");
    add(v->measured, sizeof v->measured, ", constant ");
    add_spread(v->measured, sizeof v->measured, x, SY_CONST, "%.0f");
    per_seed(v, x, SY_CONST, "distinct units (constant init)");
}

static void judge_symmetry_random(const claim_row *row, const tour_ctx *x,
                                  nninit_lab_verdict *v)
{
    int ok = 0;
    for (int s = 0; s < x->n; s++)
        ok += x->m[s][SY_RULE_MIN] == x->m[s][SY_WIDTH] &&
              x->m[s][SY_GAP] >= row->t[0];
    v->holds = ok == x->n;
    put(v->predicted, sizeof v->predicted,
        "every unit distinct under the rule, and its test accuracy at least "
        "%.0f points above the 1-unit nets', in every seed",
        100 * row->t[0]);
    put(v->measured, sizeof v->measured, "fewest distinct units (of %g): ",
        x->m[0][SY_WIDTH]);
    add_spread(v->measured, sizeof v->measured, x, SY_RULE_MIN, "%.0f");
    add(v->measured, sizeof v->measured, "; test accuracy: rule ");
    add_spread(v->measured, sizeof v->measured, x, SY_ACCR, "%.3f");
    add(v->measured, sizeof v->measured, ", zeros ");
    add_spread(v->measured, sizeof v->measured, x, SY_ACC0, "%.3f");
    add(v->measured, sizeof v->measured, ", constant ");
    add_spread(v->measured, sizeof v->measured, x, SY_ACCC, "%.3f");
    per_seed(v, x, SY_GAP, "accuracy gain of the rule over the best 1-unit net");
}

/* ------------------------------------------------------------------------ */
/* signal                                                                   */
/* ------------------------------------------------------------------------ */

/* per-layer factors: activation std (A) and back-propagated gradient (G,
 * from the last layer down to the first) */
enum { SG_SMALL_T, SG_SMALL_R, SG_LARGE_R_A, SG_LARGE_T_G, SG_XAV_T_A,
       SG_XAV_T_G, SG_RULE_T_A, SG_RULE_T_G, SG_HE_R_A, SG_HE_R_G,
       SG_XAV_R_A, SG_TANH_WORST, SG_HE_WORST };

static void signal_settings(nninit_lab_any_opts *a, nninit_lab_scale s)
{
    nninit_lab_signal_opts *o = &a->signal;
    if (s == NNINIT_LAB_QUICK)
        o->batch = 64;
    if (s == NNINIT_LAB_TINY) {
        o->depth = 6;
        o->width = 32;
        o->batch = 16;
    }
}

static void signal_setup(const nninit_lab_any_opts *a, char *buf, size_t n)
{
    const nninit_lab_signal_opts *o = &a->signal;
    put(buf, n,
        "A %d-layer MLP of width %d at initialization, one batch of %d %s "
        "forward and backward (Glorot & Bengio 2010), tanh and ReLU, weights "
        "U(-0.01, 0.01) (small), N(0, 1) (large), Xavier, He and the rule. "
        "The tables give the std per layer; the claims use per-layer factors: "
        "how much the std of the activations changes from one layer to the "
        "next, on average from layer 1 to layer %d, and the same for the "
        "back-propagated gradients from layer %d down to layer 1 (1: alive; "
        "below 1: vanishing; above 1: exploding).",
        o->depth, o->width, o->batch,
        o->c.fashion ? "Fashion-MNIST images" : "N(0, 1) inputs", o->depth,
        o->depth);
}

static const nninit_lab_signal_run *sig_find(const nninit_lab_signal_result *r,
                                             nninit_activation act,
                                             const char *init)
{
    for (int i = 0; i < r->n_runs; i++)
        if (r->runs[i].act == act &&
            !strncmp(r->runs[i].init, init, strlen(init)))
            return &r->runs[i];
    return NULL;
}

static void signal_measure(const nninit_lab_any_opts *a,
                           const nninit_lab_any_result *res, double *m)
{
    const nninit_lab_signal_result *r = &res->signal;
    const int D = a->signal.depth;
    const nninit_activation T = NNINIT_ACT_TANH, R = NNINIT_ACT_RELU;
#define SG_A(u) ((u) ? per_layer((u)->act_std[0], (u)->act_std[D - 1], D) : NAN)
#define SG_G(u) ((u) ? per_layer((u)->grad_std[D - 1], (u)->grad_std[0], D) : NAN)
    m[SG_SMALL_T] = SG_A(sig_find(r, T, "uniform"));
    m[SG_SMALL_R] = SG_A(sig_find(r, R, "uniform"));
    m[SG_LARGE_R_A] = SG_A(sig_find(r, R, "normal"));
    m[SG_LARGE_T_G] = SG_G(sig_find(r, T, "normal"));
    m[SG_XAV_T_A] = SG_A(sig_find(r, T, "xavier"));
    m[SG_XAV_T_G] = SG_G(sig_find(r, T, "xavier"));
    m[SG_RULE_T_A] = SG_A(sig_find(r, T, "rule"));
    m[SG_RULE_T_G] = SG_G(sig_find(r, T, "rule"));
    m[SG_HE_R_A] = SG_A(sig_find(r, R, "kaiming"));
    m[SG_HE_R_G] = SG_G(sig_find(r, R, "kaiming"));
    m[SG_XAV_R_A] = SG_A(sig_find(r, R, "xavier"));
#undef SG_A
#undef SG_G
    /* the factor farthest from 1 (in ratio) among the "alive" ones */
    double tw = 1, hw = 1;
    for (int k = SG_XAV_T_A; k <= SG_RULE_T_G; k++)
        tw = fabs(log(m[k])) > fabs(log(tw)) ? m[k] : tw;
    for (int k = SG_HE_R_A; k <= SG_HE_R_G; k++)
        hw = fabs(log(m[k])) > fabs(log(hw)) ? m[k] : hw;
    m[SG_TANH_WORST] = tw;
    m[SG_HE_WORST] = hw;
}

/* Every seed has metric k in [lo, hi] (NaN fails). */
static int all_in(const tour_ctx *x, int k, double lo, double hi)
{
    for (int s = 0; s < x->n; s++)
        if (!(x->m[s][k] >= lo && x->m[s][k] <= hi))
            return 0;
    return 1;
}

static void judge_signal_small(const claim_row *row, const tour_ctx *x,
                               nninit_lab_verdict *v)
{
    v->holds = all_in(x, SG_SMALL_T, 0, row->t[0]) &&
               all_in(x, SG_SMALL_R, 0, row->t[0]);
    put(v->predicted, sizeof v->predicted,
        "U(-0.01, 0.01): the activation std shrinks by a factor of at most "
        "%g per layer (tanh and ReLU), in every seed",
        row->t[0]);
    put(v->measured, sizeof v->measured, "per-layer factor: tanh ");
    add_spread(v->measured, sizeof v->measured, x, SG_SMALL_T, "%.3g");
    add(v->measured, sizeof v->measured, ", relu ");
    add_spread(v->measured, sizeof v->measured, x, SG_SMALL_R, "%.3g");
    per_seed(v, x, SG_SMALL_R, "activation factor per layer (relu, small)");
}

static void judge_signal_large(const claim_row *row, const tour_ctx *x,
                               nninit_lab_verdict *v)
{
    v->holds = all_in(x, SG_LARGE_R_A, row->t[0], INFINITY) &&
               all_in(x, SG_LARGE_T_G, row->t[1], INFINITY);
    put(v->predicted, sizeof v->predicted,
        "N(0, 1): ReLU activations grow by at least %gx per layer; tanh "
        "saturates, so its back-propagated gradients grow by at least %gx per "
        "layer instead, in every seed",
        row->t[0], row->t[1]);
    put(v->measured, sizeof v->measured, "per-layer factor: relu activations ");
    add_spread(v->measured, sizeof v->measured, x, SG_LARGE_R_A, "%.3g");
    add(v->measured, sizeof v->measured, ", tanh gradients ");
    add_spread(v->measured, sizeof v->measured, x, SG_LARGE_T_G, "%.3g");
    per_seed(v, x, SG_LARGE_T_G, "gradient factor per layer (tanh, large)");
}

static void judge_signal_xavier(const claim_row *row, const tour_ctx *x,
                                nninit_lab_verdict *v)
{
    v->holds = 1;
    for (int k = SG_XAV_T_A; k <= SG_RULE_T_G; k++)
        v->holds &= all_in(x, k, 1 / row->t[0], row->t[0]);
    put(v->predicted, sizeof v->predicted,
        "Xavier (gain 1) and the rule (Xavier with tanh's gain 5/3): "
        "activations and gradients change by less than %gx per layer "
        "either way, in every seed",
        row->t[0]);
    put(v->measured, sizeof v->measured, "per-layer factors: Xavier act ");
    add_spread(v->measured, sizeof v->measured, x, SG_XAV_T_A, "%.3f");
    add(v->measured, sizeof v->measured, ", grad ");
    add_spread(v->measured, sizeof v->measured, x, SG_XAV_T_G, "%.3f");
    add(v->measured, sizeof v->measured, "; rule act ");
    add_spread(v->measured, sizeof v->measured, x, SG_RULE_T_A, "%.3f");
    add(v->measured, sizeof v->measured, ", grad ");
    add_spread(v->measured, sizeof v->measured, x, SG_RULE_T_G, "%.3f");
    per_seed(v, x, SG_TANH_WORST, "factor farthest from 1 (tanh)");
}

static void judge_signal_he(const claim_row *row, const tour_ctx *x,
                            nninit_lab_verdict *v)
{
    v->holds = all_in(x, SG_HE_R_A, 1 / row->t[0], row->t[0]) &&
               all_in(x, SG_HE_R_G, 1 / row->t[0], row->t[0]) &&
               all_in(x, SG_XAV_R_A, 0, row->t[1]);
    put(v->predicted, sizeof v->predicted,
        "He: activations and gradients change by less than %gx per layer; "
        "Xavier halves the variance at every ReLU layer, so its activation "
        "std shrinks to at most %g per layer (theory: 1/sqrt(2) = 0.707), in "
        "every seed",
        row->t[0], row->t[1]);
    put(v->measured, sizeof v->measured, "per-layer factors: He act ");
    add_spread(v->measured, sizeof v->measured, x, SG_HE_R_A, "%.3f");
    add(v->measured, sizeof v->measured, ", grad ");
    add_spread(v->measured, sizeof v->measured, x, SG_HE_R_G, "%.3f");
    add(v->measured, sizeof v->measured, "; Xavier act ");
    add_spread(v->measured, sizeof v->measured, x, SG_XAV_R_A, "%.3f");
    per_seed(v, x, SG_XAV_R_A, "activation factor per layer (relu, Xavier)");
}

/* ------------------------------------------------------------------------ */
/* depth                                                                    */
/* ------------------------------------------------------------------------ */

/* the first run (Xavier; in the lsuv section orthogonal) and the second
 * (He; LSUV) */
enum { DP_XAV, DP_HE, DP_CHANCE, DP_XAV_GAP, DP_HE_GAP, DP_ACCX, DP_ACCH };

static void depth_settings(nninit_lab_any_opts *a, nninit_lab_scale s)
{
    nninit_lab_depth_opts *o = &a->depth;
    o->steps = s == NNINIT_LAB_FULL ? 400 : 300;
    o->log_every = 20;
    if (s == NNINIT_LAB_TINY) {
        o->depth = 6;
        o->width = 16;
        o->steps = 20;
        o->log_every = 5;
        o->n_train = 300;
        o->n_test = 100;
    }
}

static void depth_setup(const nninit_lab_any_opts *a, char *buf, size_t n)
{
    const nninit_lab_depth_opts *o = &a->depth;
    put(buf, n,
        "He et al. 2015, Figure 3, on %s: a %d-layer %s MLP (width %d), %d "
        "steps of SGD with momentum 0.9, lr %g, batch %d, from Xavier and "
        "from He (kaiming_normal).",
        o->c.fashion ? "Fashion-MNIST" : "the spirals", o->depth,
        nninit_activation_name(o->act), o->width, o->steps, o->lr, o->batch);
}

static void depth_measure(const nninit_lab_any_opts *a,
                          const nninit_lab_any_result *res, double *m)
{
    const nninit_lab_depth_result *r = &res->depth;
    m[DP_XAV] = r->runs[0].final_train_loss;
    m[DP_HE] = r->runs[1].final_train_loss;
    m[DP_CHANCE] = log(a->depth.c.fashion ? 10.0 : 3.0);
    m[DP_XAV_GAP] = fabs(m[DP_XAV] - m[DP_CHANCE]);
    m[DP_HE_GAP] = m[DP_CHANCE] - m[DP_HE];
    m[DP_ACCX] = r->runs[0].test_accuracy;
    m[DP_ACCH] = r->runs[1].test_accuracy;
}

/* The first run stalls near chance, the second trains well below it
 * (depth_measure's metrics): He vs Xavier, LSUV vs its orthogonal start. */
static void judge_stall_train(const claim_row *row, const tour_ctx *x,
                              nninit_lab_verdict *v, const char *stall,
                              const char *stall_why, const char *train)
{
    v->holds = all_in(x, DP_XAV_GAP, 0, row->t[0]) &&
               all_in(x, DP_HE_GAP, row->t[1], INFINITY);
    put(v->predicted, sizeof v->predicted,
        "%s's final loss within %g of chance (ln %d = %.3f)%s; %s's at least "
        "%g below it, in every seed",
        stall, row->t[0], x->o->depth.c.fashion ? 10 : 3, x->m[0][DP_CHANCE],
        stall_why, train, row->t[1]);
    put(v->measured, sizeof v->measured, "final training loss: %s ", stall);
    add_spread(v->measured, sizeof v->measured, x, DP_XAV, "%.3f");
    add(v->measured, sizeof v->measured, ", %s ", train);
    add_spread(v->measured, sizeof v->measured, x, DP_HE, "%.3f");
    add(v->measured, sizeof v->measured, "; test accuracy %s ", stall);
    add_spread(v->measured, sizeof v->measured, x, DP_ACCX, "%.3f");
    add(v->measured, sizeof v->measured, ", %s ", train);
    add_spread(v->measured, sizeof v->measured, x, DP_ACCH, "%.3f");
    char metric[64];
    snprintf(metric, sizeof metric, "how far %s's loss is below chance",
             train);
    per_seed(v, x, DP_HE_GAP, metric);
}

static void judge_depth(const claim_row *row, const tour_ctx *x,
                        nninit_lab_verdict *v)
{
    judge_stall_train(row, x, v, "Xavier", "", "He");
}

/* ------------------------------------------------------------------------ */
/* selu                                                                     */
/* ------------------------------------------------------------------------ */

enum { SE_MEAN, SE_VMIN, SE_VMAX, SE_HE, SE_SMALL };

static void selu_settings(nninit_lab_any_opts *a, nninit_lab_scale s)
{
    nninit_lab_selu_opts *o = &a->selu;
    if (s == NNINIT_LAB_QUICK)
        o->batch = 128;
    if (s == NNINIT_LAB_TINY) {
        o->depth = 8;
        o->width = 32;
        o->batch = 16;
    }
}

static void selu_setup(const nninit_lab_any_opts *a, char *buf, size_t n)
{
    const nninit_lab_selu_opts *o = &a->selu;
    put(buf, n,
        "A batch of %d N(0, 1) inputs through %d SELU layers of width %d "
        "(Klambauer et al. 2017), weights LeCun normal, Xavier, He and "
        "U(-0.01, 0.01). On square layers Xavier has LeCun's variance "
        "(2/(n+n) = 1/n), so it is expected to behave alike; He doubles it.",
        o->batch, o->depth, o->width);
}

static void selu_measure(const nninit_lab_any_opts *a,
                         const nninit_lab_any_result *res, double *m)
{
    const nninit_lab_selu_result *r = &res->selu;
    const int D = a->selu.depth;
    double mm = 0, vmin = INFINITY, vmax = 0;
    for (int k = 0; k < D; k++) {
        mm = fmax(mm, fabs(r->runs[0].mean[k]));
        vmin = fmin(vmin, r->runs[0].var[k]);
        vmax = fmax(vmax, r->runs[0].var[k]);
    }
    m[SE_MEAN] = mm;
    m[SE_VMIN] = vmin;
    m[SE_VMAX] = vmax;
    m[SE_HE] = per_layer(r->runs[2].var[0], r->runs[2].var[D - 1], D);
    m[SE_SMALL] = per_layer(r->runs[3].var[0], r->runs[3].var[D - 1], D);
}

static void judge_selu(const claim_row *row, const tour_ctx *x,
                       nninit_lab_verdict *v)
{
    v->holds = all_in(x, SE_MEAN, 0, row->t[0]) &&
               all_in(x, SE_VMIN, row->t[1], INFINITY) &&
               all_in(x, SE_VMAX, 0, row->t[2]) &&
               all_in(x, SE_HE, row->t[3], INFINITY) &&
               all_in(x, SE_SMALL, 0, 1 / row->t[3]);
    put(v->predicted, sizeof v->predicted,
        "LeCun normal, all %d layers: |mean| <= %g, variance in [%g, %g] "
        "(Theorem 1's box); He's variance grows and U(-0.01, 0.01)'s shrinks "
        "by at least %gx per layer; in every seed",
        x->o->selu.depth, row->t[0], row->t[1], row->t[2], row->t[3]);
    put(v->measured, sizeof v->measured, "LeCun: max |mean| ");
    add_spread(v->measured, sizeof v->measured, x, SE_MEAN, "%.3f");
    add(v->measured, sizeof v->measured, ", variance from ");
    add_spread(v->measured, sizeof v->measured, x, SE_VMIN, "%.3f");
    add(v->measured, sizeof v->measured, " to ");
    add_spread(v->measured, sizeof v->measured, x, SE_VMAX, "%.3f");
    add(v->measured, sizeof v->measured, "; variance factor per layer: He ");
    add_spread(v->measured, sizeof v->measured, x, SE_HE, "%.3f");
    add(v->measured, sizeof v->measured, ", small ");
    add_spread(v->measured, sizeof v->measured, x, SE_SMALL, "%.3g");
    per_seed(v, x, SE_VMAX, "largest variance under LeCun normal");
}

/* ------------------------------------------------------------------------ */
/* isometry                                                                 */
/* ------------------------------------------------------------------------ */

/* orthogonal's largest |s - 1| (linear and rnn); per-layer growth of the
 * condition number (cond(Dmax) / cond(Dmin))^(1 / (Dmax - Dmin)) of the
 * other inits on linear and rnn (the smallest), and on tanh for orthogonal
 * and for the others (the smallest) */
enum { IS_DEV, IS_GROW, IS_TANH_ORTH, IS_TANH_OTHER, IS_COND_DEEP,
       IS_TANH_ORTH_COND };

static void isometry_settings(nninit_lab_any_opts *a, nninit_lab_scale s)
{
    nninit_lab_isometry_opts *o = &a->isometry;
    if (s == NNINIT_LAB_TINY) {
        o->width = 16;
        o->n_depths = 4; /* 1 2 4 8 */
    }
}

static void isometry_setup(const nninit_lab_any_opts *a, char *buf, size_t n)
{
    const nninit_lab_isometry_opts *o = &a->isometry;
    put(buf, n,
        "Dynamical isometry at initialization (Saxe et al. 2014; Pennington, "
        "Schoenholz & Ganguli 2017): the singular values of the input-output "
        "Jacobian of a deep linear network, of a deep tanh network (at an "
        "input of std %g) and of a tanh RNN at rest unrolled over T steps "
        "(the product of T copies of its recurrent matrix), square layers of "
        "width %d, depths (and T) ",
        o->input_std, o->width);
    for (int k = 0; k < o->n_depths; k++)
        add(buf, n, "%s%d", k ? ", " : "", o->depths[k]);
    add(buf, n,
        "; weights orthogonal, Gaussian N(0, 1/%d) (lecun_normal) and "
        "uniform of the same variance (lecun_uniform). Computed in double, "
        "with the product kept in QR form and LAPACK's one-sided Jacobi SVD, "
        "so even singular values 1e-70 below the largest keep their relative "
        "accuracy.",
        o->width);
}

static double cond_growth(const nninit_lab_isometry_opts *o,
                          const nninit_lab_isometry_result *r,
                          nninit_lab_iso_net net, int init)
{
    const int d0 = o->depths[0], d1 = o->depths[o->n_depths - 1];
    const nninit_lab_isometry_run *a = nninit_lab_isometry_find(r, net, init, d0),
                                  *b = nninit_lab_isometry_find(r, net, init, d1);
    if (!a || !b || d1 == d0)
        return NAN;
    return pow(b->condition_number / a->condition_number, 1.0 / (d1 - d0));
}

static void isometry_measure(const nninit_lab_any_opts *a,
                             const nninit_lab_any_result *res, double *m)
{
    const nninit_lab_isometry_opts *o = &a->isometry;
    const nninit_lab_isometry_result *r = &res->isometry;
    double dev = 0, grow = INFINITY, other = INFINITY, cdeep = INFINITY;
    const int dmax = o->depths[o->n_depths - 1];
    for (int i = 0; i < r->n_runs; i++) /* init 0 is orthogonal */
        if (r->runs[i].net != NNINIT_LAB_ISO_TANH &&
            !strcmp(r->runs[i].init, "orthogonal"))
            dev = fmax(dev, r->runs[i].max_dev);
    for (int ii = 1; ii < o->n_inits; ii++) {
        grow = fmin(grow, cond_growth(o, r, NNINIT_LAB_ISO_LINEAR, ii));
        grow = fmin(grow, cond_growth(o, r, NNINIT_LAB_ISO_RNN, ii));
        other = fmin(other, cond_growth(o, r, NNINIT_LAB_ISO_TANH, ii));
        const nninit_lab_isometry_run *u =
            nninit_lab_isometry_find(r, NNINIT_LAB_ISO_LINEAR, ii, dmax);
        cdeep = fmin(cdeep, u ? u->condition_number : NAN);
    }
    const nninit_lab_isometry_run *t =
        nninit_lab_isometry_find(r, NNINIT_LAB_ISO_TANH, 0, dmax);
    m[IS_DEV] = dev;
    m[IS_GROW] = grow;
    m[IS_TANH_ORTH] = cond_growth(o, r, NNINIT_LAB_ISO_TANH, 0);
    m[IS_TANH_OTHER] = other;
    m[IS_COND_DEEP] = cdeep;
    m[IS_TANH_ORTH_COND] = t ? t->condition_number : NAN;
}

static void judge_isometry_orth(const claim_row *row, const tour_ctx *x,
                                nninit_lab_verdict *v)
{
    const nninit_lab_isometry_opts *o = &x->o->isometry;
    v->holds = all_in(x, IS_DEV, 0, row->t[0]);
    put(v->predicted, sizeof v->predicted,
        "orthogonal: every singular value within %g of 1, at every depth up "
        "to %d layers and %d steps, in every seed",
        row->t[0], o->depths[o->n_depths - 1], o->depths[o->n_depths - 1]);
    put(v->measured, sizeof v->measured, "largest |s - 1|: ");
    add_spread(v->measured, sizeof v->measured, x, IS_DEV, "%.2g");
    per_seed(v, x, IS_DEV, "largest |s - 1| (orthogonal)");
}

static void judge_isometry_spread(const claim_row *row, const tour_ctx *x,
                                  nninit_lab_verdict *v)
{
    const nninit_lab_isometry_opts *o = &x->o->isometry;
    v->holds = all_in(x, IS_GROW, row->t[0], INFINITY);
    put(v->predicted, sizeof v->predicted,
        "Gaussian and uniform of the same variance: the condition number "
        "grows by at least %gx per layer (per step for the RNN) on average "
        "from %d to %d, i.e. exponentially, in every seed",
        row->t[0], o->depths[0], o->depths[o->n_depths - 1]);
    put(v->measured, sizeof v->measured,
        "smallest growth per layer over linear and RNN: ");
    add_spread(v->measured, sizeof v->measured, x, IS_GROW, "%.3g");
    add(v->measured, sizeof v->measured,
        "; condition number of the linear net at depth %d: ",
        o->depths[o->n_depths - 1]);
    add_spread(v->measured, sizeof v->measured, x, IS_COND_DEEP, "%.2g");
    per_seed(v, x, IS_GROW, "condition number growth per layer (smallest)");
}

static void judge_isometry_tanh(const claim_row *row, const tour_ctx *x,
                                nninit_lab_verdict *v)
{
    const nninit_lab_isometry_opts *o = &x->o->isometry;
    v->holds = all_in(x, IS_TANH_ORTH, 0, row->t[0]) &&
               all_in(x, IS_TANH_OTHER, row->t[1], INFINITY);
    put(v->predicted, sizeof v->predicted,
        "deep tanh: orthogonal's condition number grows by at most %gx per "
        "layer on average (tanh's slopes below 1 spread them a little; "
        "orthogonal weights add no spread of their own), the others' by at "
        "least %gx, in every seed",
        row->t[0], row->t[1]);
    put(v->measured, sizeof v->measured, "growth per layer: orthogonal ");
    add_spread(v->measured, sizeof v->measured, x, IS_TANH_ORTH, "%.3f");
    add(v->measured, sizeof v->measured, ", others ");
    add_spread(v->measured, sizeof v->measured, x, IS_TANH_OTHER, "%.3g");
    add(v->measured, sizeof v->measured,
        "; orthogonal's condition number at depth %d: ",
        o->depths[o->n_depths - 1]);
    add_spread(v->measured, sizeof v->measured, x, IS_TANH_ORTH_COND, "%.3g");
    per_seed(v, x, IS_TANH_ORTH, "condition growth per layer (tanh, orthogonal)");
}

/* ------------------------------------------------------------------------ */
/* deeplinear                                                               */
/* ------------------------------------------------------------------------ */

/* orthogonal: reached at every depth (1/0), and the exponent of its growth
 * log(t(Dmax) / t(Dmin)) / log(Dmax / Dmin); Gaussian: reached at the
 * shallowest (1/0), and at the deepest its loss, at the step where
 * orthogonal reached the threshold, over the threshold */
enum { DL_ORTH_ALL, DL_ORTH_EXP, DL_G_SHALLOW, DL_G_LOSS_X, DL_ORTH_DEEP,
       DL_ORTH_SHALLOW, DL_G_SHALLOW_STEPS, DL_G_DEEP_REACHED };

static void deeplinear_settings(nninit_lab_any_opts *a, nninit_lab_scale s)
{
    nninit_lab_deeplinear_opts *o = &a->deeplinear;
    o->max_steps = 2000;
    if (s == NNINIT_LAB_TINY) {
        o->width = 8;
        o->n_depths = 3; /* 2 4 8 */
        o->max_steps = 300;
    }
}

static void deeplinear_setup(const nninit_lab_any_opts *a, char *buf,
                             size_t n)
{
    const nninit_lab_deeplinear_opts *o = &a->deeplinear;
    put(buf, n,
        "Saxe, McClelland & Ganguli 2014: deep linear networks (square layers "
        "of width %d, depths ",
        o->width);
    for (int k = 0; k < o->n_depths; k++)
        add(buf, n, "%s%d", k ? ", " : "", o->depths[k]);
    add(buf, n,
        ") learn a fixed linear map whose singular values are spread over "
        "[0.5, 2] from fresh N(0, I) inputs, batch %d, plain SGD with their "
        "step size scaling lr / depth (lr %g). Counted: the steps until the "
        "loss (relative to predicting 0), averaged over %d steps, falls below "
        "%g; the budget is %d steps. Weights orthogonal vs Gaussian of the "
        "same variance (lecun_normal).",
        o->batch, o->lr, o->window, o->threshold, o->max_steps);
}

static void deeplinear_measure(const nninit_lab_any_opts *a,
                               const nninit_lab_any_result *res, double *m)
{
    const nninit_lab_deeplinear_opts *o = &a->deeplinear;
    const nninit_lab_deeplinear_result *r = &res->deeplinear;
    const int nd = o->n_depths;
    const nninit_lab_deeplinear_run *orth = &r->runs[0], *g = &r->runs[nd];
    int all = 1;
    for (int k = 0; k < nd; k++)
        all &= orth[k].steps_to_threshold > 0;
    const double t0 = orth[0].steps_to_threshold,
                 t1 = orth[nd - 1].steps_to_threshold;
    m[DL_ORTH_ALL] = all;
    m[DL_ORTH_EXP] = all && nd > 1 ? log(t1 / t0) /
                                         log((double)o->depths[nd - 1] /
                                             o->depths[0])
                                   : NAN;
    m[DL_G_SHALLOW] = g[0].steps_to_threshold > 0;
    /* the Gaussian's windowed loss at the step orthogonal got there */
    const nninit_lab_deeplinear_run *gd = &g[nd - 1];
    double at = NAN;
    for (int i = 0; t1 > 0 && i < gd->n_log; i++)
        if (gd->step[i] >= t1 || i == gd->n_log - 1) {
            at = gd->loss[i];
            break;
        }
    m[DL_G_LOSS_X] = at / o->threshold;
    m[DL_ORTH_DEEP] = t1;
    m[DL_ORTH_SHALLOW] = t0;
    m[DL_G_SHALLOW_STEPS] = g[0].steps_to_threshold;
    m[DL_G_DEEP_REACHED] = gd->steps_to_threshold > 0;
}

static void judge_deeplinear_orth(const claim_row *row, const tour_ctx *x,
                                  nninit_lab_verdict *v)
{
    const nninit_lab_deeplinear_opts *o = &x->o->deeplinear;
    const int d0 = o->depths[0], d1 = o->depths[o->n_depths - 1];
    v->holds = all_in(x, DL_ORTH_ALL, 1, 1) &&
               all_in(x, DL_ORTH_EXP, -INFINITY, row->t[0]);
    put(v->predicted, sizeof v->predicted,
        "orthogonal reaches the threshold at every depth within the budget, "
        "and its steps grow far slower than the depth: at most like "
        "depth^%g from %d to %d (%.1fx the steps for %dx the depth), in "
        "every seed",
        row->t[0], d0, d1, pow((double)d1 / d0, row->t[0]), d1 / d0);
    put(v->measured, sizeof v->measured, "steps at depth %d: ", d0);
    add_spread(v->measured, sizeof v->measured, x, DL_ORTH_SHALLOW, "%.0f");
    add(v->measured, sizeof v->measured, "; at depth %d: ", d1);
    add_spread(v->measured, sizeof v->measured, x, DL_ORTH_DEEP, "%.0f");
    add(v->measured, sizeof v->measured, "; growth exponent ");
    add_spread(v->measured, sizeof v->measured, x, DL_ORTH_EXP, "%.2f");
    per_seed(v, x, DL_ORTH_EXP, "growth exponent of orthogonal's steps");
}

static void judge_deeplinear_gauss(const claim_row *row, const tour_ctx *x,
                                   nninit_lab_verdict *v)
{
    const nninit_lab_deeplinear_opts *o = &x->o->deeplinear;
    const int d0 = o->depths[0], d1 = o->depths[o->n_depths - 1];
    v->holds = all_in(x, DL_G_SHALLOW, 1, 1) &&
               all_in(x, DL_G_LOSS_X, row->t[0], INFINITY);
    put(v->predicted, sizeof v->predicted,
        "the Gaussian learns at depth %d, but at depth %d, after the steps "
        "orthogonal needed there, its loss is still at least %gx the "
        "threshold, in every seed",
        d0, d1, row->t[0]);
    int reached = 0;
    for (int s = 0; s < x->n; s++)
        reached += x->m[s][DL_G_DEEP_REACHED] != 0;
    put(v->measured, sizeof v->measured, "Gaussian: steps at depth %d ", d0);
    add_spread(v->measured, sizeof v->measured, x, DL_G_SHALLOW_STEPS, "%.0f");
    add(v->measured, sizeof v->measured,
        "; at depth %d its loss over the threshold when orthogonal got there ",
        d1);
    add_spread(v->measured, sizeof v->measured, x, DL_G_LOSS_X, "%.1f");
    add(v->measured, sizeof v->measured,
        "; it reached the threshold within %d steps in %d of %d seeds",
        o->max_steps, reached, x->n);
    per_seed(v, x, DL_G_LOSS_X,
             "Gaussian's loss / threshold when orthogonal reached it");
}

/* ------------------------------------------------------------------------ */
/* rnn: memory (trained) and gradient (at init)                             */
/* ------------------------------------------------------------------------ */

enum { RM_RATIO, RM_ORTH, RM_GAUSS };

static void memory_settings(nninit_lab_any_opts *a, nninit_lab_scale s)
{
    nninit_lab_rnn_opts *o = &a->rnn;
    o->task = NNINIT_LAB_RECALL;
    o->length = 30;
    o->hidden = 32;
    o->steps = 300;
    o->batch = 32;
    o->log_every = 20;
    o->lr = 2e-3;
    o->clip = 1;
    o->input_init = nninit__lab_named("xavier_uniform");
    o->n_cells = 1;
    o->cells[0] = NNINIT_LAB_RNN_TANH;
    o->n_inits = 2;
    o->inits[0] = nninit__lab_named("orthogonal");
    o->inits[1] = nninit__lab_named("lecun_normal");
    if (s == NNINIT_LAB_TINY) {
        o->length = 5;
        o->hidden = 8;
        o->steps = 20;
        o->log_every = 5;
        o->test_batch = 16;
    }
}

static void memory_setup(const nninit_lab_any_opts *a, char *buf, size_t n)
{
    const nninit_lab_rnn_opts *o = &a->rnn;
    put(buf, n,
        "Delayed recall, the copy task in its streaming form (Jaeger 2002; "
        "White, Lee & Sompolinsky 2004): a stream of N(0, 1) values, and at "
        "every step the target is the value %d steps back (predicting 0 "
        "scores MSE 1). A tanh RNN with %d hidden units, recurrent weights "
        "orthogonal or Gaussian N(0, 1/%d) (lecun_normal: the same variance), "
        "input weights Xavier with gain 1 (so the units start in tanh's "
        "linear range, where orthogonal's isometry holds), %d steps of Adam "
        "(lr %g, clipping %g) on batches of %d sequences of %d steps; scored "
        "on %d held-out sequences.",
        o->length, o->hidden, o->hidden, o->steps, o->lr, o->clip, o->batch,
        2 * o->length, o->test_batch);
}

static void memory_measure(const nninit_lab_any_opts *a,
                           const nninit_lab_any_result *res, double *m)
{
    const nninit_lab_rnn_result *r = &res->rnn;
    (void)a;
    m[RM_ORTH] = r->runs[0].test_loss;
    m[RM_GAUSS] = r->runs[1].test_loss;
    m[RM_RATIO] = m[RM_ORTH] / m[RM_GAUSS];
}

static void judge_memory(const claim_row *row, const tour_ctx *x,
                         nninit_lab_verdict *v)
{
    int ok = 0;
    for (int s = 0; s < x->n; s++)
        ok += x->m[s][RM_RATIO] <= row->t[0];
    const int need = need_of(x->n, row->t[1]);
    spread sr = spread_of(x, RM_RATIO);
    v->holds = ok >= need && sr.med <= row->t[2];
    put(v->predicted, sizeof v->predicted,
        "orthogonal's held-out MSE at most %g x the Gaussian's in at least "
        "%d of %d seeds (%.0f%%), and at most %g x in the median",
        row->t[0], need, x->n, 100 * row->t[1], row->t[2]);
    put(v->measured, sizeof v->measured, "in %d of %d seeds; ratio ", ok,
        x->n);
    add_spread(v->measured, sizeof v->measured, x, RM_RATIO, "%.2f");
    add(v->measured, sizeof v->measured, "; MSE orthogonal ");
    add_spread(v->measured, sizeof v->measured, x, RM_ORTH, "%.3f");
    add(v->measured, sizeof v->measured, ", Gaussian ");
    add_spread(v->measured, sizeof v->measured, x, RM_GAUSS, "%.3f");
    per_seed(v, x, RM_RATIO, "held-out MSE, orthogonal / Gaussian");
}

enum { RG_EYE, RG_OTHER };

static void gradient_settings(nninit_lab_any_opts *a, nninit_lab_scale s)
{
    nninit_lab_rnn_opts *o = &a->rnn;
    o->task = NNINIT_LAB_ADDING;
    o->length = 100;
    o->hidden = 64;
    o->steps = 1; /* the gradient at initialization */
    o->log_every = 1;
    o->test_batch = 32;
    o->n_cells = 1;
    o->cells[0] = NNINIT_LAB_RNN_RELU;
    o->n_inits = 3;
    o->inits[0] = nninit__lab_named("eye");
    o->inits[1] = nninit__lab_named("orthogonal");
    o->inits[2] = nninit__lab_named("lecun_normal");
    if (s == NNINIT_LAB_TINY) {
        o->length = 20;
        o->hidden = 8;
        o->batch = 8;
        o->test_batch = 8;
    }
}

static void gradient_setup(const nninit_lab_any_opts *a, char *buf, size_t n)
{
    const nninit_lab_rnn_opts *o = &a->rnn;
    put(buf, n,
        "Le, Jaitly & Hinton 2015 (IRNN): a ReLU RNN with %d hidden units on "
        "the adding problem of length %d, recurrent weights identity, "
        "orthogonal or Gaussian N(0, 1/%d); at initialization, one batch of "
        "%d forward and backward: grad@1/grad@T is the gradient reaching the "
        "first step relative to the last. That the IRNN also trains faster "
        "is not shown here: Le et al. trained for about 1e6 steps with tiny "
        "learning rates, and at a few hundred Adam steps it learns no faster "
        "than the others (try nninit lab rnn --task adding --cells rnn_relu "
        "--init eye --init orthogonal --init lecun_normal).",
        o->hidden, o->length, o->hidden, o->batch);
}

static void gradient_measure(const nninit_lab_any_opts *a,
                             const nninit_lab_any_result *res, double *m)
{
    const nninit_lab_rnn_result *r = &res->rnn;
    (void)a;
    m[RG_EYE] = r->runs[0].steps_T ? r->runs[0].grad_t[0] : NAN;
    double o = 0;
    for (int i = 1; i < r->n_runs; i++)
        o = fmax(o, r->runs[i].steps_T ? r->runs[i].grad_t[0] : NAN);
    m[RG_OTHER] = o;
}

static void judge_gradient(const claim_row *row, const tour_ctx *x,
                           nninit_lab_verdict *v)
{
    v->holds = all_in(x, RG_EYE, 1 / row->t[0], row->t[0]) &&
               all_in(x, RG_OTHER, 0, row->t[1]);
    put(v->predicted, sizeof v->predicted,
        "identity: grad@1/grad@T within %gx of 1; orthogonal and Gaussian "
        "lose it through the ReLUs (at most %g), in every seed",
        row->t[0], row->t[1]);
    put(v->measured, sizeof v->measured, "grad@1/grad@T over %d steps: "
        "identity ", x->o->rnn.length);
    add_spread(v->measured, sizeof v->measured, x, RG_EYE, "%.3g");
    add(v->measured, sizeof v->measured, ", the larger of the others ");
    add_spread(v->measured, sizeof v->measured, x, RG_OTHER, "%.2g");
    per_seed(v, x, RG_EYE, "grad@1/grad@T (identity)");
}

/* ------------------------------------------------------------------------ */
/* train                                                                    */
/* ------------------------------------------------------------------------ */

enum { TR_GAP1, TR_GAPE, TR_R1, TR_S1, TR_RE, TR_SE };

static void train_settings(nninit_lab_any_opts *a, nninit_lab_scale s)
{
    nninit_lab_train_opts *o = &a->train;
    o->epochs = 2;
    if (s == NNINIT_LAB_QUICK)
        o->n_train = 20000;
    if (s == NNINIT_LAB_TINY) {
        o->epochs = 1;
        o->n_train = 300;
        o->n_test = 100;
    }
    if (!o->c.fashion) {
        o->sizes[0] = 2;
        o->sizes[3] = 3;
    }
}

static void train_setup(const nninit_lab_any_opts *a, char *buf, size_t n)
{
    const nninit_lab_train_opts *o = &a->train;
    put(buf, n, "The MLP %d", o->sizes[0]);
    for (int k = 1; k <= o->n_layers; k++)
        add(buf, n, "-%d", o->sizes[k]);
    if (o->c.fashion && o->n_train)
        add(buf, n, " (%s) on the first %d Fashion-MNIST images",
            nninit_activation_name(o->act), o->n_train);
    else if (o->c.fashion)
        add(buf, n, " (%s) on all 60000 Fashion-MNIST images",
            nninit_activation_name(o->act));
    else
        add(buf, n, " (%s) on the spirals", nninit_activation_name(o->act));
    add(buf, n,
        ", batch %d, SGD with momentum %g, lr %g%s, %d epoch%s: the rule "
        "(He, then Xavier for the output layer) against small U(-0.01, 0.01) "
        "weights everywhere. (`nninit lab train` runs 10 epochs.)",
        o->batch, o->momentum, o->lr, o->cosine ? " with cosine decay" : "",
        o->epochs, o->epochs > 1 ? "s" : "");
}

/* train runs twice per seed (the rule, then small): two results. */
static void train_measure2(const nninit_lab_any_opts *a,
                           const nninit_lab_train_result *rule,
                           const nninit_lab_train_result *small, double *m)
{
    const int E = a->train.epochs;
    m[TR_R1] = rule->epochs[0].test_accuracy;
    m[TR_S1] = small->epochs[0].test_accuracy;
    m[TR_RE] = rule->epochs[E - 1].test_accuracy;
    m[TR_SE] = small->epochs[E - 1].test_accuracy;
    m[TR_GAP1] = m[TR_R1] - m[TR_S1];
    m[TR_GAPE] = m[TR_RE] - m[TR_SE];
}

static void judge_train(const claim_row *row, const tour_ctx *x,
                        nninit_lab_verdict *v)
{
    const int E = x->o->train.epochs;
    v->holds = all_in(x, TR_GAP1, row->t[0], INFINITY) &&
               all_in(x, TR_GAPE, row->t[1], INFINITY);
    put(v->predicted, sizeof v->predicted,
        "the rule's test accuracy at least %.1f points above small's after "
        "epoch 1 and at least %.1f after epoch %d, in every seed",
        100 * row->t[0], 100 * row->t[1], E);
    put(v->measured, sizeof v->measured, "epoch 1: rule ");
    add_spread(v->measured, sizeof v->measured, x, TR_R1, "%.3f");
    add(v->measured, sizeof v->measured, " vs small ");
    add_spread(v->measured, sizeof v->measured, x, TR_S1, "%.3f");
    add(v->measured, sizeof v->measured, "; epoch %d: rule ", E);
    add_spread(v->measured, sizeof v->measured, x, TR_RE, "%.3f");
    add(v->measured, sizeof v->measured, " vs small ");
    add_spread(v->measured, sizeof v->measured, x, TR_SE, "%.3f");
    per_seed(v, x, TR_GAP1, "accuracy gap after epoch 1 (rule - small)");
}

/* ------------------------------------------------------------------------ */
/* gains: the numeric gain on a 50-layer GELU net (the signal experiment)   */
/* ------------------------------------------------------------------------ */

enum { GN_GELU_NUM, GN_GELU_SQRT2, GN_GELU_ONE, GN_SILU_NUM, GN_SILU_ONE };

static void gains_settings(nninit_lab_any_opts *a, nninit_lab_scale s)
{
    nninit_lab_signal_opts *o = &a->signal;
    o->depth = 50;
    o->width = 256;
    o->batch = s == NNINIT_LAB_FULL ? 256 : 128;
    if (s == NNINIT_LAB_TINY) {
        o->depth = 8;
        o->width = 32;
        o->batch = 16;
    }
    o->n_acts = 2;
    o->acts[0] = NNINIT_ACT_GELU;
    o->acts[1] = NNINIT_ACT_SILU;
    static const char *const names[] = {
        "rule", "kaiming_uniform:nonlinearity=relu",
        "kaiming_uniform:nonlinearity=linear", NULL};
    o->n_inits = nninit__lab_named_list(o->inits, names);
}

static void gains_setup(const nninit_lab_any_opts *a, char *buf, size_t n)
{
    const nninit_lab_signal_opts *o = &a->signal;
    put(buf, n,
        "A %d-layer MLP of width %d at initialization, one batch of %d %s, "
        "GELU and SiLU after every layer, weights He-scaled (U(-b, b), b = "
        "gain sqrt(3/fan_in)) with three gains: the numeric gain "
        "1/sqrt(E[f(z)^2]) (the rule: 1.5335 for GELU, 1.6765 for SiLU), "
        "ReLU's sqrt(2), and 1. PyTorch has no gain for GELU or SiLU. The "
        "claim uses the per-layer factor of the activations' std from "
        "layer 1 to layer %d.",
        o->depth, o->width, o->batch,
        o->c.fashion ? "Fashion-MNIST images" : "N(0, 1) inputs", o->depth);
}

static void gains_measure(const nninit_lab_any_opts *a,
                          const nninit_lab_any_result *res, double *m)
{
    const nninit_lab_signal_result *r = &res->signal;
    const int D = a->signal.depth;
    const nninit_activation G = NNINIT_ACT_GELU, S = NNINIT_ACT_SILU;
#define GN_A(u) ((u) ? per_layer((u)->act_std[0], (u)->act_std[D - 1], D) : NAN)
    m[GN_GELU_NUM] = GN_A(sig_find(r, G, "rule"));
    m[GN_GELU_SQRT2] = GN_A(sig_find(r, G, "kaiming_uniform(relu)"));
    m[GN_GELU_ONE] = GN_A(sig_find(r, G, "kaiming_uniform(linear)"));
    m[GN_SILU_NUM] = GN_A(sig_find(r, S, "rule"));
    m[GN_SILU_ONE] = GN_A(sig_find(r, S, "kaiming_uniform(linear)"));
#undef GN_A
}

static void judge_gains(const claim_row *row, const tour_ctx *x,
                        nninit_lab_verdict *v)
{
    v->holds = all_in(x, GN_GELU_NUM, 1 / row->t[0], row->t[0]) &&
               all_in(x, GN_GELU_ONE, 0, row->t[1]);
    put(v->predicted, sizeof v->predicted,
        "GELU: under the numeric gain the activation std changes by less "
        "than %gx per layer; under gain 1 it shrinks to at most %g per "
        "layer (theory, near 0: GELU(x) ~ x/2), in every seed",
        row->t[0], row->t[1]);
    put(v->measured, sizeof v->measured, "per-layer factors, GELU: numeric ");
    add_spread(v->measured, sizeof v->measured, x, GN_GELU_NUM, "%.3f");
    add(v->measured, sizeof v->measured, ", sqrt(2) ");
    add_spread(v->measured, sizeof v->measured, x, GN_GELU_SQRT2, "%.3f");
    add(v->measured, sizeof v->measured, ", 1 ");
    add_spread(v->measured, sizeof v->measured, x, GN_GELU_ONE, "%.3f");
    add(v->measured, sizeof v->measured, "; SiLU: numeric ");
    add_spread(v->measured, sizeof v->measured, x, GN_SILU_NUM, "%.3f");
    add(v->measured, sizeof v->measured, ", 1 ");
    add_spread(v->measured, sizeof v->measured, x, GN_SILU_ONE, "%.3f");
    add(v->measured, sizeof v->measured,
        " (SiLU drifts up under its numeric gain: q = 1 is an unstable "
        "fixed point of its variance map, so the gain keeps the signal "
        "alive but does not hold it at 1)");
    per_seed(v, x, GN_GELU_NUM, "activation factor per layer (GELU, numeric)");
}

/* ------------------------------------------------------------------------ */
/* lsuv: LSUV lets a deep ReLU net train (the depth experiment)             */
/* ------------------------------------------------------------------------ */

static void lsuv_settings(nninit_lab_any_opts *a, nninit_lab_scale s)
{
    depth_settings(a, s);
    static const char *const names[] = {"orthogonal", "lsuv", NULL};
    a->depth.n_inits = nninit__lab_named_list(a->depth.inits, names);
}

static void lsuv_setup(const nninit_lab_any_opts *a, char *buf, size_t n)
{
    const nninit_lab_depth_opts *o = &a->depth;
    put(buf, n,
        "Mishkin & Matas 2016 on %s: a %d-layer %s MLP (width %d), %d "
        "steps of SGD with momentum 0.9, lr %g, batch %d, from an orthogonal "
        "init (gain 1), and from LSUV: the same orthogonal start, then each "
        "layer's weight divided by its output's std on one batch of %d "
        "training images until the output variance is within %g of 1 (at "
        "most %d tries).",
        o->c.fashion ? "Fashion-MNIST" : "the spirals", o->depth,
        nninit_activation_name(o->act), o->width, o->steps, o->lr, o->batch,
        o->batch, LAB_LSUV_TOL, LAB_LSUV_TRIES);
}

static void judge_lsuv(const claim_row *row, const tour_ctx *x,
                       nninit_lab_verdict *v)
{
    judge_stall_train(row, x, v, "orthogonal (gain 1)",
                      ": ReLU halves the variance at every layer", "LSUV");
}

/* ------------------------------------------------------------------------ */
/* residual: depth scalings at init                                         */
/* ------------------------------------------------------------------------ */

/* the stream's std after the last block, per scheme (the default list's
 * order), and the largest distance from 1 of fixup's and zero_init's at
 * any block */
enum { RS_NONE, RS_GPT2, RS_TITAN, RS_DEEPNET, RS_TFIXUP, RS_FIXUP, RS_ZERO,
       RS_NONE_FACTOR, RS_IDENTITY_DEV, RS_SCALED_MAX };

static void residual_settings(nninit_lab_any_opts *a, nninit_lab_scale s)
{
    if (s == NNINIT_LAB_TINY) {
        a->residual.blocks = 6;
        a->residual.width = 16;
        a->residual.hidden = 64;
        a->residual.batch = 32;
    }
}

static void residual_setup(const nninit_lab_any_opts *a, char *buf, size_t n)
{
    const nninit_lab_residual_opts *o = &a->residual;
    put(buf, n,
        "A residual MLP of %d blocks x <- x + W2 relu(W1 x + b1) + b2 (width "
        "%d, hidden %d, no normalization) at initialization, one batch of %d "
        "N(0, 1) inputs. W1 has role ffn_in and W2 ffn_out, in one decoder "
        "stack; the seed preset gives He to W1 (ReLU follows) and Xavier to "
        "W2, then each scaling of nninit's table changes them. Measured: the "
        "std of the stream after each block over the input's.",
        o->blocks, o->width, o->hidden, o->batch);
}

static void residual_measure(const nninit_lab_any_opts *a,
                             const nninit_lab_any_result *res, double *m)
{
    const nninit_lab_residual_result *r = &res->residual;
    const int L = a->residual.blocks;
    for (int k = RS_NONE; k <= RS_ZERO; k++)
        m[k] = NAN;
    double dev = 0, scaled = 0;
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_residual_run *u = &r->runs[i];
        int k = !strcmp(u->scheme, "none")         ? RS_NONE
                : !strcmp(u->scheme, "gpt2")       ? RS_GPT2
                : !strcmp(u->scheme, "torchtitan") ? RS_TITAN
                : !strcmp(u->scheme, "deepnet")    ? RS_DEEPNET
                : !strcmp(u->scheme, "t_fixup")    ? RS_TFIXUP
                : !strcmp(u->scheme, "fixup")      ? RS_FIXUP
                                                   : RS_ZERO;
        m[k] = u->ratio[L - 1];
        if (k == RS_FIXUP || k == RS_ZERO)
            for (int l = 0; l < L; l++)
                dev = fmax(dev, fabs(u->ratio[l] - 1));
        if (k >= RS_GPT2 && k <= RS_TFIXUP)
            scaled = fmax(scaled, u->ratio[L - 1]);
    }
    m[RS_NONE_FACTOR] = pow(m[RS_NONE], 1.0 / L);
    m[RS_IDENTITY_DEV] = dev;
    m[RS_SCALED_MAX] = scaled;
}

static void judge_residual_none(const claim_row *row, const tour_ctx *x,
                                nninit_lab_verdict *v)
{
    v->holds = all_in(x, RS_NONE_FACTOR, row->t[0], INFINITY);
    put(v->predicted, sizeof v->predicted,
        "without a depth scaling every block adds a branch as large as the "
        "stream, so its std grows by at least %gx per block (theory: "
        "sqrt(1 + 2 * 4/5) = 1.61 for He then Xavier with hidden = 4 "
        "width), in every seed",
        row->t[0]);
    put(v->measured, sizeof v->measured, "per-block factor ");
    add_spread(v->measured, sizeof v->measured, x, RS_NONE_FACTOR, "%.3f");
    add(v->measured, sizeof v->measured, "; after the last block ");
    add_spread(v->measured, sizeof v->measured, x, RS_NONE, "%.3g");
    per_seed(v, x, RS_NONE_FACTOR, "per-block factor (no scaling)");
}

static void judge_residual_scaled(const claim_row *row, const tour_ctx *x,
                                  nninit_lab_verdict *v)
{
    v->holds = all_in(x, RS_SCALED_MAX, 0, row->t[0]);
    put(v->predicted, sizeof v->predicted,
        "GPT-2's 1/sqrt(2L), torchtitan's depth init, DeepNet's beta and "
        "T-Fixup's (9L)^-1/4 keep the stream's std after every block within "
        "%gx of the input's (theory: e^0.4 = 1.49 for GPT-2, about 1.1 for "
        "DeepNet and T-Fixup), in every seed",
        row->t[0]);
    put(v->measured, sizeof v->measured, "after the last block: gpt2 ");
    add_spread(v->measured, sizeof v->measured, x, RS_GPT2, "%.3f");
    add(v->measured, sizeof v->measured, ", torchtitan ");
    add_spread(v->measured, sizeof v->measured, x, RS_TITAN, "%.3f");
    add(v->measured, sizeof v->measured, ", deepnet ");
    add_spread(v->measured, sizeof v->measured, x, RS_DEEPNET, "%.3f");
    add(v->measured, sizeof v->measured, ", t_fixup ");
    add_spread(v->measured, sizeof v->measured, x, RS_TFIXUP, "%.3f");
    per_seed(v, x, RS_SCALED_MAX, "largest of the four after the last block");
}

static void judge_residual_identity(const claim_row *row, const tour_ctx *x,
                                    nninit_lab_verdict *v)
{
    v->holds = all_in(x, RS_IDENTITY_DEV, 0, row->t[0]);
    put(v->predicted, sizeof v->predicted,
        "Fixup and ZerO zero each branch's last layer, so every block starts "
        "as the identity: the stream's std equals the input's at every block "
        "(within %g), in every seed",
        row->t[0]);
    put(v->measured, sizeof v->measured,
        "largest |std ratio - 1| at any block, fixup and zero_init: ");
    add_spread(v->measured, sizeof v->measured, x, RS_IDENTITY_DEV, "%.2g");
    per_seed(v, x, RS_IDENTITY_DEV, "largest |std ratio - 1|");
}

/* ------------------------------------------------------------------------ */
/* mup: learning-rate transfer                                              */
/* ------------------------------------------------------------------------ */

enum { MU_SP_DRIFT, MU_MUP_DRIFT, MU_SP_BEST0, MU_SP_BEST1, MU_MUP_BEST0,
       MU_MUP_BEST1, MU_RELATIVE };

static void mup_settings(nninit_lab_any_opts *a, nninit_lab_scale s)
{
    nninit_lab_mup_opts *o = &a->mup;
    /* learning rates 2^-11 .. 2^-4; 100 steps of batch 64 */
    o->n_lrs = 8;
    for (int k = 0; k < o->n_lrs; k++)
        o->lrs[k] = ldexp(1.0, k - 11);
    o->steps = 100;
    o->batch = 64;
    if (s != NNINIT_LAB_FULL)
        o->n_widths = 4; /* 64 .. 512 */
    if (s == NNINIT_LAB_TINY) {
        o->n_widths = 2;
        o->widths[0] = 16;
        o->widths[1] = 32;
        o->base_width = 16;
        o->steps = 10;
        o->window = 5;
        o->n_train = 300;
        o->n_lrs = 3;
        for (int k = 0; k < 3; k++)
            o->lrs[k] = ldexp(1.0, 2 * k - 9);
    }
}

static void mup_setup(const nninit_lab_any_opts *a, char *buf, size_t n)
{
    const nninit_lab_mup_opts *o = &a->mup;
    put(buf, n,
        "Yang et al. 2022 on %s: MLPs 784-W-W-10 (ReLU) of widths %d..%d, "
        "each trained %d steps of Adam (batch %d, %d images) at each of %d "
        "learning rates from %g to %g, in the standard parametrization "
        "(PyTorch's default init, one learning rate) and in muP over a base "
        "of width %d (nninit's mup scaling on the same init: the readout "
        "taken at its base fans and its output times 1/width_mult; the "
        "hidden matrix's Adam learning rate divided by width_mult, as "
        "MuAdam). Per width: the loss over the last %d steps by learning "
        "rate, and the centre of the good window (the rates within 10%% of "
        "the best loss, mean log2).",
        o->c.fashion ? "Fashion-MNIST" : "the spirals", o->widths[0],
        o->widths[o->n_widths - 1], o->steps, o->batch, o->n_train, o->n_lrs,
        o->lrs[0], o->lrs[o->n_lrs - 1], o->base_width, o->window);
}

static void mup_measure(const nninit_lab_any_opts *a,
                        const nninit_lab_any_result *res, double *m)
{
    const nninit_lab_mup_result *r = &res->mup;
    const int W = a->mup.n_widths;
    /* runs: SP for every width, then muP */
    m[MU_SP_DRIFT] = r->runs[W - 1].window_centre - r->runs[0].window_centre;
    m[MU_MUP_DRIFT] =
        r->runs[2 * W - 1].window_centre - r->runs[W].window_centre;
    m[MU_SP_BEST0] = log2(r->runs[0].best_lr);
    m[MU_SP_BEST1] = log2(r->runs[W - 1].best_lr);
    m[MU_MUP_BEST0] = log2(r->runs[W].best_lr);
    m[MU_MUP_BEST1] = log2(r->runs[2 * W - 1].best_lr);
    m[MU_RELATIVE] = m[MU_SP_DRIFT] - m[MU_MUP_DRIFT];
}

static void judge_mup(const claim_row *row, const tour_ctx *x,
                      nninit_lab_verdict *v)
{
    const nninit_lab_mup_opts *o = &x->o->mup;
    v->holds = all_in(x, MU_MUP_DRIFT, -row->t[0], row->t[0]) &&
               all_in(x, MU_RELATIVE, -INFINITY, -row->t[1]);
    put(v->predicted, sizeof v->predicted,
        "from width %d to %d, the centre of muP's window of good learning "
        "rates moves by at most %g steps (a factor %g), and the standard "
        "parametrization's moves at least %g steps further toward smaller "
        "rates than muP's, in every seed",
        o->widths[0], o->widths[o->n_widths - 1], row->t[0],
        pow(2, row->t[0]), row->t[1]);
    put(v->measured, sizeof v->measured,
        "the window's centre moved (log2 steps): muP ");
    add_spread(v->measured, sizeof v->measured, x, MU_MUP_DRIFT, "%+.2f");
    add(v->measured, sizeof v->measured, ", SP ");
    add_spread(v->measured, sizeof v->measured, x, MU_SP_DRIFT, "%+.2f");
    add(v->measured, sizeof v->measured,
        "; best log2 learning rate, narrowest -> widest (first seed): muP "
        "%.0f -> %.0f, SP %.0f -> %.0f",
        x->m[0][MU_MUP_BEST0], x->m[0][MU_MUP_BEST1], x->m[0][MU_SP_BEST0],
        x->m[0][MU_SP_BEST1]);
    per_seed(v, x, MU_RELATIVE, "SP's window drift minus muP's (log2)");
}

/* ------------------------------------------------------------------------ */
/* THE table                                                                */
/* ------------------------------------------------------------------------ */

static const section_row sections[] = {
    {"symmetry", NNINIT_LAB_EXP_SYMMETRY,
     "Symmetry: zero and constant init never break it",
     {3, 1, 1}, symmetry_settings, symmetry_setup, symmetry_measure, 2,
     {{"symmetry.never", "zero and constant init never break symmetry",
       {0}, judge_symmetry_never,
       "a layer's units got different updates: the BLAS kernels may round "
       "the columns of one product differently"},
      {"symmetry.random",
       "random init breaks symmetry, and the network learns far more",
       {0.10}, judge_symmetry_random,
       "at these sizes the random net did not learn enough"}}},
    {"signal", NNINIT_LAB_EXP_SIGNAL,
     "Signal: small weights vanish, large ones explode; Xavier and He keep "
     "signals alive",
     {3, 1, 1}, signal_settings, signal_setup, signal_measure, 4,
     {{"signal.small", "small random weights make signals vanish", {0.3},
       judge_signal_small, ""},
      {"signal.large", "large weights make signals explode", {3, 2},
       judge_signal_large, ""},
      {"signal.xavier", "Xavier keeps tanh signals alive", {1.25},
       judge_signal_xavier,
       "tanh is contracting: with gain 1 the activation variance slowly "
       "decays layer by layer (Glorot & Bengio's own figures show the same "
       "drift)"},
      {"signal.he", "He keeps ReLU signals alive; Xavier does not", {1.1, 0.8},
       judge_signal_he, ""}}},
    {"depth", NNINIT_LAB_EXP_DEPTH,
     "Depth: a deep ReLU net stalls under Xavier and trains under He",
     {3, 1, 1}, depth_settings, depth_setup, depth_measure, 1,
     {{"depth.he", "a deep ReLU net stalls under Xavier and trains under He",
       {0.05, 0.25}, judge_depth,
       "He's net did not get far enough below chance in this many steps"}}},
    {"selu", NNINIT_LAB_EXP_SELU, "SELU: LeCun normal self-normalizes",
     {3, 1, 1}, selu_settings, selu_setup, selu_measure, 1,
     {{"selu.lecun", "LeCun normal + SELU self-normalizes (mean 0, variance 1)",
       {0.1, 0.8, 1.5, 1.05}, judge_selu, ""}}},
    {"isometry", NNINIT_LAB_EXP_ISOMETRY,
     "Isometry: orthogonal keeps every singular value at 1; a Gaussian "
     "spreads them exponentially",
     {3, 1, 1}, isometry_settings, isometry_setup, isometry_measure, 3,
     {{"isometry.orthogonal",
       "orthogonal init keeps every singular value of a deep linear net's and "
       "an unrolled RNN's Jacobian at 1",
       {1e-3}, judge_isometry_orth, ""},
      {"isometry.gaussian",
       "a Gaussian (or uniform) of the same variance spreads them "
       "exponentially with depth and T",
       {2}, judge_isometry_spread, ""},
      {"isometry.tanh",
       "in a deep tanh net, orthogonal keeps the Jacobian well conditioned; "
       "a Gaussian does not",
       {1.2, 2}, judge_isometry_tanh, ""}}},
    {"deeplinear", NNINIT_LAB_EXP_DEEPLINEAR,
     "Deep linear networks: learning time against depth",
     {3, 1, 1}, deeplinear_settings, deeplinear_setup, deeplinear_measure, 2,
     {{"deeplinear.orthogonal",
       "from an orthogonal start, deep linear nets learn in a time that "
       "saturates with depth",
       {0.6}, judge_deeplinear_orth, ""},
      {"deeplinear.gaussian",
       "from a Gaussian start of the same variance, the learning time grows "
       "with depth",
       {4}, judge_deeplinear_gauss, ""}}},
    {"rnn-memory", NNINIT_LAB_EXP_RNN,
     "Recurrent nets: orthogonal recurrent init remembers, a Gaussian of the "
     "same variance forgets",
     {10, 4, 2}, memory_settings, memory_setup, memory_measure, 1,
     {{"rnn.memory",
       "orthogonal recurrent init trains a tanh RNN to remember far better "
       "than a Gaussian of the same variance",
       {0.7, 0.9, 0.5}, judge_memory,
       "too few seeds, steps or units for the memory to matter"}}},
    {"rnn-gradient", NNINIT_LAB_EXP_RNN,
     "Recurrent nets: identity recurrent init keeps a ReLU RNN's gradient "
     "alive",
     {5, 2, 1}, gradient_settings, gradient_setup, gradient_measure, 1,
     {{"rnn.identity",
       "identity recurrent init keeps a ReLU RNN's gradient alive through "
       "time (Le et al.'s IRNN)",
       {10, 1e-3}, judge_gradient, ""}}},
    {"gains", NNINIT_LAB_EXP_SIGNAL,
     "Gains: GELU needs its numeric gain; gain 1 loses the signal",
     {3, 1, 1}, gains_settings, gains_setup, gains_measure, 1,
     {{"gains.numeric",
       "the numeric gain keeps a deep GELU net's signal; gain 1 loses it",
       {1.15, 0.6}, judge_gains, ""}}},
    {"lsuv", NNINIT_LAB_EXP_DEPTH,
     "LSUV: rescaling each layer on a batch lets a deep ReLU net train",
     {3, 1, 1}, lsuv_settings, lsuv_setup, depth_measure, 1,
     {{"depth.lsuv",
       "LSUV lets a deep ReLU net train from an orthogonal start that "
       "stalls",
       {0.05, 0.25}, judge_lsuv,
       "LSUV's net did not get far enough below chance in this many steps"}}},
    {"residual", NNINIT_LAB_EXP_RESIDUAL,
     "Residual depth: GPT-2, DeepNet, T-Fixup, Fixup and ZerO tame a deep "
     "residual stream",
     {3, 1, 1}, residual_settings, residual_setup, residual_measure, 3,
     {{"residual.none",
       "without a depth scaling, a deep residual stream grows at every block",
       {1.4}, judge_residual_none, ""},
      {"residual.scaled",
       "depth-scaled branches keep the stream near the input's size",
       {2.0}, judge_residual_scaled, ""},
      {"residual.identity",
       "Fixup and ZerO start every residual block as the identity",
       {1e-6}, judge_residual_identity, ""}}},
    {"mup", NNINIT_LAB_EXP_MUP,
     "muP: the best learning rate transfers across widths",
     {2, 1, 1}, mup_settings, mup_setup, mup_measure, 1,
     {{"mup.transfer",
       "the best learning rate moves far less across widths under muP than "
       "in the standard parametrization",
       {2, 1.5}, judge_mup,
       "the window moved: at these budgets the narrow base is far from the "
       "wide limit"}}},
    {"train", NNINIT_LAB_EXP_TRAIN,
     "Training: initialization decides how well and how quickly a model "
     "learns",
     {2, 1, 1}, train_settings, train_setup, NULL, 1,
     {{"train.rule",
       "initialization decides how well and how quickly the model learns",
       {0.01, 0.005}, judge_train,
       "small weights caught up: at this budget the gap closed"}}},
};

#define N_SECTIONS ((int)(sizeof sections / sizeof *sections))

int nninit_lab_tour_count(void) { return N_SECTIONS; }

nninit_lab_experiment nninit_lab_tour_experiment(int i)
{
    return i >= 0 && i < N_SECTIONS ? sections[i].exp : NNINIT_LAB_EXP_COUNT;
}

const char *nninit_lab_scale_name(nninit_lab_scale s)
{
    return s == NNINIT_LAB_FULL    ? "full"
           : s == NNINIT_LAB_QUICK ? "quick"
           : s == NNINIT_LAB_TINY  ? "tiny"
                                   : "?";
}

void nninit_lab_section_free(nninit_lab_section *s)
{
    for (int k = 0; k < s->n_results; k++)
        nninit_lab_result_free(s->exp, &s->result[k]);
    s->n_results = 0;
}

/* Progress over the seeds: "rnn-memory, seed 3/10: rnn: ..." */
typedef struct seed_progress {
    const nninit_lab_common *c;
    const char *id;
    int k, n;
} seed_progress;

static void on_progress(void *ud, const char *what, double f)
{
    const seed_progress *p = (const seed_progress *)ud;
    char buf[160];
    snprintf(buf, sizeof buf, "%s, seed %d/%d: %s", p->id, p->k + 1, p->n,
             what);
    p->c->progress(p->c->progress_ud, buf, (p->k + f) / p->n);
}

/* Move the series of b's figures into a's figures of the same name. */
static int merge_figures(nninit_lab_experiment e, nninit_lab_any_result *a,
                         nninit_lab_any_result *b, nninit_error *err)
{
    int na, nb;
    nninit_lab_figure *fa = (nninit_lab_figure *)nninit_lab_result_figures(e, a, &na);
    nninit_lab_figure *fb = (nninit_lab_figure *)nninit_lab_result_figures(e, b, &nb);
    for (int j = 0; j < nb; j++)
        for (int i = 0; i < na; i++) {
            if (strcmp(fa[i].name, fb[j].name) || !fb[j].n_series)
                continue;
            const int n = fa[i].n_series + fb[j].n_series;
            nninit_lab_series *s = (nninit_lab_series *)nninit__lab_calloc(
                fa[i].alloc, (size_t)n, sizeof *s);
            if (!s)
                return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
            memcpy(s, fa[i].series, (size_t)fa[i].n_series * sizeof *s);
            memcpy(s + fa[i].n_series, fb[j].series,
                   (size_t)fb[j].n_series * sizeof *s);
            nninit__free(fa[i].alloc, fa[i].series);
            nninit__free(fb[j].alloc, fb[j].series);
            fa[i].series = s;
            fa[i].n_series = n;
            fb[j].series = NULL;
            fb[j].n_series = 0;
        }
    return NNINIT_OK;
}

/* One seed: run the experiment (twice for train: the rule, then small
 * weights everywhere) and measure. */
static int run_seed(const section_row *row, const nninit_lab_any_opts *o,
                    nninit_lab_any_result r[2], double *m, nninit_error *err)
{
    int rc = nninit_lab_run(row->exp, o, &r[0], err);
    if (rc)
        return rc;
    if (row->exp != NNINIT_LAB_EXP_TRAIN) {
        row->measure(o, &r[0], m);
        return NNINIT_OK;
    }
    nninit_lab_any_opts os = *o;
    for (int k = 0; k < 16; k++)
        os.train.inits[k] = nninit__lab_named("small");
    if ((rc = nninit_lab_run(row->exp, &os, &r[1], err)))
        return rc;
    train_measure2(o, &r[0].train, &r[1].train, m);
    return NNINIT_OK;
}

int nninit_lab_tour_run(int i, const nninit_lab_tour_opts *t,
                        nninit_lab_section *s, nninit_error *err)
{
    memset(s, 0, sizeof *s);
    if (i < 0 || i >= N_SECTIONS)
        return nninit__fail(err, NNINIT_EINVAL, "no tour section %d", i);
    if ((unsigned)t->scale > NNINIT_LAB_TINY)
        return nninit__fail(err, NNINIT_EINVAL, "unknown scale %d",
                            (int)t->scale);
    const section_row *row = &sections[i];
    s->id = row->id;
    s->exp = row->exp;
    snprintf(s->title, sizeof s->title, "%s", row->title);
    s->opts = nninit_lab_defaults(row->exp);
    s->opts.c = t->c;
    row->settings(&s->opts, t->scale);
    row->setup(&s->opts, s->setup, sizeof s->setup);
    s->n_seeds = row->seeds[t->scale];
    tour_ctx *x = (tour_ctx *)nninit__lab_calloc(t->c.alloc, 1, sizeof *x);
    if (!x)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    x->o = &s->opts;
    x->scale = t->scale;
    x->n = s->n_seeds;
    seed_progress sp = {&t->c, row->id, 0, s->n_seeds};
    const int two = row->exp == NNINIT_LAB_EXP_TRAIN;
    int rc = NNINIT_OK;
    for (int k = 0; k < s->n_seeds && !rc; k++) {
        nninit_lab_any_opts o = s->opts;
        o.c.seed = t->c.seed + (uint64_t)k;
        s->seeds[k] = o.c.seed;
        sp.k = k;
        if (t->c.progress) {
            o.c.progress = on_progress;
            o.c.progress_ud = &sp;
        }
        nninit_lab_any_result r[2];
        memset(r, 0, sizeof r);
        rc = run_seed(row, &o, r, x->m[k], err);
        if (!rc && k == 0) { /* kept for tables, figures and JSON */
            s->n_results = 1 + two;
            s->result[0] = r[0];
            s->result[1] = r[1];
            snprintf(s->result_label[0], sizeof s->result_label[0], "%s",
                     two ? "the rule" : "");
            snprintf(s->result_label[1], sizeof s->result_label[1], "%s",
                     two ? "small U(-0.01, 0.01)" : "");
            if (two)
                rc = merge_figures(row->exp, &s->result[0], &s->result[1],
                                   err);
            continue;
        }
        nninit_lab_result_free(row->exp, &r[0]);
        if (two)
            nninit_lab_result_free(row->exp, &r[1]);
    }
    /* two sections of one experiment (depth and lsuv) make figures of the
     * same names: a section other than the experiment's own names its
     * figures after itself */
    for (int k = 0; k < s->n_results && !rc &&
                    strcmp(row->id, nninit_lab_experiment_name(row->exp));
         k++) {
        int nf;
        nninit_lab_figure *f = (nninit_lab_figure *)nninit_lab_result_figures(
            row->exp, &s->result[k], &nf);
        for (int j = 0; j < nf; j++) {
            char name[sizeof f[j].name];
            snprintf(name, sizeof name, "%s-%s", row->id, f[j].name);
            memcpy(f[j].name, name, sizeof name);
        }
    }
    for (int c = 0; c < row->n_claims && !rc; c++) {
        nninit_lab_verdict *v = &s->claims[s->n_claims++];
        v->id = row->claims[c].id;
        snprintf(v->claim, sizeof v->claim, "%s", row->claims[c].claim);
        row->claims[c].judge(&row->claims[c], x, v);
        if (!v->holds)
            snprintf(v->why, sizeof v->why, "%s", row->claims[c].why);
    }
    nninit__free(t->c.alloc, x);
    if (rc)
        nninit_lab_section_free(s);
    return rc;
}
