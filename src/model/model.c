/*
 * model.c: element types, layer kinds, and the model container: layers are
 * validated and expanded into PyTorch's state_dict tensors (names, shapes,
 * order) when they are added.
 */
#include "model_internal.h"

#include <ctype.h>
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
/* Layer kinds and names                                                    */
/* ------------------------------------------------------------------------ */

static const char *const layer_names[] = {
#define NNINIT__LAYER_STR(name, str) str,
    NNINIT_LAYER_MAP(NNINIT__LAYER_STR)
#undef NNINIT__LAYER_STR
        NULL};
_Static_assert(sizeof layer_names / sizeof *layer_names ==
                   NNINIT_LAYER_COUNT + 1,
               "layer table out of sync");

int nninit_layer_kind_parse(const char *name, nninit_layer_kind *out,
                            nninit_error *err)
{
    int i = nninit__lookup(layer_names, name);
    if (i < 0 && name &&
        (!strcmp(name, "batchnorm1d") || !strcmp(name, "batchnorm2d") ||
         !strcmp(name, "batchnorm3d")))
        i = NNINIT_LAYER_BATCHNORM;
    if (i < 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "unknown layer type '%s' (expected linear, "
                            "bilinear, conv1d/2d/3d, conv_transpose1d/2d/3d, "
                            "embedding, layernorm, batchnorm, rnn, lstm or "
                            "gru)", name ? name : "");
    *out = (nninit_layer_kind)i;
    return NNINIT_OK;
}

const char *nninit_layer_kind_name(nninit_layer_kind kind)
{
    return (unsigned)kind < NNINIT_LAYER_COUNT ? layer_names[kind]
                                               : "unknown";
}

static const char *const orth_names[] = {"default", "whole", "per_gate",
                                         NULL};

int nninit_orth_mode_parse(const char *name, nninit_orth_mode *out,
                           nninit_error *err)
{
    int i = nninit__lookup(orth_names, name);
    if (i < 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "unknown orthogonal mode '%s' (expected whole or "
                            "per_gate)", name ? name : "");
    *out = (nninit_orth_mode)i;
    return NNINIT_OK;
}

const char *nninit_orth_mode_name(nninit_orth_mode mode)
{
    return (unsigned)mode <= NNINIT_ORTH_PER_GATE ? orth_names[mode]
                                                  : "unknown";
}

