/*
 * exp.c: the experiments behind `nninit lab NAME` and `nninit demo`.
 *
 * Each one fills a result struct (numbers and figures) and prints nothing;
 * the CLI turns results into tables, JSON and SVG files. All randomness comes
 * from (seed, a named stream), so a run is reproducible.
 */
#define _POSIX_C_SOURCE 200809L
#include "lab_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

double nninit_lab_std(const real *x, size_t n, double *mean)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    double m = n ? s / (double)n : 0;
    for (size_t i = 0; i < n; i++)
        ss += ((double)x[i] - m) * ((double)x[i] - m);
    if (mean)
        *mean = m;
    return n ? sqrt(ss / (double)n) : 0;
}

int nninit_lab_distinct_rows(const real *m, int rows, int cols, double tol)
{
    /* greedy: a row is new if it differs from every representative so far */
    int *rep = (int *)malloc((size_t)(rows > 0 ? rows : 1) * sizeof(int));
    if (!rep)
        return -1;
    int nrep = 0;
    for (int r = 0; r < rows; r++) {
        const real *a = m + (size_t)r * cols;
        int found = 0;
        for (int k = 0; k < nrep && !found; k++) {
            const real *b = m + (size_t)rep[k] * cols;
            int same = 1;
            for (int j = 0; j < cols && same; j++)
                same = fabs((double)a[j] - b[j]) <= tol;
            found = same;
        }
        if (!found)
            rep[nrep++] = r;
    }
    free(rep);
    return nrep;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void progress(const nninit_lab_common *c, const char *what, double f)
{
    if (c->progress)
        c->progress(c->progress_ud, what, f);
}

static int fig_init(nninit_lab_figure *f, const char *name, const char *title,
                    const char *xl, const char *yl, int logy, int n_series,
                    nninit_error *err)
{
    memset(f, 0, sizeof *f);
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->title, sizeof f->title, "%s", title);
    snprintf(f->xlabel, sizeof f->xlabel, "%s", xl);
    snprintf(f->ylabel, sizeof f->ylabel, "%s", yl);
    f->logy = logy;
    f->hline = NAN;
    f->ymin = NAN;
    f->ymax = NAN;
    f->series = (nninit_lab_series *)calloc(
        (size_t)(n_series > 0 ? n_series : 1), sizeof(nninit_lab_series));
    if (!f->series)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    return NNINIT_OK;
}

/* Append a series (copies x and y). */
static int fig_add(nninit_lab_figure *f, const char *label, int n,
                   const double *x, const double *y, nninit_error *err)
{
    nninit_lab_series *s = &f->series[f->n_series];
    memset(s, 0, sizeof *s);
    snprintf(s->label, sizeof s->label, "%s", label);
    s->x = (double *)malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    s->y = (double *)malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    if (!s->x || !s->y) {
        free(s->x);
        free(s->y);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    if (n > 0) {
        memcpy(s->x, x, (size_t)n * sizeof(double));
        memcpy(s->y, y, (size_t)n * sizeof(double));
    }
    s->n = n;
    f->n_series++;
    return NNINIT_OK;
}

static double *dalloc(size_t n)
{
    double *p = (double *)calloc(n ? n : 1, sizeof(double));
    return p;
}

static int check_inits(int n, int max, nninit_error *err)
{
    if (n < 1 || n > max)
        return nninit__fail(err, NNINIT_EINVAL,
                            "need 1 to %d initializers (got %d)", max, n);
    return NNINIT_OK;
}

static int check_range(const char *what, long v, long lo, long hi,
                       nninit_error *err)
{
    if (v < lo || v > hi)
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s must be in [%ld, %ld] (got %ld)", what, lo, hi,
                            v);
    return NNINIT_OK;
}

/* Fashion-MNIST or spirals (5 arms) for train and test. */
static int load_data(const nninit_lab_common *c, int n_train, int n_test,
                     nninit_lab_data *tr, nninit_lab_data *te,
                     nninit_error *err)
{
    memset(tr, 0, sizeof *tr);
    memset(te, 0, sizeof *te);
    int rc;
    if (c->fashion) {
        rc = nninit_lab_fashion_load(c->data_dir, 1, n_train, tr, err);
        if (!rc)
            rc = nninit_lab_fashion_load(c->data_dir, 0, n_test, te, err);
    } else {
        rc = nninit_lab_spirals(n_train > 0 ? n_train : 4000, 3, 0.05,
                                c->seed, tr, err);
        if (!rc)
            rc = nninit_lab_spirals(n_test > 0 ? n_test : 1000, 3, 0.05,
                                    c->seed ^ 0x5bd1e995u, te, err);
    }
    if (rc) {
        nninit_lab_data_free(tr);
        nninit_lab_data_free(te);
    }
    return rc;
}

/* Test accuracy of an MLP on a data set, in batches of the net's max. */
static double evaluate(nninit_lab_mlp *net, const nninit_lab_data *d, int mb)
{
    int ok = 0;
    for (int i = 0; i < d->n; i += mb) {
        int b = d->n - i < mb ? d->n - i : mb;
        nninit_lab_mlp_forward(net, d->x + (size_t)i * d->dim, b);
        ok += nninit_lab_count_correct(nninit_lab_mlp_output(net), d->y + i,
                                       b, d->classes);
    }
    return d->n ? (double)ok / d->n : 0;
}

/* A shuffled minibatch stream over a data set. */
typedef struct batcher {
    const nninit_lab_data *d;
    nninit_rng rng;
    uint32_t *idx;
    int pos, batch;
    real *x;
    int32_t *y;
} batcher;

