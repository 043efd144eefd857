/*
 * cmd_demo.c: nninit demo, the main job (`./run demo`): a quick tour of why
 * initialization matters, on built-in defaults.
 *
 *   0. the seed network: each layer's initializer by the rule, sampled
 *   1. symmetry  2. signal  3. depth  4. selu  5. rnn  6. train
 *
 * Each section prints what the claim predicts next to what was measured,
 * and the whole tour is written as a Markdown report with SVG figures and
 * JSON summaries to a folder (nninit-demo/ unless --out DIR).
 */
#define _POSIX_C_SOURCE 200809L
#include "lab_out.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { O_HELP = 1, O_SEED, O_OUT, O_THREADS, O_QUIET, O_SYNTH, O_DATA,
       O_SEED_ONLY, O_TINY };

static const cli_opt demo_opts[] = {
    {"help", 0, O_HELP}, {"h", 0, O_HELP}, {"seed", 1, O_SEED},
    {"out", 1, O_OUT}, {"o", 1, O_OUT}, {"threads", 1, O_THREADS},
    {"quiet", 0, O_QUIET}, {"q", 0, O_QUIET}, {"synthetic", 0, O_SYNTH},
    {"data", 1, O_DATA}, {"seed-network-only", 0, O_SEED_ONLY},
    {"tiny", 0, O_TINY},
    {NULL, 0, 0}};

typedef struct layer {
    const char *name;
    int64_t in, out;
    nninit_activation act;
} layer;

/* Section 0 (issue 2): the seed example network, initialized by the rule. */
static int seed_network(FILE *out, nninit_fill_opts fo)
{
    nninit_error err;
    static const layer net[] = {{"fc1", 10, 50, NNINIT_ACT_RELU},
                                {"fc2", 50, 30, NNINIT_ACT_TANH},
                                {"fc3", 30, 1, NNINIT_ACT_SIGMOID}};
    const int n = (int)(sizeof net / sizeof *net);

    fprintf(out, "nninit demo: the seed network, initialized layer by layer\n\n"
           "  Linear(10 -> 50) + ReLU -> Linear(50 -> 30) + tanh -> "
           "Linear(30 -> 1) + sigmoid\n\n"
           "The rule: each weight's initializer follows from the activation "
           "after it.\n\n");
    fprintf(out, "%-11s %-9s %-8s %-16s %6s %7s %8s %9s %9s\n", "tensor", "shape",
           "act", "initializer", "fan_in", "fan_out", "gain", "bound", "std");
    nninit_advice adv[3];
    nninit_resolved res[3];
    nninit_shape shp[3];
    for (int i = 0; i < n; i++) {
        int64_t dims[2] = {net[i].out, net[i].in};
        nninit_shape_make(&shp[i], 2, dims, NULL);
        if (nninit_recommend(NNINIT_ROLE_WEIGHT, net[i].act, NAN, &adv[i],
                             &err) ||
            nninit_resolve(&adv[i].spec, &shp[i], NNINIT_LAYOUT_TORCH, &res[i],
                           &err))
            return cli_error(EXIT_RUNTIME, "%s", err.msg);
        char tname[32], sb[32];
        snprintf(tname, sizeof tname, "%s.weight", net[i].name);
        fprintf(out, "%-11s %-9s %-8s %-16s %6lld %7lld %8.5f %9.6f %9.6f\n", tname,
               nninit_shape_format(&shp[i], sb, sizeof sb),
               nninit_activation_name(net[i].act),
               nninit_kind_name(adv[i].spec.kind), (long long)res[i].fan_in,
               (long long)res[i].fan_out, res[i].gain, res[i].bound,
               res[i].std);
    }
    for (int i = 0; i < n; i++) {
        char tname[32];
        snprintf(tname, sizeof tname, "%s.bias", net[i].name);
        fprintf(out, "%-11s (%lld,)%*s %-8s %-16s %6s %7s %8s %9s %9.6f\n", tname,
               (long long)net[i].out, net[i].out >= 10 ? 4 : 5, "", "-",
               "zeros", "-", "-", "-", "-", 0.0);
    }
    fprintf(out, "\nwhy:\n");
    for (int i = 0; i < n; i++)
        fprintf(out, "  %s.weight (%s): %s: %s.\n", net[i].name,
               nninit_activation_name(net[i].act),
               nninit_kind_name(adv[i].spec.kind), adv[i].why);
    nninit_advice bias;
    nninit_recommend(NNINIT_ROLE_BIAS, NNINIT_ACT_NONE, NAN, &bias, NULL);
    fprintf(out, "  *.bias: zeros: %s.\n", bias.why);

    fprintf(out, "\nsampled (seed %llu; each tensor's stream comes from its name):\n",
           (unsigned long long)fo.seed);
    fprintf(out, "%-11s %5s %10s %10s %10s %8s %10s\n", "tensor", "n", "mean",
           "std", "expected", "ratio", "max|w|");
    for (int i = 0; i < n; i++) {
        char tname[32];
        snprintf(tname, sizeof tname, "%s.weight", net[i].name);
        uint64_t cnt = nninit_shape_numel(&shp[i]);
        double *w = (double *)malloc(cnt * sizeof *w);
        if (!w)
            return cli_error(EXIT_RUNTIME, "out of memory");
        fo.stream = nninit_stream_from_name(tname);
        if (nninit_init(&adv[i].spec, &shp[i], NNINIT_LAYOUT_TORCH, NNINIT_F64,
                        w, 0, cnt, &fo, &err)) {
            free(w);
            return cli_error(EXIT_RUNTIME, "%s", err.msg);
        }
        double sum = 0, ss = 0, mx = 0;
        for (uint64_t k = 0; k < cnt; k++) {
            sum += w[k];
            mx = fabs(w[k]) > mx ? fabs(w[k]) : mx;
        }
        double mean = sum / (double)cnt;
        for (uint64_t k = 0; k < cnt; k++)
            ss += (w[k] - mean) * (w[k] - mean);
        double sd = sqrt(ss / (double)(cnt > 1 ? cnt - 1 : 1));
        fprintf(out, "%-11s %5llu %+10.5f %10.6f %10.6f %8.3f %10.6f\n", tname,
               (unsigned long long)cnt, mean, sd, res[i].std,
               sd / res[i].std, mx);
        free(w);
    }
    fprintf(out, "\nWith n weights the measured std is within a few times "
           "1/sqrt(2n) of the\nexpected one (about 3%% for fc1, 13%% for "
           "fc3); max|w| never exceeds the bound.\n");
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The tour                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct claim {
    char section[16];
    char claim[160];
    char predicted[200];
    char measured[420];
    int holds;
    char why[600]; /* when it does not hold */
} claim;

typedef struct tour {
    const char *out_dir;
    char fig_dir[4096];
    FILE *md; /* the report being written (a memory stream) */
    char *md_buf;
    size_t md_len;
    claim claims[32];
    int n_claims;
    lab_progress_state ps;
    nninit_lab_common c;
    int tiny; /* smoke-test sizes (seconds, even under sanitizers) */
} tour;

static claim *add_claim(tour *t, const char *section, int holds)
{
    claim *c = &t->claims[t->n_claims < 31 ? t->n_claims++ : 31];
    memset(c, 0, sizeof *c);
    snprintf(c->section, sizeof c->section, "%s", section);
    c->holds = holds;
    return c;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void both(tour *t, const char *fmt, ...) /* stdout and the report */
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    va_start(ap, fmt);
    vfprintf(t->md, fmt, ap);
    va_end(ap);
}

static void print_claims(tour *t, FILE *f, int from, int md)
{
    for (int i = from; i < t->n_claims; i++) {
        const claim *c = &t->claims[i];
        if (md) {
            fprintf(f, "| %s | %s | %s | %s |\n", c->claim, c->predicted,
                    c->measured,
                    c->holds ? "**holds**" : "**does not hold**");
        } else {
            fprintf(f, "  claim:     %s\n  predicted: %s\n  measured:  %s\n"
                       "  verdict:   %s\n",
                    c->claim, c->predicted, c->measured,
                    c->holds ? "HOLDS" : "DOES NOT HOLD");
            if (!c->holds && c->why[0])
                fprintf(f, "  why:       %s\n", c->why);
        }
    }
    if (md)
        for (int i = from; i < t->n_claims; i++)
            if (!t->claims[i].holds && t->claims[i].why[0])
                fprintf(f, "\nWhere it does not hold (%s): %s\n",
                        t->claims[i].section, t->claims[i].why);
}

static void section_claims(tour *t, int from)
{
    printf("\n");
    print_claims(t, stdout, from, 0);
    fprintf(t->md, "\n| claim | predicted | measured | verdict |\n"
                   "|---|---|---|---|\n");
    print_claims(t, t->md, from, 1);
}

static int figures(tour *t, const nninit_lab_figure *f, int n)
{
    int rc = lab_write_figures(t->fig_dir, f, n, NULL);
    if (rc)
        return rc;
    fprintf(t->md, "\n");
    for (int i = 0; i < n; i++)
        fprintf(t->md, "![%s](figures/%s.svg)\n", f[i].title, f[i].name);
    return 0;
}

static int save_json(tour *t, const char *name, json_t *doc)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/json/%s.json", t->out_dir, name);
    int rc = lab_write_json(path, doc);
    json_decref(doc);
    return rc;
}

