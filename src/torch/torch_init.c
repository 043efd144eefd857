/*
 * torch_init.c: torch.nn.init (torch/nn/init.py; the same steps in 1.13 and
 * 2.6) on the torch generator. The numbers (fans, gains, bounds, stds) come from
 * nninit_resolve, which follows init.py operation by operation in double;
 * the draws and the steps after them follow the ATen kernels.
 */
#include "torch_internal.h"

#include <math.h>
#include <string.h>

/* Store v (already in the tensor's precision semantics) into element k. */
static void put(void *out, nninit_dtype t, uint64_t k, double v)
{
    switch (t) {
    case NNINIT_F64:
        ((double *)out)[k] = v;
        break;
    case NNINIT_F32:
        ((float *)out)[k] = (float)v;
        break;
    case NNINIT_F16: /* Scalar -> c10::Half goes through float */
        ((uint16_t *)out)[k] = nninit_f32_to_f16((float)v);
        break;
    case NNINIT_BF16:
        ((uint16_t *)out)[k] = nninit_f32_to_bf16((float)v);
        break;
    }
}

static void fill_value(void *out, nninit_dtype t, uint64_t n, double v)
{
    if (v == 0 && !signbit(v)) {
        memset(out, 0, (size_t)n * nninit_dtype_size(t));
        return;
    }
    for (uint64_t k = 0; k < n; k++)
        put(out, t, k, v);
}


typedef struct tail_ctx {
    void *x;
    nninit_dtype t;
    double scale, mean, a, b;
    int fused;
    int scale_narrow; /* mul_'s scalar rounded to the dtype (1.13) */
    nninit_simd simd;
} tail_ctx;

/* trunc_normal_'s steps after uniform_ on Half/BFloat16: erfinv_ is the
 * float calc_erfinv rounded to the dtype; mul_(scale) multiplies in float
 * by the scalar rounded to the dtype (1.13) or by the float scalar (2.x's
 * mul by a scalar in opmath); add_(mean) adds the scalar rounded to the
 * dtype in float; clamp_ compares with the bounds in the dtype (rounding
 * is monotonic, so float bounds would give the same values). */
static void tail_narrow(const tail_ctx *c, uint16_t *x, size_t n)
{
    const int half = c->t == NNINIT_F16;
    uint16_t (*nar)(float) = half ? nninit_f32_to_f16 : nninit_f32_to_bf16;
    float (*wid)(uint16_t) = half ? nninit_f16_to_f32 : nninit_bf16_to_f32;
    const float scale = c->scale_narrow ? wid(nar((float)c->scale))
                                        : (float)c->scale;
    const float mean = wid(nar((float)c->mean));
    const float lo = wid(nar((float)c->a)), hi = wid(nar((float)c->b));
    const nninit__torch_kernels *k = nninit__torch_kernels_get(c->simd);
    float buf[256];
    for (size_t i = 0; i < n;) {
        size_t m = n - i < 256 ? n - i : 256;
        for (size_t j = 0; j < m; j++)
            buf[j] = wid(x[i + j]);
        /* erfinv alone: *1 and + -0 change no value (not even a zero's
         * sign), and infinite bounds clamp nothing */
        k->trunc_tail_f32(buf, m, 1.0f, -0.0f, -INFINITY, INFINITY,
                          c->fused);
        for (size_t j = 0; j < m; j++) {
            float v = wid(nar(buf[j]));
            v = wid(nar(v * scale));
            v = wid(nar(v + mean));
            v = v < lo ? lo : v;
            v = hi < v ? hi : v;
            x[i + j] = nar(v);
        }
        i += m;
    }
}

static void tail_run(void *p, size_t begin, size_t end)
{
    const tail_ctx *c = (const tail_ctx *)p;
    if (c->t == NNINIT_F16 || c->t == NNINIT_BF16) {
        tail_narrow(c, (uint16_t *)c->x + begin, end - begin);
        return;
    }
    if (c->t == NNINIT_F32) {
        nninit__torch_kernels_get(c->simd)->trunc_tail_f32(
            (float *)c->x + begin, end - begin, (float)c->scale,
            (float)c->mean, (float)c->a, (float)c->b, c->fused);
        return;
    }
    double *x = (double *)c->x;
    for (size_t i = begin; i < end; i++) {
        double v = nninit__torch_erfinv(x[i], c->fused);
        v = v * c->scale;
        v = v + c->mean;
        v = v < c->a ? c->a : v;
        v = c->b < v ? c->b : v;
        x[i] = v;
    }
}

