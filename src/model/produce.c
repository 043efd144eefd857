/*
 * produce.c: the bytes of any range of any planned tensor.
 *
 * Elementwise initializers (and eye, dirac) are pure functions of the
 * element index, so a range is computed directly, in bounded memory.
 * Orthogonal, delta-orthogonal and sparse need the whole matrix (a QR, or
 * each column's zero mask): the producer builds such a tensor (or one gate
 * block of it) once, in the output type, and serves ranges from it until
 * another tensor is asked for. So the peak memory is one such tensor, not
 * the model.
 *
 * --rng torch runs PyTorch's script of steps on one sequential generator,
 * in order. A step that a later step overwrites is only skipped over
 * (nninit_torch_skip); a tensor whose last step is one elementwise draw is
 * streamed into the caller's pieces (nninit_torch_stream), which must then
 * come in order; any other tensor is made whole and held until the next
 * one is asked for, as are finished tensors the plan order has not reached.
 */
#include "plan_internal.h"

#include <string.h>

struct nninit_producer {
    const nninit_plan *p;
    nninit_fill_opts fo;
    /* whole-tensor cache: entry, part (block or overlay) and bytes */
    long cache_entry;
    long cache_part;
    void *cache;
    uint64_t cache_bytes;
    /* --rng torch: the generator, the next op to run, the tensors whose
     * bytes are kept (finished, or waiting for row overlays), and which
     * tensors were served and released. A step that a later step
     * overwrites only advances the generator (nninit_torch_skip). */
    nninit_torch_gen g;
    size_t next_op;
    void **held;
    uint64_t *held_cap; /* bytes each held buffer can hold */
    unsigned char *released;
    /* 1: the tensor being served is made piece by piece straight into the
     * caller's buffers by st (its last step is one elementwise step) */
    int streaming;
    nninit_torch_stream st;
    long serving;
    /* a released buffer kept for the next tensor: fresh memory costs page
     * faults on every large tensor, which dominate on some machines */
    void *spare;
    uint64_t spare_bytes;
};

int nninit_producer_new(const nninit_plan *p, const nninit_fill_opts *fill,
                        nninit_producer **out, nninit_error *err)
{
    *out = NULL;
    nninit_producer *pr =
        (nninit_producer *)nninit__alloc(p->m->alloc, sizeof *pr);
    if (!pr)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    memset(pr, 0, sizeof *pr);
    pr->p = p;
    pr->fo = fill ? *fill : nninit_fill_opts_default();
    pr->fo.seed = p->o.seed;
    pr->cache_entry = -1;
    pr->serving = -1;
    if (p->o.rng == NNINIT_RNG_TORCH) {
        pr->held = (void **)nninit__alloc_array(p->m->alloc, p->n,
                                                sizeof *pr->held);
        if (pr->held) /* cleared first: nninit_producer_free reads it */
            memset(pr->held, 0, p->n * sizeof *pr->held);
        pr->held_cap = (uint64_t *)nninit__alloc_array(
            p->m->alloc, p->n, sizeof *pr->held_cap);
        pr->released = (unsigned char *)nninit__alloc(p->m->alloc, p->n);
        if (!pr->held || !pr->held_cap || !pr->released) {
            nninit_producer_free(pr);
            return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        }
        memset(pr->held_cap, 0, p->n * sizeof *pr->held_cap);
        memset(pr->released, 0, p->n);
        nninit_torch_gen_init(&pr->g, p->o.seed, p->o.torch_kernel);
        pr->g.version = p->o.torch_version;
        pr->g.simd = pr->fo.simd;
    }
    *out = pr;
    return NNINIT_OK;
}

static void drop_cache(nninit_producer *pr)
{
    nninit__free(pr->fo.alloc, pr->cache);
    pr->cache = NULL;
    pr->cache_bytes = 0;
    pr->cache_entry = -1;
    pr->cache_part = -1;
}

void nninit_producer_free(nninit_producer *pr)
{
    if (!pr)
        return;
    drop_cache(pr);
    if (pr->held)
        for (size_t i = 0; i < pr->p->n; i++)
            nninit__free(pr->fo.alloc, pr->held[i]);
    nninit__free(pr->p->m->alloc, pr->held);
    nninit__free(pr->p->m->alloc, pr->held_cap);
    nninit__free(pr->p->m->alloc, pr->released);
    nninit__free(pr->fo.alloc, pr->spare);
    nninit__free(pr->p->m->alloc, pr);
}