/* Table output of a lab printer into both stdout and the report (in a code
 * block). */
#define BOTH_TABLE(t, call)                                                    \
    do {                                                                       \
        FILE *so_ = stdout;                                                    \
        call(so_);                                                             \
        fprintf((t)->md, "\n```\n");                                           \
        call((t)->md);                                                         \
        fprintf((t)->md, "```\n");                                             \
    } while (0)

static void heading(tour *t, int n, const char *title, const char *lead)
{
    lab_progress_done(&t->ps);
    const char *syn = t->c.fashion ? ""
                                   : " (--synthetic: 2-D spirals of 3 "
                                     "classes stand in for Fashion-MNIST, "
                                     "and N(0,1) inputs for its images.)";
    const char *tiny = t->tiny ? " (--tiny: smoke-test sizes, far smaller "
                                 "than described.)"
                               : "";
    printf("\n== %d. %s\n%s%s%s\n", n, title, lead, syn, tiny);
    fprintf(t->md, "\n## %d. %s\n\n%s%s%s\n", n, title, lead, syn, tiny);
    fflush(stdout);
}

static double ratio(double a, double b) { return b != 0 ? a / b : NAN; }

/* --- 1. symmetry -------------------------------------------------------- */
static const nninit_lab_symmetry_result *g_sym;
static void p_sym(FILE *f) { lab_print_symmetry(f, g_sym); }

