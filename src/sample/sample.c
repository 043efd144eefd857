/*
 * sample.c: distribution parameters, SIMD dispatch, ranges and threads.
 *
 * A fill of [begin, end) is cut at group boundaries (64 elements for f32
 * kernels, 32 for f64 ones): whole groups go straight to the kernel, the
 * partial groups at either end are made whole in a stack buffer and copied.
 * Threads take contiguous runs of whole groups. Since every group is a pure
 * function of its index, none of this changes a single output bit.
 */
#include "../nninit_internal.h"
#include "kern.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* SIMD paths                                                               */
/* ------------------------------------------------------------------------ */

static const char *const simd_names[] = {"auto", "scalar", "avx2", "avx512",
                                         NULL};

const char *nninit_simd_name(nninit_simd simd)
{
    return (unsigned)simd <= NNINIT_SIMD_AVX512 ? simd_names[simd] : "unknown";
}

int nninit_simd_parse(const char *name, nninit_simd *out)
{
    int i = nninit__lookup(simd_names, name);
    if (i < 0)
        return NNINIT_EINVAL;
    *out = (nninit_simd)i;
    return NNINIT_OK;
}

int nninit_simd_supported(nninit_simd simd)
{
    switch (simd) {
    case NNINIT_SIMD_SCALAR:
        return 1;
#if defined(NNINIT_HAVE_X86_SIMD)
    case NNINIT_SIMD_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case NNINIT_SIMD_AVX512:
        return __builtin_cpu_supports("avx512f");
#endif
    default:
        return 0;
    }
}

nninit_simd nninit_simd_resolve(nninit_simd requested)
{
    int want = requested == NNINIT_SIMD_AUTO ? (int)NNINIT_SIMD_AVX512
                                             : (int)requested;
    for (int s = want; s > NNINIT_SIMD_SCALAR; s--)
        if (nninit_simd_supported((nninit_simd)s))
            return (nninit_simd)s;
    return NNINIT_SIMD_SCALAR;
}

static const nninit__kernels *kernels_for(nninit_simd simd)
{
    switch (nninit_simd_resolve(simd)) {
#if defined(NNINIT_HAVE_X86_SIMD)
    case NNINIT_SIMD_AVX512:
        return &nninit__kernels_avx512;
    case NNINIT_SIMD_AVX2:
        return &nninit__kernels_avx2;
#endif
    default:
        return &nninit__kernels_scalar;
    }
}

nninit_fill_opts nninit_fill_opts_default(void)
{
    nninit_fill_opts o;
    memset(&o, 0, sizeof o);
    o.threads = 1;
    o.simd = NNINIT_SIMD_AUTO;
    return o;
}

/* ------------------------------------------------------------------------ */
/* Distributions                                                            */
/* ------------------------------------------------------------------------ */

static nninit_dist make_dist(nninit_dist_kind k, double a, double b, double c,
                             double d)
{
    nninit_dist x;
    memset(&x, 0, sizeof x); /* padding too: plans keep alike values once,
                                compared byte for byte */
    x.kind = k;
    x.p[0] = a, x.p[1] = b, x.p[2] = c, x.p[3] = d;
    return x;
}

nninit_dist nninit_dist_constant(double v)
{
    return make_dist(NNINIT_DIST_CONSTANT, v, 0, 0, 0);
}
nninit_dist nninit_dist_uniform(double low, double high)
{
    return make_dist(NNINIT_DIST_UNIFORM, low, high, 0, 0);
}
nninit_dist nninit_dist_normal(double mean, double std)
{
    return make_dist(NNINIT_DIST_NORMAL, mean, std, 0, 0);
}
nninit_dist nninit_dist_trunc_normal(double mean, double std, double a,
                                     double b)
{
    return make_dist(NNINIT_DIST_TRUNC_NORMAL, mean, std, a, b);
}

static const char *const param_names[4][4] = {
    {"value", "", "", ""},
    {"low", "high", "", ""},
    {"mean", "std", "", ""},
    {"mean", "std", "trunc-a", "trunc-b"}};

