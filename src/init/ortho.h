/*
 * ortho.h: the BLAS/LAPACK-shaped steps the orthogonal construction is
 * built from, so the plain C backend and the LAPACK one share one driver
 * (ortho_body.h, instantiated in double and in float by orthogonal.c).
 *
 * Matrices are column-major with explicit leading dimensions. Each step is
 * called from several threads at once, each call on its own output, and
 * must run on the calling thread alone (so its bytes never depend on how
 * many threads there are).
 */
#ifndef NNINIT_ORTHO_H
#define NNINIT_ORTHO_H

#include "../nninit_internal.h"

#define NNINIT__ORTHO_OPS(T, NAME)                                             \
    typedef struct NAME {                                                      \
        /* upper triangle of C (n x n) := A^T A, A m x n (dsyrk) */            \
        void (*gram)(int64_t m, int64_t n, const T *a, int64_t lda, T *c,      \
                     int64_t ldc);                                             \
        /* C (m x n) := -A B, A m x k, B k x n (dgemm) */                      \
        void (*neg_mul)(int64_t m, int64_t n, int64_t k, const T *a,           \
                        int64_t lda, const T *b, int64_t ldb, T *c,            \
                        int64_t ldc);                                          \
        /* dlarfb('L', 'N', 'F', 'C'): C (m x n) := (I - V T V^T) C for the    \
         * k unit-lower columns of V (V above its diagonal is not read);     \
         * work >= n*k */                                                      \
        void (*larfb)(int64_t m, int64_t n, int64_t k, const T *v,             \
                      int64_t ldv, const T *t, int64_t ldt, T *c,              \
                      int64_t ldc, T *work);                                   \
    } NAME;

NNINIT__ORTHO_OPS(double, nninit__ortho_d)
NNINIT__ORTHO_OPS(float, nninit__ortho_f)

typedef struct nninit__ortho_backend {
    const char *name; /* what nninit_orthogonal_backend() reports */
    const nninit__ortho_d *d;
    const nninit__ortho_f *f;
    /* around the construction (may be NULL): the LAPACK backend keeps its
     * BLAS on one thread per call there, so the threads are ours */
    void (*enter)(void);
    void (*leave)(void);
} nninit__ortho_backend;

extern const nninit__ortho_backend nninit__ortho_builtin;
#if defined(NNINIT_HAVE_LAPACK)
extern const nninit__ortho_backend nninit__ortho_lapack;
#endif

/* The backend called `name` ("builtin" or "lapack"), or the build's default
 * for NULL; NULL if this build does not have it. */
const nninit__ortho_backend *nninit__ortho_find(const char *name);

/* nninit__orthogonal_colmajor(_f32) on a given backend. */
int nninit__orthogonal_d(const nninit__ortho_backend *be, double *q,
                         int64_t m, int64_t n, const nninit_fill_opts *opts,
                         nninit_error *err);
int nninit__orthogonal_f(const nninit__ortho_backend *be, float *q,
                         int64_t m, int64_t n, const nninit_fill_opts *opts,
                         nninit_error *err);

#endif /* NNINIT_ORTHO_H */
