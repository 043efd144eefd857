/*
 * ortho_body.h: the orthogonal construction in one precision, included by
 * orthogonal.c once with REAL = double (SFX d) and once with REAL = float
 * (SFX f). orthogonal.c says what is built and why; this is how.
 *
 * Steps (all threaded through nninit__parallel_for, every task a function
 * of its number alone, so the bytes are the same at any thread count):
 *   1. Column k: draw its M-k Gaussians (f64 fill elements k*M ..), build
 *      reflector k in double (LAPACK dlarfg without its rescaling, which
 *      Gaussians never need) and store v in REAL; in float, tau is
 *      recomputed as 2 / (v^T v) from the stored v, so H_k = I - tau v v^T
 *      is a reflection of the floats actually used.
 *   2. Q = H_0 ... H_{N-1} [I; 0] by blocks of NB reflectors, last block
 *      first. For a block (rows and columns i .. i+nb-1), with every column
 *      right of it already holding its part of Q:
 *        G = V^T V, by row tasks summed in task order (BLAS syrk);
 *        T from G (LAPACK dlarft's recurrence, reading V^T v_j off G) and
 *        W = T V1^T, for V1 the top nb x nb of V (tiny, plain C);
 *        the columns right of the block := (I - V T V^T) them, in panels of
 *        PW columns counted from the right edge (LAPACK dlarfb);
 *        the block's own columns := [I; 0] - V W, by row tasks (BLAS gemm).
 *      Everything but the tiny middle is matrix-matrix work; LAPACK's
 *      dorgqr does the block's own columns and G with matrix-vector
 *      products instead, which on a tall matrix cost as much time as the
 *      rest (measured: 16384 x 1024).
 *   3. Column k times sign(R_kk) = sign(beta_k).
 */

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SFX)

/* ------------------------------------------------------------------------ */
/* The builtin steps: plain C, the same bytes on every machine              */
/* ------------------------------------------------------------------------ */

/* Sum of a[i]*b[i] with four running sums combined in a fixed order: the
 * compiler may vectorize it (each sum stays in order), and the result never
 * depends on how it did. */
