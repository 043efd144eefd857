/*
 * exp_util.c: what the experiments share (validation, data, the network,
 * minibatches, figures, the log window, progress) and the table of
 * experiments that `nninit lab`, the tour and the tests read.
 *
 * Every allocation goes through the experiment's allocator, so the
 * out-of-memory sweep of the test suite reaches every path.
 */
#include "lab_internal.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */
/* ------------------------------------------------------------------------ */

void *nninit__lab_calloc(const nninit_allocator *a, size_t n, size_t size)
{
    if (n == 0)
        n = 1;
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = nninit__alloc(a, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

double *nninit__lab_dalloc(const nninit_allocator *a, size_t n)
{
    return (double *)nninit__lab_calloc(a, n, sizeof(double));
}

nninit_lab_init nninit__lab_named(const char *name)
{
    nninit_lab_init i = nninit_lab_init_rule();
    nninit_lab_init_parse(name, &i, NULL);
    return i;
}

int nninit__lab_named_list(nninit_lab_init *out, const char *const *names)
{
    int n = 0;
    for (; names[n]; n++)
        out[n] = nninit__lab_named(names[n]);
    return n;
}

/* ------------------------------------------------------------------------ */
/* Validation and progress                                                  */
/* ------------------------------------------------------------------------ */

int nninit__lab_check(const lab_range *r, int n, nninit_error *err)
{
    for (int i = 0; i < n; i++)
        if (r[i].v < r[i].lo || r[i].v > r[i].hi)
            return nninit__fail(err, NNINIT_EINVAL,
                                "%s must be in [%ld, %ld] (got %ld)",
                                r[i].what, r[i].lo, r[i].hi, r[i].v);
    return NNINIT_OK;
}

int nninit__lab_check_lr(double lr, nninit_error *err)
{
    if (!(lr > 0) || !isfinite(lr))
        return nninit__fail(err, NNINIT_EINVAL, "lr must be > 0 (got %g)", lr);
    return NNINIT_OK;
}

int nninit__lab_check_act(nninit_activation act, nninit_error *err)
{
    if (!nninit_lab_act_supported(act))
        return nninit__fail(err, NNINIT_EINVAL,
                            "activation '%s' is not supported by the lab",
                            nninit_activation_name(act));
    return NNINIT_OK;
}

void nninit__lab_progress(const nninit_lab_common *c, const char *what,
                          double fraction)
{
    if (c->progress)
        c->progress(c->progress_ud, what, fraction);
}

/* ------------------------------------------------------------------------ */
/* Data                                                                     */
/* ------------------------------------------------------------------------ */

int nninit__lab_load_data(const nninit_lab_common *c, int n_train, int n_test,
                          nninit_lab_data *tr, nninit_lab_data *te,
                          nninit_error *err)
{
    memset(tr, 0, sizeof *tr);
    memset(te, 0, sizeof *te);
    int rc;
    if (c->fashion) {
        rc = nninit_lab_fashion_load(c->data_dir, 1, n_train, c->alloc, tr,
                                     err);
        if (!rc)
            rc = nninit_lab_fashion_load(c->data_dir, 0, n_test, c->alloc, te,
                                         err);
    } else {
        rc = nninit_lab_spirals(n_train > 0 ? n_train : 4000, 3, 0.05, c->seed,
                                c->alloc, tr, err);
        if (!rc)
            rc = nninit_lab_spirals(n_test > 0 ? n_test : 1000, 3, 0.05,
                                    c->seed ^ 0x5bd1e995u, c->alloc, te, err);
    }
    if (rc) {
        nninit_lab_data_free(tr);
        nninit_lab_data_free(te);
    }
    return rc;
}

int nninit__lab_input_batch(const nninit_lab_common *c, int batch,
                            int dim_if_synth, nninit_lab_data *d,
                            nninit_error *err)
{
    memset(d, 0, sizeof *d);
    if (c->fashion)
        return nninit_lab_fashion_load(c->data_dir, 0, batch, c->alloc, d,
                                       err);
    d->alloc = c->alloc;
    d->x = (real *)nninit__lab_calloc(c->alloc, (size_t)batch * dim_if_synth,
                                      sizeof(real));
    d->y = (int32_t *)nninit__lab_calloc(c->alloc, (size_t)batch,
                                         sizeof(int32_t));
    if (!d->x || !d->y) {
        nninit_lab_data_free(d);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    nninit_rng g;
    nninit_rng_init(&g, c->seed, nninit_stream_from_name("lab.input"));
    for (size_t i = 0; i < (size_t)batch * dim_if_synth; i++)
        d->x[i] = (real)nninit_rng_normal(&g);
    for (int i = 0; i < batch; i++)
        d->y[i] = (int32_t)nninit_rng_below(&g, 10);
    d->n = batch;
    d->dim = dim_if_synth;
    d->classes = 10;
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* The network                                                              */
/* ------------------------------------------------------------------------ */

int nninit__lab_stack_new(const nninit_lab_common *c, const lab_stack *s,
                          nninit_lab_mlp **net, nninit_error *err)
{
    const nninit_allocator *a = c->alloc;
    const int L = s->depth + (s->out > 0);
    *net = NULL;
    int *sizes = (int *)nninit__lab_calloc(a, (size_t)L + 1, sizeof(int));
    nninit_activation *acts =
        (nninit_activation *)nninit__lab_calloc(a, (size_t)L, sizeof *acts);
    nninit_lab_init *winit =
        (nninit_lab_init *)nninit__lab_calloc(a, (size_t)L, sizeof *winit);
    int rc = NNINIT_OK;
    if (!sizes || !acts || !winit) {
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    } else {
        sizes[0] = s->in;
        for (int k = 0; k < L; k++) {
            const int head = k == s->depth;
            sizes[k + 1] = head ? s->out : s->width;
            acts[k] = head ? NNINIT_ACT_NONE : s->act;
            winit[k] = head ? s->head : s->hidden;
        }
        nninit_lab_mlp_desc d = nninit_lab_mlp_desc_make(L, sizes, acts);
        d.weight_init = winit;
        d.seed = c->seed;
        d.max_batch = s->max_batch;
        rc = nninit_lab_mlp_new(&d, a, net, err);
    }
    /* LSUV: the orthogonal start rescaled, layer by layer, on a batch */
    if (!rc && (s->hidden.lsuv || s->head.lsuv)) {
        rc = s->lsuv_x ? nninit_lab_mlp_lsuv(*net, s->lsuv_x,
                                              s->lsuv_n < s->max_batch
                                                  ? s->lsuv_n
                                                  : s->max_batch,
                                              LAB_LSUV_TOL, LAB_LSUV_TRIES,
                                              NULL, err)
                       : nninit__fail(err, NNINIT_EINVAL,
                                      "lsuv needs a data batch, which this "
                                      "experiment does not give");
        if (rc) {
            nninit_lab_mlp_free(*net);
            *net = NULL;
        }
    }
    nninit__free(a, sizes);
    nninit__free(a, acts);
    nninit__free(a, winit);
    return rc;
}

int nninit__lab_batcher_init(lab_batcher *b, const nninit_lab_data *d,
                             int batch, uint64_t seed, const char *stream,
                             const nninit_allocator *alloc, nninit_error *err)
{
    memset(b, 0, sizeof *b);
    b->d = d;
    b->alloc = alloc;
    b->batch = batch;
    nninit_rng_init(&b->rng, seed, nninit_stream_from_name(stream));
    b->idx = (uint32_t *)nninit__lab_calloc(alloc, (size_t)d->n,
                                            sizeof(uint32_t));
    b->x = (real *)nninit__lab_calloc(alloc, (size_t)batch * d->dim,
                                      sizeof(real));
    b->y = (int32_t *)nninit__lab_calloc(alloc, (size_t)batch,
                                         sizeof(int32_t));
    if (!b->idx || !b->x || !b->y) {
        nninit__lab_batcher_free(b);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    for (int i = 0; i < d->n; i++)
        b->idx[i] = (uint32_t)i;
    b->pos = d->n; /* shuffle on first use */
    return NNINIT_OK;
}

void nninit__lab_batcher_free(lab_batcher *b)
{
    nninit__free(b->alloc, b->idx);
    nninit__free(b->alloc, b->x);
    nninit__free(b->alloc, b->y);
    b->idx = NULL;
    b->x = NULL;
    b->y = NULL;
}

int nninit__lab_batcher_next(lab_batcher *b, int *epoch_end)
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

double nninit__lab_train_step(nninit_lab_mlp *net, nninit_lab_optim *opt,
                              const real *x, const int32_t *y, int n,
                              int classes, real *dl)
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

double nninit__lab_evaluate(nninit_lab_mlp *net, const nninit_lab_data *d,
                            int mb)
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

/* ------------------------------------------------------------------------ */
/* Figures and the log window                                               */
/* ------------------------------------------------------------------------ */

int nninit__lab_fig_new(nninit_lab_figure *figs, int *n_figs,
                        const nninit_allocator *alloc, const char *name,
                        const char *title, const char *xl, const char *yl,
                        int logy, int n_series, nninit_lab_figure **out,
                        nninit_error *err)
{
    if (*n_figs >= NNINIT_LAB_MAX_FIGURES)
        return nninit__fail(err, NNINIT_EINVAL, "too many figures");
    nninit_lab_figure *f = &figs[*n_figs];
    memset(f, 0, sizeof *f);
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->title, sizeof f->title, "%s", title);
    snprintf(f->xlabel, sizeof f->xlabel, "%s", xl);
    snprintf(f->ylabel, sizeof f->ylabel, "%s", yl);
    f->logy = logy;
    f->hline = NAN;
    f->ymin = NAN;
    f->ymax = NAN;
    f->alloc = alloc;
    f->series = (nninit_lab_series *)nninit__lab_calloc(
        alloc, (size_t)n_series, sizeof(nninit_lab_series));
    if (!f->series)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    (*n_figs)++;
    *out = f;
    return NNINIT_OK;
}

int nninit__lab_fig_add(nninit_lab_figure *f, const char *label, int n,
                        const double *x, const double *y, nninit_error *err)
{
    nninit_lab_series *s = &f->series[f->n_series];
    memset(s, 0, sizeof *s);
    snprintf(s->label, sizeof s->label, "%s", label);
    s->x = nninit__lab_dalloc(f->alloc, (size_t)n);
    s->y = nninit__lab_dalloc(f->alloc, (size_t)n);
    if (!s->x || !s->y) {
        nninit__free(f->alloc, s->x);
        nninit__free(f->alloc, s->y);
        s->x = s->y = NULL;
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

void nninit__lab_figs_free(nninit_lab_figure *figs, int *n_figs)
{
    for (int i = 0; i < *n_figs; i++)
        nninit_lab_figure_free(&figs[i]);
    *n_figs = 0;
}

int nninit__lab_log_init(lab_log *l, int steps, int every,
                         const nninit_allocator *alloc, nninit_error *err)
{
    memset(l, 0, sizeof *l);
    l->every = every;
    l->steps = steps;
    l->alloc = alloc;
    const size_t n = (size_t)((steps + every - 1) / every);
    l->step = nninit__lab_dalloc(alloc, n);
    l->val = nninit__lab_dalloc(alloc, n);
    if (!l->step || !l->val) {
        nninit__lab_log_free(l);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    return NNINIT_OK;
}

int nninit__lab_log_add(lab_log *l, int s, double v)
{
    l->sum += v;
    l->cnt++;
    if (l->cnt < l->every && s != l->steps - 1)
        return 0;
    l->step[l->n] = s + 1;
    l->val[l->n++] = l->sum / l->cnt;
    l->sum = 0;
    l->cnt = 0;
    return 1;
}

void nninit__lab_log_free(lab_log *l)
{
    nninit__free(l->alloc, l->step);
    nninit__free(l->alloc, l->val);
    l->step = l->val = NULL;
}

/* ------------------------------------------------------------------------ */
/* Helpers of the public API                                                */
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

int nninit_lab_distinct_rows(const real *m, int rows, int cols, double tol,
                             const nninit_allocator *alloc)
{
    /* greedy: a row is new if it differs from every representative so far */
    int *rep = (int *)nninit__lab_calloc(alloc, (size_t)(rows > 0 ? rows : 1),
                                         sizeof(int));
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
    nninit__free(alloc, rep);
    return nrep;
}

/* ------------------------------------------------------------------------ */
/* The table of experiments                                                 */
/* ------------------------------------------------------------------------ */

/* Adapters from the typed functions to the table's common signature. */
#define LAB_EXP_ADAPT(name, run, freefn, defaults)                             \
    static int run_##name(const nninit_lab_any_opts *o,                        \
                          nninit_lab_any_result *r, nninit_error *err)         \
    {                                                                          \
        return run(&o->name, &r->name, err);                                   \
    }                                                                          \
    static void free_##name(nninit_lab_any_result *r) { freefn(&r->name); }    \
    static nninit_lab_any_opts def_##name(void)                                \
    {                                                                          \
        nninit_lab_any_opts o;                                                 \
        memset(&o, 0, sizeof o);                                               \
        o.name = defaults();                                                   \
        return o;                                                              \
    }                                                                          \
    static const nninit_lab_figure *figs_##name(                               \
        const nninit_lab_any_result *r, int *n)                                \
    {                                                                          \
        *n = r->name.n_figures;                                                \
        return r->name.figures;                                                \
    }

LAB_EXP_ADAPT(symmetry, nninit_lab_symmetry, nninit_lab_symmetry_free,
              nninit_lab_symmetry_defaults)
LAB_EXP_ADAPT(signal, nninit_lab_signal, nninit_lab_signal_free,
              nninit_lab_signal_defaults)
LAB_EXP_ADAPT(depth, nninit_lab_depth, nninit_lab_depth_free,
              nninit_lab_depth_defaults)
LAB_EXP_ADAPT(selu, nninit_lab_selu, nninit_lab_selu_free,
              nninit_lab_selu_defaults)
LAB_EXP_ADAPT(isometry, nninit_lab_isometry, nninit_lab_isometry_free,
              nninit_lab_isometry_defaults)
LAB_EXP_ADAPT(deeplinear, nninit_lab_deeplinear, nninit_lab_deeplinear_free,
              nninit_lab_deeplinear_defaults)
LAB_EXP_ADAPT(rnn, nninit_lab_rnn_run_all, nninit_lab_rnn_result_free,
              nninit_lab_rnn_defaults)
LAB_EXP_ADAPT(train, nninit_lab_train, nninit_lab_train_free,
              nninit_lab_train_defaults)
LAB_EXP_ADAPT(residual, nninit_lab_residual, nninit_lab_residual_free,
              nninit_lab_residual_defaults)
LAB_EXP_ADAPT(mup, nninit_lab_mup, nninit_lab_mup_free,
              nninit_lab_mup_defaults)

typedef struct exp_row {
    const char *name, *summary;
    int (*run)(const nninit_lab_any_opts *, nninit_lab_any_result *,
               nninit_error *);
    void (*free)(nninit_lab_any_result *);
    nninit_lab_any_opts (*defaults)(void);
    const nninit_lab_figure *(*figures)(const nninit_lab_any_result *, int *);
} exp_row;

#define LAB_EXP_ROW(name, summary)                                             \
    {#name, summary, run_##name, free_##name, def_##name, figs_##name}

static const exp_row experiments[NNINIT_LAB_EXP_COUNT] = {
    LAB_EXP_ROW(symmetry, "zero / constant vs random init of an MLP: distinct "
                          "hidden units after training, test accuracy"),
    LAB_EXP_ROW(signal, "a deep MLP at init, activation x initializer: std of "
                        "activations and back-propagated gradients per layer "
                        "(Glorot & Bengio 2010)"),
    LAB_EXP_ROW(depth, "a 30-layer ReLU MLP trained under Xavier and He: "
                       "training loss curves (He et al. 2015)"),
    LAB_EXP_ROW(selu, "mean and variance through many SELU layers under LeCun "
                      "normal vs others (Klambauer et al. 2017)"),
    LAB_EXP_ROW(isometry, "singular values of the input-output Jacobian of "
                          "deep linear and tanh nets and of an unrolled RNN at "
                          "init (Saxe et al. 2014; Pennington et al. 2017)"),
    LAB_EXP_ROW(deeplinear, "deep linear nets: training steps to a loss "
                            "threshold against depth, orthogonal vs Gaussian "
                            "(Saxe et al. 2014)"),
    LAB_EXP_ROW(rnn, "vanilla RNN / LSTM / GRU on delayed recall, the adding "
                     "or the copy task, recurrent init orthogonal vs Gaussian "
                     "vs identity"),
    LAB_EXP_ROW(train, "an MLP (784-256-128-10 ReLU) on Fashion-MNIST with a "
                       "chosen init per layer (the rule by default)"),
    LAB_EXP_ROW(residual, "a deep residual MLP at init under each depth "
                          "scaling (GPT-2, torchtitan, DeepNet, T-Fixup, "
                          "Fixup, ZerO): the stream's std by block"),
    LAB_EXP_ROW(mup, "MLPs of widths 64..1024 on Fashion-MNIST over a grid of "
                     "learning rates, standard parametrization vs muP: the "
                     "best learning rate transfers (Yang et al. 2022)"),
};

static const exp_row *row_of(nninit_lab_experiment e)
{
    return (unsigned)e < NNINIT_LAB_EXP_COUNT ? &experiments[e] : NULL;
}

const char *nninit_lab_experiment_name(nninit_lab_experiment e)
{
    return row_of(e) ? row_of(e)->name : "?";
}

const char *nninit_lab_experiment_summary(nninit_lab_experiment e)
{
    return row_of(e) ? row_of(e)->summary : "?";
}

int nninit_lab_experiment_parse(const char *name, nninit_lab_experiment *out,
                                nninit_error *err)
{
    for (int i = 0; i < NNINIT_LAB_EXP_COUNT; i++)
        if (!strcmp(name, experiments[i].name)) {
            *out = (nninit_lab_experiment)i;
            return NNINIT_OK;
        }
    char list[256] = "";
    size_t len = 0;
    for (int i = 0; i < NNINIT_LAB_EXP_COUNT && len < sizeof list; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                i ? ", " : "", experiments[i].name);
    return nninit__fail(err, NNINIT_EINVAL, "unknown experiment '%s' (%s)",
                        name, list);
}

nninit_lab_any_opts nninit_lab_defaults(nninit_lab_experiment e)
{
    if (row_of(e))
        return row_of(e)->defaults();
    nninit_lab_any_opts o;
    memset(&o, 0, sizeof o);
    return o;
}

int nninit_lab_run(nninit_lab_experiment e, const nninit_lab_any_opts *o,
                   nninit_lab_any_result *r, nninit_error *err)
{
    memset(r, 0, sizeof *r);
    if (!row_of(e))
        return nninit__fail(err, NNINIT_EINVAL, "unknown experiment %d",
                            (int)e);
    return row_of(e)->run(o, r, err);
}

void nninit_lab_result_free(nninit_lab_experiment e, nninit_lab_any_result *r)
{
    if (row_of(e))
        row_of(e)->free(r);
}

const nninit_lab_figure *nninit_lab_result_figures(
    nninit_lab_experiment e, const nninit_lab_any_result *r, int *count)
{
    *count = 0;
    return row_of(e) ? row_of(e)->figures(r, count) : NULL;
}
