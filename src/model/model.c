/*
 * model.c: element types and the model container: layers are validated and
 * expanded into PyTorch's state_dict tensors (names, shapes, order) by the
 * module table (nninit/torch.h) when they are added.
 */
#define _POSIX_C_SOURCE 200809L
#include "model_internal.h"

#include <ctype.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

size_t nninit__strf(char *buf, size_t size, const char *fmt, ...)
{
    if (size == 0)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (n < 0) {
        buf[0] = '\0';
        return 0;
    }
    return (size_t)n < size ? (size_t)n : size - 1;
}

/* ------------------------------------------------------------------------ */
/* Element types                                                            */
/* ------------------------------------------------------------------------ */

static const struct {
    const char *name;
    size_t size;
} etypes[] = {
#define NNINIT__ET_ROW(name, str, size) {str, size},
    NNINIT_ETYPE_MAP(NNINIT__ET_ROW)
#undef NNINIT__ET_ROW
};
_Static_assert(sizeof etypes / sizeof *etypes == NNINIT_ETYPE_COUNT,
               "etype table out of sync");
_Static_assert((int)NNINIT_ET_F32 == (int)NNINIT_F32 &&
                   (int)NNINIT_ET_F64 == (int)NNINIT_F64 &&
                   (int)NNINIT_ET_F16 == (int)NNINIT_F16 &&
                   (int)NNINIT_ET_BF16 == (int)NNINIT_BF16,
               "float etypes must equal their nninit_dtype");

size_t nninit_etype_size(nninit_etype t)
{
    return (unsigned)t < NNINIT_ETYPE_COUNT ? etypes[t].size : 0;
}

const char *nninit_etype_name(nninit_etype t)
{
    return (unsigned)t < NNINIT_ETYPE_COUNT ? etypes[t].name : "unknown";
}

int nninit_etype_is_float(nninit_etype t)
{
    return t == NNINIT_ET_F32 || t == NNINIT_ET_F64 || t == NNINIT_ET_F16 ||
           t == NNINIT_ET_BF16;
}

/* ------------------------------------------------------------------------ */
/* Layers and rules                                                         */
/* ------------------------------------------------------------------------ */

nninit_layer nninit_layer_make(nninit_torch_module kind)
{
    nninit_layer l;
    memset(&l, 0, sizeof l);
    l.args = nninit_torch_layer_make(kind);
    return l;
}

nninit_rule nninit_rule_make(const char *match)
{
    nninit_rule r;
    memset(&r, 0, sizeof r);
    if (match)
        nninit__strf(r.match, sizeof r.match, "%s", match);
    r.spec = nninit_spec_make(NNINIT_ZEROS);
    r.activation = NNINIT_ACT_NONE;
    r.slope = NAN;
    return r;
}

int nninit__init_key_matches(const char *key, const nninit_torch_tensor *t)
{
    if (nninit_torch_tensor_selected(t, key))
        return 1;
    return strpbrk(key, "*?[") && fnmatch(key, t->name, 0) == 0;
}

/* ------------------------------------------------------------------------ */
/* The model container                                                      */
/* ------------------------------------------------------------------------ */

/* FNV-1a: only for the duplicate-name sets (stream ids use rng.h's hash). */
static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

int nninit_model_new(nninit_model **out, const nninit_allocator *alloc,
                     nninit_error *err)
{
    *out = NULL;
    nninit_model *m = (nninit_model *)nninit__alloc(alloc, sizeof *m);
    if (!m)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    memset(m, 0, sizeof *m);
    m->alloc = alloc;
    nninit__strpool_init_records(&m->args, alloc, sizeof(nninit_torch_layer));
    nninit__strpool_init_records(&m->shapes, alloc, sizeof(nninit_shape));
    nninit__strf(m->arch, sizeof m->arch, "nninit");
    *out = m;
    return NNINIT_OK;
}

/* The shape interned, its unused dimensions zero so that equal shapes are
 * equal byte for byte; NULL if out of memory. */
