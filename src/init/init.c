/*
 * init.c: nninit_init, the one entry point that turns (spec, shape, layout,
 * dtype, range) into bytes. Elementwise initializers go straight to the fill
 * kernels; eye, dirac, orthogonal, delta_orthogonal, sparse and hadamard are
 * built here.
 */
#include "../nninit_internal.h"

#include <math.h>
#include <string.h>

/* Store one double into element k of a dtype buffer. */
static void put(void *out, nninit_dtype t, uint64_t k, double v)
{
    switch (t) {
    case NNINIT_F64:
        ((double *)out)[k] = v;
        break;
    case NNINIT_F32:
        ((float *)out)[k] = (float)v;
        break;
    case NNINIT_F16:
        ((uint16_t *)out)[k] = nninit_f32_to_f16((float)v);
        break;
    case NNINIT_BF16:
        ((uint16_t *)out)[k] = nninit_f32_to_bf16((float)v);
        break;
    }
}

static void zero_fill(void *out, nninit_dtype t, uint64_t n)
{
    /* +0.0 is all-zero bits in every supported dtype */
    memset(out, 0, (size_t)n * nninit_dtype_size(t));
}

/* Row-major flat index of a multi-index. */
static uint64_t flat(const nninit_shape *s, const int64_t *idx)
{
    uint64_t f = 0;
    for (int i = 0; i < s->ndim; i++)
        f = f * (uint64_t)s->dim[i] + (uint64_t)idx[i];
    return f;
}

/* Flat index of kernel element (o, i, spatial centre) in either layout. The
 * centre index is floor(k/2) for dirac (PyTorch) or floor((k-1)/2) for
 * delta_orthogonal (JAX); `odd_centre` selects the latter. */
static uint64_t tap_index(const nninit_shape *s, nninit_layout layout,
                          int64_t o, int64_t i, int odd_centre)
{
    int64_t idx[NNINIT_MAX_DIMS];
    const int nd = s->ndim;
    if (layout == NNINIT_LAYOUT_KERAS) {
        for (int d = 0; d < nd - 2; d++)
            idx[d] = odd_centre ? (s->dim[d] - 1) / 2 : s->dim[d] / 2;
        idx[nd - 2] = i;
        idx[nd - 1] = o;
    } else {
        idx[0] = o;
        idx[1] = i;
        for (int d = 2; d < nd; d++)
            idx[d] = odd_centre ? (s->dim[d] - 1) / 2 : s->dim[d] / 2;
    }
    return flat(s, idx);
}

static int fill_eye(const nninit_resolved *r, nninit_dtype t, void *out,
                    uint64_t begin, uint64_t end)
{
    zero_fill(out, t, end - begin);
    uint64_t cols = (uint64_t)r->cols;
    int64_t n = r->rows < r->cols ? r->rows : r->cols;
    for (int64_t d = 0; d < n; d++) {
        uint64_t f = (uint64_t)d * cols + (uint64_t)d;
        if (f >= begin && f < end)
            put(out, t, f - begin, r->gain);
    }
    return NNINIT_OK;
}

/* Sylvester's construction H_{2n} = [[H, H], [H, -H]] gives H[i][j] =
 * (-1)^popcount(i & j): any element of any order from its indices alone,
 * so any range of the cut matrix is computed directly. */
static int fill_hadamard(const nninit_resolved *r, nninit_dtype t, void *out,
                         uint64_t begin, uint64_t end)
{
    uint64_t cols = (uint64_t)r->cols;
    for (uint64_t f = begin; f < end; f++) {
        uint64_t bits = (f / cols) & (f % cols);
        int odd = 0;
        for (; bits; bits &= bits - 1)
            odd ^= 1;
        put(out, t, f - begin, odd ? -r->gain : r->gain);
    }
    return NNINIT_OK;
}

static int fill_dirac(const nninit_spec *s, const nninit_shape *shape,
                      nninit_layout layout, nninit_dtype t, void *out,
                      uint64_t begin, uint64_t end)
{
    zero_fill(out, t, end - begin);
    const int nd = shape->ndim;
    int64_t out_ch = layout == NNINIT_LAYOUT_KERAS ? shape->dim[nd - 1]
                                                   : shape->dim[0];
    int64_t in_ch = layout == NNINIT_LAYOUT_KERAS ? shape->dim[nd - 2]
                                                  : shape->dim[1];
    for (int d = 0; d < nd; d++)
        if (shape->dim[d] == 0)
            return NNINIT_OK;
    int64_t opg = out_ch / s->groups;
    int64_t m = opg < in_ch ? opg : in_ch;
    for (int64_t g = 0; g < s->groups; g++)
        for (int64_t d = 0; d < m; d++) {
            uint64_t f = tap_index(shape, layout, g * opg + d, d, 0);
            if (f >= begin && f < end)
                put(out, t, f - begin, 1.0);
        }
    return NNINIT_OK;
}

