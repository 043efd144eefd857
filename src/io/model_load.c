/*
 * model_load.c: model descriptions in YAML or JSON, read with libyaml's
 * document loader (JSON is YAML, and libyaml keeps every node's line and
 * column, so every error can point at the offending text).
 *
 * Before libyaml's loader builds the document, one pass over the parser's
 * events enforces the budgets a small file could otherwise defeat: one
 * document only, a nesting limit, no alias that refers to a node containing
 * it, and a cap on the nodes the aliases expand the description to. libyaml
 * accepts duplicate mapping keys; they are refused here (a set of the keys
 * for large mappings). Repeated blocks and layers are capped, so a small
 * file cannot expand into an unbounded model.
 */
#include "io_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_SPEC_BYTES (64u << 20)
#define MAX_DEPTH 16            /* blocks inside blocks */
#define MAX_LAYERS 1000000
#define MAX_RULES 100000
#define MAX_NESTING 64          /* YAML lists and mappings inside each other */
#define MAX_EXPANDED (1u << 24) /* nodes, each alias counting its whole node */

typedef struct ctx {
    yaml_document_t *doc;
    const char *file;
    nninit_model *m;
    nninit_error *err;
    size_t nlayers;
    unsigned flags;
    /* the innermost repeated block being read: its stack, and which of
     * its repeats */
    nninit_stack stack;
    int64_t depth, depth_count;
} ctx;

/* ------------------------------------------------------------------------ */
/* Errors and node access                                                   */
/* ------------------------------------------------------------------------ */

static int fail_at(ctx *c, const yaml_node_t *n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* "file:line:column: message" (position 0:0 without a mark). */
static int vfail_mark(ctx *c, const yaml_mark_t *at, const char *fmt,
                      va_list ap)
{
    char msg[224];
    vsnprintf(msg, sizeof msg, fmt, ap);
    int line = at ? (int)at->line + 1 : 0;
    int col = at ? (int)at->column + 1 : 0;
    if (c->err) {
        nninit__strf(c->err->msg, sizeof c->err->msg, "%s:%d:%d: %s", c->file,
                     line, col, msg);
        c->err->line = line;
        c->err->column = col;
    }
    return NNINIT_EINVAL;
}

static int fail_mark(ctx *c, const yaml_mark_t *at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail_mark(ctx *c, const yaml_mark_t *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail_mark(c, at, fmt, ap);
    va_end(ap);
    return rc;
}

static int fail_at(ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail_mark(c, n ? &n->start_mark : NULL, fmt, ap);
    va_end(ap);
    return rc;
}

/* A library error (from nninit_model_add_*) located at node n. */
static int relay_at(ctx *c, const yaml_node_t *n, int rc)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s", c->err ? c->err->msg : "invalid");
    fail_at(c, n, "%s", msg);
    return rc == NNINIT_ENOMEM ? rc : NNINIT_EINVAL;
}

static yaml_node_t *node(ctx *c, int idx)
{
    return yaml_document_get_node(c->doc, idx);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
                                            : NULL;
}

static const char *kind_word(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE: return "a value";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

static int need_scalar(ctx *c, const yaml_node_t *n, const char *key)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(c, n, "%s must be a value, not %s", key, kind_word(n));
    if (n->data.scalar.length != strlen(scalar(n)))
        return fail_at(c, n, "%s contains a NUL character", key);
    return NNINIT_OK;
}

static int get_string(ctx *c, const yaml_node_t *n, const char *key,
                      const char **out)
{
    int rc = need_scalar(c, n, key);
    if (rc)
        return rc;
    *out = scalar(n);
    return NNINIT_OK;
}

/* A positive integer (a dimension): decimal digits only, at most 2^62. */
static int get_dim(ctx *c, const yaml_node_t *n, const char *key, int64_t min,
                   int64_t *out)
{
    int rc = need_scalar(c, n, key);
    if (rc)
        return rc;
    const char *s = scalar(n);
    const char *p = s;
    if (*p == '+')
        p++;
    int neg = *p == '-';
    if (neg)
        p++;
    if (!*p)
        return fail_at(c, n, "%s must be an integer (got '%s')", key, s);
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return fail_at(c, n, "%s must be an integer (got '%s')", key, s);
    errno = 0;
    unsigned long long v = strtoull(p, NULL, 10);
    if (errno == ERANGE || v > (UINT64_C(1) << 62))
        return fail_at(c, n, "%s overflows (got %s; at most 2^62)", key, s);
    if (neg && v != 0)
        return fail_at(c, n, "%s must be %s (got %s)", key,
                       min >= 1 ? "a positive integer" : "a non-negative integer",
                       s);
    if ((int64_t)v < min)
        return fail_at(c, n, "%s must be %s (got %s)", key,
                       min >= 1 ? "a positive integer" : "a non-negative integer",
                       s);
    *out = (int64_t)v;
    return NNINIT_OK;
}

static int get_double(ctx *c, const yaml_node_t *n, const char *key,
                      double *out)
{
    int rc = need_scalar(c, n, key);
    if (rc)
        return rc;
    const char *s = scalar(n);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || (errno == ERANGE && fabs(v) > 1))
        return fail_at(c, n, "%s must be a finite number (got '%s')", key, s);
    *out = v;
    return NNINIT_OK;
}

