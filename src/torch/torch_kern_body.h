/*
 * torch_kern_body.h: the bulk loops of torch-exact mode, written as plain
 * scalar C that a compiler can vectorize. Included once per instruction set
 * by torch_kern_scalar.c and torch_kern_avx2.c, which define KERNELS (the
 * name of the table to define).
 *
 * Exactness: every floating-point operation below is one IEEE operation
 * (the build passes -ffp-contract=off) or an explicit fmaf/fma, so the
 * vectorized and the portable copies give the same bits. The sequences
 * reproduce PyTorch's CPU kernels as Debian compiles them (1.13.1 with
 * GCC 12, 2.6.0 with GCC 14: the same sequences).
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
/* The products of the blocked Householder QR (torch_qr.c), in double and  */
/* in float (torch_kern_qr.h).                                              */
/* ---------------------------------------------------------------------- */

/* 32-byte vectors as GNU vectors, or plain structs for other compilers; the
 * same operations either way (VFMA: one vfmadd in the AVX2 copy, one fma()
 * per lane elsewhere). */
#if defined(__GNUC__)
typedef double v4d __attribute__((vector_size(32)));
typedef float v8f __attribute__((vector_size(32)));
#define VL(x, l) (x)[l]
#define V4D_SET1(x, s) ((x) = (v4d){(s), (s), (s), (s)})
#define V8F_SET1(x, s) ((x) = (v8f){(s), (s), (s), (s), (s), (s), (s), (s)})
#else
typedef struct v4d {
    double l[4];
} v4d;
typedef struct v8f {
    float l[8];
} v8f;
#define VL(x, l) (x).l[l]
#define V4D_SET1(x, s) ((x) = (v4d){{(s), (s), (s), (s)}})
#define V8F_SET1(x, s)                                                         \
    ((x) = (v8f){{(s), (s), (s), (s), (s), (s), (s), (s)}})
#endif
#if defined(__GNUC__) && defined(__FMA__) && defined(__AVX__)
/* the AVX2 copy: one vfmadd, the same bits as one fma() per lane (GCC's
 * vectorizer does not always pair the lanes itself) */
#include <immintrin.h>
#define VFMA_AVX 1
#else
#define VFMA_AVX 0
#endif
#define VFMA_LANES(d, a, b, c)                                                 \
    do {                                                                       \
        VEC t_;                                                                \
        for (int l_ = 0; l_ < LANES; l_++)                                     \
            VL(t_, l_) = FMA1(VL(a, l_), VL(b, l_), VL(c, l_));                \
        (d) = t_;                                                              \
    } while (0)

#define REAL double
#define VEC v4d
#define LANES 4
#define SFX d
#define FMA1 fma
#define VSET1 V4D_SET1
#if VFMA_AVX
#define VFMA(d, a, b, c) ((d) = (v4d)_mm256_fmadd_pd((a), (b), (c)))
#else
#define VFMA VFMA_LANES
#endif
#include "torch_kern_qr.h"
#undef REAL
#undef VEC
#undef LANES
#undef SFX
#undef FMA1
#undef VFMA
#undef VSET1

#define REAL float
#define VEC v8f
#define LANES 8
#define SFX f
#define FMA1 fmaf
#define VSET1 V8F_SET1
#if VFMA_AVX
#define VFMA(d, a, b, c) ((d) = (v8f)_mm256_fmadd_ps((a), (b), (c)))
#else
#define VFMA VFMA_LANES
#endif
#include "torch_kern_qr.h"
#undef REAL
#undef VEC
#undef LANES
#undef SFX
#undef FMA1
#undef VFMA
#undef VSET1

const nninit__torch_kernels KERNELS = {
    k_twist,
    k_temper,
    k_uniform_f32,
    k_uniform_f64,
    k_unit_f32,
    k_normal16_avx2,
    k_trunc_tail_f32,
    {k_gemm_tn_d, k_gemm_nn_sub_d, k_gemv_t_d},
    {k_gemm_tn_f, k_gemm_nn_sub_f, k_gemv_t_f},
};