/* out[at .. at+n) = gain * v[0 .. n) in dtype t, from doubles (v) or
 * floats (vf): one switch per run, so the loops vectorize. */
static void put_run(void *out, nninit_dtype t, uint64_t at, const double *v,
                    const float *vf, size_t n, double gain)
{
    if (t == NNINIT_F32 && vf) {
        float *o = (float *)out + at, g = (float)gain;
        if (g == 1.0f)
            memcpy(o, vf, n * sizeof *o);
        else
            for (size_t i = 0; i < n; i++)
                o[i] = g * vf[i];
    } else if (t == NNINIT_F32) {
        float *o = (float *)out + at;
        for (size_t i = 0; i < n; i++)
            o[i] = (float)(gain * v[i]);
    } else if (t == NNINIT_F64 && v) {
        double *o = (double *)out + at;
        for (size_t i = 0; i < n; i++)
            o[i] = gain * v[i];
    } else {
        for (size_t i = 0; i < n; i++)
            put(out, t, at + i, gain * (v ? v[i] : (double)vf[i]));
    }
}

#define TILE_ROWS 8
#define TILE_COLS 256

/* Elements [begin, end) of the rows x cols row-major W = Q, for Q stored
 * column-major (leading dimension rows) as doubles (q) or floats (qf): a
 * transpose, 8 rows at a time so each cache line of Q serves 8 outputs. */
static void put_transposed(void *out, nninit_dtype t, const double *q,
                           const float *qf, uint64_t rows, uint64_t cols,
                           uint64_t begin, uint64_t end, double gain)
{
    double tile[TILE_ROWS][TILE_COLS];
    float tilef[TILE_ROWS][TILE_COLS];
    uint64_t i = begin / cols;
    while (i * cols < end) {
        uint64_t rb = i * cols >= begin && (i + TILE_ROWS) * cols <= end
                          ? TILE_ROWS : 1; /* whole rows go 8 at a time */
        if (i + rb > rows)
            rb = 1;
        uint64_t j0 = rb == 1 && i * cols < begin ? begin - i * cols : 0;
        uint64_t j1 = rb == 1 && (i + 1) * cols > end ? end - i * cols : cols;
        for (uint64_t jc = j0; jc < j1; jc += TILE_COLS) {
            uint64_t nj = j1 - jc < TILE_COLS ? j1 - jc : TILE_COLS;
            for (uint64_t j = 0; j < nj; j++)
                for (uint64_t r = 0; r < rb; r++) {
                    uint64_t at = i + r + (jc + j) * rows;
                    if (qf)
                        tilef[r][j] = qf[at];
                    else
                        tile[r][j] = q[at];
                }
            for (uint64_t r = 0; r < rb; r++)
                put_run(out, t, (i + r) * cols + jc - begin,
                        qf ? NULL : tile[r], qf ? tilef[r] : NULL, (size_t)nj,
                        gain);
        }
        i += rb;
    }
}

/* put_transposed on threads: tasks of whole 8-row groups (any split gives
 * the same bytes: it only moves and scales values). */
typedef struct transpose_job {
    void *out;
    nninit_dtype t;
    const double *q;
    const float *qf;
    uint64_t rows, cols, begin, end, per;
    double gain;
} transpose_job;

static void transpose_task(void *arg, uint64_t task, int worker)
{
    const transpose_job *j = (const transpose_job *)arg;
    (void)worker;
    uint64_t b = j->begin + task * j->per;
    uint64_t e = j->end - b < j->per ? j->end : b + j->per;
    put_transposed((char *)j->out + (b - j->begin) * nninit_dtype_size(j->t),
                   j->t, j->q, j->qf, j->rows, j->cols, b, e, j->gain);
}

static void put_transposed_threads(int threads, void *out, nninit_dtype t,
                                   const double *q, const float *qf,
                                   uint64_t rows, uint64_t cols,
                                   uint64_t begin, uint64_t end, double gain)
{
    uint64_t rows_per = (NNINIT__MIN_PER_THREAD / cols + TILE_ROWS) /
                        TILE_ROWS * TILE_ROWS;
    transpose_job j = {out,  t,   q,   qf,  rows, cols, begin,
                       end,  rows_per * cols,   gain};
    uint64_t tasks = (end - begin + j.per - 1) / j.per;
    nninit__parallel_for(threads, tasks, transpose_task, &j);
}

