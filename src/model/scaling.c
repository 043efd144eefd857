/*
 * scaling.c: THE table of depth and width scalings. Each row is one
 * published recipe (GPT-2's residual scaling, torchtitan's depth init,
 * DeepNet, T-Fixup, Fixup, ZerO, muP): its name, options, what it does,
 * and one function that reads every tensor's place (its role, stack and
 * block: nninit/torch.h) and adds plan steps on top of what the preset,
 * the layers and the rules chose. Presets, the spec's `scaling:`, the
 * CLI's --scaling, help texts and the README read this table.
 */
#include "plan_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Names, options, help                                                     */
/* ------------------------------------------------------------------------ */

static const char *const scaling_names[] = {NNINIT_SCALING_MAP(NNINIT__XNAME)};
_Static_assert(sizeof scaling_names / sizeof *scaling_names ==
                   NNINIT_SCALING_COUNT,
               "scaling table out of sync");
static const nninit_names scaling_table = {"scaling", scaling_names,
                                           NNINIT_SCALING_COUNT, NULL, 0};
NNINIT__NAMED_ENUM(nninit_scaling_kind, nninit_scaling_kind, scaling_table)

/* The options, each an int field of nninit_scaling that takes one of two
 * words: choices[0] is 0, choices[1] is 1. */
typedef struct option_row {
    const char *key;
    size_t offset;
    const char *choices[2];
    int def;
} option_row;

enum { OPT_DEPTH_INIT, OPT_READOUT, OPT_QUERY, OPT_COUNT };

static const option_row options[OPT_COUNT] = {
    [OPT_DEPTH_INIT] = {"depth_init", offsetof(nninit_scaling, depth_init),
                        {"false", "true"}, 1},
    [OPT_READOUT] = {"readout", offsetof(nninit_scaling, readout_zero),
                     {"multiplier", "zero"}, 0},
    [OPT_QUERY] = {"query", offsetof(nninit_scaling, query_zero),
                   {"default", "zero"}, 0},
};

typedef int (*apply_fn)(nninit_plan *p, const nninit_scaling *s,
                        nninit_error *err);

typedef struct scaling_row {
    nninit_scaling_info info;
    unsigned options; /* bit OPT_* for each option it takes */
    apply_fn apply;
} scaling_row;

/* One function per row: the steps it adds to the plan. */
#define SCALING_FN(name)                                                       \
    static int apply_##name(nninit_plan *p, const nninit_scaling *s,           \
                            nninit_error *err)
SCALING_FN(gpt2);
SCALING_FN(torchtitan);
SCALING_FN(deepnet);
SCALING_FN(t_fixup);
SCALING_FN(fixup);
SCALING_FN(zero_init);
SCALING_FN(mup);

#define OPT(x) (1u << OPT_##x)

static const scaling_row scalings[NNINIT_SCALING_COUNT] = {
    [NNINIT_SCALING_GPT2] =
        {{"residual output projections (attn_out, ffn_out, branch_out) x "
          "1/sqrt(2 n_layer), n_layer the blocks of their stack",
          "Radford et al. 2019 (GPT-2); nanoGPT, llm.c", ""},
         0, apply_gpt2},
    [NNINIT_SCALING_TORCHTITAN] =
        {{"embeddings N(0, 1); q, k, v and gate projections "
          "trunc_normal(0.02); attn_out, ffn_in, ffn_out trunc_normal(0.02 / "
          "sqrt(2 (block + 1))), or 0.02 / sqrt(2 n_layer) without "
          "depth_init; readout trunc_normal(dim^-1/2, cut at +-3 std)",
          "torchtitan's Llama (init_weights)", "depth_init=true/false"},
         OPT(DEPTH_INIT), apply_torchtitan},
    [NNINIT_SCALING_DEEPNET] =
        {{"ffn_in, ffn_gate, ffn_out, attn_out and the value projection x "
          "beta: (8N)^-1/4 for one stack of N blocks; encoder 0.87 (N^4 "
          "M)^-1/16, decoder (12M)^-1/4 for N + M; alpha (a forward-pass "
          "constant) in the notes",
          "Wang et al. 2022 (DeepNet)", ""},
         0, apply_deepnet},
    [NNINIT_SCALING_T_FIXUP] =
        {{"encoder ffn_*, attn_out, value x 0.67 N^-1/4; decoder x (9M)^-1/4; "
          "embeddings N(0, d^-1/2) x (9M)^-1/4; the stacks must be tagged "
          "encoder or decoder",
          "Huang et al. 2020 (T-Fixup)", ""},
         0, apply_t_fixup},
    [NNINIT_SCALING_FIXUP] =
        {{"the readout and each branch's last layer 0; the branch's other "
          "layers x L^(-1/(2m-2)), L branches of m layers",
          "Zhang et al. 2019 (Fixup)", ""},
         0, apply_fixup},
    [NNINIT_SCALING_ZERO_INIT] =
        {{"every dense weight deterministic: identity if square, partial "
          "identity if it shrinks, c H (Hadamard) if it grows; each "
          "branch's last layer 0",
          "Zhao et al. 2022 (ZerO)", ""},
         0, apply_zero_init},
    [NNINIT_SCALING_MUP] =
        {{"each initializer's std as at the base shape, then matrix-like "
          "tensors (2 width dims) x width_mult^-1/2; the readout's 1/"
          "width_mult and attention's 1/d in the notes",
          "Yang et al. 2022 (muP, the mup package)",
          "readout=multiplier/zero, query=default/zero"},
         OPT(READOUT) | OPT(QUERY), apply_mup},
};
#undef OPT

const nninit_scaling_info *nninit_scaling_info_get(nninit_scaling_kind kind)
{
    return (unsigned)kind < NNINIT_SCALING_COUNT ? &scalings[kind].info : NULL;
}