static const nninit_shape *shape_copy(nninit_model *m, const nninit_shape *s)
{
    nninit_shape c;
    memset(&c, 0, sizeof c);
    c.ndim = s->ndim;
    for (int i = 0; i < s->ndim && i < NNINIT_MAX_DIMS; i++)
        c.dim[i] = s->dim[i];
    return (const nninit_shape *)nninit__strpool_intern_record(&m->shapes, &c);
}

/* "a" or "a.b", kept as long as the model. */
static const char *name_copy(nninit_model *m, const char *a, const char *b)
{
    size_t na = strlen(a), nb = b ? strlen(b) : 0;
    char *s = nninit__arena_take(&m->names, m->alloc, na + (b ? nb + 1 : 0) + 1);
    if (!s)
        return NULL;
    memcpy(s, a, na);
    if (b) {
        s[na] = '.';
        memcpy(s + na + 1, b, nb);
        na += nb + 1;
    }
    s[na] = '\0';
    return s;
}

void nninit_model_free(nninit_model *m)
{
    if (!m)
        return;
    const nninit_allocator *a = m->alloc;
    nninit__arena_free(&m->names, a);
    nninit__strpool_free(&m->args);
    nninit__strpool_free(&m->shapes);
    nninit__free(a, m->layers);
    nninit__free(a, m->tensors);
    nninit__free(a, m->inits);
    nninit__free(a, m->rules);
    nninit__free(a, m->base);
    nninit__free(a, m->lset);
    nninit__free(a, m->tset);
    nninit__free(a, m);
}

int nninit_model_set_name(nninit_model *m, const char *name,
                          nninit_error *err)
{
    if (!name || strlen(name) >= sizeof m->name)
        return nninit__fail(err, NNINIT_EINVAL,
                            "model name is missing or longer than %d bytes",
                            (int)sizeof m->name - 1);
    nninit__strf(m->name, sizeof m->name, "%s", name);
    return NNINIT_OK;
}

int nninit_model_set_architecture(nninit_model *m, const char *arch,
                                  nninit_error *err)
{
    size_t n = arch ? strlen(arch) : 0;
    if (n == 0 || n >= sizeof m->arch)
        return nninit__fail(err, NNINIT_EINVAL,
                            "architecture must be 1 to %d characters",
                            (int)sizeof m->arch - 1);
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)arch[i]) ||
              isdigit((unsigned char)arch[i]) || arch[i] == '_'))
            return nninit__fail(err, NNINIT_EINVAL,
                                "architecture '%s' must use only a-z, 0-9 "
                                "and '_' (GGUF's general.architecture)",
                                arch);
    memcpy(m->arch, arch, n + 1);
    return NNINIT_OK;
}

const char *nninit_model_name(const nninit_model *m) { return m->name; }
const char *nninit_model_architecture(const nninit_model *m)
{
    return m->arch;
}
size_t nninit_model_layer_count(const nninit_model *m) { return m->nlayers; }
size_t nninit_model_tensor_count(const nninit_model *m)
{
    return m->ntensors;
}
size_t nninit_model_rule_count(const nninit_model *m) { return m->nrules; }

/* Grow an array to hold `need` elements. */
static int grow(const nninit_allocator *a, void **arr, size_t *cap,
                size_t need, size_t elem)
{
    if (need <= *cap)
        return NNINIT_OK;
    size_t nc = *cap ? *cap : 16;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / elem)
            return NNINIT_ENOMEM;
        nc *= 2;
    }
    void *p = nninit__alloc(a, nc * elem);
    if (!p)
        return NNINIT_ENOMEM;
    if (*arr)
        memcpy(p, *arr, *cap * elem);
    nninit__free(a, *arr);
    *arr = p;
    *cap = nc;
    return NNINIT_OK;
}

/* Name sets: open addressing over indices + 1 into an array of records
 * whose first member is the name. */
typedef const char *(*name_of_fn)(const nninit_model *m, size_t i);

static const char *layer_name_of(const nninit_model *m, size_t i)
{
    return m->layers[i].name;
}
static const char *tensor_name_of(const nninit_model *m, size_t i)
{
    return m->tensors[i].name;
}