static int demo_symmetry(tour *t)
{
    heading(t, 1, "Symmetry: zero and constant init never break it",
            "An MLP 784-64-64-10 (ReLU) trained 2 epochs on 5000 "
            "Fashion-MNIST images from zeros, from a constant 0.05, and "
            "from the rule (He). Units whose incoming weights stay equal "
            "count once.");
    nninit_lab_symmetry_opts o = nninit_lab_symmetry_defaults();
    o.c = t->c;
    o.n_train = 5000;
    o.n_test = 1000;
    o.epochs = 2;
    if (t->tiny) {
        o.n_train = 300;
        o.n_test = 100;
        o.epochs = 1;
        o.width = 8;
    }
    nninit_lab_symmetry_result r;
    nninit_error err;
    int rc = nninit_lab_symmetry(&o, &r, &err);
    lab_progress_done(&t->ps);
    if (rc)
        return cli_error(cli_status_exit(rc), "%s", err.msg);
    g_sym = &r;
    BOTH_TABLE(t, p_sym);
    int first = t->n_claims;
    int zero_one = 1, rule_many = 1;
    for (int k = 0; k < r.runs[0].n_hidden; k++) {
        zero_one &= r.runs[0].distinct_units[k] == 1 &&
                    r.runs[1].distinct_units[k] == 1;
        rule_many &= r.runs[2].distinct_units[k] == r.width;
    }
    claim *c = add_claim(t, "symmetry", zero_one);
    snprintf(c->claim, sizeof c->claim,
             "zero / constant init never breaks symmetry");
    snprintf(c->predicted, sizeof c->predicted,
             "1 distinct unit per hidden layer under zeros and constant");
    snprintf(c->measured, sizeof c->measured,
             "distinct units in hidden layers 1 and 2 (of %d): zeros %d "
             "and %d, constant %d and %d",
             r.width, r.runs[0].distinct_units[0], r.runs[0].distinct_units[1],
             r.runs[1].distinct_units[0], r.runs[1].distinct_units[1]);
    c = add_claim(t, "symmetry",
                  rule_many && r.runs[2].test_accuracy >
                                   r.runs[1].test_accuracy + 0.1);
    snprintf(c->claim, sizeof c->claim,
             "random init breaks it, and the network learns far more");
    snprintf(c->predicted, sizeof c->predicted,
             "%d distinct units; accuracy well above the 1-unit nets",
             r.width);
    snprintf(c->measured, sizeof c->measured,
             "%d/%d distinct; test accuracy %.1f%% vs %.1f%% (zeros), "
             "%.1f%% (constant)",
             r.runs[2].distinct_units[0], r.runs[2].distinct_units[1],
             100 * r.runs[2].test_accuracy, 100 * r.runs[0].test_accuracy,
             100 * r.runs[1].test_accuracy);
    section_claims(t, first);
    rc = figures(t, &r.loss, 1);
    if (!rc)
        rc = save_json(t, "symmetry", lab_json_symmetry(&o, &r));
    nninit_lab_symmetry_free(&r);
    return rc;
}

/* --- 2. signal ---------------------------------------------------------- */
static const nninit_lab_signal_result *g_sig;
static void p_sig(FILE *f) { lab_print_signal(f, g_sig, 5); }

static const nninit_lab_signal_run *find_sig(const nninit_lab_signal_result *r,
                                             nninit_activation a,
                                             const char *init)
{
    for (int i = 0; i < r->n_runs; i++)
        if (r->runs[i].act == a && !strncmp(r->runs[i].init, init, strlen(init)))
            return &r->runs[i];
    return NULL;
}