/* Mapping pairs, checked for duplicate keys and non-scalar keys: small
 * mappings (a layer) pair by pair, large ones through a set of the keys. */
static int check_mapping(ctx *c, const yaml_node_t *n, const char *what)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(c, n, "%s must be a mapping (key: value), not %s",
                       what, kind_word(n));
    yaml_node_pair_t *first = n->data.mapping.pairs.start;
    int large = n->data.mapping.pairs.top - first > 16, rc = NNINIT_OK;
    nninit__nameset keys;
    nninit__nameset_init(&keys, c->m->alloc);
    for (yaml_node_pair_t *p = first; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = node(c, p->key);
        if (!scalar(k)) {
            rc = fail_at(c, k, "%s keys must be names", what);
            break;
        }
        const yaml_node_t *dup = NULL;
        if (large) {
            nninit__nameslot *slot;
            int added = nninit__nameset_put(&keys, scalar(k), &slot);
            if (added < 0) {
                rc = nninit__fail(c->err, NNINIT_ENOMEM, "out of memory");
                break;
            }
            if (added)
                slot->value = (uint64_t)(p - first);
            else
                dup = node(c, first[slot->value].key);
        } else {
            for (yaml_node_pair_t *q = first; q < p && !dup; q++)
                if (!strcmp(scalar(node(c, q->key)), scalar(k)))
                    dup = node(c, q->key);
        }
        if (dup) {
            rc = fail_at(c, k, "duplicate key '%s' (first at line %d)",
                         scalar(k), (int)dup->start_mark.line + 1);
            break;
        }
    }
    nninit__nameset_free(&keys);
    return rc;
}

static yaml_node_t *lookup(ctx *c, const yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top; p++)
        if (!strcmp(scalar(node(c, p->key)), key))
            return node(c, p->value);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Initializers: `init: name` plus parameters, or {init: name, ...}         */
/* ------------------------------------------------------------------------ */

static int parse_kind(ctx *c, const yaml_node_t *n, const char *key,
                      nninit_kind *out)
{
    const char *s;
    int rc = get_string(c, n, key, &s);
    if (rc)
        return rc;
    nninit_error e;
    if (nninit_kind_parse(s, out, &e))
        return fail_at(c, n, "%s", e.msg);
    return NNINIT_OK;
}

static int set_param(ctx *c, nninit_spec *spec, const yaml_node_t *k,
                     const yaml_node_t *v)
{
    nninit_error e;
    int rc = need_scalar(c, v, scalar(k));
    if (rc)
        return rc;
    if (nninit_spec_set(spec, scalar(k), scalar(v), &e))
        return fail_at(c, v, "%s", e.msg);
    return NNINIT_OK;
}

/* `bias_init: zeros` or `bias_init: {init: constant, value: 0.1}`. */
static int parse_init_value(ctx *c, const yaml_node_t *n, const char *key,
                            nninit_spec *out)
{
    if (n->type == YAML_SCALAR_NODE) {
        nninit_kind k;
        int rc = parse_kind(c, n, key, &k);
        if (rc)
            return rc;
        *out = nninit_spec_make(k);
        return NNINIT_OK;
    }
    int rc = check_mapping(c, n, key);
    if (rc)
        return rc;
    const yaml_node_t *in = lookup(c, n, "init");
    if (!in)
        return fail_at(c, n, "%s needs init: NAME", key);
    nninit_kind k;
    if ((rc = parse_kind(c, in, "init", &k)))
        return rc;
    *out = nninit_spec_make(k);
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn = node(c, p->key);
        if (!strcmp(scalar(kn), "init"))
            continue;
        if (!nninit_spec_is_param(scalar(kn)))
            return fail_at(c, kn, "unknown key '%s' in %s (expected init and "
                                  "its parameters)", scalar(kn), key);
        if ((rc = set_param(c, out, kn, node(c, p->value))))
            return rc;
    }
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* Layers                                                                   */
/* ------------------------------------------------------------------------ */

/* The layer's explicit initializers, in the order the description gives
 * them (at most one per key of the layer's mapping). */
typedef struct inits {
    nninit_tensor_init *v;
    int n, cap;
} inits;

static int add_init(ctx *c, inits *in, const yaml_node_t *at, const char *key,
                    const nninit_spec *spec)
{
    if (in->n == in->cap || strlen(key) >= sizeof in->v->key)
        return fail_at(c, at, "initializer key '%.64s' is too long", key);
    nninit_tensor_init *ti = &in->v[in->n++];
    memset(ti, 0, sizeof *ti);
    snprintf(ti->key, sizeof ti->key, "%s", key);
    ti->spec = *spec;
    ti->line = (int)at->start_mark.line + 1;
    ti->column = (int)at->start_mark.column + 1;
    return NNINIT_OK;
}

