/*
 * torch_internal.h: what the files of src/torch share. The bulk loops live in
 * one template (torch_kern_body.h) compiled twice: portable C, and the same C
 * with -mavx2 -mfma so the compiler vectorizes it. Every operation in the
 * template is exactly rounded (explicit fma/fmaf, no contraction: the build
 * uses -ffp-contract=off), so both copies give the same bits; the choice is
 * speed only (nninit_torch_gen.simd = NNINIT_SIMD_SCALAR forces the
 * portable copy).
 */
#ifndef NNINIT_TORCH_INTERNAL_H
#define NNINIT_TORCH_INTERNAL_H

#include "../nninit_internal.h"
#include "nninit/torch.h"

#define NNINIT__MT_N 624
#define NNINIT__MT_M 397

/* The products of the blocked Householder QR (column-major): W = V^T C,
 * C -= V W, and w = C^T v (one reflector against nc columns); fixed
 * summation order, so every copy gives the same bits. */
#define NNINIT__TORCH_QR_OPS(T, NAME)                                          \
    typedef struct NAME {                                                      \
        void (*gemm_tn)(const T *V, size_t ldv, const T *C, size_t ldc, T *W,  \
                        size_t ldw, size_t mk, size_t kb, size_t nc);          \
        void (*gemm_nn_sub)(const T *V, size_t ldv, const T *W, size_t ldw,    \
                            T *C, size_t ldc, size_t mk, size_t kb,            \
                            size_t nc);                                        \
        void (*gemv_t)(const T *v, const T *C, size_t ldc, T *w, size_t mk,    \
                       size_t nc);                                             \
    } NAME;
NNINIT__TORCH_QR_OPS(double, nninit__torch_qr_d)
NNINIT__TORCH_QR_OPS(float, nninit__torch_qr_f)

typedef struct nninit__torch_kernels {
    /* One mt19937 twist of the 624-word state, in place. */
    void (*twist)(uint32_t *mt);
    /* out[i] = temper(in[i]). */
    void (*temper)(const uint32_t *in, uint32_t *out, size_t n);
    /* out[i] = from + span * U24(w[i]): fused (one rounding, AVX2) or not. */
    void (*uniform_f32)(const uint32_t *w, float *out, size_t n, float from,
                        float span, int fused);
    /* out[i] = from + span * U53(w[2i], w[2i+1]), fused or not. */
    void (*uniform_f64)(const uint32_t *w, double *out, size_t n,
                        double from, double span, int fused);
    /* U24 uniforms in [0, 1) from words (torch's uniform(0, 1)). */
    void (*unit_f32)(const uint32_t *w, float *out, size_t n);
    /* normal_fill_16_AVX2 on nblocks consecutive blocks of 16 uniforms. */
    void (*normal16_avx2)(float *d, size_t nblocks, float mean, float std);
    /* trunc_normal_ after its uniform_: x = clamp(erfinv(x)*scale + mean,
     * lo, hi), every step rounded in float; erfinv fused or not. */
    void (*trunc_tail_f32)(float *x, size_t n, float scale, float mean,
                           float lo, float hi, int fused);
    /* The QR products (torch_kern_qr.h), in double and in float. */
    nninit__torch_qr_d qr_d;
    nninit__torch_qr_f qr_f;
} nninit__torch_kernels;

extern const nninit__torch_kernels nninit__torch_kernels_scalar;
#if defined(NNINIT_HAVE_X86_SIMD)
extern const nninit__torch_kernels nninit__torch_kernels_avx2;
#endif

/* The kernel copy for a SIMD request (nninit_torch_gen.simd): the AVX2 one
 * if it resolves to AVX2 or better, else the portable one. */
const nninit__torch_kernels *nninit__torch_kernels_get(nninit_simd simd);

/* fn(ctx, begin, end) over [0, n), cut at multiples of grain, on up to
 * `threads` threads with at least min_per_thread items each (the caller's
 * thread takes the first part). The split never changes results: callers
 * only use it for elementwise work that does not touch the generator. */
void nninit__torch_parallel(int threads, size_t n, size_t grain,
                            size_t min_per_thread,
                            void (*fn)(void *ctx, size_t begin, size_t end),
                            void *ctx);

/* n tempered words from the generator, in order; with out NULL the
 * generator only moves past them (a draw whose result a later step
 * overwrites). */
void nninit__torch_words(nninit_torch_gen *g, const nninit__torch_kernels *k,
                         uint32_t *out, uint64_t n);

/* uniform_ and normal_ with data NULL allowed: then the call checks its
 * arguments and consumes exactly the draws it would, writing nothing (the
 * < 16-element normal path, whose draws depend on the generator's cached
 * value, runs for real into a small buffer). */
int nninit__torch_uniform(nninit_torch_gen *g, nninit_dtype dtype, void *data,
                          uint64_t n, double from, double to,
                          nninit_error *err);
int nninit__torch_normal(nninit_torch_gen *g, nninit_dtype dtype, void *data,
                         uint64_t n, double mean, double std,
                         nninit_error *err);

/* Householder QR of the m x n column-major matrix a (m >= n, leading
 * dimension m), replaced by Q (m x n) times diag(sign(diag R)) (0 where
 * R_jj = 0, as torch's sign()), in double (_d) or in float (_f), as LAPACK
 * works in the tensor's precision. Blocked (compact WY); the block updates
 * split over `threads` by columns, which never changes the bits. Workspace
 * through alloc. */
int nninit__torch_qr_signed_d(double *a, int64_t m, int64_t n, int threads,
                              nninit_simd simd, const nninit_allocator *alloc,
                              nninit_error *err);
int nninit__torch_qr_signed_f(float *a, int64_t m, int64_t n, int threads,
                              nninit_simd simd, const nninit_allocator *alloc,
                              nninit_error *err);

/* torch's calc_erfinv for double, with (fused) or without the FMA
 * contraction of the AVX2 build. */
double nninit__torch_erfinv(double y, int fused);

#endif /* NNINIT_TORCH_INTERNAL_H */
