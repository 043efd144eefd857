/*
 * exp_rnn.c: the rnn experiment: cells x recurrent initializers on the
 * adding problem, the copy task or delayed recall.
 */
#include "lab_internal.h"

#include <math.h>
#include <string.h>

static const char *const task_names[] = {"adding", "copy", "recall", NULL};

const char *nninit_lab_task_name(nninit_lab_task task)
{
    return (unsigned)task < 3 ? task_names[task] : "?";
}

int nninit_lab_task_parse(const char *name, nninit_lab_task *out,
                          nninit_error *err)
{
    int i = nninit__lookup(task_names, name);
    if (i < 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "unknown task '%s' (adding, copy, recall)", name);
    *out = (nninit_lab_task)i;
    return NNINIT_OK;
}

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
    o.test_batch = 256;
    o.lr = 1e-3;
    o.clip = 1.0;
    o.optimizer = NNINIT_LAB_ADAM;
    o.input_init = nninit_lab_init_rule();
    o.n_cells = 3;
    o.cells[0] = NNINIT_LAB_RNN_TANH;
    o.cells[1] = NNINIT_LAB_RNN_RELU;
    o.cells[2] = NNINIT_LAB_LSTM;
    static const char *const names[] = {"orthogonal", "lecun_normal", "eye",
                                        NULL};
    o.n_inits = nninit__lab_named_list(o.inits, names);
    return o;
}

void nninit_lab_rnn_result_free(nninit_lab_rnn_result *r)
{
    for (int i = 0; i < r->n_runs; i++) {
        nninit__free(r->alloc, r->runs[i].step);
        nninit__free(r->alloc, r->runs[i].loss);
        nninit__free(r->alloc, r->runs[i].grad_t);
    }
    r->n_runs = 0;
    nninit__lab_figs_free(r->figures, &r->n_figures);
}

/* One task's shapes and buffers: a batch of inputs and targets. */
typedef struct task_io {
    nninit_lab_task task;
    int length, T, in, out, B;
    real *x, *yt, *dy;
    int32_t *yl;
} task_io;

static int task_io_init(task_io *io, const nninit_lab_rnn_opts *o, int B,
                        const nninit_allocator *a, nninit_error *err)
{
    memset(io, 0, sizeof *io);
    io->task = o->task;
    io->length = o->length;
    io->B = B;
    switch (o->task) {
    case NNINIT_LAB_COPY:
        io->T = o->length + 2 * NNINIT_LAB_COPY_SYMBOLS;
        io->in = io->out = NNINIT_LAB_COPY_CLASSES;
        break;
    case NNINIT_LAB_RECALL:
        io->T = 2 * o->length;
        io->in = io->out = 1;
        break;
    default:
        io->T = o->length;
        io->in = 2;
        io->out = 1;
    }
    const size_t TB = (size_t)io->T * B;
    io->x = nninit__lab_zalloc(a, TB * io->in);
    io->yt = nninit__lab_zalloc(a, TB);
    io->yl = (int32_t *)nninit__lab_calloc(a, TB, sizeof(int32_t));
    io->dy = nninit__lab_zalloc(a, TB * io->out);
    if (!io->x || !io->yt || !io->yl || !io->dy)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    return NNINIT_OK;
}

static void task_io_free(task_io *io, const nninit_allocator *a)
{
    nninit__free(a, io->x);
    nninit__free(a, io->yt);
    nninit__free(a, io->yl);
    nninit__free(a, io->dy);
}

static void task_batch(task_io *io, nninit_rng *g)
{
    if (io->task == NNINIT_LAB_COPY)
        nninit_lab_copy_batch(g, io->length, io->B, io->x, io->yl);
    else if (io->task == NNINIT_LAB_RECALL)
        nninit_lab_recall_batch(g, io->length, io->B, io->x, io->yt);
    else
        nninit_lab_adding_batch(g, io->T, io->B, io->x, io->yt);
}