static int parse_layer(ctx *c, const yaml_node_t *n, const char *prefix,
                       int depth);

static int parse_layers(ctx *c, const yaml_node_t *seq, const char *prefix,
                        int depth)
{
    if (seq->type != YAML_SEQUENCE_NODE)
        return fail_at(c, seq, "layers must be a list, not %s",
                       kind_word(seq));
    for (yaml_node_item_t *i = seq->data.sequence.items.start;
         i < seq->data.sequence.items.top; i++) {
        int rc = parse_layer(c, node(c, *i), prefix, depth);
        if (rc)
            return rc;
    }
    return NNINIT_OK;
}

/* A block groups layers under a name; with repeat N, as PyTorch's
 * ModuleList: name.0.*, name.1.*, ... */
static int parse_block(ctx *c, const yaml_node_t *n, const char *name,
                       const char *prefix, int depth)
{
    int64_t repeat = 0;
    const yaml_node_t *layers = NULL, *stack = NULL;
    nninit_stack sk = NNINIT_STACK_NONE;
    int rc;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        const char *ks = scalar(k);
        if (!strcmp(ks, "name"))
            continue;
        if (!strcmp(ks, "layers"))
            layers = v;
        else if (!strcmp(ks, "repeat")) {
            if ((rc = get_dim(c, v, "repeat", 1, &repeat)))
                return rc;
            if (repeat > MAX_LAYERS)
                return fail_at(c, v, "repeat must be at most %d", MAX_LAYERS);
        } else if (!strcmp(ks, "stack")) {
            const char *w;
            nninit_error e;
            stack = v;
            if ((rc = get_string(c, v, "stack", &w)))
                return rc;
            if (nninit_stack_parse(w, &sk, &e))
                return fail_at(c, v, "%s", e.msg);
        } else
            return fail_at(c, k, "unknown key '%s' in block '%s' (a block has "
                                 "name, layers, repeat and stack)", ks, name);
    }
    if (stack && !repeat)
        return fail_at(c, stack, "stack: needs repeat: N (a stack is N "
                                 "blocks alike)");
    /* a repeated block is a stack: its layers learn which block they are
     * in (the scalings read it) */
    nninit_stack saved_stack = c->stack;
    int64_t saved_depth = c->depth, saved_count = c->depth_count;
    char pre[NNINIT_NAME_MAX];
    for (int64_t r = 0; r < (repeat ? repeat : 1); r++) {
        if (repeat) {
            c->stack = sk;
            c->depth = r;
            c->depth_count = repeat;
        }
        size_t len = repeat ? (size_t)snprintf(pre, sizeof pre, "%s%s.%lld.",
                                               prefix, name, (long long)r)
                            : (size_t)snprintf(pre, sizeof pre, "%s%s.",
                                               prefix, name);
        if (len >= sizeof pre - 32)
            return fail_at(c, n, "layer names under '%s' are too long", name);
        if ((rc = parse_layers(c, layers, pre, depth + 1)))
            return rc;
    }
    c->stack = saved_stack;
    c->depth = saved_depth;
    c->depth_count = saved_count;
    return NNINIT_OK;
}

/* A field of the module's table (nninit_torch_field_find): a scalar set
 * from its text, a list of sizes, or anything for the fields without
 * effect on the weights (stride, padding, ...). */
static int set_field(ctx *c, nninit_layer *l, int f, const char *key,
                     const yaml_node_t *v)
{
    const nninit_torch_field *fi = nninit_torch_field_info(f);
    nninit_error e;
    if (fi->type == NNINIT_TORCH_FIELD_ANY)
        return NNINIT_OK;
    if (fi->type == NNINIT_TORCH_FIELD_SIZES &&
        v->type == YAML_SEQUENCE_NODE) {
        int64_t dims[NNINIT_MAX_DIMS];
        int k = (int)(v->data.sequence.items.top -
                      v->data.sequence.items.start);
        if (k < 1 || k > NNINIT_MAX_DIMS)
            return fail_at(c, v, "%s needs 1 to %d sizes (got %d)", key,
                           NNINIT_MAX_DIMS, k);
        for (int i = 0; i < k; i++) {
            int rc = get_dim(c, node(c, v->data.sequence.items.start[i]), key,
                             1, &dims[i]);
            if (rc)
                return rc;
        }
        if (nninit_torch_field_set_sizes(&l->args, f, dims, k, &e))
            return fail_at(c, v, "%s", e.msg);
        return NNINIT_OK;
    }
    int rc = need_scalar(c, v, key);
    if (rc)
        return rc;
    if ((rc = nninit_torch_field_set(&l->args, f, scalar(v), &e)))
        return fail_at(c, v, "%s", e.msg);
    return NNINIT_OK;
}