static int demo_signal(tour *t)
{
    heading(t, 2, "Signal: small weights vanish, large ones explode; Xavier "
                  "and He keep signals alive",
            "A 20-layer MLP of width 256 at initialization, one batch of 256 "
            "Fashion-MNIST images forward and backward (Glorot & Bengio "
            "2010). `ratio` below is layer 20 over layer 1 for activations, "
            "layer 1 over layer 20 for back-propagated gradients; \"alive\" "
            "means within 10x.");
    nninit_lab_signal_opts o = nninit_lab_signal_defaults();
    o.c = t->c;
    if (t->tiny) {
        o.depth = 6;
        o.width = 32;
        o.batch = 16;
    }
    nninit_lab_signal_result r;
    nninit_error err;
    int rc = nninit_lab_signal(&o, &r, &err);
    lab_progress_done(&t->ps);
    if (rc)
        return cli_error(cli_status_exit(rc), "%s", err.msg);
    g_sig = &r;
    BOTH_TABLE(t, p_sig);
    int first = t->n_claims, D = o.depth;
#define ARATIO(u) ratio((u)->act_std[D - 1], (u)->act_std[0])
#define GRATIO(u) ratio((u)->grad_std[0], (u)->grad_std[D - 1])
    const nninit_lab_signal_run *ts = find_sig(&r, NNINIT_ACT_TANH, "uniform"),
                                *rs = find_sig(&r, NNINIT_ACT_RELU, "uniform"),
                                *tl = find_sig(&r, NNINIT_ACT_TANH, "normal"),
                                *rl = find_sig(&r, NNINIT_ACT_RELU, "normal"),
                                *tx = find_sig(&r, NNINIT_ACT_TANH, "xavier"),
                                *tr = find_sig(&r, NNINIT_ACT_TANH, "rule"),
                                *rx = find_sig(&r, NNINIT_ACT_RELU, "xavier"),
                                *rh = find_sig(&r, NNINIT_ACT_RELU, "kaiming"),
                                *rr = find_sig(&r, NNINIT_ACT_RELU, "rule");
    if (!ts || !rs || !tl || !rl || !tx || !tr || !rx || !rh || !rr) {
        nninit_lab_signal_free(&r);
        return cli_error(EXIT_RUNTIME, "signal: a run is missing");
    }
    claim *c = add_claim(t, "signal", ARATIO(ts) < 1e-3 && ARATIO(rs) < 1e-3);
    snprintf(c->claim, sizeof c->claim, "small random weights make signals "
                                        "vanish");
    snprintf(c->predicted, sizeof c->predicted,
             "U(-0.01,0.01): activation std shrinks ~10x per layer "
             "(ratio << 1e-3)");
    snprintf(c->measured, sizeof c->measured,
             "activation ratio %.2g (tanh), %.2g (relu)", ARATIO(ts),
             ARATIO(rs));
    c = add_claim(t, "signal", ARATIO(rl) > 1e3 && GRATIO(tl) > 1e3);
    snprintf(c->claim, sizeof c->claim, "large weights make signals explode");
    snprintf(c->predicted, sizeof c->predicted,
             "N(0,1): relu activations grow ~11x per layer; tanh saturates, "
             "so its back-propagated gradients blow up instead");
    snprintf(c->measured, sizeof c->measured,
             "relu activation ratio %.2g; tanh activation ratio %.2g, "
             "gradient ratio %.2g",
             ARATIO(rl), ARATIO(tl), GRATIO(tl));
    int tx_alive = ARATIO(tx) > 0.1 && ARATIO(tx) < 10 && GRATIO(tx) > 0.1 &&
                   GRATIO(tx) < 10;
    int tr_alive = ARATIO(tr) > 0.5 && ARATIO(tr) < 2 && GRATIO(tr) > 0.1 &&
                   GRATIO(tr) < 10;
    c = add_claim(t, "signal", tx_alive && tr_alive);
    snprintf(c->claim, sizeof c->claim,
             "Xavier keeps tanh signals alive");
    snprintf(c->predicted, sizeof c->predicted,
             "activations and gradients within 10x over 20 layers; with "
             "tanh's gain 5/3 (the rule) activations stay flat (within 2x)");
    snprintf(c->measured, sizeof c->measured,
             "xavier (gain 1): act %.2f, grad %.2f; rule (gain 5/3): act "
             "%.2f, grad %.2f",
             ARATIO(tx), GRATIO(tx), ARATIO(tr), GRATIO(tr));
    if (!(tx_alive && tr_alive))
        snprintf(c->why, sizeof c->why,
                 "tanh is contracting: with gain 1 the activation variance "
                 "slowly decays layer by layer (Glorot & Bengio's own "
                 "figures show the same drift), so the measured ratio can "
                 "leave the 10x band at larger depths.");
    int he_alive = ARATIO(rh) > 0.5 && ARATIO(rh) < 2 && GRATIO(rh) > 0.5 &&
                   GRATIO(rh) < 2;
    c = add_claim(t, "signal", he_alive && ARATIO(rx) < 0.01);
    snprintf(c->claim, sizeof c->claim,
             "He keeps ReLU signals alive; Xavier does not");
    snprintf(c->predicted, sizeof c->predicted,
             "He: ratios within 2x; Xavier halves the variance per ReLU "
             "layer (2^-19 in variance)");
    snprintf(c->measured, sizeof c->measured,
             "He: act %.2f, grad %.2f; rule: act %.2f; Xavier: act %.2g",
             ARATIO(rh), GRATIO(rh), ARATIO(rr), ARATIO(rx));
#undef ARATIO
#undef GRATIO
    section_claims(t, first);
    rc = figures(t, r.figures, r.n_figures);
    if (!rc)
        rc = save_json(t, "signal", lab_json_signal(&o, &r));
    nninit_lab_signal_free(&r);
    return rc;
}

/* --- 3. depth ----------------------------------------------------------- */
static const nninit_lab_depth_result *g_dep;
static void p_dep(FILE *f) { lab_print_depth(f, g_dep); }

static int demo_depth(tour *t)
{
    heading(t, 3, "Depth: a 30-layer ReLU net stalls under Xavier and trains "
                  "under He",
            "He et al. 2015, Figure 3, on Fashion-MNIST: a 30-layer ReLU MLP "
            "(width 128), 400 steps of SGD with momentum 0.9, lr 0.01, batch "
            "64, from Xavier and from He (kaiming_normal).");
    nninit_lab_depth_opts o = nninit_lab_depth_defaults();
    o.c = t->c;
    o.steps = 400;
    o.log_every = 20;
    if (t->tiny) {
        o.depth = 6;
        o.width = 16;
        o.steps = 20;
        o.log_every = 5;
        o.n_train = 300;
        o.n_test = 100;
    }
    nninit_lab_depth_result r;
    nninit_error err;
    int rc = nninit_lab_depth(&o, &r, &err);
    lab_progress_done(&t->ps);
    if (rc)
        return cli_error(cli_status_exit(rc), "%s", err.msg);
    g_dep = &r;
    BOTH_TABLE(t, p_dep);
    int first = t->n_claims;
    const double chance = o.c.fashion ? log(10.0) : log(3.0);
    const nninit_lab_depth_run *x = &r.runs[0], *h = &r.runs[1];
    claim *c = add_claim(t, "depth",
                         fabs(x->final_train_loss - chance) < 0.05 &&
                             h->final_train_loss < chance - 0.5);
    snprintf(c->claim, sizeof c->claim,
             "a 30-layer ReLU net stalls under Xavier, trains under He");
    snprintf(c->predicted, sizeof c->predicted,
             "Xavier: loss stays at chance (ln %d = %.3f); He: loss falls",
             o.c.fashion ? 10 : 3, chance);
    snprintf(c->measured, sizeof c->measured,
             "final loss Xavier %.3f, He %.3f (test accuracy %.1f%% vs "
             "%.1f%%)",
             x->final_train_loss, h->final_train_loss,
             100 * x->test_accuracy, 100 * h->test_accuracy);
    section_claims(t, first);
    rc = figures(t, &r.loss, 1);
    if (!rc)
        rc = save_json(t, "depth", lab_json_depth(&o, &r));
    nninit_lab_depth_free(&r);
    return rc;
}