static long set_find(const nninit_model *m, const size_t *set, size_t cap,
                     name_of_fn name_of, const char *name)
{
    if (!cap)
        return -1;
    for (size_t h = name_hash(name) & (cap - 1);; h = (h + 1) & (cap - 1)) {
        if (!set[h])
            return -1;
        if (!strcmp(name_of(m, set[h] - 1), name))
            return (long)(set[h] - 1);
    }
}

/* Make room for `count` names keeping the load <= 1/2. */
static int set_reserve(nninit_model *m, size_t **set, size_t *cap,
                       name_of_fn name_of, size_t count)
{
    if (count * 2 <= *cap)
        return NNINIT_OK;
    size_t nc = *cap ? *cap * 2 : 64;
    while (count * 2 > nc)
        nc *= 2;
    size_t *ns = (size_t *)nninit__alloc(m->alloc, nc * sizeof *ns);
    if (!ns)
        return NNINIT_ENOMEM;
    memset(ns, 0, nc * sizeof *ns);
    for (size_t k = 0; k < *cap; k++)
        if ((*set)[k]) {
            size_t h = name_hash(name_of(m, (*set)[k] - 1)) & (nc - 1);
            while (ns[h])
                h = (h + 1) & (nc - 1);
            ns[h] = (*set)[k];
        }
    nninit__free(m->alloc, *set);
    *set = ns;
    *cap = nc;
    return NNINIT_OK;
}

/* Insert index i (its name must not be present; room reserved). */
static void set_put(const nninit_model *m, size_t *set, size_t cap,
                    name_of_fn name_of, size_t i)
{
    size_t h = name_hash(name_of(m, i)) & (cap - 1);
    while (set[h])
        h = (h + 1) & (cap - 1);
    set[h] = i + 1;
}

long nninit__model_find_tensor(const nninit_model *m, const char *name)
{
    return set_find(m, m->tset, m->tsetcap, tensor_name_of, name);
}

/* Tensor and layer names: printable ASCII without spaces or quotes, dotted
 * components non-empty (they become state_dict keys and GGUF names). */
static int check_name(const char *what, const char *name, nninit_error *err)
{
    size_t n = strlen(name);
    if (n == 0)
        return nninit__fail(err, NNINIT_EINVAL, "%s name is empty", what);
    if (n >= NNINIT_NAME_MAX - 32)
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s name '%.40s...' is longer than %d bytes", what,
                            name, NNINIT_NAME_MAX - 33);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' || c == '\\') {
            char shown[8];
            nninit__char_at(name + i, shown);
            return nninit__fail(err, NNINIT_EINVAL,
                                "%s name '%s' contains '%s' (use letters, "
                                "digits, '_', '-' and '.')", what, name,
                                shown);
        }
        if (c == '.' && (i == 0 || i + 1 == n || name[i + 1] == '.'))
            return nninit__fail(err, NNINIT_EINVAL,
                                "%s name '%s' has an empty component", what,
                                name);
    }
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* Layers -> tensors                                                        */
/* ------------------------------------------------------------------------ */

nninit_torch_tensor *nninit__layer_tensors(const nninit_model *m,
                                           const nninit__mlayer *l)
{
    size_t n = (size_t)l->ntensors;
    nninit_torch_tensor *tt = (nninit_torch_tensor *)nninit__alloc(
        m->alloc, (n ? n : 1) * sizeof *tt);
    if (tt)
        nninit_torch_layer_tensors(l->args, tt, l->ntensors, NULL, NULL);
    return tt;
}

/* The module table's message "linear: in must ..." as "layer 'fc'
 * (linear): in must ...". */
static int layer_fail(const nninit_layer *l, int rc, const nninit_error *e,
                      nninit_error *err)
{
    const char *kn = nninit_torch_module_name(l->args.kind);
    const char *msg = e->msg;
    size_t n = strlen(kn);
    if (!strncmp(msg, kn, n) && !strncmp(msg + n, ": ", 2))
        msg += n + 2;
    return nninit__fail(err, rc, "layer '%s' (%s): %s", l->name, kn, msg);
}

