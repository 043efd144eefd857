/*
 * exp_mlp.c: the MLP experiments: symmetry, signal, depth, selu, train.
 *
 * Each fills a result struct (numbers and figures) and prints nothing; the
 * CLI turns results into tables, JSON and SVG files. All randomness comes
 * from (seed, a named stream), so a run is reproducible.
 */
#define _POSIX_C_SOURCE 200809L
#include "lab_internal.h"

#include <math.h>
#include <string.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
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
        nninit__free(r->alloc, r->runs[i].distinct_units);
    r->n_runs = 0;
    nninit__lab_figs_free(r->figures, &r->n_figures);
}

/* Distinct units of hidden layer k: rows of [W | b] equal within 1e-4 of
 * the layer's largest weight count as one. */
static int distinct_units(nninit_lab_mlp *net, int k, real *rowbuf,
                          const nninit_allocator *alloc)
{
    int np;
    nninit_lab_param *p = nninit_lab_mlp_params(net, &np);
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
    return nninit_lab_distinct_rows(rowbuf, (int)W->rows, cols,
                                    1e-4 * mx + 1e-30, alloc);
}

int nninit_lab_symmetry(const nninit_lab_symmetry_opts *o,
                        nninit_lab_symmetry_result *r, nninit_error *err)
{
    memset(r, 0, sizeof *r);
    const nninit_allocator *a = r->alloc = o->c.alloc;
    int rc = LAB_CHECK(err, {"initializers", o->n_inits, 1, NNINIT_LAB_MAX_RUNS},
                       {"hidden layers", o->hidden_layers, 1, 64},
                       {"width", o->width, 1, 1 << 16},
                       {"epochs", o->epochs, 1, 100000},
                       {"batch", o->batch, 1, 1 << 16});
    if (!rc)
        rc = nninit__lab_check_lr(o->lr, err);
    if (!rc)
        rc = nninit__lab_check_act(o->act, err);
    if (rc)
        return rc;
    nninit_lab_data tr, te;
    if ((rc = nninit__lab_load_data(&o->c, o->n_train, o->n_test, &tr, &te,
                                    err)))
        return rc;
    r->width = o->width;
    const int maxdim = tr.dim > o->width ? tr.dim : o->width;
    real *dl = nninit__lab_zalloc(a, (size_t)o->batch * tr.classes);
    real *rowbuf = nninit__lab_zalloc(a, (size_t)o->width * (maxdim + 1));
    lab_log lg;
    memset(&lg, 0, sizeof lg);
    nninit_lab_figure *fig = NULL;
    if (!dl || !rowbuf)
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    if (!rc)
        rc = nninit__lab_fig_new(r->figures, &r->n_figures, a, "symmetry-loss",
                                 "symmetry: training loss per epoch", "epoch",
                                 "training loss (cross-entropy)", 0,
                                 o->n_inits, &fig, err);
    for (int i = 0; i < o->n_inits && !rc; i++) {
        nninit_lab_symmetry_run *run = &r->runs[r->n_runs++];
        nninit_lab_init_label(&o->inits[i], run->init, sizeof run->init);
        run->n_hidden = o->hidden_layers;
        run->distinct_units = (int *)nninit__lab_calloc(
            a, (size_t)o->hidden_layers, sizeof(int));
        const lab_stack st = {tr.dim, o->hidden_layers, o->width, tr.classes,
                              o->act, o->inits[i], o->inits[i], o->batch,
                              tr.x, o->batch < tr.n ? o->batch : tr.n};
        nninit_lab_mlp *net = NULL;
        lab_batcher bt;
        memset(&bt, 0, sizeof bt);
        if (!run->distinct_units)
            rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        if (!rc)
            rc = nninit__lab_stack_new(&o->c, &st, &net, err);
        if (!rc)
            rc = nninit__lab_batcher_init(&bt, &tr, o->batch, o->c.seed,
                                          "lab.symmetry.shuffle", a, err);
        if (!rc)
            rc = nninit__lab_log_init(&lg, o->epochs, 1, a, err);
        nninit_lab_optim opt =
            nninit_lab_optim_make(NNINIT_LAB_MOMENTUM, o->lr);
        for (int e = 0; e < o->epochs && !rc; e++) {
            double sum = 0;
            int nb = 0, end = 0;
            while (!end) {
                int n = nninit__lab_batcher_next(&bt, &end);
                sum += nninit__lab_train_step(net, &opt, bt.x, bt.y, n,
                                              tr.classes, dl);
                nb++;
            }
            nninit__lab_log_add(&lg, e, sum / nb);
            char what[96];
            snprintf(what, sizeof what, "symmetry: %s", run->init);
            nninit__lab_progress(&o->c, what,
                                 (i + (e + 1.0) / o->epochs) / o->n_inits);
        }
        if (!rc) {
            run->final_loss = lg.val[lg.n - 1];
            run->test_accuracy = nninit__lab_evaluate(net, &te, o->batch);
            for (int k = 0; k < o->hidden_layers && !rc; k++)
                if ((run->distinct_units[k] =
                         distinct_units(net, k, rowbuf, a)) < 0)
                    rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        }
        if (!rc)
            rc = nninit__lab_fig_add(fig, run->init, lg.n, lg.step, lg.val,
                                     err);
        nninit__lab_log_free(&lg);
        nninit__lab_batcher_free(&bt);
        nninit_lab_mlp_free(net);
    }
    nninit__free(a, dl);
    nninit__free(a, rowbuf);
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
                                        "kaiming_normal", "rule", NULL};
    o.n_inits = nninit__lab_named_list(o.inits, names);
    return o;
}