nninit_scaling nninit_scaling_make(nninit_scaling_kind kind)
{
    nninit_scaling s;
    memset(&s, 0, sizeof s);
    s.kind = kind;
    for (int o = 0; o < OPT_COUNT; o++)
        memcpy((char *)&s + options[o].offset, &options[o].def, sizeof(int));
    return s;
}

int nninit_scaling_set(nninit_scaling *s, const char *key, const char *value,
                       nninit_error *err)
{
    if ((unsigned)s->kind >= NNINIT_SCALING_COUNT)
        return nninit__fail(err, NNINIT_EINVAL, "unknown scaling %d",
                            (int)s->kind);
    const scaling_row *r = &scalings[s->kind];
    for (int o = 0; o < OPT_COUNT; o++) {
        if (strcmp(key, options[o].key))
            continue;
        if (!(r->options >> o & 1u))
            break;
        for (int v = 0; v < 2; v++)
            if (!strcmp(value, options[o].choices[v])) {
                memcpy((char *)s + options[o].offset, &v, sizeof v);
                return NNINIT_OK;
            }
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s: %s must be %s or %s (got '%s')",
                            scaling_names[s->kind], key,
                            options[o].choices[0], options[o].choices[1],
                            value);
    }
    if (!r->options)
        return nninit__fail(err, NNINIT_EINVAL, "%s takes no options (got %s)",
                            scaling_names[s->kind], key);
    return nninit__fail(err, NNINIT_EINVAL, "%s has no option %s (it takes %s)",
                        scaling_names[s->kind], key, r->info.options);
}

