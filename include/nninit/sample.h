/*
 * nninit/sample.h: bulk fill kernels over caller-owned buffers.
 *
 * Each fill writes elements [begin, end) of a conceptual tensor whose element
 * i is a pure function of (seed, stream, i, distribution, parameters, dtype)
 * (the word layout is in rng.h). So any range, at any thread count, on any SIMD
 * path, gives the same bytes as the same slice of the whole tensor. Fills never
 * allocate; with threads > 1 they start worker threads for large ranges.
 *
 * Distributions (all float math uses explicit fused multiply-adds and the same
 * polynomials on every path, so scalar, AVX2 and AVX-512 agree bit for bit):
 *   uniform(low, high):   U[low, high); never returns high (a result that
 *                         rounds up to high is replaced by the largest value
 *                         below it). low == high gives low.
 *   normal(mean, std):    Box-Muller on two words; tails reach about 6.6 sigma
 *                         in f32 and 8.5 sigma in f64.
 *   trunc_normal(mean, std, a, b): N(mean, std^2) restricted to [a, b] by the
 *                         inverse CDF (Giles' erfinv in f32, Wichura's AS241 in
 *                         f64); never returns a value outside [a, b].
 *
 * Quickstart:
 *     float w[50 * 10];
 *     nninit_fill_opts o = nninit_fill_opts_default();
 *     o.seed = 42;
 *     nninit_dist d = nninit_dist_normal(0.0, 0.1);
 *     int rc = nninit_fill(&d, NNINIT_F32, w, 0, 500, &o, NULL); // NNINIT_OK
 */
#ifndef NNINIT_SAMPLE_H
#define NNINIT_SAMPLE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The path is the caller's choice (nninit_fill_opts.simd); the library
 * reads no environment variable. Every path gives the same bytes, so the
 * choice is speed only (and a way to compare the paths). */
typedef enum nninit_simd {
    NNINIT_SIMD_AUTO = 0, /* the best this CPU and build support */
    NNINIT_SIMD_SCALAR = 1,
    NNINIT_SIMD_AVX2 = 2,   /* x86-64 AVX2 + FMA */
    NNINIT_SIMD_AVX512 = 3  /* x86-64 AVX-512F */
} nninit_simd;

/* Resolves NNINIT_SIMD_AUTO to the best supported path. A request the CPU
 * or build cannot honour falls back to the best available path at or below
 * it. */
NNINIT_API nninit_simd nninit_simd_resolve(nninit_simd requested);
/* 1 if this build and CPU can run `simd`. */
NNINIT_API int nninit_simd_supported(nninit_simd simd);
NNINIT_API const char *nninit_simd_name(nninit_simd simd);
NNINIT_API int nninit_simd_parse(const char *name, nninit_simd *out);

typedef struct nninit_fill_opts {
    uint64_t seed;
    uint64_t stream;
    int threads;      /* <= 0: online CPUs; small ranges stay single-threaded */
    nninit_simd simd; /* NNINIT_SIMD_AUTO unless forcing a path (also for
                         orthogonal init's products) */
    const nninit_allocator *alloc; /* for initializers that need workspace */
} nninit_fill_opts;

/* seed 0, stream 0, threads 1, simd auto, alloc NULL. */
NNINIT_API nninit_fill_opts nninit_fill_opts_default(void);

typedef enum nninit_dist_kind {
    NNINIT_DIST_CONSTANT = 0,
    NNINIT_DIST_UNIFORM = 1,
    NNINIT_DIST_NORMAL = 2,
    NNINIT_DIST_TRUNC_NORMAL = 3
} nninit_dist_kind;

/* A distribution with its parameters. */
typedef struct nninit_dist {
    nninit_dist_kind kind;
    double p[4]; /* constant: value | uniform: low, high |
                    normal: mean, std | trunc_normal: mean, std, a, b */
} nninit_dist;

NNINIT_API nninit_dist nninit_dist_constant(double value);
NNINIT_API nninit_dist nninit_dist_uniform(double low, double high);
NNINIT_API nninit_dist nninit_dist_normal(double mean, double std);
NNINIT_API nninit_dist nninit_dist_trunc_normal(double mean, double std,
                                                double a, double b);

/* NNINIT_OK if the parameters are finite and consistent (std >= 0,
 * low <= high, a < b), else NNINIT_EINVAL with the reason in err. */
NNINIT_API int nninit_dist_check(const nninit_dist *dist, nninit_error *err);

/* Fill out[0 .. end-begin) with elements [begin, end) of the tensor drawn from
 * `dist`. `out` holds end-begin elements of `dtype`. opts may be NULL
 * (defaults), err may be NULL. Returns NNINIT_EINVAL for bad parameters and
 * NNINIT_ERANGE if begin > end.
 *
 * Narrow outputs: f16/bf16 values are computed in f32 and rounded to nearest
 * even; uniform and trunc_normal then clamp so the support still holds in the
 * narrow type. */
NNINIT_API int nninit_fill(const nninit_dist *dist, nninit_dtype dtype,
                           void *out, uint64_t begin, uint64_t end,
                           const nninit_fill_opts *opts, nninit_error *err);

#ifdef __cplusplus
}
#endif

#endif /* NNINIT_SAMPLE_H */