void nninit_lab_signal_free(nninit_lab_signal_result *r)
{
    for (int i = 0; i < r->n_runs; i++) {
        nninit__free(r->alloc, r->runs[i].act_std);
        nninit__free(r->alloc, r->runs[i].grad_std);
    }
    r->n_runs = 0;
    nninit__lab_figs_free(r->figures, &r->n_figures);
}

int nninit_lab_signal(const nninit_lab_signal_opts *o,
                      nninit_lab_signal_result *r, nninit_error *err)
{
    memset(r, 0, sizeof *r);
    const nninit_allocator *a = r->alloc = o->c.alloc;
    int rc = LAB_CHECK(err, {"initializers", o->n_inits, 1, NNINIT_LAB_MAX_RUNS},
                       {"activations", o->n_acts, 1, 16},
                       {"depth", o->depth, 1, 10000},
                       {"width", o->width, 1, 1 << 16},
                       {"batch", o->batch, 2, 1 << 16},
                       {"activation x initializer runs",
                        (long)o->n_acts * o->n_inits, 1, NNINIT_LAB_MAX_RUNS});
    for (int k = 0; !rc && k < o->n_acts; k++)
        rc = nninit__lab_check_act(o->acts[k], err);
    if (rc)
        return rc;
    nninit_lab_data in;
    if ((rc = nninit__lab_input_batch(&o->c, o->batch, o->width, &in, err)))
        return rc;
    const int D = o->depth;
    real *dl = nninit__lab_zalloc(a, (size_t)o->batch * 10);
    double *lx = nninit__lab_dalloc(a, (size_t)D);
    if (!dl || !lx)
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (int k = 0; !rc && k < D; k++)
        lx[k] = k + 1;
    for (int ai = 0; ai < o->n_acts && !rc; ai++) {
        const char *an = nninit_activation_name(o->acts[ai]);
        char nm[48], title[128];
        nninit_lab_figure *fa, *fg;
        snprintf(nm, sizeof nm, "signal-act-%s", an);
        snprintf(title, sizeof title,
                 "signal: activation std per layer, %s, width %d", an,
                 o->width);
        rc = nninit__lab_fig_new(r->figures, &r->n_figures, a, nm, title,
                                 "layer", "std of activations", 1, o->n_inits,
                                 &fa, err);
        snprintf(nm, sizeof nm, "signal-grad-%s", an);
        snprintf(title, sizeof title,
                 "signal: back-propagated gradient std per layer, %s", an);
        if (!rc)
            rc = nninit__lab_fig_new(r->figures, &r->n_figures, a, nm, title,
                                     "layer", "std of dLoss/dz", 1,
                                     o->n_inits, &fg, err);
        for (int i = 0; i < o->n_inits && !rc; i++) {
            nninit_lab_signal_run *run = &r->runs[r->n_runs++];
            run->act = o->acts[ai];
            run->depth = D;
            nninit_lab_init_label(&o->inits[i], run->init, sizeof run->init);
            run->act_std = nninit__lab_dalloc(a, (size_t)D);
            run->grad_std = nninit__lab_dalloc(a, (size_t)D);
            if (!run->act_std || !run->grad_std) {
                rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
                break;
            }
            /* the head is a fixed measuring device: always the rule */
            const lab_stack st = {in.dim, D, o->width, 10, o->acts[ai],
                                  o->inits[i], nninit_lab_init_rule(),
                                  o->batch, in.x, o->batch};
            nninit_lab_mlp *net;
            if ((rc = nninit__lab_stack_new(&o->c, &st, &net, err)))
                break;
            nninit_lab_mlp_forward(net, in.x, o->batch);
            nninit_lab_softmax_xent(nninit_lab_mlp_output(net), in.y, o->batch,
                                    10, dl);
            nninit_lab_mlp_backward(net, dl);
            const size_t n = (size_t)o->batch * o->width;
            for (int k = 0; k < D; k++) {
                run->act_std[k] =
                    nninit_lab_std(nninit_lab_mlp_layer_output(net, k), n, NULL);
                run->grad_std[k] =
                    nninit_lab_std(nninit_lab_mlp_layer_grad(net, k), n, NULL);
            }
            nninit_lab_mlp_free(net);
            rc = nninit__lab_fig_add(fa, run->init, D, lx, run->act_std, err);
            if (!rc)
                rc = nninit__lab_fig_add(fg, run->init, D, lx, run->grad_std,
                                         err);
            nninit__lab_progress(&o->c, "signal",
                                 (double)(ai * o->n_inits + i + 1) /
                                     (o->n_acts * o->n_inits));
        }
    }
    nninit_lab_data_free(&in);
    nninit__free(a, dl);
    nninit__free(a, lx);
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
        nninit__free(r->alloc, r->runs[i].step);
        nninit__free(r->alloc, r->runs[i].train_loss);
    }
    r->n_runs = 0;
    nninit__lab_figs_free(r->figures, &r->n_figures);
}

