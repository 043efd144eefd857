/*
 * plan.c: deciding every tensor's initializer and saying why.
 *
 * The decision is a sequence of steps (ops), as a training script makes
 * them: each module's construction defaults under the chosen preset, then
 * each layer's explicit initializers in the order the spec gives them, then
 * the rules in order. With the counter-based generator a tensor's bytes are
 * those of its last whole-tensor step plus any row overlays after it (the
 * forget-gate bias); with PyTorch's sequential generator every step draws.
 */
#define _POSIX_C_SOURCE 200809L
#include "plan_internal.h"

#include <ctype.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const preset_names[] = {NNINIT_PRESET_MAP(NNINIT__XNAME)};
static const nninit_names preset_table = {"preset", preset_names,
                                          NNINIT_PRESET_COUNT, NULL, 0};
NNINIT__NAMED_ENUM(nninit_preset, nninit_preset, preset_table)

static const char *const rng_names[] = {"philox", "torch"};
static const nninit_names rng_table = {"generator", rng_names, 2, NULL, 0};
NNINIT__NAMED_ENUM(nninit_rng_kind, nninit_rng_kind, rng_table)

nninit_plan_opts nninit_plan_opts_default(void)
{
    nninit_plan_opts o;
    memset(&o, 0, sizeof o);
    o.preset = NNINIT_PRESET_SEED;
    o.rng = NNINIT_RNG_PHILOX;
    o.dtype = NNINIT_F32;
    return o;
}

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */
/* ------------------------------------------------------------------------ */

static const nninit__mlayer *layer_of(const nninit_plan *p, size_t t)
{
    long l = p->m->tensors[t].layer;
    return l >= 0 ? &p->m->layers[l] : NULL;
}

static int is_conv_transpose(nninit_torch_module k)
{
    return k == NNINIT_TORCH_CONV_TRANSPOSE1D ||
           k == NNINIT_TORCH_CONV_TRANSPOSE2D ||
           k == NNINIT_TORCH_CONV_TRANSPOSE3D;
}

static int is_lstm(nninit_torch_module k)
{
    return k == NNINIT_TORCH_LSTM || k == NNINIT_TORCH_LSTM_CELL;
}


const char *nninit__plan_intern(nninit_plan *p, const char *text)
{
    return nninit__strpool_intern(&p->strings, text);
}

static int op_resolve(const nninit_plan *p, const nninit__op *o,
                      nninit_resolved *r, nninit_error *err);

/* With PyTorch's generator every step draws, so all are kept, up to this
 * many; with the counter-based one only the steps that decide the bytes
 * are (at most 1 + NNINIT__MAX_OVERLAYS per tensor). */
#define MAX_TORCH_OPS (1u << 23)
/* op and tensor indices are kept in 32 bits */
_Static_assert(MAX_TORCH_OPS < INT32_MAX &&
                   (uint64_t)NNINIT_MAX_TENSORS * (1 + NNINIT__MAX_OVERLAYS) +
                           64 < INT32_MAX,
               "op indices fit in an int32_t");

/* Room for nc ops; the free list grows with them, so that freeing an op
 * never allocates. */
static int reserve_ops(nninit_plan *p, size_t nc, nninit_error *err)
{
    const nninit_allocator *a = p->m->alloc;
    nninit__op *no = (nninit__op *)nninit__alloc_array(a, nc, sizeof *no);
    size_t *nf = (size_t *)nninit__alloc_array(a, nc, sizeof *nf);
    if (!no || !nf) {
        nninit__free(a, no);
        nninit__free(a, nf);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    if (p->nops)
        memcpy(no, p->ops, p->nops * sizeof *no);
    if (p->nfree)
        memcpy(nf, p->free_ops, p->nfree * sizeof *nf);
    nninit__free(a, p->ops);
    nninit__free(a, p->free_ops);
    p->ops = no;
    p->free_ops = nf;
    p->capops = nc;
    return NNINIT_OK;
}

/* A slot for a new op: a dead one, or one more at the end. */
static int op_slot(nninit_plan *p, size_t *slot, nninit_error *err)
{
    if (p->nfree) {
        *slot = p->free_ops[--p->nfree];
        return NNINIT_OK;
    }
    if (p->o.rng == NNINIT_RNG_TORCH && p->nops == MAX_TORCH_OPS)
        return nninit__fail(err, NNINIT_EINVAL,
                            "more than %u initialization steps (--rng torch "
                            "replays every one; use fewer rules or --rng "
                            "philox)", MAX_TORCH_OPS);
    int rc;
    if (p->nops == p->capops &&
        (rc = reserve_ops(p, p->capops ? p->capops * 2 : 64, err)))
        return rc;
    *slot = p->nops++;
    return NNINIT_OK;
}

/* Add a step and update the tensor's final steps: a whole-tensor step
 * replaces everything before it, a row overlay an earlier one of the same
 * rows. Every step must fit its tensor (a script would fail on it too). */
int nninit__plan_op(nninit_plan *p, size_t t, nninit__op_kind kind,
                    int blocks, int64_t r0, int64_t r1,
                    const nninit_spec *spec, int explicit_, nninit_error *err,
                    const char *fmt, ...)
{
    char why[320];
    size_t at = p->why_prefix ? nninit__strf(why, sizeof why, "%s",
                                             p->why_prefix)
                              : 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why + at, sizeof why - at, fmt, ap);
    va_end(ap);
    nninit__op op;
    memset(&op, 0, sizeof op);
    op.t = t;
    op.kind = kind;
    op.blocks = blocks;
    op.r0 = r0;
    op.r1 = r1;
    op.explicit_ = (unsigned char)explicit_;
    op.src = op.src_op = -1;
    nninit_spec canon;
    nninit__spec_canonical(spec, &canon);
    if (!(op.spec = (const nninit_spec *)nninit__strpool_intern_record(
              &p->specs, &canon)) ||
        !(op.why = nninit__plan_intern(p, why)))
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    nninit__final *f = &p->f[t];
    nninit_resolved r;
    nninit_error e2;
    int rc = op_resolve(p, &op, &r, &e2);
    if (rc)
        return nninit__fail(err, rc, "%s: %s (%s)", p->m->tensors[t].name,
                            e2.msg, why);
    int reuse = p->o.rng != NNINIT_RNG_TORCH; /* dead steps' slots */
    long slot = -1;
    if (kind != OP_ROWS) {
        if (reuse) {
            slot = f->base;
            for (int j = 0; j < f->nover; j++)
                p->free_ops[p->nfree++] = (size_t)f->over[j];
        }
    } else {
        int j = 0;
        while (j < f->nover && !(p->ops[f->over[j]].r0 == r0 &&
                                 p->ops[f->over[j]].r1 == r1))
            j++;
        if (j < f->nover) {
            if (reuse)
                slot = f->over[j];
            memmove(&f->over[j], &f->over[j + 1],
                    (size_t)(f->nover - j - 1) * sizeof *f->over);
            f->nover--;
        }
        if (f->nover == NNINIT__MAX_OVERLAYS)
            return nninit__fail(err, NNINIT_EINVAL,
                                "%s: more than %d row overlays",
                                p->m->tensors[t].name, NNINIT__MAX_OVERLAYS);
    }
    if (slot < 0) {
        size_t k = 0;
        if ((rc = op_slot(p, &k, err)))
            return rc;
        slot = (long)k;
    }
    p->ops[slot] = op;
    if (kind != OP_ROWS) {
        f->base = slot;
        f->nover = 0;
    } else {
        f->over[f->nover++] = slot;
    }
    p->last_op = slot;
    return NNINIT_OK;
}


int nninit__plan_warn(nninit_plan *p, nninit_error *err, const char *fmt, ...)
{
    if (p->nwarn == p->capwarn) {
        size_t nc = p->capwarn ? p->capwarn * 2 : 8;
        char(*nw)[320] =
            (char(*)[320])nninit__alloc(p->m->alloc, nc * sizeof *nw);
        if (!nw)
            return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        if (p->warn)
            memcpy(nw, p->warn, p->nwarn * sizeof *nw);
        nninit__free(p->m->alloc, p->warn);
        p->warn = nw;
        p->capwarn = nc;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->warn[p->nwarn++], sizeof *p->warn, fmt, ap);
    va_end(ap);
    return NNINIT_OK;
}

