/*
 * torch_qr.c: the QR step of torch.nn.init.orthogonal_. PyTorch factorizes
 * its Gaussian matrix with LAPACK ?geqrf/?orgqr in the tensor's precision
 * and multiplies column j of Q by sign(R_jj). That product is the unique Q
 * of the factorization whose R has a positive diagonal, so any correct
 * Householder QR gives the same matrix up to rounding; this one works in
 * double (the unblocked LAPACK dgeqr2 + dorg2r), and is the library's own
 * code so the core stays libc + libm.
 */
#include "torch_internal.h"

#include <math.h>

int nninit__torch_qr_signed(double *a, int64_t m, int64_t n,
                            const nninit_allocator *alloc, nninit_error *err)
{
    if (n == 0)
        return NNINIT_OK;
    double *tau = (double *)nninit__alloc(alloc, (size_t)n * 2 * sizeof *tau);
    if (!tau)
        return nninit__fail(err, NNINIT_ENOMEM,
                            "out of memory for QR workspace (%lld columns)",
                            (long long)n);
    double *sgn = tau + n;
    /* dgeqr2: reflector k from column k, applied to columns k+1..n-1. */
    for (int64_t k = 0; k < n; k++) {
        double *x = a + k * m + k;
        int64_t len = m - k;
        double alpha = x[0], ss = 0;
        for (int64_t i = 1; i < len; i++)
            ss += x[i] * x[i];
        double beta;
        if (ss == 0) {
            tau[k] = 0;
            beta = alpha;
        } else {
            beta = -copysign(sqrt(alpha * alpha + ss), alpha);
            tau[k] = (beta - alpha) / beta;
            double scal = 1.0 / (alpha - beta);
            for (int64_t i = 1; i < len; i++)
                x[i] *= scal;
        }
        x[0] = beta;
        sgn[k] = beta > 0 ? 1.0 : beta < 0 ? -1.0 : 0.0; /* torch sign() */
        if (tau[k] == 0)
            continue;
        for (int64_t j = k + 1; j < n; j++) {
            double *cj = a + j * m + k;
            double s = cj[0];
            for (int64_t i = 1; i < len; i++)
                s += x[i] * cj[i];
            s *= tau[k];
            cj[0] -= s;
            for (int64_t i = 1; i < len; i++)
                cj[i] -= s * x[i];
        }
    }
    /* dorg2r: Q = H_0 ... H_{n-1} [I; 0], accumulated backwards in place. */
    for (int64_t k = n - 1; k >= 0; k--) {
        double *vk = a + k * m; /* v: 1 at row k, vk[k+1..m-1] below */
        for (int64_t j = k + 1; j < n; j++) {
            double *cj = a + j * m;
            double s = cj[k];
            for (int64_t i = k + 1; i < m; i++)
                s += vk[i] * cj[i];
            s *= tau[k];
            cj[k] -= s;
            for (int64_t i = k + 1; i < m; i++)
                cj[i] -= s * vk[i];
        }
        for (int64_t i = k + 1; i < m; i++)
            vk[i] *= -tau[k];
        vk[k] = 1.0 - tau[k];
        for (int64_t i = 0; i < k; i++)
            vk[i] = 0.0;
    }
    for (int64_t k = 0; k < n; k++)
        if (sgn[k] != 1.0)
            for (int64_t i = 0; i < m; i++)
                a[k * m + i] *= sgn[k];
    nninit__free(alloc, tau);
    return NNINIT_OK;
}
