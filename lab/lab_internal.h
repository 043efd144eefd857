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

#endif