int nninit_lab_depth(const nninit_lab_depth_opts *o,
                     nninit_lab_depth_result *r, nninit_error *err)
{
    memset(r, 0, sizeof *r);
    const nninit_allocator *a = r->alloc = o->c.alloc;
    int rc = LAB_CHECK(err, {"initializers", o->n_inits, 1, NNINIT_LAB_MAX_RUNS},
                       {"depth", o->depth, 1, 10000},
                       {"width", o->width, 1, 1 << 16},
                       {"steps", o->steps, 1, 100000000},
                       {"batch", o->batch, 1, 1 << 16},
                       {"log-every", o->log_every, 1, 100000000});
    if (!rc)
        rc = nninit__lab_check_lr(o->lr, err);
    if (!rc)
        rc = nninit__lab_check_act(o->act, err);
    if (rc)
        return rc;
    nninit_lab_data tr, te;
    if ((rc = nninit__lab_load_data(&o->c, o->n_train, o->n_test, &tr, &te,
                                    err)))
        return rc;
    const int D = o->depth;
    real *dl = nninit__lab_zalloc(a, (size_t)o->batch * tr.classes);
    nninit_lab_figure *fig = NULL;
    if (!dl)
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    char title[128];
    snprintf(title, sizeof title,
             "depth: %d-layer %s MLP (width %d), training loss", D,
             nninit_activation_name(o->act), o->width);
    if (!rc)
        rc = nninit__lab_fig_new(r->figures, &r->n_figures, a, "depth-loss",
                                 title, "step",
                                 "training loss (mean over the window)", 0,
                                 o->n_inits, &fig, err);
    if (!rc) {
        fig->hline = log((double)tr.classes);
        snprintf(fig->hline_label, sizeof fig->hline_label, "ln %d: chance",
                 tr.classes);
    }
    for (int i = 0; i < o->n_inits && !rc; i++) {
        nninit_lab_depth_run *run = &r->runs[r->n_runs++];
        nninit_lab_init_label(&o->inits[i], run->init, sizeof run->init);
        /* LSUV rescales on the first training images, so the training
         * batches are the same for every initializer */
        const lab_stack st = {tr.dim, D, o->width, tr.classes, o->act,
                              o->inits[i], o->inits[i], o->batch, tr.x,
                              o->batch < tr.n ? o->batch : tr.n};
        nninit_lab_mlp *net = NULL;
        lab_batcher bt;
        lab_log lg;
        memset(&bt, 0, sizeof bt);
        memset(&lg, 0, sizeof lg);
        rc = nninit__lab_stack_new(&o->c, &st, &net, err);
        if (!rc)
            rc = nninit__lab_batcher_init(&bt, &tr, o->batch, o->c.seed,
                                          "lab.depth.shuffle", a, err);
        if (!rc)
            rc = nninit__lab_log_init(&lg, o->steps, o->log_every, a, err);
        nninit_lab_optim opt =
            nninit_lab_optim_make(NNINIT_LAB_MOMENTUM, o->lr);
        int diverged = 0;
        for (int s = 0; s < o->steps && !rc; s++) {
            int n = nninit__lab_batcher_next(&bt, NULL);
            if (s == 0) {
                nninit_lab_mlp_forward(net, bt.x, n);
                size_t w = (size_t)n * o->width;
                run->act_std_first =
                    nninit_lab_std(nninit_lab_mlp_layer_output(net, 0), w, NULL);
                run->act_std_last = nninit_lab_std(
                    nninit_lab_mlp_layer_output(net, D - 1), w, NULL);
            }
            double loss = diverged ? NAN
                                   : nninit__lab_train_step(net, &opt, bt.x,
                                                            bt.y, n,
                                                            tr.classes, dl);
            diverged |= !isfinite(loss);
            if (nninit__lab_log_add(&lg, s, loss)) {
                char what[96];
                snprintf(what, sizeof what, "depth: %s", run->init);
                nninit__lab_progress(&o->c, what,
                                     (i + (s + 1.0) / o->steps) / o->n_inits);
            }
        }
        if (!rc) {
            run->n_log = lg.n;
            run->step = lg.step;
            run->train_loss = lg.val;
            lg.step = lg.val = NULL;
            run->final_train_loss = run->train_loss[run->n_log - 1];
            run->test_accuracy =
                diverged ? NAN : nninit__lab_evaluate(net, &te, o->batch);
            rc = nninit__lab_fig_add(fig, run->init, run->n_log, run->step,
                                     run->train_loss, err);
        }
        nninit__lab_log_free(&lg);
        nninit__lab_batcher_free(&bt);
        nninit_lab_mlp_free(net);
    }
    nninit__free(a, dl);
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
                                        "kaiming_normal", "small", NULL};
    o.n_inits = nninit__lab_named_list(o.inits, names);
    return o;
}