uint64_t nninit_producer_held_bytes(const nninit_producer *pr)
{
    uint64_t n = pr->cache_bytes + pr->spare_bytes;
    if (pr->held)
        for (size_t i = 0; i < pr->p->n; i++)
            n += pr->held_cap[i];
    return n;
}

/* ------------------------------------------------------------------------ */
/* --rng torch                                                              */
/* ------------------------------------------------------------------------ */

/* rc, with the tensor's name in front of the message */
static int named(int rc, const nninit_plan_entry *e, nninit_error *err)
{
    if (rc && err) {
        char msg[sizeof err->msg];
        memcpy(msg, err->msg, sizeof msg);
        nninit__fail(err, rc, "%s: %s", e->name, msg);
    }
    return rc;
}

/* Run op k of the script into buf (the whole tensor), or with buf NULL
 * only make its draws. */
static int torch_op(nninit_producer *pr, size_t k, void *buf,
                    nninit_error *err)
{
    const nninit_plan *p = pr->p;
    const nninit__op *op = &p->ops[k];
    const nninit_plan_entry *e = &p->e[op->t];
    nninit_dtype dt = nninit_etype_is_float(e->type) ? (nninit_dtype)e->type
                                                     : NNINIT_F32;
    size_t es = nninit_etype_size(e->type);
    int rc;
    if (op->kind == OP_COPY) { /* a clone: no draws */
        const void *src = pr->held[op->src];
        if (buf && !src) /* torch_setup keeps every source a copy reads */
            return nninit__fail(err, NNINIT_EINVAL, "%s: %s is not held",
                                e->name, p->e[op->src].name);
        if (buf)
            memcpy(buf, src, (size_t)e->nbytes);
        rc = NNINIT_OK;
    } else if (!nninit_etype_is_float(e->type)) { /* a step counter: 0 */
        if (buf)
            memset(buf, 0, (size_t)e->nbytes);
        rc = NNINIT_OK;
    }
    else if (op->kind == OP_WHOLE)
        rc = buf ? nninit_torch_init(&pr->g, op->spec, e->shape, dt, buf,
                                     pr->fo.alloc, err)
                 : nninit_torch_skip(&pr->g, op->spec, e->shape, dt,
                                     pr->fo.alloc, err);
    else {
        /* w.chunk(blocks) or w[r0:r1]: each a contiguous row range */
        nninit_shape s = *e->shape;
        uint64_t row = nninit_shape_numel(e->shape) /
                       (uint64_t)(e->shape->dim[0] ? e->shape->dim[0] : 1);
        int parts = op->kind == OP_BLOCKS ? op->blocks : 1;
        s.dim[0] = op->kind == OP_BLOCKS ? e->shape->dim[0] / op->blocks
                                         : op->r1 - op->r0;
        uint64_t first = op->kind == OP_BLOCKS ? 0 : (uint64_t)op->r0;
        rc = NNINIT_OK;
        for (int g = 0; g < parts && rc == NNINIT_OK; g++)
            rc = buf ? nninit_torch_init(
                           &pr->g, op->spec, &s, dt,
                           (char *)buf + (first + (uint64_t)g *
                                                      (uint64_t)s.dim[0]) *
                                             row * es,
                           pr->fo.alloc, err)
                     : nninit_torch_skip(&pr->g, op->spec, &s, dt,
                                         pr->fo.alloc, err);
    }
    return named(rc, e, err);
}

/* 1 if op k draws nothing: a constant fill (zeros_, ones_, fill_). */
static int constant_op(const nninit_plan *p, size_t k)
{
    nninit_kind kind = p->ops[k].spec->kind;
    return kind == NNINIT_ZEROS || kind == NNINIT_ONES ||
           kind == NNINIT_CONSTANT;
}

/* Set up pr->st for tensor i if its last whole step, op k, is one
 * elementwise step and every later step on it is a constant fill of some
 * rows (a padding row, forget-gate rows) right after it: those are then
 * applied to each piece (torch_overlays). */