/* trunc_normal_: uniform_(2l-1, 2u-1), erfinv_, mul_(std*sqrt(2)),
 * add_(mean), clamp_(a, b); each step rounded in the tensor's dtype. */
static int trunc_normal(nninit_torch_gen *g, const nninit_spec *s,
                        nninit_dtype t, void *out, uint64_t n,
                        nninit_error *err)
{
    int rc = nninit_torch_check(s, t, g->version, err);
    if (rc)
        return rc;
    if (!(s->std > 0))
        return nninit__fail(err, NNINIT_EINVAL,
                            "trunc_normal_ needs std > 0 (got %g; PyTorch "
                            "divides by it)", s->std);
    const double mean = s->mean, sd = s->std, a = s->trunc_a, b = s->trunc_b;
    /* norm_cdf(x) = (1. + math.erf(x / math.sqrt(2.))) / 2. */
    double l = (1. + erf(((a - mean) / sd) / sqrt(2.))) / 2.;
    double u = (1. + erf(((b - mean) / sd) / sqrt(2.))) / 2.;
    if ((rc = nninit__torch_uniform(g, t, out, n, 2 * l - 1, 2 * u - 1, err)) ||
        !out)
        return rc;
    /* erfinv_, mul_(std * math.sqrt(2.)), add_(mean), clamp_(a, b):
     * elementwise, so split over threads */
    tail_ctx c = {out, t, sd * sqrt(2.), mean, a, b,
                  g->kernel == NNINIT_TORCH_KERNEL_AVX2,
                  g->version == NNINIT_TORCH_1_13, g->simd};
    nninit__torch_parallel(g->threads, (size_t)n, 64, 1u << 14, tail_run, &c);
    return NNINIT_OK;
}

/* dst[j*r + i] = src[i*c + j] * s (src r x c row-major, dst its transpose),
 * in tiles for the cache; s is 1 or torch's mul_(gain) in the tensor's
 * precision. */
#define DEFINE_TRANSPOSE(T, NAME)                                              \
    static void NAME(T *restrict dst, const T *restrict src, size_t r,         \
                     size_t c, T s)                                            \
    {                                                                          \
        const size_t tile = 32;                                                \
        for (size_t i0 = 0; i0 < r; i0 += tile)                                \
            for (size_t j0 = 0; j0 < c; j0 += tile) {                          \
                size_t i1 = i0 + tile < r ? i0 + tile : r;                     \
                size_t j1 = j0 + tile < c ? j0 + tile : c;                     \
                for (size_t j = j0; j < j1; j++)                               \
                    for (size_t i = i0; i < i1; i++)                           \
                        dst[j * r + i] = src[i * c + j] * s;                   \
            }                                                                  \
    }
DEFINE_TRANSPOSE(float, transpose_f)
DEFINE_TRANSPOSE(double, transpose_d)

/* orthogonal_: flat = new(rows, cols).normal_(0, 1); QR of flat (or of its
 * transpose when rows < cols); Q * sign(diag R); transpose back; copy_;
 * mul_(gain). The QR runs in the tensor's precision, as PyTorch's LAPACK
 * call does (float for float32). */
