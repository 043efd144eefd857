/*
 * torch_qr.c: the QR step of torch.nn.init.orthogonal_. PyTorch factorizes
 * its Gaussian matrix with LAPACK ?geqrf/?orgqr in the tensor's precision
 * and multiplies column j of Q by sign(R_jj). That product is the unique Q
 * of the factorization whose R has a positive diagonal, so any correct
 * Householder QR gives the same matrix up to rounding. This one works in
 * double and is the library's own code (the core stays libc + libm): the
 * blocked LAPACK algorithms dgeqrf (panels of NB columns, compact WY
 * updates I - V T V^T, Schreiber & Van Loan 1989) and dorgqr, with the two
 * big products in the twice-compiled kernel template (torch_kern_body.h).
 * Every sum has a fixed order, so the bits do not depend on the CPU path or
 * on the number of threads.
 */
#include "torch_internal.h"

#include <math.h>
#include <string.h>

#define NB 32

/* sign() of R_jj as torch computes it: 0 stays 0. */
static double sign_of(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; }

/* H = I - tau v v^T applied to nc columns C (rows = len of v, v[0] = 1):
 * w = C^T v, C -= v (tau w)^T. w has room for nc doubles. */
static void reflect(const nninit__torch_kernels *k, const double *v,
                    size_t len, double tau, double *c, size_t ldc, size_t nc,
                    double *w)
{
    if (nc == 0 || tau == 0)
        return;
    k->gemv_t(v, c, ldc, w, len, nc);
    for (size_t j = 0; j < nc; j++)
        w[j] *= tau;
    k->gemm_nn_sub(v, len, w, 1, c, ldc, len, 1, nc);
}

/* Unblocked dgeqr2 on columns k0..k0+kb-1, rows k0..m-1 (a panel): each
 * reflector applied to the rest of the panel only. */
static void panel_qr(const nninit__torch_kernels *k, double *a, size_t m,
                     size_t k0, size_t kb, double *tau, double *sgn,
                     double *w)
{
    for (size_t c = k0; c < k0 + kb; c++) {
        double *x = a + c * m + c;
        size_t len = m - c;
        double alpha = x[0], ss = 0;
        if (len > 1)
            k->gemv_t(x + 1, x + 1, 0, &ss, len - 1, 1);
        double beta;
        if (ss == 0) {
            tau[c] = 0;
            beta = alpha;
        } else {
            beta = -copysign(sqrt(alpha * alpha + ss), alpha);
            tau[c] = (beta - alpha) / beta;
            double scal = 1.0 / (alpha - beta);
            for (size_t i = 1; i < len; i++)
                x[i] *= scal;
        }
        sgn[c] = sign_of(beta);
        x[0] = 1.0; /* v, with its implicit 1, for the update */
        reflect(k, x, len, tau[c], x + m, m, k0 + kb - c - 1, w);
        x[0] = beta;
    }
}

/* V (mk x kb, leading dim mk) of the panel at k0: unit diagonal, zeros
 * above, the reflectors below. */
static void pack_v(const double *a, size_t m, size_t k0, size_t kb, double *v)
{
    const size_t mk = m - k0;
    for (size_t c = 0; c < kb; c++) {
        double *vc = v + c * mk;
        memset(vc, 0, c * sizeof *vc);
        vc[c] = 1.0;
        memcpy(vc + c + 1, a + (k0 + c) * m + k0 + c + 1,
               (mk - c - 1) * sizeof *vc);
    }
}

/* dlarft (forward, columnwise): H_0 ... H_{kb-1} = I - V T V^T with T
 * upper triangular (kb x kb, leading dim NB). G = V^T V comes from the
 * product kernel (V is zero above its unit diagonal, so full-column dot
 * products are LAPACK's V(i:n, j)^T V(i:n, i)); g holds NB*NB doubles. */