nninit_layer nninit_layer_make(nninit_layer_kind kind)
{
    nninit_layer l;
    memset(&l, 0, sizeof l);
    l.kind = kind;
    l.groups = 1;
    l.bias = 1;
    l.num_layers = 1;
    l.affine = 1;
    l.track_running_stats = 1;
    l.forget_bias = NAN;
    l.orthogonal = NNINIT_ORTH_DEFAULT;
    l.activation = NNINIT_ACT_NONE;
    l.slope = NAN;
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

static const char *const tkey_names[] = {
    "weight",  "bias",         "weight_ih",   "weight_hh",
    "bias_ih", "bias_hh",      "weight_hr",   "running_mean",
    "running_var", "num_batches_tracked", ""};

const char *nninit__tkey_name(nninit__tkey k) { return tkey_names[k]; }

int nninit__init_key_matches(const char *key, const nninit__mtensor *t)
{
    switch (t->key) {
    case TK_BARE:
        return 0;
    case TK_WEIGHT:
    case TK_WEIGHT_IH:
    case TK_WEIGHT_HR:
        if (!strcmp(key, "weights"))
            return 1;
        break;
    case TK_BIAS:
    case TK_BIAS_IH:
    case TK_BIAS_HH:
        if (!strcmp(key, "biases"))
            return 1;
        break;
    default:
        break;
    }
    return !strcmp(key, tkey_names[t->key]);
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
    nninit__strf(m->arch, sizeof m->arch, "nninit");
    *out = m;
    return NNINIT_OK;
}

void nninit_model_free(nninit_model *m)
{
    if (!m)
        return;
    const nninit_allocator *a = m->alloc;
    nninit__free(a, m->layers);
    nninit__free(a, m->tensors);
    nninit__free(a, m->rules);
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

#define MAX_RNN_LAYERS 64

/* A layer's tensors: at most 5 per layer and direction of a recurrent
 * layer (weight_ih, weight_hh, bias_ih, bias_hh, weight_hr). */
typedef struct tlist {
    nninit__mtensor t[5 * 2 * MAX_RNN_LAYERS];
    int n;
} tlist;

static int push(tlist *L, const nninit_layer *l, const char *local,
                nninit__tkey key, int ndim, const int64_t *dims, int gates,
                nninit_error *err)
{
    nninit__mtensor *t = &L->t[L->n];
    memset(t, 0, sizeof *t);
    nninit__strf(t->name, sizeof t->name, "%s.%s", l->name, local);
    int rc = nninit_shape_make(&t->shape, ndim, dims, err);
    if (rc == NNINIT_EOVERFLOW)
        return nninit__fail(err, rc,
                            "layer '%s': %s has more than 2^62 elements",
                            l->name, t->name);
    if (rc)
        return rc;
    t->type = key == TK_NUM_BATCHES ? NNINIT_ET_I64 : NNINIT_ET_F32;
    t->key = key;
    t->gates = gates;
    t->hidden = l->hidden;
    L->n++;
    return NNINIT_OK;
}

static int need_pos(const nninit_layer *l, const char *field, int64_t v,
                    nninit_error *err)
{
    if (v >= 1)
        return NNINIT_OK;
    if (v == 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s' (%s): %s must be >= 1 (missing or 0)",
                            l->name, nninit_layer_kind_name(l->kind), field);
    return nninit__fail(err, NNINIT_EINVAL,
                        "layer '%s' (%s): %s must be >= 1 (got %lld)", l->name,
                        nninit_layer_kind_name(l->kind), field, (long long)v);
}

static int conv_dims(nninit_layer_kind k)
{
    switch (k) {
    case NNINIT_LAYER_CONV1D:
    case NNINIT_LAYER_CONV_TRANSPOSE1D:
        return 1;
    case NNINIT_LAYER_CONV2D:
    case NNINIT_LAYER_CONV_TRANSPOSE2D:
        return 2;
    case NNINIT_LAYER_CONV3D:
    case NNINIT_LAYER_CONV_TRANSPOSE3D:
        return 3;
    default:
        return 0;
    }
}

static int is_recurrent(nninit_layer_kind k)
{
    return k == NNINIT_LAYER_RNN || k == NNINIT_LAYER_LSTM ||
           k == NNINIT_LAYER_GRU;
}

static int expand(const nninit_layer *l, tlist *L, nninit_error *err)
{
    int rc;
    const char *kn = nninit_layer_kind_name(l->kind);
    L->n = 0;
    switch (l->kind) {
    case NNINIT_LAYER_LINEAR: {
        if ((rc = need_pos(l, "in", l->in, err)) ||
            (rc = need_pos(l, "out", l->out, err)))
            return rc;
        int64_t w[2] = {l->out, l->in}, b[1] = {l->out};
        if ((rc = push(L, l, "weight", TK_WEIGHT, 2, w, 1, err)))
            return rc;
        if (l->bias && (rc = push(L, l, "bias", TK_BIAS, 1, b, 1, err)))
            return rc;
        return NNINIT_OK;
    }
    case NNINIT_LAYER_BILINEAR: {
        if ((rc = need_pos(l, "in1", l->in, err)) ||
            (rc = need_pos(l, "in2", l->in2, err)) ||
            (rc = need_pos(l, "out", l->out, err)))
            return rc;
        int64_t w[3] = {l->out, l->in, l->in2}, b[1] = {l->out};
        if ((rc = push(L, l, "weight", TK_WEIGHT, 3, w, 1, err)))
            return rc;
        if (l->bias && (rc = push(L, l, "bias", TK_BIAS, 1, b, 1, err)))
            return rc;
        return NNINIT_OK;
    }
    case NNINIT_LAYER_CONV1D:
    case NNINIT_LAYER_CONV2D:
    case NNINIT_LAYER_CONV3D:
    case NNINIT_LAYER_CONV_TRANSPOSE1D:
    case NNINIT_LAYER_CONV_TRANSPOSE2D:
    case NNINIT_LAYER_CONV_TRANSPOSE3D: {
        int d = conv_dims(l->kind);
        int transposed = l->kind >= NNINIT_LAYER_CONV_TRANSPOSE1D;
        if ((rc = need_pos(l, "in", l->in, err)) ||
            (rc = need_pos(l, "out", l->out, err)) ||
            (rc = need_pos(l, "groups", l->groups, err)))
            return rc;
        for (int i = 0; i < d; i++)
            if ((rc = need_pos(l, "kernel", l->kernel[i], err)))
                return rc;
        if (l->in % l->groups || l->out % l->groups)
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s' (%s): in (%lld) and out (%lld) "
                                "must both be divisible by groups (%lld)",
                                l->name, kn, (long long)l->in,
                                (long long)l->out, (long long)l->groups);
        int64_t w[5], b[1] = {l->out};
        w[0] = transposed ? l->in : l->out;
        w[1] = transposed ? l->out / l->groups : l->in / l->groups;
        for (int i = 0; i < d; i++)
            w[2 + i] = l->kernel[i];
        if ((rc = push(L, l, "weight", TK_WEIGHT, 2 + d, w, 1, err)))
            return rc;
        if (l->bias && (rc = push(L, l, "bias", TK_BIAS, 1, b, 1, err)))
            return rc;
        return NNINIT_OK;
    }
    case NNINIT_LAYER_EMBEDDING: {
        if ((rc = need_pos(l, "num", l->num, err)) ||
            (rc = need_pos(l, "dim", l->dim, err)))
            return rc;
        int64_t w[2] = {l->num, l->dim};
        return push(L, l, "weight", TK_WEIGHT, 2, w, 1, err);
    }
    case NNINIT_LAYER_LAYERNORM:
    case NNINIT_LAYER_BATCHNORM: {
        int bn = l->kind == NNINIT_LAYER_BATCHNORM;
        if (l->norm_ndim < 1 || l->norm_ndim > (bn ? 1 : NNINIT_MAX_DIMS))
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s' (%s): dim must be %s", l->name, kn,
                                bn ? "one integer (num_features)"
                                   : "an integer or a list of 1 to 8 integers");
        for (int i = 0; i < l->norm_ndim; i++)
            if ((rc = need_pos(l, "dim", l->norm_shape[i], err)))
                return rc;
        if (l->affine) {
            if ((rc = push(L, l, "weight", TK_WEIGHT, l->norm_ndim,
                           l->norm_shape, 1, err)) ||
                (rc = push(L, l, "bias", TK_BIAS, l->norm_ndim, l->norm_shape,
                           1, err)))
                return rc;
        }
        if (bn && l->track_running_stats) {
            if ((rc = push(L, l, "running_mean", TK_RUNNING_MEAN, 1,
                           l->norm_shape, 1, err)) ||
                (rc = push(L, l, "running_var", TK_RUNNING_VAR, 1,
                           l->norm_shape, 1, err)) ||
                (rc = push(L, l, "num_batches_tracked", TK_NUM_BATCHES, 0,
                           NULL, 1, err)))
                return rc;
        }
        if (L->n == 0)
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s' (%s) has no tensors (affine: "
                                "false%s)", l->name, kn,
                                bn ? " and track_running_stats: false" : "");
        return NNINIT_OK;
    }
    case NNINIT_LAYER_RNN:
    case NNINIT_LAYER_LSTM:
    case NNINIT_LAYER_GRU: {
        int G = l->kind == NNINIT_LAYER_LSTM ? 4
                : l->kind == NNINIT_LAYER_GRU ? 3
                                               : 1;
        if ((rc = need_pos(l, "in", l->in, err)) ||
            (rc = need_pos(l, "hidden", l->hidden, err)) ||
            (rc = need_pos(l, "layers", l->num_layers, err)))
            return rc;
        if (l->num_layers > MAX_RNN_LAYERS)
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s' (%s): layers must be <= %d (got "
                                "%lld)", l->name, kn, MAX_RNN_LAYERS,
                                (long long)l->num_layers);
        if (l->proj_size < 0)
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s' (%s): proj_size must be >= 0 (got "
                                "%lld)", l->name, kn,
                                (long long)l->proj_size);
        if (l->proj_size && l->proj_size >= l->hidden)
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s' (lstm): proj_size (%lld) must be "
                                "smaller than hidden (%lld)", l->name,
                                (long long)l->proj_size,
                                (long long)l->hidden);
        if ((uint64_t)l->hidden > (UINT64_C(1) << 40))
            return nninit__fail(err, NNINIT_EOVERFLOW,
                                "layer '%s' (%s): hidden %lld is too large",
                                l->name, kn, (long long)l->hidden);
        int64_t H = l->hidden, R = l->proj_size ? l->proj_size : H;
        int D = l->bidirectional ? 2 : 1;
        for (int64_t k = 0; k < l->num_layers; k++)
            for (int d = 0; d < D; d++) {
                char nm[64];
                const char *sfx = d ? "_reverse" : "";
                int64_t in_k = k == 0 ? l->in : R * D;
                int64_t wih[2] = {G * H, in_k}, whh[2] = {G * H, R};
                int64_t b[1] = {G * H}, whr[2] = {l->proj_size, H};
                nninit__strf(nm, sizeof nm, "weight_ih_l%lld%s", (long long)k, sfx);
                if ((rc = push(L, l, nm, TK_WEIGHT_IH, 2, wih, G, err)))
                    return rc;
                nninit__strf(nm, sizeof nm, "weight_hh_l%lld%s", (long long)k, sfx);
                if ((rc = push(L, l, nm, TK_WEIGHT_HH, 2, whh, G, err)))
                    return rc;
                if (l->bias) {
                    nninit__strf(nm, sizeof nm, "bias_ih_l%lld%s", (long long)k,
                             sfx);
                    if ((rc = push(L, l, nm, TK_BIAS_IH, 1, b, G, err)))
                        return rc;
                    nninit__strf(nm, sizeof nm, "bias_hh_l%lld%s", (long long)k,
                             sfx);
                    if ((rc = push(L, l, nm, TK_BIAS_HH, 1, b, G, err)))
                        return rc;
                }
                if (l->proj_size) {
                    nninit__strf(nm, sizeof nm, "weight_hr_l%lld%s", (long long)k,
                             sfx);
                    if ((rc = push(L, l, nm, TK_WEIGHT_HR, 2, whr, 1, err)))
                        return rc;
                }
            }
        return NNINIT_OK;
    }
    default:
        return nninit__fail(err, NNINIT_EINVAL, "layer '%s': unknown type %d",
                            l->name, (int)l->kind);
    }
}