static int check_place(const nninit_layer *l, const nninit_torch_tensor *tt,
                       int count, nninit_error *err)
{
    for (int k = 0; k < count; k++)
        if (l->role == NNINIT_LAYER_ATTN_QKV &&
            tt[k].part == NNINIT_PART_WEIGHT && tt[k].shape.dim[0] % 3)
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s': role attn_qkv needs q, k and v "
                                "stacked: out (%lld) divisible by 3",
                                l->name, (long long)tt[k].shape.dim[0]);
    if ((unsigned)l->role >= NNINIT_LAYER_ROLE_COUNT)
        return nninit__fail(err, NNINIT_EINVAL, "layer '%s': unknown role %d",
                            l->name, (int)l->role);
    if ((unsigned)l->stack > NNINIT_STACK_DECODER)
        return nninit__fail(err, NNINIT_EINVAL, "layer '%s': unknown stack %d",
                            l->name, (int)l->stack);
    if (l->depth_count < 0 || l->depth < 0 ||
        (l->depth_count > 0 && l->depth >= l->depth_count) ||
        (l->depth_count == 0 && l->depth != 0))
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s': depth %lld of %lld is not a block of "
                            "its stack", l->name, (long long)l->depth,
                            (long long)l->depth_count);
    return NNINIT_OK;
}

/* The explicit initializers: known kinds, keys that select a tensor (not
 * the tied one: its initializer is its owner's). */
static int check_inits(const nninit_layer *l, const nninit_torch_tensor *tt,
                       int count, int tied_local, nninit_error *err)
{
    if (l->n_inits < 0 || (l->n_inits > 0 && !l->inits))
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s': bad initializer list", l->name);
    for (int i = 0; i < l->n_inits; i++) {
        const nninit_tensor_init *ti = &l->inits[i];
        if ((unsigned)ti->spec.kind >= NNINIT_KIND_COUNT)
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s': unknown initializer %d", l->name,
                                (int)ti->spec.kind);
        if (!memchr(ti->key, '\0', sizeof ti->key) || !ti->key[0])
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s': initializer %d has no key",
                                l->name, i + 1);
        int hit = 0;
        for (int k = 0; k < count && !hit; k++)
            hit = k != tied_local && nninit__init_key_matches(ti->key, &tt[k]);
        if (!hit)
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s' (%s) has no tensor '%s'%s", l->name,
                                nninit_torch_module_name(l->args.kind),
                                ti->key,
                                !strncmp(ti->key, "bias", 4)
                                    ? " (bias: false?)"
                                : tied_local >= 0
                                    ? " of its own (its weight is tied: "
                                      "initialize it where it is made)"
                                    : "");
    }
    return NNINIT_OK;
}

/* A tensor's place in a residual network: its module's own (a
 * transformer's sub-layers), else its layer's for the layer's weights;
 * every embedding table is an embedding. */
static void tensor_place(nninit__mtensor *t, const nninit_torch_tensor *tt,
                         const nninit_layer *l)
{
    int weight = tt->part == NNINIT_PART_WEIGHT ||
                 tt->part == NNINIT_PART_QKV ||
                 tt->part == NNINIT_PART_EMBEDDING;
    nninit_layer_role r = tt->role;
    if (r == NNINIT_LAYER_NONE && weight)
        r = l->role;
    if (r == NNINIT_LAYER_NONE && tt->part == NNINIT_PART_EMBEDDING)
        r = NNINIT_LAYER_EMBEDDING;
    t->role = (unsigned char)r;
    /* a dense layer tagged attn_qkv is q, k and v stacked: 3 row blocks,
     * as MultiheadAttention's in_proj_weight */
    if (r == NNINIT_LAYER_ATTN_QKV && tt->part == NNINIT_PART_WEIGHT)
        t->blocks = 3;
    if (tt->depth_count > 0) {
        t->stack = (unsigned char)tt->stack;
        t->depth = tt->depth;
        t->depth_count = tt->depth_count;
    } else {
        t->stack = (unsigned char)l->stack;
        t->depth = l->depth;
        t->depth_count = l->depth_count;
    }
}