static int parse_layer(ctx *c, const yaml_node_t *n, const char *prefix,
                       int depth)
{
    int rc;
    if (depth > MAX_DEPTH)
        return fail_at(c, n, "layers nest more than %d deep (or an alias "
                             "refers to itself)", MAX_DEPTH);
    if ((rc = check_mapping(c, n, "a layer")))
        return rc;
    const yaml_node_t *nn = lookup(c, n, "name"), *tn = lookup(c, n, "type");
    const char *name;
    if (!nn)
        return fail_at(c, n, "layer without a name");
    if ((rc = get_string(c, nn, "name", &name)))
        return rc;
    if (!*name)
        return fail_at(c, nn, "layer name is empty");
    /* a block: layers: is a list of layers (an rnn's layers: is a number) */
    const yaml_node_t *ln = lookup(c, n, "layers");
    if (ln && (ln->type == YAML_SEQUENCE_NODE || !tn)) {
        if (tn)
            return fail_at(c, tn, "a block (with a list of layers) has no "
                                  "type");
        return parse_block(c, n, name, prefix, depth);
    }
    if (!tn)
        return fail_at(c, n, "layer '%s' has no type", name);
    const char *type;
    if ((rc = get_string(c, tn, "type", &type)))
        return rc;
    nninit_torch_module kind;
    nninit_error e;
    if (nninit_torch_module_parse(type, &kind, &e))
        return fail_at(c, tn, "%s", e.msg);
    if (++c->nlayers > MAX_LAYERS)
        return fail_at(c, n, "the model has more than %d layers", MAX_LAYERS);
    nninit_layer l = nninit_layer_make(kind);
    size_t len = (size_t)snprintf(l.name, sizeof l.name, "%s%s", prefix, name);
    if (len >= sizeof l.name - 32)
        return fail_at(c, nn, "layer name '%s%s' is too long", prefix, name);
    l.line = (int)n->start_mark.line + 1;
    l.column = (int)n->start_mark.column + 1;
    l.stack = c->stack;
    l.depth = c->depth;
    l.depth_count = c->depth_count;
    const yaml_node_t *role = lookup(c, n, "role"), *tie = lookup(c, n, "tie");
    if (role) {
        const char *w;
        if ((rc = get_string(c, role, "role", &w)))
            return rc;
        if (nninit_layer_role_parse(w, &l.role, &e))
            return fail_at(c, role, "%s", e.msg);
    }
    if (tie) {
        const char *w;
        if ((rc = get_string(c, tie, "tie", &w)))
            return rc;
        if (strlen(w) >= sizeof l.tie)
            return fail_at(c, tie, "tie: layer name is too long");
        snprintf(l.tie, sizeof l.tie, "%s", w);
    }
    const char *kn = nninit_torch_module_name(kind);
    /* the weights' init: first, so its parameters can come in any order */
    nninit_spec init_spec = nninit_spec_make(NNINIT_ZEROS);
    const yaml_node_t *init_node = lookup(c, n, "init");
    if (init_node && (rc = parse_init_value(c, init_node, "init", &init_spec)))
        return rc;
    /* initializer parameters at the layer's level belong to init:, except
     * where the layer has a field of that name (a conv's groups, an rnn's
     * nonlinearity): write init: {init: dirac, groups: 2} for those */
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = node(c, p->key);
        if (!nninit_spec_is_param(scalar(k)) ||
            nninit_torch_field_find(kind, scalar(k)) >= 0)
            continue;
        if (!init_node)
            return fail_at(c, k, "%s is a parameter of init:, which this "
                                 "layer does not set", scalar(k));
        if ((rc = set_param(c, &init_spec, k, node(c, p->value))))
            return rc;
    }
    /* the module's fields, from its row of the table */
    uint64_t seen = 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        const char *ks = scalar(k);
        int f = nninit_torch_field_find(kind, ks);
        if (f < 0)
            continue;
        /* `bias: true|false` is the constructor flag; `bias: zeros` or
         * `bias: {init: ...}` an initializer for the bias tensor */
        if (!strcmp(ks, "bias") &&
            (!scalar(v) || nninit_torch_field_set(&l.args, f, scalar(v),
                                                  NULL)))
            continue;
        if (seen & (UINT64_C(1) << f))
            return fail_at(c, k, "'%s' repeats a setting of layer '%s' given "
                                 "under another name", ks, l.name);
        seen |= UINT64_C(1) << f;
        if ((rc = set_field(c, &l, f, ks, v)))
            return rc;
    }
    /* the rest: initializers of the layer's tensors, in order */
    int count = 0;
    if (nninit_torch_layer_tensors(&l.args, NULL, 0, &count, NULL)) {
        rc = nninit_model_add_layer(c->m, &l, c->err); /* names the field */
        return relay_at(c, n, rc ? rc : NNINIT_EINVAL);
    }
    inits in = {NULL, 0, 0};
    in.cap = (int)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    nninit_torch_tensor *tt =
        (nninit_torch_tensor *)malloc((size_t)(count ? count : 1) * sizeof *tt);
    in.v = (nninit_tensor_init *)malloc((size_t)(in.cap ? in.cap : 1) *
                                        sizeof *in.v);
    if (!tt || !in.v) {
        free(tt);
        free(in.v);
        return nninit__fail(c->err, NNINIT_ENOMEM, "out of memory");
    }
    nninit_torch_layer_tensors(&l.args, tt, count, NULL, NULL);
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top && rc == NNINIT_OK; p++) {
        const yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        const char *ks = scalar(k);
        int f = nninit_torch_field_find(kind, ks);
        if (!strcmp(ks, "name") || !strcmp(ks, "type") ||
            !strcmp(ks, "role") || !strcmp(ks, "tie") ||
            (nninit_spec_is_param(ks) && f < 0) ||
            (f >= 0 && (strcmp(ks, "bias") || (seen & (UINT64_C(1) << f)))))
            continue;
        if (!strcmp(ks, "init")) {
            rc = add_init(c, &in, v, "weights", &init_spec);
            continue;
        }
        int tensor_key = !strcmp(ks, "bias_init") || strpbrk(ks, "*?[");
        for (int i = 0; i < count && !tensor_key; i++)
            tensor_key = nninit_torch_tensor_selected(&tt[i], ks);
        nninit_torch_layer flag = nninit_torch_layer_make(NNINIT_TORCH_LINEAR);
        int bias_flag = !strcmp(ks, "bias") && scalar(v) &&
                        !nninit_torch_field_set(
                            &flag, nninit_torch_field_find(flag.kind, "bias"),
                            scalar(v), NULL);
        if ((!tensor_key && strcmp(ks, "bias")) || bias_flag) {
            char takes[256];
            rc = fail_at(c, k, "unknown key '%s' for %s layer '%s' (it takes "
                               "%s, init:, bias_init:, role:, tie: and its "
                               "tensors' names)", ks, kn, l.name,
                         nninit_torch_module_keys(kind, takes, sizeof takes));
            continue;
        }
        nninit_spec s;
        if ((rc = parse_init_value(c, v, ks, &s)) == NNINIT_OK)
            rc = add_init(c, &in, v, !strcmp(ks, "bias_init") ? "biases" : ks,
                          &s);
    }
    l.inits = in.v;
    l.n_inits = in.n;
    if (rc == NNINIT_OK && (rc = nninit_model_add_layer(c->m, &l, c->err)))
        rc = relay_at(c, n, rc);
    free(tt);
    free(in.v);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Rules and the document                                                   */
