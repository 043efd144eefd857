/*
 * exp_isometry.c: the isometry experiment: singular values of the
 * input-output Jacobian at initialization (Saxe et al. 2014; Pennington,
 * Schoenholz & Ganguli 2017).
 *
 * The Jacobian of L layers is J = J_L ... J_1 with J_l = D_l W_l (D_l the
 * activation's derivative at the layer, the identity for linear layers and
 * for an RNN at rest). Formed directly, its small singular values drown in
 * the rounding of its large ones as soon as the spread passes ~1e12, which
 * a Gaussian reaches by depth 8 at width 64. So the product is kept as
 * J = Q diag(e^g) C: at every layer the QR of J_l Q gives the new Q and an
 * upper triangular R, the log-scales g take the diagonal of R and C takes
 * the rest rescaled (entries of order 1). The singular values of J are
 * those of diag(e^g) C, a row-graded matrix, which LAPACK's one-sided
 * Jacobi SVD (dgesvj on its transpose, a column-graded matrix) computes to
 * high relative accuracy (Demmel & Veselic 1992). All in double; LAPACK
 * through LAPACKE's _work entry points with our own workspaces, so every
 * allocation goes through the caller's allocator.
 */
#include "lab_internal.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const net_names[] = {"linear", "tanh", "rnn", NULL};

const char *nninit_lab_iso_net_name(nninit_lab_iso_net net)
{
    return (unsigned)net < 3 ? net_names[net] : "?";
}

int nninit_lab_iso_net_parse(const char *name, nninit_lab_iso_net *out,
                             nninit_error *err)
{
    int i = nninit__lookup(net_names, name);
    if (i < 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "unknown network '%s' (linear, tanh, rnn)", name);
    *out = (nninit_lab_iso_net)i;
    return NNINIT_OK;
}

nninit_lab_isometry_opts nninit_lab_isometry_defaults(void)
{
    nninit_lab_isometry_opts o;
    memset(&o, 0, sizeof o);
    o.width = 64;
    o.n_nets = 3;
    o.nets[0] = NNINIT_LAB_ISO_LINEAR;
    o.nets[1] = NNINIT_LAB_ISO_TANH;
    o.nets[2] = NNINIT_LAB_ISO_RNN;
    static const int depths[] = {1, 2, 4, 8, 16, 32, 64};
    o.n_depths = 7;
    memcpy(o.depths, depths, sizeof depths);
    o.input_std = 0.5;
    static const char *const names[] = {"orthogonal", "lecun_normal",
                                        "lecun_uniform", NULL};
    o.n_inits = nninit__lab_named_list(o.inits, names);
    return o;
}

void nninit_lab_isometry_free(nninit_lab_isometry_result *r)
{
    if (r->runs)
        for (int i = 0; i < r->n_runs; i++)
            nninit__free(r->alloc, r->runs[i].singular_values);
    nninit__free(r->alloc, r->runs);
    r->runs = NULL;
    r->n_runs = 0;
    nninit__lab_figs_free(r->figures, &r->n_figures);
}

const nninit_lab_isometry_run *nninit_lab_isometry_find(
    const nninit_lab_isometry_result *r, nninit_lab_iso_net net, int init,
    int depth)
{
    /* runs go net by net, then init by init, then depth by depth */
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_isometry_run *u = &r->runs[i];
        if (u->net != net || u->depth != depth)
            continue;
        if (init-- == 0)
            return u;
    }
    return NULL;
}

/* The workspace of one product: all N x N column-major unless noted. */
typedef struct iso_ws {
    int N;
    double *W, *M, *Q, *C, *A, *tau, *g, *g2, *h, *d, *sv, *work;
    lapack_int lwork;
} iso_ws;

static void ws_free(iso_ws *w, const nninit_allocator *a)
{
    double *bufs[] = {w->W, w->M, w->Q, w->C, w->A, w->tau, w->g,
                      w->g2, w->h, w->d, w->sv, w->work};
    for (size_t k = 0; k < sizeof bufs / sizeof *bufs; k++)
        nninit__free(a, bufs[k]);
    memset(w, 0, sizeof *w);
}