/* The module tensor named "weight" (-1 if none). */
static int weight_local(const nninit_torch_tensor *tt, int count)
{
    for (int k = 0; k < count; k++)
        if (!strcmp(tt[k].name, "weight"))
            return k;
    return -1;
}

/* l ties its weight to layer l->tie's: that tensor (its index in *target)
 * and l's own weight (*local), which must have the same shape. */
static int resolve_tie(nninit_model *m, const nninit_layer *l,
                       const nninit_torch_tensor *tt, int count, int *local,
                       long *target, nninit_error *err)
{
    *local = -1;
    *target = -1;
    if (!l->tie[0])
        return NNINIT_OK;
    if (!memchr(l->tie, '\0', sizeof l->tie))
        return nninit__fail(err, NNINIT_EINVAL, "layer '%s': tie is too long",
                            l->name);
    long tl = set_find(m, m->lset, m->lsetcap, layer_name_of, l->tie);
    if (tl < 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s': tie names no earlier layer '%s'",
                            l->name, l->tie);
    *local = weight_local(tt, count);
    if (*local < 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s' (%s) has no weight to tie", l->name,
                            nninit_torch_module_name(l->args.kind));
    const nninit__mlayer *t = &m->layers[tl];
    nninit_torch_tensor *ot = nninit__layer_tensors(m, t);
    if (!ot)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    int k = weight_local(ot, t->ntensors);
    nninit__free(m->alloc, ot);
    if (k < 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s': tie: layer '%s' (%s) has no weight",
                            l->name, l->tie,
                            nninit_torch_module_name(t->args->kind));
    *target = (long)nninit__layer_tensor(t, k);
    const nninit_shape *a = &tt[*local].shape, *b = m->tensors[*target].shape;
    int same = a->ndim == b->ndim;
    for (int d = 0; same && d < a->ndim; d++)
        same = a->dim[d] == b->dim[d];
    if (!same) {
        char sa[64], sb[64];
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s': its weight %s cannot be %s's %s "
                            "(tie needs the same shape)", l->name,
                            nninit_shape_format(a, sa, sizeof sa),
                            m->tensors[*target].name,
                            nninit_shape_format(b, sb, sizeof sb));
    }
    return NNINIT_OK;
}

/* Append an expanded layer: all checks and allocations first, so a failure
 * leaves the model as it was. */