/* ------------------------------------------------------------------------ */

static int parse_rule(ctx *c, const yaml_node_t *n)
{
    int rc;
    if ((rc = check_mapping(c, n, "a rule")))
        return rc;
    const yaml_node_t *mn = lookup(c, n, "match"), *in = lookup(c, n, "init");
    const yaml_node_t *an = lookup(c, n, "activation");
    const char *match;
    if (!mn)
        return fail_at(c, n, "rule without match: PATTERN");
    if ((rc = get_string(c, mn, "match", &match)))
        return rc;
    if (!*match || strlen(match) >= NNINIT_NAME_MAX)
        return fail_at(c, mn, "match must be 1 to %d characters",
                       NNINIT_NAME_MAX - 1);
    if (!in && !an)
        return fail_at(c, n, "rule '%s' needs init: or activation:", match);
    if (in && an)
        return fail_at(c, an, "rule '%s' has both init: and activation: "
                              "(pick one)", match);
    nninit_rule r = nninit_rule_make(match);
    r.line = (int)n->start_mark.line + 1;
    r.column = (int)n->start_mark.column + 1;
    if (in) {
        r.has_init = 1;
        if ((rc = parse_init_value(c, in, "init", &r.spec)))
            return rc;
    } else {
        const char *s;
        nninit_error e;
        r.has_activation = 1;
        if ((rc = get_string(c, an, "activation", &s)))
            return rc;
        if (nninit_activation_parse(s, &r.activation, &e))
            return fail_at(c, an, "%s", e.msg);
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        const char *ks = scalar(k);
        if (!strcmp(ks, "match") || !strcmp(ks, "init") ||
            !strcmp(ks, "activation"))
            continue;
        if (!strcmp(ks, "slope") && an) {
            if ((rc = get_double(c, v, "slope", &r.slope)))
                return rc;
            continue;
        }
        if (nninit_spec_is_param(ks) && in) {
            if ((rc = set_param(c, &r.spec, k, v)))
                return rc;
            continue;
        }
        return fail_at(c, k, "unknown key '%s' in rule '%s' (a rule has "
                             "match, then init: and its parameters, or "
                             "activation: and slope)", ks, match);
    }
    rc = nninit_model_add_rule(c->m, &r, c->err);
    return rc ? relay_at(c, n, rc) : NNINIT_OK;
}

/* `scaling: NAME`, `scaling: {name: NAME, option: value}`, or a list of
 * those. */