static int torch_stream_begin(nninit_producer *pr, size_t i, size_t k)
{
    const nninit_plan *p = pr->p;
    const nninit__op *op = &p->ops[k];
    const nninit_plan_entry *e = &p->e[i];
    if (!nninit_etype_is_float(e->type) || op->kind != OP_WHOLE)
        return 0;
    for (size_t j = k + 1; j <= (size_t)p->final_op[i]; j++)
        if (p->ops[j].t != i || p->ops[j].kind != OP_ROWS ||
            !constant_op(p, j))
            return 0;
    return nninit_torch_stream_begin(&pr->st, op->spec, e->shape,
                                     (nninit_dtype)e->type);
}

/* The constant row steps after a streamed tensor's last whole step, on the
 * piece [begin, end) in out. */
static int torch_overlays(nninit_producer *pr, size_t i, void *out,
                          uint64_t begin, uint64_t end, nninit_error *err)
{
    const nninit_plan *p = pr->p;
    const nninit_plan_entry *e = &p->e[i];
    uint64_t row = nninit_shape_numel(e->shape) /
                   (uint64_t)(e->shape->dim[0] ? e->shape->dim[0] : 1);
    size_t es = nninit_etype_size(e->type);
    for (size_t j = (size_t)p->last_whole[i] + 1;
         j <= (size_t)p->final_op[i]; j++) {
        const nninit__op *o = &p->ops[j];
        uint64_t lo = (uint64_t)o->r0 * row, hi = (uint64_t)o->r1 * row;
        lo = lo > begin ? lo : begin;
        hi = hi < end ? hi : end;
        if (lo >= hi)
            continue;
        nninit_shape piece;
        int64_t n = (int64_t)(hi - lo);
        nninit_shape_make(&piece, 1, &n, NULL);
        int rc = nninit_torch_init(&pr->g, o->spec, &piece,
                                   (nninit_dtype)e->type,
                                   (char *)out + (lo - begin) * es,
                                   pr->fo.alloc, err);
        if (rc)
            return named(rc, e, err);
    }
    return NNINIT_OK;
}

/* A buffer of at least nb bytes (its capacity in *cap): the spare one if
 * it is large enough. */
static void *take_buf(nninit_producer *pr, uint64_t nb, uint64_t *cap)
{
    void *b;
    if (pr->spare && pr->spare_bytes >= nb) {
        b = pr->spare;
        *cap = pr->spare_bytes;
    } else {
        nninit__free(pr->fo.alloc, pr->spare);
        b = nninit__alloc(pr->fo.alloc, (size_t)nb);
        *cap = b ? nb : 0;
    }
    pr->spare = NULL;
    pr->spare_bytes = 0;
    return b;
}

/* Give back a buffer of capacity cap; the larger of it and the spare is
 * kept. */
static void give_buf(nninit_producer *pr, void *b, uint64_t cap)
{
    if (pr->spare && pr->spare_bytes >= cap) {
        nninit__free(pr->fo.alloc, b);
        return;
    }
    nninit__free(pr->fo.alloc, pr->spare);
    pr->spare = b;
    pr->spare_bytes = cap;
}

/* Run the script's steps up to (not including) step `end`. */
static int torch_run(nninit_producer *pr, size_t end, nninit_error *err)
{
    const nninit_plan *p = pr->p;
    while (pr->next_op < end) {
        size_t k = pr->next_op;
        size_t t = p->ops[k].t;
        uint64_t nb = p->e[t].nbytes;
        /* a later step replaces all of it, and no clone copies it before
         * that: draws only */
        void *buf = NULL;
        if ((long)k >= p->keep_from[t]) {
            if (!pr->held[t] &&
                !(pr->held[t] = take_buf(pr, nb, &pr->held_cap[t])))
                return nninit__fail(err, NNINIT_ENOMEM, "out of memory for %s",
                                    p->e[t].name);
            buf = pr->held[t];
        }
        int rc = torch_op(pr, k, buf, err);
        if (rc)
            return rc;
        pr->next_op++;
    }
    return NNINIT_OK;
}