static int add_expanded(nninit_model *m, const nninit_layer *l,
                        const nninit_torch_tensor *tt, int count,
                        int tied_local, long tie_target, nninit_error *err)
{
    size_t base = m->ntensors, nl = strlen(l->name);
    if (base + (size_t)count > NNINIT_MAX_TENSORS)
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s': the model would have more than %d "
                            "tensors", l->name, NNINIT_MAX_TENSORS);
    int own = count - (tied_local >= 0);
    for (int k = 0; k < count; k++) {
        if (k == tied_local)
            continue;
        char full[NNINIT_NAME_MAX];
        if (nl + 1 + strlen(tt[k].name) >= sizeof full)
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s': tensor name '%s.%s' is longer "
                                "than %d bytes", l->name, l->name, tt[k].name,
                                NNINIT_NAME_MAX - 1);
        nninit__strf(full, sizeof full, "%s.%s", l->name, tt[k].name);
        if (nninit__model_find_tensor(m, full) >= 0)
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s': tensor '%s' already exists",
                                l->name, full);
    }
    if (grow(m->alloc, (void **)&m->layers, &m->caplayers, m->nlayers + 1,
             sizeof *m->layers) ||
        grow(m->alloc, (void **)&m->tensors, &m->captensors,
             m->ntensors + (size_t)own, sizeof *m->tensors) ||
        grow(m->alloc, (void **)&m->inits, &m->capinits,
             m->ninits + (size_t)l->n_inits, sizeof *m->inits) ||
        set_reserve(m, &m->lset, &m->lsetcap, layer_name_of, m->nlayers + 1) ||
        set_reserve(m, &m->tset, &m->tsetcap, tensor_name_of,
                    m->ntensors + (size_t)own))
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    /* names, arguments and shapes first: the only steps left that can fail
     * (a wasted record in an arena is harmless) */
    const char *lname = name_copy(m, l->name, NULL);
    const nninit_torch_layer *args = (const nninit_torch_layer *)
        nninit__strpool_intern_record(&m->args, &l->args);
    if (!lname || !args)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (int k = 0, j = 0; k < count; k++) {
        if (k == tied_local)
            continue;
        nninit__mtensor *t = &m->tensors[base + (size_t)j++];
        memset(t, 0, sizeof *t);
        if (!(t->name = name_copy(m, l->name, tt[k].name)) ||
            !(t->shape = shape_copy(m, &tt[k].shape)))
            return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    nninit__mlayer *ml = &m->layers[m->nlayers];
    memset(ml, 0, sizeof *ml);
    ml->name = lname;
    ml->args = args;
    ml->first_tensor = base;
    ml->ntensors = count;
    ml->first_init = m->ninits;
    ml->n_inits = l->n_inits;
    ml->line = l->line;
    ml->column = l->column;
    ml->role = (unsigned char)l->role;
    ml->stack = (unsigned char)l->stack;
    ml->depth = l->depth;
    ml->depth_count = l->depth_count;
    ml->tied_local = tied_local;
    ml->tie_target = tie_target;
    if (l->n_inits)
        memcpy(m->inits + m->ninits, l->inits,
               (size_t)l->n_inits * sizeof *m->inits);
    m->ninits += (size_t)l->n_inits;
    set_put(m, m->lset, m->lsetcap, layer_name_of, m->nlayers);
    for (int k = 0; k < count; k++) {
        if (k == tied_local)
            continue;
        nninit__mtensor *t = &m->tensors[m->ntensors];
        t->type = tt[k].int64 ? NNINIT_ET_I64 : NNINIT_ET_F32;
        t->layer = (long)m->nlayers;
        t->local = k;
        t->part = (unsigned char)tt[k].part;
        t->follows = (unsigned char)tt[k].follows;
        t->blocks = (unsigned char)tt[k].blocks;
        tensor_place(t, &tt[k], l);
        set_put(m, m->tset, m->tsetcap, tensor_name_of, m->ntensors);
        m->ntensors++;
    }
    m->nlayers++;
    return NNINIT_OK;
}

int nninit_model_add_layer(nninit_model *m, const nninit_layer *l,
                           nninit_error *err)
{
    int rc;
    if (memchr(l->name, '\0', sizeof l->name) == NULL)
        return nninit__fail(err, NNINIT_EINVAL, "layer name is too long");
    if ((rc = check_name("layer", l->name, err)))
        return rc;
    if (set_find(m, m->lset, m->lsetcap, layer_name_of, l->name) >= 0)
        return nninit__fail(err, NNINIT_EINVAL, "duplicate layer name '%s'",
                            l->name);
    int count = 0;
    nninit_error e;
    if ((rc = nninit_torch_layer_tensors(&l->args, NULL, 0, &count, &e)))
        return layer_fail(l, rc, &e, err);
    nninit_torch_tensor *tt = (nninit_torch_tensor *)nninit__alloc(
        m->alloc, (size_t)(count ? count : 1) * sizeof *tt);
    if (!tt)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    nninit_torch_layer_tensors(&l->args, tt, count, NULL, NULL);
    rc = count ? NNINIT_OK
               : nninit__fail(err, NNINIT_EINVAL,
                              "layer '%s' (%s) has no tensors%s", l->name,
                              nninit_torch_module_name(l->args.kind),
                              l->args.affine ? "" : " (affine: false?)");
    if (rc == NNINIT_OK)
        rc = check_place(l, tt, count, err);
    int tied_local = -1;
    long tie_target = -1;
    if (rc == NNINIT_OK)
        rc = resolve_tie(m, l, tt, count, &tied_local, &tie_target, err);
    if (rc == NNINIT_OK)
        rc = check_inits(l, tt, count, tied_local, err);
    if (rc == NNINIT_OK)
        rc = add_expanded(m, l, tt, count, tied_local, tie_target, err);
    nninit__free(m->alloc, tt);
    return rc;
}