static int parse_scaling(ctx *c, const yaml_node_t *n)
{
    int rc;
    if (n->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *i = n->data.sequence.items.start;
             i < n->data.sequence.items.top; i++)
            if ((rc = parse_scaling(c, node(c, *i))))
                return rc;
        return NNINIT_OK;
    }
    nninit_error e;
    nninit_scaling_kind kind;
    const yaml_node_t *nn = n;
    if (n->type == YAML_MAPPING_NODE) {
        if ((rc = check_mapping(c, n, "a scaling")))
            return rc;
        if (!(nn = lookup(c, n, "name")))
            return fail_at(c, n, "a scaling needs name: (one of gpt2, "
                                 "torchtitan, deepnet, t_fixup, fixup, "
                                 "zero_init, mup)");
    }
    const char *w;
    if ((rc = get_string(c, nn, "scaling", &w)))
        return rc;
    if (nninit_scaling_kind_parse(w, &kind, &e))
        return fail_at(c, nn, "%s", e.msg);
    nninit_scaling s = nninit_scaling_make(kind);
    s.line = (int)n->start_mark.line + 1;
    s.column = (int)n->start_mark.column + 1;
    if (n->type == YAML_MAPPING_NODE)
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
             p < n->data.mapping.pairs.top; p++) {
            const yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
            if (!strcmp(scalar(k), "name"))
                continue;
            if ((rc = need_scalar(c, v, scalar(k))))
                return rc;
            if (nninit_scaling_set(&s, scalar(k), scalar(v), &e))
                return fail_at(c, k, "%s", e.msg);
        }
    rc = nninit_model_add_scaling(c->m, &s, c->err);
    return rc ? relay_at(c, n, rc) : NNINIT_OK;
}

/* The `mup` package's base-shape file (.bsh, YAML): each parameter's name
 * and its base shape, null for the finite dimensions. */
static int parse_bsh(ctx *c, const yaml_node_t *root)
{
    int rc;
    if (!root)
        return fail_at(c, NULL, "the base-shape file is empty");
    if ((rc = check_mapping(c, root, "a base-shape file")))
        return rc;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
         p < root->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        if (v->type != YAML_SEQUENCE_NODE)
            return fail_at(c, v, "%s: a base shape is a list of sizes and "
                                 "nulls", scalar(k));
        nninit_shape b;
        memset(&b, 0, sizeof b);
        b.ndim = (int)(v->data.sequence.items.top -
                       v->data.sequence.items.start);
        if (b.ndim > NNINIT_MAX_DIMS)
            return fail_at(c, v, "%s: more than %d dimensions", scalar(k),
                           NNINIT_MAX_DIMS);
        for (int d = 0; d < b.ndim; d++) {
            const yaml_node_t *x = node(c, v->data.sequence.items.start[d]);
            const char *xs = scalar(x);
            if (xs && (!strcmp(xs, "null") || !strcmp(xs, "~") || !*xs))
                continue; /* finite */
            if ((rc = get_dim(c, x, "a base dimension", 1, &b.dim[d])))
                return rc;
        }
        if (nninit_model_set_base_shape(c->m, scalar(k), &b, c->err))
            return relay_at(c, k, NNINIT_EINVAL);
    }
    return NNINIT_OK;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* Flags of nninit_model_load beyond the public ones: loading the base
 * model named by base_shapes. */
#define LOAD_BASE (1u << 30)

static int load_text(ctx *c, const char *text, size_t len,
                     int (*parse)(ctx *, const yaml_node_t *));

/* `base_shapes: FILE`, relative to the description's directory: a model
 * description of the base model (the same tensor names, narrower), or a
 * .bsh file the mup package wrote. */
static int parse_base_shapes(ctx *c, const yaml_node_t *n)
{
    const char *w;
    int rc = get_string(c, n, "base_shapes", &w);
    if (rc)
        return rc;
    char path[4096];
    const char *slash = strrchr(c->file, '/');
    if (w[0] != '/' && slash)
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - c->file), c->file,
                 w);
    else
        snprintf(path, sizeof path, "%s", w);
    nninit_error e;
    if (has_suffix(path, ".bsh")) {
        char *text = NULL;
        size_t len = 0;
        if ((rc = nninit__read_small_file(path, MAX_SPEC_BYTES, c->m->alloc,
                                          &text, &len, &e))) {
            fail_at(c, n, "base_shapes: %s", e.msg);
            return rc;
        }
        ctx b = *c;
        b.file = path;
        rc = load_text(&b, text, len, parse_bsh);
        nninit__free(c->m->alloc, text);
        return rc;
    }
    /* the base model's own description: one level (a base_shapes key in
     * it would be a loop, or a base of a base) */
    if (c->flags & LOAD_BASE)
        return fail_at(c, n, "base_shapes in the base model's description "
                             "(a base model has no base shapes)");
    nninit_model *base;
    if ((rc = nninit_model_new(&base, NULL, c->err)))
        return rc;
    rc = nninit_model_load(path, base, LOAD_BASE, &e);
    if (rc == NNINIT_OK)
        rc = nninit_model_set_base_shapes(c->m, base, &e);
    nninit_model_free(base);
    if (rc) {
        fail_at(c, n, "base_shapes: %s", e.msg);
        return rc == NNINIT_EIO || rc == NNINIT_ENOMEM ? rc : NNINIT_EINVAL;
    }
    return NNINIT_OK;
}