static int batcher_init(batcher *b, const nninit_lab_data *d, int batch,
                        uint64_t seed, const char *stream, nninit_error *err)
{
    memset(b, 0, sizeof *b);
    b->d = d;
    b->batch = batch;
    nninit_rng_init(&b->rng, seed, nninit_stream_from_name(stream));
    b->idx = (uint32_t *)malloc((size_t)d->n * sizeof(uint32_t));
    b->x = (real *)malloc((size_t)batch * d->dim * sizeof(real));
    b->y = (int32_t *)malloc((size_t)batch * sizeof(int32_t));
    if (!b->idx || !b->x || !b->y) {
        free(b->idx);
        free(b->x);
        free(b->y);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    for (int i = 0; i < d->n; i++)
        b->idx[i] = (uint32_t)i;
    b->pos = d->n; /* shuffle on first use */
    return NNINIT_OK;
}

static void batcher_free(batcher *b)
{
    free(b->idx);
    free(b->x);
    free(b->y);
}

/* Next batch; returns its size (the last one of an epoch may be short when
 * `whole` is 0, so epochs cover every example exactly once). */
static int batcher_next(batcher *b, int *epoch_end)
{
    if (b->pos >= b->d->n) {
        nninit_lab_shuffle(&b->rng, b->idx, b->d->n);
        b->pos = 0;
    }
    int n = b->d->n - b->pos < b->batch ? b->d->n - b->pos : b->batch;
    nninit_lab_data_gather(b->d, b->idx + b->pos, n, b->x, b->y);
    b->pos += n;
    if (epoch_end)
        *epoch_end = b->pos >= b->d->n;
    return n;
}

/* One SGD step on a batch; returns the loss. */
static double train_step(nninit_lab_mlp *net, nninit_lab_optim *opt,
                         const real *x, const int32_t *y, int n, int classes,
                         real *dl)
{
    nninit_lab_mlp_forward(net, x, n);
    double loss = nninit_lab_softmax_xent(nninit_lab_mlp_output(net), y, n,
                                          classes, dl);
    nninit_lab_mlp_backward(net, dl);
    int np;
    nninit_lab_param *p = nninit_lab_mlp_params(net, &np);
    nninit_lab_optim_step(opt, p, np);
    return loss;
}

/* ------------------------------------------------------------------------ */
/* symmetry                                                                 */
/* ------------------------------------------------------------------------ */

nninit_lab_symmetry_opts nninit_lab_symmetry_defaults(void)
{
    nninit_lab_symmetry_opts o;
    memset(&o, 0, sizeof o);
    o.c.fashion = 1;
    o.n_train = 10000;
    o.n_test = 2000;
    o.hidden_layers = 2;
    o.width = 64;
    o.act = NNINIT_ACT_RELU;
    o.epochs = 3;
    o.batch = 64;
    o.lr = 0.05;
    o.n_inits = 3;
    o.inits[0] = nninit_lab_init_of(nninit_spec_make(NNINIT_ZEROS));
    nninit_spec cs = nninit_spec_make(NNINIT_CONSTANT);
    cs.value = 0.05;
    o.inits[1] = nninit_lab_init_of(cs);
    o.inits[2] = nninit_lab_init_rule();
    return o;
}

void nninit_lab_symmetry_free(nninit_lab_symmetry_result *r)
{
    for (int i = 0; i < r->n_runs; i++)
        free(r->runs[i].distinct_units);
    r->n_runs = 0;
    nninit_lab_figure_free(&r->loss);
}

int nninit_lab_symmetry(const nninit_lab_symmetry_opts *o,
                        nninit_lab_symmetry_result *r, nninit_error *err)
{
    memset(r, 0, sizeof *r);
    int rc;
    if ((rc = check_inits(o->n_inits, NNINIT_LAB_MAX_RUNS, err)) ||
        (rc = check_range("hidden layers", o->hidden_layers, 1, 64, err)) ||
        (rc = check_range("width", o->width, 1, 1 << 16, err)) ||
        (rc = check_range("epochs", o->epochs, 1, 100000, err)) ||
        (rc = check_range("batch", o->batch, 1, 1 << 16, err)))
        return rc;
    if (!(o->lr > 0) || !isfinite(o->lr))
        return nninit__fail(err, NNINIT_EINVAL, "lr must be > 0");
    nninit_lab_data tr, te;
    if ((rc = load_data(&o->c, o->n_train, o->n_test, &tr, &te, err)))
        return rc;
    const int L = o->hidden_layers + 1;
    int sizes[66];
    nninit_activation acts[65];
    nninit_lab_init winit[65];
    sizes[0] = tr.dim;
    for (int k = 0; k < L; k++) {
        sizes[k + 1] = k == L - 1 ? tr.classes : o->width;
        acts[k] = k == L - 1 ? NNINIT_ACT_NONE : o->act;
    }
    r->width = o->width;
    if ((rc = fig_init(&r->loss, "symmetry-loss",
                       "symmetry: training loss per epoch", "epoch",
                       "training loss (cross-entropy)", 0, o->n_inits, err)))
        goto out;
    real *dl = (real *)malloc((size_t)o->batch * tr.classes * sizeof(real));
    real *rowbuf = (real *)malloc((size_t)o->width * (tr.dim > o->width
                                                          ? tr.dim + 1
                                                          : o->width + 1) *
                                  sizeof(real));
    double *ex = dalloc((size_t)o->epochs), *ey = dalloc((size_t)o->epochs);
    if (!dl || !rowbuf || !ex || !ey) {
        free(dl);
        free(rowbuf);
        free(ex);
        free(ey);
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < o->n_inits && !rc; i++) {
        nninit_lab_symmetry_run *run = &r->runs[i];
        nninit_lab_init_label(&o->inits[i], run->init, sizeof run->init);
        for (int k = 0; k < L; k++)
            winit[k] = o->inits[i];
        nninit_lab_mlp_desc d = nninit_lab_mlp_desc_make(L, sizes, acts);
        d.weight_init = winit;
        d.seed = o->c.seed;
        d.max_batch = o->batch;
        nninit_lab_mlp *net = NULL;
        if ((rc = nninit_lab_mlp_new(&d, NULL, &net, err)))
            break;
        nninit_lab_optim opt = nninit_lab_optim_make(NNINIT_LAB_MOMENTUM, o->lr);
        batcher bt;
        if ((rc = batcher_init(&bt, &tr, o->batch, o->c.seed,
                               "lab.symmetry.shuffle", err))) {
            nninit_lab_mlp_free(net);
            break;
        }
        for (int e = 0; e < o->epochs; e++) {
            double sum = 0;
            int nb = 0, end = 0;
            while (!end) {
                int n = batcher_next(&bt, &end);
                sum += train_step(net, &opt, bt.x, bt.y, n, tr.classes, dl);
                nb++;
            }
            ex[e] = e + 1;
            ey[e] = sum / nb;
            char what[96];
            snprintf(what, sizeof what, "symmetry: %s", run->init);
            progress(&o->c, what,
                     (i + (e + 1.0) / o->epochs) / o->n_inits);
        }
        run->final_loss = ey[o->epochs - 1];
        run->test_accuracy = evaluate(net, &te, o->batch);
        run->n_hidden = o->hidden_layers;
        run->distinct_units = (int *)calloc((size_t)o->hidden_layers, sizeof(int));
        int np;
        nninit_lab_param *p = nninit_lab_mlp_params(net, &np);
        for (int k = 0; k < o->hidden_layers && run->distinct_units; k++) {
            const nninit_lab_param *W = &p[2 * k], *b = &p[2 * k + 1];
            const int cols = (int)W->cols + 1;
            double mx = 0;
            for (int rr = 0; rr < (int)W->rows; rr++) {
                memcpy(rowbuf + (size_t)rr * cols, W->w + (size_t)rr * W->cols,
                       (size_t)W->cols * sizeof(real));
                rowbuf[(size_t)rr * cols + W->cols] = b->w[rr];
            }
            for (size_t q = 0; q < (size_t)W->rows * cols; q++)
                mx = fmax(mx, fabs(rowbuf[q]));
            run->distinct_units[k] = nninit_lab_distinct_rows(
                rowbuf, (int)W->rows, cols, 1e-4 * mx + 1e-30);
        }
        if (!run->distinct_units)
            rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        r->n_runs = i + 1;
        if (!rc)
            rc = fig_add(&r->loss, run->init, o->epochs, ex, ey, err);
        batcher_free(&bt);
        nninit_lab_mlp_free(net);
    }
    free(dl);
    free(rowbuf);
    free(ex);
    free(ey);
out:
    nninit_lab_data_free(&tr);
    nninit_lab_data_free(&te);
    if (rc)
        nninit_lab_symmetry_free(r);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* signal                                                                   */
/* ------------------------------------------------------------------------ */

nninit_lab_signal_opts nninit_lab_signal_defaults(void)
{
    nninit_lab_signal_opts o;
    memset(&o, 0, sizeof o);
    o.c.fashion = 1;
    o.depth = 20;
    o.width = 256;
    o.batch = 256;
    o.n_acts = 2;
    o.acts[0] = NNINIT_ACT_TANH;
    o.acts[1] = NNINIT_ACT_RELU;
    static const char *const names[] = {"small", "large", "xavier_uniform",
                                        "kaiming_normal", "rule"};
    o.n_inits = 5;
    for (int i = 0; i < 5; i++)
        nninit_lab_init_parse(names[i], &o.inits[i], NULL);
    return o;
}

void nninit_lab_signal_free(nninit_lab_signal_result *r)
{
    for (int i = 0; i < r->n_runs; i++) {
        free(r->runs[i].act_std);
        free(r->runs[i].grad_std);
    }
    r->n_runs = 0;
    for (int f = 0; f < r->n_figures; f++)
        nninit_lab_figure_free(&r->figures[f]);
    r->n_figures = 0;
}

/* The input batch of signal/selu: Fashion-MNIST test images, or N(0, 1). */
static int input_batch(const nninit_lab_common *c, int batch, int dim_if_synth,
                       real **x, int32_t **y, int *dim, nninit_error *err)
{
    *x = NULL;
    *y = NULL;
    if (c->fashion) {
        nninit_lab_data te;
        int rc = nninit_lab_fashion_load(c->data_dir, 0, batch, &te, err);
        if (rc)
            return rc;
        *x = te.x;
        *y = te.y;
        *dim = te.dim;
        return NNINIT_OK;
    }
    *dim = dim_if_synth;
    *x = (real *)malloc((size_t)batch * dim_if_synth * sizeof(real));
    *y = (int32_t *)malloc((size_t)batch * sizeof(int32_t));
    if (!*x || !*y) {
        free(*x);
        free(*y);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    nninit_rng g;
    nninit_rng_init(&g, c->seed, nninit_stream_from_name("lab.input"));
    for (size_t i = 0; i < (size_t)batch * dim_if_synth; i++)
        (*x)[i] = (real)nninit_rng_normal(&g);
    for (int i = 0; i < batch; i++)
        (*y)[i] = (int32_t)nninit_rng_below(&g, 10);
    return NNINIT_OK;
}

int nninit_lab_signal(const nninit_lab_signal_opts *o,
                      nninit_lab_signal_result *r, nninit_error *err)
{
    memset(r, 0, sizeof *r);
    int rc;
    if ((rc = check_inits(o->n_inits, NNINIT_LAB_MAX_RUNS, err)) ||
        (rc = check_range("activations", o->n_acts, 1, 16, err)) ||
        (rc = check_range("depth", o->depth, 1, 10000, err)) ||
        (rc = check_range("width", o->width, 1, 1 << 16, err)) ||
        (rc = check_range("batch", o->batch, 2, 1 << 16, err)))
        return rc;
    if (o->n_acts * o->n_inits > NNINIT_LAB_MAX_RUNS)
        return nninit__fail(err, NNINIT_EINVAL,
                            "at most %d activation x initializer runs",
                            NNINIT_LAB_MAX_RUNS);
    for (int a = 0; a < o->n_acts; a++)
        if (!nninit_lab_act_supported(o->acts[a]))
            return nninit__fail(err, NNINIT_EINVAL,
                                "activation '%s' is not supported by the lab",
                                nninit_activation_name(o->acts[a]));
    real *x;
    int32_t *y;
    int dim;
    if ((rc = input_batch(&o->c, o->batch, o->width, &x, &y, &dim, err)))
        return rc;
    const int D = o->depth, L = D + 1;
    int *sizes = (int *)malloc((size_t)(L + 1) * sizeof(int));
    nninit_activation *acts = (nninit_activation *)malloc((size_t)L * sizeof *acts);
    nninit_lab_init *winit = (nninit_lab_init *)malloc((size_t)L * sizeof *winit);
    real *dl = (real *)malloc((size_t)o->batch * 10 * sizeof(real));
    double *lx = dalloc((size_t)D);
    if (!sizes || !acts || !winit || !dl || !lx) {
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        goto out;
    }
    sizes[0] = dim;
    for (int k = 0; k < L; k++)
        sizes[k + 1] = k == D ? 10 : o->width;
    for (int k = 0; k < D; k++)
        lx[k] = k + 1;
    for (int a = 0; a < o->n_acts && !rc; a++) {
        const char *an = nninit_activation_name(o->acts[a]);
        char nm[48], title[128];
        nninit_lab_figure *fa = &r->figures[r->n_figures];
        snprintf(nm, sizeof nm, "signal-act-%s", an);
        snprintf(title, sizeof title,
                 "signal: activation std per layer, %s, width %d", an,
                 o->width);
        if ((rc = fig_init(fa, nm, title, "layer", "std of activations", 1,
                           o->n_inits, err)))
            break;
        r->n_figures++;
        nninit_lab_figure *fg = &r->figures[r->n_figures];
        snprintf(nm, sizeof nm, "signal-grad-%s", an);
        snprintf(title, sizeof title,
                 "signal: back-propagated gradient std per layer, %s", an);
        if ((rc = fig_init(fg, nm, title, "layer", "std of dLoss/dz", 1,
                           o->n_inits, err)))
            break;
        r->n_figures++;
        for (int i = 0; i < o->n_inits && !rc; i++) {
            nninit_lab_signal_run *run = &r->runs[r->n_runs];
            run->act = o->acts[a];
            nninit_lab_init_label(&o->inits[i], run->init, sizeof run->init);
            for (int k = 0; k < L; k++) {
                acts[k] = k == D ? NNINIT_ACT_NONE : o->acts[a];
                /* the head is a fixed measuring device: always the rule */
                winit[k] = k == D ? nninit_lab_init_rule() : o->inits[i];
            }
            nninit_lab_mlp_desc d = nninit_lab_mlp_desc_make(L, sizes, acts);
            d.weight_init = winit;
            d.seed = o->c.seed;
            d.max_batch = o->batch;
            nninit_lab_mlp *net;
            if ((rc = nninit_lab_mlp_new(&d, NULL, &net, err)))
                break;
            nninit_lab_mlp_forward(net, x, o->batch);
            nninit_lab_softmax_xent(nninit_lab_mlp_output(net), y, o->batch,
                                    10, dl);
            nninit_lab_mlp_backward(net, dl);
            run->depth = D;
            run->act_std = dalloc((size_t)D);
            run->grad_std = dalloc((size_t)D);
            r->n_runs++;
            if (!run->act_std || !run->grad_std) {
                nninit_lab_mlp_free(net);
                rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
                break;
            }
            const size_t n = (size_t)o->batch * o->width;
            for (int k = 0; k < D; k++) {
                run->act_std[k] =
                    nninit_lab_std(nninit_lab_mlp_layer_output(net, k), n, NULL);
                run->grad_std[k] =
                    nninit_lab_std(nninit_lab_mlp_layer_grad(net, k), n, NULL);
            }
            nninit_lab_mlp_free(net);
            rc = fig_add(fa, run->init, D, lx, run->act_std, err);
            if (!rc)
                rc = fig_add(fg, run->init, D, lx, run->grad_std, err);
            progress(&o->c, "signal",
                     (double)(a * o->n_inits + i + 1) / (o->n_acts * o->n_inits));
        }
    }
out:
    free(x);
    free(y);
    free(sizes);
    free(acts);
    free(winit);
    free(dl);
    free(lx);
    if (rc)
        nninit_lab_signal_free(r);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* depth                                                                    */
/* ------------------------------------------------------------------------ */

nninit_lab_depth_opts nninit_lab_depth_defaults(void)
{
    nninit_lab_depth_opts o;
    memset(&o, 0, sizeof o);
    o.c.fashion = 1;
    o.depth = 30;
    o.width = 128;
    o.act = NNINIT_ACT_RELU;
    o.steps = 1000;
    o.batch = 64;
    o.log_every = 25;
    o.n_train = 0;
    o.n_test = 2000;
    o.lr = 0.01;
    o.n_inits = 2;
    o.inits[0] = nninit_lab_init_of(nninit_spec_make(NNINIT_XAVIER_UNIFORM));
    nninit_spec he = nninit_spec_make(NNINIT_KAIMING_NORMAL);
    he.nonlinearity = NNINIT_NL_RELU;
    o.inits[1] = nninit_lab_init_of(he);
    return o;
}

void nninit_lab_depth_free(nninit_lab_depth_result *r)
{
    for (int i = 0; i < r->n_runs; i++) {
        free(r->runs[i].step);
        free(r->runs[i].train_loss);
    }
    r->n_runs = 0;
    nninit_lab_figure_free(&r->loss);
}

int nninit_lab_depth(const nninit_lab_depth_opts *o,
                     nninit_lab_depth_result *r, nninit_error *err)
{
    memset(r, 0, sizeof *r);
    int rc;
    if ((rc = check_inits(o->n_inits, NNINIT_LAB_MAX_RUNS, err)) ||
        (rc = check_range("depth", o->depth, 1, 10000, err)) ||
        (rc = check_range("width", o->width, 1, 1 << 16, err)) ||
        (rc = check_range("steps", o->steps, 1, 100000000, err)) ||
        (rc = check_range("batch", o->batch, 1, 1 << 16, err)) ||
        (rc = check_range("log-every", o->log_every, 1, 100000000, err)))
        return rc;
    if (!(o->lr > 0) || !isfinite(o->lr))
        return nninit__fail(err, NNINIT_EINVAL, "lr must be > 0");
    if (!nninit_lab_act_supported(o->act))
        return nninit__fail(err, NNINIT_EINVAL, "unsupported activation");
    nninit_lab_data tr, te;
    if ((rc = load_data(&o->c, o->n_train, o->n_test, &tr, &te, err)))
        return rc;
    const int D = o->depth, L = D + 1;
    const int nlog = (o->steps + o->log_every - 1) / o->log_every;
    int *sizes = (int *)malloc((size_t)(L + 1) * sizeof(int));
    nninit_activation *acts = (nninit_activation *)malloc((size_t)L * sizeof *acts);
    nninit_lab_init *winit = (nninit_lab_init *)malloc((size_t)L * sizeof *winit);
    real *dl = (real *)malloc((size_t)o->batch * tr.classes * sizeof(real));
    if (!sizes || !acts || !winit || !dl) {
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        goto out;
    }
    sizes[0] = tr.dim;
    for (int k = 0; k < L; k++) {
        sizes[k + 1] = k == D ? tr.classes : o->width;
        acts[k] = k == D ? NNINIT_ACT_NONE : o->act;
    }
    char title[128];
    snprintf(title, sizeof title,
             "depth: %d-layer %s MLP (width %d), training loss", D,
             nninit_activation_name(o->act), o->width);
    if ((rc = fig_init(&r->loss, "depth-loss", title, "step",
                       "training loss (mean over the window)", 0, o->n_inits,
                       err)))
        goto out;
    r->loss.hline = log((double)tr.classes);
    snprintf(r->loss.hline_label, sizeof r->loss.hline_label,
             "ln %d: chance", tr.classes);
    for (int i = 0; i < o->n_inits && !rc; i++) {
        nninit_lab_depth_run *run = &r->runs[i];
        nninit_lab_init_label(&o->inits[i], run->init, sizeof run->init);
        for (int k = 0; k < L; k++)
            winit[k] = o->inits[i];
        nninit_lab_mlp_desc d = nninit_lab_mlp_desc_make(L, sizes, acts);
        d.weight_init = winit;
        d.seed = o->c.seed;
        d.max_batch = o->batch;
        nninit_lab_mlp *net;
        if ((rc = nninit_lab_mlp_new(&d, NULL, &net, err)))
            break;
        run->step = dalloc((size_t)nlog);
        run->train_loss = dalloc((size_t)nlog);
        r->n_runs = i + 1;
        batcher bt;
        if (!run->step || !run->train_loss ||
            batcher_init(&bt, &tr, o->batch, o->c.seed, "lab.depth.shuffle",
                         err)) {
            nninit_lab_mlp_free(net);
            rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
            break;
        }
        nninit_lab_optim opt = nninit_lab_optim_make(NNINIT_LAB_MOMENTUM, o->lr);
        double sum = 0;
        int cnt = 0, diverged = 0;
        for (int s = 0; s < o->steps; s++) {
            int n = batcher_next(&bt, NULL);
            if (s == 0) {
                nninit_lab_mlp_forward(net, bt.x, n);
                size_t w = (size_t)n * o->width;
                run->act_std_first =
                    nninit_lab_std(nninit_lab_mlp_layer_output(net, 0), w, NULL);
                run->act_std_last = nninit_lab_std(
                    nninit_lab_mlp_layer_output(net, D - 1), w, NULL);
            }
            double loss = diverged ? NAN
                                   : train_step(net, &opt, bt.x, bt.y, n,
                                                tr.classes, dl);
            if (!isfinite(loss))
                diverged = 1;
            sum += loss;
            cnt++;
            if (cnt == o->log_every || s == o->steps - 1) {
                run->step[run->n_log] = s + 1;
                run->train_loss[run->n_log++] = sum / cnt;
                sum = 0;
                cnt = 0;
                char what[96];
                snprintf(what, sizeof what, "depth: %s", run->init);
                progress(&o->c, what,
                         (i + (s + 1.0) / o->steps) / o->n_inits);
            }
        }
        run->final_train_loss = run->train_loss[run->n_log - 1];
        run->test_accuracy = diverged ? NAN : evaluate(net, &te, o->batch);
        batcher_free(&bt);
        nninit_lab_mlp_free(net);
        rc = fig_add(&r->loss, run->init, run->n_log, run->step,
                     run->train_loss, err);
    }
out:
    free(sizes);
    free(acts);
    free(winit);
    free(dl);
    nninit_lab_data_free(&tr);
    nninit_lab_data_free(&te);
    if (rc)
        nninit_lab_depth_free(r);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* selu                                                                     */
/* ------------------------------------------------------------------------ */

nninit_lab_selu_opts nninit_lab_selu_defaults(void)
{
    nninit_lab_selu_opts o;
    memset(&o, 0, sizeof o);
    o.c.fashion = 0;
    o.depth = 64;
    o.width = 256;
    o.batch = 256;
    o.act = NNINIT_ACT_SELU;
    static const char *const names[] = {"lecun_normal", "xavier_uniform",
                                        "kaiming_normal", "small"};
    o.n_inits = 4;
    for (int i = 0; i < 4; i++)
        nninit_lab_init_parse(names[i], &o.inits[i], NULL);
    return o;
}

void nninit_lab_selu_free(nninit_lab_selu_result *r)
{
    for (int i = 0; i < r->n_runs; i++) {
        free(r->runs[i].mean);
        free(r->runs[i].var);
    }
    r->n_runs = 0;
    nninit_lab_figure_free(&r->mean);
    nninit_lab_figure_free(&r->var);
}

int nninit_lab_selu(const nninit_lab_selu_opts *o, nninit_lab_selu_result *r,
                    nninit_error *err)
{
    memset(r, 0, sizeof *r);
    int rc;
    if ((rc = check_inits(o->n_inits, NNINIT_LAB_MAX_RUNS, err)) ||
        (rc = check_range("depth", o->depth, 1, 10000, err)) ||
        (rc = check_range("width", o->width, 1, 1 << 16, err)) ||
        (rc = check_range("batch", o->batch, 2, 1 << 16, err)))
        return rc;
    if (!nninit_lab_act_supported(o->act))
        return nninit__fail(err, NNINIT_EINVAL, "unsupported activation");
    /* standardized inputs: the fixed-point analysis assumes mean 0, var 1 */
    nninit_lab_common c = o->c;
    c.fashion = 0;
    real *x;
    int32_t *y;
    int dim;
    if ((rc = input_batch(&c, o->batch, o->width, &x, &y, &dim, err)))
        return rc;
    const int D = o->depth;
    int *sizes = (int *)malloc((size_t)(D + 1) * sizeof(int));
    nninit_activation *acts = (nninit_activation *)malloc((size_t)D * sizeof *acts);
    nninit_lab_init *winit = (nninit_lab_init *)malloc((size_t)D * sizeof *winit);
    double *lx = dalloc((size_t)D);
    if (!sizes || !acts || !winit || !lx) {
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        goto out;
    }
    for (int k = 0; k <= D; k++)
        sizes[k] = o->width;
    for (int k = 0; k < D; k++) {
        acts[k] = o->act;
        lx[k] = k + 1;
    }
    const char *an = nninit_activation_name(o->act);
    char title[128];
    snprintf(title, sizeof title, "selu: mean of activations per layer (%s)",
             an);
    if ((rc = fig_init(&r->mean, "selu-mean", title, "layer", "mean", 0,
                       o->n_inits, err)))
        goto out;
    snprintf(title, sizeof title,
             "selu: variance of activations per layer (%s)", an);
    if ((rc = fig_init(&r->var, "selu-var", title, "layer", "variance", 1,
                       o->n_inits, err)))
        goto out;
    r->var.hline = 1.0;
    r->var.ymin = 1e-4; /* a vanishing run would flatten the rest */
    r->var.ymax = 1e4;
    snprintf(r->var.hline_label, sizeof r->var.hline_label,
             "fixed point: variance 1");
    r->mean.hline = 0.0;
    snprintf(r->mean.hline_label, sizeof r->mean.hline_label,
             "fixed point: mean 0");
    for (int i = 0; i < o->n_inits && !rc; i++) {
        nninit_lab_selu_run *run = &r->runs[i];
        nninit_lab_init_label(&o->inits[i], run->init, sizeof run->init);
        for (int k = 0; k < D; k++)
            winit[k] = o->inits[i];
        nninit_lab_mlp_desc d = nninit_lab_mlp_desc_make(D, sizes, acts);
        d.weight_init = winit;
        d.seed = o->c.seed;
        d.max_batch = o->batch;
        nninit_lab_mlp *net;
        if ((rc = nninit_lab_mlp_new(&d, NULL, &net, err)))
            break;
        nninit_lab_mlp_forward(net, x, o->batch);
        run->depth = D;
        run->mean = dalloc((size_t)D);
        run->var = dalloc((size_t)D);
        r->n_runs = i + 1;
        if (!run->mean || !run->var) {
            nninit_lab_mlp_free(net);
            rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
            break;
        }
        for (int k = 0; k < D; k++) {
            double sd = nninit_lab_std(nninit_lab_mlp_layer_output(net, k),
                                       (size_t)o->batch * o->width,
                                       &run->mean[k]);
            run->var[k] = sd * sd;
        }
        nninit_lab_mlp_free(net);
        rc = fig_add(&r->mean, run->init, D, lx, run->mean, err);
        if (!rc)
            rc = fig_add(&r->var, run->init, D, lx, run->var, err);
        progress(&o->c, "selu", (i + 1.0) / o->n_inits);
    }
out:
    free(x);
    free(y);
    free(sizes);
    free(acts);
    free(winit);
    free(lx);
    if (rc)
        nninit_lab_selu_free(r);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* rnn                                                                      */
/* ------------------------------------------------------------------------ */

nninit_lab_rnn_opts nninit_lab_rnn_defaults(void)
{
    nninit_lab_rnn_opts o;
    memset(&o, 0, sizeof o);
    o.task = NNINIT_LAB_ADDING;
    o.length = 100;
    o.hidden = 64;
    o.steps = 2000;
    o.batch = 32;
    o.log_every = 50;
    o.lr = 1e-3;
    o.clip = 1.0;
    o.optimizer = NNINIT_LAB_ADAM;
    o.n_cells = 3;
    o.cells[0] = NNINIT_LAB_RNN_TANH;
    o.cells[1] = NNINIT_LAB_RNN_RELU;
    o.cells[2] = NNINIT_LAB_LSTM;
    static const char *const names[] = {"orthogonal", "lecun_normal", "eye"};
    o.n_inits = 3;
    for (int i = 0; i < 3; i++)
        nninit_lab_init_parse(names[i], &o.inits[i], NULL);
    return o;
}

void nninit_lab_rnn_result_free(nninit_lab_rnn_result *r)
{
    for (int i = 0; i < r->n_runs; i++) {
        free(r->runs[i].step);
        free(r->runs[i].loss);
        free(r->runs[i].grad_t);
    }
    r->n_runs = 0;
    for (int f = 0; f < r->n_figures; f++)
        nninit_lab_figure_free(&r->figures[f]);
    r->n_figures = 0;
}

int nninit_lab_rnn_run_all(const nninit_lab_rnn_opts *o,
                           nninit_lab_rnn_result *r, nninit_error *err)
{
    memset(r, 0, sizeof *r);
    int rc;
    if ((rc = check_inits(o->n_inits, 16, err)) ||
        (rc = check_range("cells", o->n_cells, 1, 4, err)) ||
        (rc = check_range("length", o->length, 2, 100000, err)) ||
        (rc = check_range("hidden", o->hidden, 1, 65536, err)) ||
        (rc = check_range("steps", o->steps, 1, 100000000, err)) ||
        (rc = check_range("batch", o->batch, 1, 65536, err)) ||
        (rc = check_range("log-every", o->log_every, 1, 100000000, err)))
        return rc;
    if (!(o->lr > 0) || !isfinite(o->lr) || !(o->clip >= 0))
        return nninit__fail(err, NNINIT_EINVAL,
                            "lr must be > 0 and clip >= 0");
    const int copy = o->task == NNINIT_LAB_COPY;
    const int T = copy ? o->length + 2 * NNINIT_LAB_COPY_SYMBOLS : o->length;
    const int in = copy ? NNINIT_LAB_COPY_CLASSES : 2;
    const int out = copy ? NNINIT_LAB_COPY_CLASSES : 1;
    const int B = o->batch;
    r->baseline = copy ? 10.0 * log(8.0) / T : 1.0 / 6.0;
    const int nlog = (o->steps + o->log_every - 1) / o->log_every;
    real *x = (real *)malloc((size_t)T * B * in * sizeof(real));
    real *yt = (real *)malloc((size_t)B * sizeof(real));
    int32_t *yl = (int32_t *)malloc((size_t)T * B * sizeof(int32_t));
    real *dy = (real *)malloc((size_t)T * B * out * sizeof(real));
    if (!x || !yt || !yl || !dy) {
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        goto out;
    }
    for (int ci = 0; ci < o->n_cells && !rc; ci++) {
        nninit_lab_figure *f = &r->figures[r->n_figures];
        char nm[48], title[128];
        snprintf(nm, sizeof nm, "rnn-%s", nninit_lab_cell_name(o->cells[ci]));
        snprintf(title, sizeof title, "rnn: %s on the %s task (length %d)",
                 nninit_lab_cell_name(o->cells[ci]), copy ? "copy" : "adding",
                 o->length);
        if ((rc = fig_init(f, nm, title, "training step",
                           copy ? "cross-entropy" : "mean squared error", 1,
                           o->n_inits, err)))
            break;
        f->hline = r->baseline;
        snprintf(f->hline_label, sizeof f->hline_label, "baseline %.4g",
                 r->baseline);
        r->n_figures++;
        nninit_lab_figure *fgt = &r->figures[r->n_figures];
        snprintf(nm, sizeof nm, "rnn-%s-grad",
                 nninit_lab_cell_name(o->cells[ci]));
        snprintf(title, sizeof title,
                 "rnn: %s at init, gradient reaching step t (relative to T)",
                 nninit_lab_cell_name(o->cells[ci]));
        if ((rc = fig_init(fgt, nm, title, "time step t",
                           "||dL/dh_t|| / ||dL/dh_T||", 1, o->n_inits, err)))
            break;
        fgt->hline = 1.0;
        snprintf(fgt->hline_label, sizeof fgt->hline_label, "preserved");
        r->n_figures++;
        for (int i = 0; i < o->n_inits && !rc; i++) {
            nninit_lab_rnn_run *run = &r->runs[r->n_runs];
            run->cell = o->cells[ci];
            nninit_lab_init_label(&o->inits[i], run->init, sizeof run->init);
            nninit_lab_rnn_desc d =
                nninit_lab_rnn_desc_make(o->cells[ci], in, o->hidden, out);
            d.all_steps = copy;
            d.recurrent_init = o->inits[i];
            d.seed = o->c.seed;
            d.max_steps = T;
            d.max_batch = B;
            nninit_lab_rnn *net;
            if ((rc = nninit_lab_rnn_new(&d, NULL, &net, err)))
                break;
            run->step = dalloc((size_t)nlog);
            run->loss = dalloc((size_t)nlog);
            r->n_runs++;
            if (!run->step || !run->loss) {
                nninit_lab_rnn_free(net);
                rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
                break;
            }
            /* the same data for every run: only the init differs */
            nninit_rng g;
            nninit_rng_init(&g, o->c.seed, nninit_stream_from_name("lab.rnn.data"));
            nninit_lab_optim opt = nninit_lab_optim_make(o->optimizer, o->lr);
            opt.clip_norm = o->clip;
            int np;
            nninit_lab_param *p = nninit_lab_rnn_params(net, &np);
            double sum = 0;
            int cnt = 0, diverged = 0;
            for (int s = 0; s < o->steps; s++) {
                double loss = NAN;
                if (!diverged) {
                    if (copy)
                        nninit_lab_copy_batch(&g, o->length, B, x, yl);
                    else
                        nninit_lab_adding_batch(&g, T, B, x, yt);
                    nninit_lab_rnn_forward(net, x, T, B);
                    const real *yo = nninit_lab_rnn_output(net);
                    loss = copy ? nninit_lab_softmax_xent(yo, yl, T * B, out, dy)
                                : nninit_lab_mse(yo, yt, (size_t)B, dy);
                    if (isfinite(loss)) {
                        nninit_lab_rnn_backward(net, dy);
                        if (s == 0) { /* the gradient through time, at init */
                            int TT;
                            const double *gn =
                                nninit_lab_rnn_grad_norms(net, &TT);
                            run->grad_t = dalloc((size_t)TT);
                            double *tx = dalloc((size_t)TT);
                            if (run->grad_t && tx) {
                                run->steps_T = TT;
                                for (int q = 0; q < TT; q++) {
                                    run->grad_t[q] = gn[q] / gn[TT - 1];
                                    tx[q] = q + 1;
                                }
                                rc = fig_add(fgt, run->init, TT, tx,
                                             run->grad_t, err);
                            }
                            free(tx);
                        }
                        nninit_lab_optim_step(&opt, p, np);
                    } else {
                        diverged = 1;
                    }
                }
                sum += loss;
                cnt++;
                if (cnt == o->log_every || s == o->steps - 1) {
                    run->step[run->n_log] = s + 1;
                    run->loss[run->n_log++] = sum / cnt;
                    sum = 0;
                    cnt = 0;
                    char what[96];
                    snprintf(what, sizeof what, "rnn: %s, %s",
                             nninit_lab_cell_name(run->cell), run->init);
                    progress(&o->c, what,
                             (ci * o->n_inits + i + (s + 1.0) / o->steps) /
                                 (o->n_cells * o->n_inits));
                }
            }
            run->final_loss = run->loss[run->n_log - 1];
            run->solved_fraction = run->final_loss / r->baseline;
            nninit_lab_rnn_free(net);
            rc = fig_add(f, run->init, run->n_log, run->step, run->loss, err);
        }
    }
out:
    free(x);
    free(yt);
    free(yl);
    free(dy);
    if (rc)
        nninit_lab_rnn_result_free(r);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* train                                                                    */
/* ------------------------------------------------------------------------ */

nninit_lab_train_opts nninit_lab_train_defaults(void)
{
    nninit_lab_train_opts o;
    memset(&o, 0, sizeof o);
    o.c.fashion = 1;
    o.n_layers = 3;
    o.sizes[0] = 784;
    o.sizes[1] = 256;
    o.sizes[2] = 128;
    o.sizes[3] = 10;
    o.act = NNINIT_ACT_RELU;
    for (int k = 0; k < 16; k++)
        o.inits[k] = nninit_lab_init_rule();
    o.epochs = 10;
    o.batch = 128;
    o.optimizer = NNINIT_LAB_MOMENTUM;
    o.lr = 0.05;
    o.momentum = 0.9;
    o.cosine = 1;
    return o;
}

void nninit_lab_train_free(nninit_lab_train_result *r)
{
    free(r->epochs);
    r->epochs = NULL;
    r->n_epochs = 0;
    nninit_lab_figure_free(&r->acc);
}

int nninit_lab_train(const nninit_lab_train_opts *o,
                     nninit_lab_train_result *r, nninit_error *err)
{
    memset(r, 0, sizeof *r);
    int rc;
    if ((rc = check_range("layers", o->n_layers, 1, 16, err)) ||
        (rc = check_range("epochs", o->epochs, 1, 100000, err)) ||
        (rc = check_range("batch", o->batch, 1, 1 << 16, err)))
        return rc;
    if (!(o->lr > 0) || !isfinite(o->lr))
        return nninit__fail(err, NNINIT_EINVAL, "lr must be > 0");
    nninit_lab_data tr, te;
    if ((rc = load_data(&o->c, o->n_train, o->n_test, &tr, &te, err)))
        return rc;
    int sizes[17];
    nninit_activation acts[16];
    memcpy(sizes, o->sizes, sizeof sizes);
    if (sizes[0] != tr.dim || sizes[o->n_layers] != tr.classes) {
        rc = nninit__fail(err, NNINIT_EINVAL,
                          "the MLP must map %d inputs to %d classes (got %d "
                          "-> %d)",
                          tr.dim, tr.classes, sizes[0], sizes[o->n_layers]);
        goto out;
    }
    for (int k = 0; k < o->n_layers; k++) {
        acts[k] = k == o->n_layers - 1 ? NNINIT_ACT_NONE : o->act;
        nninit_lab_init_label(&o->inits[k], r->init[k], sizeof r->init[k]);
    }
    nninit_lab_mlp_desc d = nninit_lab_mlp_desc_make(o->n_layers, sizes, acts);
    d.weight_init = o->inits;
    d.seed = o->c.seed;
    d.max_batch = o->batch;
    nninit_lab_mlp *net;
    if ((rc = nninit_lab_mlp_new(&d, NULL, &net, err)))
        goto out;
    r->epochs = (nninit_lab_train_epoch *)calloc((size_t)o->epochs,
                                                 sizeof *r->epochs);
    real *dl = (real *)malloc((size_t)o->batch * tr.classes * sizeof(real));
    double *ex = dalloc((size_t)o->epochs), *ey = dalloc((size_t)o->epochs);
    batcher bt;
    memset(&bt, 0, sizeof bt);
    if (!r->epochs || !dl || !ex || !ey ||
        batcher_init(&bt, &tr, o->batch, o->c.seed, "lab.train.shuffle",
                     err)) {
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    nninit_lab_optim opt = nninit_lab_optim_make(o->optimizer, o->lr);
    opt.momentum = o->momentum;
    for (int e = 0; e < o->epochs && !rc; e++) {
        if (o->cosine)
            opt.lr = o->lr * 0.5 * (1 + cos(3.14159265358979323846 * e /
                                            o->epochs));
        double t0 = now_seconds(), sum = 0;
        int nb = 0, end = 0;
        const int total = (tr.n + o->batch - 1) / o->batch;
        while (!end) {
            int n = batcher_next(&bt, &end);
            sum += train_step(net, &opt, bt.x, bt.y, n, tr.classes, dl);
            nb++;
            if (nb % 50 == 0 || end)
                progress(&o->c, "train",
                         (e + (double)nb / total) / o->epochs);
        }
        double secs = now_seconds() - t0;
        nninit_lab_train_epoch *ep = &r->epochs[e];
        ep->epoch = e + 1;
        ep->seconds = secs;
        ep->train_loss = sum / nb;
        ep->test_accuracy = evaluate(net, &te, o->batch);
        r->n_epochs = e + 1;
        ex[e] = e + 1;
        ey[e] = ep->test_accuracy;
    }
    if (!rc && !(rc = fig_init(&r->acc, "train-accuracy",
                               "train: test accuracy per epoch", "epoch",
                               "test accuracy", 0, 1, err)))
        rc = fig_add(&r->acc, r->init[0], r->n_epochs, ex, ey, err);
    batcher_free(&bt);
    free(dl);
    free(ex);
    free(ey);
    nninit_lab_mlp_free(net);
out:
    nninit_lab_data_free(&tr);
    nninit_lab_data_free(&te);
    if (rc)
        nninit_lab_train_free(r);
    return rc;
}
