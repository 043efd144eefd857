/*
 * torch_ops.c: Tensor.uniform_, Tensor.normal_, torch.randperm and erfinv as
 * PyTorch's CPU kernels compute them (aten/src/ATen/core/
 * TransformationHelper.h, DistributionsHelper.h, native/cpu/
 * DistributionTemplates.h, native/Math.h; the same code in 1.13 and 2.6),
 * in the semantics of its AVX2 or DEFAULT kernels (g->kernel) and of the
 * c10 Half arithmetic of g->version.
 */
#include "torch_internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Words drawn per pass: bounded stack use, and the data stays in L1/L2
 * between drawing and transforming. A multiple of 16 (normal blocks). */
#define CHUNK 2048

#define TWO_PI 6.283185307179586 /* 2.0f * c10::pi<double>, in double */

static int check_common(const nninit_torch_gen *g, nninit_dtype dtype,
                        const void *data, uint64_t n, nninit_error *err)
{
    if (!g)
        return nninit__fail(err, NNINIT_EINVAL, "generator is NULL");
    if (nninit_dtype_size(dtype) == 0)
        return nninit__fail(err, NNINIT_EINVAL, "unknown dtype %d", (int)dtype);
    if (n > 0 && !data)
        return nninit__fail(err, NNINIT_EINVAL, "output buffer is NULL");
    if ((unsigned)g->kernel > NNINIT_TORCH_KERNEL_DEFAULT)
        return nninit__fail(err, NNINIT_EINVAL, "unknown torch kernel %d",
                            (int)g->kernel);
    if ((unsigned)g->version > NNINIT_TORCH_1_13)
        return nninit__fail(err, NNINIT_EINVAL, "unknown torch version %d",
                            (int)g->version);
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* uniform_                                                                 */
/* ------------------------------------------------------------------------ */

/* check_uniform_bounds (native/DistributionTemplates.h), in double. */
static int check_uniform(nninit_dtype dtype, double from, double to,
                         nninit_error *err)
{
    if (!nninit__finite(from) || !nninit__finite(to))
        return nninit__fail(err, NNINIT_EINVAL,
                            "uniform_ bounds must be finite (got %g, %g)",
                            from, to);
    double max = dtype == NNINIT_F64   ? DBL_MAX
                 : dtype == NNINIT_F32 ? (double)FLT_MAX
                 : dtype == NNINIT_F16 ? 65504.0
                                       : 3.3895313892515355e38; /* bf16 */
    if (from < -max || from > max)
        return nninit__fail(err, NNINIT_EINVAL,
                            "uniform_: from %g is out of bounds for %s", from,
                            nninit_dtype_name(dtype));
    if (to < -max || to > max)
        return nninit__fail(err, NNINIT_EINVAL,
                            "uniform_: to %g is out of bounds for %s", to,
                            nninit_dtype_name(dtype));
    if (from > to)
        return nninit__fail(err, NNINIT_EINVAL,
                            "uniform_ expects to return a [from, to) range, "
                            "but found from=%g > to=%g", from, to);
    if (to - from > max)
        return nninit__fail(err, NNINIT_EINVAL,
                            "uniform_ expects to-from <= the largest %s "
                            "(got %g)", nninit_dtype_name(dtype), to - from);
    return NNINIT_OK;
}

/* Half and BFloat16: from/to are cast double -> float -> narrow (c10's
 * constructors take float), (to - from) is rounded to the narrow type, the
 * rest is float: x * span + from, fused in the AVX2 build. */
static void uniform_narrow(nninit_torch_gen *g, const nninit__torch_kernels *k,
                           nninit_dtype dtype, uint16_t *out, uint64_t n,
                           double from, double to, int fused)
{
    int half = dtype == NNINIT_F16;
    uint16_t (*narrow)(float) = half ? nninit_f32_to_f16 : nninit_f32_to_bf16;
    float (*widen)(uint16_t) = half ? nninit_f16_to_f32 : nninit_bf16_to_f32;
    float f = widen(narrow((float)from)), t = widen(narrow((float)to));
    float span = widen(narrow(t - f));
    uint32_t mask = half ? 0x7ffu : 0xffu;
    float scale = half ? 0x1p-11f : 0x1p-8f;
    uint32_t buf[CHUNK];
    for (uint64_t i = 0; i < n;) {
        size_t c = n - i < CHUNK ? (size_t)(n - i) : CHUNK;
        nninit__torch_words(g, k, buf, c);
        for (size_t j = 0; j < c; j++) {
            float x = (float)(int32_t)(buf[j] & mask) * scale;
            out[i + j] = narrow(fused ? fmaf(x, span, f) : x * span + f);
        }
        i += c;
    }
}

int nninit_torch_uniform_(nninit_torch_gen *g, nninit_dtype dtype, void *data,
                          uint64_t n, double from, double to,
                          nninit_error *err)
{
    int rc = check_common(g, dtype, data, n, err);
    return rc ? rc : nninit__torch_uniform(g, dtype, data, n, from, to, err);
}

int nninit__torch_uniform(nninit_torch_gen *g, nninit_dtype dtype, void *data,
                          uint64_t n, double from, double to,
                          nninit_error *err)
{
    int rc = check_common(g, dtype, NULL, 0, err); /* data may be NULL */
    if (rc == NNINIT_OK)
        rc = check_uniform(dtype, from, to, err);
    if (rc)
        return rc;
    const nninit__torch_kernels *k = nninit__torch_kernels_get(g->simd);
    if (!data) { /* one word per value, two for double */
        nninit__torch_words(g, k, NULL, dtype == NNINIT_F64 ? 2 * n : n);
        return NNINIT_OK;
    }
    const int fused = g->kernel == NNINIT_TORCH_KERNEL_AVX2;
    uint32_t buf[CHUNK];
    if (dtype == NNINIT_F32) {
        float f = (float)from, t = (float)to, span = t - f;
        float *out = (float *)data;
        for (uint64_t i = 0; i < n;) {
            size_t c = n - i < CHUNK ? (size_t)(n - i) : CHUNK;
            nninit__torch_words(g, k, buf, c);
            k->uniform_f32(buf, out + i, c, f, span, fused);
            i += c;
        }
    } else if (dtype == NNINIT_F64) {
        double *out = (double *)data;
        for (uint64_t i = 0; i < n;) {
            size_t c = n - i < CHUNK / 2 ? (size_t)(n - i) : CHUNK / 2;
            nninit__torch_words(g, k, buf, 2 * c);
            k->uniform_f64(buf, out + i, c, from, to - from, fused);
            i += c;
        }
    } else {
        uniform_narrow(g, k, dtype, (uint16_t *)data, n, from, to, fused);
    }
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* normal_                                                                  */
/* ------------------------------------------------------------------------ */

/* normal_fill_16<float> of the DEFAULT build: glibc logf/cosf/sinf, float
 * arithmetic, no FMA; theta computed in double. */
static void normal16_default_f32(float *d, size_t nblocks, float mean,
                                 float std)
{
    for (size_t b = 0; b < nblocks; b++, d += 16)
        for (int j = 0; j < 8; j++) {
            float u1 = 1.0f - d[j];
            float u2 = d[j + 8];
            float radius = sqrtf(-2.0f * logf(u1));
            float theta = (float)(TWO_PI * (double)u2);
            d[j] = radius * cosf(theta) * std + mean;
            d[j + 8] = radius * sinf(theta) * std + mean;
        }
}

/* normal_fill_16<double>: glibc log/cos/sin; the AVX2 build contracts
 * radius*cos*std + mean into fma(radius*cos, std, mean). */
static void normal16_f64(double *d, size_t nblocks, double mean, double std,
                         int fused)
{
    for (size_t b = 0; b < nblocks; b++, d += 16)
        for (int j = 0; j < 8; j++) {
            double u1 = 1 - d[j];
            double u2 = d[j + 8];
            double radius = sqrt(-2 * log(u1));
            double theta = TWO_PI * u2;
            double c = radius * cos(theta), s = radius * sin(theta);
            d[j] = fused ? fma(c, std, mean) : c * std + mean;
            d[j + 8] = fused ? fma(s, std, mean) : s * std + mean;
        }
}

/* Below this many elements per thread, threads cost more than they save. */
#define MIN_PER_THREAD (1u << 16)

typedef struct blocks_f32 {
    float *d;
    void (*block)(float *, size_t, float, float);
    float mean, std;
} blocks_f32;

static void blocks_f32_run(void *ctx, size_t begin, size_t end)
{
    const blocks_f32 *c = (const blocks_f32 *)ctx;
    c->block(c->d + begin, (end - begin) / 16, c->mean, c->std);
}

typedef struct blocks_f64 {
    double *d;
    double mean, std;
    int fused;
} blocks_f64;

static void blocks_f64_run(void *ctx, size_t begin, size_t end)
{
    const blocks_f64 *c = (const blocks_f64 *)ctx;
    normal16_f64(c->d + begin, (end - begin) / 16, c->mean, c->std, c->fused);
}

/* normal_fill / normal_fill_AVX2 for float32: all n uniforms first, then
 * each full block of 16 in place; if n % 16 != 0, 16 fresh uniforms
 * overwrite the last 16 elements and that block is transformed. One thread:
 * chunk by chunk (the same words in the same order, in cache). Several: all
 * uniforms first, then the blocks split over threads. */
static void fill_f32(nninit_torch_gen *g, const nninit__torch_kernels *k,
                     float *d, uint64_t n, float mean, float std)
{
    void (*block)(float *, size_t, float, float) =
        g->kernel == NNINIT_TORCH_KERNEL_AVX2 ? k->normal16_avx2
                                              : normal16_default_f32;
    uint32_t buf[CHUNK];
    const uint64_t full = n / 16 * 16;
    const int par = g->threads > 1 && n >= 2 * MIN_PER_THREAD;
    for (uint64_t i = 0; i < full;) {
        size_t c = full - i < CHUNK ? (size_t)(full - i) : CHUNK;
        nninit__torch_words(g, k, buf, c);
        k->unit_f32(buf, d + i, c);
        if (!par)
            block(d + i, c / 16, mean, std);
        i += c;
    }
    if (par) {
        blocks_f32 ctx = {d, block, mean, std};
        nninit__torch_parallel(g->threads, (size_t)full, 16, MIN_PER_THREAD,
                               blocks_f32_run, &ctx);
    }
    if (n % 16) {
        nninit__torch_words(g, k, buf, (size_t)(n % 16)); /* overwritten */
        nninit__torch_words(g, k, buf, 16);
        k->unit_f32(buf, d + n - 16, 16);
        block(d + n - 16, 1, mean, std);
    }
}

static void fill_f64(nninit_torch_gen *g, const nninit__torch_kernels *k,
                     double *d, uint64_t n, double mean, double std)
{
    const int fused = g->kernel == NNINIT_TORCH_KERNEL_AVX2;
    uint32_t buf[CHUNK];
    const uint64_t full = n / 16 * 16;
    const int par = g->threads > 1 && n >= 2 * MIN_PER_THREAD;
    for (uint64_t i = 0; i < full;) {
        size_t c = full - i < CHUNK / 2 ? (size_t)(full - i) : CHUNK / 2;
        nninit__torch_words(g, k, buf, 2 * c);
        k->uniform_f64(buf, d + i, c, 0.0, 1.0, 0); /* x*1+0 = x exactly */
        if (!par)
            normal16_f64(d + i, c / 16, mean, std, fused);
        i += c;
    }
    if (par) {
        blocks_f64 ctx = {d, mean, std, fused};
        nninit__torch_parallel(g->threads, (size_t)full, 16, MIN_PER_THREAD,
                               blocks_f64_run, &ctx);
    }
    if (n % 16) {
        nninit__torch_words(g, k, buf, (size_t)(2 * (n % 16)));
        nninit__torch_words(g, k, buf, 32);
        k->uniform_f64(buf, d + n - 16, 16, 0.0, 1.0, 0);
        normal16_f64(d + n - 16, 1, mean, std, fused);
    }
}

/* normal_fill<c10::Half> and normal_fill<c10::BFloat16>: uniforms of 11 or
 * 8 bits, then normal_fill_16's block transform in c10's operator
 * semantics. BFloat16 (and Half since PyTorch 2.1, whose BFloat16-math.h
 * covers both reduced types): std::log/sqrt/cos/sin return the reduced
 * type, and reduced *,+ reduced round to it, so every step rounds. Half in
 * 1.13: std::log/sqrt/cos/sin resolve to the float functions (Half
 * converts to float), and the results are rounded to Half only where the
 * code stores a Half (radius, theta, the output); the float tail
 * r*cos*std + mean is FMA-contracted in the AVX2 build. */
static float h16(float x) { return nninit_f16_to_f32(nninit_f32_to_f16(x)); }
static float b16(float x) { return nninit_bf16_to_f32(nninit_f32_to_bf16(x)); }

static void normal16_narrow(uint16_t *d, int half, int round_all,
                            float mean, float std, int fused)
{
    float (*wid)(uint16_t) = half ? nninit_f16_to_f32 : nninit_bf16_to_f32;
    uint16_t (*nar)(float) = half ? nninit_f32_to_f16 : nninit_f32_to_bf16;
    for (int j = 0; j < 8; j++) {
        float u1 = wid(nar(1.0f - wid(d[j]))); /* int - narrow: narrow */
        float u2 = wid(d[j + 8]);
        /* theta = 2.0f * pi<double> * u2: double, stored double->float->narrow */
        float theta = wid(nar((float)(TWO_PI * (double)u2)));
        float o1, o2;
        if (!round_all) {
            float radius = h16(sqrtf(-2.0f * logf(u1)));
            float c = radius * cosf(theta), s = radius * sinf(theta);
            o1 = fused ? fmaf(c, std, mean) : c * std + mean;
            o2 = fused ? fmaf(s, std, mean) : s * std + mean;
        } else {
            float (*r)(float) = half ? h16 : b16;
            float radius = r(sqrtf(r(-2.0f * r(logf(u1)))));
            float c = r(cosf(theta)), s = r(sinf(theta));
            o1 = r(r(r(radius * c) * std) + mean);
            o2 = r(r(r(radius * s) * std) + mean);
        }
        d[j] = nar(o1);
        d[j + 8] = nar(o2);
    }
}

static void fill_narrow(nninit_torch_gen *g, const nninit__torch_kernels *k,
                        nninit_dtype t, uint16_t *d, uint64_t n, double mean,
                        double std)
{
    const int half = t == NNINIT_F16;
    const int round_all = !half || g->version != NNINIT_TORCH_1_13;
    const int fused = g->kernel == NNINIT_TORCH_KERNEL_AVX2;
    uint16_t (*nar)(float) = half ? nninit_f32_to_f16 : nninit_f32_to_bf16;
    float (*wid)(uint16_t) = half ? nninit_f16_to_f32 : nninit_bf16_to_f32;
    const float m = wid(nar((float)mean)), sd = wid(nar((float)std));
    const uint32_t mask = half ? 0x7ffu : 0xffu;
    const float scale = half ? 0x1p-11f : 0x1p-8f;
    uint32_t buf[CHUNK];
    const uint64_t full = n / 16 * 16;
    for (uint64_t i = 0; i < full;) {
        size_t c = full - i < CHUNK ? (size_t)(full - i) : CHUNK;
        nninit__torch_words(g, k, buf, c);
        for (size_t j = 0; j < c; j++)
            d[i + j] = nar((float)(int32_t)(buf[j] & mask) * scale);
        for (size_t b = 0; b < c; b += 16)
            normal16_narrow(d + i + b, half, round_all, m, sd, fused);
        i += c;
    }
    if (n % 16) {
        nninit__torch_words(g, k, buf, (size_t)(n % 16)); /* overwritten */
        nninit__torch_words(g, k, buf, 16);
        for (size_t j = 0; j < 16; j++)
            d[n - 16 + j] = nar((float)(int32_t)(buf[j] & mask) * scale);
        normal16_narrow(d + n - 16, half, round_all, m, sd, fused);
    }
}

static double u53(nninit_torch_gen *g)
{
    return (double)(int64_t)(nninit_torch_random64(g) &
                             ((UINT64_C(1) << 53) - 1)) * 0x1p-53;
}

/* at::normal_distribution<double>: the < 16-element (and non-contiguous)
 * path. Box-Muller on two 53-bit uniforms (u1 drives theta, u2 the radius),
 * r*sin cached in the generator for the next call. The radius takes
 * log(1 - u2) in 1.13 and log1p(-u2) in 2.x (PyTorch's distribution helpers
 * moved to log1p in 2023): the last bit of some values differs. */
static double normal_small(nninit_torch_gen *g, double mean, double std)
{
    const int fused = g->kernel == NNINIT_TORCH_KERNEL_AVX2;
    double v;
    if (g->normal_cached) {
        g->normal_cached = 0;
        v = g->normal_cache;
    } else {
        double u1 = u53(g), u2 = u53(g);
        double l = g->version == NNINIT_TORCH_1_13 ? log(1.0 - u2)
                                                    : log1p(-u2);
        double r = sqrt(-2.0 * l);
        double theta = TWO_PI * u1;
        g->normal_cache = r * sin(theta);
        g->normal_cached = 1;
        v = r * cos(theta);
    }
    return fused ? fma(v, std, mean) : v * std + mean;
}

int nninit_torch_normal_(nninit_torch_gen *g, nninit_dtype dtype, void *data,
                         uint64_t n, double mean, double std,
                         nninit_error *err)
{
    int rc = check_common(g, dtype, data, n, err);
    return rc ? rc : nninit__torch_normal(g, dtype, data, n, mean, std, err);
}

int nninit__torch_normal(nninit_torch_gen *g, nninit_dtype dtype, void *data,
                         uint64_t n, double mean, double std,
                         nninit_error *err)
{
    int rc = check_common(g, dtype, NULL, 0, err); /* data may be NULL */
    if (rc)
        return rc;
    if (!nninit__finite(mean) || !nninit__finite(std))
        return nninit__fail(err, NNINIT_EINVAL,
                            "normal_: mean and std must be finite (got %g, "
                            "%g)", mean, std);
    if (std < 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "normal expects std >= 0.0, but found std %g",
                            std);
    if (n == 0)
        return NNINIT_OK;
    if (n < 16) {
        double small[16];
        if (!data) /* the draws depend on the cached value: run them */
            data = small, dtype = NNINIT_F64;
        for (uint64_t i = 0; i < n; i++) {
            double v = normal_small(g, mean, std);
            if (dtype == NNINIT_F32)
                ((float *)data)[i] = (float)v;
            else if (dtype == NNINIT_F64)
                ((double *)data)[i] = v;
            else if (dtype == NNINIT_F16) /* double -> float -> Half */
                ((uint16_t *)data)[i] = nninit_f32_to_f16((float)v);
            else
                ((uint16_t *)data)[i] = nninit_f32_to_bf16((float)v);
        }
        return NNINIT_OK;
    }
    const nninit__torch_kernels *k = nninit__torch_kernels_get(g->simd);
    if (!data) {
        /* the fills above: n uniforms (two words each for double), then,
         * if n % 16 != 0, 16 more for the last block */
        uint64_t words = n + (n % 16 ? 16 : 0);
        nninit__torch_words(g, k, NULL,
                            dtype == NNINIT_F64 ? 2 * words : words);
        return NNINIT_OK;
    }
    if (dtype == NNINIT_F32)
        fill_f32(g, k, (float *)data, n, (float)mean, (float)std);
    else if (dtype == NNINIT_F64)
        fill_f64(g, k, (double *)data, n, mean, std);
    else
        fill_narrow(g, k, dtype, (uint16_t *)data, n, mean, std);
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* randperm                                                                 */
/* ------------------------------------------------------------------------ */

int nninit_torch_randperm(nninit_torch_gen *g, int64_t n, int64_t *out,
                          nninit_error *err)
{
    if (!g)
        return nninit__fail(err, NNINIT_EINVAL, "generator is NULL");
    if (n < 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "randperm: n must be non-negative (got %lld)",
                            (long long)n);
    if (n > 0 && !out)
        return nninit__fail(err, NNINIT_EINVAL, "output buffer is NULL");
    for (int64_t i = 0; i < n; i++)
        out[i] = i;
    /* randperm_cpu: for i < n-1, z = random() % (n-i), swap i and i+z. */
    for (int64_t i = 0; i < n - 1; i++) {
        int64_t z = (int64_t)(nninit_torch_random(g) % (uint64_t)(n - i));
        int64_t t = out[i];
        out[i] = out[i + z];
        out[i + z] = t;
    }
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* erfinv (native/Math.h calc_erfinv)                                       */
/* ------------------------------------------------------------------------ */

/* a*b + c, fused as GCC -mfma contracts it, or rounded twice. (The float
 * version lives in torch_kern_body.h, where the FMAs are inline.) */
#define MADD(a, b, c) (fused ? fma((a), (b), (c)) : (a) * (b) + (c))

double nninit__torch_erfinv(double y, int fused)
{
    static const double a[4] = {0.886226899, -1.645349621, 0.914624893,
                                -0.140543331};
    static const double b[4] = {-2.118377725, 1.442710462, -0.329097515,
                                0.012229801};
    static const double c[4] = {-1.970840454, -1.624906493, 3.429567803,
                                1.641345311};
    static const double d[2] = {3.543889200, 1.637067800};
    double x, z, num, dem;
    double y_abs = fabs(y);
    if (y_abs > 1.0)
        return NAN;
    if (y_abs == 1.0)
        return copysign(INFINITY, y);
    if (y_abs <= 0.7) {
        z = y * y;
        num = MADD(MADD(MADD(a[3], z, a[2]), z, a[1]), z, a[0]);
        dem = MADD(MADD(MADD(MADD(b[3], z, b[2]), z, b[1]), z, b[0]), z, 1.0);
        x = y * num / dem;
    } else {
        z = sqrt(-log((1.0 - y_abs) / 2.0));
        num = MADD(MADD(MADD(c[3], z, c[2]), z, c[1]), z, c[0]);
        dem = MADD(MADD(d[1], z, d[0]), z, 1.0);
        x = copysign(num, y) / dem;
    }
    const double k = 2.0 / sqrt(3.14159265358979323846);
    x = x - (erf(x) - y) / (k * exp(-x * x));
    x = x - (erf(x) - y) / (k * exp(-x * x));
    return x;
}