static int torch_fill(nninit_producer *pr, size_t i, void *out,
                      uint64_t begin, uint64_t end, nninit_error *err)
{
    const nninit_plan *p = pr->p;
    if (pr->released[i])
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s was already produced (with --rng torch each "
                            "tensor is made once, in plan order)",
                            p->e[i].name);
    int rc;
    if (pr->serving >= 0 && (size_t)pr->serving != i) {
        if (pr->streaming) { /* the rest of its stream: draws only */
            pr->streaming = 0;
            if ((rc = nninit_torch_stream_next(&pr->g, &pr->st, NULL,
                                               pr->st.n - pr->st.done, err)))
                return named(rc, &p->e[pr->serving], err);
        }
        if (pr->held[pr->serving])
            give_buf(pr, pr->held[pr->serving], pr->held_cap[pr->serving]);
        pr->held[pr->serving] = NULL;
        pr->held_cap[pr->serving] = 0;
        pr->released[pr->serving] = 1;
    }
    pr->serving = (long)i;
    if (!pr->streaming &&
        (!pr->held[i] || pr->next_op <= (size_t)p->serve_after[i])) {
        if (p->final_op[i] < 0)
            return nninit__fail(err, NNINIT_EINVAL, "%s: nothing makes it",
                                p->e[i].name);
        /* its last step, or the last one that copies it (a clone) */
        size_t last = (size_t)p->serve_after[i];
        if (p->last_whole[i] >= 0 &&
            (rc = torch_run(pr, (size_t)p->last_whole[i], err)))
            return rc;
        /* a last whole step that is one elementwise step (perhaps with
         * constant rows after it): made in the caller's buffers as they
         * come, never held */
        long w = p->last_whole[i];
        if (begin == 0 && w >= 0 && pr->next_op == (size_t)w &&
            p->serve_after[i] == p->final_op[i] &&
            torch_stream_begin(pr, i, (size_t)w)) {
            pr->next_op = last + 1;
            pr->streaming = 1;
        } else if ((rc = torch_run(pr, last + 1, err))) {
            return rc;
        }
    }
    if (pr->streaming) {
        if (begin != pr->st.done)
            return nninit__fail(err, NNINIT_EINVAL,
                                "%s: with --rng torch its elements are made "
                                "once, in order (%llu asked, %llu next)",
                                p->e[i].name, (unsigned long long)begin,
                                (unsigned long long)pr->st.done);
        rc = nninit_torch_stream_next(&pr->g, &pr->st, out, end - begin, err);
        if (rc)
            return named(rc, &p->e[i], err);
        return torch_overlays(pr, i, out, begin, end, err);
    }
    size_t es = nninit_etype_size(p->e[i].type);
    memcpy(out, (const char *)pr->held[i] + begin * es,
           (size_t)((end - begin) * es));
    return NNINIT_OK;
}

/* Elements [b, e) of one part (the whole tensor, a gate block or a row
 * overlay) drawn as its own tensor of shape `s` from `stream`, into out. */
static int fill_part(nninit_producer *pr, long entry, long part,
                     const nninit_spec *spec, const nninit_shape *s,
                     const nninit_shape *fan_shape, nninit_layout fan_layout,
                     nninit_dtype dt, uint64_t stream, void *out, uint64_t b,
                     uint64_t e, nninit_error *err)
{
    nninit_fill_opts fo = pr->fo;
    fo.stream = stream;
    nninit_resolved r;
    int rc = nninit_resolve(spec, fan_shape, fan_layout, &r, err);
    if (rc)
        return rc;
    if (r.draw == NNINIT_DRAW_DIST)
        return nninit_init(spec, fan_shape, fan_layout, dt, out, b, e, &fo,
                           err);
    if (r.draw == NNINIT_DRAW_EYE || r.draw == NNINIT_DRAW_DIRAC)
        return nninit_init(spec, s, NNINIT_LAYOUT_TORCH, dt, out, b, e, &fo,
                           err);
    /* orthogonal, delta_orthogonal, sparse: the whole part at once */
    size_t es = nninit_dtype_size(dt);
    if (pr->cache_entry != entry || pr->cache_part != part) {
        drop_cache(pr);
        uint64_t n = nninit_shape_numel(s);
        if (n > SIZE_MAX / es)
            return nninit__fail(err, NNINIT_ENOMEM,
                                "tensor too large for this machine");
        pr->cache = nninit__alloc(fo.alloc, (size_t)(n * es));
        if (!pr->cache)
            return nninit__fail(err, NNINIT_ENOMEM,
                                "out of memory for a %llu-element tensor",
                                (unsigned long long)n);
        pr->cache_bytes = n * es;
        rc = nninit_init(spec, s, NNINIT_LAYOUT_TORCH, dt, pr->cache, 0, n,
                         &fo, err);
        if (rc) {
            drop_cache(pr);
            return rc;
        }
        pr->cache_entry = entry;
        pr->cache_part = part;
    }
    memcpy(out, (const char *)pr->cache + b * es, (size_t)((e - b) * es));
    return NNINIT_OK;
}