int nninit__plan_note(nninit_plan *p, nninit_error *err, const char *key,
                      const char *value, const char *fmt, ...)
{
    char text[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    nninit_plan_note n = {nninit__plan_intern(p, key),
                          nninit__plan_intern(p, value),
                          nninit__plan_intern(p, text)};
    if (!n.key || !n.value || !n.text)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (size_t i = 0; i < p->nnotes; i++)
        if (p->notes[i].key == n.key) { /* interned: same text, same pointer */
            p->notes[i] = n;
            return NNINIT_OK;
        }
    if (p->nnotes == p->capnotes) {
        size_t nc = p->capnotes ? p->capnotes * 2 : 8;
        nninit_plan_note *nn = (nninit_plan_note *)nninit__alloc(
            p->m->alloc, nc * sizeof *nn);
        if (!nn)
            return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        if (p->notes)
            memcpy(nn, p->notes, p->nnotes * sizeof *nn);
        nninit__free(p->m->alloc, p->notes);
        p->notes = nn;
        p->capnotes = nc;
    }
    p->notes[p->nnotes++] = n;
    return NNINIT_OK;
}

/* fan_in of a shape in torch layout (0 if < 2 dims). */
static int64_t torch_fan_in(const nninit_shape *s)
{
    int64_t fi = 0;
    if (s->ndim >= 2)
        nninit_fans(s, NNINIT_LAYOUT_TORCH, &fi, NULL, NULL);
    return fi;
}

static nninit_spec uniform_sym(double b)
{
    nninit_spec s = nninit_spec_make(NNINIT_UNIFORM);
    s.low = -b;
    s.high = b;
    return s;
}

static nninit_spec constant(double v)
{
    nninit_spec s = nninit_spec_make(NNINIT_CONSTANT);
    s.value = v;
    return s;
}

static nninit_orth_mode orth_mode(const nninit_plan *p,
                                  const nninit__mlayer *l)
{
    if (l && l->args->orthogonal != NNINIT_ORTH_DEFAULT)
        return l->args->orthogonal;
    switch (p->o.preset) {
    case NNINIT_PRESET_SEED:
    case NNINIT_PRESET_FLAX:
        return NNINIT_ORTH_PER_GATE;
    default:
        return NNINIT_ORTH_WHOLE;
    }
}

/* An op that sets `spec` on all of tensor t: an orthogonal spec on a
 * recurrent weight_hh becomes per-gate blocks when the layer says so. */
static int add_whole(nninit_plan *p, size_t t, const nninit_spec *spec,
                     int explicit_, nninit_error *err, const char *why)
{
    const nninit__mtensor *mt = &p->m->tensors[t];
    const nninit__mlayer *l = layer_of(p, t);
    if (spec->kind == NNINIT_ORTHOGONAL && l &&
        mt->part == NNINIT_PART_RECURRENT && mt->blocks > 1 &&
        orth_mode(p, l) == NNINIT_ORTH_PER_GATE)
        return nninit__plan_op(
            p, t, OP_BLOCKS, mt->blocks, 0, 0, spec, explicit_, err,
            "%s; per gate: %d square blocks, each orthogonal "
            "(Flax's convention)",
            why, mt->blocks);
    return nninit__plan_op(p, t, OP_WHOLE, 1, 0, 0, spec, explicit_, err, "%s",
                           why);
}

/* ------------------------------------------------------------------------ */
/* Roles                                                                    */
/* ------------------------------------------------------------------------ */

/* Lower-case copy of the last dotted component before the final one
 * ("h.0.ln_1.weight" -> "ln_1"), and of the final one ("weight"). */
static void split_name(const char *name, char *owner, size_t on, char *leaf,
                       size_t ln)
{
    const char *last = strrchr(name, '.');
    const char *lf = last ? last + 1 : name;
    nninit__strf(leaf, ln, "%s", lf);
    owner[0] = '\0';
    if (last) {
        const char *s = last;
        while (s > name && s[-1] != '.')
            s--;
        size_t n = (size_t)(last - s);
        if (n >= on)
            n = on - 1;
        memcpy(owner, s, n);
        owner[n] = '\0';
    }
    for (char *c = owner; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    for (char *c = leaf; *c; c++)
        *c = (char)tolower((unsigned char)*c);
}

static int has(const char *s, const char *sub) { return strstr(s, sub) != 0; }

/* What a bare (checkpoint) tensor is, from its name, shape and type. Sets
 * *copy for integer tensors other than num_batches_tracked. */
typedef enum bare_kind {
    BK_COPY,
    BK_INT_ZERO,
    BK_RUNNING_MEAN,
    BK_RUNNING_VAR,
    BK_RECURRENT,
    BK_BIAS,
    BK_NORM_WEIGHT,
    BK_EMBEDDING,
    BK_WEIGHT,
    BK_OTHER_SMALL
} bare_kind;

static bare_kind classify_bare(const nninit__mtensor *t, char *why, size_t wn)
{
    char owner[96], leaf[96], lname[NNINIT_NAME_MAX];
    split_name(t->name, owner, sizeof owner, leaf, sizeof leaf);
    nninit__strf(lname, sizeof lname, "%s", t->name);
    for (char *c = lname; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    int nd = t->shape->ndim;
    if (!nninit_etype_is_float(t->type) && t->type != NNINIT_ET_OTHER) {
        if (!strcmp(leaf, "num_batches_tracked")) {
            nninit__strf(why, wn, "a batch-norm step counter: starts at 0");
            return BK_INT_ZERO;
        }
        nninit__strf(why, wn, "not a floating-point tensor (%s): copied unchanged "
                          "from the input", nninit_etype_name(t->type));
        return BK_COPY;
    }
    if (!strcmp(leaf, "running_mean")) {
        nninit__strf(why, wn, "batch-norm running mean: starts at 0");
        return BK_RUNNING_MEAN;
    }
    if (!strcmp(leaf, "running_var")) {
        nninit__strf(why, wn, "batch-norm running variance: starts at 1");
        return BK_RUNNING_VAR;
    }
    if (has(leaf, "weight_hh") && nd >= 2) {
        nninit__strf(why, wn, "name matches *weight_hh*: a recurrent "
                          "hidden-to-hidden weight");
        return BK_RECURRENT;
    }
    if (has(leaf, "bias")) {
        nninit__strf(why, wn, "name matches *bias*");
        return BK_BIAS;
    }
    int normish = has(owner, "norm") || !strncmp(owner, "ln", 2) ||
                  !strncmp(owner, "bn", 2) || has(leaf, "norm");
    if (nd <= 1 && (normish || has(leaf, "weight") || has(leaf, "scale") ||
                    has(leaf, "gamma"))) {
        nninit__strf(why, wn, normish ? "a normalization layer's scale"
                                  : "a 1-D weight is a per-channel scale "
                                    "(norm or affine)");
        return BK_NORM_WEIGHT;
    }
    if (nd >= 2 && (has(lname, "emb") || !strcmp(owner, "wte") ||
                    !strcmp(owner, "wpe") || !strcmp(leaf, "wte") ||
                    !strcmp(leaf, "wpe"))) {
        nninit__strf(why, wn, "name looks like an embedding table");
        return BK_EMBEDDING;
    }
    if (nd >= 2) {
        nninit__strf(why, wn, "a weight (%d-D)", nd);
        return BK_WEIGHT;
    }
    nninit__strf(why, wn, "%s neither a bias nor a norm scale: no fan to "
                      "scale by, zeros (add a rule to choose)",
             nd == 0 ? "a scalar," : "1-D,");
    return BK_OTHER_SMALL;
}

/* ------------------------------------------------------------------------ */
/* Preset defaults                                                          */
/* ------------------------------------------------------------------------ */

/* The per-activation rule for a weight followed by `act`. */
static int rule_weight(nninit_plan *p, size_t t, nninit_activation act,
                       double slope, int explicit_, const char *prefix,
                       nninit_error *err)
{
    nninit_advice adv;
    int rc = nninit_recommend(NNINIT_ROLE_WEIGHT, act, slope, &adv, err);
    if (rc)
        return rc;
    return nninit__plan_op(p, t, OP_WHOLE, 1, 0, 0, &adv.spec, explicit_, err,
                  "%s%s follows: %s", prefix, nninit_activation_name(act),
                  adv.why);
}

static int rule_role(nninit_plan *p, size_t t, nninit_role role,
                     const char *prefix, nninit_error *err)
{
    nninit_advice adv;
    int rc = nninit_recommend(role, NNINIT_ACT_NONE, NAN, &adv, err);
    if (rc)
        return rc;
    char why[224];
    nninit__strf(why, sizeof why, "%s%s", prefix, adv.why);
    return add_whole(p, t, &adv.spec, 0, err, why);
}

/* Attention's packed in_proj_weight (3E, E) is three (E, E) projections,
 * q, k and v: the presets draw each with its own fans, as Keras and Flax
 * (separate q, k, v kernels) do. */
static int add_qkv(nninit_plan *p, size_t t, const nninit_spec *spec,
                   nninit_error *err, const char *why)
{
    const nninit__mtensor *mt = &p->m->tensors[t];
    if (mt->blocks > 1)
        return nninit__plan_op(p, t, OP_BLOCKS, mt->blocks, 0, 0, spec, 0, err,
                      "per projection (the packed matrix's %d (E, E) blocks "
                      "q, k, v, each with its own fans): %s", mt->blocks, why);
    return add_whole(p, t, spec, 0, err, why);
}

/* bias_k, bias_v: nn.MultiheadAttention's own xavier_normal_ under every
 * preset (Keras and Flax have no such vectors). */
static int kv_bias_default(nninit_plan *p, size_t t, nninit_error *err)
{
    nninit_spec s = nninit_spec_make(NNINIT_XAVIER_NORMAL);
    char why[224];
    nninit__strf(why, sizeof why,
                 "%s preset: a learned key/value row appended to the "
                 "sequence; nn.MultiheadAttention's own xavier_normal_ "
                 "(Keras and Flax have none)",
                 nninit_preset_name(p->o.preset));
    return add_whole(p, t, &s, 0, err, why);
}

/* The seed preset: the per-activation rule of initializers.md, by what
 * each tensor of the module is for. */
static int seed_default(nninit_plan *p, const nninit__mlayer *l,
                        const nninit__mtensor *mt, size_t t, nninit_error *err)
{
    const char *local = mt->name + strlen(l->name) + 1;
    char pre[NNINIT_NAME_MAX + 64];
    /* the kind, not the layer's name (the tensor's name says it), so that
     * alike layers share their texts; a sub-module's tensor is named:
     * "transformer_encoder_layer linear1.weight" */
    int whole = !strchr(local, '.');
    nninit__strf(pre, sizeof pre, "%s%s%s",
                 nninit_torch_module_name(l->args->kind), whole ? "" : " ",
                 whole ? "" : local);
    size_t at = strlen(pre);
    const nninit_activation act = (nninit_activation)mt->follows;
    switch ((nninit_part)mt->part) {
    case NNINIT_PART_WEIGHT:
        if (mt->blocks == 1) {
            nninit__strf(pre + at, sizeof pre - at, ": ");
            return rule_weight(p, t, act, l->args->slope, 0, pre, err);
        }
        /* a linear layer tagged attn_qkv is a packed q, k, v */
        /* fall through */
    case NNINIT_PART_QKV: {
        nninit_spec xu = nninit_spec_make(NNINIT_XAVIER_UNIFORM);
        nninit__strf(pre + at, sizeof pre - at,
                     ": no activation follows a query/key/value projection "
                     "(the softmax acts on the q.k scores), so Xavier keeps "
                     "signal and gradient variance (Glorot & Bengio 2010)");
        return add_qkv(p, t, &xu, err, pre);
    }
    case NNINIT_PART_KV_BIAS:
        return kv_bias_default(p, t, err);
    case NNINIT_PART_INPUT:
        nninit__strf(pre + at, sizeof pre - at, " input-to-hidden, %s: ",
                     mt->blocks > 1 ? "sigmoid gates" : "its nonlinearity");
        return rule_weight(p, t, act, NAN, 0, pre, err);
    case NNINIT_PART_PROJECTION:
        nninit__strf(pre + at, sizeof pre - at, " projection: ");
        return rule_weight(p, t, NNINIT_ACT_NONE, NAN, 0, pre, err);
    case NNINIT_PART_RECURRENT:
        nninit__strf(pre + at, sizeof pre - at, " hidden-to-hidden: ");
        return rule_role(p, t, NNINIT_ROLE_RECURRENT, pre, err);
    case NNINIT_PART_EMBEDDING:
        nninit__strf(pre + at, sizeof pre - at, ": ");
        return rule_role(p, t, NNINIT_ROLE_EMBEDDING, pre, err);
    case NNINIT_PART_NORM_SCALE:
        nninit__strf(pre + at, sizeof pre - at, " scale: ");
        return rule_role(p, t, NNINIT_ROLE_NORM_WEIGHT, pre, err);
    case NNINIT_PART_NORM_SHIFT:
        nninit__strf(pre + at, sizeof pre - at, " shift: ");
        return rule_role(p, t, NNINIT_ROLE_NORM_BIAS, pre, err);
    case NNINIT_PART_BIAS:
    case NNINIT_PART_GATE_BIAS:
        nninit__strf(pre + at, sizeof pre - at, " bias: ");
        return rule_role(p, t, NNINIT_ROLE_BIAS, pre, err);
    default:
        return NNINIT_OK; /* running stats: common to every preset */
    }
}

/* Tensor t becomes a clone of src as it is now (a module deep-copying a
 * sub-module). --rng torch copies src's bytes when it gets there; the
 * counter-based generator gives t src's last whole step and src's stream,
 * so the bytes are equal there too. */
static int add_copy(nninit_plan *p, size_t t, size_t src, nninit_error *err,
                    const char *why)
{
    const nninit__final *fs = &p->f[src]; /* src's steps so far */
    long w = fs->base;
    if (w < 0)
        return nninit__fail(err, NNINIT_EINVAL, "%s: a clone of %s, which "
                            "nothing made yet", p->m->tensors[t].name,
                            p->m->tensors[src].name);
    const nninit__op base = p->ops[w]; /* add_op may move the ops */
    int torch = p->o.rng == NNINIT_RNG_TORCH;
    int rc = nninit__plan_op(p, t, torch ? OP_COPY : base.kind, base.blocks,
                             base.r0, base.r1, base.spec, 0, err, "%s", why);
    if (rc)
        return rc;
    nninit__op *o = &p->ops[p->last_op];
    o->src = torch || base.src < 0 ? (long)src : base.src;
    o->src_op = w;
    if (torch)
        return NNINIT_OK;
    /* row steps on src after its last whole one (a padding row) */
    for (int k = 0; k < fs->nover && rc == NNINIT_OK; k++) {
        const nninit__op r = p->ops[fs->over[k]];
        if ((rc = nninit__plan_op(p, t, OP_ROWS, 1, r.r0, r.r1, r.spec, 0,
                                  err, "%s", why)) == NNINIT_OK)
            p->ops[p->last_op].src = r.src < 0 ? (long)src : r.src;
    }
    return rc;
}

/* PyTorch's construction, step by step, from the module table. */
static int torch_defaults(nninit_plan *p, const nninit__mlayer *l,
                          nninit_error *err)
{
    int ns = 0, rc;
    nninit_error e;
    if ((rc = nninit_torch_layer_steps(l->args, NULL, 0, &ns, &e)))
        return nninit__fail(err, rc, "layer '%s': %s", l->name, e.msg);
    nninit_torch_step *st = (nninit_torch_step *)nninit__alloc(
        p->m->alloc, (size_t)(ns ? ns : 1) * sizeof *st);
    if (!st)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    nninit_torch_layer_steps(l->args, st, ns, NULL, NULL);
    for (int i = 0; i < ns && rc == NNINIT_OK; i++) {
        const nninit_torch_step *s = &st[i];
        size_t t = nninit__layer_tensor(l, s->tensor);
        int rows = s->row1 > s->row0;
        char why[224];
        nninit__strf(why, sizeof why, "torch preset: nn.%s's %s", s->module,
                     s->what);
        if (s->source >= 0)
            rc = add_copy(p, t, nninit__layer_tensor(l, s->source), err,
                          why);
        else
            rc = nninit__plan_op(p, t, rows ? OP_ROWS : OP_WHOLE, 1, s->row0,
                                 s->row1, &s->spec, 0, err, "%s", why);
    }
    nninit__free(p->m->alloc, st);
    return rc;
}

/* Keras 3's and Flax's layer defaults (frameworks-papers-formats.md A.5,
 * B.3), on the PyTorch-shaped tensors. Keras and PyTorch agree on every
 * fan used here; Flax's ConvTranspose kernel is (k.., in, out), so its
 * fan_in is in*rf where PyTorch's layout gives out/groups*rf. */
static int framework_default(nninit_plan *p, const nninit__mlayer *l,
                             const nninit__mtensor *mt, size_t t, int keras,
                             nninit_error *err)
{
    const char *fw = keras ? "keras preset" : "flax preset";
    nninit_spec glorot = nninit_spec_make(NNINIT_XAVIER_UNIFORM);
    nninit_spec lecun = nninit_spec_make(NNINIT_VARIANCE_SCALING);
    lecun.scale = 1;
    lecun.mode = NNINIT_FAN_IN;
    lecun.distribution = NNINIT_DISTRIBUTION_TRUNCATED_NORMAL;
    const nninit_spec *kernel = keras ? &glorot : &lecun;
    const char *kname = keras ? "glorot_uniform" : "lecun_normal (truncated)";
    char why[224];
    nninit_spec s;
    switch ((nninit_part)mt->part) {
    case NNINIT_PART_EMBEDDING:
        if (keras) {
            s = uniform_sym(0.05);
            return add_whole(p, t, &s, 0, err,
                             "keras preset: Embedding's default "
                             "uniform(-0.05, 0.05)");
        }
        s = nninit_spec_make(NNINIT_VARIANCE_SCALING);
        s.distribution = NNINIT_DISTRIBUTION_NORMAL;
        return add_whole(p, t, &s, 0, err,
                         "flax preset: Embed's default "
                         "variance_scaling(1, fan_in, normal) on (num, dim): "
                         "N(0, 1/dim)");
    case NNINIT_PART_NORM_SCALE:
        s = nninit_spec_make(NNINIT_ONES);
        nninit__strf(why, sizeof why, "%s: norm scale ones", fw);
        return add_whole(p, t, &s, 0, err, why);
    case NNINIT_PART_WEIGHT:
        nninit__strf(why, sizeof why, "%s: %s kernel default %s", fw,
                     nninit_torch_module_name(l->args->kind), kname);
        if (mt->blocks > 1) /* a linear layer tagged attn_qkv */
            return add_qkv(p, t, kernel, err, why);
        return add_whole(p, t, kernel, 0, err, why);
    case NNINIT_PART_QKV:
        nninit__strf(why, sizeof why,
                     "%s: attention query/key/value kernels default %s", fw,
                     kname);
        return add_qkv(p, t, kernel, err, why);
    case NNINIT_PART_KV_BIAS:
        return kv_bias_default(p, t, err);
    case NNINIT_PART_INPUT:
    case NNINIT_PART_PROJECTION:
        nninit__strf(why, sizeof why, "%s: recurrent %s default %s", fw,
                     mt->part == NNINIT_PART_INPUT ? "input kernel"
                                                   : "projection",
                     kname);
        return add_whole(p, t, kernel, 0, err, why);
    case NNINIT_PART_RECURRENT:
        s = nninit_spec_make(NNINIT_ORTHOGONAL);
        nninit__strf(why, sizeof why,
                     "%s: recurrent_kernel default orthogonal", fw);
        return add_whole(p, t, &s, 0, err, why);
    case NNINIT_PART_BIAS:
    case NNINIT_PART_GATE_BIAS:
    case NNINIT_PART_NORM_SHIFT:
        s = nninit_spec_make(NNINIT_ZEROS);
        nninit__strf(why, sizeof why, "%s: %s default zeros", fw,
                     mt->part == NNINIT_PART_NORM_SHIFT ? "norm shift"
                                                        : "bias");
        return add_whole(p, t, &s, 0, err, why);
    default:
        return NNINIT_OK;
    }
}

static int keras_default(nninit_plan *p, const nninit__mlayer *l,
                         const nninit__mtensor *mt, size_t t,
                         nninit_error *err)
{
    return framework_default(p, l, mt, t, 1, err);
}

static int flax_default(nninit_plan *p, const nninit__mlayer *l,
                        const nninit__mtensor *mt, size_t t, nninit_error *err)
{
    return framework_default(p, l, mt, t, 0, err);
}

/* 1 if tensor mt of layer l is a parameter of an nn.Linear: a linear
 * layer's, or a transformer's out_proj, linear1, linear2 (its in_proj
 * weights are MultiheadAttention's own parameters). */
static int of_linear(const nninit__mlayer *l, const nninit__mtensor *mt)
{
    if (l->args->kind == NNINIT_TORCH_LINEAR)
        return 1;
    switch (l->args->kind) {
    case NNINIT_TORCH_MULTIHEAD_ATTENTION:
    case NNINIT_TORCH_TRANSFORMER_ENCODER_LAYER:
    case NNINIT_TORCH_TRANSFORMER_DECODER_LAYER:
    case NNINIT_TORCH_TRANSFORMER_ENCODER:
    case NNINIT_TORCH_TRANSFORMER_DECODER:
    case NNINIT_TORCH_TRANSFORMER: {
        char owner[96], leaf[96];
        split_name(mt->name, owner, sizeof owner, leaf, sizeof leaf);
        return !strcmp(owner, "out_proj") || !strcmp(owner, "linear1") ||
               !strcmp(owner, "linear2");
    }
    default:
        return 0;
    }
}

/* The gpt2 and llama presets: the models' _init_weights, which
 * self.apply() runs on every module after construction (nanoGPT, llm.c,
 * Hugging Face's GPT2PreTrainedModel and LlamaPreTrainedModel): nn.Linear
 * and nn.Embedding weights N(0, initializer_range = 0.02), nn.Linear
 * biases 0, norms 1 and 0. Other modules keep PyTorch's construction. */
static int llm_default(nninit_plan *p, const nninit__mlayer *l,
                       const nninit__mtensor *mt, size_t t, nninit_error *err)
{
    int gpt2 = p->o.preset == NNINIT_PRESET_GPT2;
    const char *who = gpt2 ? "gpt2 preset: nanoGPT, llm.c and Hugging Face "
                             "GPT-2's _init_weights"
                           : "llama preset: Hugging Face Llama's "
                             "_init_weights";
    nninit_spec s;
    char why[224];
    switch ((nninit_part)mt->part) {
    case NNINIT_PART_EMBEDDING:
    case NNINIT_PART_WEIGHT:
        if (mt->part == NNINIT_PART_WEIGHT && !of_linear(l, mt))
            return NNINIT_OK;
        s = nninit_spec_make(NNINIT_NORMAL);
        s.std = 0.02;
        nninit__strf(why, sizeof why,
                     "%s: nn.%s weight N(0, initializer_range = 0.02)", who,
                     mt->part == NNINIT_PART_EMBEDDING ? "Embedding"
                                                       : "Linear");
        return add_whole(p, t, &s, 0, err, why);
    case NNINIT_PART_BIAS:
        if (!of_linear(l, mt))
            return NNINIT_OK;
        s = nninit_spec_make(NNINIT_ZEROS);
        nninit__strf(why, sizeof why, "%s: nn.Linear bias 0", who);
        return add_whole(p, t, &s, 0, err, why);
    case NNINIT_PART_NORM_SCALE:
    case NNINIT_PART_NORM_SHIFT:
        s = nninit_spec_make(mt->part == NNINIT_PART_NORM_SCALE ? NNINIT_ONES
                                                                : NNINIT_ZEROS);
        nninit__strf(why, sizeof why, "%s: norm %s", who,
                     mt->part == NNINIT_PART_NORM_SCALE ? "weight 1"
                                                        : "bias 0");
        return add_whole(p, t, &s, 0, err, why);
    default:
        return NNINIT_OK; /* attention's in_proj, convolutions, recurrent
                             layers: as constructed */
    }
}

/* ------------------------------------------------------------------------ */
/* The table of presets                                                     */
/* ------------------------------------------------------------------------ */

typedef int (*tensor_default_fn)(nninit_plan *p, const nninit__mlayer *l,
                                 const nninit__mtensor *mt, size_t t,
                                 nninit_error *err);

typedef struct preset_row {
    tensor_default_fn tensor_default; /* NULL: construction only */
    int construct; /* 1: PyTorch's module construction first (its steps
                      are what --rng torch replays), then tensor_default
                      as the model's _init_weights */
    int scaling;   /* the scaling it carries (nninit_scaling_kind), -1 */
} preset_row;

static const preset_row presets[NNINIT_PRESET_COUNT] = {
    [NNINIT_PRESET_SEED] = {seed_default, 0, -1},
    [NNINIT_PRESET_TORCH] = {NULL, 1, -1},
    [NNINIT_PRESET_KERAS] = {keras_default, 0, -1},
    [NNINIT_PRESET_FLAX] = {flax_default, 0, -1},
    [NNINIT_PRESET_GPT2] = {llm_default, 1, NNINIT_SCALING_GPT2},
    [NNINIT_PRESET_LLAMA] = {llm_default, 1, -1},
};

int nninit__preset_scaling(nninit_preset preset)
{
    return (unsigned)preset < NNINIT_PRESET_COUNT ? presets[preset].scaling
                                                  : -1;
}

/* Running statistics and the step counter: the same under every preset. */
static int stats_default(nninit_plan *p, size_t t, nninit_error *err)
{
    const nninit__mtensor *mt = &p->m->tensors[t];
    nninit_spec z = nninit_spec_make(NNINIT_ZEROS);
    nninit_spec o = nninit_spec_make(NNINIT_ONES);
    switch ((nninit_part)mt->part) {
    case NNINIT_PART_RUNNING_MEAN:
        return add_whole(p, t, &z, 0, err, "batch-norm running mean starts "
                                           "at 0");
    case NNINIT_PART_RUNNING_VAR:
        return add_whole(p, t, &o, 0, err, "batch-norm running variance "
                                           "starts at 1");
    case NNINIT_PART_STEP_COUNT:
        return add_whole(p, t, &z, 0, err, "batch-norm step counter starts "
                                           "at 0");
    default:
        return NNINIT_OK;
    }
}

/* Sibling "<prefix>.<leaf>" of a bare tensor's name; -1 if absent. */
static long sibling(const nninit_plan *p, size_t t, const char *leaf)
{
    const char *name = p->m->tensors[t].name;
    const char *dot = strrchr(name, '.');
    char buf[NNINIT_NAME_MAX + 32];
    nninit__strf(buf, sizeof buf, "%.*s%s%s", dot ? (int)(dot - name) : 0, name,
             dot ? "." : "", leaf);
    return nninit__model_find_tensor(p->m, buf);
}

/* Bare (checkpoint) tensors: the name decides the role, the preset the
 * initializer for that role. */
static int bare_default(nninit_plan *p, size_t t, nninit_error *err)
{
    const nninit__mtensor *mt = &p->m->tensors[t];
    char cls[200], why[224];
    bare_kind k = classify_bare(mt, cls, sizeof cls);
    const char *ps = nninit_preset_name(p->o.preset);
    nninit_spec s;
    switch (k) {
    case BK_COPY:
        return NNINIT_OK;
    case BK_INT_ZERO:
    case BK_RUNNING_MEAN:
    case BK_OTHER_SMALL:
        s = nninit_spec_make(NNINIT_ZEROS);
        return add_whole(p, t, &s, 0, err, cls);
    case BK_RUNNING_VAR:
        s = nninit_spec_make(NNINIT_ONES);
        return add_whole(p, t, &s, 0, err, cls);
    default:
        break;
    }
    /* PyTorch's recurrent modules: every parameter U(+-1/sqrt(hidden)),
     * hidden read from the weight_hr (projection) or weight_hh next to it */
    int rnn_family = has(mt->name, "weight_ih") || has(mt->name, "weight_hh") ||
                     has(mt->name, "weight_hr") || has(mt->name, "bias_ih") ||
                     has(mt->name, "bias_hh");
    if (p->o.preset == NNINIT_PRESET_TORCH && rnn_family) {
        long hr = sibling(p, t, "weight_hr_l0"), hh = sibling(p, t,
                                                              "weight_hh_l0");
        long src = hr >= 0 ? hr : hh;
        if (src >= 0 && p->m->tensors[src].shape->ndim == 2) {
            int64_t H = p->m->tensors[src].shape->dim[1];
            s = uniform_sym(H > 0 ? 1 / sqrt((double)H) : 0);
            nninit__strf(why, sizeof why,
                     "%s; torch preset: nn.RNN/LSTM/GRU default "
                     "U(-1/sqrt(hidden), 1/sqrt(hidden)), hidden %lld",
                     cls, (long long)H);
            return add_whole(p, t, &s, 0, err, why);
        }
    }
    switch (k) {
    case BK_RECURRENT:
        if (p->o.preset == NNINIT_PRESET_TORCH) {
            s = uniform_sym(1 / sqrt((double)(mt->shape->dim[1] ? mt->shape->dim[1]
                                                                : 1)));
            nninit__strf(why, sizeof why, "%s; torch preset: U(-1/sqrt(hidden), "
                                      "1/sqrt(hidden))", cls);
            return add_whole(p, t, &s, 0, err, why);
        }
        s = nninit_spec_make(NNINIT_ORTHOGONAL);
        nninit__strf(why, sizeof why, "%s: orthogonal (%s preset), all singular "
                                  "values 1", cls, ps);
        return add_whole(p, t, &s, 0, err, why);
    case BK_BIAS:
        if (p->o.preset == NNINIT_PRESET_TORCH) {
            long w = sibling(p, t, "weight");
            int64_t fi = w >= 0 ? torch_fan_in(p->m->tensors[w].shape) : 0;
            if (fi > 0) {
                s = uniform_sym(1 / sqrt((double)fi));
                nninit__strf(why, sizeof why,
                         "%s; torch preset: Linear/Conv bias "
                         "U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in %lld of "
                         "the weight beside it", cls, (long long)fi);
                return add_whole(p, t, &s, 0, err, why);
            }
        }
        s = nninit_spec_make(NNINIT_ZEROS);
        nninit__strf(why, sizeof why, "%s: zeros (%s preset)", cls, ps);
        return add_whole(p, t, &s, 0, err, why);
    case BK_NORM_WEIGHT:
        s = nninit_spec_make(NNINIT_ONES);
        nninit__strf(why, sizeof why, "%s: ones", cls);
        return add_whole(p, t, &s, 0, err, why);
    case BK_EMBEDDING:
        switch (p->o.preset) {
        case NNINIT_PRESET_KERAS:
            s = uniform_sym(0.05);
            nninit__strf(why, sizeof why, "%s; keras preset: uniform(-0.05, "
                                      "0.05)", cls);
            break;
        case NNINIT_PRESET_FLAX:
            s = nninit_spec_make(NNINIT_VARIANCE_SCALING);
            s.distribution = NNINIT_DISTRIBUTION_NORMAL;
            nninit__strf(why, sizeof why, "%s; flax preset: N(0, 1/dim)", cls);
            break;
        default:
            s = nninit_spec_make(NNINIT_NORMAL);
            nninit__strf(why, sizeof why, "%s: N(0, 1), PyTorch's default (%s "
                                      "preset)", cls, ps);
            break;
        }
        return add_whole(p, t, &s, 0, err, why);
    case BK_WEIGHT:
        switch (p->o.preset) {
        case NNINIT_PRESET_TORCH:
            s = nninit_spec_make(NNINIT_KAIMING_UNIFORM);
            s.a = sqrt(5.0);
            nninit__strf(why, sizeof why, "%s; torch preset: Linear/Conv "
                                      "default kaiming_uniform_(a=sqrt(5))",
                     cls);
            return add_whole(p, t, &s, 0, err, why);
        case NNINIT_PRESET_KERAS:
            s = nninit_spec_make(NNINIT_XAVIER_UNIFORM);
            nninit__strf(why, sizeof why, "%s; keras preset: glorot_uniform", cls);
            return add_whole(p, t, &s, 0, err, why);
        case NNINIT_PRESET_FLAX:
            s = nninit_spec_make(NNINIT_VARIANCE_SCALING);
            nninit__strf(why, sizeof why, "%s; flax preset: lecun_normal "
                                      "(truncated)", cls);
            return add_whole(p, t, &s, 0, err, why);
        default: {
            char pre[240];
            nninit__strf(pre, sizeof pre, "%s, no activation given (a rule with "
                                      "activation: sets one), so ", cls);
            return rule_weight(p, t, NNINIT_ACT_NONE, NAN, 0, pre, err);
        }
        }
    default:
        return nninit__fail(err, NNINIT_EINVAL, "unclassified tensor");
    }
}

/* A layer's construction defaults under the preset. */
/* The preset's choice for each of a layer's tensors (after every module
 * was constructed, for the presets that construct: a model's
 * _init_weights runs once the whole model exists). */
static int layer_defaults(nninit_plan *p, const nninit__mlayer *l,
                          nninit_error *err)
{
    const preset_row *row = &presets[p->o.preset];
    int rc = NNINIT_OK;
    /* a tied weight is its owner's tensor, seen here as this layer's (its
     * name, what it is, what follows it) */
    nninit_torch_tensor *tt = NULL;
    char tname[NNINIT_NAME_MAX + 72];
    if (rc == NNINIT_OK && l->tied_local >= 0 && row->tensor_default &&
        !(tt = nninit__layer_tensors(p->m, l)))
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (int k = 0; k < l->ntensors && rc == NNINIT_OK &&
                    row->tensor_default; k++) {
        size_t t = nninit__layer_tensor(l, k);
        nninit__mtensor view = p->m->tensors[t];
        if (k == l->tied_local) {
            nninit__strf(tname, sizeof tname, "%s.%s", l->name, tt[k].name);
            view.name = tname;
            view.part = (unsigned char)tt[k].part;
            view.follows = (unsigned char)tt[k].follows;
            view.blocks = (unsigned char)tt[k].blocks;
        }
        /* say whose choice a shared tensor got */
        char pre[NNINIT_NAME_MAX + 96];
        if (k == l->tied_local) {
            nninit__strf(pre, sizeof pre, "as %s (tied to it): ", tname);
            p->why_prefix = pre;
        }
        switch ((nninit_part)view.part) {
        case NNINIT_PART_RUNNING_MEAN:
        case NNINIT_PART_RUNNING_VAR:
        case NNINIT_PART_STEP_COUNT:
            if (!row->construct)
                rc = stats_default(p, t, err);
            break;
        default:
            rc = row->tensor_default(p, l, &view, t, err);
        }
        p->why_prefix = NULL;
    }
    nninit__free(p->m->alloc, tt);
    /* Embedding(padding_idx): PyTorch never updates that row, so it stays
     * what it starts as; every preset starts it at 0, as PyTorch does (and
     * as Hugging Face's _init_weights does again after its normal_) */
    const nninit_torch_layer *a = l->args;
    if (rc == NNINIT_OK && a->kind == NNINIT_TORCH_EMBEDDING &&
        a->has_padding_idx && row->tensor_default) {
        int64_t r = a->padding_idx < 0 ? a->num_embeddings + a->padding_idx
                                       : a->padding_idx;
        nninit_spec z = nninit_spec_make(NNINIT_ZEROS);
        rc = nninit__plan_op(p, nninit__layer_tensor(l, 0), OP_ROWS, 1, r,
                             r + 1, &z, 0, err,
                             "padding_idx %lld: the row of the padding token "
                             "is 0 (nn.Embedding zeroes it and never updates "
                             "it)", (long long)r);
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Explicit steps: layer overrides, forget-gate bias, rules                  */
/* ------------------------------------------------------------------------ */

static const char *at_line(int line, char *buf, size_t n)
{
    if (line > 0)
        nninit__strf(buf, n, ", line %d", line);
    else
        buf[0] = '\0';
    return buf;
}

static int layer_explicit(nninit_plan *p, const nninit__mlayer *l,
                          nninit_error *err)
{
    char ln[32], why[224], sf[128];
    int rc = NNINIT_OK;
    nninit_torch_tensor *tt = NULL;
    if (l->n_inits &&
        !(tt = nninit__layer_tensors(p->m, l)))
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (int i = 0; i < l->n_inits && rc == NNINIT_OK; i++) {
        const nninit_tensor_init *ti = &p->m->inits[l->first_init + (size_t)i];
        const char *what = !strcmp(ti->key, "weights") ? "init"
                           : !strcmp(ti->key, "biases") ? "bias_init"
                                                        : ti->key;
        nninit__strf(why, sizeof why, "%s: %s of layer '%s'%s", what,
                     nninit_spec_format(&ti->spec, sf, sizeof sf), l->name,
                     at_line(ti->line, ln, sizeof ln));
        for (int k = 0; k < l->ntensors && rc == NNINIT_OK; k++)
            if (k != l->tied_local &&
                nninit__init_key_matches(ti->key, &tt[k]))
                rc = add_whole(p, nninit__layer_tensor(l, k), &ti->spec, 1,
                               err, why);
    }
    nninit__free(p->m->alloc, tt);
    if (rc)
        return rc;
    /* The forget-gate bias: PyTorch's gate order is (i, f, g, o), so rows
     * [hidden, 2*hidden). bias_ih's rows get the value and bias_hh's rows
     * zero, so the gate's total bias is exactly forget_bias, as Keras's one
     * bias vector has it. */
    const nninit_torch_layer *a = l->args;
    double fb = a->forget_bias;
    const char *src = "forget_bias of the layer";
    if (isnan(fb) && is_lstm(a->kind) && a->bias &&
        p->o.preset == NNINIT_PRESET_KERAS) {
        fb = 1.0;
        src = "keras preset: unit_forget_bias";
    }
    if (isnan(fb))
        return NNINIT_OK;
    for (int k = 0; k < l->ntensors; k++) {
        size_t t = nninit__layer_tensor(l, k);
        const nninit__mtensor *mt = &p->m->tensors[t];
        if (k == l->tied_local || mt->part != NNINIT_PART_GATE_BIAS)
            continue;
        /* bias_ih, then bias_hh, in every layer and direction */
        int ih = strstr(mt->name + strlen(l->name), "bias_ih") != NULL;
        nninit_spec s = ih ? constant(fb) : nninit_spec_make(NNINIT_ZEROS);
        if ((rc = nninit__plan_op(p, t, OP_ROWS, 1, a->hidden, 2 * a->hidden,
                                  &s, !isnan(a->forget_bias), err,
                                  "%s %g: forget-gate rows %lld:%lld %s", src,
                                  fb, (long long)a->hidden,
                                  (long long)(2 * a->hidden),
                                  ih ? "hold it"
                                     : "are zero so b_ih + b_hh is "
                                       "exactly it")))
            return rc;
    }
    return NNINIT_OK;
}

static nninit_role tensor_role(const nninit_plan *p, size_t t)
{
    const nninit__mtensor *mt = &p->m->tensors[t];
    if (mt->layer < 0) {
        char why[200];
        switch (classify_bare(mt, why, sizeof why)) {
        case BK_RECURRENT: return NNINIT_ROLE_RECURRENT;
        case BK_BIAS: return NNINIT_ROLE_BIAS;
        case BK_NORM_WEIGHT:
        case BK_RUNNING_VAR: return NNINIT_ROLE_NORM_WEIGHT;
        case BK_EMBEDDING: return NNINIT_ROLE_EMBEDDING;
        case BK_WEIGHT: return NNINIT_ROLE_WEIGHT;
        default: return NNINIT_ROLE_NORM_BIAS;
        }
    }
    switch ((nninit_part)mt->part) {
    case NNINIT_PART_WEIGHT:
    case NNINIT_PART_QKV:
    case NNINIT_PART_INPUT:
    case NNINIT_PART_PROJECTION:
        return NNINIT_ROLE_WEIGHT;
    case NNINIT_PART_RECURRENT:
        return NNINIT_ROLE_RECURRENT;
    case NNINIT_PART_BIAS:
    case NNINIT_PART_GATE_BIAS:
    case NNINIT_PART_KV_BIAS:
        return NNINIT_ROLE_BIAS;
    case NNINIT_PART_EMBEDDING:
        return NNINIT_ROLE_EMBEDDING;
    case NNINIT_PART_NORM_SCALE:
    case NNINIT_PART_RUNNING_VAR:
        return NNINIT_ROLE_NORM_WEIGHT;
    default:
        return NNINIT_ROLE_NORM_BIAS;
    }
}

/* Rules are matched through two sorted views of the names (as written,
 * and read backwards): a pattern's literal prefix ("h.*.attn*": "h.") or
 * suffix ("*.bias": ".bias") picks the only names it can match, and a
 * pattern without wildcards is looked up. So a thousand rules over a
 * million tensors test about as many names as they match, not a billion;
 * what is left (patterns like "*attn*") is budgeted. */
#define MAX_RULE_TESTS (1u << 25)

typedef struct nref {
    const char *name;
    size_t len, t;
} nref;

/* Order of names read forwards (rev 0) or backwards (rev 1). */
static int nref_cmp(const nref *a, const nref *b, int rev)
{
    size_t n = a->len < b->len ? a->len : b->len;
    for (size_t k = 0; k < n; k++) {
        unsigned char x = (unsigned char)(rev ? a->name[a->len - 1 - k]
                                              : a->name[k]);
        unsigned char y = (unsigned char)(rev ? b->name[b->len - 1 - k]
                                              : b->name[k]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a->len < b->len ? -1 : a->len > b->len;
}

static int by_fwd(const void *a, const void *b)
{
    return nref_cmp((const nref *)a, (const nref *)b, 0);
}

static int by_rev(const void *a, const void *b)
{
    return nref_cmp((const nref *)a, (const nref *)b, 1);
}

/* In v (sorted that way), the first name that starts (rev 0) or ends
 * (rev 1) with lit[0..n) or comes after those (upper 0), or the first that
 * comes after all of them (upper 1). */
static size_t lit_bound(const nref *v, size_t count, const char *lit,
                        size_t n, int rev, int upper)
{
    nref key = {lit, n, 0};
    size_t a = 0, b = count;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        nref cut = v[mid];
        if (cut.len > n) { /* compare only its first (last) n chars */
            if (rev)
                cut.name += cut.len - n;
            cut.len = n;
        }
        int c = nref_cmp(&cut, &key, rev);
        if (c < 0 || (upper && c == 0))
            a = mid + 1;
        else
            b = mid;
    }
    return a;
}

typedef struct rindex {
    nref *fwd, *rev;
    size_t *hits;
    uint64_t tests;
} rindex;

static int by_index(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The tensors rule r matches, in model order, into ix->hits. */
static int rule_hits(nninit_plan *p, rindex *ix, size_t r, size_t *nhits,
                     nninit_error *err)
{
    const nninit_model *m = p->m;
    const char *pat = m->rules[r].match;
    size_t n = m->ntensors, plen = strcspn(pat, "*?[\\");
    *nhits = 0;
    if (!pat[plen]) { /* no wildcard: the name itself */
        long t = nninit__model_find_tensor(m, pat);
        if (t >= 0)
            ix->hits[(*nhits)++] = (size_t)t;
        return NNINIT_OK;
    }
    const char *last = pat + plen;
    for (const char *c = last; *c; c++)
        if (strchr("*?[]\\", *c))
            last = c;
    size_t slen = strlen(last + 1);
    size_t lo = lit_bound(ix->fwd, n, pat, plen, 0, 0);
    size_t hi = lit_bound(ix->fwd, n, pat, plen, 0, 1);
    size_t rlo = lit_bound(ix->rev, n, last + 1, slen, 1, 0);
    size_t rhi = lit_bound(ix->rev, n, last + 1, slen, 1, 1);
    const nref *v = hi - lo <= rhi - rlo ? ix->fwd + lo : ix->rev + rlo;
    size_t count = hi - lo <= rhi - rlo ? hi - lo : rhi - rlo;
    if (count > MAX_RULE_TESTS - ix->tests)
        return nninit__fail(err, NNINIT_EINVAL,
                            "rule %zu (match '%s'): the rules need more than "
                            "%u name tests; give patterns a literal start or "
                            "end (\"h.*\", \"*.bias\")", r + 1, pat,
                            MAX_RULE_TESTS);
    ix->tests += count;
    for (size_t k = 0; k < count; k++)
        if (fnmatch(pat, v[k].name, 0) == 0)
            ix->hits[(*nhits)++] = v[k].t;
    qsort(ix->hits, *nhits, sizeof *ix->hits, by_index);
    return NNINIT_OK;
}

static int rules_index(nninit_plan *p, rindex *ix, nninit_error *err)
{
    const nninit_model *m = p->m;
    const nninit_allocator *a = m->alloc;
    size_t n = m->ntensors;
    ix->fwd = (nref *)nninit__alloc_array(a, n, sizeof *ix->fwd);
    ix->rev = (nref *)nninit__alloc_array(a, n, sizeof *ix->rev);
    ix->hits = (size_t *)nninit__alloc_array(a, n, sizeof *ix->hits);
    if (!ix->fwd || !ix->rev || !ix->hits)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (size_t t = 0; t < n; t++) {
        nref e = {m->tensors[t].name, strlen(m->tensors[t].name), t};
        ix->fwd[t] = ix->rev[t] = e;
    }
    qsort(ix->fwd, n, sizeof *ix->fwd, by_fwd);
    qsort(ix->rev, n, sizeof *ix->rev, by_rev);
    return NNINIT_OK;
}

static int apply_rules(nninit_plan *p, nninit_error *err)
{
    const nninit_model *m = p->m;
    char ln[32], sf[128], why[224];
    rindex ix;
    memset(&ix, 0, sizeof ix);
    int rc = m->nrules ? rules_index(p, &ix, err) : NNINIT_OK;
    for (size_t r = 0; r < m->nrules && rc == NNINIT_OK; r++) {
        const nninit_rule *ru = &m->rules[r];
        size_t hits = 0;
        if ((rc = rule_hits(p, &ix, r, &hits, err)))
            break;
        if (ru->has_init)
            nninit__strf(why, sizeof why, "rule %zu (match '%s'%s): %s", r + 1,
                     ru->match, at_line(ru->line, ln, sizeof ln),
                     nninit_spec_format(&ru->spec, sf, sizeof sf));
        size_t affected = 0;
        for (size_t h = 0; h < hits && rc == NNINIT_OK; h++) {
            size_t t = ix.hits[h];
            if (p->e[t].generated == 0)
                continue; /* copied integer tensors: nothing to draw */
            if (ru->has_init) {
                rc = add_whole(p, t, &ru->spec, 1, err, why);
            } else if (tensor_role(p, t) == NNINIT_ROLE_WEIGHT) {
                affected++;
                char pre[200];
                nninit__strf(pre, sizeof pre, "rule %zu (match '%s'%s): ", r + 1,
                         ru->match, at_line(ru->line, ln, sizeof ln));
                rc = rule_weight(p, t, ru->activation, ru->slope, 1, pre, err);
            }
        }
        if (rc == NNINIT_OK && hits == 0)
            rc = nninit__plan_warn(p, err, "rule %zu (match '%s'%s) matches "
                                   "no tensor", r + 1, ru->match,
                                   at_line(ru->line, ln, sizeof ln));
        if (rc == NNINIT_OK && hits && ru->has_activation && !affected)
            rc = nninit__plan_warn(p, err,
                                   "rule %zu (match '%s'%s) sets an "
                                   "activation, but matches no weight it "
                                   "would change (biases, norms and "
                                   "embeddings do not follow an activation)",
                                   r + 1, ru->match,
                                   at_line(ru->line, ln, sizeof ln));
    }
    nninit__free(m->alloc, ix.fwd);
    nninit__free(m->alloc, ix.rev);
    nninit__free(m->alloc, ix.hits);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Checking and summarizing                                                 */
/* ------------------------------------------------------------------------ */

/* The shape op o's spec is drawn over, for a tensor of shape `full` (its
 * own, or its muP base shape): a row block or rows of it, or the whole;
 * with `fans`, a whole tensor's fan view (Flax's ConvTranspose kernels
 * are seen in Keras's layout). */
void nninit__op_view(const nninit_plan *p, const nninit__op *o,
                     const nninit_shape *full, int fans, nninit_shape *s,
                     nninit_layout *layout)
{
    *s = *full;
    *layout = NNINIT_LAYOUT_TORCH;
    if (o->kind == OP_BLOCKS && s->ndim >= 1)
        s->dim[0] /= o->blocks;
    else if (o->kind == OP_ROWS && s->ndim >= 1)
        s->dim[0] = o->r1 - o->r0;
    else if (fans && p->f[o->t].keras_fans) {
        /* torch (in, out/g, k..) -> flax (k.., in, out/g) */
        int nd = full->ndim;
        for (int i = 2; i < nd; i++)
            s->dim[i - 2] = full->dim[i];
        s->dim[nd - 2] = full->dim[0];
        s->dim[nd - 1] = full->dim[1];
        *layout = NNINIT_LAYOUT_KERAS;
    }
}

int nninit__op_resolve(const nninit_plan *p, const nninit__op *o,
                       const nninit_shape *full, nninit_resolved *r,
                       nninit_error *err)
{
    nninit_shape s, view;
    nninit_layout fl;
    nninit__op_view(p, o, full, 1, &view, &fl);
    int rc = nninit_resolve(o->spec, &view, fl, r, err);
    if (rc == NNINIT_OK && r->draw != NNINIT_DRAW_DIST &&
        fl != NNINIT_LAYOUT_TORCH) {
        nninit__op_view(p, o, full, 0, &s, &fl);
        rc = nninit_resolve(o->spec, &s, NNINIT_LAYOUT_TORCH, r, err);
    }
    return rc;
}

/* Resolve an op's spec: elementwise draws against the fan view (the
 * tensor's own shape in PyTorch's layout, except Flax's ConvTranspose),
 * structured ones (orthogonal, eye, ...) against the actual shape. */
static int op_resolve(const nninit_plan *p, const nninit__op *o,
                      nninit_resolved *r, nninit_error *err)
{
    return nninit__op_resolve(p, o, p->m->tensors[o->t].shape, r, err);
}

static int keras_fans(const nninit_plan *p, size_t t)
{
    const nninit__mtensor *mt = &p->m->tensors[t];
    const nninit__mlayer *l = layer_of(p, t);
    return p->o.preset == NNINIT_PRESET_FLAX && l &&
           mt->part == NNINIT_PART_WEIGHT && is_conv_transpose(l->args->kind);
}

void nninit__fan_view(const nninit_plan *p, size_t t, nninit_shape *shape,
                      nninit_layout *layout)
{
    nninit__op o;
    memset(&o, 0, sizeof o);
    o.t = t;
    o.kind = OP_WHOLE;
    nninit__op_view(p, &o, p->m->tensors[t].shape, 1, shape, layout);
}

/* The entry's init and why texts, from its final steps (interned). */
static int summarize(nninit_plan *p, size_t t)
{
    nninit_plan_entry *e = &p->e[t];
    nninit__final *f = &p->f[t];
    char sf[128], init[192], why[320];
    const nninit__op *b = &p->ops[f->base];
    e->spec = b->spec;
    e->composite = b->kind == OP_BLOCKS || f->nover > 0;
    size_t at = nninit__strf(init, sizeof init, "%s",
                             nninit_spec_format(b->spec, sf, sizeof sf));
    if (b->kind == OP_BLOCKS) {
        nninit_shape s;
        nninit_layout lay;
        char sb[64];
        nninit__op_view(p, b, p->m->tensors[t].shape, 0, &s, &lay);
        at += nninit__strf(init + at, sizeof init - at, " per %s: %d blocks %s",
                           p->m->tensors[t].part == NNINIT_PART_QKV
                               ? "projection"
                               : "gate",
                           b->blocks, nninit_shape_format(&s, sb, sizeof sb));
    }
    size_t wt = nninit__strf(why, sizeof why, "%s", b->why);
    for (int k = 0; k < f->nover; k++) {
        const nninit__op *o = &p->ops[f->over[k]];
        at += nninit__strf(init + at, sizeof init - at, "; rows %lld:%lld %s",
                           (long long)o->r0, (long long)o->r1,
                           nninit_spec_format(o->spec, sf, sizeof sf));
        wt += nninit__strf(why + wt, sizeof why - wt, "; %s", o->why);
    }
    e->init = nninit__plan_intern(p, init);
    e->why = nninit__plan_intern(p, why);
    return e->init && e->why ? NNINIT_OK : NNINIT_ENOMEM;
}

/* ------------------------------------------------------------------------ */
/* The plan                                                                 */
/* ------------------------------------------------------------------------ */

void nninit_plan_free(nninit_plan *p)
{
    if (!p)
        return;
    const nninit_allocator *a = p->m->alloc;
    nninit__free(a, p->e);
    nninit__free(a, p->f);
    nninit__free(a, p->ops);
    nninit__free(a, p->free_ops);
    nninit__strpool_free(&p->strings);
    nninit__strpool_free(&p->specs);
    nninit__strpool_free(&p->resolved);
    nninit__free(a, p->order);
    nninit__free(a, p->warn);
    nninit__free(a, p->notes);
    nninit__strpool_free(&p->bases);
    nninit__free(a, p->final_op);
    nninit__free(a, p->last_whole);
    nninit__free(a, p->keep_from);
    nninit__free(a, p->serve_after);
    nninit__free(a, p);
}

/* ------------------------------------------------------------------------ */
/* --rng torch: the script PyTorch would run                                */
/* ------------------------------------------------------------------------ */

/* What PyTorch's generator cannot do (torch.h, nninit_torch_check). */
static int torch_can(const nninit_spec *s, nninit_dtype dt,
                     nninit_torch_version version, const char *name,
                     const char *why, nninit_error *err)
{
    nninit_error e;
    if (nninit_torch_check(s, dt, version, &e))
        return nninit__fail(err, NNINIT_EINVAL, "%s: --rng torch cannot make "
                            "it (%s): %s", name, why, e.msg);
    return NNINIT_OK;
}

typedef struct ordkey {
    long key;
    size_t t;
} ordkey;

static int by_key(const void *x, const void *y)
{
    const ordkey *a = (const ordkey *)x, *b = (const ordkey *)y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->t < b->t ? -1 : a->t > b->t;
}

static int torch_setup(nninit_plan *p, nninit_error *err)
{
    const nninit_allocator *a = p->m->alloc;
    p->final_op = (long *)nninit__alloc(a, p->n * sizeof *p->final_op);
    p->last_whole = (long *)nninit__alloc(a, p->n * sizeof *p->last_whole);
    p->keep_from = (long *)nninit__alloc(a, p->n * sizeof *p->keep_from);
    p->serve_after = (long *)nninit__alloc(a, p->n * sizeof *p->serve_after);
    if (!p->final_op || !p->last_whole || !p->keep_from || !p->serve_after)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (size_t t = 0; t < p->n; t++)
        p->final_op[t] = p->last_whole[t] = -1;
    for (size_t k = 0; k < p->nops; k++) {
        const nninit__op *op = &p->ops[k];
        p->final_op[op->t] = (long)k;
        if (op->kind != OP_ROWS)
            p->last_whole[op->t] = (long)k;
        int rc;
        if (op->kind != OP_COPY && nninit_etype_is_float(p->e[op->t].type) &&
            (rc = torch_can(op->spec, (nninit_dtype)p->e[op->t].type,
                            p->o.torch_version,
                            p->e[op->t].name, op->why, err)))
            return rc;
    }
    /* A copy whose result stays (none of its tensor's later whole steps
     * replaces it) needs its source's bytes at that point: from the
     * source's last whole step before it, the source's steps write them,
     * and the source is served only after the copy. Latest first, so a
     * source that is itself such a copy is seen before its own source. */
    for (size_t t = 0; t < p->n; t++) {
        p->keep_from[t] = p->last_whole[t];
        p->serve_after[t] = p->final_op[t];
    }
    for (size_t k = p->nops; k-- > 0;) {
        const nninit__op *op = &p->ops[k];
        if (op->kind != OP_COPY || (long)k < p->keep_from[op->t])
            continue;
        size_t s = (size_t)op->src;
        if (op->src_op < p->keep_from[s])
            p->keep_from[s] = op->src_op;
        if ((long)k > p->serve_after[s])
            p->serve_after[s] = (long)k;
    }
    /* tensors in the order they can be served (copied ones, with no step,
     * first); the keys are distinct but for sources served after a copy's
     * tensor, which the tensor index breaks */
    ordkey *ok = (ordkey *)nninit__alloc(a, p->n * sizeof *ok);
    if (!ok)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (size_t t = 0; t < p->n; t++) {
        ok[t].key = p->serve_after[t];
        ok[t].t = t;
    }
    qsort(ok, p->n, sizeof *ok, by_key);
    for (size_t t = 0; t < p->n; t++)
        p->order[t] = ok[t].t;
    nninit__free(a, ok);
    return NNINIT_OK;
}

static nninit_etype entry_type(const nninit_plan *p, const nninit__mtensor *mt)
{
    if (mt->layer >= 0)
        return mt->part == NNINIT_PART_STEP_COUNT ? NNINIT_ET_I64
                                                  : (nninit_etype)p->o.dtype;
    if (!nninit_etype_is_float(mt->type) && mt->type != NNINIT_ET_OTHER)
        return mt->type;
    if (p->o.dtype_set || mt->type == NNINIT_ET_OTHER)
        return (nninit_etype)p->o.dtype;
    return mt->type;
}

/* Entry t's muP base shape from the model's (a dim given as 0 is finite:
 * the tensor's own size), interned. */
static int base_shape(nninit_plan *p, size_t t, const nninit_shape *given,
                      nninit_error *err)
{
    nninit_plan_entry *e = &p->e[t];
    nninit_shape b = *given;
    for (int d = 0; d < b.ndim; d++)
        if (b.dim[d] > 0) { /* the last one is muP's main */
            e->infinite |= 1u << d;
            e->width_mult = (double)e->shape->dim[d] / (double)b.dim[d];
        } else {
            b.dim[d] = e->shape->dim[d];
        }
    nninit_shape canon;
    memset(&canon, 0, sizeof canon); /* interned byte for byte */
    canon.ndim = b.ndim;
    memcpy(canon.dim, b.dim, (size_t)b.ndim * sizeof *b.dim);
    if (!(e->base = (const nninit_shape *)nninit__strpool_intern_record(
              &p->bases, &canon)))
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    return NNINIT_OK;
}

int nninit_plan_new(const nninit_model *m, const nninit_plan_opts *opts,
                    nninit_plan **out, nninit_error *err)
{
    *out = NULL;
    nninit_plan_opts o = opts ? *opts : nninit_plan_opts_default();
    if ((unsigned)o.preset >= NNINIT_PRESET_COUNT)
        return nninit__fail(err, NNINIT_EINVAL, "unknown preset %d",
                            (int)o.preset);
    if (nninit_dtype_size(o.dtype) == 0)
        return nninit__fail(err, NNINIT_EINVAL, "unknown dtype %d",
                            (int)o.dtype);
    if (o.rng == NNINIT_RNG_TORCH && (unsigned)o.preset < NNINIT_PRESET_COUNT &&
        !presets[o.preset].construct)
        return nninit__fail(err, NNINIT_EINVAL,
                            "--rng torch reproduces PyTorch's own draws, so "
                            "it needs a preset that builds PyTorch's modules: "
                            "torch, gpt2 or llama (got %s)",
                            nninit_preset_name(o.preset));
    if ((unsigned)o.rng > NNINIT_RNG_TORCH)
        return nninit__fail(err, NNINIT_EINVAL, "unknown generator %d",
                            (int)o.rng);
    if (m->ntensors == 0)
        return nninit__fail(err, NNINIT_EINVAL, "the model has no tensors");
    const nninit_allocator *a = m->alloc;
    nninit_plan *p = (nninit_plan *)nninit__alloc(a, sizeof *p);
    if (!p)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    memset(p, 0, sizeof *p);
    p->m = m;
    p->o = o;
    p->n = m->ntensors;
    nninit__strpool_init(&p->strings, a);
    nninit__strpool_init_records(&p->specs, a, sizeof(nninit_spec));
    nninit__strpool_init_records(&p->resolved, a, sizeof(nninit_resolved));
    nninit__strpool_init_records(&p->bases, a, sizeof(nninit_shape));
    p->e = (nninit_plan_entry *)nninit__alloc_array(a, p->n, sizeof *p->e);
    p->f = (nninit__final *)nninit__alloc_array(a, p->n, sizeof *p->f);
    p->order = (size_t *)nninit__alloc_array(a, p->n, sizeof *p->order);
    if (!p->e || !p->f || !p->order) {
        nninit_plan_free(p);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    memset(p->e, 0, p->n * sizeof *p->e);
    /* one step per tensor at least (its default): room for them at once,
     * rather than twice the memory while doubling */
    int rc = reserve_ops(p, p->n + 64, err);
    /* what copied tensors point at: no initializer, no fans */
    nninit_spec no_spec;
    nninit_resolved no_res;
    memset(&no_spec, 0, sizeof no_spec);
    memset(&no_res, 0, sizeof no_res);
    no_res.fan_in = no_res.fan_out = -1;
    const nninit_spec *none = (const nninit_spec *)
        nninit__strpool_intern_record(&p->specs, &no_spec);
    const nninit_resolved *none_res = (const nninit_resolved *)
        nninit__strpool_intern_record(&p->resolved, &no_res);
    if (rc == NNINIT_OK && (!none || !none_res))
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    if (rc) {
        nninit_plan_free(p);
        return rc;
    }
    for (size_t t = 0; t < p->n; t++) {
        const nninit__mtensor *mt = &m->tensors[t];
        nninit_plan_entry *e = &p->e[t];
        e->name = mt->name;
        e->init = e->why = "";
        e->spec = none;
        e->res = none_res;
        e->type = entry_type(p, mt);
        e->role = tensor_role(p, t);
        e->source_index = mt->source_index;
        e->stream = nninit_stream_from_name(mt->name);
        e->generated = 1;
        e->shape = mt->shape;
        if (mt->layer < 0 && !nninit_etype_is_float(mt->type) &&
            mt->type != NNINIT_ET_OTHER) {
            char why[200];
            e->generated = classify_bare(mt, why, sizeof why) != BK_COPY;
            if (!e->generated &&
                (!(e->why = nninit__plan_intern(p, why)) ||
                 !(e->init = nninit__plan_intern(p, "copy")))) {
                nninit_plan_free(p);
                return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
            }
        }
        nninit_error e2;
        if (nninit_bytes_of(nninit_shape_numel(e->shape),
                            nninit_etype_size(e->type), &e->nbytes, &e2))
            rc = nninit__fail(err, NNINIT_EOVERFLOW, "%s (%s): %s", mt->name,
                              nninit_etype_name(e->type), e2.msg);
        else if (nninit__bytes_add(&p->bytes, e->nbytes))
            rc = nninit__fail(err, NNINIT_EOVERFLOW,
                              "the model has more than 2^62 bytes (at %s)",
                              mt->name);
        if (rc) {
            nninit_plan_free(p);
            return rc;
        }
        p->order[t] = t;
        p->f[t].keras_fans = keras_fans(p, t);
        p->f[t].base = -1;
        p->f[t].nover = 0;
        e->width_mult = 1;
        e->scale = 1;
        if (m->base && t < m->capbase && m->base[t].ndim > 0 &&
            (rc = base_shape(p, t, &m->base[t], err))) {
            nninit_plan_free(p);
            return rc;
        }
    }
    /* 1. construction, in module order: PyTorch's module defaults for
     * the presets that build PyTorch's modules (a layer whose tensors are
     * all another's, a tied lm_head, comes right after the layers before
     * it), the checkpoint tensors' defaults */
    const int construct = presets[o.preset].construct;
    size_t next_layer = 0;
    for (size_t t = 0; t < p->n && rc == NNINIT_OK; t++) {
        const nninit__mtensor *mt = &m->tensors[t];
        if (mt->layer < 0) {
            rc = bare_default(p, t, err);
            continue;
        }
        for (; construct && next_layer <= (size_t)mt->layer &&
               rc == NNINIT_OK; next_layer++)
            rc = torch_defaults(p, &m->layers[next_layer], err);
    }
    for (; construct && next_layer < m->nlayers && rc == NNINIT_OK;
         next_layer++)
        rc = torch_defaults(p, &m->layers[next_layer], err);
    /* ... then the preset's choice for every layer's tensors */
    for (size_t l = 0; l < m->nlayers && rc == NNINIT_OK; l++)
        rc = layer_defaults(p, &m->layers[l], err);
    /* 2. each layer's explicit initializers, in layer order */
    for (size_t l = 0; l < m->nlayers && rc == NNINIT_OK; l++)
        rc = layer_explicit(p, &m->layers[l], err);
    /* 3. rules, in order; 4. the scalings (they scale what 1-3 chose) */
    if (rc == NNINIT_OK)
        rc = apply_rules(p, err);
    if (rc == NNINIT_OK)
        rc = nninit__plan_scalings(p, err);
    /* ties: one tensor under two names, written once */
    for (size_t l = 0; l < m->nlayers && rc == NNINIT_OK; l++) {
        const nninit__mlayer *ml = &m->layers[l];
        if (ml->tied_local < 0)
            continue;
        char key[NNINIT_NAME_MAX + 16];
        nninit__strf(key, sizeof key, "tie.%s.weight", ml->name);
        const char *target = m->tensors[ml->tie_target].name;
        rc = nninit__plan_note(p, err, key, target,
                               "%s.weight is %s (tied): one tensor, written "
                               "once under that name", ml->name, target);
    }
    if (rc == NNINIT_OK && o.rng == NNINIT_RNG_TORCH)
        rc = torch_setup(p, err);
    for (size_t t = 0; t < p->n && rc == NNINIT_OK; t++) {
        nninit_plan_entry *e = &p->e[t];
        if (e->generated && p->f[t].base < 0)
            rc = nninit__fail(err, NNINIT_EINVAL, "%s: nothing initializes it",
                              e->name);
        if (rc == NNINIT_OK && e->generated &&
            (rc = summarize(p, t)) == NNINIT_ENOMEM)
            rc = nninit__fail(err, rc, "out of memory");
        if (rc == NNINIT_OK && e->generated) {
            nninit_resolved r;
            memset(&r, 0, sizeof r); /* interned byte for byte */
            rc = op_resolve(p, &p->ops[p->f[t].base], &r, err);
            /* report the tensor's own fans (PyTorch's, or the framework's
             * layout), also when gate blocks were drawn separately */
            r.fan_in = r.fan_out = -1;
            nninit_shape view;
            nninit_layout layout;
            nninit__fan_view(p, t, &view, &layout);
            if (view.ndim >= 2)
                nninit_fans(&view, layout, &r.fan_in, &r.fan_out, NULL);
            if (rc == NNINIT_OK &&
                !(e->res = (const nninit_resolved *)
                      nninit__strpool_intern_record(&p->resolved, &r)))
                rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        }
    }
    if (rc) {
        nninit_plan_free(p);
        return rc;
    }
    *out = p;
    return NNINIT_OK;
}

size_t nninit_plan_size(const nninit_plan *p) { return p->n; }

const nninit_plan_entry *nninit_plan_get(const nninit_plan *p, size_t i)
{
    return i < p->n ? &p->e[i] : NULL;
}

const nninit_plan_opts *nninit_plan_options(const nninit_plan *p)
{
    return &p->o;
}

const nninit_model *nninit_plan_model(const nninit_plan *p) { return p->m; }
uint64_t nninit_plan_bytes(const nninit_plan *p) { return p->bytes; }

size_t nninit_plan_order(const nninit_plan *p, size_t k)
{
    return k < p->n ? p->order[k] : 0;
}

size_t nninit_plan_note_count(const nninit_plan *p) { return p->nnotes; }

const nninit_plan_note *nninit_plan_note_get(const nninit_plan *p, size_t i)
{
    return i < p->nnotes ? &p->notes[i] : NULL;
}

size_t nninit_plan_warning_count(const nninit_plan *p) { return p->nwarn; }

const char *nninit_plan_warning(const nninit_plan *p, size_t i)
{
    return i < p->nwarn ? p->warn[i] : NULL;
}
