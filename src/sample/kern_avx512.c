/*
 * kern_avx512.c: 16 x 32-bit and 8 x 64-bit lanes, AVX-512F only. Compiled
 * with -mavx512f; only called after a runtime CPU check.
 *
 * Philox: the low halves of the products come from one vpmulld, the high
 * halves from two vpmuludq (even and odd lanes) merged by one masked
 * vpshufd, and the two xors of a round are one vpternlogd. Four vectors
 * (4 groups) per step interleave their rounds so the multiply latency is
 * hidden (measured on Zen 5: 2.2x the blocks/s of one vector at a time).
 */
#include "kern.h"

#include <immintrin.h>

#if !defined(__AVX2__)
/* Built with -mavx512f by CMake. A pass without those flags (an editor, a
 * syntax-only check) would warn that the static helpers below return vectors
 * under another ABI; they never cross this file, so say nothing there. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
#endif

#define W 16
#define WD 8
#define NU 4
#define KERNELS nninit__kernels_avx512

typedef __m512i vu;
typedef __m512 vf;
typedef __mmask16 vm;
typedef __m512i vq;
typedef __m512d vd;
typedef __mmask8 vmd;

static inline vu u_set1(uint32_t x) { return _mm512_set1_epi32((int)x); }
static inline vu u_lanes(uint32_t b)
{
    return _mm512_add_epi32(_mm512_set1_epi32((int)b),
                            _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
                                              10, 11, 12, 13, 14, 15));
}
static inline vu u_add(vu a, vu b) { return _mm512_add_epi32(a, b); }
static inline vu u_sub(vu a, vu b) { return _mm512_sub_epi32(a, b); }
static inline vu u_xor(vu a, vu b) { return _mm512_xor_si512(a, b); }
static inline vu u_xor3(vu a, vu b, vu c)
{
    return _mm512_ternarylogic_epi32(a, b, c, 0x96);
}
static inline vu u_and(vu a, vu b) { return _mm512_and_si512(a, b); }
static inline vu u_or(vu a, vu b) { return _mm512_or_si512(a, b); }
#define u_srl(a, n) _mm512_srli_epi32((a), (n))
#define u_sll(a, n) _mm512_slli_epi32((a), (n))
static inline void u_mulhilo(vu a, uint32_t m, vu *hi, vu *lo)
{
    const vu mm = _mm512_set1_epi32((int)m);
    vu pe = _mm512_mul_epu32(a, mm);
    vu po = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), mm);
    *lo = _mm512_mullo_epi32(a, mm);
    /* even lanes: the odd dwords of pe; odd lanes: po as it is */
    *hi = _mm512_mask_shuffle_epi32(po, 0x5555, pe, _MM_PERM_DDBB);
}
static inline vf u_to_f(vu a) { return _mm512_cvtepi32_ps(a); }
static inline vu f_as_u(vf a) { return _mm512_castps_si512(a); }
static inline vf u_as_f(vu a) { return _mm512_castsi512_ps(a); }
static inline vf f_set1(float x) { return _mm512_set1_ps(x); }
static inline vf f_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf f_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf f_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf f_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline vf f_sqrt(vf a) { return _mm512_sqrt_ps(a); }
static inline vf f_min(vf a, vf b) { return _mm512_min_ps(a, b); }
static inline vf f_max(vf a, vf b) { return _mm512_max_ps(a, b); }
static inline vm f_lt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline int f_all(vm m) { return m == 0xFFFF; }
static inline vf f_sel(vm m, vf a, vf b) { return _mm512_mask_blend_ps(m, b, a); }
static inline void f_store(float *p, vf v) { _mm512_storeu_ps(p, v); }

/* u64 lanes (hi[j] << 32) | lo[j] for j = 8h .. 8h+7: one vpermt2d. */
static inline vq q_hilo(vu hi, vu lo, int h)
{
    const vu idx0 = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5,
                                      21, 6, 22, 7, 23);
    const vu idx1 = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28,
                                      13, 29, 14, 30, 15, 31);
    return _mm512_permutex2var_epi32(lo, h ? idx1 : idx0, hi);
}
static inline vq q_set1(uint64_t x) { return _mm512_set1_epi64((long long)x); }
static inline vq q_add(vq a, vq b) { return _mm512_add_epi64(a, b); }
static inline vq q_sub(vq a, vq b) { return _mm512_sub_epi64(a, b); }
static inline vq q_and(vq a, vq b) { return _mm512_and_si512(a, b); }
static inline vq q_or(vq a, vq b) { return _mm512_or_si512(a, b); }
static inline vq q_xor(vq a, vq b) { return _mm512_xor_si512(a, b); }
#define q_srl(a, n) _mm512_srli_epi64((a), (n))
#define q_sll(a, n) _mm512_slli_epi64((a), (n))
static inline vq d_as_q(vd a) { return _mm512_castpd_si512(a); }
static inline vd q_as_d(vq a) { return _mm512_castsi512_pd(a); }
static inline vd d_set1(double x) { return _mm512_set1_pd(x); }
static inline vd d_add(vd a, vd b) { return _mm512_add_pd(a, b); }
static inline vd d_sub(vd a, vd b) { return _mm512_sub_pd(a, b); }
static inline vd d_mul(vd a, vd b) { return _mm512_mul_pd(a, b); }
static inline vd d_div(vd a, vd b) { return _mm512_div_pd(a, b); }
static inline vd d_fma(vd a, vd b, vd c) { return _mm512_fmadd_pd(a, b, c); }
static inline vd d_sqrt(vd a) { return _mm512_sqrt_pd(a); }
static inline vd d_min(vd a, vd b) { return _mm512_min_pd(a, b); }
static inline vd d_max(vd a, vd b) { return _mm512_max_pd(a, b); }
static inline vmd d_lt(vd a, vd b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
static inline int d_all(vmd m) { return m == 0xFF; }
static inline int d_any(vmd m) { return m != 0; }
static inline vd d_sel(vmd m, vd a, vd b) { return _mm512_mask_blend_pd(m, b, a); }
static inline void d_store(double *p, vd v) { _mm512_storeu_pd(p, v); }

#include "kern_body.h"