static int parse_root(ctx *c, const yaml_node_t *root)
{
    int rc;
    if (!root)
        return fail_at(c, NULL, "the file is empty (expected layers: ...)");
    if ((rc = check_mapping(c, root, "the model description")))
        return rc;
    const yaml_node_t *layers = NULL, *rules = NULL, *scaling = NULL;
    const yaml_node_t *base_shapes = NULL;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
         p < root->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        const char *ks = scalar(k), *s;
        if (!strcmp(ks, "name")) {
            if ((rc = get_string(c, v, "name", &s)))
                return rc;
            if (nninit_model_set_name(c->m, s, c->err))
                return relay_at(c, v, NNINIT_EINVAL);
        } else if (!strcmp(ks, "architecture") &&
                   !(c->flags & NNINIT_LOAD_RULES_ONLY)) {
            if ((rc = get_string(c, v, "architecture", &s)))
                return rc;
            if (nninit_model_set_architecture(c->m, s, c->err))
                return relay_at(c, v, NNINIT_EINVAL);
        } else if (!strcmp(ks, "description")) {
            if ((rc = need_scalar(c, v, "description")))
                return rc;
        } else if (!strcmp(ks, "layers") &&
                   !(c->flags & NNINIT_LOAD_RULES_ONLY)) {
            layers = v;
        } else if (!strcmp(ks, "rules")) {
            rules = v;
        } else if (!strcmp(ks, "scaling")) {
            scaling = v;
        } else if (!strcmp(ks, "base_shapes")) {
            base_shapes = v;
        } else {
            return fail_at(c, k, "unknown key '%s' (expected %s)", ks,
                           c->flags & NNINIT_LOAD_RULES_ONLY
                               ? "rules, scaling or base_shapes (a rules "
                                 "file for a checkpoint)"
                               : "name, architecture, description, layers, "
                                 "rules, scaling or base_shapes");
        }
    }
    if (!layers && !(c->flags & NNINIT_LOAD_RULES_ONLY))
        return fail_at(c, root, "no layers: (a model needs at least one "
                                "layer)");
    if (layers && (rc = parse_layers(c, layers, "", 0)))
        return rc;
    if (base_shapes && (rc = parse_base_shapes(c, base_shapes)))
        return rc;
    if (scaling && (rc = parse_scaling(c, scaling)))
        return rc;
    if (rules) {
        if (rules->type != YAML_SEQUENCE_NODE)
            return fail_at(c, rules, "rules must be a list, not %s",
                           kind_word(rules));
        for (yaml_node_item_t *i = rules->data.sequence.items.start;
             i < rules->data.sequence.items.top; i++) {
            if (nninit_model_rule_count(c->m) >= MAX_RULES)
                return fail_at(c, node(c, *i), "more than %d rules",
                               MAX_RULES);
            if ((rc = parse_rule(c, node(c, *i))))
                return rc;
        }
    }
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* The budgets, enforced on the parser's events                             */
/* ------------------------------------------------------------------------ */

/* libyaml's own error (syntax, or memory), located. */
static int parser_error(ctx *c, const yaml_parser_t *parser)
{
    if (parser->error == YAML_MEMORY_ERROR)
        return nninit__fail(c->err, NNINIT_ENOMEM, "%s: out of memory",
                            c->file);
    return fail_mark(c, &parser->problem_mark, "%s%s%s",
                     parser->problem ? parser->problem : "syntax error",
                     parser->context ? " " : "",
                     parser->context ? parser->context : "");
}

#define OPEN UINT64_MAX /* an anchored node not finished yet */

typedef struct scan {
    ctx *c;
    uint64_t nodes[MAX_NESTING + 1]; /* expanded nodes of each open node */
    const char *anchor[MAX_NESTING + 1]; /* and its anchor (or NULL) */
    int depth;
    nninit__nameset anchors; /* anchor -> its node's expanded size */
} scan;

/* Count n expanded nodes into the innermost open node (or the document). */
static int scan_add(scan *sc, uint64_t n, const yaml_mark_t *at)
{
    uint64_t *into = &sc->nodes[sc->depth];
    if (n > MAX_EXPANDED - *into)
        return fail_mark(sc->c, at, "aliases expand the description to more "
                                    "than %u nodes", MAX_EXPANDED);
    *into += n;
    return NNINIT_OK;
}

/* A new anchor (its name copied), OPEN until its node ends. */
static int scan_anchor(scan *sc, const yaml_char_t *anchor,
                       const yaml_mark_t *at, nninit__nameslot **out)
{
    const nninit_allocator *a = sc->c->m->alloc;
    size_t n = strlen((const char *)anchor) + 1;
    char *name = (char *)nninit__alloc(a, n);
    if (!name)
        return nninit__fail(sc->c->err, NNINIT_ENOMEM, "out of memory");
    memcpy(name, anchor, n);
    int added = nninit__nameset_put(&sc->anchors, name, out);
    if (added <= 0) {
        nninit__free(a, name);
        return added ? nninit__fail(sc->c->err, added, "out of memory")
                     : fail_mark(sc->c, at, "anchor &%s is defined twice",
                                 (const char *)anchor);
    }
    (*out)->value = OPEN;
    return NNINIT_OK;
}

