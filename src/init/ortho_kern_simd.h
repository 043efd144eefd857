/*
 * ortho_kern_simd.h: the orthogonal kernels with register tiles, included
 * by ortho_kern_avx2.c and ortho_kern_avx512.c once per precision. Each
 * register holds VL different outputs (never VL terms of one sum), so the
 * bytes are those of ortho_kern_scalar.c (ortho.h states the rule).
 *
 * Expects: REAL, SFX, VEC and VL, the vector operations V_ZERO(),
 * V_LOAD(p), V_STORE(p, x), V_BCAST(p) (*p in every lane), V_FMA(a, b, c)
 * (a*b + c lane by lane, one rounding), V_SUB(a, b), FMA1 (fma or fmaf),
 * and the tile sizes:
 *   ATB_LV x ATB_NR  atb's tile: ATB_LV vectors down l, ATB_NR columns
 *   SUB_RV x SUB_NR  sub's tile: SUB_RV vectors down a strip, SUB_NR columns
 *   KC               atb's rows per pass, so that the KC x NB block of `at`
 *                    stays in L2 while every column tile uses it
 */

#define KCAT_(a, b) a##_##b
#define KCAT(a, b) KCAT_(a, b)
#define KFN(name) KCAT(name, SFX)

#define NB NNINIT__ORTHO_NB
#define S NNINIT__ORTHO_STRIP

static void KFN(atb)(int64_t kc, int64_t n, const REAL *at, const REAL *b,
                     int64_t bk, int64_t bj, REAL *w, int64_t ldw)
{
    int64_t k0 = 0;
    do { /* once at least, so that kc == 0 writes zeros */
        const int64_t k1 = kc - k0 < KC ? kc : k0 + KC;
        for (int l0 = 0; l0 < NB; l0 += ATB_LV * VL)
            for (int64_t j0 = 0; j0 < n; j0 += ATB_NR) {
                const REAL *bp[ATB_NR];
                int nj = n - j0 < ATB_NR ? (int)(n - j0) : ATB_NR;
                for (int jj = 0; jj < ATB_NR; jj++) /* spare columns alias */
                    bp[jj] = b + (j0 + (jj < nj ? jj : 0)) * bj;
                VEC acc[ATB_LV][ATB_NR];
#pragma GCC unroll 16
                for (int jj = 0; jj < ATB_NR; jj++)
#pragma GCC unroll 16
                    for (int v = 0; v < ATB_LV; v++)
                        acc[v][jj] =
                            k0 == 0 || jj >= nj
                                ? V_ZERO()
                                : V_LOAD(w + l0 + v * VL + (j0 + jj) * ldw);
                for (int64_t k = k0; k < k1; k++) {
                    const REAL *ak = at + k * NB + l0;
                    VEC a[ATB_LV];
#pragma GCC unroll 16
                    for (int v = 0; v < ATB_LV; v++)
                        a[v] = V_LOAD(ak + v * VL);
#pragma GCC unroll 16
                    for (int jj = 0; jj < ATB_NR; jj++) {
                        VEC x = V_BCAST(bp[jj] + k * bk);
#pragma GCC unroll 16
                        for (int v = 0; v < ATB_LV; v++)
                            acc[v][jj] = V_FMA(a[v], x, acc[v][jj]);
                    }
                }
                /* constant bounds, so the accumulators stay registers */
#pragma GCC unroll 16
                for (int jj = 0; jj < ATB_NR; jj++)
#pragma GCC unroll 16
                    for (int v = 0; v < ATB_LV; v++)
                        if (jj < nj)
                            V_STORE(w + l0 + v * VL + (j0 + jj) * ldw,
                                    acc[v][jj]);
            }
        k0 = k1;
    } while (k0 < kc);
}

/* One tile of sub: SUB_RV*VL rows (fewer if rows is less) of nj <= SUB_NR
 * columns; a = the tile's rows of Vs (stride S between l). */
