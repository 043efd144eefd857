/*
 * exp_linear.c: the deeplinear experiment: Saxe, McClelland & Ganguli's
 * learning time against depth in deep linear networks.
 *
 * The task is a fixed linear map y = A x, A = U diag(s) V with U, V random
 * orthogonal and s evenly spread over [0.5, 2] (Saxe et al.'s modes of
 * different strengths), learnt from fresh N(0, I) inputs. With the step
 * size scaled as lr / depth, their theory says the time to learn stays
 * bounded as depth grows from a decoupled (orthogonal) start, and grows
 * from a scaled Gaussian one, whose end-to-end map starts with many
 * near-zero modes.
 */
#include "lab_internal.h"

#include <math.h>
#include <string.h>

nninit_lab_deeplinear_opts nninit_lab_deeplinear_defaults(void)
{
    nninit_lab_deeplinear_opts o;
    memset(&o, 0, sizeof o);
    o.width = 32;
    static const int depths[] = {2, 4, 8, 16, 32};
    o.n_depths = 5;
    memcpy(o.depths, depths, sizeof depths);
    o.batch = 64;
    o.max_steps = 1500;
    o.window = 20;
    o.lr = 0.5;
    o.threshold = 0.05;
    static const char *const names[] = {"orthogonal", "lecun_normal", NULL};
    o.n_inits = nninit__lab_named_list(o.inits, names);
    return o;
}

void nninit_lab_deeplinear_free(nninit_lab_deeplinear_result *r)
{
    if (r->runs)
        for (int i = 0; i < r->n_runs; i++) {
            nninit__free(r->alloc, r->runs[i].step);
            nninit__free(r->alloc, r->runs[i].loss);
        }
    nninit__free(r->alloc, r->runs);
    r->runs = NULL;
    r->n_runs = 0;
    nninit__lab_figs_free(r->figures, &r->n_figures);
}

/* The teacher A (N x N, row-major) and the mean of s^2 (the loss of
 * predicting 0). */
static int teacher(const nninit_lab_deeplinear_opts *o, real *A, real *U,
                   real *V, double *ms, nninit_error *err)
{
    const int N = o->width;
    nninit_spec orth = nninit_spec_make(NNINIT_ORTHOGONAL);
    int rc = nninit__lab_fill(&orth, N, N, o->c.seed, "lab.deeplinear.u", U,
                              o->c.alloc, err);
    if (!rc)
        rc = nninit__lab_fill(&orth, N, N, o->c.seed, "lab.deeplinear.v", V,
                              o->c.alloc, err);
    if (rc)
        return rc;
    double ss = 0;
    for (int j = 0; j < N; j++) { /* U diag(s): scale U's columns */
        double s = 0.5 + 1.5 * j / (N > 1 ? N - 1 : 1);
        ss += s * s;
        for (int i = 0; i < N; i++)
            U[(size_t)i * N + j] *= (real)s;
    }
    *ms = ss / N;
    lab_gemm(0, 0, N, N, N, 1, U, N, V, N, 0, A, N);
    return NNINIT_OK;
}

/* Train one (init, depth); fills the run. */
static int linear_one(const nninit_lab_deeplinear_opts *o, int ii, int depth,
                      const real *A, double ms, real *x, real *y, real *dy,
                      nninit_lab_deeplinear_run *run, nninit_error *err)
{
    const nninit_allocator *a = o->c.alloc;
    const int N = o->width, B = o->batch;
    const lab_stack st = {N, depth, N, 0, NNINIT_ACT_NONE, o->inits[ii],
                          o->inits[ii], B, NULL, 0};
    nninit_lab_mlp *net = NULL;
    lab_log lg;
    memset(&lg, 0, sizeof lg);
    int rc = nninit__lab_stack_new(&o->c, &st, &net, err);
    if (!rc)
        rc = nninit__lab_log_init(&lg, o->max_steps, o->window, a, err);
    if (rc) {
        nninit_lab_mlp_free(net);
        return rc;
    }
    nninit_rng g; /* the same inputs for every run */
    nninit_rng_init(&g, o->c.seed, nninit_stream_from_name("lab.deeplinear.x"));
    nninit_lab_optim opt = nninit_lab_optim_make(NNINIT_LAB_SGD, o->lr / depth);
    int np;
    nninit_lab_param *p = nninit_lab_mlp_params(net, &np);
    for (int s = 0; s < o->max_steps; s++) {
        for (size_t i = 0; i < (size_t)B * N; i++)
            x[i] = (real)nninit_rng_normal(&g);
        lab_gemm(0, 1, B, N, N, 1, x, N, A, N, 0, y, N); /* y = x A^T */
        nninit_lab_mlp_forward(net, x, B);
        double loss =
            nninit_lab_mse(nninit_lab_mlp_output(net), y, (size_t)B * N, dy) /
            ms;
        if (!isfinite(loss)) { /* diverged: never reaches the threshold */
            nninit__lab_log_add(&lg, o->max_steps - 1, loss);
            break;
        }
        for (size_t i = 0; i < (size_t)B * N; i++)
            dy[i] = (real)(dy[i] / ms);
        nninit_lab_mlp_backward(net, dy);
        nninit_lab_optim_step(&opt, p, np);
        if (nninit__lab_log_add(&lg, s, loss) &&
            lg.val[lg.n - 1] < o->threshold) {
            run->steps_to_threshold = s + 1;
            break;
        }
    }
    run->n_log = lg.n;
    run->step = lg.step;
    run->loss = lg.val;
    run->final_loss = lg.n ? lg.val[lg.n - 1] : NAN;
    lg.step = lg.val = NULL;
    nninit_lab_mlp_free(net);
    return NNINIT_OK;
}