static int ws_init(iso_ws *w, int N, const nninit_allocator *a,
                   nninit_error *err)
{
    memset(w, 0, sizeof *w);
    w->N = N;
    const size_t NN = (size_t)N * N;
    w->W = nninit__lab_dalloc(a, NN);
    w->M = nninit__lab_dalloc(a, NN);
    w->Q = nninit__lab_dalloc(a, NN);
    w->C = nninit__lab_dalloc(a, NN);
    w->A = nninit__lab_dalloc(a, NN);
    w->tau = nninit__lab_dalloc(a, (size_t)N);
    w->g = nninit__lab_dalloc(a, (size_t)N);
    w->g2 = nninit__lab_dalloc(a, (size_t)N);
    w->h = nninit__lab_dalloc(a, (size_t)N);
    w->d = nninit__lab_dalloc(a, (size_t)N);
    w->sv = nninit__lab_dalloc(a, (size_t)N);
    if (!w->W || !w->M || !w->Q || !w->C || !w->A || !w->tau || !w->g ||
        !w->g2 || !w->h || !w->d || !w->sv)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    /* one workspace for dgeqrf, dorgqr and dgesvj: the largest query */
    double q1 = 0, q2 = 0;
    if (LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, N, N, w->M, N, w->tau, &q1,
                            -1) ||
        LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, N, N, N, w->M, N, w->tau, &q2,
                            -1))
        return nninit__fail(err, NNINIT_EINVAL,
                            "LAPACK refused a workspace query");
    double lw = fmax(fmax(q1, q2), fmax(6.0, 2.0 * N));
    w->lwork = (lapack_int)lw;
    w->work = nninit__lab_dalloc(a, (size_t)w->lwork);
    if (!w->work)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    return NNINIT_OK;
}

/* Start the product at the identity: Q = I, C = I, g = 0. */
static void ws_reset(iso_ws *w)
{
    const int N = w->N;
    memset(w->Q, 0, (size_t)N * N * sizeof(double));
    memset(w->C, 0, (size_t)N * N * sizeof(double));
    for (int i = 0; i < N; i++) {
        w->Q[(size_t)i * N + i] = 1;
        w->C[(size_t)i * N + i] = 1;
        w->g[i] = 0;
    }
}

/* Multiply the product by diag(d) W on the left (W row-major N x N as
 * nninit draws it; d NULL: the identity). */
static int ws_apply(iso_ws *w, const double *d, nninit_error *err)
{
    const int N = w->N;
    /* M = W Q: W row-major is W^T column-major */
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, N, N, N, 1.0, w->W,
                N, w->Q, N, 0.0, w->M, N);
    if (d)
        for (int j = 0; j < N; j++)
            for (int i = 0; i < N; i++)
                w->M[(size_t)j * N + i] *= d[i];
    if (LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, N, N, w->M, N, w->tau, w->work,
                            w->lwork))
        return nninit__fail(err, NNINIT_EINVAL, "LAPACK dgeqrf failed");
    /* R (upper triangle of M) into A, with a positive diagonal */
    memset(w->A, 0, (size_t)N * N * sizeof(double));
    for (int j = 0; j < N; j++)
        for (int i = 0; i <= j; i++)
            w->A[(size_t)j * N + i] = w->M[(size_t)j * N + i];
    if (LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, N, N, N, w->M, N, w->tau,
                            w->work, w->lwork))
        return nninit__fail(err, NNINIT_EINVAL, "LAPACK dorgqr failed");
    for (int i = 0; i < N; i++) {
        double rii = w->A[(size_t)i * N + i];
        if (rii < 0) { /* flip row i of R and column i of Q */
            for (int j = i; j < N; j++)
                w->A[(size_t)j * N + i] = -w->A[(size_t)j * N + i];
            for (int k = 0; k < N; k++)
                w->M[(size_t)i * N + k] = -w->M[(size_t)i * N + k];
            rii = -rii;
        }
        /* an exactly singular layer: keep the scale finite but negligible */
        w->g2[i] = w->g[i] + log(rii > 1e-300 ? rii : 1e-300);
    }
    /* S = diag(e^-g2) R diag(e^g): entries of order 1; C = S C */
    for (int j = 0; j < N; j++)
        for (int i = 0; i <= j; i++)
            w->A[(size_t)j * N + i] *= exp(w->g[j] - w->g2[i]);
    cblas_dtrmm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans,
                CblasNonUnit, N, N, 1.0, w->A, N, w->C, N);
    memcpy(w->Q, w->M, (size_t)N * N * sizeof(double));
    memcpy(w->g, w->g2, (size_t)N * sizeof(double));
    return NNINIT_OK;
}