static inline void KFN(sub_tile)(int64_t rows, int64_t nb, const REAL *a,
                                 const REAL *const *wp, int nj, REAL *c,
                                 int64_t ldc)
{
    VEC acc[SUB_RV][SUB_NR];
#pragma GCC unroll 16
    for (int jj = 0; jj < SUB_NR; jj++)
#pragma GCC unroll 16
        for (int v = 0; v < SUB_RV; v++)
            acc[v][jj] = V_ZERO();
    for (int64_t l = 0; l < nb; l++) {
        VEC x[SUB_RV];
#pragma GCC unroll 16
        for (int v = 0; v < SUB_RV; v++)
            x[v] = V_LOAD(a + l * S + v * VL);
#pragma GCC unroll 16
        for (int jj = 0; jj < SUB_NR; jj++) {
            VEC y = V_BCAST(wp[jj] + l);
#pragma GCC unroll 16
            for (int v = 0; v < SUB_RV; v++)
                acc[v][jj] = V_FMA(x[v], y, acc[v][jj]);
        }
    }
    if (rows >= SUB_RV * VL) {
        /* every load of the tile before any store: the columns are ldc
         * apart, and a load right after a store to the same address modulo
         * 4096 waits for it (4K aliasing) */
#pragma GCC unroll 16
        for (int jj = 0; jj < SUB_NR; jj++)
#pragma GCC unroll 16
            for (int v = 0; v < SUB_RV; v++)
                if (jj < nj) /* (constant bounds keep acc in registers) */
                    acc[v][jj] =
                        V_SUB(V_LOAD(c + jj * ldc + v * VL), acc[v][jj]);
#pragma GCC unroll 16
        for (int jj = 0; jj < SUB_NR; jj++)
#pragma GCC unroll 16
            for (int v = 0; v < SUB_RV; v++)
                if (jj < nj)
                    V_STORE(c + jj * ldc + v * VL, acc[v][jj]);
        return;
    }
#pragma GCC unroll 16
    for (int jj = 0; jj < SUB_NR; jj++) { /* the last rows of the matrix */
        REAL tmp[SUB_RV * VL], *cj = c + jj * ldc;
        if (jj >= nj)
            continue;
#pragma GCC unroll 16
        for (int v = 0; v < SUB_RV; v++)
            V_STORE(tmp + v * VL, acc[v][jj]);
        for (int64_t r = 0; r < rows; r++)
            cj[r] = cj[r] - tmp[r];
    }
}

static void KFN(sub)(int64_t m, int64_t n, int64_t nb, const REAL *vs,
                     const REAL *w, int64_t ldw, REAL *c, int64_t ldc)
{
    /* Column tiles outside, all the rows inside: each column of C is
     * walked down in order, which the prefetchers follow whatever ldc is
     * (a power of two puts every column of a row in one cache set, so
     * going across columns first misses on every tile; measured: 56% of
     * the in-cache speed that way, 85% this way, better than blocking the
     * rows to keep Vs in cache). */
    for (int64_t j0 = 0; j0 < n; j0 += SUB_NR) {
        const REAL *wp[SUB_NR];
        const int nj = n - j0 < SUB_NR ? (int)(n - j0) : SUB_NR;
        for (int jj = 0; jj < SUB_NR; jj++)
            wp[jj] = w + (j0 + (jj < nj ? jj : 0)) * ldw;
        for (int64_t r0 = 0; r0 < m; r0 += SUB_RV * VL)
            KFN(sub_tile)
            (m - r0, nb, vs + r0 / S * S * NB + r0 % S, wp, nj,
             c + r0 + j0 * ldc, ldc);
    }
}

/* (through a second macro so that REAL and SFX are expanded first) */
#define KLARFT(R, X, F) NNINIT__ORTHO_LARFT(R, X, F)
KLARFT(REAL, SFX, FMA1)
#undef KLARFT

#undef NB
#undef S
#undef KFN
#undef KCAT
#undef KCAT_
