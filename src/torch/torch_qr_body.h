/*
 * torch_qr_body.h: the blocked Householder QR of torch_qr.c in one
 * precision, included with REAL = double (SFX d) and REAL = float (SFX f).
 *
 * Steps, for the m x n column-major matrix a (m >= n):
 *   ?geqrf: for each panel of NB columns, the unblocked ?geqr2 on the panel
 *     (each reflector's scalars alpha, norm, beta, tau in double, v and tau
 *     then rounded to REAL, as LAPACK's ?larfg computes them in the working
 *     precision), then T (?larft) and the trailing columns := H^T them
 *     (?larfb), threaded by columns.
 *   ?orgqr: blocks from the last. For a block (columns j0 .. j0+jb-1), with
 *     every column right of it already holding its part of Q: V is copied
 *     out, the block's own columns are set to [I; 0] and all the columns
 *     from j0 on := H them in one threaded ?larfb. LAPACK forms the block's
 *     own columns with the matrix-vector ?org2r instead, on one thread;
 *     here they are the same product as the rest.
 *   Column j times sign(R_jj).
 */

#define QCAT_(a, b) a##_##b
#define QCAT(a, b) QCAT_(a, b)
#define QFN(name) QCAT(name, SFX)
#define QOPS QCAT(qr, SFX) /* the kernel table's member: qr_d or qr_f */

#define NB 32

/* sign() of R_jj as torch computes it: 0 stays 0. */
static REAL QFN(sign_of)(REAL x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }

/* H = I - tau v v^T applied to nc columns C (rows = len of v, v[0] = 1):
 * w = C^T v, C -= v (tau w)^T. w has room for nc values. */
static void QFN(reflect)(const nninit__torch_kernels *k, const REAL *v,
                         size_t len, REAL tau, REAL *c, size_t ldc, size_t nc,
                         REAL *w)
{
    if (nc == 0 || tau == 0)
        return;
    k->QOPS.gemv_t(v, c, ldc, w, len, nc);
    for (size_t j = 0; j < nc; j++)
        w[j] *= tau;
    k->QOPS.gemm_nn_sub(v, len, w, 1, c, ldc, len, 1, nc);
}

/* Unblocked ?geqr2 on columns k0..k0+kb-1, rows k0..m-1 (a panel): each
 * reflector applied to the rest of the panel only. */
static void QFN(panel_qr)(const nninit__torch_kernels *k, REAL *a, size_t m,
                          size_t k0, size_t kb, REAL *tau, REAL *sgn, REAL *w)
{
    for (size_t c = k0; c < k0 + kb; c++) {
        REAL *x = a + c * m + c;
        size_t len = m - c;
        REAL ssr = 0;
        if (len > 1)
            k->QOPS.gemv_t(x + 1, x + 1, 0, &ssr, len - 1, 1);
        double alpha = x[0], ss = ssr, beta;
        if (ss == 0) {
            tau[c] = 0;
            beta = alpha;
        } else {
            beta = -copysign(sqrt(alpha * alpha + ss), alpha);
            tau[c] = (REAL)((beta - alpha) / beta);
            REAL scal = (REAL)(1.0 / (alpha - beta));
            for (size_t i = 1; i < len; i++)
                x[i] *= scal;
        }
        sgn[c] = QFN(sign_of)((REAL)beta);
        x[0] = 1; /* v, with its implicit 1, for the update */
        QFN(reflect)(k, x, len, tau[c], x + m, m, k0 + kb - c - 1, w);
        x[0] = (REAL)beta;
    }
}

/* V (mk x kb, leading dim mk) of the panel at k0: unit diagonal, zeros
 * above, the reflectors below. */
static void QFN(pack_v)(const REAL *a, size_t m, size_t k0, size_t kb,
                        REAL *v)
{
    const size_t mk = m - k0;
    for (size_t c = 0; c < kb; c++) {
        REAL *vc = v + c * mk;
        memset(vc, 0, c * sizeof *vc);
        vc[c] = 1;
        memcpy(vc + c + 1, a + (k0 + c) * m + k0 + c + 1,
               (mk - c - 1) * sizeof *vc);
    }
}

/* ?larft (forward, columnwise): H_0 ... H_{kb-1} = I - V T V^T with T
 * upper triangular (kb x kb, leading dim NB). G = V^T V comes from the
 * product kernel (V is zero above its unit diagonal, so full-column dot
 * products are LAPACK's V(i:n, j)^T V(i:n, i)); g holds NB*NB values. */
static void QFN(larft)(const nninit__torch_kernels *k, const REAL *v,
                       size_t mk, size_t kb, const REAL *tau, REAL *t,
                       REAL *g)
{
    k->QOPS.gemm_tn(v, mk, v, mk, g, NB, mk, kb, kb);
    for (size_t i = 0; i < kb; i++) {
        for (size_t j = 0; j < i; j++)
            t[j + i * NB] = -tau[i] * g[j + i * NB];
        /* T[0:i, i] = T[0:i, 0:i] * T[0:i, i], in place top-down */
        for (size_t j = 0; j < i; j++) {
            REAL s = 0;
            for (size_t l = j; l < i; l++)
                s += t[j + l * NB] * t[l + i * NB];
            t[j + i * NB] = s;
        }
        t[i + i * NB] = tau[i];
    }
}

/* Apply the panel's block reflector to columns [c0, c1) of C (rows k0..m-1
 * of a): C -= V op(T) (V^T C), op(T) = T^T for the factorization (H^T C)
 * and T for forming Q (H C). Columns are independent, so threads split
 * them. */