int nninit_dist_check(const nninit_dist *d, nninit_error *err)
{
    static const int nparams[4] = {1, 2, 2, 4};
    if (!d || (unsigned)d->kind > NNINIT_DIST_TRUNC_NORMAL)
        return nninit__fail(err, NNINIT_EINVAL, "unknown distribution");
    for (int i = 0; i < nparams[d->kind]; i++)
        if (!nninit__finite(d->p[i]))
            return nninit__fail(err, NNINIT_EINVAL, "%s must be finite (got %g)",
                                param_names[d->kind][i], d->p[i]);
    switch (d->kind) {
    case NNINIT_DIST_UNIFORM:
        if (d->p[0] > d->p[1])
            return nninit__fail(err, NNINIT_EINVAL,
                                "low must be <= high (got low %g, high %g)",
                                d->p[0], d->p[1]);
        if (!nninit__finite(d->p[1] - d->p[0]))
            return nninit__fail(err, NNINIT_EINVAL,
                                "high - low overflows (low %g, high %g)",
                                d->p[0], d->p[1]);
        break;
    case NNINIT_DIST_NORMAL:
    case NNINIT_DIST_TRUNC_NORMAL:
        if (d->p[1] < 0)
            return nninit__fail(err, NNINIT_EINVAL,
                                "std must be >= 0 (got %g)", d->p[1]);
        if (d->kind == NNINIT_DIST_TRUNC_NORMAL && !(d->p[2] < d->p[3]))
            return nninit__fail(err, NNINIT_EINVAL,
                                "trunc-a must be < trunc-b (got %g and %g)",
                                d->p[2], d->p[3]);
        break;
    default:
        break;
    }
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* The normal CDF without libm                                              */
/* ------------------------------------------------------------------------ */

/* A truncated normal needs Phi at its bounds, and their last bits reach
 * every sample. libm's erfc and exp are not correctly rounded and differ
 * between C libraries, builds and CPUs, so these are nninit's own, made of
 * +, -, *, /, fma, floor and sqrt only (each exactly rounded everywhere):
 * about 1e-15 relative, the same bytes on every machine. */

/* 2^k for k in [-1022, 1023], exactly. */
static double pow2(int k)
{
    uint64_t bits = (uint64_t)(k + 1023) << 52;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* e^y for y <= 0 (0 below -745.2), within about an ulp: y = n ln2 + r
 * with ln2 in two parts (the first times n is exact), e^r by its Taylor
 * series to r^13 (|r| <= 0.35: the rest is below 1e-17), then times 2^n
 * with one rounding at most. */
static double exp_neg(double y)
{
    if (y < -745.2)
        return 0;
    double n = floor(y * 1.4426950408889634 + 0.5);
    double r = fma(-n, 0x1.62e42feep-1, y);
    r = fma(-n, 0x1.a39ef35793c76p-33, r);
    double fact = 6227020800.0, p = 1.0 / fact; /* 13! */
    for (int k = 13; k >= 1; k--) {
        fact /= k; /* (k-1)!, exact */
        p = fma(p, r, 1.0 / fact);
    }
    int e = (int)n;
    return e >= -1022 ? p * pow2(e) : p * pow2(e + 60) * pow2(-60);
}

/* The standard normal density. x^2 is split (x = xh + d, xh with 12
 * fractional bits, so xh^2 is exact) so that its rounding does not grow
 * into the tails' exponent. */
static double density(double x)
{
    double xh = (double)(int64_t)(x * 4096.0) / 4096.0, d = x - xh;
    return 0.3989422804014327 * exp_neg(-0.5 * xh * xh) *
           exp_neg(-0.5 * d * (x + xh));
}

/* Phi(x) for x <= -1.5: the density over Laplace's continued fraction for
 * the Mills ratio, t + 1/(t + 2/(t + 3/(t + ...))), t = -x, evaluated from
 * its 400th term back (converged to double precision from t = 1.5 on). */
static double lower_tail(double x)
{
    double t = -x, f = t;
    for (int k = 400; k >= 1; k--)
        f = t + k / f;
    return density(x) / f;
}

double nninit__normal_cdf(double x)
{
    if (x <= -40)
        return 0; /* below the smallest double */
    if (x >= 40)
        return 1;
    if (x <= -1.5)
        return lower_tail(x);
    if (x >= 1.5)
        return 1 - lower_tail(-x);
    /* 1/2 + density * (x + x^3/3 + x^5/(3*5) + ...), every term positive
     * times the sign of x (Marsaglia 2004); at most 7.5x cancellation */
    double term = x, sum = x, x2 = x * x;
    for (int n = 1; fabs(term) > 1e-17 * fabs(sum); n++) {
        term = term * x2 / (2 * n + 1);
        sum += term;
    }
    return 0.5 + density(x) * sum;
}

static double phi(double x) { return nninit__normal_cdf(x); }

/* Smallest float >= x and largest float <= x (x finite double). */
static float float_up(double x)
{
    float f = (float)x;
    return (double)f < x ? nextafterf(f, INFINITY) : f;
}
static float float_down(double x)
{
    float f = (float)x;
    return (double)f > x ? nextafterf(f, -INFINITY) : f;
}

/* 16-bit float encodings are sign-magnitude: step to the neighbours. */
static uint16_t h_next_up(uint16_t h)
{
    return h == 0x8000u ? 1u : (h & 0x8000u) ? (uint16_t)(h - 1u)
                                             : (uint16_t)(h + 1u);
}
static uint16_t h_next_down(uint16_t h)
{
    return h == 0u ? 0x8001u : (h & 0x8000u) ? (uint16_t)(h + 1u)
                                             : (uint16_t)(h - 1u);
}
static uint16_t to16(float f, nninit_dtype t)
{
    return t == NNINIT_F16 ? nninit_f32_to_f16(f) : nninit_f32_to_bf16(f);
}
static float from16(uint16_t h, nninit_dtype t)
{
    return t == NNINIT_F16 ? nninit_f16_to_f32(h) : nninit_bf16_to_f32(h);
}

/* Smallest / largest value of a narrow dtype (f32, f16, bf16) >= / <= x. */
static float rep_up(double x, nninit_dtype t)
{
    if (t == NNINIT_F32 || t == NNINIT_F64)
        return float_up(x);
    uint16_t h = to16(float_up(x), t);
    while ((double)from16(h, t) < x)
        h = h_next_up(h);
    return from16(h, t);
}
static float rep_down(double x, nninit_dtype t)
{
    if (t == NNINIT_F32 || t == NNINIT_F64)
        return float_down(x);
    uint16_t h = to16(float_down(x), t);
    while ((double)from16(h, t) > x)
        h = h_next_down(h);
    return from16(h, t);
}

/* How a fill is computed: which kernel, in which precision, with what. */
typedef struct plan {
    nninit_dist_kind kind;
    int wide;     /* 1: use the f64 kernel even for f32/f16/bf16 output */
    int constant; /* degenerate: every element equals cval */
    double cval;
    int clamp;    /* narrow outputs: keep converted values in [clo, chi] */
    float clo, chi;
    nninit__kargs ka;
} plan;

static int make_plan(const nninit_dist *d, nninit_dtype dtype,
                     const nninit_fill_opts *o, plan *pl, nninit_error *err)
{
    int rc = nninit_dist_check(d, err);
    if (rc)
        return rc;
    memset(pl, 0, sizeof *pl);
    pl->kind = d->kind;
    pl->ka.k0 = (uint32_t)o->seed;
    pl->ka.k1 = (uint32_t)(o->seed >> 32);
    pl->ka.s0 = (uint32_t)o->stream;
    pl->ka.s1 = (uint32_t)(o->stream >> 32);
    nninit__kargs *ka = &pl->ka;
    switch (d->kind) {
    case NNINIT_DIST_CONSTANT:
        pl->constant = 1;
        pl->cval = d->p[0];
        break;
    case NNINIT_DIST_UNIFORM: {
        double lo = d->p[0], hi = d->p[1];
        if (lo == hi) {
            pl->constant = 1;
            pl->cval = lo;
            break;
        }
        ka->d[0] = lo;
        ka->d[1] = hi - lo;
        ka->d[2] = nextafter(hi, -INFINITY);
        float flo = (float)lo, fhi = (float)hi;
        ka->f[0] = flo;
        ka->f[1] = (float)(hi - lo);
        ka->f[2] = fhi > flo ? nextafterf(fhi, -INFINITY) : flo;
        if (dtype == NNINIT_F16 || dtype == NNINIT_BF16) {
            /* keep [low, high) after rounding to the 16-bit type */
            uint16_t l16 = to16(flo, dtype), h16 = to16(fhi, dtype);
            pl->clamp = 1;
            pl->clo = from16(l16, dtype);
            pl->chi = from16(h16, dtype) > pl->clo
                          ? from16(h_next_down(h16), dtype) : pl->clo;
        }
        break;
    }
    case NNINIT_DIST_NORMAL:
        if (d->p[1] == 0) {
            pl->constant = 1;
            pl->cval = d->p[0];
            break;
        }
        ka->f[0] = (float)d->p[0], ka->f[1] = (float)d->p[1];
        ka->d[0] = d->p[0], ka->d[1] = d->p[1];
        break;
    case NNINIT_DIST_TRUNC_NORMAL: {
        double mean = d->p[0], sd = d->p[1], a = d->p[2], b = d->p[3];
        if (sd == 0) { /* the normal collapses onto its mean, then clamps */
            pl->constant = 1;
            pl->cval = mean < a ? a : mean > b ? b : mean;
            break;
        }
        /* Standardize; reflect so the interval leans to the lower tail,
         * where small CDF values keep full relative precision. */
        double lo = (a - mean) / sd, hi = (b - mean) / sd, sign = 1;
        if (lo + hi > 0) {
            double t = lo;
            lo = -hi, hi = -t, sign = -1;
        }
        double pa = phi(lo), pb = phi(hi);
        if (!(pb > 1e-280) || !(pb - pa > 0))
            return nninit__fail(err, NNINIT_EINVAL,
                                "truncation interval [%g, %g] lies too far in "
                                "the tail of N(%g, %g^2) to sample",
                                a, b, mean, sd);
        if (pa < 1e-300)
            pa = 1e-300; /* mass below is < 1e-300: invisible in f64 */
        ka->d[0] = pa, ka->d[1] = pb - pa, ka->d[2] = sign * sd;
        ka->d[3] = mean, ka->d[4] = a, ka->d[5] = b;
        /* The f32 kernel needs its CDF values to be normal floats; it is
         * exact enough whenever the upper CDF value is >= 2^-60 (then the
         * mass below 2^-100 is below f32 resolution). Else: f64 kernel. */
        if (pb >= 0x1p-60) {
            double pa32 = pa < 0x1p-100 ? 0x1p-100 : pa;
            ka->f[0] = (float)pa32, ka->f[1] = (float)(pb - pa32);
            ka->f[2] = (float)(sign * sd), ka->f[3] = (float)mean;
            ka->f[4] = float_up(a), ka->f[5] = float_down(b);
        } else {
            pl->wide = 1;
        }
        if (dtype != NNINIT_F64) {
            pl->clo = rep_up(a, dtype);
            pl->chi = rep_down(b, dtype);
            pl->clamp = pl->wide || dtype != NNINIT_F32;
            if (!(pl->clo <= pl->chi))
                return nninit__fail(err, NNINIT_EINVAL,
                                    "truncation interval [%g, %g] holds no %s "
                                    "value", a, b, nninit_dtype_name(dtype));
        }
        break;
    }
    }
    return NNINIT_OK;
}

static nninit__group_fn pick(const nninit__kernels *k, nninit_dist_kind kind,
                             int f64)
{
    switch (kind) {
    case NNINIT_DIST_UNIFORM:
        return f64 ? k->uniform_f64 : k->uniform_f32;
    case NNINIT_DIST_NORMAL:
        return f64 ? k->normal_f64 : k->normal_f32;
    default:
        return f64 ? k->trunc_f64 : k->trunc_f32;
    }
}

/* ------------------------------------------------------------------------ */
/* Fill machinery                                                           */
/* ------------------------------------------------------------------------ */

/* One job: elements [begin, end) into out (dtype), computed by fn in the
 * kernel's native type (f32 or f64) and converted if the dtype differs. */
typedef struct job {
    nninit__group_fn fn;
    const nninit__kargs *ka;
    int native64;       /* kernel writes doubles */
    nninit_dtype dtype; /* output type */
    int clamp;          /* clamp narrowed values to [clo, chi] */
    float clo, chi;
    void *out;
    uint64_t begin, end;
} job;

#define CHUNK_GROUPS 64 /* groups converted per pass through the stack buffer */

static void store_converted(const job *j, const void *src, uint64_t n,
                            uint64_t at)
{
    size_t es = nninit_dtype_size(j->dtype);
    unsigned char *dst = (unsigned char *)j->out + at * es;
    if (j->native64) {
        const double *s = (const double *)src;
        for (uint64_t i = 0; i < n; i++) {
            if (j->dtype == NNINIT_F64) {
                ((double *)dst)[i] = s[i];
                continue;
            }
            float f = (float)s[i];
            if (j->clamp)
                f = f < j->clo ? j->clo : f > j->chi ? j->chi : f;
            if (j->dtype == NNINIT_F32)
                ((float *)dst)[i] = f;
            else if (j->dtype == NNINIT_F16)
                ((uint16_t *)dst)[i] = nninit_f32_to_f16(f);
            else
                ((uint16_t *)dst)[i] = nninit_f32_to_bf16(f);
        }
    } else if (j->dtype == NNINIT_BF16) { /* the common case at scale */
        const float *s = (const float *)src;
        uint16_t *d = (uint16_t *)dst;
        if (j->clamp)
            for (uint64_t i = 0; i < n; i++) { /* two selects: vectorized */
                float lo = s[i] < j->clo ? j->clo : s[i];
                d[i] = nninit__f32_to_bf16(lo > j->chi ? j->chi : lo);
            }
        else
            for (uint64_t i = 0; i < n; i++)
                d[i] = nninit__f32_to_bf16(s[i]);
    } else {
        const float *s = (const float *)src;
        for (uint64_t i = 0; i < n; i++) {
            float f = s[i];
            if (j->clamp)
                f = f < j->clo ? j->clo : f > j->chi ? j->chi : f;
            if (j->dtype == NNINIT_F32)
                ((float *)dst)[i] = f;
            else if (j->dtype == NNINIT_F16)
                ((uint16_t *)dst)[i] = nninit_f32_to_f16(f);
            else
                ((uint16_t *)dst)[i] = nninit_f32_to_bf16(f);
        }
    }
}

static void run_job(const job *j)
{
    const uint64_t G = j->native64 ? NNINIT__GROUP64 : NNINIT__GROUP32;
    const int direct = !j->clamp &&
                       ((j->native64 && j->dtype == NNINIT_F64) ||
                        (!j->native64 && j->dtype == NNINIT_F32));
    /* 64 groups of 64 floats or 32 doubles: 16 KiB either way */
    double buf[CHUNK_GROUPS * NNINIT__GROUP64];
    uint64_t i = j->begin;
    while (i < j->end) {
        uint64_t g = i / G, off = i % G;
        uint64_t whole = (j->end - g * G) / G; /* whole groups from g on */
        if (off == 0 && whole > 0 && direct) {
            char *dst = (char *)j->out +
                        (i - j->begin) * nninit_dtype_size(j->dtype);
            j->fn(j->ka, dst, g, whole);
            i += whole * G;
            continue;
        }
        /* through the buffer: a partial group, or a chunk to convert */
        uint64_t ng = whole > 0 && off == 0 ? whole : 1;
        if (ng > CHUNK_GROUPS)
            ng = CHUNK_GROUPS;
        j->fn(j->ka, buf, g, ng);
        uint64_t avail = ng * G - off;
        uint64_t n = j->end - i < avail ? j->end - i : avail;
        const char *src = (const char *)buf + off * (j->native64 ? 8 : 4);
        if (direct)
            memcpy((char *)j->out + (i - j->begin) * nninit_dtype_size(j->dtype),
                   src, (size_t)n * nninit_dtype_size(j->dtype));
        else
            store_converted(j, src, n, i - j->begin);
        i += n;
    }
}

#define MIN_PER_THREAD NNINIT__MIN_PER_THREAD
/* Threads take chunks of this many elements (a multiple of both group
 * sizes); which thread makes a chunk changes no byte, since every element
 * is a function of its index alone. */
#define CHUNK_ELEMS (UINT64_C(1) << 16)

int nninit__resolve_threads(int requested)
{
    if (requested > 0)
        return requested > NNINIT__MAX_THREADS ? NNINIT__MAX_THREADS
                                               : requested;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > NNINIT__MAX_THREADS ? NNINIT__MAX_THREADS : (int)n;
}

/* Task c: the part of the job inside chunk c of the tensor. */
static void chunk_task(void *ctx, uint64_t c, int worker)
{
    const job *p = (const job *)ctx;
    (void)worker;
    const size_t es = nninit_dtype_size(p->dtype);
    job j = *p;
    uint64_t lo = (p->begin / CHUNK_ELEMS + c) * CHUNK_ELEMS;
    uint64_t hi = lo + CHUNK_ELEMS;
    j.begin = lo > p->begin ? lo : p->begin;
    j.end = hi < p->end ? hi : p->end;
    j.out = (char *)p->out + (j.begin - p->begin) * es;
    run_job(&j);
}

/* Run [begin, end) on up to `threads` threads, at most one per
 * MIN_PER_THREAD elements. */
static void run_parallel(const job *proto, int threads)
{
    uint64_t n = proto->end - proto->begin;
    uint64_t t = (uint64_t)threads;
    if (t > n / MIN_PER_THREAD)
        t = n / MIN_PER_THREAD;
    if (t <= 1) {
        run_job(proto);
        return;
    }
    uint64_t nchunks =
        (proto->end - 1) / CHUNK_ELEMS - proto->begin / CHUNK_ELEMS + 1;
    nninit__parallel_for((int)t, nchunks, chunk_task, (void *)proto);
}

static void fill_constant(void *out, nninit_dtype dtype, uint64_t n, double v)
{
    switch (dtype) {
    case NNINIT_F64:
        for (uint64_t i = 0; i < n; i++)
            ((double *)out)[i] = v;
        break;
    case NNINIT_F32:
        for (uint64_t i = 0; i < n; i++)
            ((float *)out)[i] = (float)v;
        break;
    case NNINIT_F16: {
        uint16_t h = nninit_f32_to_f16((float)v);
        for (uint64_t i = 0; i < n; i++)
            ((uint16_t *)out)[i] = h;
        break;
    }
    case NNINIT_BF16: {
        uint16_t h = nninit_f32_to_bf16((float)v);
        for (uint64_t i = 0; i < n; i++)
            ((uint16_t *)out)[i] = h;
        break;
    }
    }
}

int nninit_fill(const nninit_dist *dist, nninit_dtype dtype, void *out,
                uint64_t begin, uint64_t end, const nninit_fill_opts *opts,
                nninit_error *err)
{
    nninit_fill_opts def = nninit_fill_opts_default();
    if (!opts)
        opts = &def;
    if (nninit_dtype_size(dtype) == 0)
        return nninit__fail(err, NNINIT_EINVAL, "unknown dtype %d", (int)dtype);
    if (begin > end)
        return nninit__fail(err, NNINIT_ERANGE,
                            "range begin %llu is after end %llu",
                            (unsigned long long)begin, (unsigned long long)end);
    plan pl;
    int rc = make_plan(dist, dtype, opts, &pl, err);
    if (rc)
        return rc;
    if (begin == end)
        return NNINIT_OK;
    if (!out)
        return nninit__fail(err, NNINIT_EINVAL, "output buffer is NULL");
    if (pl.constant) {
        fill_constant(out, dtype, end - begin, pl.cval);
        return NNINIT_OK;
    }
    job j;
    memset(&j, 0, sizeof j);
    j.native64 = dtype == NNINIT_F64 || pl.wide;
    j.fn = pick(kernels_for(opts->simd), pl.kind, j.native64);
    j.ka = &pl.ka;
    j.dtype = dtype;
    j.out = out;
    j.begin = begin;
    j.end = end;
    j.clamp = pl.clamp;
    j.clo = pl.clo;
    j.chi = pl.chi;
    run_parallel(&j, nninit__resolve_threads(opts->threads));
    return NNINIT_OK;
}
