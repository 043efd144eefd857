/*
 * ortho_kern_avx512.c: the orthogonal kernels on AVX-512F (16 floats or 8
 * doubles per register; 24 accumulators per tile). Compiled with -mavx512f
 * -mfma; only called after a runtime CPU check.
 */
#include "ortho.h"

#include <immintrin.h>
#include <math.h>

#if !defined(__AVX512F__)
/* Built with -mavx512f by CMake; a pass without it (an editor, a syntax
 * check) would warn about vector returns under another ABI. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
#endif

#define REAL float
#define SFX f
#define VEC __m512
#define VL 16
#define V_ZERO() _mm512_setzero_ps()
#define V_LOAD(p) _mm512_loadu_ps(p)
#define V_STORE(p, x) _mm512_storeu_ps((p), (x))
#define V_BCAST(p) _mm512_set1_ps(*(p))
#define V_FMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define V_SUB(a, b) _mm512_sub_ps((a), (b))
#define FMA1 fmaf
#define ATB_LV 4
#define ATB_NR 6
#define SUB_RV 2
#define SUB_NR 12
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
#define VEC __m512d
#define VL 8
#define V_ZERO() _mm512_setzero_pd()
#define V_LOAD(p) _mm512_loadu_pd(p)
#define V_STORE(p, x) _mm512_storeu_pd((p), (x))
#define V_BCAST(p) _mm512_set1_pd(*(p))
#define V_FMA(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define V_SUB(a, b) _mm512_sub_pd((a), (b))
#define FMA1 fma
#define ATB_LV 4
#define ATB_NR 6
#define SUB_RV 4
#define SUB_NR 6
#define KC 256
#include "ortho_kern_simd.h"

const nninit__ortho_kernels nninit__ortho_kernels_avx512 = {
    {atb_d, sub_d, larft_d}, {atb_f, sub_f, larft_f}};