int nninit_model_add_tensor(nninit_model *m, const char *name,
                            const nninit_shape *shape, nninit_etype type,
                            size_t source_index, nninit_error *err)
{
    if (!name || strlen(name) >= NNINIT_NAME_MAX)
        return nninit__fail(err, NNINIT_EINVAL,
                            "tensor name is missing or longer than %d bytes",
                            NNINIT_NAME_MAX - 1);
    if (!*name)
        return nninit__fail(err, NNINIT_EINVAL, "tensor name is empty");
    if ((unsigned)type >= NNINIT_ETYPE_COUNT)
        return nninit__fail(err, NNINIT_EINVAL, "tensor '%s': unknown type %d",
                            name, (int)type);
    nninit_shape s;
    int rc = nninit_shape_make(&s, shape->ndim, shape->dim, err);
    if (rc)
        return nninit__fail(err, rc, "tensor '%s': %s", name,
                            rc == NNINIT_EOVERFLOW
                                ? "more than 2^62 elements"
                                : "bad shape");
    if (nninit__model_find_tensor(m, name) >= 0)
        return nninit__fail(err, NNINIT_EINVAL, "duplicate tensor name '%s'",
                            name);
    if (m->ntensors >= NNINIT_MAX_TENSORS)
        return nninit__fail(err, NNINIT_EINVAL,
                            "tensor '%s': the model has %d tensors already "
                            "(the most it may have)", name,
                            NNINIT_MAX_TENSORS);
    if (grow(m->alloc, (void **)&m->tensors, &m->captensors, m->ntensors + 1,
             sizeof *m->tensors) ||
        set_reserve(m, &m->tset, &m->tsetcap, tensor_name_of,
                    m->ntensors + 1))
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    const char *copy = name_copy(m, name, NULL);
    const nninit_shape *sc = shape_copy(m, &s);
    if (!copy || !sc)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    nninit__mtensor *t = &m->tensors[m->ntensors];
    memset(t, 0, sizeof *t);
    t->name = copy;
    t->shape = sc;
    t->type = type;
    t->layer = -1;
    t->local = -1;
    t->blocks = 1;
    t->source_index = source_index;
    set_put(m, m->tset, m->tsetcap, tensor_name_of, m->ntensors);
    m->ntensors++;
    return NNINIT_OK;
}

int nninit__model_reserve_tensors(nninit_model *m, size_t n)
{
    if (n > NNINIT_MAX_TENSORS)
        return NNINIT_EINVAL;
    if (n <= m->captensors)
        return NNINIT_OK;
    nninit__mtensor *t = (nninit__mtensor *)nninit__alloc_array(
        m->alloc, n, sizeof *t);
    if (!t)
        return NNINIT_ENOMEM;
    if (m->ntensors)
        memcpy(t, m->tensors, m->ntensors * sizeof *t);
    nninit__free(m->alloc, m->tensors);
    m->tensors = t;
    m->captensors = n;
    return set_reserve(m, &m->tset, &m->tsetcap, tensor_name_of, n);
}

