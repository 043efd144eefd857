/*
 * kern_body.h: the fill kernels, written once over a small vector vocabulary
 * and included by each ISA file (scalar, AVX2, AVX-512). Because every path
 * runs this same sequence of operations, with explicit fused multiply-adds
 * and no library calls, the outputs agree bit for bit.
 *
 * The including file defines, before including this one:
 *   W, WD        lanes of the 32-bit and of the 64-bit vectors (W == WD or
 *                W == 2*WD)
 *   NU           32-bit vectors whose Philox rounds run interleaved
 *   KERNELS      the name of the nninit__kernels table to define
 *   types        vu (u32 x W), vf (f32 x W), vm (mask for vf),
 *                vq (u64 x WD), vd (f64 x WD), vmd (mask for vd)
 *   u_set1 u_lanes u_add u_sub u_xor u_xor3 u_and u_or u_srl u_sll u_mulhilo
 *   u_to_f (int32 -> f32, round to nearest even) f_as_u u_as_f
 *   f_set1 f_add f_sub f_mul f_fma f_sqrt f_min f_max f_lt f_all f_sel
 *   f_store
 *   q_hilo(hi, lo, h): lanes h*WD .. h*WD+WD-1 of two vu as u64 hi:lo
 *   q_set1 q_add q_sub q_and q_or q_xor q_srl q_sll d_as_q q_as_d
 *   d_set1 d_add d_sub d_mul d_div d_fma d_sqrt d_min d_max d_lt d_all d_any
 *   d_sel d_store
 * with f_fma(a, b, c) = a*b + c rounded once, f_sel(m, a, b) = m ? a : b,
 * f_all(m) = every lane of m is set and d_any(m) = some lane is.
 *
 * The math: Philox4x32-10 (rng.h), Box-Muller with a Cephes-style logf and
 * sin/cos polynomials (f32) or fdlibm's log/sin/cos kernels (f64), and the
 * inverse normal CDF by Giles' erfinv (f32) or Wichura's AS241 (f64). The
 * angle of Box-Muller comes straight from the integer word, so the range
 * reduction is exact integer arithmetic.
 *
 * Speed: Philox is a chain of 10 dependent rounds, so one vector of counters
 * leaves most of the core idle waiting on multiply latency. Each step runs
 * the rounds of NU vectors (NU*W consecutive blocks) interleaved, with the
 * round keys computed once per call. The long polynomial chains (log,
 * erfinv) likewise run 2 or 4 vectors statement by statement (LANES).
 * Branches that skip a polynomial when no lane of a vector needs it only
 * skip work whose result the selects would discard: they change no bit, and
 * every path still does the same arithmetic on every value it keeps.
 */

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/* The step and the per-vector math must inline into each kernel, so the
 * NU x 4 words stay in registers (clang otherwise calls philox_step and
 * passes them through memory: half the speed). */
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

#if defined(__clang__)
#define UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define UNROLL _Pragma("GCC unroll 16")
#else
#define UNROLL
#endif

