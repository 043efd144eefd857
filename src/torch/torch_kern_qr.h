/*
 * torch_kern_qr.h: the three products of the blocked Householder QR
 * (torch_qr_body.h) in one precision. torch_kern_body.h includes it twice,
 * with REAL double (VEC v4d, 4 lanes, SFX d) and REAL float (VEC v8f, 8
 * lanes, SFX f): a 32-byte vector either way, so float does twice the work
 * per instruction, as PyTorch's float32 LAPACK does.
 *
 * Sums run in a fixed order that depends on LANES only (lane l takes the
 * rows r = l mod LANES with one fma each, the lanes are added as a pairwise
 * tree, the last mk % LANES rows one fma each), so the portable and the
 * vectorized copies give the same bits.
 *
 * Expects: REAL, VEC, LANES, SFX, FMA1 (fma or fmaf), VFMA (d = a*b + c
 * lane by lane, one rounding) and VSET1 (x = s in every lane).
 */

#define QCAT_(a, b) a##_##b
#define QCAT(a, b) QCAT_(a, b)
#define QFN(name) QCAT(name, SFX)

#define VZERO(x) memset(&(x), 0, sizeof(VEC))
#define VLOAD(x, p) memcpy(&(x), (p), sizeof(VEC))
#define VSTORE(p, x) memcpy((p), &(x), sizeof(VEC))
#define VSUB(d, a, b)                                                          \
    do {                                                                       \
        VEC t_;                                                                \
        for (int l_ = 0; l_ < LANES; l_++)                                     \
            VL(t_, l_) = VL(a, l_) - VL(b, l_);                                \
        (d) = t_;                                                              \
    } while (0)

/* The lanes of *x added as a pairwise tree: for 4 lanes
 * (x0 + x1) + (x2 + x3), for 8 ((x0+x1) + (x2+x3)) + ((x4+x5) + (x6+x7)). */
static inline REAL QFN(vsum)(const VEC *x)
{
    REAL t[LANES];
    memcpy(t, x, sizeof t);
    for (int w = 1; w < LANES; w *= 2)
        for (int l = 0; l < LANES; l += 2 * w)
            t[l] = t[l] + t[l + w];
    return t[0];
}

/* W[i + j*ldw] = sum_r V[r + i*ldv] * C[r + j*ldc], i < kb, j < nc, r < mk,
 * in the order above. Blocks of 4 x 2 outputs in named variables so the
 * accumulators stay in registers. */
