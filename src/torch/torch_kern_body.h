/*
 * torch_kern_body.h: the bulk loops of torch-exact mode, written as plain
 * scalar C that a compiler can vectorize. Included once per instruction set
 * by torch_kern_scalar.c and torch_kern_avx2.c, which define KERNELS (the
 * name of the table to define).
 *
 * Exactness: every floating-point operation below is one IEEE operation
 * (the build passes -ffp-contract=off) or an explicit fmaf/fma, so the
 * vectorized and the portable copies give the same bits. The sequences
 * reproduce PyTorch 1.13.1 as compiled by GCC 12 (shared/reference/
 * torch-1.13-cpu.md, sections 3 to 5).
 */
#include "torch_internal.h"

#include <math.h>
#include <string.h>

#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu
#define MT_MATRIX_A 0x9908b0dfu

static inline uint32_t mt_mix(uint32_t u, uint32_t v, uint32_t m)
{
    uint32_t y = (u & MT_UPPER) | (v & MT_LOWER);
    return m ^ (y >> 1) ^ ((0u - (y & 1u)) & MT_MATRIX_A);
}

/* The reference twist (Matsumoto & Nishimura), as three loops with constant
 * dependence distances (397 and 227 >= any vector width) so that they
 * vectorize. */
static void k_twist(uint32_t *mt)
{
    const int N = NNINIT__MT_N, M = NNINIT__MT_M;
    for (int i = 0; i < N - M; i++)
        mt[i] = mt_mix(mt[i], mt[i + 1], mt[i + M]);
    for (int i = N - M; i < N - 1; i++)
        mt[i] = mt_mix(mt[i], mt[i + 1], mt[i + M - N]);
    mt[N - 1] = mt_mix(mt[N - 1], mt[0], mt[M - 1]);
}

static void k_temper(const uint32_t *in, uint32_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t y = in[i];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        out[i] = y;
    }
}

/* transformation::uniform_real<float>: x = (w & (2^24-1)) * 2^-24, then
 * x * (to - from) + from, contracted to one FMA by GCC in the AVX2 build. */
static void k_uniform_f32(const uint32_t *w, float *out, size_t n, float from,
                          float span, int fused)
{
    if (fused)
        for (size_t i = 0; i < n; i++)
            out[i] = fmaf((float)(int32_t)(w[i] & 0xffffffu) * 0x1p-24f, span,
                          from);
    else
        for (size_t i = 0; i < n; i++)
            out[i] = (float)(int32_t)(w[i] & 0xffffffu) * 0x1p-24f * span +
                     from;
}

static void k_unit_f32(const uint32_t *w, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)(int32_t)(w[i] & 0xffffffu) * 0x1p-24f;
}

/* random64() = (first word << 32) | second word; 53 low bits. */
static void k_uniform_f64(const uint32_t *w, double *out, size_t n,
                          double from, double span, int fused)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t v = ((uint64_t)(w[2 * i] & 0x1fffffu) << 32) | w[2 * i + 1];
        double x = (double)(int64_t)v * 0x1p-53;
        out[i] = fused ? fma(x, span, from) : x * span + from;
    }
}

/* ---------------------------------------------------------------------- */
/* normal_fill_16_AVX2 (aten/src/ATen/native/cpu/DistributionTemplates.h)  */
/* with log256_ps and sincos256_ps of avx_mathfun.h, lane by lane.         */
/* ---------------------------------------------------------------------- */

