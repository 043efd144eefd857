/*
 * test_simd.c: the scalar, AVX2 and AVX-512 paths give the same bytes for
 * every initializer, dtype and range, and the uniform kernels read exactly
 * the Philox words the layout contract of rng.h names.
 *
 * Paths this CPU or build cannot run are skipped (and reported); the scalar
 * path always runs, so the contract checks always bite.
 */
#include "nninit.h"
#include "nninit_test.h"

#include <stdint.h>

static const nninit_simd paths[] = {NNINIT_SIMD_SCALAR, NNINIT_SIMD_AVX2,
                                    NNINIT_SIMD_AVX512};
#define NPATHS 3
static const nninit_dtype dtypes[] = {NNINIT_F32, NNINIT_F64, NNINIT_F16,
                                      NNINIT_BF16};
#define NDTYPES 4

/* Shapes for every kind: odd sizes leave vector tails and partial groups
 * (64 f32 / 32 f64 elements) at both ends of a range. */
static nninit_shape shape_for(nninit_kind k)
{
    nninit_shape s;
    const char *text = "37,29"; /* 1073 elements */
    if (k == NNINIT_DIRAC || k == NNINIT_DELTA_ORTHOGONAL)
        text = "13,11,3,5";
    else if (k == NNINIT_ORTHOGONAL)
        text = "19,45";
    nninit_shape_parse(text, &s, NULL);
    return s;
}

static nninit_spec spec_for(nninit_kind k)
{
    nninit_spec s = nninit_spec_make(k);
    if (k == NNINIT_CONSTANT)
        s.value = 0.25;
    if (k == NNINIT_SPARSE)
        s.sparsity = 0.3;
    return s;
}

/* Fill [begin, end) of (spec, shape, dtype) on `simd`; returns malloc'd. */
static unsigned char *init_on(const nninit_spec *spec, const nninit_shape *s,
                              nninit_dtype t, uint64_t begin, uint64_t end,
                              nninit_simd simd)
{
    size_t bytes = (size_t)(end - begin) * nninit_dtype_size(t);
    unsigned char *buf = malloc(bytes ? bytes : 1);
    memset(buf, 0xA5, bytes);
    nninit_fill_opts o = nninit_fill_opts_default();
    o.seed = 0x9E3779B97F4A7C15ull;
    o.stream = 77;
    o.simd = simd;
    o.threads = 1;
    nninit_error err;
    int rc = nninit_init(spec, s, NNINIT_LAYOUT_TORCH, t, buf, begin, end, &o,
                         &err);
    CHECK_MSG(rc == NNINIT_OK, "%s: %s", nninit_kind_name(spec->kind),
              err.msg);
    return buf;
}

static void every_initializer_same_bytes_on_every_path(void)
{
    int compared = 0;
    for (int k = 0; k < NNINIT_KIND_COUNT; k++) {
        nninit_spec spec = spec_for((nninit_kind)k);
        nninit_shape s = shape_for((nninit_kind)k);
        uint64_t n = nninit_shape_numel(&s);
        const uint64_t ranges[][2] = {{0, n}, {1, n - 3}, {63, 65},
                                      {n / 2, n / 2 + 1}};
        for (int d = 0; d < NDTYPES; d++)
            for (int r = 0; r < 4; r++) {
                uint64_t b = ranges[r][0], e = ranges[r][1];
                size_t bytes = (size_t)(e - b) * nninit_dtype_size(dtypes[d]);
                unsigned char *ref =
                    init_on(&spec, &s, dtypes[d], b, e, NNINIT_SIMD_SCALAR);
                for (int p = 1; p < NPATHS; p++) {
                    if (!nninit_simd_supported(paths[p]))
                        continue;
                    unsigned char *got =
                        init_on(&spec, &s, dtypes[d], b, e, paths[p]);
                    CHECK_MSG(memcmp(ref, got, bytes) == 0,
                              "%s %s [%llu, %llu): %s differs from scalar",
                              nninit_kind_name((nninit_kind)k),
                              nninit_dtype_name(dtypes[d]),
                              (unsigned long long)b, (unsigned long long)e,
                              nninit_simd_name(paths[p]));
                    compared++;
                    free(got);
                }
                free(ref);
            }
    }
    printf("  %d path comparisons (avx2 %s, avx512 %s)\n", compared,
           nninit_simd_supported(NNINIT_SIMD_AVX2) ? "run" : "SKIPPED",
           nninit_simd_supported(NNINIT_SIMD_AVX512) ? "run" : "SKIPPED");
}

/* Distributions whose parameters reach every branch of the kernels: the
 * f32 erfinv tail polynomial (p < 0.0017), the f64 AS241 central, near and
 * far branches (p < 1e-11), the f64 kernel behind f32 output (a truncation
 * interval beyond 2^-60 of mass), f64 vectors that are all-central or
 * all-tail, and uniform with low == high rounded in f32. */