static int fill_orthogonal(const nninit_resolved *r, nninit_dtype t,
                           void *out, uint64_t begin, uint64_t end,
                           const nninit_fill_opts *o, nninit_error *err)
{
    int64_t rows = r->rows, cols = r->cols;
    if (rows == 0 || cols == 0)
        return NNINIT_OK;
    /* Tall: W = Q with Q rows x cols. Wide or square: W = Q^T with Q
     * cols x rows, whose column-major storage is W's row-major one; so a
     * whole f64 or f32 W is built in place, with no workspace. f64 is
     * computed in double, the rest in float (orthogonal.c says why). */
    int tall = rows > cols, f64 = t == NNINIT_F64;
    int64_t M = tall ? rows : cols, N = tall ? cols : rows;
    uint64_t numel = (uint64_t)M * (uint64_t)N;
    int in_place = !tall && (f64 || t == NNINIT_F32) && begin == 0 &&
                   end == numel;
    size_t es = f64 ? sizeof(double) : sizeof(float);
    void *q = in_place              ? out
              : numel > SIZE_MAX / es ? NULL /* (size_t)numel * es wraps */
                                      : nninit__alloc_big(o->alloc,
                                                          (size_t)numel * es);
    if (!q)
        return nninit__fail(err, NNINIT_ENOMEM,
                            "out of memory for a %lld x %lld orthogonal "
                            "matrix", (long long)rows, (long long)cols);
    int rc = f64 ? nninit__orthogonal_colmajor((double *)q, M, N, o, err)
                 : nninit__orthogonal_colmajor_f32((float *)q, M, N, o, err);
    const double *qd = f64 ? (const double *)q : NULL;
    const float *qf = f64 ? NULL : (const float *)q;
    if (rc == NNINIT_OK) {
        if (tall)
            put_transposed_threads(nninit__resolve_threads(o->threads), out,
                                   t, qd, qf, (uint64_t)rows, (uint64_t)cols,
                                   begin, end, r->gain);
        else if (!in_place || r->gain != 1.0)
            put_run(out, t, 0, qd ? qd + begin : NULL, qf ? qf + begin : NULL,
                    (size_t)(end - begin), r->gain);
    }
    if (!in_place)
        nninit__free(o->alloc, q);
    return rc;
}

static int fill_delta_orthogonal(const nninit_resolved *r,
                                 const nninit_shape *shape,
                                 nninit_layout layout, nninit_dtype t,
                                 void *out, uint64_t begin, uint64_t end,
                                 const nninit_fill_opts *o, nninit_error *err)
{
    zero_fill(out, t, end - begin);
    int64_t oc = r->rows, ic = r->cols; /* oc >= ic */
    if (nninit_shape_numel(shape) == 0)
        return NNINIT_OK;
    uint64_t qn = (uint64_t)oc * (uint64_t)ic; /* <= 2^62: the shape's */
    double *q = qn > SIZE_MAX / 8 ? NULL
                                  : (double *)nninit__alloc_big(
                                        o->alloc, (size_t)qn * 8);
    if (!q)
        return nninit__fail(err, NNINIT_ENOMEM,
                            "out of memory for a %lld x %lld orthogonal "
                            "matrix", (long long)oc, (long long)ic);
    int rc = nninit__orthogonal_colmajor(q, oc, ic, o, err);
    if (rc == NNINIT_OK)
        for (int64_t a = 0; a < oc; a++)
            for (int64_t b = 0; b < ic; b++) {
                uint64_t f = tap_index(shape, layout, a, b, 1);
                if (f >= begin && f < end)
                    put(out, t, f - begin, r->gain * q[a + b * oc]);
            }
    nninit__free(o->alloc, q);
    return rc;
}

/* Tag of the sub-streams that choose each column's zeros. */
#define SPARSE_TAG 0x5350415253450000ull /* "SPARSE" */