/* --- 4. selu ------------------------------------------------------------ */
static const nninit_lab_selu_result *g_selu;
static void p_selu(FILE *f) { lab_print_selu(f, g_selu, 8); }

static int demo_selu(tour *t)
{
    heading(t, 4, "SELU: LeCun normal self-normalizes",
            "N(0,1) inputs through 64 SELU layers of width 256 (Klambauer et "
            "al. 2017). Note: on square layers Xavier has the same variance "
            "as LeCun (2/(n+n) = 1/n), so it is expected to behave alike; "
            "He doubles it.");
    nninit_lab_selu_opts o = nninit_lab_selu_defaults();
    o.c = t->c;
    o.c.fashion = 0;
    if (t->tiny) {
        o.depth = 8;
        o.width = 32;
        o.batch = 16;
    }
    nninit_lab_selu_result r;
    nninit_error err;
    int rc = nninit_lab_selu(&o, &r, &err);
    lab_progress_done(&t->ps);
    if (rc)
        return cli_error(cli_status_exit(rc), "%s", err.msg);
    g_selu = &r;
    BOTH_TABLE(t, p_selu);
    int first = t->n_claims, ok = 1;
    double mmax = 0, vmin = INFINITY, vmax = 0;
    for (int k = 0; k < o.depth; k++) {
        mmax = fmax(mmax, fabs(r.runs[0].mean[k]));
        vmin = fmin(vmin, r.runs[0].var[k]);
        vmax = fmax(vmax, r.runs[0].var[k]);
    }
    ok = mmax <= 0.1 && vmin >= 0.8 && vmax <= 1.5;
    claim *c = add_claim(t, "selu", ok && r.runs[2].var[o.depth - 1] > 2 &&
                                        r.runs[3].var[o.depth - 1] < 1e-3);
    snprintf(c->claim, sizeof c->claim,
             "LeCun normal + SELU self-normalizes (mean 0, variance 1)");
    snprintf(c->predicted, sizeof c->predicted,
             "all 64 layers: |mean| <= 0.1, variance in [0.8, 1.5] "
             "(Theorem 1); He drifts up, small vanishes");
    snprintf(c->measured, sizeof c->measured,
             "LeCun: max |mean| %.3f, variance %.3f..%.3f; He variance at "
             "layer 64: %.3g; small: %.2g",
             mmax, vmin, vmax, r.runs[2].var[o.depth - 1],
             r.runs[3].var[o.depth - 1]);
    section_claims(t, first);
    nninit_lab_figure figs[2] = {r.mean, r.var};
    rc = figures(t, figs, 2);
    if (!rc)
        rc = save_json(t, "selu", lab_json_selu(&o, &r));
    nninit_lab_selu_free(&r);
    return rc;
}

/* --- 5. rnn ------------------------------------------------------------- */
static double median3(const double v[3])
{
    double a = v[0], b = v[1], c = v[2];
    return a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
}

static const nninit_lab_rnn_result *g_rnn;
static void p_rnn(FILE *f) { lab_print_rnn(f, g_rnn); }