static int scan_event(scan *sc, const yaml_event_t *ev, int *docs)
{
    ctx *c = sc->c;
    const yaml_mark_t *at = &ev->start_mark;
    nninit__nameslot *slot = NULL;
    const yaml_char_t *anchor = NULL;
    int rc;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++*docs > 1)
            return fail_mark(c, at, "a second YAML document (a description "
                                    "is one document)");
        return NNINIT_OK;
    case YAML_SCALAR_EVENT:
        if (ev->data.scalar.anchor &&
            (rc = scan_anchor(sc, ev->data.scalar.anchor, at, &slot)))
            return rc;
        if (slot)
            slot->value = 1;
        return scan_add(sc, 1, at);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (sc->depth == MAX_NESTING)
            return fail_mark(c, at, "lists and mappings nest more than %d "
                                    "deep", MAX_NESTING);
        anchor = ev->type == YAML_SEQUENCE_START_EVENT
                     ? ev->data.sequence_start.anchor
                     : ev->data.mapping_start.anchor;
        if (anchor && (rc = scan_anchor(sc, anchor, at, &slot)))
            return rc;
        sc->depth++;
        sc->nodes[sc->depth] = 1;
        sc->anchor[sc->depth] = slot ? slot->name : NULL;
        return NNINIT_OK;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        uint64_t n = sc->nodes[sc->depth];
        const char *name = sc->anchor[sc->depth];
        if (sc->depth == 0) /* unbalanced: the loader tells */
            return NNINIT_OK;
        sc->depth--;
        if (name) /* aliases to it now count its whole size */
            nninit__nameset_get(&sc->anchors, name)->value = n;
        return scan_add(sc, n, at);
    }
    case YAML_ALIAS_EVENT:
        slot = nninit__nameset_get(&sc->anchors,
                                   (const char *)ev->data.alias.anchor);
        if (!slot) /* the loader says "found undefined alias" */
            return scan_add(sc, 1, at);
        if (slot->value == OPEN)
            return fail_mark(c, at, "alias *%s refers to a node that "
                                    "contains it",
                             (const char *)ev->data.alias.anchor);
        return scan_add(sc, slot->value, at);
    default:
        return NNINIT_OK;
    }
}

/* One pass over the events: the budgets above, before the loader builds
 * anything (a syntax error is left to the loader's message). */
static int prescan(ctx *c, const char *text, size_t len)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    scan sc;
    memset(&sc, 0, sizeof sc);
    sc.c = c;
    nninit__nameset_init(&sc.anchors, c->m->alloc);
    if (!yaml_parser_initialize(&parser))
        return nninit__fail(c->err, NNINIT_ENOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = NNINIT_OK, docs = 0;
    while (rc == NNINIT_OK) {
        if (!yaml_parser_parse(&parser, &ev)) {
            if (parser.error == YAML_MEMORY_ERROR)
                rc = parser_error(c, &parser);
            break;
        }
        int end = ev.type == YAML_STREAM_END_EVENT;
        rc = scan_event(&sc, &ev, &docs);
        yaml_event_delete(&ev);
        if (end)
            break;
    }
    yaml_parser_delete(&parser);
    for (size_t i = 0; i < sc.anchors.cap; i++)
        nninit__free(c->m->alloc, (void *)sc.anchors.slot[i].name);
    nninit__nameset_free(&sc.anchors);
    return rc;
}

/* text checked against the budgets, loaded, and handed to parse. */
static int load_text(ctx *c, const char *text, size_t len,
                     int (*parse)(ctx *, const yaml_node_t *))
{
    yaml_parser_t parser;
    yaml_document_t doc;
    if (len > MAX_SPEC_BYTES)
        return fail_at(c, NULL, "larger than %u MiB", MAX_SPEC_BYTES >> 20);
    int rc = prescan(c, text, len);
    if (rc)
        return rc;
    if (!yaml_parser_initialize(&parser))
        return nninit__fail(c->err, NNINIT_ENOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = parser_error(c, &parser);
        yaml_parser_delete(&parser);
        return rc;
    }
    yaml_document_t *outer = c->doc;
    c->doc = &doc;
    rc = parse(c, yaml_document_get_root_node(&doc));
    c->doc = outer;
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

int nninit_model_load_mem(const char *text, size_t len, const char *name,
                          nninit_model *m, unsigned flags, nninit_error *err)
{
    ctx c;
    memset(&c, 0, sizeof c);
    c.file = name ? name : "<model>";
    c.m = m;
    c.err = err;
    c.flags = flags;
    return load_text(&c, text, len, parse_root);
}

int nninit_model_load(const char *path, nninit_model *m, unsigned flags,
                      nninit_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = nninit__read_small_file(path, MAX_SPEC_BYTES, m->alloc, &text,
                                     &len, err);
    if (rc)
        return rc;
    rc = nninit_model_load_mem(text, len, path, m, flags, err);
    nninit__free(m->alloc, text);
    return rc;
}
