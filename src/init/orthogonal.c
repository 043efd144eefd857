/*
 * orthogonal.c: Haar-random matrices with orthonormal columns.
 *
 * PyTorch draws a Gaussian matrix A, computes A = QR and returns
 * Q * diag(sign(diag R)) (Mezzadri 2006). Its Householder QR turns column k
 * of the partly reduced A into a reflector H_k, and by rotation invariance
 * that column is a fresh standard Gaussian vector of length M-k, independent
 * of H_0..H_{k-1}. So the same distribution comes from drawing N Gaussian
 * vectors directly and building the reflectors from them (Stewart 1980):
 * half the work of factorizing A, because only the accumulation of
 * Q = H_0 H_1 ... H_{N-1} remains. R's diagonal is the reflectors' beta, so
 * the sign correction is sign(beta_k).
 *
 * The Gaussians are elements of the tensor stream (opts->seed,
 * opts->stream): column k's vector is elements k*M .. k*M + M-k-1 of an f64
 * normal fill, placed at rows k .. M-1.
 *
 * The accumulation is LAPACK's blocked dorgqr recast so that nearly all of
 * it is matrix-matrix work (ortho_body.h has the steps). Two backends supply
 * those steps: BLAS/LAPACK through OpenBLAS (ortho_lapack.c, when built with
 * NNINIT_WITH_LAPACK), or plain C (ortho_body.h).
 *
 * Precision follows the output: f64 tensors are built in double, all the
 * others in float (as PyTorch does; 2x the speed; max|Q^T Q - I| 1.5e-7
 * at 4096 x 4096 against PyTorch's 5.6e-7, by bench/orthogonal_accuracy).
 * The Gaussians and reflector norms are double in both.
 *
 * Threads and determinism: every step is cut into tasks whose bounds depend
 * on the matrix size only (columns for the reflectors and signs, panels of
 * PW columns for the block updates, row ranges for the rest, their partial
 * sums added in task order), each computed by one single-threaded call; so
 * the bytes are the same at any thread count. They differ between the
 * backends (and between BLAS builds) in the last bits;
 * nninit_orthogonal_backend() names the one in use.
 */
#include "../nninit_internal.h"
#include "ortho.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NB 64  /* reflectors per block */
#define PW 128 /* columns per block-update panel */
/* Steps smaller than this many flops run on one thread. */
#define MIN_PARALLEL_FLOPS (UINT64_C(1) << 24)
/* Columns per task for the column-by-column steps. */
#define COLS_PER_TASK 16
/* Scratch per worker: a panel's W (PW x NB) or a row task's copy of V. */
#define WORK_PER_WORKER(rc) ((size_t)((rc) > PW ? (rc) : PW) * NB)

/* Rows per row task: at least 512, and at most about 64 tasks so their
 * partial Gram matrices stay small. A function of the height only. */
static int64_t chunk_rows(int64_t m)
{
    int64_t rc = (m + 63) / 64;
    rc = (rc + 63) / 64 * 64;
    return rc < 512 ? 512 : rc;
}

/* The double dot product of the reflector norms, in both precisions. */
static double dot_dd(const double *a, const double *b, int64_t n)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++)
        s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

#define REAL double
#define SFX d
#define OPS nninit__ortho_d
#include "ortho_body.h"
#undef REAL
#undef SFX
#undef OPS

#define REAL float
#define SFX f
#define OPS nninit__ortho_f
#include "ortho_body.h"
#undef REAL
#undef SFX
#undef OPS

const nninit__ortho_backend nninit__ortho_builtin = {
    "builtin", &builtin_ops_d, &builtin_ops_f, NULL, NULL};

const nninit__ortho_backend *nninit__ortho_find(const char *name)
{
#if defined(NNINIT_HAVE_LAPACK)
    if (!name || !strcmp(name, "lapack"))
        return &nninit__ortho_lapack;
#else
    if (!name)
        return &nninit__ortho_builtin;
#endif
    if (!strcmp(name, "builtin"))
        return &nninit__ortho_builtin;
    return NULL;
}

/* The build's default backend, or the one $NNINIT_ORTHOGONAL names
 * (builtin or lapack) if this build has it: a switch for comparing them,
 * like $NNINIT_SIMD for the fill paths. */
static const nninit__ortho_backend *default_backend(void)
{
    const char *env = getenv("NNINIT_ORTHOGONAL");
    const nninit__ortho_backend *be =
        env && *env ? nninit__ortho_find(env) : NULL;
    return be ? be : nninit__ortho_find(NULL);
}

const char *nninit_orthogonal_backend(void) { return default_backend()->name; }

/* LAPACK's dimensions are 32-bit: taller matrices use the builtin steps. */
static const nninit__ortho_backend *backend_for(int64_t m)
{
    return m > INT32_MAX ? &nninit__ortho_builtin : default_backend();
}

int nninit__orthogonal_colmajor(double *q, int64_t M, int64_t N,
                                const nninit_fill_opts *opts,
                                nninit_error *err)
{
    return nninit__orthogonal_d(backend_for(M), q, M, N, opts, err);
}

int nninit__orthogonal_colmajor_f32(float *q, int64_t M, int64_t N,
                                    const nninit_fill_opts *opts,
                                    nninit_error *err)
{
    return nninit__orthogonal_f(backend_for(M), q, M, N, opts, err);
}