static int demo_rnn(tour *t)
{
    heading(t, 5, "Recurrent nets: orthogonal (and identity) recurrent init",
            "The adding problem (Le et al. 2015), sequences of length 50: "
            "vanilla tanh and ReLU RNNs and a GRU (hidden 64), recurrent "
            "weights orthogonal, Gaussian N(0, 1/H) (lecun_normal: the same "
            "variance as orthogonal) or identity; Adam lr 1e-3, gradient "
            "clipping 1, 600 steps of batch 32. Predicting the mean scores "
            "MSE 1/6. `grad@1/grad@T` is the gradient reaching the first "
            "step relative to the last, at initialization.");
    nninit_lab_rnn_opts o = nninit_lab_rnn_defaults();
    o.c = t->c;
    o.length = 50;
    o.steps = 600;
    o.log_every = 30;
    o.n_cells = 3;
    o.cells[0] = NNINIT_LAB_RNN_TANH;
    o.cells[1] = NNINIT_LAB_RNN_RELU;
    o.cells[2] = NNINIT_LAB_GRU;
    if (t->tiny) {
        o.length = 6;
        o.hidden = 8;
        o.steps = 6;
        o.log_every = 3;
        o.batch = 4;
    }
    nninit_lab_rnn_result r;
    nninit_error err;
    int rc = nninit_lab_rnn_run_all(&o, &r, &err);
    lab_progress_done(&t->ps);
    if (rc)
        return cli_error(cli_status_exit(rc), "%s", err.msg);
    g_rnn = &r;
    BOTH_TABLE(t, p_rnn);
    int first = t->n_claims;
    /* Orthogonal vs a Gaussian of the same variance, cell by cell: clearly
     * better (<= 0.8x) somewhere and not worse (> 1.1x) anywhere. At this
     * budget the gap is small and its sign moves with the draws (one seed
     * said "holds" and another "does not"), so the verdict takes the median
     * final loss over RNN_SEEDS seeds; the tables and figures show the
     * first. */
    enum { RNN_SEEDS = 3 };
    double lo[RNN_SEEDS][4], lg[RNN_SEEDS][4];
    for (int ci = 0; ci < o.n_cells; ci++) {
        lo[0][ci] = r.runs[ci * o.n_inits + 0].final_loss;
        lg[0][ci] = r.runs[ci * o.n_inits + 1].final_loss;
    }
    for (int sd = 1; sd < RNN_SEEDS && !rc; sd++) {
        nninit_lab_rnn_opts o2 = o;
        o2.c.seed = o.c.seed + (uint64_t)sd;
        o2.n_inits = 2; /* orthogonal, Gaussian */
        nninit_lab_rnn_result r2;
        rc = nninit_lab_rnn_run_all(&o2, &r2, &err);
        lab_progress_done(&t->ps);
        if (rc) {
            nninit_lab_rnn_result_free(&r);
            return cli_error(cli_status_exit(rc), "%s", err.msg);
        }
        for (int ci = 0; ci < o.n_cells; ci++) {
            lo[sd][ci] = r2.runs[ci * o2.n_inits + 0].final_loss;
            lg[sd][ci] = r2.runs[ci * o2.n_inits + 1].final_loss;
        }
        nninit_lab_rnn_result_free(&r2);
    }
    char meas[400] = "";
    size_t len = 0;
    int better = 0, worse = 0;
    for (int ci = 0; ci < o.n_cells; ci++) {
        double a[RNN_SEEDS], b[RNN_SEEDS];
        for (int sd = 0; sd < RNN_SEEDS; sd++)
            a[sd] = lo[sd][ci], b[sd] = lg[sd][ci];
        double mo = median3(a), mg = median3(b);
        better += mo <= 0.8 * mg;
        worse += mo > 1.1 * mg;
        len += (size_t)snprintf(meas + len, sizeof meas - len,
                                "%s%s %.3g vs %.3g (seeds: %.3g/%.3g, "
                                "%.3g/%.3g, %.3g/%.3g)",
                                ci ? "; " : "", nninit_lab_cell_name(o.cells[ci]),
                                mo, mg, a[0], b[0], a[1], b[1], a[2], b[2]);
        if (len >= sizeof meas)
            len = sizeof meas - 1;
    }
    claim *c = add_claim(t, "rnn", better > 0 && worse == 0);
    snprintf(c->claim, sizeof c->claim,
             "orthogonal recurrent init keeps recurrent nets trainable "
             "(vs a Gaussian of the same variance)");
    snprintf(c->predicted, sizeof c->predicted,
             "orthogonal's median final loss over %d seeds clearly lower "
             "(<= 0.8x) in some cell, not worse (> 1.1x) in any", RNN_SEEDS);
    snprintf(c->measured, sizeof c->measured,
             "median final MSE orthogonal vs Gaussian: %s", meas);
    if (!c->holds)
        snprintf(c->why, sizeof c->why,
                 "not at this length and budget. A Gaussian with variance "
                 "1/H is itself near-critical (spectral radius about 1), "
                 "Adam rescales each weight's step and clipping caps the "
                 "exploding side, so both starts end about the same; tanh "
                 "units saturate early (the rule's input gain 5/3) and "
                 "stall both. The papers report the gap at sequences of "
                 "hundreds of steps after 1e5-1e6 updates, beyond a "
                 "few-minute tour; a longer run we measured (length 100, "
                 "3000 steps, SGD momentum lr 0.01) learned nothing from "
                 "either start.");
    /* Le et al.'s IRNN: identity + ReLU preserves the gradient */
    const nninit_lab_rnn_run *ro = &r.runs[1 * o.n_inits + 0],
                             *rg = &r.runs[1 * o.n_inits + 1],
                             *ri = &r.runs[1 * o.n_inits + 2];
    double gi = ri->steps_T ? ri->grad_t[0] : NAN,
           go = ro->steps_T ? ro->grad_t[0] : NAN,
           gg = rg->steps_T ? rg->grad_t[0] : NAN;
    c = add_claim(t, "rnn", gi > 0.1 && gi < 10 && go < 1e-3 && gg < 1e-3 &&
                                ri->final_loss < ro->final_loss &&
                                ri->final_loss < rg->final_loss);
    snprintf(c->claim, sizeof c->claim,
             "identity recurrent init keeps a ReLU RNN's gradient alive "
             "(Le et al.'s IRNN)");
    snprintf(c->predicted, sizeof c->predicted,
             "identity: grad@1/grad@T near 1; orthogonal and Gaussian lose "
             "about half the gradient per ReLU step; IRNN ends lowest");
    snprintf(c->measured, sizeof c->measured,
             "grad@1/grad@T identity %.3g, orthogonal %.2g, Gaussian %.2g; "
             "final MSE %.3g vs %.3g vs %.3g",
             gi, go, gg, ri->final_loss, ro->final_loss, rg->final_loss);
    section_claims(t, first);
    rc = figures(t, r.figures, r.n_figures);
    if (!rc)
        rc = save_json(t, "rnn", lab_json_rnn(&o, &r));
    nninit_lab_rnn_result_free(&r);
    return rc;
}

/* --- 6. train ----------------------------------------------------------- */
static const nninit_lab_train_result *g_tr;
static void p_tr(FILE *f) { lab_print_train(f, g_tr); }

