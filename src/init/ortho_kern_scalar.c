/*
 * ortho_kern_scalar.c: the portable orthogonal kernels, plain C with fma and
 * fmaf from libm (correctly rounded everywhere, in hardware or not; on
 * x86-64 without -mfma each one is a call, so this path is slow there and
 * exists to check the others). The innermost loops run across independent
 * outputs, so a compiler may vectorize them (aarch64 does) without changing
 * a bit. ortho.h states what every kernel computes.
 */
#include "ortho.h"

#include <math.h>

#define NB NNINIT__ORTHO_NB
#define S NNINIT__ORTHO_STRIP

#define DEFINE_KERNELS(REAL, SFX, FMA)                                         \
    static void atb_##SFX(int64_t kc, int64_t n, const REAL *at,               \
                          const REAL *b, int64_t bk, int64_t bj, REAL *w,      \
                          int64_t ldw)                                         \
    {                                                                          \
        for (int64_t j = 0; j < n; j++) {                                      \
            REAL acc[NB] = {0};                                                \
            const REAL *bcol = b + j * bj;                                     \
            for (int64_t k = 0; k < kc; k++) {                                 \
                const REAL bkj = bcol[k * bk], *ak = at + k * NB;              \
                for (int l = 0; l < NB; l++)                                   \
                    acc[l] = FMA(ak[l], bkj, acc[l]);                          \
            }                                                                  \
            for (int l = 0; l < NB; l++)                                       \
                w[l + j * ldw] = acc[l];                                       \
        }                                                                      \
    }                                                                          \
                                                                               \
    static void sub_##SFX(int64_t m, int64_t n, int64_t nb, const REAL *vs,    \
                          const REAL *w, int64_t ldw, REAL *c, int64_t ldc)    \
    {                                                                          \
        for (int64_t r0 = 0; r0 < m; r0 += S) {                                \
            const REAL *a = vs + r0 * NB;                                      \
            int rows = m - r0 < S ? (int)(m - r0) : S;                         \
            for (int64_t j = 0; j < n; j++) {                                  \
                REAL acc[S] = {0};                                             \
                for (int64_t l = 0; l < nb; l++) {                             \
                    const REAL wl = w[l + j * ldw], *al = a + l * S;           \
                    for (int r = 0; r < S; r++)                                \
                        acc[r] = FMA(al[r], wl, acc[r]);                       \
                }                                                              \
                REAL *cj = c + r0 + j * ldc;                                   \
                for (int r = 0; r < rows; r++)                                 \
                    cj[r] = cj[r] - acc[r];                                    \
            }                                                                  \
        }                                                                      \
    }

DEFINE_KERNELS(double, d, fma)
DEFINE_KERNELS(float, f, fmaf)
NNINIT__ORTHO_LARFT(double, d, fma)
NNINIT__ORTHO_LARFT(float, f, fmaf)

const nninit__ortho_kernels nninit__ortho_kernels_scalar = {
    {atb_d, sub_d, larft_d}, {atb_f, sub_f, larft_f}};
