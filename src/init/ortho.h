/*
 * ortho.h: the products the orthogonal construction is built from
 * (ortho_body.h, the driver) and their per-ISA kernels (ortho_kern_*.c).
 *
 * The bytes rule. Every value a product writes is one chain of fused
 * multiply-adds in a fixed order: acc = +0, then acc = fma(a_k, b_k, acc)
 * for k = 0, 1, 2, ... in increasing order, each rounded once. Nothing else
 * is allowed to touch the sum: no partial sums, no reassociation, no
 * reduction across SIMD lanes. A kernel vectorizes across *independent*
 * outputs only (the lanes of one register hold different outputs, each with
 * its own chain), and it may cut the k loop into chunks as long as the
 * accumulator goes to memory and back in the same precision (exact). So the
 * register tile, the vector width, the chunking and the thread that runs a
 * task change no bit: scalar, AVX2 and AVX-512, on any CPU architecture
 * with IEEE fma, at any thread count, agree bit for bit.
 *
 * Terms whose factor is an explicit zero (the triangles of V and T) may be
 * computed or skipped alike: a chain that starts at +0 is still +0 after
 * adding a zero product, and a nonzero sum plus a zero product is itself.
 *
 * Layouts (REAL = float or double; NB = NNINIT__ORTHO_NB, S =
 * NNINIT__ORTHO_STRIP):
 *   Vt (row-packed V):   Vt[r*NB + l] = V(r, l); columns nb..NB-1 are zero.
 *   Vs (strip-packed V): rows in strips of S, Vs[(r/S)*S*NB + l*S + r%S] =
 *                        V(r, l); rows past the end are zero.
 *   everything else column-major with explicit leading dimensions.
 */
#ifndef NNINIT_ORTHO_H
#define NNINIT_ORTHO_H

#include "../nninit_internal.h"

#define NNINIT__ORTHO_NB 64    /* reflectors per block */
#define NNINIT__ORTHO_STRIP 32 /* rows per strip of Vs */

#define NNINIT__ORTHO_KERN(T, NAME)                                            \
    typedef struct NAME {                                                      \
        /* W[l + j*ldw] = sum over k < kc of at[k*NB + l] * b[k*bk + j*bj],    \
         * for l < NB and j < n (a^T b with a packed by rows of NB) */         \
        void (*atb)(int64_t kc, int64_t n, const T *at, const T *b,            \
                    int64_t bk, int64_t bj, T *w, int64_t ldw);                \
        /* C[r + j*ldc] = C[r + j*ldc] - sum over l < nb of V(r, l) *          \
         * W[l + j*ldw], for r < m and j < n, V strip-packed (Vs) from its     \
         * first strip */                                                      \
        void (*sub)(int64_t m, int64_t n, int64_t nb, const T *vs, const T *w, \
                    int64_t ldw, T *c, int64_t ldc);                           \
        /* LAPACK's dlarft (forward, columnwise) from G = V^T V (ld NB):       \
         * T (nb x nb, ld NB, zero below the diagonal) with                    \
         * H_0 ... H_{nb-1} = I - V T V^T. Column j: x_p = -(tau_j *           \
         * G(p, j)), T(p, j) = sum over l = p .. j-1 of T(p, l) x_l for        \
         * p < j (chains in increasing l), T(j, j) = tau_j. */                 \
        void (*larft)(int64_t nb, const T *g, const T *tau, T *t);             \
    } NAME;

NNINIT__ORTHO_KERN(double, nninit__ortho_kern_d)
NNINIT__ORTHO_KERN(float, nninit__ortho_kern_f)

typedef struct nninit__ortho_kernels {
    nninit__ortho_kern_d d;
    nninit__ortho_kern_f f;
} nninit__ortho_kernels;

extern const nninit__ortho_kernels nninit__ortho_kernels_scalar;
#if defined(NNINIT_HAVE_X86_SIMD)
extern const nninit__ortho_kernels nninit__ortho_kernels_avx2;
extern const nninit__ortho_kernels nninit__ortho_kernels_avx512;
#endif

/* larft as every kernel file defines it (plain C; FMA is fma or fmaf, which
 * the SIMD files compile to the instruction). */
#define NNINIT__ORTHO_LARFT(REAL, SFX, FMA)                                    \
    static void larft_##SFX(int64_t nb, const REAL *g, const REAL *tau,        \
                            REAL *t)                                           \
    {                                                                          \
        for (int64_t j = 0; j < nb; j++) {                                     \
            REAL x[NNINIT__ORTHO_NB];                                          \
            for (int64_t p = 0; p < j; p++)                                    \
                x[p] = -(tau[j] * g[p + j * NNINIT__ORTHO_NB]);                \
            for (int64_t p = 0; p < j; p++) {                                  \
                REAL acc = 0;                                                  \
                for (int64_t l = p; l < j; l++)                                \
                    acc = FMA(t[p + l * NNINIT__ORTHO_NB], x[l], acc);         \
                t[p + j * NNINIT__ORTHO_NB] = acc;                             \
            }                                                                  \
            t[j + j * NNINIT__ORTHO_NB] = tau[j];                              \
            for (int64_t p = j + 1; p < NNINIT__ORTHO_NB; p++)                 \
                t[p + j * NNINIT__ORTHO_NB] = 0;                               \
        }                                                                      \
    }

/* The kernels for a SIMD request (resolved as nninit_fill resolves it). */
const nninit__ortho_kernels *nninit__ortho_kernels_for(nninit_simd simd);

#endif /* NNINIT_ORTHO_H */