int nninit_scaling_parse(const char *text, nninit_scaling *out,
                         nninit_error *err)
{
    char buf[160];
    if (!text || strlen(text) >= sizeof buf)
        return nninit__fail(err, NNINIT_EINVAL, "scaling text missing or too "
                                                "long");
    memcpy(buf, text, strlen(text) + 1);
    char *list = strchr(buf, ':');
    if (list)
        *list++ = '\0';
    nninit_scaling_kind kind;
    int rc = nninit_scaling_kind_parse(buf, &kind, err);
    if (rc)
        return rc;
    nninit_scaling s = nninit_scaling_make(kind);
    while (list && *list) {
        char *next = strchr(list, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(list, '=');
        if (!eq)
            return nninit__fail(err, NNINIT_EINVAL,
                                "scaling option '%s' is not key=value", list);
        *eq = '\0';
        if ((rc = nninit_scaling_set(&s, list, eq + 1, err)))
            return rc;
        list = next;
    }
    *out = s;
    return NNINIT_OK;
}

char *nninit_scaling_format(const nninit_scaling *s, char *buf, size_t size)
{
    if (!size)
        return buf;
    if ((unsigned)s->kind >= NNINIT_SCALING_COUNT) {
        snprintf(buf, size, "unknown");
        return buf;
    }
    size_t at = nninit__strf(buf, size, "%s", scaling_names[s->kind]);
    int first = 1;
    for (int o = 0; o < OPT_COUNT; o++) {
        if (!(scalings[s->kind].options >> o & 1u))
            continue;
        int v;
        memcpy(&v, (const char *)s + options[o].offset, sizeof v);
        at += nninit__strf(buf + at, size - at, "%s%s=%s", first ? "(" : ", ",
                           options[o].key, options[o].choices[v != 0]);
        first = 0;
    }
    if (!first)
        nninit__strf(buf + at, size - at, ")");
    return buf;
}

/* ------------------------------------------------------------------------ */
/* Steps on top of the current choice                                       */
/* ------------------------------------------------------------------------ */

static const char *role_of(const nninit_plan *p, size_t t)
{
    return nninit_layer_role_name((nninit_layer_role)p->m->tensors[t].role);
}

/* A tensor's row steps after its last whole one (a padding row,
 * forget-gate rows), kept across a new whole step: they still hold. */
typedef struct rows_kept {
    nninit__op op[NNINIT__MAX_OVERLAYS];
    int n;
} rows_kept;

static void rows_save(const nninit_plan *p, size_t t, rows_kept *k)
{
    k->n = p->f[t].nover;
    for (int j = 0; j < k->n; j++)
        k->op[j] = p->ops[p->f[t].over[j]];
}

static int rows_restore(nninit_plan *p, size_t t, const rows_kept *k,
                        nninit_error *err)
{
    for (int j = 0; j < k->n; j++) {
        const nninit__op *r = &k->op[j];
        int rc = nninit__plan_op(p, t, OP_ROWS, 1, r->r0, r->r1, r->spec,
                                 r->explicit_, err, "%s", r->why);
        if (rc)
            return rc;
        p->ops[p->last_op].src = r->src;
    }
    return NNINIT_OK;
}

/* A new whole step on t: `spec` over what step w covered (the whole
 * tensor, or each of its blocks), drawn from w's stream (a scaled clone
 * stays a scaled copy of its source), then w's row steps again. */
static int restep(nninit_plan *p, size_t t, long w, const nninit_spec *spec,
                  nninit_error *err, const char *why)
{
    const nninit__op base = p->ops[w]; /* nninit__plan_op may reuse w */
    rows_kept kept;
    rows_save(p, t, &kept);
    int rc =
        nninit__plan_op(p, t, base.kind == OP_BLOCKS ? OP_BLOCKS : OP_WHOLE,
                        base.blocks, 0, 0, spec, 1, err, "%s", why);
    if (rc)
        return rc;
    if (p->o.rng != NNINIT_RNG_TORCH)
        p->ops[p->last_op].src = base.src;
    return rows_restore(p, t, &kept, err);
}

/* Tensor t's current step (its last whole one); NNINIT_EINVAL if none. */
static int current(const nninit_plan *p, size_t t, long *w, nninit_error *err)
{
    *w = p->f[t].base;
    if (*w < 0)
        return nninit__fail(err, NNINIT_EINVAL, "%s: nothing to scale",
                            p->m->tensors[t].name);
    return NNINIT_OK;
}

/* t's current initializer times mul/div. */
static int scale_tensor(nninit_plan *p, size_t t, double mul, double div,
                        nninit_error *err, const char *why)
{
    long w;
    int rc = current(p, t, &w, err);
    if (rc)
        return rc;
    const nninit__op *o = &p->ops[w];
    nninit_shape view;
    nninit_layout layout;
    nninit__op_view(p, o, p->m->tensors[t].shape, 1, &view, &layout);
    nninit_spec s;
    nninit_error e;
    if ((rc = nninit_spec_scale(o->spec, &view, layout, mul, div, &s, &e)))
        return nninit__fail(err, rc, "%s: %s (%s)", p->m->tensors[t].name,
                            e.msg, why);
    char sf[128], text[320];
    nninit__strf(text, sizeof text, "%s; was %s", why,
                 nninit_spec_format(o->spec, sf, sizeof sf));
    if (!isnan(p->e[t].scale))
        p->e[t].scale *= mul / div;
    return restep(p, t, w, &s, err, text);
}

/* t's initializer replaced by spec. */
static int replace_tensor(nninit_plan *p, size_t t, const nninit_spec *spec,
                          nninit_error *err, const char *why)
{
    long w;
    int rc = current(p, t, &w, err);
    if (rc)
        return rc;
    rows_kept kept;
    rows_save(p, t, &kept);
    if ((rc = nninit__plan_op(p, t, OP_WHOLE, 1, 0, 0, spec, 1, err, "%s",
                              why)))
        return rc;
    p->e[t].scale = NAN;
    return rows_restore(p, t, &kept, err);
}

/* The elementwise spec of a resolved draw, with its numbers written out. */
static int explicit_spec(const nninit_resolved *r, nninit_spec *s)
{
    if (r->draw != NNINIT_DRAW_DIST)
        return 0;
    const double *q = r->dist.p;
    switch (r->dist.kind) {
    case NNINIT_DIST_UNIFORM:
        *s = nninit_spec_make(NNINIT_UNIFORM);
        s->low = q[0];
        s->high = q[1];
        return 1;
    case NNINIT_DIST_NORMAL:
        *s = nninit_spec_make(NNINIT_NORMAL);
        s->mean = q[0];
        s->std = q[1];
        return 1;
    case NNINIT_DIST_TRUNC_NORMAL:
        *s = nninit_spec_make(NNINIT_TRUNC_NORMAL);
        s->mean = q[0];
        s->std = q[1];
        s->trunc_a = q[2];
        s->trunc_b = q[3];
        return 1;
    default:
        *s = nninit_spec_make(NNINIT_CONSTANT);
        s->value = q[0];
        return 1;
    }
}

/* Rows [r0, r1) of t (the value block of a packed q, k, v projection)
 * scaled by mul/div, or set to `set` when not NULL: a row step with the
 * numbers those rows have now. */
static int scale_rows(nninit_plan *p, size_t t, int64_t r0, int64_t r1,
                      double mul, double div, const nninit_spec *set,
                      nninit_error *err, const char *why)
{
    long w;
    int rc = current(p, t, &w, err);
    if (rc)
        return rc;
    const nninit__op *o = &p->ops[w];
    nninit_spec s = set ? *set : *o->spec;
    if (!set) {
        nninit_resolved r;
        nninit_shape view;
        nninit_layout layout;
        nninit__op_view(p, o, p->m->tensors[t].shape, 1, &view, &layout);
        if ((rc = nninit__op_resolve(p, o, p->m->tensors[t].shape, &r, err)))
            return rc;
        /* a block of its own (per-projection blocks) keeps its spec; a
         * whole-tensor draw is written out as the numbers it draws */
        if (o->kind != OP_BLOCKS && !explicit_spec(&r, &s))
            return nninit__fail(err, NNINIT_EINVAL,
                                "%s: rows %lld:%lld of %s cannot be scaled "
                                "apart from the rest (%s)",
                                p->m->tensors[t].name, (long long)r0,
                                (long long)r1, nninit_kind_name(o->spec->kind),
                                why);
        nninit_shape rs = view;
        rs.dim[0] = r1 - r0;
        nninit_error e;
        if (o->kind == OP_BLOCKS)
            nninit__op_view(p, o, p->m->tensors[t].shape, 0, &rs, &layout);
        if ((rc = nninit_spec_scale(&s, &rs, NNINIT_LAYOUT_TORCH, mul, div, &s,
                                    &e)))
            return nninit__fail(err, rc, "%s: %s (%s)", p->m->tensors[t].name,
                                e.msg, why);
    }
    p->e[t].scale = NAN;
    return nninit__plan_op(p, t, OP_ROWS, 1, r0, r1, &s, 1, err, "%s", why);
}

/* The weight's bias (its sibling "bias"), or -1. */
static long bias_of(const nninit_plan *p, size_t t)
{
    const char *name = p->m->tensors[t].name;
    const char *dot = strrchr(name, '.');
    char buf[NNINIT_NAME_MAX + 8];
    nninit__strf(buf, sizeof buf, "%.*sbias", dot ? (int)(dot - name + 1) : 0,
                 name);
    return nninit__model_find_tensor(p->m, buf);
}

/* Zero a weight and its bias (a branch's output starts at 0). */
static int zero_layer(nninit_plan *p, size_t t, nninit_error *err,
                      const char *why)
{
    nninit_spec z = nninit_spec_make(NNINIT_ZEROS);
    int rc = replace_tensor(p, t, &z, err, why);
    long b = bias_of(p, t);
    if (rc == NNINIT_OK && b >= 0 && p->f[b].base >= 0)
        rc = replace_tensor(p, (size_t)b, &z, err, why);
    return rc;
}

/* 1 for a weight that is a dense or conv kernel or attention's packed
 * projection (what the scalings act on). */
static int is_weight(const nninit_plan *p, size_t t)
{
    const nninit__mtensor *mt = &p->m->tensors[t];
    return p->e[t].generated && mt->layer >= 0 &&
           (mt->part == NNINIT_PART_WEIGHT || mt->part == NNINIT_PART_QKV ||
            mt->part == NNINIT_PART_EMBEDDING);
}

/* The layers tied to another's weight that carry a role a scaling would
 * change: it leaves the shared weight as its owner made it, and says so. */
static int warn_tied(nninit_plan *p, const nninit_scaling *s,
                     nninit_layer_role role, nninit_error *err)
{
    for (size_t l = 0; l < p->m->nlayers; l++) {
        const nninit__mlayer *ml = &p->m->layers[l];
        if (ml->tied_local < 0 || ml->role != role)
            continue;
        int rc = nninit__plan_warn(
            p, err, "%s: layer '%s' (%s) is tied to %s, which keeps its own "
                    "initializer", scaling_names[s->kind], ml->name,
            nninit_layer_role_name(role), p->m->tensors[ml->tie_target].name);
        if (rc)
            return rc;
    }
    return NNINIT_OK;
}

/* A weight with a role a scaling needs its stack for, in no stack. */
static int no_stack(const nninit_plan *p, size_t t, const nninit_scaling *s,
                    nninit_error *err)
{
    return nninit__fail(err, NNINIT_EINVAL,
                        "%s: %s has role %s but is in no stack of blocks (put "
                        "its layer in a block with repeat: N)",
                        scaling_names[s->kind], p->m->tensors[t].name,
                        role_of(p, t));
}

/* The blocks of each stack kind (none, encoder, decoder): 0 if absent;
 * NNINIT_EINVAL if one kind has stacks of different depths. */
static int stack_depths(const nninit_plan *p, const nninit_scaling *s,
                        int64_t n[3], nninit_error *err)
{
    n[0] = n[1] = n[2] = 0;
    for (size_t t = 0; t < p->n; t++) {
        const nninit__mtensor *mt = &p->m->tensors[t];
        if (mt->depth_count <= 0 || mt->role == NNINIT_LAYER_NONE)
            continue;
        int64_t *k = &n[mt->stack];
        if (*k && *k != mt->depth_count)
            return nninit__fail(err, NNINIT_EINVAL,
                                "%s: two %s stacks of different depths (%lld "
                                "and %lld blocks): %s needs one per kind",
                                scaling_names[s->kind],
                                mt->stack ? nninit_stack_name(
                                                (nninit_stack)mt->stack)
                                          : "untagged",
                                (long long)*k, (long long)mt->depth_count,
                                scaling_names[s->kind]);
        *k = mt->depth_count;
    }
    return NNINIT_OK;
}

/* A warning when no tensor had a role the scaling acts on. */
static int none_tagged(nninit_plan *p, const nninit_scaling *s,
                       const char *roles, nninit_error *err)
{
    return nninit__plan_warn(p, err,
                             "%s: no layer has role %s, so it changes nothing "
                             "(tag layers with role:)",
                             scaling_names[s->kind], roles);
}

/* The value block of attention's packed projection: rows [2E, 3E). */
static int qkv_value(nninit_plan *p, size_t t, double mul, double div,
                     nninit_error *err, const char *why)
{
    int64_t rows = p->m->tensors[t].shape->dim[0];
    if (rows % 3)
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s: role attn_qkv needs 3 equal row blocks "
                            "(q, k, v), not %lld rows", p->m->tensors[t].name,
                            (long long)rows);
    return scale_rows(p, t, rows / 3 * 2, rows, mul, div, NULL, err, why);
}