typedef struct QFN(update) {
    const nninit__torch_kernels *k;
    REAL *a;
    size_t m, k0, kb, col0; /* C = a[k0:m, col0 + ...] */
    const REAL *v, *t;
    REAL *w; /* kb x (columns) workspace, leading dim NB */
    int transpose;
} QFN(update);

/* One chunk of columns: W = V^T C, W = op(T) W, C -= V W, while C's
 * chunk is still in cache. */
static void QFN(update_chunk)(const QFN(update) *u, size_t c0, size_t nc)
{
    const size_t mk = u->m - u->k0, kb = u->kb;
    REAL *c = u->a + (u->col0 + c0) * u->m + u->k0;
    REAL *w = u->w + c0 * NB;
    u->k->QOPS.gemm_tn(u->v, mk, c, u->m, w, NB, mk, kb, nc);
    for (size_t j = 0; j < nc; j++) {
        REAL *wj = w + j * NB;
        if (u->transpose) { /* T^T lower: bottom-up in place */
            for (size_t i = kb; i-- > 0;) {
                REAL s = 0;
                for (size_t l = 0; l <= i; l++)
                    s += u->t[l + i * NB] * wj[l];
                wj[i] = s;
            }
        } else { /* T upper: top-down in place */
            for (size_t i = 0; i < kb; i++) {
                REAL s = 0;
                for (size_t l = i; l < kb; l++)
                    s += u->t[i + l * NB] * wj[l];
                wj[i] = s;
            }
        }
    }
    u->k->QOPS.gemm_nn_sub(u->v, mk, w, NB, c, u->m, mk, kb, nc);
}

static void QFN(update_run)(void *ctx, size_t c0, size_t c1)
{
    const QFN(update) *u = (const QFN(update) *)ctx;
    /* chunks of about 256 KiB of C (a multiple of 4 columns, 4 to 64) */
    size_t chunk = ((size_t)1 << 18) / ((u->m - u->k0) * sizeof(REAL) + 1);
    chunk = chunk < 4 ? 4 : chunk > 64 ? 64 : chunk / 4 * 4;
    for (size_t j = c0; j < c1; j += chunk)
        QFN(update_chunk)(u, j, c1 - j < chunk ? c1 - j : chunk);
}

static void QFN(apply_block)(const nninit__torch_kernels *k, int threads,
                             REAL *a, size_t m, size_t k0, size_t kb,
                             size_t col0, size_t ncols, const REAL *v,
                             const REAL *t, REAL *w, int transpose)
{
    QFN(update) u = {k, a, m, k0, kb, col0, v, t, w, transpose};
    /* about 64K multiply-adds per thread at least */
    size_t per_col = (m - k0) * kb * 4 + 1;
    nninit__torch_parallel(threads, ncols, 4, (1u << 16) / per_col + 1,
                           QFN(update_run), &u);
}

int QFN(nninit__torch_qr_signed)(REAL *a, int64_t m_, int64_t n_,
                                 int threads, nninit_simd simd,
                                 const nninit_allocator *alloc,
                                 nninit_error *err)
{
    if (n_ == 0)
        return NNINIT_OK;
    const size_t m = (size_t)m_, n = (size_t)n_;
    /* tau, sgn (n each), T and G (NB x NB), V (m x NB), W (NB x n) */
    size_t words = 2 * n + 2 * NB * NB + m * NB + NB * n;
    REAL *ws = (REAL *)nninit__alloc(alloc, words * sizeof(REAL));
    if (!ws)
        return nninit__fail(err, NNINIT_ENOMEM,
                            "out of memory for QR workspace (%lld x %lld)",
                            (long long)m_, (long long)n_);
    REAL *tau = ws, *sgn = tau + n, *t = sgn + n, *g = t + NB * NB,
         *v = g + NB * NB, *w = v + m * NB;
    const nninit__torch_kernels *k = nninit__torch_kernels_get(simd);

    /* ?geqrf */
    for (size_t k0 = 0; k0 < n; k0 += NB) {
        size_t kb = n - k0 < NB ? n - k0 : NB;
        QFN(panel_qr)(k, a, m, k0, kb, tau, sgn, w);
        if (k0 + kb < n) {
            QFN(pack_v)(a, m, k0, kb, v);
            QFN(larft)(k, v, m - k0, kb, tau + k0, t, g);
            QFN(apply_block)(k, threads, a, m, k0, kb, k0 + kb, n - k0 - kb,
                             v, t, w, 1);
        }
    }

    /* ?orgqr: blocks from the last; the trailing columns already hold
     * their part of Q (zero above their block). */
    for (size_t j0 = (n - 1) / NB * NB;; j0 -= NB) {
        size_t jb = n - j0 < NB ? n - j0 : NB;
        QFN(pack_v)(a, m, j0, jb, v);
        QFN(larft)(k, v, m - j0, jb, tau + j0, t, g);
        for (size_t c = j0; c < j0 + jb; c++) { /* [0; I; 0] */
            memset(a + c * m, 0, m * sizeof *a);
            a[c * m + c] = 1;
        }
        QFN(apply_block)(k, threads, a, m, j0, jb, j0, n - j0, v, t, w, 0);
        if (j0 == 0)
            break;
    }

    /* Q * diag(sign(diag R)) */
    for (size_t c = 0; c < n; c++)
        if (sgn[c] != 1)
            for (size_t i = 0; i < m; i++)
                a[c * m + i] *= sgn[c];
    nninit__free(alloc, ws);
    return NNINIT_OK;
}

#undef NB
#undef QOPS
#undef QFN
#undef QCAT
#undef QCAT_
