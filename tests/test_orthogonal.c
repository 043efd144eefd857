/*
 * test_orthogonal.c: orthogonal init is orthonormal to the precision it is
 * built in, Haar-distributed, the same bytes at any thread count, on every
 * SIMD path and for any range, and its kernels compute exactly the fma
 * chains ortho.h promises (checked against plain loops written here).
 *
 * Tolerances: Q^T Q - I is computed here in long double from the output.
 * A Householder construction in double is orthonormal to a few 1e-16 per
 * entry times a modest function of the size; 1e-13 leaves two orders of
 * margin at these sizes. In float the same construction gives about 2e-7
 * (PyTorch's float32 QR: 6e-7 at 4096 x 4096); 1e-6 is the bar.
 */
#define _POSIX_C_SOURCE 200809L
#include "init/ortho.h"
#include "nninit.h"
#include "nninit_test.h"

#include <stdint.h>
#include <stdlib.h>

static const nninit_simd paths[] = {NNINIT_SIMD_SCALAR, NNINIT_SIMD_AVX2,
                                    NNINIT_SIMD_AVX512};

static void *ortho_on(int64_t rows, int64_t cols, nninit_dtype t,
                      double gain, uint64_t seed, int threads,
                      nninit_simd simd, uint64_t begin, uint64_t end)
{
    nninit_shape s;
    int64_t dims[2] = {rows, cols};
    nninit_shape_make(&s, 2, dims, NULL);
    nninit_spec spec = nninit_spec_make(NNINIT_ORTHOGONAL);
    spec.gain = gain;
    nninit_fill_opts o = nninit_fill_opts_default();
    o.seed = seed;
    o.stream = 5;
    o.threads = threads;
    o.simd = simd;
    size_t bytes = (size_t)(end - begin) * nninit_dtype_size(t);
    void *w = malloc(bytes ? bytes : 1);
    memset(w, 0x77, bytes);
    nninit_error err;
    int rc = nninit_init(&spec, &s, NNINIT_LAYOUT_TORCH, t, w, begin, end, &o,
                         &err);
    CHECK_MSG(rc == NNINIT_OK, "%lldx%lld: %s", (long long)rows,
              (long long)cols, err.msg);
    return w;
}

static void *ortho(int64_t rows, int64_t cols, nninit_dtype t, double gain,
                   uint64_t seed, int threads, uint64_t begin, uint64_t end)
{
    return ortho_on(rows, cols, t, gain, seed, threads, NNINIT_SIMD_AUTO,
                    begin, end);
}

static double at(const void *w, nninit_dtype t, uint64_t i)
{
    switch (t) {
    case NNINIT_F64:
        return ((const double *)w)[i];
    case NNINIT_F32:
        return ((const float *)w)[i];
    case NNINIT_F16:
        return nninit_f16_to_f32(((const uint16_t *)w)[i]);
    default:
        return nninit_bf16_to_f32(((const uint16_t *)w)[i]);
    }
}

/* max |W W^T / g^2 - I| over the short side of a rows x cols W. */
static double ortho_error(const void *w, nninit_dtype t, int64_t rows,
                          int64_t cols, double gain)
{
    int tall = rows > cols;
    int64_t n = tall ? cols : rows, len = tall ? rows : cols;
    double worst = 0;
    for (int64_t a = 0; a < n; a++)
        for (int64_t b = a; b < n; b++) {
            long double s = 0;
            for (int64_t k = 0; k < len; k++) {
                uint64_t ia = tall ? (uint64_t)(k * cols + a)
                                   : (uint64_t)(a * cols + k);
                uint64_t ib = tall ? (uint64_t)(k * cols + b)
                                   : (uint64_t)(b * cols + k);
                s += (long double)at(w, t, ia) * at(w, t, ib);
            }
            double e = fabs((double)(s / ((long double)gain * gain)) -
                            (a == b ? 1.0 : 0.0));
            if (e > worst)
                worst = e;
        }
    return worst;
}