/* Fields that only some kinds have: refuse them elsewhere, so a typo in a
 * program (or a spec) does not pass silently. */
static int check_kind_fields(const nninit_layer *l, nninit_error *err)
{
    const char *kn = nninit_layer_kind_name(l->kind);
    if (!isnan(l->forget_bias)) {
        if (l->kind != NNINIT_LAYER_LSTM)
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s' (%s): forget_bias is for lstm "
                                "layers only", l->name, kn);
        if (!l->bias)
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s' (lstm): forget_bias needs bias: "
                                "true", l->name);
        if (!isfinite(l->forget_bias))
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s' (lstm): forget_bias must be "
                                "finite", l->name);
    }
    if (l->proj_size && l->kind != NNINIT_LAYER_LSTM)
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s' (%s): proj_size is for lstm layers "
                            "only", l->name, kn);
    if (l->relu && l->kind != NNINIT_LAYER_RNN)
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s' (%s): nonlinearity is for rnn layers "
                            "only", l->name, kn);
    if (l->orthogonal != NNINIT_ORTH_DEFAULT && !is_recurrent(l->kind))
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s' (%s): orthogonal (whole|per_gate) is "
                            "for rnn, lstm and gru layers only", l->name, kn);
    if ((unsigned)l->orthogonal > NNINIT_ORTH_PER_GATE)
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s': unknown orthogonal mode %d", l->name,
                            (int)l->orthogonal);
    if ((unsigned)l->activation >= NNINIT_ACT_COUNT)
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s': unknown activation %d", l->name,
                            (int)l->activation);
    if (!isnan(l->slope) && !isfinite(l->slope))
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s': slope must be finite", l->name);
    if (l->n_inits < 0 || l->n_inits > NNINIT_LAYER_INITS)
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s': %d initializers (at most %d)",
                            l->name, l->n_inits, NNINIT_LAYER_INITS);
    return NNINIT_OK;
}