/* ------------------------------------------------------------------------ */
/* The scalings                                                             */
/* ------------------------------------------------------------------------ */

SCALING_FN(gpt2)
{
    int hits = 0, rc;
    for (size_t t = 0; t < p->n; t++) {
        const nninit__mtensor *mt = &p->m->tensors[t];
        if (!is_weight(p, t) ||
            !nninit_layer_role_is_residual_out((nninit_layer_role)mt->role))
            continue;
        if (mt->depth_count <= 0)
            return no_stack(p, t, s, err);
        char why[320];
        nninit__strf(why, sizeof why,
                     "gpt2 scaling: %s of block %lld of %lld: std / sqrt(2 "
                     "n_layer) = / sqrt(%lld), as GPT-2 scales the residual "
                     "projections: 2 n_layer branches add into the residual "
                     "stream (Radford et al. 2019)",
                     role_of(p, t), (long long)mt->depth,
                     (long long)mt->depth_count,
                     (long long)(2 * mt->depth_count));
        if ((rc = scale_tensor(p, t, 1, sqrt(2.0 * (double)mt->depth_count),
                               err, why)))
            return rc;
        hits++;
    }
    return hits ? NNINIT_OK
                : none_tagged(p, s, "attn_out, ffn_out or branch_out", err);
}