/* Forward the batch; the loss, and its gradient in io->dy. */
static double task_loss(task_io *io, nninit_lab_rnn *net)
{
    nninit_lab_rnn_forward(net, io->x, io->T, io->B);
    const real *yo = nninit_lab_rnn_output(net);
    const size_t TB = (size_t)io->T * io->B;
    switch (io->task) {
    case NNINIT_LAB_COPY:
        return nninit_lab_softmax_xent(yo, io->yl, (int)TB, io->out, io->dy);
    case NNINIT_LAB_RECALL: { /* the first `length` steps carry no loss */
        const size_t skip = (size_t)io->length * io->B;
        memset(io->dy, 0, skip * sizeof(real));
        return nninit_lab_mse(yo + skip, io->yt + skip, TB - skip,
                              io->dy + skip);
    }
    default:
        return nninit_lab_mse(yo, io->yt, (size_t)io->B, io->dy);
    }
}

static double task_baseline(const task_io *io)
{
    switch (io->task) {
    case NNINIT_LAB_COPY:
        return 10.0 * log(8.0) / io->T;
    case NNINIT_LAB_RECALL:
        return 1.0;
    default:
        return 1.0 / 6.0;
    }
}

/* The gradient reaching each step, relative to the last, at init. */
static int grad_through_time(nninit_lab_rnn_run *run, nninit_lab_rnn *net,
                             nninit_lab_figure *fgt, const nninit_allocator *a,
                             nninit_error *err)
{
    int TT;
    const double *gn = nninit_lab_rnn_grad_norms(net, &TT);
    run->grad_t = nninit__lab_dalloc(a, (size_t)TT);
    double *tx = nninit__lab_axis(a, TT);
    int rc = NNINIT_OK;
    if (!run->grad_t || !tx) {
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    } else {
        run->steps_T = TT;
        for (int q = 0; q < TT; q++)
            run->grad_t[q] = gn[q] / gn[TT - 1];
        rc = nninit__lab_fig_add(fgt, run->init, TT, tx, run->grad_t, err);
    }
    nninit__free(a, tx);
    return rc;
}

/* Train one (cell, init) run. */
static int rnn_one(const nninit_lab_rnn_opts *o, int ci, int i,
                   nninit_lab_rnn_run *run, task_io *io, task_io *test,
                   nninit_lab_figure *f, nninit_lab_figure *fgt,
                   nninit_error *err)
{
    const nninit_allocator *a = o->c.alloc;
    nninit_lab_rnn_desc d = nninit_lab_rnn_desc_make(o->cells[ci], io->in,
                                                     o->hidden, io->out);
    d.all_steps = o->task != NNINIT_LAB_ADDING;
    d.input_init = o->input_init;
    d.recurrent_init = o->inits[i];
    d.seed = o->c.seed;
    d.max_steps = io->T;
    d.max_batch = io->B > test->B ? io->B : test->B;
    nninit_lab_rnn *net = NULL;
    lab_log lg;
    memset(&lg, 0, sizeof lg);
    int rc = nninit_lab_rnn_new(&d, a, &net, err);
    if (!rc)
        rc = nninit__lab_log_init(&lg, o->steps, o->log_every, a, err);
    /* the same data for every run: only the init differs */
    nninit_rng g;
    nninit_rng_init(&g, o->c.seed, nninit_stream_from_name("lab.rnn.data"));
    nninit_lab_optim opt = nninit_lab_optim_make(o->optimizer, o->lr);
    opt.clip_norm = o->clip;
    int np, diverged = 0;
    nninit_lab_param *p = net ? nninit_lab_rnn_params(net, &np) : NULL;
    for (int s = 0; s < o->steps && !rc; s++) {
        double loss = NAN;
        if (!diverged) {
            task_batch(io, &g);
            loss = task_loss(io, net);
            diverged = !isfinite(loss);
        }
        if (!diverged) {
            nninit_lab_rnn_backward(net, io->dy);
            if (s == 0)
                rc = grad_through_time(run, net, fgt, a, err);
            nninit_lab_optim_step(&opt, p, np);
        }
        if (nninit__lab_log_add(&lg, s, loss)) {
            char what[96];
            snprintf(what, sizeof what, "rnn: %s, %s",
                     nninit_lab_cell_name(run->cell), run->init);
            nninit__lab_progress(&o->c, what,
                                 (ci * o->n_inits + i + (s + 1.0) / o->steps) /
                                     (o->n_cells * o->n_inits));
        }
    }
    if (!rc) {
        run->n_log = lg.n;
        run->step = lg.step;
        run->loss = lg.val;
        lg.step = lg.val = NULL;
        run->final_loss = run->loss[run->n_log - 1];
        /* held-out sequences from their own stream */
        nninit_rng gt;
        nninit_rng_init(&gt, o->c.seed, nninit_stream_from_name("lab.rnn.test"));
        task_batch(test, &gt);
        run->test_loss = diverged ? NAN : task_loss(test, net);
        run->solved_fraction = run->test_loss / task_baseline(io);
        rc = nninit__lab_fig_add(f, run->init, run->n_log, run->step,
                                 run->loss, err);
    }
    nninit__lab_log_free(&lg);
    nninit_lab_rnn_free(net);
    return rc;
}