static void orthonormal_in_each_precision(void)
{
    const int64_t shapes[][2] = {{1, 1},    {2, 1},    {1, 5},
                                 {3, 3},    {65, 65},  {300, 97},
                                 {64, 200}, {129, 64}, {200, 130}};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        int64_t r = shapes[i][0], c = shapes[i][1];
        uint64_t n = (uint64_t)(r * c);
        void *d = ortho(r, c, NNINIT_F64, 1.0, i, 2, 0, n);
        void *f = ortho(r, c, NNINIT_F32, 1.5, i, 2, 0, n);
        double ed = ortho_error(d, NNINIT_F64, r, c, 1.0);
        double ef = ortho_error(f, NNINIT_F32, r, c, 1.5);
        CHECK_MSG(ed < 1e-13, "f64 %lldx%lld: max|QQ^T-I| = %g", (long long)r,
                  (long long)c, ed);
        CHECK_MSG(ef < 1e-6, "f32 %lldx%lld: max|QQ^T-I| = %g", (long long)r,
                  (long long)c, ef);
        /* same Gaussians: the f32 matrix is the f64 one, rounded */
        double diff = 0;
        for (uint64_t k = 0; k < n; k++) {
            double x =
                fabs(at(f, NNINIT_F32, k) / 1.5 - at(d, NNINIT_F64, k));
            diff = x > diff ? x : diff;
        }
        CHECK_MSG(diff < 1e-5, "%lldx%lld: f32 and f64 differ by %g",
                  (long long)r, (long long)c, diff);
        free(d);
        free(f);
    }
}

/* Big enough that every step runs threaded (orthogonal.c's thresholds):
 * 2100 x 130 has > 2^18 elements (column tasks) and blocks with > 2^24
 * flops; 300 x 300 has blocks with several update panels. Every SIMD path
 * this machine runs, at 1, 2 and 7 threads, gives the bytes of the scalar
 * path on one thread. */
static void same_bytes_on_every_path_and_thread_count(void)
{
    const int64_t shapes[][2] = {{2100, 130}, {300, 300}, {130, 2100}};
    const nninit_dtype dts[] = {NNINIT_F64, NNINIT_F32};
    const int threads[] = {1, 2, 7};
    for (int s = 0; s < 3; s++)
        for (int d = 0; d < 2; d++) {
            int64_t r = shapes[s][0], c = shapes[s][1];
            uint64_t n = (uint64_t)(r * c);
            size_t bytes = (size_t)n * nninit_dtype_size(dts[d]);
            void *one = ortho_on(r, c, dts[d], 1.0, 42, 1, NNINIT_SIMD_SCALAR,
                                 0, n);
            for (int p = 0; p < 3; p++) {
                if (!nninit_simd_supported(paths[p]))
                    continue;
                for (int k = 0; k < 3; k++) {
                    if (p == 0 && k == 0)
                        continue;
                    void *w = ortho_on(r, c, dts[d], 1.0, 42, threads[k],
                                       paths[p], 0, n);
                    CHECK_MSG(memcmp(one, w, bytes) == 0,
                              "%s %lldx%lld: %s on %d threads differs from "
                              "scalar on 1",
                              nninit_dtype_name(dts[d]), (long long)r,
                              (long long)c, nninit_simd_name(paths[p]),
                              threads[k]);
                    free(w);
                }
            }
            free(one);
        }
}

/* ------------------------------------------------------------------------ */
/* The kernels against the chains ortho.h promises                          */
/* ------------------------------------------------------------------------ */

#define NB NNINIT__ORTHO_NB
#define SS NNINIT__ORTHO_STRIP

/* Deterministic values in [-1, 1) with all mantissa bits busy. */
static double val(uint64_t i)
{
    uint64_t x = i * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 32;
    return (double)(x >> 11) * 0x1p-52 - 1.0;
}

