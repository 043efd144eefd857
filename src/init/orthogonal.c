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
 * normal fill. Accumulation here is the unblocked LAPACK dorg2r, in plain C,
 * so the bytes depend only on the compiler's floating-point semantics.
 */
#include "../nninit_internal.h"

#include <math.h>
#include <string.h>

const char *nninit_orthogonal_backend(void) { return "builtin"; }

/* Build reflector k in place (LAPACK dlarfg): x = q[k..M-1] of column k.
 * On return q[k] = beta, q[k+1..] = v (v_0 = 1 implied), *tau set. */
static void reflector(double *x, int64_t len, double *tau, double *beta)
{
    double alpha = x[0], ss = 0;
    for (int64_t i = 1; i < len; i++)
        ss += x[i] * x[i];
    if (ss == 0) {
        *tau = 0;
        *beta = alpha;
        return;
    }
    double b = -copysign(sqrt(alpha * alpha + ss), alpha);
    *tau = (b - alpha) / b;
    double scal = 1.0 / (alpha - b);
    for (int64_t i = 1; i < len; i++)
        x[i] *= scal;
    *beta = b;
}

int nninit__orthogonal_colmajor(double *q, int64_t M, int64_t N,
                                const nninit_fill_opts *opts,
                                nninit_error *err)
{
    if (N == 0)
        return NNINIT_OK;
    double *tau = (double *)nninit__alloc(opts->alloc, (size_t)N * 16);
    if (!tau)
        return nninit__fail(err, NNINIT_ENOMEM,
                            "out of memory for orthogonal workspace");
    double *sgn = tau + N;
    nninit_dist normal = nninit_dist_normal(0.0, 1.0);
    nninit_fill_opts fo = *opts;
    int rc = NNINIT_OK;
    /* 1. Draw each column's Gaussian vector and turn it into a reflector. */
    for (int64_t k = 0; k < N && rc == NNINIT_OK; k++) {
        double *col = q + k * M;
        uint64_t first = (uint64_t)k * (uint64_t)M;
        rc = nninit_fill(&normal, NNINIT_F64, col + k, first,
                         first + (uint64_t)(M - k), &fo, err);
        double beta;
        reflector(col + k, M - k, &tau[k], &beta);
        sgn[k] = beta < 0 ? -1.0 : 1.0; /* sign(R_kk); sign(0) taken as +1 */
    }
    /* 2. Accumulate Q = H_0 ... H_{N-1} applied to [I; 0], backwards
     *    (dorg2r), then scale column k by sign(R_kk). */
    for (int64_t k = N - 1; k >= 0 && rc == NNINIT_OK; k--) {
        double *vk = q + k * M; /* v: 1 at row k, vk[k+1..M-1] below */
        for (int64_t j = k + 1; j < N; j++) {
            double *cj = q + j * M;
            double s = cj[k];
            for (int64_t i = k + 1; i < M; i++)
                s += vk[i] * cj[i];
            s *= tau[k];
            cj[k] -= s;
            for (int64_t i = k + 1; i < M; i++)
                cj[i] -= s * vk[i];
        }
        for (int64_t i = k + 1; i < M; i++)
            vk[i] *= -tau[k];
        vk[k] = 1.0 - tau[k];
        for (int64_t i = 0; i < k; i++)
            vk[i] = 0.0;
    }
    for (int64_t k = 0; k < N && rc == NNINIT_OK; k++)
        if (sgn[k] < 0)
            for (int64_t i = 0; i < M; i++)
                q[k * M + i] = -q[k * M + i];
    nninit__free(opts->alloc, tau);
    return rc;
}