static int linear_figures(const nninit_lab_deeplinear_opts *o,
                          nninit_lab_deeplinear_result *r, nninit_error *err)
{
    const nninit_allocator *a = o->c.alloc;
    nninit_lab_figure *ft, *fl;
    char title[128];
    snprintf(title, sizeof title,
             "deeplinear: SGD steps until the loss is below %g (width %d)",
             o->threshold, o->width);
    int rc = nninit__lab_fig_new(r->figures, &r->n_figures, a,
                                 "deeplinear-steps", title, "depth",
                                 "steps to the threshold", 1, o->n_inits, &ft,
                                 err);
    if (rc)
        return rc;
    ft->logx = 1;
    ft->hline = o->max_steps;
    snprintf(ft->hline_label, sizeof ft->hline_label,
             "budget: not reached");
    const int Dmax = o->depths[o->n_depths - 1];
    snprintf(title, sizeof title, "deeplinear: training loss at depth %d",
             Dmax);
    if ((rc = nninit__lab_fig_new(r->figures, &r->n_figures, a,
                                  "deeplinear-loss", title, "step",
                                  "loss / loss of predicting 0", 1,
                                  o->n_inits, &fl, err)))
        return rc;
    fl->hline = o->threshold;
    snprintf(fl->hline_label, sizeof fl->hline_label, "threshold");
    double x[16], y[16];
    for (int ii = 0; ii < o->n_inits && !rc; ii++) {
        const nninit_lab_deeplinear_run *u = &r->runs[ii * o->n_depths];
        for (int k = 0; k < o->n_depths; k++) {
            x[k] = o->depths[k];
            y[k] = u[k].steps_to_threshold ? u[k].steps_to_threshold
                                           : o->max_steps;
        }
        rc = nninit__lab_fig_add(ft, u->init, o->n_depths, x, y, err);
        const nninit_lab_deeplinear_run *deep = &u[o->n_depths - 1];
        if (!rc)
            rc = nninit__lab_fig_add(fl, deep->init, deep->n_log, deep->step,
                                     deep->loss, err);
    }
    return rc;
}

int nninit_lab_deeplinear(const nninit_lab_deeplinear_opts *o,
                          nninit_lab_deeplinear_result *r, nninit_error *err)
{
    memset(r, 0, sizeof *r);
    const nninit_allocator *a = r->alloc = o->c.alloc;
    int rc = LAB_CHECK(err, {"initializers", o->n_inits, 1, 8},
                       {"depths", o->n_depths, 1, 16},
                       {"width", o->width, 1, 4096},
                       {"batch", o->batch, 1, 65536},
                       {"max steps", o->max_steps, 1, 100000000},
                       {"window", o->window, 1, 100000});
    for (int k = 0; !rc && k < o->n_depths; k++)
        rc = LAB_CHECK(err, {"depth", o->depths[k],
                             k ? o->depths[k - 1] + 1 : 1, 10000});
    if (!rc)
        rc = nninit__lab_check_lr(o->lr, err);
    if (!rc && !(o->threshold > 0 && isfinite(o->threshold)))
        rc = nninit__fail(err, NNINIT_EINVAL, "threshold must be > 0");
    if (rc)
        return rc;
    const size_t N = (size_t)o->width, BN = (size_t)o->batch * N;
    real *A = nninit__lab_zalloc(a, N * N), *U = nninit__lab_zalloc(a, N * N);
    real *V = nninit__lab_zalloc(a, N * N), *x = nninit__lab_zalloc(a, BN);
    real *y = nninit__lab_zalloc(a, BN), *dy = nninit__lab_zalloc(a, BN);
    r->runs = (nninit_lab_deeplinear_run *)nninit__lab_calloc(
        a, (size_t)o->n_inits * o->n_depths, sizeof *r->runs);
    double ms = 1;
    if (!A || !U || !V || !x || !y || !dy || !r->runs)
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    if (!rc)
        rc = teacher(o, A, U, V, &ms, err);
    const int total = o->n_inits * o->n_depths;
    for (int ii = 0; ii < o->n_inits && !rc; ii++)
        for (int k = 0; k < o->n_depths && !rc; k++) {
            nninit_lab_deeplinear_run *run = &r->runs[r->n_runs++];
            nninit_lab_init_label(&o->inits[ii], run->init, sizeof run->init);
            run->depth = o->depths[k];
            rc = linear_one(o, ii, o->depths[k], A, ms, x, y, dy, run, err);
            nninit__lab_progress(&o->c, "deeplinear",
                                 (double)r->n_runs / total);
        }
    if (!rc)
        rc = linear_figures(o, r, err);
    real *bufs[] = {A, U, V, x, y, dy};
    for (size_t k = 0; k < sizeof bufs / sizeof *bufs; k++)
        nninit__free(a, bufs[k]);
    if (rc)
        nninit_lab_deeplinear_free(r);
    return rc;
}