static void QFN(k_gemm_tn)(const REAL *restrict V, size_t ldv,
                           const REAL *restrict C, size_t ldc,
                           REAL *restrict W, size_t ldw, size_t mk, size_t kb,
                           size_t nc)
{
    const size_t mv = mk / LANES * LANES;
    for (size_t j = 0; j < nc; j += 2) {
        const int two = j + 1 < nc;
        const REAL *c0 = C + j * ldc, *c1 = two ? c0 + ldc : c0;
        for (size_t i = 0; i < kb; i += 4) {
            const size_t ni = kb - i < 4 ? kb - i : 4;
            const REAL *v0 = V + i * ldv;
            const REAL *v1 = ni > 1 ? v0 + ldv : v0;
            const REAL *v2 = ni > 2 ? v0 + 2 * ldv : v0;
            const REAL *v3 = ni > 3 ? v0 + 3 * ldv : v0;
            VEC a0, a1, a2, a3, a4, a5, a6, a7, x0, x1, y;
            VZERO(a0);
            a1 = a2 = a3 = a4 = a5 = a6 = a7 = a0;
            for (size_t r = 0; r < mv; r += LANES) {
                VLOAD(x0, c0 + r);
                VLOAD(x1, c1 + r);
                VLOAD(y, v0 + r);
                VFMA(a0, y, x0, a0);
                VFMA(a4, y, x1, a4);
                VLOAD(y, v1 + r);
                VFMA(a1, y, x0, a1);
                VFMA(a5, y, x1, a5);
                VLOAD(y, v2 + r);
                VFMA(a2, y, x0, a2);
                VFMA(a6, y, x1, a6);
                VLOAD(y, v3 + r);
                VFMA(a3, y, x0, a3);
                VFMA(a7, y, x1, a7);
            }
            REAL s0 = QFN(vsum)(&a0), s1 = QFN(vsum)(&a1),
                 s2 = QFN(vsum)(&a2), s3 = QFN(vsum)(&a3),
                 s4 = QFN(vsum)(&a4), s5 = QFN(vsum)(&a5),
                 s6 = QFN(vsum)(&a6), s7 = QFN(vsum)(&a7);
            for (size_t r = mv; r < mk; r++) { /* the last mk % LANES rows */
                s0 = FMA1(v0[r], c0[r], s0);
                s1 = FMA1(v1[r], c0[r], s1);
                s2 = FMA1(v2[r], c0[r], s2);
                s3 = FMA1(v3[r], c0[r], s3);
                s4 = FMA1(v0[r], c1[r], s4);
                s5 = FMA1(v1[r], c1[r], s5);
                s6 = FMA1(v2[r], c1[r], s6);
                s7 = FMA1(v3[r], c1[r], s7);
            }
            REAL *w0 = W + i + j * ldw, *w1 = w0 + ldw;
            w0[0] = s0;
            if (ni > 1)
                w0[1] = s1;
            if (ni > 2)
                w0[2] = s2;
            if (ni > 3)
                w0[3] = s3;
            if (two) {
                w1[0] = s4;
                if (ni > 1)
                    w1[1] = s5;
                if (ni > 2)
                    w1[2] = s6;
                if (ni > 3)
                    w1[3] = s7;
            }
        }
    }
}

/* C[r + j*ldc] -= sum_i V[r + i*ldv] * W[i + j*ldw]: the sum with one fma
 * per term in increasing i, then one subtraction. Blocks of 2*LANES rows x
 * 4 columns in named variables. */
static void QFN(k_gemm_nn_sub)(const REAL *restrict V, size_t ldv,
                               const REAL *restrict W, size_t ldw,
                               REAL *restrict C, size_t ldc, size_t mk,
                               size_t kb, size_t nc)
{
    const size_t mv = mk / (2 * LANES) * (2 * LANES);
    for (size_t j = 0; j < nc; j += 4) {
        const size_t nj = nc - j < 4 ? nc - j : 4;
        REAL *c0 = C + j * ldc;
        REAL *c1 = nj > 1 ? c0 + ldc : c0;
        REAL *c2 = nj > 2 ? c0 + 2 * ldc : c0;
        REAL *c3 = nj > 3 ? c0 + 3 * ldc : c0;
        const REAL *w0 = W + j * ldw;
        const REAL *w1 = nj > 1 ? w0 + ldw : w0;
        const REAL *w2 = nj > 2 ? w0 + 2 * ldw : w0;
        const REAL *w3 = nj > 3 ? w0 + 3 * ldw : w0;
        for (size_t r = 0; r < mv; r += 2 * LANES) {
            VEC a0, a1, a2, a3, a4, a5, a6, a7, p, q, x;
            VZERO(a0);
            a1 = a2 = a3 = a4 = a5 = a6 = a7 = a0;
            for (size_t i = 0; i < kb; i++) {
                VLOAD(p, V + i * ldv + r);
                VLOAD(q, V + i * ldv + r + LANES);
                VSET1(x, w0[i]);
                VFMA(a0, p, x, a0);
                VFMA(a4, q, x, a4);
                VSET1(x, w1[i]);
                VFMA(a1, p, x, a1);
                VFMA(a5, q, x, a5);
                VSET1(x, w2[i]);
                VFMA(a2, p, x, a2);
                VFMA(a6, q, x, a6);
                VSET1(x, w3[i]);
                VFMA(a3, p, x, a3);
                VFMA(a7, q, x, a7);
            }
            /* C - (V W), one rounding more than BLAS's sgemm; folding C
             * into the first fma instead rounds every partial sum to C's
             * size, which made Q's forward error 2-4x PyTorch's */
            VLOAD(p, c0 + r);
            VSUB(a0, p, a0);
            VLOAD(p, c0 + r + LANES);
            VSUB(a4, p, a4);
            VLOAD(p, c1 + r);
            VSUB(a1, p, a1);
            VLOAD(p, c1 + r + LANES);
            VSUB(a5, p, a5);
            VLOAD(p, c2 + r);
            VSUB(a2, p, a2);
            VLOAD(p, c2 + r + LANES);
            VSUB(a6, p, a6);
            VLOAD(p, c3 + r);
            VSUB(a3, p, a3);
            VLOAD(p, c3 + r + LANES);
            VSUB(a7, p, a7);
            /* column 0 last: the unused slots alias it */
            if (nj > 3) {
                VSTORE(c3 + r, a3);
                VSTORE(c3 + r + LANES, a7);
            }
            if (nj > 2) {
                VSTORE(c2 + r, a2);
                VSTORE(c2 + r + LANES, a6);
            }
            if (nj > 1) {
                VSTORE(c1 + r, a1);
                VSTORE(c1 + r + LANES, a5);
            }
            VSTORE(c0 + r, a0);
            VSTORE(c0 + r + LANES, a4);
        }
        for (size_t r = mv; r < mk; r++) {
            REAL *cq[4] = {c0, c1, c2, c3};
            const REAL *wq[4] = {w0, w1, w2, w3};
            for (size_t k = 0; k < nj; k++) {
                REAL acc = 0;
                for (size_t i = 0; i < kb; i++)
                    acc = FMA1(V[r + i * ldv], wq[k][i], acc);
                cq[k][r] = cq[k][r] - acc;
            }
        }
    }
}

