/*
 * kern_avx2.c: 8 x 32-bit and 4 x 64-bit lanes, AVX2 + FMA. Compiled with
 * -mavx2 -mfma; only called after a runtime CPU check.
 *
 * Philox: the low product halves from vpmulld, the high halves from two
 * vpmuludq merged by a blend; 4 vectors (2 groups) per step interleave
 * their rounds (kern_body.h).
 */
#include "kern.h"

#include <immintrin.h>

#if !defined(__AVX2__)
/* Built with -mavx2 -mfma by CMake. A pass without those flags (an editor, a
 * syntax-only check) would warn that the static helpers below return vectors
 * under another ABI; they never cross this file, so say nothing there. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
#endif

#define W 8
#define WD 4
#define NU 4
#define KERNELS nninit__kernels_avx2

typedef __m256i vu;
typedef __m256 vf;
typedef __m256 vm;
typedef __m256i vq;
typedef __m256d vd;
typedef __m256d vmd;

static inline vu u_set1(uint32_t x) { return _mm256_set1_epi32((int)x); }
static inline vu u_lanes(uint32_t b)
{
    return _mm256_add_epi32(_mm256_set1_epi32((int)b),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline vu u_add(vu a, vu b) { return _mm256_add_epi32(a, b); }
static inline vu u_sub(vu a, vu b) { return _mm256_sub_epi32(a, b); }
static inline vu u_xor(vu a, vu b) { return _mm256_xor_si256(a, b); }
static inline vu u_xor3(vu a, vu b, vu c) { return u_xor(u_xor(a, b), c); }
static inline vu u_and(vu a, vu b) { return _mm256_and_si256(a, b); }
static inline vu u_or(vu a, vu b) { return _mm256_or_si256(a, b); }
#define u_srl(a, n) _mm256_srli_epi32((a), (n))
#define u_sll(a, n) _mm256_slli_epi32((a), (n))
static inline void u_mulhilo(vu a, uint32_t m, vu *hi, vu *lo)
{
    const vu mm = _mm256_set1_epi32((int)m);
    vu pe = _mm256_mul_epu32(a, mm);                        /* lanes 0,2,.. */
    vu po = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), mm); /* lanes 1,3,.. */
    *lo = _mm256_mullo_epi32(a, mm);
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xAA);
}
static inline vf u_to_f(vu a) { return _mm256_cvtepi32_ps(a); }
static inline vu f_as_u(vf a) { return _mm256_castps_si256(a); }
static inline vf u_as_f(vu a) { return _mm256_castsi256_ps(a); }
static inline vf f_set1(float x) { return _mm256_set1_ps(x); }
static inline vf f_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf f_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf f_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf f_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline vf f_sqrt(vf a) { return _mm256_sqrt_ps(a); }
static inline vf f_min(vf a, vf b) { return _mm256_min_ps(a, b); }
static inline vf f_max(vf a, vf b) { return _mm256_max_ps(a, b); }
static inline vm f_lt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline int f_all(vm m) { return _mm256_movemask_ps(m) == 0xFF; }
static inline vf f_sel(vm m, vf a, vf b) { return _mm256_blendv_ps(b, a, m); }
static inline void f_store(float *p, vf v) { _mm256_storeu_ps(p, v); }

/* u64 lanes (hi[j] << 32) | lo[j] for j = 4h .. 4h+3. */
static inline vq q_hilo(vu hi, vu lo, int h)
{
    vq a = _mm256_unpacklo_epi32(lo, hi); /* j = 0, 1, 4, 5 */
    vq b = _mm256_unpackhi_epi32(lo, hi); /* j = 2, 3, 6, 7 */
    return h ? _mm256_permute2x128_si256(a, b, 0x31)
             : _mm256_permute2x128_si256(a, b, 0x20);
}
static inline vq q_set1(uint64_t x) { return _mm256_set1_epi64x((long long)x); }
static inline vq q_add(vq a, vq b) { return _mm256_add_epi64(a, b); }
static inline vq q_sub(vq a, vq b) { return _mm256_sub_epi64(a, b); }
static inline vq q_and(vq a, vq b) { return _mm256_and_si256(a, b); }
static inline vq q_or(vq a, vq b) { return _mm256_or_si256(a, b); }
static inline vq q_xor(vq a, vq b) { return _mm256_xor_si256(a, b); }
#define q_srl(a, n) _mm256_srli_epi64((a), (n))
#define q_sll(a, n) _mm256_slli_epi64((a), (n))
static inline vq d_as_q(vd a) { return _mm256_castpd_si256(a); }
static inline vd q_as_d(vq a) { return _mm256_castsi256_pd(a); }
static inline vd d_set1(double x) { return _mm256_set1_pd(x); }
static inline vd d_add(vd a, vd b) { return _mm256_add_pd(a, b); }
static inline vd d_sub(vd a, vd b) { return _mm256_sub_pd(a, b); }
static inline vd d_mul(vd a, vd b) { return _mm256_mul_pd(a, b); }
static inline vd d_div(vd a, vd b) { return _mm256_div_pd(a, b); }
static inline vd d_fma(vd a, vd b, vd c) { return _mm256_fmadd_pd(a, b, c); }
static inline vd d_sqrt(vd a) { return _mm256_sqrt_pd(a); }
static inline vd d_min(vd a, vd b) { return _mm256_min_pd(a, b); }
static inline vd d_max(vd a, vd b) { return _mm256_max_pd(a, b); }
static inline vmd d_lt(vd a, vd b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
static inline int d_all(vmd m) { return _mm256_movemask_pd(m) == 0xF; }
static inline int d_any(vmd m) { return _mm256_movemask_pd(m) != 0; }
static inline vd d_sel(vmd m, vd a, vd b) { return _mm256_blendv_pd(b, a, m); }
static inline void d_store(double *p, vd v) { _mm256_storeu_pd(p, v); }

#include "kern_body.h"