static void every_kernel_branch_same_bytes(void)
{
    const nninit_dist dists[] = {
        nninit_dist_uniform(-1, 1),
        nninit_dist_uniform(1e-30, 1.0000001e-30),
        nninit_dist_normal(0, 1),
        nninit_dist_normal(-3, 1e-3),
        nninit_dist_trunc_normal(0, 1, -2, 2),
        nninit_dist_trunc_normal(0, 1, -0.3, 0.3),  /* central only */
        nninit_dist_trunc_normal(0, 1, -30, 30),    /* all branches */
        nninit_dist_trunc_normal(0, 1, -9, -6.5),   /* f64 far tail */
        nninit_dist_trunc_normal(2, 0.5, 2.1, 2.2), /* narrow, off centre */
        nninit_dist_trunc_normal(0, 1, -40, -9),    /* wide: f64 kernel */
        nninit_dist_trunc_normal(0, 1, 3, 1e9),     /* upper tail, reflect */
    };
    const uint64_t ranges[][2] = {
        {0, 5000}, {7, 4099}, {1000, 1001}, {31, 97},
        /* blocks above 2^32: the high word of the counter */
        {(UINT64_C(1) << 38) - 300, (UINT64_C(1) << 38) + 701}};
    for (size_t di = 0; di < sizeof dists / sizeof *dists; di++)
        for (int d = 0; d < NDTYPES; d++)
            for (int r = 0; r < 5; r++) {
                uint64_t b = ranges[r][0], e = ranges[r][1];
                size_t bytes = (size_t)(e - b) * nninit_dtype_size(dtypes[d]);
                unsigned char *out[NPATHS];
                for (int p = 0; p < NPATHS; p++) {
                    out[p] = NULL;
                    if (!nninit_simd_supported(paths[p]))
                        continue;
                    out[p] = malloc(bytes);
                    memset(out[p], 0x5A, bytes);
                    nninit_fill_opts o = nninit_fill_opts_default();
                    o.seed = 12345;
                    o.stream = di;
                    o.simd = paths[p];
                    nninit_error err;
                    int rc = nninit_fill(&dists[di], dtypes[d], out[p], b, e,
                                         &o, &err);
                    CHECK_MSG(rc == NNINIT_OK, "dist %zu: %s", di, err.msg);
                }
                for (int p = 1; p < NPATHS; p++)
                    if (out[p])
                        CHECK_MSG(memcmp(out[0], out[p], bytes) == 0,
                                  "dist %zu %s [%llu, %llu): %s differs from "
                                  "scalar", di, nninit_dtype_name(dtypes[d]),
                                  (unsigned long long)b,
                                  (unsigned long long)e,
                                  nninit_simd_name(paths[p]));
                for (int p = 0; p < NPATHS; p++)
                    free(out[p]);
            }
}

/* Uniform f32 and f64, recomputed element by element from
 * nninit_philox_block and the layout contract in rng.h, on every path: an
 * independent check that the interleaved kernels read the right words. */
static void uniform_reads_the_contract_words(void)
{
    const uint64_t seed = 0xDEADBEEF01234567ull, stream = 0x0123456789ull;
    const double lo = -0.75, hi = 1.5;
    const uint64_t b = (UINT64_C(1) << 37) - 1000, e = b + 3000;
    float *f = malloc(3000 * sizeof *f);
    double *g = malloc(3000 * sizeof *g);
    nninit_dist u = nninit_dist_uniform(lo, hi);
    for (int p = 0; p < NPATHS; p++) {
        if (!nninit_simd_supported(paths[p]))
            continue;
        nninit_fill_opts o = nninit_fill_opts_default();
        o.seed = seed;
        o.stream = stream;
        o.simd = paths[p];
        CHECK(nninit_fill(&u, NNINIT_F32, f, b, e, &o, NULL) == NNINIT_OK);
        CHECK(nninit_fill(&u, NNINIT_F64, g, b, e, &o, NULL) == NNINIT_OK);
        int bad32 = 0, bad64 = 0;
        for (uint64_t i = b; i < e; i++) {
            /* f32: one word: block 16*(i/64) + i%16, word (i/16) % 4;
             * u = (w >> 8) * 2^-24, v = min(fma(u, span, lo), below(hi)) */
            nninit_philox_ctr w = nninit_philox_block(
                seed, stream, 16 * (i / 64) + i % 16);
            float u32 = (float)(w.v[(i / 16) % 4] >> 8) * 0x1p-24f;
            float v32 = fmaf(u32, (float)(hi - lo), (float)lo);
            float cap = nextafterf((float)hi, -INFINITY);
            v32 = v32 < cap ? v32 : cap;
            bad32 += memcmp(&v32, &f[i - b], 4) != 0;
            /* f64: two words: block 16*(i/32) + i%16, words 2j, 2j+1 with
             * j = (i/16) % 2, as (w[2j] << 32) | w[2j+1]; top 52 bits */
            nninit_philox_ctr x = nninit_philox_block(
                seed, stream, 16 * (i / 32) + i % 16);
            unsigned j = (unsigned)((i / 16) % 2);
            uint64_t bits = ((uint64_t)x.v[2 * j] << 32) | x.v[2 * j + 1];
            double u64 = (double)(bits >> 12) * 0x1p-52;
            double v64 = fma(u64, hi - lo, lo);
            double cap64 = nextafter(hi, -INFINITY);
            v64 = v64 < cap64 ? v64 : cap64;
            bad64 += memcmp(&v64, &g[i - b], 8) != 0;
        }
        CHECK_MSG(bad32 == 0, "%s: %d f32 elements differ from the contract",
                  nninit_simd_name(paths[p]), bad32);
        CHECK_MSG(bad64 == 0, "%s: %d f64 elements differ from the contract",
                  nninit_simd_name(paths[p]), bad64);
    }
    free(f);
    free(g);
}

int main(void)
{
    TEST_RUN(every_initializer_same_bytes_on_every_path);
    TEST_RUN(every_kernel_branch_same_bytes);
    TEST_RUN(uniform_reads_the_contract_words);
    return test_report();
}