int nninit_producer_fill(nninit_producer *pr, size_t i, void *out,
                         uint64_t begin, uint64_t end, nninit_error *err)
{
    const nninit_plan *p = pr->p;
    if (i >= p->n)
        return nninit__fail(err, NNINIT_EINVAL, "no tensor %zu", i);
    const nninit_plan_entry *e = &p->e[i];
    const nninit__final *f = &p->f[i];
    if (!e->generated || f->base < 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s is copied from the input, not generated",
                            e->name);
    uint64_t numel = nninit_shape_numel(e->shape);
    if (begin > end || end > numel)
        return nninit__fail(err, NNINIT_ERANGE,
                            "%s: range %llu:%llu is outside its %llu elements",
                            e->name, (unsigned long long)begin,
                            (unsigned long long)end,
                            (unsigned long long)numel);
    if (p->o.rng == NNINIT_RNG_TORCH)
        return torch_fill(pr, i, out, begin, end, err);
    if (begin == end)
        return NNINIT_OK;
    size_t es = nninit_etype_size(e->type);
    if (!nninit_etype_is_float(e->type)) {
        /* the only generated integer tensors are step counters: zeros */
        memset(out, 0, (size_t)((end - begin) * es));
        return NNINIT_OK;
    }
    nninit_dtype dt = (nninit_dtype)e->type;
    const nninit__op *b = &p->ops[f->base];
    /* a clone draws from its source's stream: the same bytes */
    uint64_t stream = b->src >= 0 ? p->e[b->src].stream : e->stream;
    int rc = NNINIT_OK;
    if (b->kind == OP_BLOCKS) {
        nninit_shape bs = *e->shape;
        bs.dim[0] /= b->blocks;
        uint64_t bn = nninit_shape_numel(&bs);
        for (int g = 0; g < b->blocks && rc == NNINIT_OK; g++) {
            uint64_t g0 = (uint64_t)g * bn, g1 = g0 + bn;
            uint64_t lo = begin > g0 ? begin : g0, hi = end < g1 ? end : g1;
            if (lo >= hi)
                continue;
            rc = fill_part(pr, (long)i, g, b->spec, &bs, &bs,
                           NNINIT_LAYOUT_TORCH, dt,
                           nninit_stream_derive(stream,
                                                NNINIT_BLOCK_TAG +
                                                    (uint64_t)g),
                           (char *)out + (lo - begin) * es, lo - g0, hi - g0,
                           err);
        }
    } else {
        nninit_shape view;
        nninit_layout layout;
        nninit__fan_view(p, i, &view, &layout);
        rc = fill_part(pr, (long)i, -1, b->spec, e->shape, &view, layout, dt,
                       stream, out, begin, end, err);
    }
    /* row overlays (the forget-gate bias), each drawn as its own tensor */
    uint64_t row = e->shape->ndim ? numel / (uint64_t)e->shape->dim[0] : 1;
    for (int k = 0; k < f->nover && rc == NNINIT_OK; k++) {
        const nninit__op *o = &p->ops[f->over[k]];
        uint64_t o0 = (uint64_t)o->r0 * row, o1 = (uint64_t)o->r1 * row;
        uint64_t lo = begin > o0 ? begin : o0, hi = end < o1 ? end : o1;
        if (lo >= hi)
            continue;
        nninit_shape rs = *e->shape;
        rs.dim[0] = o->r1 - o->r0;
        rc = fill_part(pr, (long)i, 1000 + k, o->spec, &rs, &rs,
                       NNINIT_LAYOUT_TORCH, dt,
                       nninit_stream_derive(o->src >= 0
                                                ? p->e[o->src].stream
                                                : e->stream,
                                            NNINIT__ROWS_TAG + (uint64_t)o->r0),
                       (char *)out + (lo - begin) * es, lo - o0, hi - o0, err);
    }
    return rc;
}