void nninit_lab_selu_free(nninit_lab_selu_result *r)
{
    for (int i = 0; i < r->n_runs; i++) {
        nninit__free(r->alloc, r->runs[i].mean);
        nninit__free(r->alloc, r->runs[i].var);
    }
    r->n_runs = 0;
    nninit__lab_figs_free(r->figures, &r->n_figures);
}

int nninit_lab_selu(const nninit_lab_selu_opts *o, nninit_lab_selu_result *r,
                    nninit_error *err)
{
    memset(r, 0, sizeof *r);
    const nninit_allocator *a = r->alloc = o->c.alloc;
    int rc = LAB_CHECK(err, {"initializers", o->n_inits, 1, NNINIT_LAB_MAX_RUNS},
                       {"depth", o->depth, 1, 10000},
                       {"width", o->width, 1, 1 << 16},
                       {"batch", o->batch, 2, 1 << 16});
    if (!rc)
        rc = nninit__lab_check_act(o->act, err);
    if (rc)
        return rc;
    /* standardized inputs: the fixed-point analysis assumes mean 0, var 1 */
    nninit_lab_common c = o->c;
    c.fashion = 0;
    nninit_lab_data in;
    if ((rc = nninit__lab_input_batch(&c, o->batch, o->width, &in, err)))
        return rc;
    const int D = o->depth;
    double *lx = nninit__lab_dalloc(a, (size_t)D);
    nninit_lab_figure *fm = NULL, *fv = NULL;
    if (!lx)
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (int k = 0; !rc && k < D; k++)
        lx[k] = k + 1;
    const char *an = nninit_activation_name(o->act);
    char title[128];
    snprintf(title, sizeof title, "selu: mean of activations per layer (%s)",
             an);
    if (!rc)
        rc = nninit__lab_fig_new(r->figures, &r->n_figures, a, "selu-mean",
                                 title, "layer", "mean", 0, o->n_inits, &fm,
                                 err);
    snprintf(title, sizeof title,
             "selu: variance of activations per layer (%s)", an);
    if (!rc)
        rc = nninit__lab_fig_new(r->figures, &r->n_figures, a, "selu-var",
                                 title, "layer", "variance", 1, o->n_inits,
                                 &fv, err);
    if (!rc) {
        fv->hline = 1.0;
        fv->ymin = 1e-4; /* a vanishing run would flatten the rest */
        fv->ymax = 1e4;
        snprintf(fv->hline_label, sizeof fv->hline_label,
                 "fixed point: variance 1");
        fm->hline = 0.0;
        snprintf(fm->hline_label, sizeof fm->hline_label,
                 "fixed point: mean 0");
    }
    for (int i = 0; i < o->n_inits && !rc; i++) {
        nninit_lab_selu_run *run = &r->runs[r->n_runs++];
        nninit_lab_init_label(&o->inits[i], run->init, sizeof run->init);
        run->depth = D;
        run->mean = nninit__lab_dalloc(a, (size_t)D);
        run->var = nninit__lab_dalloc(a, (size_t)D);
        if (!run->mean || !run->var) {
            rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
            break;
        }
        const lab_stack st = {o->width, D, o->width, 0, o->act, o->inits[i],
                              o->inits[i], o->batch, in.x, o->batch};
        nninit_lab_mlp *net;
        if ((rc = nninit__lab_stack_new(&c, &st, &net, err)))
            break;
        nninit_lab_mlp_forward(net, in.x, o->batch);
        for (int k = 0; k < D; k++) {
            double sd = nninit_lab_std(nninit_lab_mlp_layer_output(net, k),
                                       (size_t)o->batch * o->width,
                                       &run->mean[k]);
            run->var[k] = sd * sd;
        }
        nninit_lab_mlp_free(net);
        rc = nninit__lab_fig_add(fm, run->init, D, lx, run->mean, err);
        if (!rc)
            rc = nninit__lab_fig_add(fv, run->init, D, lx, run->var, err);
        nninit__lab_progress(&o->c, "selu", (i + 1.0) / o->n_inits);
    }
    nninit_lab_data_free(&in);
    nninit__free(a, lx);
    if (rc)
        nninit_lab_selu_free(r);
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
    nninit__free(r->alloc, r->epochs);
    r->epochs = NULL;
    r->n_epochs = 0;
    nninit__lab_figs_free(r->figures, &r->n_figures);
}

