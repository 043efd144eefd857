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
 * it is matrix-matrix work (ortho_body.h has the steps), on nninit's own
 * kernels (ortho.h, ortho_kern_*.c): no BLAS, because a BLAS picks its
 * kernels and its summation order by CPU, and the bytes would follow.
 *
 * Precision follows the output: f64 tensors are built in double, all the
 * others in float (as PyTorch does; 2x the speed; README gives max|Q^T Q - I|
 * next to PyTorch's, by bench/orthogonal_accuracy). The Gaussians and
 * reflector norms are double in both.
 *
 * The same bytes everywhere: every sum is one chain of fused multiply-adds
 * in a fixed order (ortho.h), every other step is one IEEE operation (the
 * build passes -ffp-contract=off), and tasks write disjoint outputs; so the
 * scalar, AVX2 and AVX-512 kernels, any thread count, and any CPU
 * architecture give the same matrix.
 */
#include "../nninit_internal.h"
#include "ortho.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NB NNINIT__ORTHO_NB
#define S NNINIT__ORTHO_STRIP
#define PW 96          /* columns per update panel */
#define FORM_ROWS 512  /* rows per task forming a block's own columns */
#define FORM_COLS 12   /* ... and its columns per product */
#define PACK_STRIPS 16 /* strips of V packed per task */
/* Steps smaller than this many flops run on one thread. */
#define MIN_PARALLEL_FLOPS (UINT64_C(1) << 24)
/* Columns per task for the column-by-column steps. */
#define COLS_PER_TASK 16
/* Gaussians drawn at once per column (longer columns are drawn twice), and
 * the pieces their squares are summed in (in order: part of the bytes). */
#define GAUSS_DRAW 16384
#define GAUSS_SUM 2048

const nninit__ortho_kernels *nninit__ortho_kernels_for(nninit_simd simd)
{
    switch (nninit_simd_resolve(simd)) {
#if defined(NNINIT_HAVE_X86_SIMD)
    case NNINIT_SIMD_AVX512:
        return &nninit__ortho_kernels_avx512;
    case NNINIT_SIMD_AVX2:
        return &nninit__ortho_kernels_avx2;
#endif
    default:
        return &nninit__ortho_kernels_scalar;
    }
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
#define KERN nninit__ortho_kern_d
#include "ortho_body.h"
#undef REAL
#undef SFX
#undef KERN

#define REAL float
#define SFX f
#define KERN nninit__ortho_kern_f
#include "ortho_body.h"
#undef REAL
#undef SFX
#undef KERN

int nninit__orthogonal_colmajor(double *q, int64_t M, int64_t N,
                                const nninit_fill_opts *opts, nninit_error *err)
{
    return nninit__orthogonal_d(&nninit__ortho_kernels_for(opts->simd)->d, q, M,
                                N, opts, err);
}

int nninit__orthogonal_colmajor_f32(float *q, int64_t M, int64_t N,
                                    const nninit_fill_opts *opts,
                                    nninit_error *err)
{
    return nninit__orthogonal_f(&nninit__ortho_kernels_for(opts->simd)->f, q, M,
                                N, opts, err);
}