int nninit_lab_rnn_run_all(const nninit_lab_rnn_opts *o,
                           nninit_lab_rnn_result *r, nninit_error *err)
{
    memset(r, 0, sizeof *r);
    const nninit_allocator *a = r->alloc = o->c.alloc;
    int rc = LAB_CHECK(err, {"initializers", o->n_inits, 1, 16},
                       {"cells", o->n_cells, 1, 4},
                       {"cells x initializers", (long)o->n_cells * o->n_inits,
                        1, NNINIT_LAB_MAX_RUNS},
                       {"task", (long)o->task, 0, 2},
                       {"length", o->length, 2, 100000},
                       {"hidden", o->hidden, 1, 65536},
                       {"steps", o->steps, 1, 100000000},
                       {"batch", o->batch, 1, 65536},
                       {"test batch", o->test_batch, 1, 65536},
                       {"log-every", o->log_every, 1, 100000000});
    if (!rc)
        rc = nninit__lab_check_lr(o->lr, err);
    if (!rc && !(o->clip >= 0))
        rc = nninit__fail(err, NNINIT_EINVAL, "clip must be >= 0");
    if (rc)
        return rc;
    task_io io, test;
    rc = task_io_init(&io, o, o->batch, a, err);
    if (!rc)
        rc = task_io_init(&test, o, o->test_batch, a, err);
    else
        memset(&test, 0, sizeof test);
    r->baseline = task_baseline(&io);
    const char *task = nninit_lab_task_name(o->task);
    for (int ci = 0; ci < o->n_cells && !rc; ci++) {
        const char *cell = nninit_lab_cell_name(o->cells[ci]);
        char nm[48], title[128];
        nninit_lab_figure *f, *fgt;
        snprintf(nm, sizeof nm, "rnn-%s", cell);
        snprintf(title, sizeof title, "rnn: %s on the %s task (length %d)",
                 cell, task, o->length);
        rc = nninit__lab_fig_new(r->figures, &r->n_figures, a, nm, title,
                                 "training step",
                                 o->task == NNINIT_LAB_COPY
                                     ? "cross-entropy"
                                     : "mean squared error",
                                 1, o->n_inits, &f, err);
        if (rc)
            break;
        f->hline = r->baseline;
        snprintf(f->hline_label, sizeof f->hline_label, "baseline %.4g",
                 r->baseline);
        snprintf(nm, sizeof nm, "rnn-%s-grad", cell);
        snprintf(title, sizeof title,
                 "rnn: %s at init, gradient reaching step t (relative to T)",
                 cell);
        if ((rc = nninit__lab_fig_new(r->figures, &r->n_figures, a, nm, title,
                                      "time step t",
                                      "||dL/dh_t|| / ||dL/dh_T||", 1,
                                      o->n_inits, &fgt, err)))
            break;
        fgt->hline = 1.0;
        snprintf(fgt->hline_label, sizeof fgt->hline_label, "preserved");
        for (int i = 0; i < o->n_inits && !rc; i++) {
            nninit_lab_rnn_run *run = &r->runs[r->n_runs++];
            run->cell = o->cells[ci];
            nninit_lab_init_label(&o->inits[i], run->init, sizeof run->init);
            rc = rnn_one(o, ci, i, run, &io, &test, f, fgt, err);
        }
    }
    task_io_free(&io, a);
    task_io_free(&test, a);
    if (rc)
        nninit_lab_rnn_result_free(r);
    return rc;
}
