/*
 * nninit/rng.h: the counter-based generator behind every random tensor.
 *
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
 * SC 2011) is a pure function of a 128-bit counter and a 64-bit key, checked
 * against Random123's published known-answer vectors. nninit uses it so that
 * element i of a tensor depends only on (seed, stream, i, initializer,
 * parameters, dtype): never on threads, SIMD width, ranges or other tensors.
 *
 * The word layout (the determinism contract; fixed forever for a major
 * version): for a tensor with 64-bit `seed` and 64-bit `stream`,
 *     key     = (seed & 0xffffffff, seed >> 32)
 *     counter = (block & 0xffffffff, block >> 32, stream & 0xffffffff,
 *                stream >> 32)
 * and philox4x32_10(counter, key) yields the 4 words of `block`.
 * Kernels that draw one 32-bit word per element read element i from
 *     block = 16*(i/64) + i%16,  word = (i/16) % 4
 * and kernels that draw two words (64 bits) per element read element i from
 *     block = 16*(i/32) + i%16,  words = 2*((i/16)%2) and the next one.
 * This "16 lanes" interleave lets a SIMD kernel store whole vectors without
 * transposing, and the scalar kernel reproduces it exactly.
 *
 * Quickstart:
 *     nninit_philox_ctr c = {{0, 0, 0, 0}};
 *     nninit_philox_key k = {{42, 0}};
 *     nninit_philox_ctr r = nninit_philox4x32_10(c, k);   // 4 random words
 *
 *     nninit_rng g;                                        // a sequential view
 *     nninit_rng_init(&g, 42, nninit_stream_from_name("fc1.weight"));
 *     double u = nninit_rng_uniform(&g);                   // [0, 1)
 */
#ifndef NNINIT_RNG_H
#define NNINIT_RNG_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nninit_philox_ctr {
    uint32_t v[4];
} nninit_philox_ctr;

typedef struct nninit_philox_key {
    uint32_t v[2];
} nninit_philox_key;

/* Philox4x32 with 10 rounds: a pure function, safe from any thread. */
NNINIT_API nninit_philox_ctr nninit_philox4x32_10(nninit_philox_ctr ctr,
                                                  nninit_philox_key key);

/* The 4 words of `block` of the tensor stream (seed, stream), laid out as the
 * contract above says. */
NNINIT_API nninit_philox_ctr nninit_philox_block(uint64_t seed, uint64_t stream,
                                                 uint64_t block);

/* Stream id of a named tensor: a 64-bit hash of the name (FNV-1a, then the
 * splitmix64 finalizer). Adding or renaming other tensors never changes it. */
NNINIT_API uint64_t nninit_stream_from_name(const char *name);

/* Derive a sub-stream (e.g. the mask of column j of a sparse tensor) from a
 * stream and a purpose tag; a bijective mix, so distinct (stream, tag) pairs
 * give distinct ids with overwhelming probability. */
NNINIT_API uint64_t nninit_stream_derive(uint64_t stream, uint64_t tag);

/* A sequential reader over one (seed, stream): consumes blocks 0, 1, 2, ...
 * in order. Explicit state, no globals; copy it to fork. */
typedef struct nninit_rng {
    uint64_t seed;
    uint64_t stream;
    uint64_t block; /* next block to generate */
    uint32_t buf[4];
    unsigned pos; /* words of buf already used (4 = empty) */
} nninit_rng;

NNINIT_API void nninit_rng_init(nninit_rng *rng, uint64_t seed,
                                uint64_t stream);
NNINIT_API uint32_t nninit_rng_u32(nninit_rng *rng);
NNINIT_API uint64_t nninit_rng_u64(nninit_rng *rng);
/* Uniform in [0, 1) with 53 random bits. */
NNINIT_API double nninit_rng_uniform(nninit_rng *rng);
/* Uniform integer in [0, n) without modulo bias (Lemire's method); n > 0. */
NNINIT_API uint64_t nninit_rng_below(nninit_rng *rng, uint64_t n);
/* Standard normal (Box-Muller in double through libm; for lab and tests,
 * not for tensor fills, which use the bit-exact kernels of sample.h). */
NNINIT_API double nninit_rng_normal(nninit_rng *rng);

#ifdef __cplusplus
}
#endif

#endif /* NNINIT_RNG_H */