static int desc_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The singular values of the current product, largest first, into sv. */
static int ws_singular_values(iso_ws *w, double *sv, nninit_error *err)
{
    const int N = w->N;
    double gmax = -INFINITY;
    for (int i = 0; i < N; i++)
        gmax = fmax(gmax, w->g[i]);
    /* A = C^T diag(e^(g - gmax)): column j is row j of C, scaled */
    for (int j = 0; j < N; j++) {
        double s = exp(w->g[j] - gmax);
        for (int i = 0; i < N; i++)
            w->A[(size_t)j * N + i] = w->C[(size_t)i * N + j] * s;
    }
    double v1 = 0;
    lapack_int info = LAPACKE_dgesvj_work(LAPACK_COL_MAJOR, 'G', 'N', 'N', N,
                                          N, w->A, N, sv, 0, &v1, 1, w->work,
                                          w->lwork);
    if (info < 0)
        return nninit__fail(err, NNINIT_EINVAL, "LAPACK dgesvj failed (%d)",
                            (int)info);
    /* info > 0: not fully converged after 30 sweeps; the values are still
     * those of the last sweep, accurate enough to plot */
    const double scale = w->work[0] * exp(gmax);
    for (int i = 0; i < N; i++)
        sv[i] *= scale;
    qsort(sv, (size_t)N, sizeof *sv, desc_cmp);
    return NNINIT_OK;
}

/* Draw the weight of layer k (1-based) or the RNN's recurrent matrix, f64. */
static int draw(const nninit_lab_isometry_opts *o, nninit_lab_iso_net net,
                const nninit_spec *spec, int k, double *W, nninit_error *err)
{
    char name[40];
    if (net == NNINIT_LAB_ISO_RNN)
        snprintf(name, sizeof name, "rnn.weight_hh");
    else
        snprintf(name, sizeof name, "layer%d.weight", k);
    nninit_shape sh;
    int64_t dims[2] = {o->width, o->width};
    nninit_shape_make(&sh, 2, dims, NULL);
    nninit_fill_opts f = nninit_fill_opts_default();
    f.seed = o->c.seed;
    f.stream = nninit_stream_from_name(name);
    f.alloc = o->c.alloc;
    nninit_error e2;
    int rc = nninit_init(spec, &sh, NNINIT_LAYOUT_TORCH, NNINIT_F64, W, 0,
                         (uint64_t)o->width * o->width, &f, &e2);
    if (rc)
        return nninit__fail(err, rc, "%s: %s", name, e2.msg);
    return NNINIT_OK;
}

/* One (net, init): the product layer by layer, a run at every listed depth. */
static int iso_one(const nninit_lab_isometry_opts *o, nninit_lab_iso_net net,
                   int ii, iso_ws *w, nninit_lab_isometry_result *r,
                   nninit_error *err)
{
    const int N = o->width;
    nninit_spec spec;
    int rc = nninit_lab_init_resolve(&o->inits[ii], NNINIT_ROLE_RECURRENT,
                                     NNINIT_ACT_NONE, NAN, &spec, err);
    if (rc)
        return rc;
    ws_reset(w);
    if (net == NNINIT_LAB_ISO_TANH) { /* the input: N(0, input_std^2) */
        nninit_rng g;
        nninit_rng_init(&g, o->c.seed, nninit_stream_from_name("lab.isometry.x"));
        for (int i = 0; i < N; i++)
            w->h[i] = o->input_std * nninit_rng_normal(&g);
    }
    const int Dmax = o->depths[o->n_depths - 1];
    int next = 0;
    for (int k = 1; k <= Dmax && !rc; k++) {
        if (net != NNINIT_LAB_ISO_RNN || k == 1)
            rc = draw(o, net, &spec, k, w->W, err);
        const double *d = NULL;
        if (!rc && net == NNINIT_LAB_ISO_TANH) {
            /* z = W h (W row-major), h = tanh(z), d = 1 - h^2 */
            cblas_dgemv(CblasRowMajor, CblasNoTrans, N, N, 1.0, w->W, N, w->h,
                        1, 0.0, w->d, 1);
            for (int i = 0; i < N; i++) {
                w->h[i] = tanh(w->d[i]);
                w->d[i] = 1 - w->h[i] * w->h[i];
            }
            d = w->d;
        }
        if (!rc)
            rc = ws_apply(w, d, err);
        if (!rc && k == o->depths[next]) {
            nninit_lab_isometry_run *u = &r->runs[r->n_runs];
            u->net = net;
            u->depth = k;
            u->n = N;
            nninit_lab_init_label(&o->inits[ii], u->init, sizeof u->init);
            u->singular_values = nninit__lab_dalloc(o->c.alloc, (size_t)N);
            if (!u->singular_values)
                return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
            r->n_runs++;
            if ((rc = ws_singular_values(w, u->singular_values, err)))
                return rc;
            u->condition_number = u->singular_values[0] /
                                  u->singular_values[N - 1];
            u->max_dev = 0;
            for (int i = 0; i < N; i++)
                u->max_dev = fmax(u->max_dev, fabs(u->singular_values[i] - 1));
            next++;
        }
    }
    return rc;
}