/* w[j] = sum_r v[r] * C[r + j*ldc], j < nc, r < mk: the same lane order
 * as k_gemm_tn (for one reflector: panels, norms). */
static void QFN(k_gemv_t)(const REAL *restrict v, const REAL *restrict C,
                          size_t ldc, REAL *restrict w, size_t mk, size_t nc)
{
    const size_t mv = mk / LANES * LANES;
    for (size_t j = 0; j < nc; j += 4) {
        const size_t nj = nc - j < 4 ? nc - j : 4;
        const REAL *c0 = C + j * ldc;
        const REAL *c1 = nj > 1 ? c0 + ldc : c0;
        const REAL *c2 = nj > 2 ? c0 + 2 * ldc : c0;
        const REAL *c3 = nj > 3 ? c0 + 3 * ldc : c0;
        VEC a0, a1, a2, a3, x, y;
        VZERO(a0);
        a1 = a2 = a3 = a0;
        for (size_t r = 0; r < mv; r += LANES) {
            VLOAD(y, v + r);
            VLOAD(x, c0 + r);
            VFMA(a0, y, x, a0);
            VLOAD(x, c1 + r);
            VFMA(a1, y, x, a1);
            VLOAD(x, c2 + r);
            VFMA(a2, y, x, a2);
            VLOAD(x, c3 + r);
            VFMA(a3, y, x, a3);
        }
        REAL s0 = QFN(vsum)(&a0), s1 = QFN(vsum)(&a1), s2 = QFN(vsum)(&a2),
             s3 = QFN(vsum)(&a3);
        for (size_t r = mv; r < mk; r++) {
            s0 = FMA1(v[r], c0[r], s0);
            s1 = FMA1(v[r], c1[r], s1);
            s2 = FMA1(v[r], c2[r], s2);
            s3 = FMA1(v[r], c3[r], s3);
        }
        w[j] = s0;
        if (nj > 1)
            w[j + 1] = s1;
        if (nj > 2)
            w[j + 2] = s2;
        if (nj > 3)
            w[j + 3] = s3;
    }
}

#undef VZERO
#undef VLOAD
#undef VSTORE
#undef VSUB
#undef QFN
#undef QCAT
#undef QCAT_
