/*
 * ortho_body.h: the orthogonal construction in one precision, included by
 * orthogonal.c once with REAL = double (SFX d) and once with REAL = float
 * (SFX f). orthogonal.c says what is built and why; this is how.
 *
 * Steps (threaded through nninit__parallel_for; a task writes its own
 * outputs and nothing else, and every output is a fixed fma chain (ortho.h),
 * so the bytes never depend on the thread count or the task split):
 *   1. Column k: draw its M-k Gaussians (f64 fill elements k*M ..), build
 *      reflector k in double (LAPACK dlarfg without its rescaling, which
 *      Gaussians never need) and store v in REAL; in float, tau is
 *      recomputed as 2 / (v^T v) from the stored v, so H_k = I - tau v v^T
 *      is a reflection of the floats actually used.
 *   2. Q = H_0 ... H_{N-1} [I; 0] by blocks of NB reflectors, last block
 *      first (LAPACK's dorgqr, with every step a matrix product). For a
 *      block (rows and columns i .. i+nb-1, V its reflectors, L = M-i rows),
 *      with every column right of it already holding its part of Q:
 *        V is packed twice (Vt by rows, Vs by strips; ortho.h);
 *        G = V^T V, T from G and tau (dlarft), W = T V1^T for V1 the top
 *        nb x nb of V;
 *        the columns right of the block := (I - V T V^T) them, in panels
 *        of PW columns: W1 = V^T C, W2 = T W1, C -= V W2 (dlarfb);
 *        the block's own columns := [I; 0] - V W, by row chunks.
 *      The panels and the row chunks are one task list: they read only the
 *      packed V, so the block's columns can be overwritten meanwhile.
 *   3. Column k times sign(R_kk) = sign(beta_k).
 */

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SFX)

typedef struct FN(ctx) {
    REAL *q;
    int64_t m, n;
    const nninit_fill_opts *opts;
    const KERN *k;
    REAL *tau, *sgn;
    int failed; /* a Gaussian fill failed (it cannot with valid opts) */
    /* the current block: reflectors and columns i .. i+nb-1, L rows */
    int64_t i, nb, L;
    REAL *vt, *vs;   /* V packed by rows and by strips */
    REAL *g, *t, *w; /* V^T V, T, T V1^T (ld NB) */
    int64_t gcols;   /* columns of G per task */
    uint64_t npanels;
    REAL *work;    /* per worker: two NB x PW blocks */
    double *gauss; /* per worker: GAUSS_DRAW Gaussians */
} FN(ctx);

/* Column k's Gaussians, elements [first + at, first + at + nn) of the f64
 * normal stream, into g. */
static int FN(draw)(const nninit_fill_opts *fo, double *g, uint64_t first,
                    int64_t at, int64_t nn)
{
    nninit_dist normal = nninit_dist_normal(0.0, 1.0);
    return nninit_fill(&normal, NNINIT_F64, g, first + (uint64_t)at,
                       first + (uint64_t)(at + nn), fo, NULL);
}