static int demo_train(tour *t)
{
    heading(t, 6, "Training: initialization decides how well and how quickly "
                  "a model learns",
            "The MLP 784-256-128-10 (ReLU) on all 60000 Fashion-MNIST "
            "images, batch 128, SGD with momentum 0.9, lr 0.05, 3 epochs: "
            "the rule (He, then Xavier for the output layer) against small "
            "U(-0.01, 0.01) weights everywhere. (`nninit lab train` runs "
            "10 epochs.)");
    nninit_lab_train_opts o = nninit_lab_train_defaults();
    o.c = t->c;
    o.epochs = 3;
    if (t->tiny) {
        o.epochs = 1;
        o.n_train = 300;
        o.n_test = 100;
    }
    if (!o.c.fashion) {
        o.sizes[0] = 2;
        o.sizes[3] = 3;
    }
    nninit_lab_train_result r[2];
    nninit_lab_figure fig;
    nninit_error err;
    int rc = 0;
    for (int v = 0; v < 2 && !rc; v++) {
        if (v == 1)
            for (int k = 0; k < 16; k++)
                nninit_lab_init_parse("small", &o.inits[k], NULL);
        rc = nninit_lab_train(&o, &r[v], &err);
        lab_progress_done(&t->ps);
        if (rc) {
            if (v == 1)
                nninit_lab_train_free(&r[0]);
            return cli_error(cli_status_exit(rc), "%s", err.msg);
        }
        both(t, "\n%s:\n", v ? "small U(-0.01, 0.01)" : "the rule");
        g_tr = &r[v];
        BOTH_TABLE(t, p_tr);
        char name[32];
        snprintf(name, sizeof name, v ? "train-small" : "train-rule");
        if (!rc)
            rc = save_json(t, name, lab_json_train(&o, &r[v]));
    }
    /* one figure with both curves */
    memset(&fig, 0, sizeof fig);
    snprintf(fig.name, sizeof fig.name, "train-accuracy");
    snprintf(fig.title, sizeof fig.title,
             "train: test accuracy per epoch, MLP 784-256-128-10");
    snprintf(fig.xlabel, sizeof fig.xlabel, "epoch");
    snprintf(fig.ylabel, sizeof fig.ylabel, "test accuracy");
    fig.hline = NAN;
    fig.ymin = NAN;
    fig.ymax = NAN;
    nninit_lab_series s[2] = {r[0].acc.series[0], r[1].acc.series[0]};
    snprintf(s[0].label, sizeof s[0].label, "rule (He/Xavier)");
    snprintf(s[1].label, sizeof s[1].label, "small U(-0.01,0.01)");
    fig.series = s;
    fig.n_series = 2;
    int first = t->n_claims;
    const nninit_lab_train_epoch *a = r[0].epochs, *b = r[1].epochs;
    const int E = o.epochs;
    claim *c = add_claim(t, "train", a[0].test_accuracy > b[0].test_accuracy &&
                                         a[E - 1].test_accuracy >= 0.85);
    snprintf(c->claim, sizeof c->claim,
             "initialization decides how well and how quickly the model "
             "learns");
    snprintf(c->predicted, sizeof c->predicted,
             "the rule is ahead after epoch 1 and above 85%% after %d", E);
    snprintf(c->measured, sizeof c->measured,
             "epoch 1: %.1f%% (rule) vs %.1f%% (small); epoch %d: %.1f%% vs "
             "%.1f%%; %.2f s per epoch",
             100 * a[0].test_accuracy, 100 * b[0].test_accuracy, E,
             100 * a[E - 1].test_accuracy, 100 * b[E - 1].test_accuracy,
             a[E - 1].seconds);
    section_claims(t, first);
    if (!rc)
        rc = figures(t, &fig, 1);
    nninit_lab_train_free(&r[0]);
    nninit_lab_train_free(&r[1]);
    return rc;
}

static void help(void)
{
    printf(
        "usage: nninit demo [--out DIR] [--seed N] [--threads N] [--quiet]\n"
        "                   [--synthetic] [--data DIR] [--seed-network-only]\n"
        "\n"
        "The main job: a quick tour (a few minutes on 2 cores) of why\n"
        "initialization matters. First the seed network (Linear 10->50 + ReLU,\n"
        "Linear 50->30 + tanh, Linear 30->1 + sigmoid): which initializer each\n"
        "layer gets and why, sampled. Then each claim of the seed text, with\n"
        "what it predicts and what was measured side by side: symmetry,\n"
        "signal, depth, selu, rnn, train (see nninit lab --help).\n"
        "\n"
        "Writes a report to DIR (nninit-demo): report.md with SVG figures in\n"
        "figures/ and JSON summaries in json/. Progress goes to stderr.\n"
        "Fashion-MNIST comes from the Debian package dataset-fashion-mnist;\n"
        "--synthetic uses spirals and Gaussian inputs instead; --tiny shrinks\n"
        "every section to a smoke test of seconds (its verdicts mean little).\n");
}

