/*
 * ortho_lapack.c: the orthogonal construction's steps through LAPACKE and
 * OpenBLAS (built with NNINIT_WITH_LAPACK).
 *
 * OpenBLAS splits a call over its own threads, and the split changes the
 * last bits of the result (measured: dorgqr at 4096 x 4096 on 1 and on 2
 * OpenBLAS threads gives different bytes). So while an orthogonal matrix is
 * built, OpenBLAS runs every call on the calling thread, and nninit spreads
 * the work itself over panels whose bounds never depend on the thread
 * count. OpenBLAS's thread count is one setting for the whole process: the
 * first of any concurrent constructions sets it to 1 and the last one
 * restores it (a lock and a count, the only process-wide state here).
 */
#include "../nninit_internal.h"
#include "ortho.h"

#include <cblas.h> /* OpenBLAS's: also openblas_set_num_threads */
#include <lapacke.h>
#include <pthread.h>

static pthread_mutex_t pin_lock = PTHREAD_MUTEX_INITIALIZER;
static int pin_users = 0, pin_saved = 1;

static void pin_enter(void)
{
    pthread_mutex_lock(&pin_lock);
    if (pin_users++ == 0) {
        pin_saved = openblas_get_num_threads();
        openblas_set_num_threads(1);
    }
    pthread_mutex_unlock(&pin_lock);
}

static void pin_leave(void)
{
    pthread_mutex_lock(&pin_lock);
    if (--pin_users == 0)
        openblas_set_num_threads(pin_saved);
    pthread_mutex_unlock(&pin_lock);
}

/* The driver keeps every dimension below 2^31 before choosing this
 * backend (backend_for in orthogonal.c), so the casts are exact. */
#define DEFINE_OPS(T, P, SYRK, GEMM, LARFB)                                    \
    static void gram_##P(int64_t m, int64_t n, const T *a, int64_t lda,      \
                         T *c, int64_t ldc)                                    \
    {                                                                          \
        SYRK(CblasColMajor, CblasUpper, CblasTrans, (blasint)n, (blasint)m,   \
             1, a, (blasint)lda, 0, c, (blasint)ldc);                          \
    }                                                                          \
    static void neg_mul_##P(int64_t m, int64_t n, int64_t k, const T *a,      \
                            int64_t lda, const T *b, int64_t ldb, T *c,        \
                            int64_t ldc)                                       \
    {                                                                          \
        GEMM(CblasColMajor, CblasNoTrans, CblasNoTrans, (blasint)m,            \
             (blasint)n, (blasint)k, -1, a, (blasint)lda, b, (blasint)ldb, 0, \
             c, (blasint)ldc);                                                 \
    }                                                                          \
    static void larfb_##P(int64_t m, int64_t n, int64_t k, const T *v,        \
                          int64_t ldv, const T *t, int64_t ldt, T *c,          \
                          int64_t ldc, T *work)                                \
    {                                                                          \
        LARFB(LAPACK_COL_MAJOR, 'L', 'N', 'F', 'C', (lapack_int)m,             \
              (lapack_int)n, (lapack_int)k, v, (lapack_int)ldv, t,             \
              (lapack_int)ldt, c, (lapack_int)ldc, work, (lapack_int)n);       \
    }                                                                          \
    static const nninit__ortho_##P ops_##P = {gram_##P, neg_mul_##P,         \
                                              larfb_##P};

DEFINE_OPS(double, d, cblas_dsyrk, cblas_dgemm, LAPACKE_dlarfb_work)
DEFINE_OPS(float, f, cblas_ssyrk, cblas_sgemm, LAPACKE_slarfb_work)

const nninit__ortho_backend nninit__ortho_lapack = {
    "lapack", &ops_d, &ops_f, pin_enter, pin_leave};