static int fill_sparse(const nninit_resolved *r, nninit_dtype t, void *out,
                       uint64_t begin, uint64_t end, const nninit_fill_opts *o,
                       nninit_error *err)
{
    int rc = nninit_fill(&r->dist, t, out, begin, end, o, err);
    if (rc || r->zeros_per_col == 0 || begin == end)
        return rc;
    uint64_t rows = (uint64_t)r->rows, cols = (uint64_t)r->cols;
    uint64_t nz = (uint64_t)r->zeros_per_col;
    /* Columns touched by [begin, end) (all of them once it spans a row). */
    uint64_t c0 = 0, c1 = cols;
    if (end - begin < cols && begin / cols == (end - 1) / cols) {
        c0 = begin % cols;
        c1 = (end - 1) % cols + 1;
    }
    int64_t *perm = (int64_t *)nninit__alloc_array(o->alloc, rows, 8);
    if (!perm)
        return nninit__fail(err, NNINIT_ENOMEM,
                            "out of memory for a sparse mask of %llu rows",
                            (unsigned long long)rows);
    for (uint64_t c = c0; c < c1; c++) {
        /* Partial Fisher-Yates: the first nz entries are a uniformly random
         * nz-subset of the rows, from this column's own stream. */
        nninit_rng g;
        nninit_rng_init(&g, o->seed, nninit_stream_derive(o->stream,
                                                          SPARSE_TAG + c));
        for (uint64_t i = 0; i < rows; i++)
            perm[i] = (int64_t)i;
        for (uint64_t i = 0; i < nz; i++) {
            uint64_t k = i + nninit_rng_below(&g, rows - i);
            int64_t tmp = perm[i];
            perm[i] = perm[k];
            perm[k] = tmp;
            uint64_t f = (uint64_t)perm[i] * cols + c;
            if (f >= begin && f < end)
                put(out, t, f - begin, 0.0);
        }
    }
    nninit__free(o->alloc, perm);
    return NNINIT_OK;
}

int nninit_init(const nninit_spec *spec, const nninit_shape *shape,
                nninit_layout layout, nninit_dtype dtype, void *out,
                uint64_t begin, uint64_t end, const nninit_fill_opts *opts,
                nninit_error *err)
{
    nninit_fill_opts def = nninit_fill_opts_default();
    if (!opts)
        opts = &def;
    if (nninit_dtype_size(dtype) == 0)
        return nninit__fail(err, NNINIT_EINVAL, "unknown dtype %d", (int)dtype);
    nninit_resolved r;
    int rc = nninit_resolve(spec, shape, layout, &r, err);
    if (rc)
        return rc;
    uint64_t numel = nninit_shape_numel(shape);
    if (begin > end || end > numel)
        return nninit__fail(err, NNINIT_ERANGE,
                            "range %llu:%llu is outside the tensor's %llu "
                            "elements", (unsigned long long)begin,
                            (unsigned long long)end,
                            (unsigned long long)numel);
    if (begin == end)
        return NNINIT_OK;
    if (!out)
        return nninit__fail(err, NNINIT_EINVAL, "output buffer is NULL");
    switch (r.draw) {
    case NNINIT_DRAW_DIST:
        return nninit_fill(&r.dist, dtype, out, begin, end, opts, err);
    case NNINIT_DRAW_EYE:
        return fill_eye(&r, dtype, out, begin, end);
    case NNINIT_DRAW_DIRAC:
        return fill_dirac(spec, shape, layout, dtype, out, begin, end);
    case NNINIT_DRAW_ORTHOGONAL:
        return fill_orthogonal(&r, dtype, out, begin, end, opts, err);
    case NNINIT_DRAW_DELTA_ORTHOGONAL:
        return fill_delta_orthogonal(&r, shape, layout, dtype, out, begin, end,
                                     opts, err);
    case NNINIT_DRAW_SPARSE:
        return fill_sparse(&r, dtype, out, begin, end, opts, err);
    case NNINIT_DRAW_HADAMARD:
        return fill_hadamard(&r, dtype, out, begin, end);
    }
    return nninit__fail(err, NNINIT_EINVAL, "unknown draw %d", (int)r.draw);
}

int nninit_orthogonal(double *out, int64_t rows, int64_t cols, double gain,
                      const nninit_fill_opts *opts, nninit_error *err)
{
    nninit_shape s;
    int64_t dims[2] = {rows, cols};
    int rc = nninit_shape_make(&s, 2, dims, err);
    if (rc)
        return rc;
    nninit_spec spec = nninit_spec_make(NNINIT_ORTHOGONAL);
    spec.gain = gain;
    return nninit_init(&spec, &s, NNINIT_LAYOUT_TORCH, NNINIT_F64, out, 0,
                       nninit_shape_numel(&s), opts, err);
}