int cmd_demo(int argc, char **argv)
{
    nninit_fill_opts fo = nninit_fill_opts_default();
    const char *out_dir = "nninit-demo", *data = NULL;
    int threads = 0, quiet = 0, synthetic = 0, seed_only = 0, tiny = 0;
    cli_parser p;
    cli_init(&p, argc, argv, 1, demo_opts);
    for (int k; (k = cli_next(&p)) != CLI_END;) {
        if (k == CLI_ERROR)
            return EXIT_BAD_INPUT;
        if (k == O_HELP) {
            help();
            return 0;
        }
        if (k == O_SEED && cli_seed("seed", p.value, &fo.seed))
            return EXIT_BAD_INPUT;
        if (k == O_OUT)
            out_dir = p.value;
        if (k == O_DATA)
            data = p.value;
        if (k == O_THREADS && (cli_int("threads", p.value, &threads) ||
                               (threads < 1 &&
                                cli_error(EXIT_BAD_INPUT,
                                          "--threads must be >= 1"))))
            return EXIT_BAD_INPUT;
        if (k == O_QUIET)
            quiet = 1;
        if (k == O_SYNTH)
            synthetic = 1;
        if (k == O_SEED_ONLY)
            seed_only = 1;
        if (k == O_TINY)
            tiny = 1;
        if (k == CLI_POSITIONAL)
            return cli_error(EXIT_BAD_INPUT, "unexpected argument '%s'",
                             p.value);
    }
    if (seed_only)
        return seed_network(stdout, fo);

    tour t;
    memset(&t, 0, sizeof t);
    t.out_dir = out_dir;
    t.tiny = tiny;
    t.c.seed = fo.seed;
    t.c.fashion = !synthetic;
    t.c.data_dir = data;
    t.c.progress = lab_progress;
    t.c.progress_ud = &t.ps;
    lab_progress_init(&t.ps, quiet);
    if (t.c.fashion) { /* fail early and clearly when the data is missing */
        nninit_lab_data d;
        nninit_error err;
        int rc = nninit_lab_fashion_load(data, 0, 1, &d, &err);
        if (rc)
            return cli_error(cli_status_exit(rc), "%s (or run nninit demo "
                                                  "--synthetic)",
                             err.msg);
        nninit_lab_data_free(&d);
    }
    int rc = lab_mkdir(out_dir);
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/json", out_dir);
    if (!rc)
        rc = lab_mkdir(sub);
    snprintf(t.fig_dir, sizeof t.fig_dir, "%s/figures", out_dir);
    if (!rc)
        rc = lab_mkdir(t.fig_dir);
    if (rc)
        return rc;
    t.md = open_memstream(&t.md_buf, &t.md_len);
    if (!t.md)
        return cli_error(EXIT_RUNTIME, "out of memory");
    int nthreads = nninit_lab_set_threads(threads);
    time_t now = time(NULL);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    fprintf(t.md,
            "# nninit demo: why initialization matters, measured\n\n"
            "Produced by `nninit demo` (nninit %s) on %s, seed %llu, %d "
            "BLAS thread(s) (OpenBLAS %s kernels), data: %s. Every number "
            "below was measured by this run; rerun the command to reproduce "
            "it (same seed, same numbers for the same BLAS threads and "
            "kernels).\n",
            nninit_version(), when, (unsigned long long)fo.seed, nthreads,
            nninit_lab_blas_core(),
            t.c.fashion ? "Fashion-MNIST (Debian dataset-fashion-mnist)"
                        : "synthetic (spirals, Gaussian inputs)");

    printf("== 0. ");
    fprintf(t.md, "\n## 0. The seed network\n\n```\n");
    fflush(stdout);
    char *sbuf = NULL;
    size_t slen = 0;
    FILE *sf = open_memstream(&sbuf, &slen);
    if (!sf || seed_network(sf, fo)) {
        if (sf)
            fclose(sf);
        free(sbuf);
        fclose(t.md);
        free(t.md_buf);
        return EXIT_RUNTIME;
    }
    fclose(sf);
    fputs(sbuf, stdout);
    fputs(sbuf, t.md);
    fprintf(t.md, "```\n");
    free(sbuf);

    int (*steps[])(tour *) = {demo_symmetry, demo_signal, demo_depth,
                              demo_selu, demo_rnn, demo_train};
    for (size_t i = 0; i < sizeof steps / sizeof *steps && !rc; i++)
        rc = steps[i](&t);
    lab_progress_done(&t.ps);
    if (!rc) {
        int held = 0;
        for (int i = 0; i < t.n_claims; i++)
            held += t.claims[i].holds;
        printf("\n== Summary: %d of %d claims hold in this run\n", held,
               t.n_claims);
        fprintf(t.md, "\n## Summary: %d of %d claims hold in this run\n\n"
                      "| section | claim | verdict |\n|---|---|---|\n",
                held, t.n_claims);
        for (int i = 0; i < t.n_claims; i++) {
            printf("  %-9s %-66.66s %s\n", t.claims[i].section,
                   t.claims[i].claim,
                   t.claims[i].holds ? "holds" : "DOES NOT HOLD");
            fprintf(t.md, "| %s | %s | %s |\n", t.claims[i].section,
                    t.claims[i].claim,
                    t.claims[i].holds ? "holds" : "**does not hold**");
        }
        fprintf(t.md, "\nTotal time: %.0f s.\n",
                difftime(time(NULL), now));
    }
    fclose(t.md);
    if (!rc) {
        char path[4200];
        snprintf(path, sizeof path, "%s/report.md", out_dir);
        nninit_ofile of;
        nninit_error err;
        rc = nninit_ofile_open(&of, path, &err);
        if (!rc) {
            rc = nninit_ofile_write(&of, t.md_buf, t.md_len, &err);
            if (rc)
                nninit_ofile_abort(&of);
            else
                rc = nninit_ofile_commit(&of, &err);
        }
        if (rc)
            rc = cli_error(EXIT_RUNTIME, "%s", err.msg);
        else
            printf("\nReport: %s (figures in %s/figures, JSON in %s/json)\n",
                   path, out_dir, out_dir);
    }
    free(t.md_buf);
    return rc;
}