static int orthogonal(nninit_torch_gen *g, const nninit_resolved *r,
                      nninit_dtype t, void *out, const nninit_allocator *alloc,
                      nninit_error *err)
{
    int rc;
    const int64_t rows = r->rows, cols = r->cols;
    const uint64_t n = (uint64_t)rows * (uint64_t)cols;
    if (n == 0)
        return NNINIT_OK; /* "if tensor.numel() == 0: return" (no draws) */
    if ((rc = nninit__torch_normal(g, t, out, n, 0.0, 1.0, err)) || !out)
        return rc; /* the QR draws nothing */
    const int f32 = t == NNINIT_F32;
    const size_t es = f32 ? sizeof(float) : sizeof(double);
    if (n > SIZE_MAX / es)
        return nninit__fail(err, NNINIT_ENOMEM, "orthogonal matrix too large");
    /* Column-major M x N with M >= N. Wide (rows < cols): A = flat^T, whose
     * column-major storage is flat's row-major one, so the QR runs in
     * place. Tall: A = flat, transposed into a buffer and back. */
    const int wide = rows < cols;
    const int64_t M = wide ? cols : rows, N = wide ? rows : cols;
    const size_t R = (size_t)rows, Cn = (size_t)cols;
    void *q = out;
    if (!wide) {
        q = nninit__alloc(alloc, (size_t)n * es);
        if (!q)
            return nninit__fail(err, NNINIT_ENOMEM,
                                "out of memory for a %lld x %lld orthogonal "
                                "matrix", (long long)rows, (long long)cols);
        if (f32)
            transpose_f((float *)q, (const float *)out, R, Cn, 1.0f);
        else
            transpose_d((double *)q, (const double *)out, R, Cn, 1.0);
    }
    rc = f32 ? nninit__torch_qr_signed_f((float *)q, M, N, g->threads,
                                         g->simd, alloc, err)
             : nninit__torch_qr_signed_d((double *)q, M, N, g->threads,
                                         g->simd, alloc, err);
    if (rc == NNINIT_OK) {
        const double gain = r->gain;
        const float fgain = (float)gain;
        if (wide && f32)
            for (size_t f = 0; f < (size_t)n; f++)
                ((float *)out)[f] *= fgain;
        else if (wide)
            for (size_t f = 0; f < (size_t)n; f++)
                ((double *)out)[f] *= gain;
        else if (f32)
            transpose_f((float *)out, (const float *)q, Cn, R, fgain);
        else
            transpose_d((double *)out, (const double *)q, Cn, R, gain);
    }
    if (q != out)
        nninit__free(alloc, q);
    return rc;
}

/* sparse_: normal_(0, std), then per column a randperm(rows) whose first
 * ceil(sparsity*rows) entries are zeroed. */
static int sparse(nninit_torch_gen *g, const nninit_spec *s,
                  const nninit_resolved *r, nninit_dtype t, void *out,
                  const nninit_allocator *alloc, nninit_error *err)
{
    int rc;
    const int64_t rows = r->rows, cols = r->cols;
    if ((rc = nninit__torch_normal(g, t, out, (uint64_t)rows * (uint64_t)cols,
                                   0.0, s->std, err)))
        return rc;
    if (cols == 0 || rows == 0)
        return NNINIT_OK;
    int64_t *perm = (int64_t *)nninit__alloc(alloc, (size_t)rows * 8);
    if (!perm)
        return nninit__fail(err, NNINIT_ENOMEM,
                            "out of memory for randperm(%lld)",
                            (long long)rows);
    int64_t nz = r->zeros_per_col < rows ? r->zeros_per_col : rows;
    for (int64_t c = 0; c < cols; c++) {
        nninit_torch_randperm(g, rows, perm, NULL);
        for (int64_t i = 0; i < nz && out; i++)
            put(out, t, (uint64_t)perm[i] * (uint64_t)cols + (uint64_t)c, 0.0);
    }
    nninit__free(alloc, perm);
    return NNINIT_OK;
}

static void dirac(const nninit_spec *s, const nninit_shape *shape,
                  nninit_dtype t, void *out, uint64_t n)
{
    fill_value(out, t, n, 0.0);
    if (n == 0)
        return;
    const int nd = shape->ndim;
    const int64_t opg = shape->dim[0] / s->groups;
    const int64_t m = opg < shape->dim[1] ? opg : shape->dim[1];
    for (int64_t g = 0; g < s->groups; g++)
        for (int64_t d = 0; d < m; d++) {
            uint64_t f = (uint64_t)(g * opg + d) * (uint64_t)shape->dim[1] +
                         (uint64_t)d;
            for (int k = 2; k < nd; k++)
                f = f * (uint64_t)shape->dim[k] + (uint64_t)(shape->dim[k] / 2);
            put(out, t, f, 1.0);
        }
}

/* What a PyTorch script writes for LeCun init (e.g. before SELU). */
static nninit_spec torch_spec(const nninit_spec *spec)
{
    nninit_spec s = *spec;
    if (s.kind == NNINIT_LECUN_UNIFORM || s.kind == NNINIT_LECUN_NORMAL) {
        s.kind = s.kind == NNINIT_LECUN_UNIFORM ? NNINIT_KAIMING_UNIFORM
                                                : NNINIT_KAIMING_NORMAL;
        s.nonlinearity = NNINIT_NL_LINEAR;
        s.mode = NNINIT_FAN_IN;
        s.a = 0;
    }
    return s;
}