static void FN(reflector_task)(void *arg, uint64_t task, int worker)
{
    FN(ctx) *c = (FN(ctx) *)arg;
    nninit_fill_opts fo = *c->opts;
    fo.threads = 1; /* the columns are the parallel work */
    double *g = c->gauss + (size_t)worker * GAUSS_DRAW;
    int64_t k0 = (int64_t)task * COLS_PER_TASK;
    int64_t k1 = k0 + COLS_PER_TASK < c->n ? k0 + COLS_PER_TASK : c->n;
    for (int64_t k = k0; k < k1; k++) {
        REAL *x = c->q + k * c->m + k; /* rows k .. m-1 of column k */
        int64_t len = c->m - k;
        uint64_t first = (uint64_t)k * (uint64_t)c->m;
        /* A column that fits is drawn once; a longer one twice, for the
         * norm and for v. */
        int once = len <= GAUSS_DRAW;
        /* alpha = element 0; ss = sum of squares of elements 1 .. len-1,
         * by pieces of GAUSS_SUM elements added in order */
        double alpha = 0, ss = 0;
        for (int64_t at = 0; at < len; at += GAUSS_DRAW) {
            int64_t nn = len - at < GAUSS_DRAW ? len - at : GAUSS_DRAW;
            if (FN(draw)(&fo, g, first, at, nn)) {
                c->failed = 1;
                return;
            }
            if (at == 0)
                alpha = g[0];
            for (int64_t p = at == 0 ? 1 : 0; p < nn;) {
                int64_t e = (p / GAUSS_SUM + 1) * GAUSS_SUM;
                e = e < nn ? e : nn;
                ss += dot_dd(g + p, g + p, e - p);
                p = e;
            }
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
        for (int64_t at = 0; at < len; at += GAUSS_DRAW) {
            int64_t nn = len - at < GAUSS_DRAW ? len - at : GAUSS_DRAW;
            if (!once)
                FN(draw)(&fo, g, first, at, nn);
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

/* Strips [PACK_STRIPS * task, ...) of V into Vs and Vt. */
static void FN(pack_task)(void *arg, uint64_t task, int worker)
{
    FN(ctx) *c = (FN(ctx) *)arg;
    (void)worker;
    const int64_t L = c->L, nb = c->nb, m = c->m;
    const REAL *v0 = c->q + c->i + c->i * m; /* V(0, 0) */
    int64_t s0 = (int64_t)task * PACK_STRIPS * S;
    int64_t s1 = s0 + PACK_STRIPS * S < L ? s0 + PACK_STRIPS * S : L;
    for (int64_t r0 = s0; r0 < s1; r0 += S) {
        REAL *vs = c->vs + r0 * NB;
        const int rows = L - r0 < S ? (int)(L - r0) : S;
        if (rows < S || r0 < nb) /* the unit triangle, or the last rows */
            memset(vs, 0, S * NB * sizeof *vs);
        for (int64_t l = 0; l < nb; l++) {
            REAL *dst = vs + l * S;
            const REAL *src = v0 + r0 + l * m;
            if (r0 > l) {
                memcpy(dst, src, (size_t)rows * sizeof *dst);
            } else if (r0 + rows > l) { /* row l: 1, zeros above */
                dst[l - r0] = 1;
                memcpy(dst + (l - r0) + 1, src + (l - r0) + 1,
                       (size_t)(rows - (l - r0) - 1) * sizeof *dst);
            }
        }
        if (nb < NB && rows == S && r0 >= nb)
            memset(vs + nb * S, 0, (size_t)(NB - nb) * S * sizeof *vs);
        REAL *vt = c->vt + r0 * NB;
        for (int rr = 0; rr < rows; rr++)
            for (int64_t l = 0; l < NB; l++)
                vt[rr * NB + l] = vs[l * S + rr];
    }
}

static void FN(gram_task)(void *arg, uint64_t task, int worker)
{
    FN(ctx) *c = (FN(ctx) *)arg;
    (void)worker;
    int64_t j0 = (int64_t)task * c->gcols;
    int64_t nj = c->nb - j0 < c->gcols ? c->nb - j0 : c->gcols;
    c->k->atb(c->L, nj, c->vt, c->vt + j0, NB, 1, c->g + j0 * NB, NB);
}

/* Tasks 0 .. npanels-1: a panel right of the block; then row chunks of
 * the block's own columns. */
static void FN(update_task)(void *arg, uint64_t task, int worker)
{
    FN(ctx) *c = (FN(ctx) *)arg;
    const int64_t m = c->m, i = c->i, nb = c->nb, L = c->L;
    if (task < c->npanels) {
        int64_t lo = i + nb + (int64_t)task * PW;
        int64_t cols = c->n - lo < PW ? c->n - lo : PW;
        REAL *w1 = c->work + (size_t)worker * 2 * NB * PW, *w2 = w1 + NB * PW;
        REAL *cp = c->q + i + lo * m;
        c->k->atb(L, cols, c->vt, cp, 1, m, w1, NB);
        c->k->atb(nb, cols, c->t, w1, 1, NB, w2, NB);
        c->k->sub(L, cols, nb, c->vs, w2, NB, cp, m);
        return;
    }
    int64_t r0 = (int64_t)(task - c->npanels) * FORM_ROWS;
    int64_t rows = L - r0 < FORM_ROWS ? L - r0 : FORM_ROWS;
    REAL *dst = c->q + i + r0 + i * m;
    for (int64_t j = 0; j < nb; j++)
        for (int64_t r = 0; r < rows; r++)
            dst[r + j * m] = r0 + r == j ? (REAL)1 : (REAL)0;
    /* W is upper triangular (T and V1^T are): column j's sum ends at row j
     * of W, so each group of columns stops there (the zeros after would
     * change nothing; ortho.h) */
    for (int64_t j0 = 0; j0 < nb; j0 += FORM_COLS) {
        int64_t cols = nb - j0 < FORM_COLS ? nb - j0 : FORM_COLS;
        c->k->sub(rows, cols, j0 + cols, c->vs + r0 * NB, c->w + j0 * NB, NB,
                  dst + j0 * m, m);
    }
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

static void FN(do_block)(FN(ctx) * c, int threads, int64_t i, int64_t nb)
{
    const int64_t m = c->m, L = m - i;
    c->i = i;
    c->nb = nb;
    c->L = L;
    /* steps below MIN_PARALLEL_FLOPS stay on the calling thread */
    uint64_t vflops = 2 * (uint64_t)L * NB * NB;
    int t1 = vflops >= MIN_PARALLEL_FLOPS ? threads : 1;
    uint64_t strips = (uint64_t)((L + S - 1) / S);
    nninit__parallel_for(t1, (strips + PACK_STRIPS - 1) / PACK_STRIPS,
                         FN(pack_task), c);
    /* G by column groups (any split gives the same bytes) */
    uint64_t gtasks = (uint64_t)(t1 < 4 ? t1 : 4);
    c->gcols = (nb + (int64_t)gtasks - 1) / (int64_t)gtasks;
    gtasks = (uint64_t)((nb + c->gcols - 1) / c->gcols);
    nninit__parallel_for(t1, gtasks, FN(gram_task), c);
    c->k->larft(nb, c->g, c->tau + i, c->t);
    c->k->atb(nb, nb, c->t, c->vt, 1, NB, c->w, NB); /* T V1^T */
    int64_t right = c->n - i - nb;
    c->npanels = (uint64_t)((right + PW - 1) / PW);
    uint64_t uflops = 4 * (uint64_t)L * (uint64_t)(right + nb) * (uint64_t)nb;
    nninit__parallel_for(uflops >= MIN_PARALLEL_FLOPS ? threads : 1,
                         c->npanels +
                             (uint64_t)((L + FORM_ROWS - 1) / FORM_ROWS),
                         FN(update_task), c);
    for (int64_t j = i; j < i + nb; j++)
        memset(c->q + j * m, 0, (size_t)i * sizeof *c->q);
}

static int FN(nninit__orthogonal)(const KERN *kern, REAL *q, int64_t M,
                                  int64_t N, const nninit_fill_opts *opts,
                                  nninit_error *err)
{
    if (N == 0)
        return NNINIT_OK;
    int threads = nninit__resolve_threads(opts->threads);
    FN(ctx) c;
    memset(&c, 0, sizeof c);
    c.q = q;
    c.m = M;
    c.n = N;
    c.opts = opts;
    c.k = kern;
    size_t mpad = (size_t)((M + S - 1) / S * S);
    size_t nreal = 2 * (size_t)N + (size_t)M * NB + mpad * NB +
                   3 * (size_t)NB * NB + (size_t)threads * 2 * NB * PW;
    REAL *ws = (REAL *)nninit__alloc(opts->alloc, nreal * sizeof *ws);
    c.gauss = (double *)nninit__alloc(
        opts->alloc, (size_t)threads * GAUSS_DRAW * sizeof(double));
    if (!ws || !c.gauss) {
        nninit__free(opts->alloc, ws);
        nninit__free(opts->alloc, c.gauss);
        return nninit__fail(err, NNINIT_ENOMEM,
                            "out of memory for orthogonal workspace");
    }
    c.tau = ws;
    c.sgn = ws + N;
    c.vt = c.sgn + N;
    c.vs = c.vt + (size_t)M * NB;
    c.g = c.vs + mpad * NB;
    c.t = c.g + NB * NB;
    c.w = c.t + NB * NB;
    c.work = c.w + NB * NB;

    uint64_t col_tasks = (uint64_t)(N + COLS_PER_TASK - 1) / COLS_PER_TASK;
    int col_threads =
        (uint64_t)M * (uint64_t)N >= NNINIT__MIN_PER_THREAD ? threads : 1;
    nninit__parallel_for(col_threads, col_tasks, FN(reflector_task), &c);
    nninit__free(opts->alloc, c.gauss);
    if (c.failed) {
        nninit__free(opts->alloc, ws);
        return nninit__fail(err, NNINIT_EINVAL,
                            "orthogonal: the Gaussian fill failed");
    }
    int64_t ilast = (N - 1) / NB * NB; /* the last block: N - ilast <= NB */
    FN(do_block)(&c, threads, ilast, N - ilast);
    for (int64_t i = ilast - NB; i >= 0; i -= NB)
        FN(do_block)(&c, threads, i, NB);
    nninit__parallel_for(col_threads, col_tasks, FN(sign_task), &c);
    nninit__free(opts->alloc, ws);
    return NNINIT_OK;
}

#undef FN
#undef CAT
#undef CAT_