int nninit_lab_train(const nninit_lab_train_opts *o,
                     nninit_lab_train_result *r, nninit_error *err)
{
    memset(r, 0, sizeof *r);
    const nninit_allocator *a = r->alloc = o->c.alloc;
    int rc = LAB_CHECK(err, {"layers", o->n_layers, 1, 16},
                       {"epochs", o->epochs, 1, 100000},
                       {"batch", o->batch, 1, 1 << 16});
    if (!rc)
        rc = nninit__lab_check_lr(o->lr, err);
    if (!rc)
        rc = nninit__lab_check_act(o->act, err);
    if (rc)
        return rc;
    nninit_lab_data tr, te;
    if ((rc = nninit__lab_load_data(&o->c, o->n_train, o->n_test, &tr, &te,
                                    err)))
        return rc;
    nninit_activation acts[16];
    nninit_lab_mlp *net = NULL;
    real *dl = NULL;
    lab_batcher bt;
    lab_log lg;
    memset(&bt, 0, sizeof bt);
    memset(&lg, 0, sizeof lg);
    if (o->sizes[0] != tr.dim || o->sizes[o->n_layers] != tr.classes)
        rc = nninit__fail(err, NNINIT_EINVAL,
                          "the MLP must map %d inputs to %d classes (got %d "
                          "-> %d)",
                          tr.dim, tr.classes, o->sizes[0],
                          o->sizes[o->n_layers]);
    for (int k = 0; !rc && k < o->n_layers; k++) {
        acts[k] = k == o->n_layers - 1 ? NNINIT_ACT_NONE : o->act;
        nninit_lab_init_label(&o->inits[k], r->init[k], sizeof r->init[k]);
    }
    if (!rc) {
        nninit_lab_mlp_desc d =
            nninit_lab_mlp_desc_make(o->n_layers, o->sizes, acts);
        d.weight_init = o->inits;
        d.seed = o->c.seed;
        d.max_batch = o->batch;
        rc = nninit_lab_mlp_new(&d, a, &net, err);
    }
    if (!rc) {
        r->epochs = (nninit_lab_train_epoch *)nninit__lab_calloc(
            a, (size_t)o->epochs, sizeof *r->epochs);
        dl = nninit__lab_zalloc(a, (size_t)o->batch * tr.classes);
        if (!r->epochs || !dl)
            rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    if (!rc)
        rc = nninit__lab_batcher_init(&bt, &tr, o->batch, o->c.seed,
                                      "lab.train.shuffle", a, err);
    if (!rc)
        rc = nninit__lab_log_init(&lg, o->epochs, 1, a, err);
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
            int n = nninit__lab_batcher_next(&bt, &end);
            sum += nninit__lab_train_step(net, &opt, bt.x, bt.y, n,
                                          tr.classes, dl);
            nb++;
            if (nb % 50 == 0 || end)
                nninit__lab_progress(&o->c, "train",
                                     (e + (double)nb / total) / o->epochs);
        }
        nninit_lab_train_epoch *ep = &r->epochs[e];
        ep->epoch = e + 1;
        ep->seconds = now_seconds() - t0;
        ep->train_loss = sum / nb;
        ep->test_accuracy = nninit__lab_evaluate(net, &te, o->batch);
        r->n_epochs = e + 1;
        nninit__lab_log_add(&lg, e, ep->test_accuracy);
    }
    nninit_lab_figure *fig;
    if (!rc)
        rc = nninit__lab_fig_new(r->figures, &r->n_figures, a,
                                 "train-accuracy",
                                 "train: test accuracy per epoch", "epoch",
                                 "test accuracy", 0, 1, &fig, err);
    if (!rc)
        rc = nninit__lab_fig_add(fig, r->init[0], lg.n, lg.step, lg.val, err);
    nninit__lab_log_free(&lg);
    nninit__lab_batcher_free(&bt);
    nninit__free(a, dl);
    nninit_lab_mlp_free(net);
    nninit_lab_data_free(&tr);
    nninit_lab_data_free(&te);
    if (rc)
        nninit_lab_train_free(r);
    return rc;
}
