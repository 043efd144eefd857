/*
 * lab_internal.h: what the lab's own files share. The element type follows
 * NNINIT_LAB_F64 (see nninit/lab.h), and so does the BLAS routine.
 */
#ifndef NNINIT_LAB_INTERNAL_H
#define NNINIT_LAB_INTERNAL_H

#include "nninit/lab.h"
#include "nninit_internal.h"

#include <cblas.h>

typedef nninit_lab_real real;

#ifdef NNINIT_LAB_F64
#define LAB_DTYPE NNINIT_F64
#define lab_cblas_gemm cblas_dgemm
#else
#define LAB_DTYPE NNINIT_F32
#define lab_cblas_gemm cblas_sgemm
#endif

/* Row-major C = alpha * op(A) * op(B) + beta * C, op(A) m x k, op(B) k x n. */
static inline void lab_gemm(int ta, int tb, int m, int n, int k, real alpha,
                            const real *a, int lda, const real *b, int ldb,
                            real beta, real *c, int ldc)
{
    lab_cblas_gemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                   tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b,
                   ldb, beta, c, ldc);
}

/* Fill a parameter (or a rows x cols block of it starting at element
 * `offset`) with `spec` for a tensor of shape (rows, cols), drawn from
 * (seed, stream name). */
int nninit__lab_fill(const nninit_spec *spec, int64_t rows, int64_t cols,
                     uint64_t seed, const char *name, real *out,
                     const nninit_allocator *alloc, nninit_error *err);

/* Allocate the four buffers of a parameter (zeroed). */
int nninit__lab_param_alloc(nninit_lab_param *p, const char *name,
                            int64_t rows, int64_t cols,
                            const nninit_allocator *alloc);
void nninit__lab_param_free(nninit_lab_param *p,
                            const nninit_allocator *alloc);

/* Zeroed allocation of n reals; NULL on failure or n == 0 overflow. */
real *nninit__lab_zalloc(const nninit_allocator *alloc, size_t n);

/* ------------------------------------------------------------------------ */
/* The experiments' shared skeleton (exp_util.c): validation, data, the    */
/* network, figures, the log window, progress. Every allocation goes        */
/* through the experiment's allocator (c->alloc).                           */
/* ------------------------------------------------------------------------ */

/* Zeroed n * size bytes (n == 0 gives one element); NULL on overflow. */
void *nninit__lab_calloc(const nninit_allocator *a, size_t n, size_t size);
double *nninit__lab_dalloc(const nninit_allocator *a, size_t n);

/* Initializers by name, for the built-in settings (names known to parse):
 * one, or a NULL-terminated list into out (returns the count). */
nninit_lab_init nninit__lab_named(const char *name);
int nninit__lab_named_list(nninit_lab_init *out, const char *const *names);

/* Validation: every value in [lo, hi], else one line naming it. */
typedef struct lab_range {
    const char *what;
    long v, lo, hi;
} lab_range;
int nninit__lab_check(const lab_range *r, int n, nninit_error *err);
#define LAB_CHECK(err, ...)                                                    \
    nninit__lab_check((const lab_range[]){__VA_ARGS__},                        \
                      (int)(sizeof((const lab_range[]){__VA_ARGS__}) /         \
                            sizeof(lab_range)),                                \
                      err)
/* lr > 0 and finite. */
int nninit__lab_check_lr(double lr, nninit_error *err);
int nninit__lab_check_act(nninit_activation act, nninit_error *err);

/* Progress through the caller's callback, if any. */
void nninit__lab_progress(const nninit_lab_common *c, const char *what,
                          double fraction);

/* Data: Fashion-MNIST (train and test subsets) or 3-class spirals. */
int nninit__lab_load_data(const nninit_lab_common *c, int n_train, int n_test,
                          nninit_lab_data *tr, nninit_lab_data *te,
                          nninit_error *err);
/* One input batch: Fashion-MNIST test images, or N(0, 1) values of
 * dim_if_synth with random labels of 10 classes (stream "lab.input"). */
int nninit__lab_input_batch(const nninit_lab_common *c, int batch,
                            int dim_if_synth, nninit_lab_data *d,
                            nninit_error *err);

/* The network: `depth` Linear layers of `width` with activation `act`, all
 * initialized by `hidden`, then (if out > 0) a linear head of `out` units
 * initialized by `head`. */
typedef struct lab_stack {
    int in, depth, width, out;
    nninit_activation act;
    nninit_lab_init hidden, head;
    int max_batch;
    const real *lsuv_x; /* an lsuv init rescales the net on these lsuv_n */
    int lsuv_n;         /* rows of input (at most max_batch) */
} lab_stack;

/* LSUV's tolerance on each layer's output variance and its most tries
 * (Mishkin & Matas 2016). */
#define LAB_LSUV_TOL 0.1
#define LAB_LSUV_TRIES 10
int nninit__lab_stack_new(const nninit_lab_common *c, const lab_stack *s,
                          nninit_lab_mlp **net, nninit_error *err);

/* A shuffled minibatch stream over a data set. */
typedef struct lab_batcher {
    const nninit_lab_data *d;
    const nninit_allocator *alloc;
    nninit_rng rng;
    uint32_t *idx;
    int pos, batch;
    real *x;
    int32_t *y;
} lab_batcher;
int nninit__lab_batcher_init(lab_batcher *b, const nninit_lab_data *d,
                             int batch, uint64_t seed, const char *stream,
                             const nninit_allocator *alloc, nninit_error *err);
void nninit__lab_batcher_free(lab_batcher *b);
/* The next batch's size; *epoch_end (may be NULL) is 1 after the last
 * batch of an epoch (the last may be short, so an epoch covers every
 * example once). */
int nninit__lab_batcher_next(lab_batcher *b, int *epoch_end);

/* One optimizer step of a classifier MLP on a batch; returns the loss. */
double nninit__lab_train_step(nninit_lab_mlp *net, nninit_lab_optim *opt,
                              const real *x, const int32_t *y, int n,
                              int classes, real *dlogits);
/* Accuracy over a data set, in batches of mb. */
double nninit__lab_evaluate(nninit_lab_mlp *net, const nninit_lab_data *d,
                            int mb);

/* Figures: the next free figure of a result, ready for n_series series. */
int nninit__lab_fig_new(nninit_lab_figure *figs, int *n_figs,
                        const nninit_allocator *alloc, const char *name,
                        const char *title, const char *xlabel,
                        const char *ylabel, int logy, int n_series,
                        nninit_lab_figure **out, nninit_error *err);
/* Append a series (copies x and y). */
int nninit__lab_fig_add(nninit_lab_figure *f, const char *label, int n,
                        const double *x, const double *y, nninit_error *err);
void nninit__lab_figs_free(nninit_lab_figure *figs, int *n_figs);

/* The log window: the mean of every `every` values (and of the rest at the
 * last step), with the step it ends on. */
typedef struct lab_log {
    int every, steps, cnt, n;
    double sum;
    double *step, *val;
    const nninit_allocator *alloc;
} lab_log;
int nninit__lab_log_init(lab_log *l, int steps, int every,
                         const nninit_allocator *alloc, nninit_error *err);
/* Add the value of step s (0-based); 1 when it closed a window. */
int nninit__lab_log_add(lab_log *l, int s, double v);
void nninit__lab_log_free(lab_log *l);

#endif