static REAL FN(dot)(const REAL *a, const REAL *b, int64_t n)
{
    REAL s0 = 0, s1 = 0, s2 = 0, s3 = 0;
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

static void FN(gram_c)(int64_t m, int64_t n, const REAL *a, int64_t lda,
                       REAL *c, int64_t ldc)
{
    for (int64_t q = 0; q < n; q++)
        for (int64_t p = 0; p <= q; p++)
            c[p + q * ldc] = FN(dot)(a + p * lda, a + q * lda, m);
}

/* Columns of C one at a time, l ascending. */
static void FN(neg_mul_c)(int64_t m, int64_t n, int64_t k, const REAL *a,
                          int64_t lda, const REAL *b, int64_t ldb, REAL *c,
                          int64_t ldc)
{
    for (int64_t j = 0; j < n; j++) {
        REAL *cj = c + j * ldc;
        for (int64_t r = 0; r < m; r++)
            cj[r] = 0;
        for (int64_t l = 0; l < k; l++) {
            const REAL *al = a + l * lda;
            REAL blj = b[l + j * ldb];
            for (int64_t r = 0; r < m; r++)
                cj[r] -= al[r] * blj;
        }
    }
}

/* W = V^T C, W = T W, C -= V W; columns of C four at a time so each column
 * of V is read once per four. */
static void FN(larfb_c)(int64_t m, int64_t n, int64_t k, const REAL *v,
                        int64_t ldv, const REAL *t, int64_t ldt, REAL *c,
                        int64_t ldc, REAL *work)
{
    for (int64_t j0 = 0; j0 < n; j0 += 4) {
        int64_t nj = n - j0 < 4 ? n - j0 : 4;
        REAL *w = work + j0 * k; /* w[l + jj*k] = W(l, j0+jj) */
        for (int64_t l = 0; l < k; l++) {
            const REAL *vl = v + l * ldv;
            for (int64_t jj = 0; jj < nj; jj++) {
                const REAL *cj = c + (j0 + jj) * ldc;
                w[l + jj * k] =
                    cj[l] + FN(dot)(vl + l + 1, cj + l + 1, m - l - 1);
            }
        }
        /* T upper: row l needs rows >= l, so ascending l is in place */
        for (int64_t jj = 0; jj < nj; jj++) {
            REAL *wj = w + jj * k;
            for (int64_t l = 0; l < k; l++) {
                REAL s = 0;
                for (int64_t p = l; p < k; p++)
                    s += t[l + p * ldt] * wj[p];
                wj[l] = s;
            }
        }
        for (int64_t l = 0; l < k; l++) {
            const REAL *vl = v + l * ldv;
            for (int64_t jj = 0; jj < nj; jj++) {
                REAL *cj = c + (j0 + jj) * ldc;
                REAL wl = w[l + jj * k];
                cj[l] -= wl;
                for (int64_t r = l + 1; r < m; r++)
                    cj[r] -= vl[r] * wl;
            }
        }
    }
}

static const OPS FN(builtin_ops) = {FN(gram_c), FN(neg_mul_c), FN(larfb_c)};

/* ------------------------------------------------------------------------ */
/* The driver                                                               */
/* ------------------------------------------------------------------------ */

typedef struct FN(ctx) {
    REAL *q;
    int64_t m, n;
    const nninit_fill_opts *opts;
    REAL *tau, *sgn;
    const OPS *ops;
    int64_t rc; /* chunk_rows(m) */
    int failed; /* a Gaussian fill failed (it cannot with valid opts) */
    /* the current block: reflectors and columns i .. i+nb-1 */
    int64_t i, nb;
    int64_t c0;    /* first column right of the block */
    REAL *v1;      /* its top nb x nb, unit lower, clean (ld NB) */
    REAL *t;       /* I - V T V^T (ld NB) */
    REAL *w;       /* T V1^T (ld NB) */
    REAL *partial; /* one Gram matrix per row task (ld NB) */
    REAL *work;    /* per worker: WORK_PER_WORKER(rc) */
} FN(ctx);

/* Column k's Gaussians are drawn GAUSS_CHUNK at a time, twice: once for
 * the norm, once to store v. */
#define GAUSS_CHUNK 2048

static void FN(reflector_task)(void *arg, uint64_t task, int worker)
{
    FN(ctx) *c = (FN(ctx) *)arg;
    (void)worker;
    nninit_fill_opts fo = *c->opts;
    fo.threads = 1; /* the columns are the parallel work */
    nninit_dist normal = nninit_dist_normal(0.0, 1.0);
    double g[GAUSS_CHUNK];
    int64_t k0 = (int64_t)task * COLS_PER_TASK;
    int64_t k1 = k0 + COLS_PER_TASK < c->n ? k0 + COLS_PER_TASK : c->n;
    for (int64_t k = k0; k < k1; k++) {
        REAL *x = c->q + k * c->m + k; /* rows k .. m-1 of column k */
        int64_t len = c->m - k;
        uint64_t first = (uint64_t)k * (uint64_t)c->m;
        /* alpha = element 0; ss = sum of squares of elements 1 .. len-1,
         * summed chunk by chunk in order */
        double alpha = 0, ss = 0;
        for (int64_t at = 0; at < len; at += GAUSS_CHUNK) {
            int64_t nn = len - at < GAUSS_CHUNK ? len - at : GAUSS_CHUNK;
            if (nninit_fill(&normal, NNINIT_F64, g, first + (uint64_t)at,
                            first + (uint64_t)(at + nn), &fo, NULL)) {
                c->failed = 1;
                return;
            }
            int64_t s = at == 0 ? 1 : 0;
            if (at == 0)
                alpha = g[0];
            ss += dot_dd(g + s, g + s, nn - s);
        }
        if (ss == 0) { /* H_k = I */
            c->tau[k] = 0;
            c->sgn[k] = alpha < 0 ? -1 : 1; /* sign(0) taken as +1 */
            x[0] = (REAL)alpha;
            for (int64_t i = 1; i < len; i++)
                x[i] = 0;
            continue;
        }
        double beta = -copysign(sqrt(alpha * alpha + ss), alpha);
        double scal = 1.0 / (alpha - beta), vv = 1.0;
        for (int64_t at = 0; at < len; at += GAUSS_CHUNK) {
            int64_t nn = len - at < GAUSS_CHUNK ? len - at : GAUSS_CHUNK;
            nninit_fill(&normal, NNINIT_F64, g, first + (uint64_t)at,
                        first + (uint64_t)(at + nn), &fo, NULL);
            for (int64_t i = at == 0 ? 1 : 0; i < nn; i++) {
                REAL v = (REAL)(g[i] * scal);
                x[at + i] = v;
                vv += (double)v * (double)v;
            }
        }
        x[0] = (REAL)beta;
        /* double v is v as computed: LAPACK's tau; float v is rounded:
         * the tau that makes I - tau v v^T a reflection of it */
        c->tau[k] = sizeof(REAL) == sizeof(double)
                        ? (REAL)((beta - alpha) / beta)
                        : (REAL)(2.0 / vv);
        c->sgn[k] = beta < 0 ? -1 : 1; /* sign(R_kk) */
    }
}

/* Row task r of a block: the clean top nb rows (r = 0), or the rows
 * [i+nb + (r-1)*rc, ...) below them. */
static void FN(row_range)(const FN(ctx) *c, uint64_t r, int64_t *lo,
                          int64_t *hi)
{
    int64_t top = c->i + c->nb;
    *lo = r == 0 ? c->i : top + ((int64_t)r - 1) * c->rc;
    *hi = r == 0 ? top : *lo + c->rc < c->m ? *lo + c->rc : c->m;
}

static uint64_t FN(row_tasks)(const FN(ctx) *c)
{
    int64_t below = c->m - c->i - c->nb;
    return 1 + (uint64_t)((below + c->rc - 1) / c->rc);
}

static void FN(gram_task)(void *arg, uint64_t r, int worker)
{
    FN(ctx) *c = (FN(ctx) *)arg;
    (void)worker;
    REAL *g = c->partial + r * NB * NB;
    if (r == 0) {
        c->ops->gram(c->nb, c->nb, c->v1, NB, g, NB);
        return;
    }
    int64_t lo, hi;
    FN(row_range)(c, r, &lo, &hi);
    c->ops->gram(hi - lo, c->nb, c->q + lo + c->i * c->m, c->m, g, NB);
}

static void FN(larfb_task)(void *arg, uint64_t p, int worker)
{
    FN(ctx) *c = (FN(ctx) *)arg;
    int64_t hi = c->n - (int64_t)p * PW;
    int64_t lo = hi - PW > c->c0 ? hi - PW : c->c0;
    int64_t i = c->i;
    c->ops->larfb(c->m - i, hi - lo, c->nb, c->q + i + i * c->m, c->m, c->t,
                  NB, c->q + i + lo * c->m, c->m,
                  c->work + (size_t)worker * WORK_PER_WORKER(c->rc));
}

static void FN(form_task)(void *arg, uint64_t r, int worker)
{
    FN(ctx) *c = (FN(ctx) *)arg;
    int64_t lo, hi, nb = c->nb;
    FN(row_range)(c, r, &lo, &hi);
    REAL *dst = c->q + lo + c->i * c->m;
    if (r == 0) {
        c->ops->neg_mul(nb, nb, nb, c->v1, NB, c->w, NB, dst, c->m);
        for (int64_t j = 0; j < nb; j++)
            dst[j + j * c->m] += 1;
        return;
    }
    /* Q's rows overwrite V's: multiply from a copy */
    REAL *tmp = c->work + (size_t)worker * WORK_PER_WORKER(c->rc);
    int64_t rows = hi - lo;
    for (int64_t j = 0; j < nb; j++)
        memcpy(tmp + j * rows, dst + j * c->m, (size_t)rows * sizeof *tmp);
    c->ops->neg_mul(rows, nb, nb, tmp, rows, c->w, NB, dst, c->m);
}

static void FN(sign_task)(void *arg, uint64_t task, int worker)
{
    FN(ctx) *c = (FN(ctx) *)arg;
    (void)worker;
    int64_t k0 = (int64_t)task * COLS_PER_TASK;
    int64_t k1 = k0 + COLS_PER_TASK < c->n ? k0 + COLS_PER_TASK : c->n;
    for (int64_t k = k0; k < k1; k++)
        if (c->sgn[k] < 0)
            for (int64_t i = 0; i < c->m; i++)
                c->q[k * c->m + i] = -c->q[k * c->m + i];
}

static void FN(do_block)(FN(ctx) *c, int threads, int64_t i, int64_t nb)
{
    int64_t m = c->m;
    c->i = i;
    c->nb = nb;
    c->c0 = i + nb;
    for (int64_t j = 0; j < nb; j++)
        for (int64_t r = 0; r < nb; r++)
            c->v1[r + j * NB] = r < j    ? 0
                                : r == j ? 1
                                         : c->q[i + r + (i + j) * m];
    uint64_t nrow = FN(row_tasks)(c);
    uint64_t flops = 2 * (uint64_t)(m - i) * (uint64_t)nb * (uint64_t)nb;
    int rt = flops >= MIN_PARALLEL_FLOPS ? threads : 1;
    nninit__parallel_for(rt, nrow, FN(gram_task), c);
    REAL *g = c->partial; /* task 0's, then the others added in order */
    for (uint64_t r = 1; r < nrow; r++)
        for (int64_t j = 0; j < nb; j++)
            for (int64_t p = 0; p <= j; p++)
                g[p + j * NB] += c->partial[r * NB * NB + p + j * NB];
    /* T(0:j, j) = -tau_j T(0:j, 0:j) G(0:j, j), T(j, j) = tau_j */
    REAL *t = c->t;
    const REAL *tau = c->tau + i;
    for (int64_t j = 0; j < nb; j++) {
        for (int64_t p = 0; p < j; p++)
            t[p + j * NB] = -tau[j] * g[p + j * NB];
        for (int64_t p = 0; p < j; p++) {
            REAL s = 0;
            for (int64_t l = p; l < j; l++)
                s += t[p + l * NB] * t[l + j * NB];
            t[p + j * NB] = s;
        }
        t[j + j * NB] = tau[j];
        for (int64_t p = j + 1; p < nb; p++)
            t[p + j * NB] = 0;
    }
    /* W(p, q) = sum of T(p, l) V1(q, l) over p <= l <= q */
    for (int64_t q = 0; q < nb; q++)
        for (int64_t p = 0; p < nb; p++) {
            REAL s = 0;
            for (int64_t l = p; l <= q; l++)
                s += t[p + l * NB] * c->v1[q + l * NB];
            c->w[p + q * NB] = s;
        }
    if (c->c0 < c->n) {
        uint64_t npanels = (uint64_t)((c->n - c->c0 + PW - 1) / PW);
        uint64_t lflops = 4 * (uint64_t)(m - i) * (uint64_t)(c->n - c->c0) *
                          (uint64_t)nb;
        nninit__parallel_for(lflops >= MIN_PARALLEL_FLOPS ? threads : 1,
                             npanels, FN(larfb_task), c);
    }
    nninit__parallel_for(rt, nrow, FN(form_task), c);
    for (int64_t j = i; j < i + nb; j++)
        memset(c->q + j * m, 0, (size_t)i * sizeof *c->q);
}

int FN(nninit__orthogonal)(const nninit__ortho_backend *be, REAL *q,
                           int64_t M, int64_t N, const nninit_fill_opts *opts,
                           nninit_error *err)
{
    if (N == 0)
        return NNINIT_OK;
    const OPS *ops = be->SFX ? be->SFX : &FN(builtin_ops);
    int threads = nninit__resolve_threads(opts->threads);
    FN(ctx) c;
    memset(&c, 0, sizeof c);
    c.q = q;
    c.m = M;
    c.n = N;
    c.opts = opts;
    c.ops = ops;
    c.rc = chunk_rows(M);
    size_t maxrow = 1 + (size_t)((M + c.rc - 1) / c.rc);
    size_t nreal = 2 * (size_t)N + 3 * (size_t)NB * NB + maxrow * NB * NB +
                   (size_t)threads * WORK_PER_WORKER(c.rc);
    REAL *ws = (REAL *)nninit__alloc(opts->alloc, nreal * sizeof *ws);
    if (!ws)
        return nninit__fail(err, NNINIT_ENOMEM,
                            "out of memory for orthogonal workspace");
    c.tau = ws;
    c.sgn = ws + N;
    c.v1 = ws + 2 * N;
    c.t = c.v1 + NB * NB;
    c.w = c.t + NB * NB;
    c.partial = c.w + NB * NB;
    c.work = c.partial + maxrow * NB * NB;

    uint64_t col_tasks = (uint64_t)(N + COLS_PER_TASK - 1) / COLS_PER_TASK;
    int col_threads = (uint64_t)M * (uint64_t)N >= NNINIT__MIN_PER_THREAD
                          ? threads : 1;
    nninit__parallel_for(col_threads, col_tasks, FN(reflector_task), &c);
    if (c.failed) {
        nninit__free(opts->alloc, ws);
        return nninit__fail(err, NNINIT_EINVAL,
                            "orthogonal: the Gaussian fill failed");
    }
    if (be->enter)
        be->enter();
    int64_t ilast = (N - 1) / NB * NB; /* the last block: N - ilast <= NB */
    FN(do_block)(&c, threads, ilast, N - ilast);
    for (int64_t i = ilast - NB; i >= 0; i -= NB)
        FN(do_block)(&c, threads, i, NB);
    if (be->leave)
        be->leave();
    nninit__parallel_for(col_threads, col_tasks, FN(sign_task), &c);
    nninit__free(opts->alloc, ws);
    return NNINIT_OK;
}

#undef FN
#undef CAT
#undef CAT_