SCALING_FN(torchtitan)
{
    int rc = warn_tied(p, s, NNINIT_LAYER_READOUT, err), hits = 0;
    for (size_t t = 0; t < p->n && rc == NNINIT_OK; t++) {
        const nninit__mtensor *mt = &p->m->tensors[t];
        if (!is_weight(p, t))
            continue;
        nninit_spec sp = nninit_spec_make(NNINIT_TRUNC_NORMAL);
        char why[320];
        switch ((nninit_layer_role)mt->role) {
        case NNINIT_LAYER_EMBEDDING:
            sp = nninit_spec_make(NNINIT_NORMAL);
            nninit__strf(why, sizeof why, "torchtitan scaling: embedding "
                                          "nn.init.normal_: N(0, 1), as "
                                          "tok_embeddings");
            break;
        case NNINIT_LAYER_ATTN_Q:
        case NNINIT_LAYER_ATTN_K:
        case NNINIT_LAYER_ATTN_V:
        case NNINIT_LAYER_ATTN_QKV:
        case NNINIT_LAYER_FFN_GATE:
            sp.std = 0.02;
            nninit__strf(why, sizeof why, "torchtitan scaling: %s "
                                          "trunc_normal_(std=0.02)",
                         role_of(p, t));
            break;
        case NNINIT_LAYER_ATTN_OUT:
        case NNINIT_LAYER_FFN_IN:
        case NNINIT_LAYER_FFN_OUT:
            if (mt->depth_count <= 0)
                return no_stack(p, t, s, err);
            /* TransformerBlock.weight_init_std, as Python computes it */
            sp.std = s->depth_init
                         ? 0.02 / pow(2.0 * (double)(mt->depth + 1), 0.5)
                         : 0.02 / pow(2.0 * (double)mt->depth_count, 0.5);
            nninit__strf(why, sizeof why,
                         "torchtitan scaling: %s of block %lld of %lld "
                         "trunc_normal_(std=%s) = %.6g",
                         role_of(p, t), (long long)mt->depth,
                         (long long)mt->depth_count,
                         s->depth_init ? "0.02/sqrt(2 (block+1)), depth_init"
                                       : "0.02/sqrt(2 n_layers)",
                         sp.std);
            break;
        case NNINIT_LAYER_READOUT: {
            double dim = (double)mt->shape->dim[mt->shape->ndim - 1];
            sp.std = pow(dim, -0.5);
            sp.trunc_a = -3 * sp.std;
            sp.trunc_b = 3 * sp.std;
            nninit__strf(why, sizeof why,
                         "torchtitan scaling: final output "
                         "trunc_normal_(std=dim^-0.5, a=-3 std, b=3 std), "
                         "dim %g", dim);
            break;
        }
        default:
            continue;
        }
        hits++;
        rc = replace_tensor(p, t, &sp, err, why);
    }
    if (rc == NNINIT_OK && !hits)
        rc = none_tagged(p, s, "embedding, attn_*, ffn_* or readout", err);
    return rc;
}

/* The roles DeepNet and T-Fixup scale: the value path of each branch. */
static int value_path(nninit_layer_role r)
{
    return r == NNINIT_LAYER_FFN_IN || r == NNINIT_LAYER_FFN_GATE ||
           r == NNINIT_LAYER_FFN_OUT || r == NNINIT_LAYER_ATTN_OUT ||
           r == NNINIT_LAYER_ATTN_V || r == NNINIT_LAYER_ATTN_QKV;
}

/* Scale the value path of tensor t by mul/div (the value rows only, for
 * a packed q, k, v projection). */
static int scale_value_path(nninit_plan *p, size_t t, double mul, double div,
                            nninit_error *err, const char *why)
{
    if (p->m->tensors[t].role == NNINIT_LAYER_ATTN_QKV)
        return qkv_value(p, t, mul, div, err, why);
    return scale_tensor(p, t, mul, div, err, why);
}

SCALING_FN(deepnet)
{
    int64_t n[3];
    int rc = stack_depths(p, s, n, err);
    if (rc)
        return rc;
    int encdec = n[NNINIT_STACK_ENCODER] && n[NNINIT_STACK_DECODER];
    if (!encdec && !!n[0] + !!n[1] + !!n[2] > 1)
        return nninit__fail(err, NNINIT_EINVAL,
                            "deepnet: stacks of different kinds; tag the "
                            "encoder and the decoder (stack: encoder, stack: "
                            "decoder) or use one stack");
    double N = (double)n[NNINIT_STACK_ENCODER],
           M = (double)n[NNINIT_STACK_DECODER];
    double one = (double)(n[0] + n[1] + n[2]); /* the single stack */
    /* beta = 1/div: div is torchscale's init_scale, which divides */
    double div[3], alpha[3];
    char v[32];
    if (encdec) {
        div[NNINIT_STACK_ENCODER] = pow(pow(N, 4) * M, 1.0 / 16) / 0.87;
        div[NNINIT_STACK_DECODER] = pow(12 * M, 0.25);
        alpha[NNINIT_STACK_ENCODER] = 0.81 * pow(pow(N, 4) * M, 1.0 / 16);
        alpha[NNINIT_STACK_DECODER] = pow(3 * M, 0.25);
        for (int k = 1; k <= 2 && rc == NNINIT_OK; k++) {
            char key[32];
            nninit__strf(key, sizeof key, "deepnet.alpha.%s",
                         nninit_stack_name((nninit_stack)k));
            snprintf(v, sizeof v, "%.17g", alpha[k]);
            rc = nninit__plan_note(
                p, err, key, v,
                "deepnet: the %s's residual blocks compute x <- LayerNorm("
                "alpha x + G(x)) with alpha = %.6g (%s; N = %g encoder, M = "
                "%g decoder blocks, Wang et al. 2022): a forward-pass "
                "constant, not a weight",
                nninit_stack_name((nninit_stack)k), alpha[k],
                k == 1 ? "0.81 (N^4 M)^1/16" : "(3M)^1/4", N, M);
        }
    } else {
        for (int k = 0; k < 3; k++) {
            div[k] = pow(8 * one, 0.25);
            alpha[k] = pow(2 * one, 0.25);
        }
        snprintf(v, sizeof v, "%.17g", alpha[0]);
        if (one > 0)
            rc = nninit__plan_note(
                p, err, "deepnet.alpha", v,
                "deepnet: every residual block computes x <- LayerNorm(alpha "
                "x + G(x)) with alpha = (2N)^1/4 = %.6g (N = %g blocks, Wang "
                "et al. 2022): a forward-pass constant, not a weight",
                alpha[0], one);
    }
    int hits = 0;
    for (size_t t = 0; t < p->n && rc == NNINIT_OK; t++) {
        const nninit__mtensor *mt = &p->m->tensors[t];
        if (!is_weight(p, t) || !value_path((nninit_layer_role)mt->role))
            continue;
        if (mt->depth_count <= 0)
            return no_stack(p, t, s, err);
        char why[320];
        nninit__strf(why, sizeof why,
                     "deepnet scaling: %s%s x beta = %.6g (%s; Wang et al. "
                     "2022)", role_of(p, t),
                     mt->role == NNINIT_LAYER_ATTN_QKV ? " value rows" : "",
                     1 / div[mt->stack],
                     !encdec ? "(8N)^-1/4"
                     : mt->stack == NNINIT_STACK_ENCODER
                         ? "encoder: 0.87 (N^4 M)^-1/16"
                         : "decoder: (12M)^-1/4");
        rc = scale_value_path(p, t, 1, div[mt->stack], err, why);
        hits++;
    }
    if (rc == NNINIT_OK && !hits)
        rc = none_tagged(p, s, "ffn_in, ffn_gate, ffn_out, attn_out, attn_v "
                               "or attn_qkv", err);
    return rc;
}