static inline uint32_t f2u(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline float u2f(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* log256_ps for x in [2^-126, inf) (here x = 1 - u is in [2^-24, 1]).
 * GCC 12 -mfma contracts each Horner step and the marked steps below. */
static inline float mf_log(float x)
{
    uint32_t b = f2u(x);
    float e = (float)((int32_t)(b >> 23) - 0x7f);
    e = e + 1.0f;
    float m = u2f((b & ~0x7f800000u) | 0x3f000000u); /* mantissa in [.5, 1) */
    /* if m < SQRTHF: e -= 1, x = m - 1 + m; else x = m - 1 (as masks, like
     * the original, so that the loop vectorizes) */
    uint32_t lt = 0u - (uint32_t)(m < 0.707106781186547524f);
    float tmp = u2f(f2u(m) & lt);
    float xx = m - 1.0f;
    e = e - u2f(0x3f800000u & lt);
    xx = xx + tmp;
    float z = xx * xx;
    float y = 7.0376836292E-2f;
    y = fmaf(y, xx, -1.1514610310E-1f);
    y = fmaf(y, xx, 1.1676998740E-1f);
    y = fmaf(y, xx, -1.2420140846E-1f);
    y = fmaf(y, xx, +1.4249322787E-1f);
    y = fmaf(y, xx, -1.6668057665E-1f);
    y = fmaf(y, xx, +2.0000714765E-1f);
    y = fmaf(y, xx, -2.4999993993E-1f);
    y = fmaf(y, xx, +3.3333331174E-1f);
    y = y * xx;
    y = fmaf(y, z, e * -2.12194440e-4f); /* y*z fused, e*q1 rounded */
    y = fmaf(-z, 0.5f, y);
    xx = xx + y;
    return fmaf(e, 0.693359375f, xx);
}

/* sincos256_ps. */
static inline void mf_sincos(float x, float *s, float *c)
{
    uint32_t xb = f2u(x);
    uint32_t sign_sin = xb & 0x80000000u;
    x = u2f(xb & 0x7fffffffu);
    float y = x * 1.27323954473516f; /* cephes_FOPI = 4/pi */
    int32_t j = (int32_t)y;          /* truncation, as cvttps */
    j = (j + 1) & ~1;
    y = (float)j;
    uint32_t swap_sin = ((uint32_t)j & 4u) << 29;
    uint32_t poly = 0u - (uint32_t)((j & 2) == 0);
    x = fmaf(y, -0.78515625f, x);
    x = fmaf(y, -2.4187564849853515625e-4f, x);
    x = fmaf(y, -3.77489497744594108e-8f, x);
    uint32_t sign_cos = (~((uint32_t)j - 2u) & 4u) << 29;
    sign_sin ^= swap_sin;
    float z = x * x;
    float yc = 2.443315711809948E-005f;
    yc = fmaf(yc, z, -1.388731625493765E-003f);
    yc = fmaf(yc, z, 4.166664568298827E-002f);
    yc = yc * z;
    yc = fmaf(yc, z, -(z * 0.5f)); /* second *z fused, z*0.5 rounded */
    yc = yc + 1.0f;
    float ys = -1.9515295891E-4f;
    ys = fmaf(ys, z, 8.3321608736E-3f);
    ys = fmaf(ys, z, -1.6666654611E-1f);
    ys = ys * z;
    ys = fmaf(ys, x, x);
    /* The blend, with its additions of +0 (they matter for signed zeros). */
    float ysin2 = u2f(f2u(ys) & poly);
    float ysin1 = u2f(f2u(yc) & ~poly);
    ys = ys - ysin2;
    yc = yc - ysin1;
    float sv = ysin1 + ysin2;
    float cv = yc + ys;
    *s = u2f(f2u(sv) ^ sign_sin);
    *c = u2f(f2u(cv) ^ sign_cos);
}

static void k_normal16_avx2(float *restrict d, size_t nblocks, float mean,
                            float std)
{
    for (size_t b = 0; b < nblocks; b++, d += 16) {
        float lo[8], hi[8];
        for (int j = 0; j < 8; j++) {
            float u1 = 1.0f - d[j];
            float u2 = d[j + 8];
            float r = sqrtf(-2.0f * mf_log(u1));
            float th = 6.2831855f * u2; /* (float)(2*pi) */
            float sn, cs;
            mf_sincos(th, &sn, &cs);
            lo[j] = fmaf(r * cs, std, mean);
            hi[j] = fmaf(r * sn, std, mean);
        }
        for (int j = 0; j < 8; j++) {
            d[j] = lo[j];
            d[j + 8] = hi[j];
        }
    }
}

/* ---------------------------------------------------------------------- */
/* trunc_normal_ after its uniform_: erfinv_ (native/Math.h calc_erfinv,   */
/* glibc erff/expf/logf/sqrtf, Horner steps FMA-contracted in the AVX2     */
/* build), mul_(scale), add_(mean), clamp_(a, b); each rounded in float.   */
/* ---------------------------------------------------------------------- */

static inline float maddf(const int fused, float a, float b, float c)
{
    return fused ? fmaf(a, b, c) : a * b + c;
}

/* Instantiated twice below with a constant `fused`. */
static inline void trunc_tail(float *x, size_t n, float scale, float mean,
                              float lo, float hi, const int fused)
{
    const float k = 2.0f / (float)sqrt(3.14159265358979323846);
    for (size_t i = 0; i < n; i++) {
        float y = x[i], v, z, num, dem;
        float y_abs = fabsf(y);
        if (y_abs > 1.0f) {
            v = NAN;
        } else if (y_abs == 1.0f) {
            v = copysignf(INFINITY, y);
        } else {
            if (y_abs <= 0.7f) {
                z = y * y;
                num = maddf(fused, -0.140543331f, z, 0.914624893f);
                num = maddf(fused, num, z, -1.645349621f);
                num = maddf(fused, num, z, 0.886226899f);
                dem = maddf(fused, 0.012229801f, z, -0.329097515f);
                dem = maddf(fused, dem, z, 1.442710462f);
                dem = maddf(fused, dem, z, -2.118377725f);
                dem = maddf(fused, dem, z, 1.0f);
                v = y * num / dem;
            } else {
                z = sqrtf(-logf((1.0f - y_abs) / 2.0f));
                num = maddf(fused, 1.641345311f, z, 3.429567803f);
                num = maddf(fused, num, z, -1.624906493f);
                num = maddf(fused, num, z, -1.970840454f);
                dem = maddf(fused, 1.637067800f, z, 3.543889200f);
                dem = maddf(fused, dem, z, 1.0f);
                v = copysignf(num, y) / dem;
            }
            /* two Newton steps; (T)2/(T)sqrt(pi) in float */
            v = v - (erff(v) - y) / (k * expf(-v * v));
            v = v - (erff(v) - y) / (k * expf(-v * v));
        }
        v = v * scale;
        v = v + mean;
        v = v < lo ? lo : v; /* std::max(v, a), then std::min(., b) */
        v = hi < v ? hi : v;
        x[i] = v;
    }
}

static void k_trunc_tail_f32_fused(float *x, size_t n, float scale,
                                   float mean, float lo, float hi)
{
    trunc_tail(x, n, scale, mean, lo, hi, 1);
}

static void k_trunc_tail_f32_plain(float *x, size_t n, float scale,
                                   float mean, float lo, float hi)
{
    trunc_tail(x, n, scale, mean, lo, hi, 0);
}

static void k_trunc_tail_f32(float *x, size_t n, float scale, float mean,
                             float lo, float hi, int fused)
{
    if (fused)
        k_trunc_tail_f32_fused(x, n, scale, mean, lo, hi);
    else
        k_trunc_tail_f32_plain(x, n, scale, mean, lo, hi);
}

/* ---------------------------------------------------------------------- */
/* The two products of a blocked Householder update (torch_qr.c). Sums     */
/* run in a fixed order (4 interleaved partial sums, combined the same     */
/* way) so the portable and vectorized copies give the same bits.          */
/* ---------------------------------------------------------------------- */

/* Four doubles as a GNU vector, or a plain struct for other compilers; the
 * same operations either way (FMA4: one vfmadd in the AVX2 copy, four
 * fma() calls elsewhere). */
#if defined(__GNUC__)
typedef double v4d __attribute__((vector_size(32)));
#define V4(x, l) (x)[l]
#define V4_SET1(x, s) ((x) = (v4d){(s), (s), (s), (s)})
#else
typedef struct v4d {
    double l[4];
} v4d;
#define V4(x, l) (x).l[l]
#define V4_SET1(x, s) ((x) = (v4d){{(s), (s), (s), (s)}})
#endif
#define V4_ZERO(x) memset(&(x), 0, sizeof(v4d))
#define V4_LOAD(x, p) memcpy(&(x), (p), sizeof(v4d))
#define V4_STORE(p, x) memcpy((p), &(x), sizeof(v4d))
#if defined(__GNUC__) && defined(__FMA__) && defined(__AVX__)
/* the AVX2 copy: one vfmadd, the same bits as four fma() calls (GCC's
 * vectorizer does not always pair the lanes itself) */
#include <immintrin.h>
#define FMA4(d, a, b, c) ((d) = (v4d)_mm256_fmadd_pd((a), (b), (c)))
#else
#define FMA4(d, a, b, c)                                                       \
    do {                                                                       \
        v4d t_;                                                                \
        V4(t_, 0) = fma(V4(a, 0), V4(b, 0), V4(c, 0));                         \
        V4(t_, 1) = fma(V4(a, 1), V4(b, 1), V4(c, 1));                         \
        V4(t_, 2) = fma(V4(a, 2), V4(b, 2), V4(c, 2));                         \
        V4(t_, 3) = fma(V4(a, 3), V4(b, 3), V4(c, 3));                         \
        (d) = t_;                                                              \
    } while (0)
#endif
#define V4_SUM(x) ((V4(x, 0) + V4(x, 1)) + (V4(x, 2) + V4(x, 3)))

/* W[i + j*ldw] = sum_r V[r + i*ldv] * C[r + j*ldc], i < kb, j < nc, r < mk:
 * lane l accumulates the rows r = l (mod 4) below mk - mk % 4 with fma,
 * then (l0 + l1) + (l2 + l3), then the last rows one fma each. Blocks of 4 x 2 outputs in named variables so the
 * accumulators stay in registers. */
static void k_gemm_tn(const double *restrict V, size_t ldv,
                      const double *restrict C, size_t ldc,
                      double *restrict W, size_t ldw, size_t mk, size_t kb,
                      size_t nc)
{
    const size_t m4 = mk / 4 * 4;
    for (size_t j = 0; j < nc; j += 2) {
        const int two = j + 1 < nc;
        const double *c0 = C + j * ldc, *c1 = two ? c0 + ldc : c0;
        for (size_t i = 0; i < kb; i += 4) {
            const size_t ni = kb - i < 4 ? kb - i : 4;
            const double *v0 = V + i * ldv;
            const double *v1 = ni > 1 ? v0 + ldv : v0;
            const double *v2 = ni > 2 ? v0 + 2 * ldv : v0;
            const double *v3 = ni > 3 ? v0 + 3 * ldv : v0;
            v4d a0, a1, a2, a3, a4, a5, a6, a7, x0, x1, y;
            V4_ZERO(a0);
            a1 = a2 = a3 = a4 = a5 = a6 = a7 = a0;
            for (size_t r = 0; r < m4; r += 4) {
                V4_LOAD(x0, c0 + r);
                V4_LOAD(x1, c1 + r);
                V4_LOAD(y, v0 + r);
                FMA4(a0, y, x0, a0);
                FMA4(a4, y, x1, a4);
                V4_LOAD(y, v1 + r);
                FMA4(a1, y, x0, a1);
                FMA4(a5, y, x1, a5);
                V4_LOAD(y, v2 + r);
                FMA4(a2, y, x0, a2);
                FMA4(a6, y, x1, a6);
                V4_LOAD(y, v3 + r);
                FMA4(a3, y, x0, a3);
                FMA4(a7, y, x1, a7);
            }
            double s0 = V4_SUM(a0), s1 = V4_SUM(a1), s2 = V4_SUM(a2),
                   s3 = V4_SUM(a3), s4 = V4_SUM(a4), s5 = V4_SUM(a5),
                   s6 = V4_SUM(a6), s7 = V4_SUM(a7);
            for (size_t r = m4; r < mk; r++) { /* the last mk % 4 rows */
                s0 = fma(v0[r], c0[r], s0);
                s1 = fma(v1[r], c0[r], s1);
                s2 = fma(v2[r], c0[r], s2);
                s3 = fma(v3[r], c0[r], s3);
                s4 = fma(v0[r], c1[r], s4);
                s5 = fma(v1[r], c1[r], s5);
                s6 = fma(v2[r], c1[r], s6);
                s7 = fma(v3[r], c1[r], s7);
            }
            double *w0 = W + i + j * ldw, *w1 = w0 + ldw;
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

/* C[r + j*ldc] -= sum_i V[r + i*ldv] * W[i + j*ldw]: one fma per term,
 * in increasing i. Blocks of 8 rows x 4 columns in named variables. */
static void k_gemm_nn_sub(const double *restrict V, size_t ldv,
                          const double *restrict W, size_t ldw,
                          double *restrict C, size_t ldc, size_t mk,
                          size_t kb, size_t nc)
{
    const size_t m8 = mk / 8 * 8;
    for (size_t j = 0; j < nc; j += 4) {
        const size_t nj = nc - j < 4 ? nc - j : 4;
        double *c0 = C + j * ldc;
        double *c1 = nj > 1 ? c0 + ldc : c0;
        double *c2 = nj > 2 ? c0 + 2 * ldc : c0;
        double *c3 = nj > 3 ? c0 + 3 * ldc : c0;
        const double *w0 = W + j * ldw;
        const double *w1 = nj > 1 ? w0 + ldw : w0;
        const double *w2 = nj > 2 ? w0 + 2 * ldw : w0;
        const double *w3 = nj > 3 ? w0 + 3 * ldw : w0;
        for (size_t r = 0; r < m8; r += 8) {
            v4d a0, a1, a2, a3, a4, a5, a6, a7, p, q, x;
            V4_LOAD(a0, c0 + r);
            V4_LOAD(a4, c0 + r + 4);
            V4_LOAD(a1, c1 + r);
            V4_LOAD(a5, c1 + r + 4);
            V4_LOAD(a2, c2 + r);
            V4_LOAD(a6, c2 + r + 4);
            V4_LOAD(a3, c3 + r);
            V4_LOAD(a7, c3 + r + 4);
            for (size_t i = 0; i < kb; i++) {
                V4_LOAD(p, V + i * ldv + r);
                V4_LOAD(q, V + i * ldv + r + 4);
                V4_SET1(x, -w0[i]);
                FMA4(a0, p, x, a0);
                FMA4(a4, q, x, a4);
                V4_SET1(x, -w1[i]);
                FMA4(a1, p, x, a1);
                FMA4(a5, q, x, a5);
                V4_SET1(x, -w2[i]);
                FMA4(a2, p, x, a2);
                FMA4(a6, q, x, a6);
                V4_SET1(x, -w3[i]);
                FMA4(a3, p, x, a3);
                FMA4(a7, q, x, a7);
            }
            /* column 0 last: the unused slots alias it */
            if (nj > 3) {
                V4_STORE(c3 + r, a3);
                V4_STORE(c3 + r + 4, a7);
            }
            if (nj > 2) {
                V4_STORE(c2 + r, a2);
                V4_STORE(c2 + r + 4, a6);
            }
            if (nj > 1) {
                V4_STORE(c1 + r, a1);
                V4_STORE(c1 + r + 4, a5);
            }
            V4_STORE(c0 + r, a0);
            V4_STORE(c0 + r + 4, a4);
        }
        for (size_t r = m8; r < mk; r++) {
            double *cq[4] = {c0, c1, c2, c3};
            const double *wq[4] = {w0, w1, w2, w3};
            for (size_t q = 0; q < nj; q++) {
                double acc = cq[q][r];
                for (size_t i = 0; i < kb; i++)
                    acc = fma(V[r + i * ldv], -wq[q][i], acc);
                cq[q][r] = acc;
            }
        }
    }
}

/* w[j] = sum_r v[r] * C[r + j*ldc], j < nc, r < mk: the same lane order
 * as k_gemm_tn (for one reflector: panels, norms). */
static void k_gemv_t(const double *restrict v, const double *restrict C,
                     size_t ldc, double *restrict w, size_t mk, size_t nc)
{
    const size_t m4 = mk / 4 * 4;
    for (size_t j = 0; j < nc; j += 4) {
        const size_t nj = nc - j < 4 ? nc - j : 4;
        const double *c0 = C + j * ldc;
        const double *c1 = nj > 1 ? c0 + ldc : c0;
        const double *c2 = nj > 2 ? c0 + 2 * ldc : c0;
        const double *c3 = nj > 3 ? c0 + 3 * ldc : c0;
        v4d a0, a1, a2, a3, x, y;
        V4_ZERO(a0);
        a1 = a2 = a3 = a0;
        for (size_t r = 0; r < m4; r += 4) {
            V4_LOAD(y, v + r);
            V4_LOAD(x, c0 + r);
            FMA4(a0, y, x, a0);
            V4_LOAD(x, c1 + r);
            FMA4(a1, y, x, a1);
            V4_LOAD(x, c2 + r);
            FMA4(a2, y, x, a2);
            V4_LOAD(x, c3 + r);
            FMA4(a3, y, x, a3);
        }
        double s0 = V4_SUM(a0), s1 = V4_SUM(a1), s2 = V4_SUM(a2),
               s3 = V4_SUM(a3);
        for (size_t r = m4; r < mk; r++) {
            s0 = fma(v[r], c0[r], s0);
            s1 = fma(v[r], c1[r], s1);
            s2 = fma(v[r], c2[r], s2);
            s3 = fma(v[r], c3[r], s3);
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

const nninit__torch_kernels KERNELS = {
    k_twist,      k_temper,   k_uniform_f32,   k_uniform_f64,
    k_unit_f32,   k_normal16_avx2, k_trunc_tail_f32,
    k_gemm_tn,    k_gemm_nn_sub, k_gemv_t,
};