int nninit_torch_check(const nninit_spec *spec, nninit_dtype dtype,
                       nninit_torch_version version, nninit_error *err)
{
    if (!spec || nninit_dtype_size(dtype) == 0)
        return nninit__fail(err, NNINIT_EINVAL, "spec and dtype are required");
    const nninit_kind k = spec->kind;
    if ((unsigned)k < NNINIT_KIND_COUNT && !nninit_kind_info_get(k)->torch)
        return nninit__fail(err, NNINIT_ENOTSUP,
                            "%s has no torch.nn.init counterpart; use the "
                            "default (philox) generator", nninit_kind_name(k));
    if ((k == NNINIT_KAIMING_UNIFORM || k == NNINIT_KAIMING_NORMAL) &&
        (unsigned)spec->nonlinearity < NNINIT_NL_COUNT &&
        !nninit_nonlinearity_info_get(spec->nonlinearity)->torch)
        return nninit__fail(err, NNINIT_ENOTSUP,
                            "PyTorch's calculate_gain has no %s (nninit's gain "
                            "for it is numeric); use the default (philox) "
                            "generator",
                            nninit_nonlinearity_name(spec->nonlinearity));
    /* PyTorch has no Half or BFloat16 QR on CPU */
    if (k == NNINIT_ORTHOGONAL && dtype != NNINIT_F32 && dtype != NNINIT_F64)
        return nninit__fail(err, NNINIT_ENOTSUP,
                            "torch-exact orthogonal_ supports f32 and f64 "
                            "only (not %s)", nninit_dtype_name(dtype));
    if (k == NNINIT_TRUNC_NORMAL && dtype == NNINIT_F16 &&
        version == NNINIT_TORCH_1_13)
        return nninit__fail(err, NNINIT_ENOTSUP,
                            "torch-exact trunc_normal_ on f16 needs torch "
                            "version 2.6 (PyTorch 1.13 has no Half erfinv_)");
    return NNINIT_OK;
}

/* nninit_torch_init, or with out NULL nninit_torch_skip: the same checks
 * and draws, nothing written. */
static int run(nninit_torch_gen *g, const nninit_spec *spec,
               const nninit_shape *shape, nninit_dtype dtype, void *out,
               int skip, const nninit_allocator *alloc, nninit_error *err)
{
    if (!g || !spec || !shape)
        return nninit__fail(err, NNINIT_EINVAL,
                            "generator, spec and shape are required");
    if (nninit_dtype_size(dtype) == 0)
        return nninit__fail(err, NNINIT_EINVAL, "unknown dtype %d", (int)dtype);
    nninit_spec s = torch_spec(spec);
    int rc = nninit_torch_check(&s, dtype, g->version, err);
    if (rc)
        return rc;
    nninit_resolved r;
    rc = nninit_resolve(&s, shape, NNINIT_LAYOUT_TORCH, &r, err);
    if (rc)
        return rc;
    const uint64_t n = nninit_shape_numel(shape);
    if (skip)
        out = NULL;
    else if (n > 0 && !out)
        return nninit__fail(err, NNINIT_EINVAL, "output buffer is NULL");
    switch (s.kind) {
    case NNINIT_ZEROS:
    case NNINIT_ONES:
    case NNINIT_CONSTANT:
        if (out)
            fill_value(out, dtype, n, r.dist.p[0]);
        return NNINIT_OK;
    case NNINIT_UNIFORM:
        return nninit__torch_uniform(g, dtype, out, n, s.low, s.high, err);
    case NNINIT_NORMAL:
        return nninit__torch_normal(g, dtype, out, n, s.mean, s.std, err);
    case NNINIT_TRUNC_NORMAL:
        return trunc_normal(g, &s, dtype, out, n, err);
    case NNINIT_EYE: {
        if (!out)
            return NNINIT_OK;
        fill_value(out, dtype, n, 0.0);
        int64_t m = r.rows < r.cols ? r.rows : r.cols;
        for (int64_t d = 0; d < m; d++)
            put(out, dtype, (uint64_t)d * (uint64_t)r.cols + (uint64_t)d,
                r.gain);
        return NNINIT_OK;
    }
    case NNINIT_DIRAC:
        if (out)
            dirac(&s, shape, dtype, out, n);
        return NNINIT_OK;
    case NNINIT_XAVIER_UNIFORM:
    case NNINIT_KAIMING_UNIFORM:
        if (n == 0) /* kaiming: PyTorch's zero-element no-op; xavier: no
                       elements to draw */
            return NNINIT_OK;
        return nninit__torch_uniform(g, dtype, out, n, -r.bound, r.bound, err);
    case NNINIT_XAVIER_NORMAL:
    case NNINIT_KAIMING_NORMAL:
        if (n == 0)
            return NNINIT_OK;
        return nninit__torch_normal(g, dtype, out, n, 0.0, r.std, err);
    case NNINIT_ORTHOGONAL:
        return orthogonal(g, &r, dtype, out, alloc, err);
    case NNINIT_SPARSE:
        return sparse(g, &s, &r, dtype, out, alloc, err);
    default:
        return nninit__fail(err, NNINIT_ENOTSUP,
                            "%s is not available in torch-exact mode",
                            nninit_kind_name(s.kind));
    }
}

