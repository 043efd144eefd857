/*
 * kern.h: the interface between sample.c (dispatch, ranges, threads) and the
 * per-ISA kernel files (kern_scalar.c, kern_avx2.c, kern_avx512.c), which all
 * instantiate the one template kern_body.h.
 *
 * A kernel fills whole groups. A group is the 16 Philox blocks
 * 16*g .. 16*g+15 of the tensor stream:
 *   32-bit kernels (f32 out): group g = elements 64*g .. 64*g+63
 *   64-bit kernels (f64 out): group g = elements 32*g .. 32*g+31
 * Partial groups at the ends of a range are made by filling a whole group
 * into a small buffer and copying (sample.c), so kernels never see them.
 */
#ifndef NNINIT_KERN_H
#define NNINIT_KERN_H

#include <stdint.h>

#define NNINIT__GROUP32 64 /* elements per group, one word each */
#define NNINIT__GROUP64 32 /* elements per group, two words each */

/* Parameters, already converted to what the kernels compute with.
 * uniform:  lo, span, cap          (min(fma(u, span, lo), cap))
 * normal:   mean, std              (fma(z, std, mean))
 * trunc:    pa, dp, sstd, mean, a, b
 *           (p = fma(u, dp, pa), z = Phi^-1(p), clamp(fma(z, sstd, mean)))
 */
typedef struct nninit__kargs {
    uint32_t k0, k1; /* key: seed words */
    uint32_t s0, s1; /* counter words 2, 3: stream */
    float f[6];
    double d[6];
} nninit__kargs;

/* Fill groups g0 .. g0+ngroups-1 into out. */
typedef void (*nninit__group_fn)(const nninit__kargs *ka, void *out,
                                 uint64_t g0, uint64_t ngroups);

typedef struct nninit__kernels {
    nninit__group_fn uniform_f32, normal_f32, trunc_f32;
    nninit__group_fn uniform_f64, normal_f64, trunc_f64;
} nninit__kernels;

extern const nninit__kernels nninit__kernels_scalar;
#if defined(NNINIT_HAVE_X86_SIMD)
extern const nninit__kernels nninit__kernels_avx2;
extern const nninit__kernels nninit__kernels_avx512;
#endif

#endif /* NNINIT_KERN_H */