#define KERNEL_CHECKS(REAL, SFX, FMA)                                          \
    static int kernel_checks_##SFX(const nninit__ortho_kern_##SFX *k,           \
                                   const char *path)                           \
    {                                                                          \
        const int64_t kcs[] = {0, 1, 37, 600}, ns[] = {1, 5, 13, 97};          \
        const int64_t ms[] = {1, 31, 33, 100, 300}, nbs[] = {1, 17, 64};        \
        int bad = 0;                                                           \
        REAL *at = malloc(600 * NB * sizeof *at);                              \
        REAL *b = malloc(600 * 100 * sizeof *b);                               \
        REAL *w = malloc(NB * 100 * sizeof *w);                                \
        REAL *vs = malloc(320 * NB * sizeof *vs);                              \
        REAL *c = malloc(310 * 100 * sizeof *c);                               \
        for (int i = 0; i < 600 * NB; i++)                                     \
            at[i] = (REAL)val((uint64_t)i);                                    \
        for (int i = 0; i < 600 * 100; i++)                                    \
            b[i] = (REAL)val((uint64_t)i + 1000000);                           \
        for (int i = 0; i < 320 * NB; i++)                                     \
            vs[i] = (REAL)val((uint64_t)i + 2000000);                          \
        /* atb: W(l, j) = chain over k of at[k*NB + l] * b[k + j*600] */       \
        for (int x = 0; x < 4; x++)                                            \
            for (int y = 0; y < 4; y++) {                                      \
                int64_t kc = kcs[x], n = ns[y];                                \
                k->atb(kc, n, at, b, 1, 600, w, NB);                           \
                for (int64_t j = 0; j < n; j++)                                \
                    for (int l = 0; l < NB; l++) {                             \
                        REAL acc = 0;                                          \
                        for (int64_t q = 0; q < kc; q++)                       \
                            acc = FMA(at[q * NB + l], b[q + j * 600], acc);    \
                        bad += memcmp(&acc, &w[l + j * NB], sizeof acc) != 0;  \
                    }                                                          \
            }                                                                  \
        /* the Gram form: b is at itself, k stride NB, column stride 1 */      \
        k->atb(600, 17, at, at, NB, 1, w, NB);                                 \
        for (int64_t j = 0; j < 17; j++)                                       \
            for (int l = 0; l < NB; l++) {                                     \
                REAL acc = 0;                                                  \
                for (int64_t q = 0; q < 600; q++)                              \
                    acc = FMA(at[q * NB + l], at[q * NB + j], acc);            \
                bad += memcmp(&acc, &w[l + j * NB], sizeof acc) != 0;          \
            }                                                                  \
        /* sub: C(r, j) = C(r, j) - chain over l of V(r, l) * W(l, j) */       \
        for (int x = 0; x < 5; x++)                                            \
            for (int y = 0; y < 4; y++)                                        \
                for (int z = 0; z < 3; z++) {                                  \
                    int64_t m = ms[x], n = ns[y], nb = nbs[z], ldc = 310;      \
                    for (int i = 0; i < 310 * 100; i++)                        \
                        c[i] = (REAL)val((uint64_t)i + 3000000);               \
                    k->sub(m, n, nb, vs, b, 600, c, ldc);                      \
                    for (int64_t j = 0; j < n; j++)                            \
                        for (int64_t r = 0; r < ldc; r++) {                    \
                            REAL want = (REAL)val((uint64_t)(r + j * ldc) +    \
                                                  3000000);                    \
                            if (r < m) {                                       \
                                REAL acc = 0;                                  \
                                for (int64_t l = 0; l < nb; l++)               \
                                    acc = FMA(vs[r / SS * SS * NB + l * SS +   \
                                                 r % SS],                      \
                                              b[l + j * 600], acc);            \
                                want = want - acc;                             \
                            }                                                  \
                            bad += memcmp(&want, &c[r + j * ldc],              \
                                          sizeof want) != 0;                   \
                        }                                                      \
                }                                                              \
        free(at);                                                              \
        free(b);                                                               \
        free(w);                                                               \
        free(vs);                                                              \
        free(c);                                                               \
        CHECK_MSG(bad == 0, "%s %s kernels: %d values differ from the chains", \
                  path, #SFX, bad);                                            \
        return bad;                                                            \
    }

KERNEL_CHECKS(double, d, fma)
KERNEL_CHECKS(float, f, fmaf)

/* atb and sub on every path this machine runs, at awkward sizes (no k, one
 * k, k not a multiple of anything; partial strips and column tiles), give
 * exactly the fma chains computed by plain loops here. Each sub call also
 * checks that rows past m are left alone. */
static void kernels_are_the_promised_chains(void)
{
    for (int p = 0; p < 3; p++) {
        if (!nninit_simd_supported(paths[p]))
            continue;
        const nninit__ortho_kernels *k = nninit__ortho_kernels_for(paths[p]);
        kernel_checks_d(&k->d, nninit_simd_name(paths[p]));
        kernel_checks_f(&k->f, nninit_simd_name(paths[p]));
    }
}

/* A column longer than one draw of Gaussians (orthogonal.c draws those
 * twice): still orthonormal, and still the slice of the whole. */
static void long_columns(void)
{
    const int64_t r = 17000, c = 3;
    uint64_t n = (uint64_t)(r * c);
    double *d = ortho(r, c, NNINIT_F64, 1.0, 5, 2, 0, n);
    double e = ortho_error(d, NNINIT_F64, r, c, 1.0);
    CHECK_MSG(e < 1e-13, "17000x3 f64: max|Q^TQ-I| = %g", e);
    double *part = ortho(r, c, NNINIT_F64, 1.0, 5, 1, 3 * 16383, 3 * 16390);
    CHECK(memcmp(part, d + 3 * 16383, 3 * 7 * sizeof *d) == 0);
    free(d);
    free(part);
}

/* Every range, dtype and gain gives the slice of the whole (the tall case
 * is a transpose, done 8 rows at a time; square and wide are built in
 * place when whole). */
static void ranges_and_dtypes_are_slices_of_the_whole(void)
{
    const int64_t shapes[][2] = {{301, 37}, {37, 301}, {90, 90}};
    for (int s = 0; s < 3; s++) {
        int64_t r = shapes[s][0], c = shapes[s][1];
        uint64_t n = (uint64_t)(r * c);
        for (int d = 0; d < 2; d++) {
            nninit_dtype t = d ? NNINIT_F32 : NNINIT_F64;
            size_t es = nninit_dtype_size(t);
            unsigned char *whole = ortho(r, c, t, 2.0, 9, 1, 0, n);
            const uint64_t cuts[][2] = {{0, 1}, {5, 5 + 37 * 9 + 3},
                                        {37, 37 * 20}, {n - 40, n},
                                        {1, n - 1}};
            for (int k = 0; k < 5; k++) {
                uint64_t b = cuts[k][0], e = cuts[k][1];
                unsigned char *part = ortho(r, c, t, 2.0, 9, 2, b, e);
                CHECK_MSG(memcmp(part, whole + b * es, (size_t)(e - b) * es) ==
                              0,
                          "%s %lldx%lld [%llu, %llu) is not the slice",
                          nninit_dtype_name(t), (long long)r, (long long)c,
                          (unsigned long long)b, (unsigned long long)e);
                free(part);
            }
            free(whole);
        }
        /* f16 and bf16 are the f32 values, rounded */
        float *f = ortho(r, c, NNINIT_F32, 2.0, 9, 1, 0, n);
        uint16_t *h = ortho(r, c, NNINIT_F16, 2.0, 9, 1, 0, n);
        uint16_t *bf = ortho(r, c, NNINIT_BF16, 2.0, 9, 1, 0, n);
        int bad = 0;
        for (uint64_t k = 0; k < n; k++)
            bad += h[k] != nninit_f32_to_f16(f[k]) ||
                   bf[k] != nninit_f32_to_bf16(f[k]);
        CHECK_MSG(bad == 0, "%lldx%lld: %d f16/bf16 values are not the f32 "
                            "ones rounded", (long long)r, (long long)c, bad);
        free(f);
        free(h);
        free(bf);
    }
}

/* Haar measure on O(8): tr(Q) has mean 0 and variance 1, and each entry
 * has mean 0 and mean square 1/8. Over 2000 matrices the sample mean of
 * tr has sd 1/sqrt(2000) = 0.022 and the sample variance sd ~0.032; the
 * bounds below are about 5 sd. Without Mezzadri's sign correction the
 * diagonal is biased (E[tr] is far from 0), which the first check catches. */
static void haar_moments(void)
{
    const int n = 8, samples = 2000;
    double sum_tr = 0, sum_tr2 = 0, sum_e = 0, sum_e2 = 0;
    for (int s = 0; s < samples; s++) {
        double *q = ortho(n, n, NNINIT_F64, 1.0, (uint64_t)s, 1, 0,
                          (uint64_t)(n * n));
        double tr = 0;
        for (int i = 0; i < n; i++)
            tr += q[i * n + i];
        sum_tr += tr;
        sum_tr2 += tr * tr;
        sum_e += q[3 * n + 5];
        sum_e2 += q[3 * n + 5] * q[3 * n + 5];
        free(q);
    }
    double mean = sum_tr / samples, var = sum_tr2 / samples - mean * mean;
    CHECK_MSG(fabs(mean) < 0.11, "E[tr Q] = %g, Haar: 0", mean);
    CHECK_MSG(fabs(var - 1.0) < 0.16, "Var[tr Q] = %g, Haar: 1", var);
    /* entry (3, 5): mean 0 (sd 0.35/sqrt(2000)), mean square 1/8 */
    CHECK_MSG(fabs(sum_e / samples) < 0.04, "E[Q35] = %g", sum_e / samples);
    CHECK_MSG(fabs(sum_e2 / samples - 0.125) < 0.02, "E[Q35^2] = %g",
              sum_e2 / samples);
}

int main(void)
{
    TEST_RUN(orthonormal_in_each_precision);
    TEST_RUN(same_bytes_on_every_path_and_thread_count);
    TEST_RUN(kernels_are_the_promised_chains);
    TEST_RUN(long_columns);
    TEST_RUN(ranges_and_dtypes_are_slices_of_the_whole);
    TEST_RUN(haar_moments);
    return test_report();
}
