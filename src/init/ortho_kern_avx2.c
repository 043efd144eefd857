/*
 * ortho_kern_avx2.c: the orthogonal kernels on AVX2 + FMA (8 floats or 4
 * doubles per register; tiles of 12 accumulators, which with the 2 loaded
 * vectors and the broadcast fill 15 of the 16 registers: one more spills).
 * Compiled with -mavx2 -mfma; only called after a runtime CPU check.
 */
#include "ortho.h"

#include <immintrin.h>
#include <math.h>

#if !defined(__AVX2__)
/* Built with -mavx2 by CMake; a pass without it (an editor, a syntax
 * check) would warn about vector returns under another ABI. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
#endif

#define REAL float
#define SFX f
#define VEC __m256
#define VL 8
#define V_ZERO() _mm256_setzero_ps()
#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_STORE(p, x) _mm256_storeu_ps((p), (x))
#define V_BCAST(p) _mm256_set1_ps(*(p))
#define V_FMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define V_SUB(a, b) _mm256_sub_ps((a), (b))
#define FMA1 fmaf
#define ATB_LV 2
#define ATB_NR 6
#define SUB_RV 2
#define SUB_NR 6
#define KC 512
#include "ortho_kern_simd.h"
#undef REAL
#undef SFX
#undef VEC
#undef VL
#undef V_ZERO
#undef V_LOAD
#undef V_STORE
#undef V_BCAST
#undef V_FMA
#undef V_SUB
#undef FMA1
#undef ATB_LV
#undef ATB_NR
#undef SUB_RV
#undef SUB_NR
#undef KC

#define REAL double
#define SFX d
#define VEC __m256d
#define VL 4
#define V_ZERO() _mm256_setzero_pd()
#define V_LOAD(p) _mm256_loadu_pd(p)
#define V_STORE(p, x) _mm256_storeu_pd((p), (x))
#define V_BCAST(p) _mm256_set1_pd(*(p))
#define V_FMA(a, b, c) _mm256_fmadd_pd((a), (b), (c))
#define V_SUB(a, b) _mm256_sub_pd((a), (b))
#define FMA1 fma
#define ATB_LV 2
#define ATB_NR 6
#define SUB_RV 2
#define SUB_NR 6
#define KC 256
#include "ortho_kern_simd.h"

const nninit__ortho_kernels nninit__ortho_kernels_avx2 = {
    {atb_d, sub_d, larft_d}, {atb_f, sub_f, larft_f}};