int nninit_torch_init(nninit_torch_gen *g, const nninit_spec *spec,
                      const nninit_shape *shape, nninit_dtype dtype, void *out,
                      const nninit_allocator *alloc, nninit_error *err)
{
    return run(g, spec, shape, dtype, out, 0, alloc, err);
}

int nninit_torch_skip(nninit_torch_gen *g, const nninit_spec *spec,
                      const nninit_shape *shape, nninit_dtype dtype,
                      const nninit_allocator *alloc, nninit_error *err)
{
    return run(g, spec, shape, dtype, NULL, 1, alloc, err);
}

/* ------------------------------------------------------------------------ */
/* Streams                                                                  */
/* ------------------------------------------------------------------------ */

enum { TS_CONST, TS_UNIFORM, TS_NORMAL, TS_TRUNC };

static int stream_setup(nninit_torch_stream *st, int kind, nninit_dtype t,
                        uint64_t n, double p0, double p1)
{
    memset(st, 0, sizeof *st);
    st->kind = kind;
    st->dtype = t;
    st->n = n;
    st->p0 = p0;
    st->p1 = p1;
    /* below 16 values normal_ takes its own path, whose draws depend on the
     * generator's cached value */
    return kind != TS_NORMAL || n >= 16;
}

int nninit_torch_stream_begin(nninit_torch_stream *st,
                              const nninit_spec *spec,
                              const nninit_shape *shape, nninit_dtype dtype)
{
    if (!st || !spec || !shape || nninit_dtype_size(dtype) == 0)
        return 0;
    nninit_spec s = torch_spec(spec);
    nninit_resolved r;
    if (nninit_resolve(&s, shape, NNINIT_LAYOUT_TORCH, &r, NULL))
        return 0; /* the whole call reports it */
    const uint64_t n = nninit_shape_numel(shape);
    switch (s.kind) {
    case NNINIT_ZEROS:
    case NNINIT_ONES:
    case NNINIT_CONSTANT:
        return stream_setup(st, TS_CONST, dtype, n, r.dist.p[0], 0);
    case NNINIT_UNIFORM:
        return stream_setup(st, TS_UNIFORM, dtype, n, s.low, s.high);
    case NNINIT_NORMAL:
        return stream_setup(st, TS_NORMAL, dtype, n, s.mean, s.std);
    case NNINIT_TRUNC_NORMAL:
        if (!stream_setup(st, TS_TRUNC, dtype, n, 0, 0))
            return 0;
        st->trunc = s;
        return 1;
    case NNINIT_XAVIER_UNIFORM:
    case NNINIT_KAIMING_UNIFORM:
        return n > 0 && /* 0: no draws at all, nothing to stream */
               stream_setup(st, TS_UNIFORM, dtype, n, -r.bound, r.bound);
    case NNINIT_XAVIER_NORMAL:
    case NNINIT_KAIMING_NORMAL:
        return stream_setup(st, TS_NORMAL, dtype, n, 0.0, r.std);
    default:
        return 0;
    }
}

/* count values of normal_'s block fill from element `at` on: whole
 * 16-blocks drawn straight into o, a block cut by the piece's end kept in
 * the carry for the next piece. */
