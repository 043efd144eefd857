/*
 * kern_scalar.c: the portable path. One lane; the same operations as the SIMD
 * paths, with fmaf/fma from libm (correctly rounded everywhere, in hardware or
 * not) for every fused multiply-add.
 */
#include "kern.h"

#include <math.h>
#include <string.h>

#define W 1
#define WD 1
#define NU 4 /* 4 blocks' Philox rounds interleaved */
#define KERNELS nninit__kernels_scalar

typedef uint32_t vu;
typedef float vf;
typedef int vm;
typedef uint64_t vq;
typedef double vd;
typedef int vmd;

static inline vu u_set1(uint32_t x) { return x; }
static inline vu u_lanes(uint32_t base) { return base; }
static inline vu u_add(vu a, vu b) { return a + b; }
static inline vu u_sub(vu a, vu b) { return a - b; }
static inline vu u_xor(vu a, vu b) { return a ^ b; }
static inline vu u_xor3(vu a, vu b, vu c) { return a ^ b ^ c; }
static inline vu u_and(vu a, vu b) { return a & b; }
static inline vu u_or(vu a, vu b) { return a | b; }
#define u_srl(a, n) ((vu)((a) >> (n)))
#define u_sll(a, n) ((vu)((a) << (n)))
static inline void u_mulhilo(vu a, uint32_t m, vu *hi, vu *lo)
{
    uint64_t p = (uint64_t)a * m;
    *hi = (uint32_t)(p >> 32);
    *lo = (uint32_t)p;
}
static inline vf u_to_f(vu a) { return (float)(int32_t)a; }
static inline vu f_as_u(vf a)
{
    vu u;
    memcpy(&u, &a, 4);
    return u;
}
static inline vf u_as_f(vu a)
{
    vf f;
    memcpy(&f, &a, 4);
    return f;
}
static inline vf f_set1(float x) { return x; }
static inline vf f_add(vf a, vf b) { return a + b; }
static inline vf f_sub(vf a, vf b) { return a - b; }
static inline vf f_mul(vf a, vf b) { return a * b; }
static inline vf f_fma(vf a, vf b, vf c) { return fmaf(a, b, c); }
static inline vf f_sqrt(vf a) { return sqrtf(a); }
/* min/max written as the SIMD instructions behave (second operand if either
 * is NaN or both are zero), not as fminf/fmaxf. */
static inline vf f_min(vf a, vf b) { return a < b ? a : b; }
static inline vf f_max(vf a, vf b) { return a > b ? a : b; }
static inline vm f_lt(vf a, vf b) { return a < b; }
static inline int f_all(vm m) { return m; }
static inline vf f_sel(vm m, vf a, vf b) { return m ? a : b; }
static inline void f_store(float *p, vf v) { *p = v; }

static inline vq q_hilo(vu hi, vu lo, int h)
{
    (void)h;
    return ((uint64_t)hi << 32) | lo;
}
static inline vq q_set1(uint64_t x) { return x; }
static inline vq q_add(vq a, vq b) { return a + b; }
static inline vq q_sub(vq a, vq b) { return a - b; }
static inline vq q_and(vq a, vq b) { return a & b; }
static inline vq q_or(vq a, vq b) { return a | b; }
static inline vq q_xor(vq a, vq b) { return a ^ b; }
#define q_srl(a, n) ((vq)((a) >> (n)))
#define q_sll(a, n) ((vq)((a) << (n)))
static inline vq d_as_q(vd a)
{
    vq u;
    memcpy(&u, &a, 8);
    return u;
}
static inline vd q_as_d(vq a)
{
    vd d;
    memcpy(&d, &a, 8);
    return d;
}
static inline vd d_set1(double x) { return x; }
static inline vd d_add(vd a, vd b) { return a + b; }
static inline vd d_sub(vd a, vd b) { return a - b; }
static inline vd d_mul(vd a, vd b) { return a * b; }
static inline vd d_div(vd a, vd b) { return a / b; }
static inline vd d_fma(vd a, vd b, vd c) { return fma(a, b, c); }
static inline vd d_sqrt(vd a) { return sqrt(a); }
static inline vd d_min(vd a, vd b) { return a < b ? a : b; }
static inline vd d_max(vd a, vd b) { return a > b ? a : b; }
static inline vmd d_lt(vd a, vd b) { return a < b; }
static inline int d_all(vmd m) { return m; }
static inline int d_any(vmd m) { return m; }
static inline vd d_sel(vmd m, vd a, vd b) { return m ? a : b; }
static inline void d_store(double *p, vd v) { *p = v; }

#include "kern_body.h"