/* Figures of one net: condition number by depth, spectra at the deepest. */
static int iso_figures(const nninit_lab_isometry_opts *o, nninit_lab_iso_net net,
                       nninit_lab_isometry_result *r, nninit_error *err)
{
    const nninit_allocator *a = o->c.alloc;
    const char *nn = nninit_lab_iso_net_name(net);
    const char *what = net == NNINIT_LAB_ISO_RNN ? "steps T" : "depth";
    const int Dmax = o->depths[o->n_depths - 1], N = o->width;
    char name[48], title[128];
    nninit_lab_figure *fc, *fs;
    snprintf(name, sizeof name, "isometry-%s-cond", nn);
    snprintf(title, sizeof title,
             "isometry: %s, condition number of the Jacobian (width %d)", nn,
             N);
    int rc = nninit__lab_fig_new(r->figures, &r->n_figures, a, name, title,
                                 what, "largest / smallest singular value", 1,
                                 o->n_inits, &fc, err);
    if (rc)
        return rc;
    fc->logx = 1;
    fc->hline = 1;
    snprintf(fc->hline_label, sizeof fc->hline_label, "isometry");
    snprintf(name, sizeof name, "isometry-%s-spectrum", nn);
    snprintf(title, sizeof title, "isometry: %s, singular values at %s %d", nn,
             what, Dmax);
    if ((rc = nninit__lab_fig_new(r->figures, &r->n_figures, a, name, title,
                                  "rank", "singular value", 1, o->n_inits, &fs,
                                  err)))
        return rc;
    fs->hline = 1;
    snprintf(fs->hline_label, sizeof fs->hline_label, "1");
    double *x = nninit__lab_dalloc(a, (size_t)(N > 16 ? N : 16));
    double *y = nninit__lab_dalloc(a, 16);
    if (!x || !y)
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (int ii = 0; ii < o->n_inits && !rc; ii++) {
        const nninit_lab_isometry_run *deep = NULL;
        for (int k = 0; k < o->n_depths; k++) {
            const nninit_lab_isometry_run *u =
                nninit_lab_isometry_find(r, net, ii, o->depths[k]);
            x[k] = o->depths[k];
            y[k] = u ? u->condition_number : NAN;
            deep = u ? u : deep;
        }
        rc = nninit__lab_fig_add(fc, deep ? deep->init : "?", o->n_depths, x,
                                 y, err);
        if (!rc && deep) {
            for (int i = 0; i < N; i++)
                x[i] = i + 1;
            rc = nninit__lab_fig_add(fs, deep->init, N, x,
                                     deep->singular_values, err);
        }
    }
    nninit__free(a, x);
    nninit__free(a, y);
    return rc;
}

int nninit_lab_isometry(const nninit_lab_isometry_opts *o,
                        nninit_lab_isometry_result *r, nninit_error *err)
{
    memset(r, 0, sizeof *r);
    const nninit_allocator *a = r->alloc = o->c.alloc;
    int rc = LAB_CHECK(err, {"initializers", o->n_inits, 1, 8},
                       {"networks", o->n_nets, 1, 3},
                       {"depths", o->n_depths, 1, 16},
                       {"width", o->width, 2, 4096});
    for (int k = 0; !rc && k < o->n_depths; k++)
        rc = LAB_CHECK(err, {"depth", o->depths[k],
                             k ? o->depths[k - 1] + 1 : 1, 100000});
    for (int k = 0; !rc && k < o->n_nets; k++)
        rc = LAB_CHECK(err, {"network", (long)o->nets[k], 0, 2});
    if (!rc && !(o->input_std > 0 && isfinite(o->input_std)))
        rc = nninit__fail(err, NNINIT_EINVAL, "input std must be > 0");
    if (rc)
        return rc;
    r->runs = (nninit_lab_isometry_run *)nninit__lab_calloc(
        a, (size_t)o->n_nets * o->n_inits * o->n_depths, sizeof *r->runs);
    if (!r->runs)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    iso_ws w;
    rc = ws_init(&w, o->width, a, err);
    const int total = o->n_nets * o->n_inits;
    for (int ni = 0; ni < o->n_nets && !rc; ni++) {
        for (int ii = 0; ii < o->n_inits && !rc; ii++) {
            rc = iso_one(o, o->nets[ni], ii, &w, r, err);
            nninit__lab_progress(&o->c, "isometry",
                                 (ni * o->n_inits + ii + 1.0) / total);
        }
        if (!rc)
            rc = iso_figures(o, o->nets[ni], r, err);
    }
    ws_free(&w, a);
    if (rc)
        nninit_lab_isometry_free(r);
    return rc;
}