static int normal_blocks(nninit_torch_gen *g, nninit_torch_stream *st,
                         char *o, uint64_t count, nninit_error *err)
{
    const size_t es = nninit_dtype_size(st->dtype);
    unsigned have = st->carry_n - st->carry_at;
    unsigned take = count < have ? (unsigned)count : have;
    if (o && take)
        memcpy(o, (char *)st->carry + st->carry_at * es, take * es);
    st->carry_at += take;
    count -= take;
    uint64_t bulk = count / 16 * 16;
    int rc = NNINIT_OK;
    if (bulk)
        rc = nninit__torch_normal(g, st->dtype, o ? o + take * es : NULL, bulk,
                                  st->p0, st->p1, err);
    count -= bulk;
    if (rc == NNINIT_OK && count) { /* part of one more block */
        rc = nninit__torch_normal(g, st->dtype, st->carry, 16, st->p0, st->p1,
                                  err);
        if (o)
            memcpy(o + (take + bulk) * es, st->carry, count * es);
        st->carry_at = (unsigned)count;
        st->carry_n = 16;
    }
    return rc;
}

/* normal_ piece by piece: n uniforms, every full 16-block transformed;
 * then, if n % 16 != 0, 16 fresh uniforms make the last 16 values. So the
 * values before n - 16 come from the blocks, the last 16 from the tail. */
static int normal_piece(nninit_torch_gen *g, nninit_torch_stream *st,
                        char *o, uint64_t count, nninit_error *err)
{
    const size_t es = nninit_dtype_size(st->dtype);
    const uint64_t head = st->n % 16 ? st->n - 16 : st->n;
    uint64_t c1 = st->done < head ? head - st->done : 0;
    c1 = c1 < count ? c1 : count;
    int rc = c1 ? normal_blocks(g, st, o, c1, err) : NNINIT_OK;
    uint64_t c2 = count - c1;
    if (rc || !c2)
        return rc;
    if (st->done + c1 == head) { /* into the tail: draw the rest of the n */
        uint64_t drawn = head + (st->carry_n - st->carry_at);
        if ((rc = nninit__torch_uniform(g, st->dtype, NULL, st->n - drawn, 0,
                                        1, err)) ||
            (rc = nninit__torch_normal(g, st->dtype, st->carry, 16, st->p0,
                                       st->p1, err)))
            return rc;
        st->carry_at = 0;
        st->carry_n = 16;
    }
    if (o)
        memcpy(o + c1 * es, (char *)st->carry + st->carry_at * es, c2 * es);
    st->carry_at += (unsigned)c2;
    return NNINIT_OK;
}

int nninit_torch_stream_next(nninit_torch_gen *g, nninit_torch_stream *st,
                             void *out, uint64_t count, nninit_error *err)
{
    if (!g || !st)
        return nninit__fail(err, NNINIT_EINVAL,
                            "generator and stream are required");
    if (count > st->n - st->done)
        return nninit__fail(err, NNINIT_ERANGE,
                            "stream: %llu more elements asked, %llu left",
                            (unsigned long long)count,
                            (unsigned long long)(st->n - st->done));
    const nninit_dtype t = st->dtype;
    const size_t es = nninit_dtype_size(t);
    char *o = (char *)out;
    int rc = NNINIT_OK;
    switch (st->kind) {
    case TS_CONST:
        if (o)
            fill_value(o, t, count, st->p0);
        break;
    case TS_UNIFORM:
        rc = nninit__torch_uniform(g, t, o, count, st->p0, st->p1, err);
        break;
    case TS_TRUNC:
        rc = trunc_normal(g, &st->trunc, t, o, count, err);
        break;
    case TS_NORMAL:
        rc = normal_piece(g, st, o, count, err);
        break;
    default:
        return nninit__fail(err, NNINIT_EINVAL, "stream not set up");
    }
    if (rc)
        return rc;
    /* nn.Embedding's padding row, zeroed after the draw */
    uint64_t z0 = st->zero0 > st->done ? st->zero0 : st->done;
    uint64_t z1 = st->zero1 < st->done + count ? st->zero1 : st->done + count;
    if (o && z0 < z1)
        memset(o + (z0 - st->done) * es, 0, (size_t)((z1 - z0) * es));
    st->done += count;
    return NNINIT_OK;
}