SCALING_FN(t_fixup)
{
    int64_t n[3];
    int rc = stack_depths(p, s, n, err);
    if (rc)
        return rc;
    if (n[NNINIT_STACK_NONE])
        return nninit__fail(err, NNINIT_EINVAL,
                            "t_fixup: its constants differ for encoder and "
                            "decoder: tag each repeated block stack: encoder "
                            "or stack: decoder");
    double N = (double)n[NNINIT_STACK_ENCODER],
           M = (double)n[NNINIT_STACK_DECODER];
    /* the embeddings: (9M)^-1/4 with M the decoder's blocks (the
     * encoder's in an encoder-only model) */
    double emb_blocks = M > 0 ? M : N;
    int hits = 0;
    rc = nninit__plan_note(p, err, "t_fixup.layernorm", "none",
                           "t_fixup: the model is meant to train without "
                           "LayerNorm and without learning-rate warmup "
                           "(Huang et al. 2020): the architecture's side");
    for (size_t t = 0; t < p->n && rc == NNINIT_OK; t++) {
        const nninit__mtensor *mt = &p->m->tensors[t];
        if (!is_weight(p, t))
            continue;
        char why[320];
        if (mt->role == NNINIT_LAYER_EMBEDDING && emb_blocks > 0) {
            double d = (double)mt->shape->dim[mt->shape->ndim - 1];
            nninit_spec sp = nninit_spec_make(NNINIT_NORMAL);
            sp.std = pow(d, -0.5) / pow(9 * emb_blocks, 0.25);
            nninit__strf(why, sizeof why,
                         "t_fixup scaling: embedding N(0, d^-1/2) x (9M)^-1/4 "
                         "= N(0, %.6g^2), d = %g, M = %g (Huang et al. 2020)",
                         sp.std, d, emb_blocks);
            rc = replace_tensor(p, t, &sp, err, why);
            hits++;
            continue;
        }
        if (!value_path((nninit_layer_role)mt->role))
            continue;
        if (mt->depth_count <= 0)
            return no_stack(p, t, s, err);
        int enc = mt->stack == NNINIT_STACK_ENCODER;
        double mul = enc ? 0.67 : 1,
               div = enc ? pow(N, 0.25) : pow(9 * M, 0.25);
        nninit__strf(why, sizeof why,
                     "t_fixup scaling: %s %s%s x %.6g (%s; Huang et al. "
                     "2020)", enc ? "encoder" : "decoder", role_of(p, t),
                     mt->role == NNINIT_LAYER_ATTN_QKV ? " value rows" : "",
                     mul / div, enc ? "0.67 N^-1/4" : "(9M)^-1/4");
        rc = scale_value_path(p, t, mul, div, err, why);
        hits++;
    }
    if (rc == NNINIT_OK && !hits)
        rc = none_tagged(p, s, "embedding, ffn_*, attn_out or attn_v", err);
    return rc;
}

SCALING_FN(fixup)
{
    /* L: the residual branches, one per last layer of a branch */
    double L = 0;
    for (size_t t = 0; t < p->n; t++)
        L += is_weight(p, t) && nninit_layer_role_is_residual_out(
                                    (nninit_layer_role)p->m->tensors[t].role);
    if (L == 0)
        return none_tagged(p, s, "attn_out, ffn_out or branch_out", err);
    int rc = warn_tied(p, s, NNINIT_LAYER_READOUT, err);
    if (rc == NNINIT_OK)
        rc = nninit__plan_note(
            p, err, "fixup.branches", "scalar",
            "fixup: every branch also gets a scalar multiplier (1) and "
            "scalar biases (0), and the model has no normalization layers "
            "(Zhang et al. 2019): the architecture's side");
    /* generic branches: m counts the `branch` layers since the last
     * branch output, plus that output */
    int pending = 0;
    for (size_t t = 0; t < p->n && rc == NNINIT_OK; t++)
        if (is_weight(p, t) && p->m->tensors[t].role == NNINIT_LAYER_BRANCH)
            pending++;
        else if (is_weight(p, t) &&
                 p->m->tensors[t].role == NNINIT_LAYER_BRANCH_OUT)
            pending = 0;
    if (pending)
        return nninit__fail(err, NNINIT_EINVAL,
                            "fixup: %d branch layer(s) with no branch_out "
                            "after them", pending);
    size_t start = 0; /* the first branch layer of the current branch */
    for (size_t t = 0; t < p->n && rc == NNINIT_OK; t++) {
        const nninit__mtensor *mt = &p->m->tensors[t];
        if (!is_weight(p, t))
            continue;
        nninit_layer_role r = (nninit_layer_role)mt->role;
        char why[320];
        if (nninit_layer_role_is_residual_out(r) ||
            r == NNINIT_LAYER_READOUT) {
            nninit__strf(why, sizeof why,
                         "fixup scaling: %s: 0 (and its bias), so each "
                         "branch starts as the identity (Zhang et al. 2019)",
                         r == NNINIT_LAYER_READOUT ? "the classifier"
                                                   : "a branch's last layer");
            if ((rc = zero_layer(p, t, err, why)))
                return rc;
            if (r == NNINIT_LAYER_BRANCH_OUT) {
                /* now scale this branch's earlier layers by its m */
                int m = 1;
                for (size_t u = start; u < t; u++)
                    m += is_weight(p, u) &&
                         p->m->tensors[u].role == NNINIT_LAYER_BRANCH;
                for (size_t u = start; u < t && rc == NNINIT_OK && m > 1; u++)
                    if (is_weight(p, u) &&
                        p->m->tensors[u].role == NNINIT_LAYER_BRANCH) {
                        nninit__strf(why, sizeof why,
                                     "fixup scaling: branch layer x L^(-1/"
                                     "(2m-2)) = %g^(-1/%d) (L = %g branches "
                                     "of m = %d layers; Zhang et al. 2019)",
                                     L, 2 * m - 2, L, m);
                        rc = scale_tensor(p, u, pow(L, -1.0 / (2 * m - 2)), 1,
                                          err, why);
                    }
                start = t + 1;
            }
            continue;
        }
        if (r == NNINIT_LAYER_ATTN_Q || r == NNINIT_LAYER_ATTN_K ||
            r == NNINIT_LAYER_ATTN_V || r == NNINIT_LAYER_ATTN_QKV ||
            r == NNINIT_LAYER_FFN_IN || r == NNINIT_LAYER_FFN_GATE) {
            nninit__strf(why, sizeof why,
                         "fixup scaling: %s x L^(-1/(2m-2)) = %g^-1/2 (L = %g "
                         "branches of m = 2 layers; Zhang et al. 2019)",
                         role_of(p, t), L, L);
            rc = scale_tensor(p, t, 1, sqrt(L), err, why);
        }
    }
    return rc;
}