/* The 20 round keys of Philox4x32-10 for key (k0, k1). */
static inline void round_keys(const nninit__kargs *ka, uint32_t rk[20])
{
    uint32_t k0 = ka->k0, k1 = ka->k1;
    for (int r = 0; r < 10; r++) {
        rk[2 * r] = k0;
        rk[2 * r + 1] = k1;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
}

/* The 4 words of the NU*W blocks first .. first+NU*W-1: x[u][k] holds word k
 * of blocks first+u*W .. first+u*W+W-1 (first is a multiple of W, so the
 * lanes of one vector share the high word of the block index). */
static ALWAYS_INLINE void philox_step(const nninit__kargs *ka,
                                      const uint32_t rk[20], uint64_t first,
                                      vu x[NU][4])
{
    UNROLL for (int u = 0; u < NU; u++) {
        uint64_t b = first + (uint64_t)u * W;
        x[u][0] = u_lanes((uint32_t)b);
        x[u][1] = u_set1((uint32_t)(b >> 32));
        x[u][2] = u_set1(ka->s0);
        x[u][3] = u_set1(ka->s1);
    }
    UNROLL for (int r = 0; r < 10; r++) {
        const vu k0 = u_set1(rk[2 * r]), k1 = u_set1(rk[2 * r + 1]);
        UNROLL for (int u = 0; u < NU; u++) {
            vu hi0, lo0, hi1, lo1;
            u_mulhilo(x[u][0], PHILOX_M0, &hi0, &lo0);
            u_mulhilo(x[u][2], PHILOX_M1, &hi1, &lo1);
            x[u][0] = u_xor3(hi1, x[u][1], k0);
            x[u][2] = u_xor3(hi0, x[u][3], k1);
            x[u][1] = lo1;
            x[u][3] = lo0;
        }
    }
}

/* Where block b (counted from the call's first block) starts in the output,
 * in elements: group b/16 holds G elements, lane b%16 of each 16-run. */
#define OFF32(b) (64 * ((b) / 16) + (b) % 16)
#define OFF64(b) (32 * ((b) / 16) + (b) % 16)

/* The loop of every kernel: whole steps of NU vectors, then one last step
 * that computes NU vectors and keeps the ones inside the call. VEC(x, p)
 * turns the 4 words x[0..3] of one vector of blocks into output at p. */
#define STEP_LOOP(T, OFF, VEC)                                                 \
    do {                                                                       \
        T *o_ = (T *)out;                                                      \
        uint32_t rk_[20];                                                      \
        round_keys(ka, rk_);                                                   \
        const uint64_t b0_ = 16 * g0, bend_ = 16 * (g0 + ng);                  \
        uint64_t b_ = b0_;                                                     \
        vu x_[NU][4];                                                          \
        for (; bend_ - b_ >= NU * W; b_ += NU * W) {                           \
            philox_step(ka, rk_, b_, x_);                                      \
            UNROLL for (int u_ = 0; u_ < NU; u_++)                             \
                VEC(x_[u_], o_ + OFF(b_ - b0_ + (uint64_t)u_ * W));            \
        }                                                                      \
        if (b_ < bend_) {                                                      \
            philox_step(ka, rk_, b_, x_);                                      \
            for (int u_ = 0; u_ < (int)((bend_ - b_) / W); u_++)               \
                VEC(x_[u_], o_ + OFF(b_ - b0_ + (uint64_t)u_ * W));            \
        }                                                                      \
    } while (0)

/* ------------------------------------------------------------------------ */
/* f32 math                                                                 */
/* ------------------------------------------------------------------------ */

/* Uniform [0, 1) from the top 24 bits; exact. */
static inline vf unit24(vu w)
{
    return f_mul(u_to_f(u_srl(w, 8)), f_set1(0x1p-24f));
}

/* Uniform in (0, 1), the midpoints of the 2^24 cells; exact. */
static inline vf unit24_mid(vu w)
{
    return f_fma(u_to_f(u_srl(w, 8)), f_set1(0x1p-24f), f_set1(0x1p-25f));
}

/* Uniform in [2^-32, 1]: 31 bits, fine-grained near 0 where log needs them. */
static inline vf unit_open0(vu w)
{
    return f_fma(u_to_f(u_srl(w, 1)), f_set1(0x1p-31f), f_set1(0x1p-32f));
}

/* Statements applied to each of n independent vectors in turn, so the n
 * dependency chains interleave in program order and the core overlaps their
 * latencies (every lane still sees exactly the same operations). */
#define LANES(n, ...)                                                          \
    UNROLL for (int i_ = 0; i_ < (n); i_++) { __VA_ARGS__; }

/* Natural log for normal floats in (0, 1] (Cephes logf: x = m*2^e with m in
 * [sqrt(1/2), sqrt(2)), degree-8 polynomial, ln 2 split in two parts), of
 * n <= 4 vectors at once. */
static ALWAYS_INLINE void log_fn(const vf *x, vf *res, const int n)
{
    vf e[4], t[4], z[4], y[4];
    LANES(n, vu bits = f_as_u(x[i_]);
          e[i_] = f_sub(u_to_f(u_srl(bits, 23)), f_set1(126.0f));
          vf m = u_as_f(u_or(u_and(bits, u_set1(0x007fffffu)),
                             u_set1(0x3f000000u)));
          vm small = f_lt(m, f_set1(0.707106781186547524f));
          t[i_] = f_sub(m, f_set1(1.0f));
          /* 2m-1 or m-1, both exact */
          t[i_] = f_add(t[i_], f_sel(small, m, f_set1(0.0f)));
          e[i_] = f_sub(e[i_], f_sel(small, f_set1(1.0f), f_set1(0.0f)));
          z[i_] = f_mul(t[i_], t[i_]); y[i_] = f_set1(7.0376836292e-2f))
    LANES(n, y[i_] = f_fma(y[i_], t[i_], f_set1(-1.1514610310e-1f)))
    LANES(n, y[i_] = f_fma(y[i_], t[i_], f_set1(1.1676998740e-1f)))
    LANES(n, y[i_] = f_fma(y[i_], t[i_], f_set1(-1.2420140846e-1f)))
    LANES(n, y[i_] = f_fma(y[i_], t[i_], f_set1(1.4249322787e-1f)))
    LANES(n, y[i_] = f_fma(y[i_], t[i_], f_set1(-1.6668057665e-1f)))
    LANES(n, y[i_] = f_fma(y[i_], t[i_], f_set1(2.0000714765e-1f)))
    LANES(n, y[i_] = f_fma(y[i_], t[i_], f_set1(-2.4999993993e-1f)))
    LANES(n, y[i_] = f_fma(y[i_], t[i_], f_set1(3.3333331174e-1f)))
    LANES(n, y[i_] = f_mul(y[i_], f_mul(t[i_], z[i_]));
          y[i_] = f_fma(e[i_], f_set1(-2.12194440e-4f), y[i_]);
          y[i_] = f_fma(f_set1(-0.5f), z[i_], y[i_]);
          vf r = f_add(t[i_], y[i_]);
          res[i_] = f_fma(e[i_], f_set1(0.693359375f), r))
}

static inline vf log_f(vf x)
{
    vf r;
    log_fn(&x, &r, 1);
    return r;
}

/* cos and sin of 2*pi*w/2^32. The nearest quarter turn n comes from the top
 * bits; the rest is a signed 30-bit offset, so |x| <= pi/4 exactly. */
static inline void sincos_turn_f(vu w, vf *c, vf *s)
{
    vu n = u_srl(u_add(w, u_set1(1u << 29)), 30);
    vu rem = u_sub(w, u_sll(n, 30)); /* int32 in [-2^29, 2^29) */
    vf x = f_mul(u_to_f(rem), f_set1(1.46291807926715968e-9f)); /* 2pi/2^32 */
    vf z = f_mul(x, x);
    vf ps = f_set1(-1.9515295891e-4f);
    ps = f_fma(ps, z, f_set1(8.3321608736e-3f));
    ps = f_fma(ps, z, f_set1(-1.6666654611e-1f));
    vf sn = f_fma(ps, f_mul(x, z), x);
    vf pc = f_set1(2.443315711809948e-5f);
    pc = f_fma(pc, z, f_set1(-1.388731625493765e-3f));
    pc = f_fma(pc, z, f_set1(4.166664568298827e-2f));
    vf cs = f_fma(pc, f_mul(z, z), f_fma(f_set1(-0.5f), z, f_set1(1.0f)));
    /* rotate by n quarter turns: odd n swaps, signs from n */
    vu swap = u_sub(u_set1(0), u_and(n, u_set1(1)));
    vu keep = u_xor(swap, u_set1(0xffffffffu));
    vu cb = f_as_u(cs), sb = f_as_u(sn);
    vu cc = u_or(u_and(cb, keep), u_and(sb, swap));
    vu ss = u_or(u_and(sb, keep), u_and(cb, swap));
    *c = u_as_f(u_xor(cc, u_sll(u_and(u_add(n, u_set1(1)), u_set1(2)), 30)));
    *s = u_as_f(u_xor(ss, u_sll(u_and(n, u_set1(2)), 30)));
}

/* Standard normal quantile for p in (0, 1), from Giles' single-precision
 * erfinv ("Approximating the erfinv function", 2010) at x = 2p - 1, with the
 * log argument (1-x)(1+x) = 4p(1-p) formed from p so small p keep their
 * relative precision; n <= 4 vectors at once. */
static ALWAYS_INLINE void ndtri_fn(const vf *p, vf *res, const int n)
{
    vf t[4], w[4], w1[4], p1[4];
    LANES(n, vf q = f_sub(f_set1(1.0f), p[i_]);
          t[i_] = f_min(f_mul(f_mul(f_set1(4.0f), p[i_]), q), f_set1(1.0f)))
    log_fn(t, w, n);
    LANES(n, w[i_] = f_sub(f_set1(0.0f), w[i_]);
          w1[i_] = f_sub(w[i_], f_set1(2.5f));
          p1[i_] = f_set1(2.81022636e-08f))
    LANES(n, p1[i_] = f_fma(p1[i_], w1[i_], f_set1(3.43273939e-07f)))
    LANES(n, p1[i_] = f_fma(p1[i_], w1[i_], f_set1(-3.5233877e-06f)))
    LANES(n, p1[i_] = f_fma(p1[i_], w1[i_], f_set1(-4.39150654e-06f)))
    LANES(n, p1[i_] = f_fma(p1[i_], w1[i_], f_set1(0.00021858087f)))
    LANES(n, p1[i_] = f_fma(p1[i_], w1[i_], f_set1(-0.00125372503f)))
    LANES(n, p1[i_] = f_fma(p1[i_], w1[i_], f_set1(-0.00417768164f)))
    LANES(n, p1[i_] = f_fma(p1[i_], w1[i_], f_set1(0.246640727f)))
    LANES(n, p1[i_] = f_fma(p1[i_], w1[i_], f_set1(1.50140941f)))
    LANES(n, vm central = f_lt(w[i_], f_set1(5.0f)); vf poly = p1[i_];
          if (!f_all(central)) { /* some p below ~0.0017 or above ~0.9983 */
              vf w2 = f_sub(f_sqrt(w[i_]), f_set1(3.0f));
              vf p2 = f_set1(-0.000200214257f);
              p2 = f_fma(p2, w2, f_set1(0.000100950558f));
              p2 = f_fma(p2, w2, f_set1(0.00134934322f));
              p2 = f_fma(p2, w2, f_set1(-0.00367342844f));
              p2 = f_fma(p2, w2, f_set1(0.00573950773f));
              p2 = f_fma(p2, w2, f_set1(-0.0076224613f));
              p2 = f_fma(p2, w2, f_set1(0.00943887047f));
              p2 = f_fma(p2, w2, f_set1(1.00167406f));
              p2 = f_fma(p2, w2, f_set1(2.83297682f));
              poly = f_sel(central, p1[i_], p2);
          }
          vf x = f_fma(f_set1(2.0f), p[i_], f_set1(-1.0f));
          res[i_] = f_mul(f_mul(poly, x), f_set1(1.41421356237309505f)))
}

/* ------------------------------------------------------------------------ */
/* f32 kernels                                                              */
/* ------------------------------------------------------------------------ */

static ALWAYS_INLINE void uniform_vec_f32(const vu x[4], float *p, vf lo,
                                          vf span, vf cap)
{
    UNROLL for (int k = 0; k < 4; k++)
        f_store(p + 16 * k, f_min(f_fma(unit24(x[k]), span, lo), cap));
}

static void uniform_f32(const nninit__kargs *ka, void *out, uint64_t g0,
                        uint64_t ng)
{
    const vf lo = f_set1(ka->f[0]), span = f_set1(ka->f[1]),
             cap = f_set1(ka->f[2]);
#define VEC(x, p) uniform_vec_f32(x, p, lo, span, cap)
    STEP_LOOP(float, OFF32, VEC);
#undef VEC
}

static ALWAYS_INLINE void normal_vec_f32(const vu x[4], float *p, vf mean,
                                         vf sd)
{
    vf u[2], l[2];
    LANES(2, u[i_] = unit_open0(x[2 * i_]))
    log_fn(u, l, 2);
    LANES(2, vf r = f_sqrt(f_mul(f_set1(-2.0f), l[i_])); vf c, s;
          sincos_turn_f(x[2 * i_ + 1], &c, &s);
          f_store(p + 32 * i_, f_fma(f_mul(r, c), sd, mean));
          f_store(p + 32 * i_ + 16, f_fma(f_mul(r, s), sd, mean)))
}

static void normal_f32(const nninit__kargs *ka, void *out, uint64_t g0,
                       uint64_t ng)
{
    const vf mean = f_set1(ka->f[0]), sd = f_set1(ka->f[1]);
#define VEC(x, p) normal_vec_f32(x, p, mean, sd)
    STEP_LOOP(float, OFF32, VEC);
#undef VEC
}

/* p = pa + u*dp, z = Phi^-1(p), clamp(mean + z*sstd) to [a, b] */
typedef struct trunc_f32_args {
    vf pa, dp, sstd, mean, a, b;
} trunc_f32_args;

static ALWAYS_INLINE void trunc_vec_f32(const vu x[4], float *p,
                                        const trunc_f32_args *t)
{
    vf q[4], z[4];
    LANES(4, q[i_] = f_fma(unit24_mid(x[i_]), t->dp, t->pa))
    ndtri_fn(q, z, 4);
    LANES(4, vf v = f_fma(z[i_], t->sstd, t->mean);
          f_store(p + 16 * i_, f_min(f_max(v, t->a), t->b)))
}

static void trunc_f32(const nninit__kargs *ka, void *out, uint64_t g0,
                      uint64_t ng)
{
    const trunc_f32_args t = {f_set1(ka->f[0]), f_set1(ka->f[1]),
                              f_set1(ka->f[2]), f_set1(ka->f[3]),
                              f_set1(ka->f[4]), f_set1(ka->f[5])};
#define VEC(x, p) trunc_vec_f32(x, p, &t)
    STEP_LOOP(float, OFF32, VEC);
#undef VEC
}

/* ------------------------------------------------------------------------ */
/* f64 math                                                                 */
/* ------------------------------------------------------------------------ */

#define EXP_ONE 0x3ff0000000000000ull
#define MAGIC_BITS 0x4338000000000000ull /* 2^52 + 2^51 */

/* Exact conversion of a small signed integer held in a u64 (|v| < 2^51). */
static inline vd small_int_to_d(vq v)
{
    return d_sub(q_as_d(q_add(q_set1(MAGIC_BITS), v)),
                 d_set1(6755399441055744.0));
}

/* Uniform [0, 1) from the top 52 bits of a 64-bit word; exact. */
static inline vd unit52(vq w)
{
    return d_sub(q_as_d(q_or(q_srl(w, 12), q_set1(EXP_ONE))), d_set1(1.0));
}

/* Natural log for normal doubles in (0, 1] (fdlibm e_log.c: f = m-1 with m in
 * [sqrt(1/2), sqrt(2)), s = f/(2+f), polynomial Lg1..Lg7 in s^2). */
static inline vd log_d(vd x)
{
    vq bits = d_as_q(x);
    vd k = d_sub(small_int_to_d(q_srl(bits, 52)), d_set1(1022.0));
    vd m = q_as_d(q_or(q_and(bits, q_set1(0x000fffffffffffffull)),
                       q_set1(0x3fe0000000000000ull))); /* [0.5, 1) */
    vmd small = d_lt(m, d_set1(0.70710678118654752440));
    m = d_add(m, d_sel(small, m, d_set1(0.0))); /* 2m is exact */
    k = d_sub(k, d_sel(small, d_set1(1.0), d_set1(0.0)));
    vd f = d_sub(m, d_set1(1.0));
    vd s = d_div(f, d_add(d_set1(2.0), f));
    vd z = d_mul(s, s);
    vd R = d_set1(1.479819860511658591e-01);
    R = d_fma(R, z, d_set1(1.531383769920937332e-01));
    R = d_fma(R, z, d_set1(1.818357216161805012e-01));
    R = d_fma(R, z, d_set1(2.222219843214978396e-01));
    R = d_fma(R, z, d_set1(2.857142874366239149e-01));
    R = d_fma(R, z, d_set1(3.999999999940941908e-01));
    R = d_fma(R, z, d_set1(6.666666666666735130e-01));
    R = d_mul(R, z);
    vd hfsq = d_mul(d_mul(d_set1(0.5), f), f);
    vd t = d_fma(s, d_add(hfsq, R), d_mul(k, d_set1(1.90821492927058770002e-10)));
    t = d_sub(d_sub(hfsq, t), f);
    return d_sub(d_mul(k, d_set1(6.93147180369123816490e-01)), t);
}

/* cos and sin of 2*pi*t/2^52 for the top 52 bits t of a 64-bit word (fdlibm
 * __kernel_sin/__kernel_cos on |x| <= pi/4). */
static inline void sincos_turn_d(vq w, vd *c, vd *s)
{
    vq t = q_srl(w, 12);
    vq n = q_srl(q_add(t, q_set1(1ull << 49)), 50); /* 0..4 */
    vq rem = q_sub(t, q_sll(n, 50)); /* int64 in [-2^49, 2^49) */
    n = q_and(n, q_set1(3));
    vd x = d_mul(small_int_to_d(rem), d_set1(1.3951473992034527e-15)); /* 2pi/2^52 */
    vd z = d_mul(x, x);
    vd r = d_set1(1.58969099521155010221e-10);
    r = d_fma(r, z, d_set1(-2.50507602534068634195e-08));
    r = d_fma(r, z, d_set1(2.75573137070700676789e-06));
    r = d_fma(r, z, d_set1(-1.98412698298579493134e-04));
    r = d_fma(r, z, d_set1(8.33333333332248946124e-03));
    vd sn = d_fma(d_mul(z, x), d_fma(z, r, d_set1(-1.66666666666666324348e-01)), x);
    vd rc = d_set1(-1.13596475577881948265e-11);
    rc = d_fma(rc, z, d_set1(2.08757232129817482790e-09));
    rc = d_fma(rc, z, d_set1(-2.75573143513906633035e-07));
    rc = d_fma(rc, z, d_set1(2.48015872894767294178e-05));
    rc = d_fma(rc, z, d_set1(-1.38888888888741095749e-03));
    rc = d_fma(rc, z, d_set1(4.16666666666666019037e-02));
    rc = d_mul(rc, z);
    vd hz = d_mul(d_set1(0.5), z);
    vd wv = d_sub(d_set1(1.0), hz);
    vd cs = d_add(wv, d_fma(z, rc, d_sub(d_sub(d_set1(1.0), wv), hz)));
    vq swap = q_sub(q_set1(0), q_and(n, q_set1(1)));
    vq keep = q_xor(swap, q_set1(~0ull));
    vq cb = d_as_q(cs), sb = d_as_q(sn);
    vq cc = q_or(q_and(cb, keep), q_and(sb, swap));
    vq ss = q_or(q_and(sb, keep), q_and(cb, swap));
    *c = q_as_d(q_xor(cc, q_sll(q_and(q_add(n, q_set1(1)), q_set1(2)), 62)));
    *s = q_as_d(q_xor(ss, q_sll(q_and(n, q_set1(2)), 62)));
}

/* Horner for the 8-coefficient numerators and denominators of AS241. */
static inline vd poly7_d(vd x, const double c[8])
{
    vd y = d_set1(c[7]);
    for (int i = 6; i >= 0; i--)
        y = d_fma(y, x, d_set1(c[i]));
    return y;
}

/* Standard normal quantile for p in (0, 1): Wichura, "Algorithm AS 241: the
 * percentage points of the normal distribution", Appl. Statist. 37 (1988),
 * relative accuracy about 1e-16. All three branches are evaluated and the
 * right one selected, so every path does the same arithmetic. */
static inline vd ndtri_d(vd p)
{
    static const double A[8] = {
        3.3871328727963666080e0, 1.3314166789178437745e+2,
        1.9715909503065514427e+3, 1.3731693765509461125e+4,
        4.5921953931549871457e+4, 6.7265770927008700853e+4,
        3.3430575583588128105e+4, 2.5090809287301226727e+3};
    static const double B[8] = {
        1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2,
        5.3941960214247511077e+3, 2.1213794301586595867e+4,
        3.9307895800092710610e+4, 2.8729085735721942674e+4,
        5.2264952788528545610e+3};
    static const double C[8] = {
        1.42343711074968357734e0, 4.63033784615654529590e0,
        5.76949722146069140550e0, 3.64784832476320460504e0,
        1.27045825245236838258e0, 2.41780725177450611770e-1,
        2.27238449892691845833e-2, 7.74545014278341407640e-4};
    static const double D[8] = {
        1.0, 2.05319162663775882187e0, 1.67638483018380384940e0,
        6.89767334985100004550e-1, 1.48103976427480074590e-1,
        1.51986665636164571966e-2, 5.47593808499534494600e-4,
        1.05075007164441684324e-9};
    static const double E[8] = {
        6.65790464350110377720e0, 5.46378491116411436990e0,
        1.78482653991729133580e0, 2.96560571828504891230e-1,
        2.65321895265761230930e-2, 1.24266094738807843860e-3,
        2.71155556874348757815e-5, 2.01033439929228813265e-7};
    static const double F[8] = {
        1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1,
        1.48753612908506148525e-2, 7.86869131145613259100e-4,
        1.84631831751005468180e-5, 1.42151175831644588870e-7,
        2.04426310338993978564e-15};
    vd q = d_sub(p, d_set1(0.5));
    vd absq = d_max(q, d_sub(d_set1(0.0), q));
    vmd use_tail = d_lt(d_set1(0.425), absq);
    vd central = d_set1(0.0), tail = d_set1(0.0);
    if (!d_all(use_tail)) { /* some p in [0.075, 0.925] */
        vd r0 = d_sub(d_set1(0.180625), d_mul(q, q));
        central = d_div(d_mul(q, poly7_d(r0, A)), poly7_d(r0, B));
    }
    if (d_any(use_tail)) {
        vmd neg = d_lt(q, d_set1(0.0));
        vd tail_p = d_sel(neg, p, d_sub(d_set1(1.0), p));
        vd r = d_sqrt(d_sub(d_set1(0.0), log_d(tail_p)));
        vd r1 = d_sub(r, d_set1(1.6));
        tail = d_div(poly7_d(r1, C), poly7_d(r1, D));
        vmd use_far = d_lt(d_set1(5.0), r);
        if (d_any(use_far)) { /* some p beyond ~1e-11 from 0 or 1 */
            vd r2 = d_sub(r, d_set1(5.0));
            vd far = d_div(poly7_d(r2, E), poly7_d(r2, F));
            tail = d_sel(use_far, far, tail);
        }
        tail = d_sel(neg, d_sub(d_set1(0.0), tail), tail);
    }
    return d_sel(use_tail, tail, central);
}

/* ------------------------------------------------------------------------ */
/* f64 kernels                                                              */
/* ------------------------------------------------------------------------ */

/* 64-bit kernels: the W blocks of a 32-bit vector are W/WD halves of WD
 * blocks; element lanes OFF64(block) + 16*j take words 2j and 2j+1. */
static ALWAYS_INLINE void uniform_vec_f64(const vu x[4], double *p, vd lo,
                                          vd span, vd cap)
{
    UNROLL for (int h = 0; h < W / WD; h++)
        UNROLL for (int j = 0; j < 2; j++) {
            vd v = unit52(q_hilo(x[2 * j], x[2 * j + 1], h));
            d_store(p + h * WD + 16 * j, d_min(d_fma(v, span, lo), cap));
        }
}

static void uniform_f64(const nninit__kargs *ka, void *out, uint64_t g0,
                        uint64_t ng)
{
    const vd lo = d_set1(ka->d[0]), span = d_set1(ka->d[1]),
             cap = d_set1(ka->d[2]);
#define VEC(x, p) uniform_vec_f64(x, p, lo, span, cap)
    STEP_LOOP(double, OFF64, VEC);
#undef VEC
}

static ALWAYS_INLINE void normal_vec_f64(const vu x[4], double *p, vd mean,
                                         vd sd)
{
    UNROLL for (int h = 0; h < W / WD; h++) {
        vd u1 = d_sub(d_set1(1.0), unit52(q_hilo(x[0], x[1], h))); /* (0,1] */
        vd r = d_sqrt(d_mul(d_set1(-2.0), log_d(u1)));
        vd c, s;
        sincos_turn_d(q_hilo(x[2], x[3], h), &c, &s);
        d_store(p + h * WD, d_fma(d_mul(r, c), sd, mean));
        d_store(p + h * WD + 16, d_fma(d_mul(r, s), sd, mean));
    }
}

static void normal_f64(const nninit__kargs *ka, void *out, uint64_t g0,
                       uint64_t ng)
{
    const vd mean = d_set1(ka->d[0]), sd = d_set1(ka->d[1]);
#define VEC(x, p) normal_vec_f64(x, p, mean, sd)
    STEP_LOOP(double, OFF64, VEC);
#undef VEC
}

typedef struct trunc_f64_args {
    vd pa, dp, sstd, mean, a, b;
} trunc_f64_args;

static ALWAYS_INLINE void trunc_vec_f64(const vu x[4], double *p,
                                 const trunc_f64_args *t)
{
    UNROLL for (int h = 0; h < W / WD; h++)
        UNROLL for (int j = 0; j < 2; j++) {
            vd u = d_add(unit52(q_hilo(x[2 * j], x[2 * j + 1], h)),
                         d_set1(0x1p-53)); /* cell midpoints, exact */
            vd v = d_fma(ndtri_d(d_fma(u, t->dp, t->pa)), t->sstd, t->mean);
            d_store(p + h * WD + 16 * j, d_min(d_max(v, t->a), t->b));
        }
}

static void trunc_f64(const nninit__kargs *ka, void *out, uint64_t g0,
                      uint64_t ng)
{
    const trunc_f64_args t = {d_set1(ka->d[0]), d_set1(ka->d[1]),
                              d_set1(ka->d[2]), d_set1(ka->d[3]),
                              d_set1(ka->d[4]), d_set1(ka->d[5])};
#define VEC(x, p) trunc_vec_f64(x, p, &t)
    STEP_LOOP(double, OFF64, VEC);
#undef VEC
}

const nninit__kernels KERNELS = {uniform_f32, normal_f32, trunc_f32,
                                 uniform_f64, normal_f64, trunc_f64};