int nninit_model_add_rule(nninit_model *m, const nninit_rule *r,
                          nninit_error *err)
{
    if (memchr(r->match, '\0', sizeof r->match) == NULL || !r->match[0])
        return nninit__fail(err, NNINIT_EINVAL,
                            "rule needs a non-empty match pattern");
    if (r->has_init == r->has_activation)
        return nninit__fail(err, NNINIT_EINVAL,
                            "rule '%s' needs exactly one of init and "
                            "activation", r->match);
    if (r->has_init && (unsigned)r->spec.kind >= NNINIT_KIND_COUNT)
        return nninit__fail(err, NNINIT_EINVAL,
                            "rule '%s': unknown initializer %d", r->match,
                            (int)r->spec.kind);
    if (r->has_activation && (unsigned)r->activation >= NNINIT_ACT_COUNT)
        return nninit__fail(err, NNINIT_EINVAL,
                            "rule '%s': unknown activation %d", r->match,
                            (int)r->activation);
    if (grow(m->alloc, (void **)&m->rules, &m->caprules, m->nrules + 1,
             sizeof *m->rules))
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    m->rules[m->nrules++] = *r;
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* Scalings and base shapes                                                 */
/* ------------------------------------------------------------------------ */

int nninit_model_add_scaling(nninit_model *m, const nninit_scaling *s,
                             nninit_error *err)
{
    if ((unsigned)s->kind >= NNINIT_SCALING_COUNT)
        return nninit__fail(err, NNINIT_EINVAL, "unknown scaling %d",
                            (int)s->kind);
    for (size_t i = 0; i < m->nscalings; i++)
        if (m->scalings[i].kind == s->kind) {
            memmove(&m->scalings[i], &m->scalings[i + 1],
                    (m->nscalings - i - 1) * sizeof *m->scalings);
            m->nscalings--;
            break;
        }
    m->scalings[m->nscalings++] = *s;
    return NNINIT_OK;
}

/* The base-shape array, one (empty) shape per tensor. */
static int base_reserve(nninit_model *m, nninit_error *err)
{
    if (m->capbase >= m->ntensors)
        return NNINIT_OK;
    nninit_shape *nb = (nninit_shape *)nninit__alloc(
        m->alloc, (m->ntensors ? m->ntensors : 1) * sizeof *nb);
    if (!nb)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    memset(nb, 0, m->ntensors * sizeof *nb);
    if (m->base)
        memcpy(nb, m->base, m->capbase * sizeof *nb);
    nninit__free(m->alloc, m->base);
    m->base = nb;
    m->capbase = m->ntensors;
    return NNINIT_OK;
}

int nninit_model_set_base_shape(nninit_model *m, const char *name,
                                const nninit_shape *base, nninit_error *err)
{
    long t = name ? nninit__model_find_tensor(m, name) : -1;
    if (t < 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "base shape of '%s', which the model does not "
                            "have", name ? name : "(null)");
    const nninit_shape *s = m->tensors[t].shape;
    char sa[64];
    if (base->ndim != s->ndim)
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s: base shape has %d dimensions, the tensor %s",
                            name, base->ndim,
                            nninit_shape_format(s, sa, sizeof sa));
    for (int d = 0; d < base->ndim; d++)
        if (base->dim[d] < 0)
            return nninit__fail(err, NNINIT_EINVAL,
                                "%s: base dimension %d is negative", name, d);
    int rc = base_reserve(m, err);
    if (rc)
        return rc;
    m->base[t] = *base;
    return NNINIT_OK;
}

int nninit_model_set_base_shapes(nninit_model *m, const nninit_model *base,
                                 nninit_error *err)
{
    for (size_t t = 0; t < base->ntensors; t++)
        if (nninit__model_find_tensor(m, base->tensors[t].name) < 0)
            return nninit__fail(err, NNINIT_EINVAL,
                                "the base model has '%s', the model does not",
                                base->tensors[t].name);
    for (size_t t = 0; t < m->ntensors; t++) {
        long b = nninit__model_find_tensor(base, m->tensors[t].name);
        if (b < 0)
            return nninit__fail(err, NNINIT_EINVAL,
                                "the model has '%s', the base model does not",
                                m->tensors[t].name);
        /* as the mup package's zip_infshape: a dim equal to the base's is
         * finite */
        nninit_shape s = *base->tensors[b].shape;
        const nninit_shape *own = m->tensors[t].shape;
        for (int d = 0; d < s.ndim && d < own->ndim; d++)
            if (s.dim[d] == own->dim[d])
                s.dim[d] = 0;
        int rc = nninit_model_set_base_shape(m, m->tensors[t].name, &s, err);
        if (rc)
            return rc;
    }
    return NNINIT_OK;
}