SCALING_FN(zero_init)
{
    int rc = NNINIT_OK;
    (void)s;
    for (size_t t = 0; t < p->n && rc == NNINIT_OK; t++) {
        const nninit__mtensor *mt = &p->m->tensors[t];
        if (!is_weight(p, t) || mt->part == NNINIT_PART_EMBEDDING ||
            mt->role == NNINIT_LAYER_EMBEDDING)
            continue;
        char why[320];
        if (nninit_layer_role_is_residual_out((nninit_layer_role)mt->role)) {
            nninit__strf(why, sizeof why,
                         "zero_init scaling: %s, the last layer of its "
                         "residual block: 0 (and its bias), so the block "
                         "starts as the identity (Zhao et al. 2022)",
                         role_of(p, t));
            rc = zero_layer(p, t, err, why);
            continue;
        }
        const nninit_shape *sh = mt->shape;
        int64_t out = sh->dim[0], in = sh->dim[1];
        nninit_spec sp;
        if (sh->ndim == 2 && out <= in) {
            sp = nninit_spec_make(NNINIT_EYE);
            nninit__strf(why, sizeof why,
                         "zero_init scaling: %s: %s (Zhao et al. 2022)",
                         out == in ? "square" : "shrinking",
                         out == in ? "the identity"
                                   : "the partial identity I[:out, :in]");
        } else if (sh->ndim == 2) {
            int m = 0;
            while ((INT64_C(1) << m) < out)
                m++;
            sp = nninit_spec_make(NNINIT_HADAMARD);
            sp.gain = pow(2.0, -(m - 1) / 2.0);
            nninit__strf(why, sizeof why,
                         "zero_init scaling: growing: c H[:out, :in], H the "
                         "Hadamard matrix of order 2^m, m = ceil(log2 out) = "
                         "%d, c = 2^(-(m-1)/2) (Zhao et al. 2022)", m);
        } else if (out <= in) {
            sp = nninit_spec_make(NNINIT_DIRAC);
            nninit__strf(why, sizeof why,
                         "zero_init scaling: a convolution that keeps or "
                         "shrinks the channels: the identity at the centre "
                         "tap (Zhao et al. 2022)");
        } else {
            return nninit__fail(err, NNINIT_EINVAL,
                                "zero_init: %s grows its channels (%lld -> "
                                "%lld): only dense layers may grow",
                                mt->name, (long long)in, (long long)out);
        }
        rc = replace_tensor(p, t, &sp, err, why);
    }
    return rc;
}

/* muP: std(spec at the base shape) / std(spec at the shape), the factor
 * that puts a fan-based initializer back at its base width (1 for
 * constant-std ones and for draws without spread). */
static int at_base(const nninit_plan *p, size_t t, long w, double *f,
                   nninit_error *err)
{
    const nninit__op *o = &p->ops[w];
    nninit_resolved a, b;
    int rc = nninit__op_resolve(p, o, p->m->tensors[t].shape, &a, err);
    if (rc == NNINIT_OK)
        rc = nninit__op_resolve(p, o, p->e[t].base, &b, err);
    *f = rc == NNINIT_OK && a.std > 0 && b.std > 0 ? b.std / a.std : 1;
    return rc;
}

static int of_linear_or_conv(nninit_torch_module k)
{
    return k == NNINIT_TORCH_LINEAR ||
           (k >= NNINIT_TORCH_CONV1D && k <= NNINIT_TORCH_CONV_TRANSPOSE3D);
}

/* The fan-in width multiplier of a weight (dim 1), 1 if finite. */
static double fanin_mult(const nninit_plan *p, long w)
{
    const nninit_plan_entry *e = &p->e[w];
    return e->shape->ndim >= 2 && (e->infinite >> 1 & 1u)
               ? (double)e->shape->dim[1] / (double)e->base->dim[1]
               : 1;
}

/* A readout: a dense or conv weight with a finite output and an infinite
 * input dimension (the mup package asks for MuReadout there). */
static int is_readout(const nninit_plan *p, size_t t)
{
    const nninit_plan_entry *e = &p->e[t];
    return p->m->tensors[t].part == NNINIT_PART_WEIGHT && e->shape->ndim >= 2 &&
           !(e->infinite & 1u) && (e->infinite >> 1 & 1u);
}