/* Append an expanded layer: all checks and allocations first, so a failure
 * leaves the model as it was. */
static int add_expanded(nninit_model *m, const nninit_layer *l,
                        const tlist *L, nninit_error *err)
{
    for (int i = 0; i < l->n_inits; i++) {
        const nninit_tensor_init *ti = &l->inits[i];
        if ((unsigned)ti->spec.kind >= NNINIT_KIND_COUNT)
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s': unknown initializer %d", l->name,
                                (int)ti->spec.kind);
        int hit = 0;
        for (int k = 0; k < L->n && !hit; k++)
            hit = nninit__init_key_matches(ti->key, &L->t[k]);
        if (!hit)
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s' (%s) has no tensor '%s'%s", l->name,
                                nninit_layer_kind_name(l->kind), ti->key,
                                !strncmp(ti->key, "bias", 4) ? " (bias: false?)"
                                                             : "");
    }
    if (m->ntensors + (size_t)L->n > NNINIT_MAX_TENSORS)
        return nninit__fail(err, NNINIT_EINVAL,
                            "layer '%s': the model would have more than %d "
                            "tensors", l->name, NNINIT_MAX_TENSORS);
    for (int k = 0; k < L->n; k++)
        if (nninit__model_find_tensor(m, L->t[k].name) >= 0)
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer '%s': tensor '%s' already exists",
                                l->name, L->t[k].name);
    if (grow(m->alloc, (void **)&m->layers, &m->caplayers, m->nlayers + 1,
             sizeof *m->layers) ||
        grow(m->alloc, (void **)&m->tensors, &m->captensors,
             m->ntensors + (size_t)L->n, sizeof *m->tensors) ||
        set_reserve(m, &m->lset, &m->lsetcap, layer_name_of, m->nlayers + 1) ||
        set_reserve(m, &m->tset, &m->tsetcap, tensor_name_of,
                    m->ntensors + (size_t)L->n))
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    m->layers[m->nlayers] = *l;
    set_put(m, m->lset, m->lsetcap, layer_name_of, m->nlayers);
    for (int k = 0; k < L->n; k++) {
        m->tensors[m->ntensors] = L->t[k];
        m->tensors[m->ntensors].layer = (long)m->nlayers;
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
    if ((unsigned)l->kind >= NNINIT_LAYER_COUNT)
        return nninit__fail(err, NNINIT_EINVAL, "unknown layer type %d",
                            (int)l->kind);
    if (memchr(l->name, '\0', sizeof l->name) == NULL)
        return nninit__fail(err, NNINIT_EINVAL, "layer name is too long");
    if ((rc = check_name("layer", l->name, err)))
        return rc;
    if (set_find(m, m->lset, m->lsetcap, layer_name_of, l->name) >= 0)
        return nninit__fail(err, NNINIT_EINVAL, "duplicate layer name '%s'",
                            l->name);
    if ((rc = check_kind_fields(l, err)))
        return rc;
    /* ~230 KB: on the heap, not on small stacks */
    tlist *L = (tlist *)nninit__alloc(m->alloc, sizeof *L);
    if (!L)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    rc = expand(l, L, err);
    if (rc == NNINIT_OK)
        rc = add_expanded(m, l, L, err);
    nninit__free(m->alloc, L);
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
    nninit__mtensor *t = &m->tensors[m->ntensors];
    memset(t, 0, sizeof *t);
    nninit__strf(t->name, sizeof t->name, "%s", name);
    t->shape = s;
    t->type = type;
    t->layer = -1;
    t->key = TK_BARE;
    t->gates = 1;
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