static void larft(const nninit__torch_kernels *k, const double *v, size_t mk,
                  size_t kb, const double *tau, double *t, double *g)
{
    k->gemm_tn(v, mk, v, mk, g, NB, mk, kb, kb);
    for (size_t i = 0; i < kb; i++) {
        for (size_t j = 0; j < i; j++)
            t[j + i * NB] = -tau[i] * g[j + i * NB];
        /* T[0:i, i] = T[0:i, 0:i] * T[0:i, i], in place top-down */
        for (size_t j = 0; j < i; j++) {
            double s = 0;
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
typedef struct update {
    const nninit__torch_kernels *k;
    double *a;
    size_t m, k0, kb, col0; /* C = a[k0:m, col0 + ...] */
    const double *v, *t;
    double *w; /* kb x (columns) workspace, leading dim NB */
    int transpose;
} update;

/* One chunk of columns: W = V^T C, W = op(T) W, C -= V W, while C's
 * chunk is still in cache. */
static void update_chunk(const update *u, size_t c0, size_t nc)
{
    const size_t mk = u->m - u->k0, kb = u->kb;
    double *c = u->a + (u->col0 + c0) * u->m + u->k0;
    double *w = u->w + c0 * NB;
    u->k->gemm_tn(u->v, mk, c, u->m, w, NB, mk, kb, nc);
    for (size_t j = 0; j < nc; j++) {
        double *wj = w + j * NB;
        if (u->transpose) { /* T^T lower: bottom-up in place */
            for (size_t i = kb; i-- > 0;) {
                double s = 0;
                for (size_t l = 0; l <= i; l++)
                    s += u->t[l + i * NB] * wj[l];
                wj[i] = s;
            }
        } else { /* T upper: top-down in place */
            for (size_t i = 0; i < kb; i++) {
                double s = 0;
                for (size_t l = i; l < kb; l++)
                    s += u->t[i + l * NB] * wj[l];
                wj[i] = s;
            }
        }
    }
    u->k->gemm_nn_sub(u->v, mk, w, NB, c, u->m, mk, kb, nc);
}

static void update_run(void *ctx, size_t c0, size_t c1)
{
    const update *u = (const update *)ctx;
    /* chunks of about 256 KiB of C (a multiple of 4 columns, 4 to 64) */
    size_t chunk = ((size_t)1 << 18) / ((u->m - u->k0) * sizeof(double) + 1);
    chunk = chunk < 4 ? 4 : chunk > 64 ? 64 : chunk / 4 * 4;
    for (size_t j = c0; j < c1; j += chunk)
        update_chunk(u, j, c1 - j < chunk ? c1 - j : chunk);
}

static void apply_block(const nninit__torch_kernels *k, int threads,
                        double *a, size_t m, size_t k0, size_t kb,
                        size_t col0, size_t ncols, const double *v,
                        const double *t, double *w, int transpose)
{
    update u = {k, a, m, k0, kb, col0, v, t, w, transpose};
    /* about 64K multiply-adds per thread at least */
    size_t per_col = (m - k0) * kb * 4 + 1;
    nninit__torch_parallel(threads, ncols, 4, (1u << 16) / per_col + 1,
                           update_run, &u);
}

int nninit__torch_qr_signed(double *a, int64_t m_, int64_t n_, int threads,
                            const nninit_allocator *alloc, nninit_error *err)
{
    if (n_ == 0)
        return NNINIT_OK;
    const size_t m = (size_t)m_, n = (size_t)n_;
    /* tau, sgn (n each), T and G (NB x NB), V (m x NB), W (NB x n) */
    size_t words = 2 * n + 2 * NB * NB + m * NB + NB * n;
    double *ws = (double *)nninit__alloc(alloc, words * sizeof(double));
    if (!ws)
        return nninit__fail(err, NNINIT_ENOMEM,
                            "out of memory for QR workspace (%lld x %lld)",
                            (long long)m_, (long long)n_);
    double *tau = ws, *sgn = tau + n, *t = sgn + n, *g = t + NB * NB,
           *v = g + NB * NB, *w = v + m * NB;
    const nninit__torch_kernels *k = nninit__torch_kernels_get();

    /* dgeqrf */
    for (size_t k0 = 0; k0 < n; k0 += NB) {
        size_t kb = n - k0 < NB ? n - k0 : NB;
        panel_qr(k, a, m, k0, kb, tau, sgn, w);
        if (k0 + kb < n) {
            pack_v(a, m, k0, kb, v);
            larft(k, v, m - k0, kb, tau + k0, t, g);
            apply_block(k, threads, a, m, k0, kb, k0 + kb, n - k0 - kb, v, t,
                        w, 1);
        }
    }

    /* dorgqr: blocks from the last; the trailing columns already hold
     * their part of Q (zero above their block). */
    for (size_t j0 = (n - 1) / NB * NB;; j0 -= NB) {
        size_t jb = n - j0 < NB ? n - j0 : NB;
        if (j0 + jb < n) {
            pack_v(a, m, j0, jb, v);
            larft(k, v, m - j0, jb, tau + j0, t, g);
            apply_block(k, threads, a, m, j0, jb, j0 + jb, n - j0 - jb, v, t,
                        w, 0);
        }
        /* dorg2r on the block's own columns */
        for (size_t kk = j0 + jb; kk-- > j0;) {
            double *vk = a + kk * m; /* 1 at row kk, vk[kk+1..m-1] below */
            vk[kk] = 1.0;
            reflect(k, vk + kk, m - kk, tau[kk], vk + m + kk, m,
                    j0 + jb - kk - 1, w);
            for (size_t i = kk + 1; i < m; i++)
                vk[i] *= -tau[kk];
            vk[kk] = 1.0 - tau[kk];
            memset(vk, 0, kk * sizeof *vk);
        }
        if (j0 == 0)
            break;
    }

    /* Q * diag(sign(diag R)) */
    for (size_t c = 0; c < n; c++)
        if (sgn[c] != 1.0)
            for (size_t i = 0; i < m; i++)
                a[c * m + i] *= sgn[c];
    nninit__free(alloc, ws);
    return NNINIT_OK;
}