SCALING_FN(mup)
{
    int any = 0, attention = 0, rc = NNINIT_OK;
    for (size_t t = 0; t < p->n; t++)
        any |= p->e[t].base != NULL;
    if (!any)
        return nninit__fail(err, NNINIT_EINVAL,
                            "mup needs base shapes (the spec's base_shapes: "
                            "a base model or a .bsh file)");
    char why[320], v[48], key[NNINIT_NAME_MAX + 32];
    for (size_t t = 0; t < p->n && rc == NNINIT_OK; t++) {
        const nninit__mtensor *mt = &p->m->tensors[t];
        const nninit_plan_entry *e = &p->e[t];
        attention |= mt->role >= NNINIT_LAYER_ATTN_QKV &&
                     mt->role <= NNINIT_LAYER_ATTN_OUT;
        attention |= mt->part == NNINIT_PART_QKV;
        if (!e->generated || !nninit_etype_is_float(e->type) ||
            !e->base || p->f[t].base < 0)
            continue;
        int ninf = 0;
        for (int d = 0; d < e->shape->ndim; d++)
            ninf += e->infinite >> d & 1u;
        if (ninf > 2)
            return nninit__fail(err, NNINIT_EINVAL,
                                "mup: %s has %d width dimensions (muP "
                                "handles at most 2)", mt->name, ninf);
        if (is_readout(p, t)) {
            snprintf(v, sizeof v, "%.17g", 1 / e->width_mult);
            nninit__strf(key, sizeof key, "mup.readout.%s", mt->name);
            if ((rc = nninit__plan_note(
                     p, err, key, v,
                     "mup: the readout %s's output is multiplied by "
                     "1/width_mult = %.6g in the forward pass (MuReadout, "
                     "output_mult 1)", mt->name, 1 / e->width_mult)))
                return rc;
            if (s->readout_zero) {
                rc = zero_layer(p, t, err,
                                "mup scaling: the readout: 0 (and its bias), "
                                "MuReadout's readout_zero_init");
                continue;
            }
        }
        if (s->query_zero && mt->role == NNINIT_LAYER_ATTN_Q) {
            rc = zero_layer(p, t, err, "mup scaling: the query projection 0 "
                                       "(Yang et al. 2022's recommendation)");
            continue;
        }
        long w = p->f[t].base;
        double f;
        if ((rc = at_base(p, t, w, &f, err)))
            return rc;
        const char *kind = ninf == 2 ? "matrix-like" : "vector-like";
        const nninit__op *o = &p->ops[w];
        int bias_rule = 0;
        if (mt->part == NNINIT_PART_BIAS && !o->explicit_ &&
            o->spec->kind == NNINIT_UNIFORM && mt->layer >= 0 &&
            of_linear_or_conv(p->m->layers[mt->layer].args->kind)) {
            /* PyTorch's default bias U(+-1/sqrt(fan_in)): its bound comes
             * from the weight's fan_in, taken at the base (the mup
             * package's rescale_linear_bias and MuReadout's rescale) */
            const char *name = mt->name;
            const char *dot = strrchr(name, '.');
            char wn[NNINIT_NAME_MAX + 8];
            nninit__strf(wn, sizeof wn, "%.*sweight",
                         dot ? (int)(dot - name + 1) : 0, name);
            long wi = nninit__model_find_tensor(p->m, wn);
            if (wi >= 0) {
                f = sqrt(fanin_mult(p, wi));
                bias_rule = 1;
            }
        }
        double mult = ninf == 2 ? f / sqrt(e->width_mult) : f;
        if (mult == 1)
            continue;
        if (bias_rule)
            nninit__strf(why, sizeof why,
                         "mup scaling: PyTorch's default bias bound "
                         "1/sqrt(fan_in) at its weight's base fan_in (x%.6g; "
                         "the mup package's set_base_shapes)", f);
        else
            nninit__strf(why, sizeof why,
                         "mup scaling: %s (width_mult %.6g): std as at the "
                         "base shape (x%.6g)%s (Yang et al. 2022; the mup "
                         "package's init)", kind, e->width_mult, f,
                         ninf == 2 ? ", then x width_mult^-1/2" : "");
        rc = scale_tensor(p, t, mult, 1, err, why);
    }
    if (rc == NNINIT_OK && s->query_zero)
        for (size_t t = 0; t < p->n && rc == NNINIT_OK; t++)
            if (p->m->tensors[t].role == NNINIT_LAYER_ATTN_QKV ||
                (p->m->tensors[t].part == NNINIT_PART_QKV &&
                 p->m->tensors[t].blocks == 3)) {
                nninit_spec z = nninit_spec_make(NNINIT_ZEROS);
                rc = scale_rows(p, t, 0, p->m->tensors[t].shape->dim[0] / 3, 1,
                                1, &z, err,
                                "mup scaling: the query rows 0 (Yang et al. "
                                "2022's recommendation)");
            }
    if (rc == NNINIT_OK && attention)
        rc = nninit__plan_note(p, err, "mup.attention", "1/d",
                               "mup: attention scores are q.k/d_head, not "
                               "q.k/sqrt(d_head) (Yang et al. 2022): a "
                               "forward-pass change");
    if (rc == NNINIT_OK)
        rc = nninit__plan_note(p, err, "mup.adam", "lr/width_mult",
                               "mup: with Adam, matrix-like tensors' learning "
                               "rate is divided by their width_mult (MuAdam)");
    return rc;
}

/* ------------------------------------------------------------------------ */
/* In the plan                                                              */
/* ------------------------------------------------------------------------ */

int nninit__plan_scalings(nninit_plan *p, nninit_error *err)
{
    int own = nninit__preset_scaling(p->o.preset);
    for (size_t i = 0; i < p->m->nscalings; i++)
        if ((int)p->m->scalings[i].kind == own)
            own = -1; /* the model's own options replace the preset's */
    int rc = NNINIT_OK;
    if (own >= 0) {
        nninit_scaling s = nninit_scaling_make((nninit_scaling_kind)own);
        rc = scalings[own].apply(p, &s, err);
    }
    for (size_t i = 0; i < p->m->nscalings && rc == NNINIT_OK; i++) {
        const nninit_scaling *s = &p->m->scalings[i];
        rc = scalings[s->kind].apply(p, s, err);
    }
    return rc;
}
