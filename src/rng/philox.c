/*
 * philox.c: Philox4x32-10 and the sequential reader over it.
 *
 * Round function and constants as in Random123's philox.h: two 32x32->64
 * multiplies per round, key bumped by the Weyl constants between rounds.
 */
#include "../nninit_internal.h"

#include <math.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u /* golden ratio */
#define PHILOX_W1 0xBB67AE85u /* sqrt(3) - 1 */

nninit_philox_ctr nninit_philox4x32_10(nninit_philox_ctr c, nninit_philox_key k)
{
    uint32_t c0 = c.v[0], c1 = c.v[1], c2 = c.v[2], c3 = c.v[3];
    uint32_t k0 = k.v[0], k1 = k.v[1];
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
        uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n1 = (uint32_t)p1;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        uint32_t n3 = (uint32_t)p0;
        c0 = n0, c1 = n1, c2 = n2, c3 = n3;
    }
    nninit_philox_ctr out = {{c0, c1, c2, c3}};
    return out;
}

nninit_philox_ctr nninit_philox_block(uint64_t seed, uint64_t stream,
                                      uint64_t block)
{
    nninit_philox_ctr c = {{(uint32_t)block, (uint32_t)(block >> 32),
                            (uint32_t)stream, (uint32_t)(stream >> 32)}};
    nninit_philox_key k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    return nninit_philox4x32_10(c, k);
}

/* splitmix64's finalizer: a bijection with good avalanche. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t nninit_stream_from_name(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a offset basis */
    for (const unsigned char *p = (const unsigned char *)name; p && *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    return mix64(h);
}

uint64_t nninit_stream_derive(uint64_t stream, uint64_t tag)
{
    return mix64(stream ^ mix64(tag + 0x9E3779B97F4A7C15ull));
}

void nninit_rng_init(nninit_rng *rng, uint64_t seed, uint64_t stream)
{
    rng->seed = seed;
    rng->stream = stream;
    rng->block = 0;
    rng->pos = 4;
}

uint32_t nninit_rng_u32(nninit_rng *rng)
{
    if (rng->pos >= 4) {
        nninit_philox_ctr r =
            nninit_philox_block(rng->seed, rng->stream, rng->block++);
        for (int i = 0; i < 4; i++)
            rng->buf[i] = r.v[i];
        rng->pos = 0;
    }
    return rng->buf[rng->pos++];
}

uint64_t nninit_rng_u64(nninit_rng *rng)
{
    uint64_t hi = nninit_rng_u32(rng);
    return (hi << 32) | nninit_rng_u32(rng);
}

double nninit_rng_uniform(nninit_rng *rng)
{
    return (double)(nninit_rng_u64(rng) >> 11) * 0x1p-53;
}

uint64_t nninit_rng_below(nninit_rng *rng, uint64_t n)
{
    /* Lemire, "Fast random integer generation in an interval" (2019), with
     * 64-bit draws; for n < 2^32 the product fits 96 bits, so use 128-bit
     * arithmetic where the compiler has it and rejection otherwise. */
#if defined(__SIZEOF_INT128__)
    __extension__ typedef unsigned __int128 u128;
    u128 m = (u128)nninit_rng_u64(rng) * n;
    uint64_t lo = (uint64_t)m;
    if (lo < n) {
        uint64_t t = (0 - n) % n;
        while (lo < t) {
            m = (u128)nninit_rng_u64(rng) * n;
            lo = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
#else
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = nninit_rng_u64(rng);
    while (x >= limit);
    return x % n;
#endif
}

double nninit_rng_normal(nninit_rng *rng)
{
    double u1 = 1.0 - nninit_rng_uniform(rng); /* (0, 1] */
    double u2 = nninit_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
