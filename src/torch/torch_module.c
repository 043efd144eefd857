/*
 * torch_module.c: the tensors nn modules create and what their constructors
 * (reset_parameters) draw, in order (torch/nn/modules/{linear,conv,sparse,
 * normalization,batchnorm,rnn}.py of 1.13.1).
 */
#include "torch_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const module_names[] = {
#define NNINIT__TORCH_MODULE_STR(name, str) str,
    NNINIT_TORCH_MODULE_MAP(NNINIT__TORCH_MODULE_STR)
#undef NNINIT__TORCH_MODULE_STR
        NULL};
_Static_assert(sizeof module_names / sizeof *module_names ==
                   NNINIT_TORCH_MODULE_COUNT + 1,
               "module table out of sync");

/* Lower case without '_': "ConvTranspose2d" and "conv_transpose2d" both
 * become "convtranspose2d". */
static void squash(const char *in, char *out, size_t size)
{
    size_t k = 0;
    for (; *in && k + 1 < size; in++)
        if (*in != '_')
            out[k++] = (char)tolower((unsigned char)*in);
    out[k] = '\0';
}

int nninit_torch_module_parse(const char *name, nninit_torch_module *out,
                              nninit_error *err)
{
    char want[64], have[64];
    if (!name || strlen(name) >= sizeof want)
        return nninit__fail(err, NNINIT_EINVAL, "unknown module '%s'",
                            name ? name : "");
    squash(name, want, sizeof want);
    for (int i = 0; i < NNINIT_TORCH_MODULE_COUNT; i++) {
        squash(module_names[i], have, sizeof have);
        if (!strcmp(want, have)) {
            *out = (nninit_torch_module)i;
            return NNINIT_OK;
        }
    }
    if (!strcmp(want, "batchnorm1d") || !strcmp(want, "batchnorm2d") ||
        !strcmp(want, "batchnorm3d")) {
        *out = NNINIT_TORCH_BATCH_NORM;
        return NNINIT_OK;
    }
    return nninit__fail(err, NNINIT_EINVAL,
                        "unknown module '%s' (expected linear, bilinear, "
                        "conv1d/2d/3d, conv_transpose1d/2d/3d, embedding, "
                        "layernorm, groupnorm, batchnorm, rnn, lstm, gru, "
                        "rnn_cell, lstm_cell or gru_cell)", name);
}

const char *nninit_torch_module_name(nninit_torch_module kind)
{
    return (unsigned)kind < NNINIT_TORCH_MODULE_COUNT ? module_names[kind]
                                                      : "unknown";
}

nninit_torch_layer nninit_torch_layer_make(nninit_torch_module kind)
{
    nninit_torch_layer l;
    memset(&l, 0, sizeof l);
    l.kind = kind;
    l.bias = 1;
    l.groups = 1;
    l.num_layers = 1;
    l.affine = 1;
    l.track_running_stats = 1;
    return l;
}

/* ------------------------------------------------------------------------ */
/* Listing                                                                  */
/* ------------------------------------------------------------------------ */

/* How a tensor is filled. */
enum fill_kind {
    F_KAIMING_SQRT5, /* kaiming_uniform_(w, a=sqrt(5)) */
    F_UNIFORM,       /* uniform_(-bound, bound) */
    F_NORMAL,        /* normal_(0, 1) (+ padding row) */
    F_ONES,
    F_ZEROS,
    F_SKIP,          /* conv bias with fan_in 0: untouched by PyTorch */
    F_INT64_ZERO     /* num_batches_tracked */
};

typedef struct entry {
    nninit_torch_tensor t;
    enum fill_kind fill;
} entry;

/* A sink that counts every entry and keeps the one asked for (index >= 0)
 * or copies the first cap into out. */
typedef struct sink {
    int count;
    int want;          /* index to keep, or -1 */
    entry kept;
    nninit_torch_tensor *out;
    int cap;
} sink;

static void emit(sink *k, const char *name, int ndim, const int64_t *dims,
                 enum fill_kind fill, double bound)
{
    entry e;
    memset(&e, 0, sizeof e);
    snprintf(e.t.name, sizeof e.t.name, "%s", name);
    e.t.shape.ndim = ndim;
    for (int i = 0; i < ndim; i++)
        e.t.shape.dim[i] = dims[i];
    e.fill = fill;
    switch (fill) {
    case F_KAIMING_SQRT5:
        e.t.init = "kaiming_uniform_(a=sqrt(5))";
        e.t.bound = bound;
        e.t.std = bound / sqrt(3.0);
        break;
    case F_UNIFORM:
        e.t.init = "uniform_";
        e.t.bound = bound;
        e.t.std = bound / sqrt(3.0);
        break;
    case F_NORMAL:
        e.t.init = "normal_";
        e.t.std = 1.0;
        break;
    case F_ONES:
        e.t.init = "ones_";
        break;
    case F_ZEROS:
        e.t.init = "zeros_";
        break;
    case F_SKIP:
        e.t.init = "empty (fan_in is 0)";
        break;
    case F_INT64_ZERO:
        e.t.init = "zeros_";
        e.t.int64 = 1;
        break;
    }
    if (k->want == k->count)
        k->kept = e;
    if (k->out && k->count < k->cap)
        k->out[k->count] = e.t;
    k->count++;
}

static void mark_buffer(sink *k, int from)
{
    for (int i = from; i < k->count; i++) {
        if (k->want == i)
            k->kept.t.buffer = 1;
        if (k->out && i < k->cap)
            k->out[i].buffer = 1;
    }
}

#define NEED(cond, ...)                                                        \
    do {                                                                       \
        if (!(cond))                                                           \
            return nninit__fail(err, NNINIT_EINVAL, __VA_ARGS__);              \
    } while (0)

static int spatial_dims(nninit_torch_module kind)
{
    switch (kind) {
    case NNINIT_TORCH_CONV1D:
    case NNINIT_TORCH_CONV_TRANSPOSE1D:
        return 1;
    case NNINIT_TORCH_CONV2D:
    case NNINIT_TORCH_CONV_TRANSPOSE2D:
        return 2;
    case NNINIT_TORCH_CONV3D:
    case NNINIT_TORCH_CONV_TRANSPOSE3D:
        return 3;
    default:
        return 0;
    }
}

/* 1 if a*b overflows int64 (both >= 0). */
static int mul_overflows(int64_t a, int64_t b)
{
    return a != 0 && b > INT64_MAX / a;
}

static int list_conv(const nninit_torch_layer *l, sink *k, nninit_error *err)
{
    const int sd = spatial_dims(l->kind);
    const int transposed = l->kind >= NNINIT_TORCH_CONV_TRANSPOSE1D;
    const char *what = nninit_torch_module_name(l->kind);
    /* 0 channels is legal in PyTorch: a zero-element weight (kaiming's
     * no-op) and, as fan_in is 0, an untouched bias */
    NEED(l->in >= 0, "%s: in (in_channels) must be >= 0 (got %lld)", what,
         (long long)l->in);
    NEED(l->out >= 0, "%s: out (out_channels) must be >= 0 (got %lld)", what,
         (long long)l->out);
    NEED(l->groups >= 1, "%s: groups must be >= 1 (got %lld)", what,
         (long long)l->groups);
    NEED(l->in % l->groups == 0,
         "%s: in_channels (%lld) must be divisible by groups (%lld)", what,
         (long long)l->in, (long long)l->groups);
    NEED(l->out % l->groups == 0,
         "%s: out_channels (%lld) must be divisible by groups (%lld)", what,
         (long long)l->out, (long long)l->groups);
    int64_t dims[5];
    dims[0] = transposed ? l->in : l->out;
    dims[1] = transposed ? l->out / l->groups : l->in / l->groups;
    int64_t fan_in = dims[1], numel = dims[0] * dims[1];
    NEED(!mul_overflows(dims[0], dims[1]), "%s: weight too large", what);
    for (int i = 0; i < sd; i++) {
        NEED(l->kernel[i] >= 1, "%s: kernel[%d] must be >= 1 (got %lld)",
             what, i, (long long)l->kernel[i]);
        dims[2 + i] = l->kernel[i];
        NEED(!mul_overflows(numel, l->kernel[i]), "%s: weight too large",
             what);
        numel *= l->kernel[i];
        fan_in *= l->kernel[i];
    }
    double bound = 1 / sqrt((double)fan_in);
    emit(k, "weight", 2 + sd, dims, F_KAIMING_SQRT5, bound);
    if (l->bias)
        emit(k, "bias", 1, &l->out, fan_in != 0 ? F_UNIFORM : F_SKIP, bound);
    return NNINIT_OK;
}

static int list_rnn(const nninit_torch_layer *l, sink *k, nninit_error *err)
{
    const char *what = nninit_torch_module_name(l->kind);
    const int cell = l->kind >= NNINIT_TORCH_RNN_CELL;
    const int64_t gates = l->kind == NNINIT_TORCH_LSTM ||
                                  l->kind == NNINIT_TORCH_LSTM_CELL
                              ? 4
                          : l->kind == NNINIT_TORCH_GRU ||
                                  l->kind == NNINIT_TORCH_GRU_CELL
                              ? 3
                              : 1;
    NEED(l->in >= 1, "%s: in (input_size) must be >= 1 (got %lld)", what,
         (long long)l->in);
    NEED(l->hidden >= 1, "%s: hidden must be >= 1 (got %lld)", what,
         (long long)l->hidden);
    NEED(!mul_overflows(gates, l->hidden) &&
             !mul_overflows(gates * l->hidden, l->in) &&
             !mul_overflows(gates * l->hidden, 2 * l->hidden),
         "%s: weights too large", what);
    /* stdv = 1.0 / math.sqrt(self.hidden_size) */
    const double stdv = 1.0 / sqrt((double)l->hidden);
    const int64_t gh = gates * l->hidden;
    if (cell) {
        int64_t wih[2] = {gh, l->in}, whh[2] = {gh, l->hidden};
        emit(k, "weight_ih", 2, wih, F_UNIFORM, stdv);
        emit(k, "weight_hh", 2, whh, F_UNIFORM, stdv);
        if (l->bias) {
            emit(k, "bias_ih", 1, &gh, F_UNIFORM, stdv);
            emit(k, "bias_hh", 1, &gh, F_UNIFORM, stdv);
        }
        return NNINIT_OK;
    }
    NEED(l->num_layers >= 1 && l->num_layers <= 100000,
         "%s: num_layers must be in [1, 100000] (got %lld)", what,
         (long long)l->num_layers);
    NEED(l->proj_size >= 0, "%s: proj_size must be >= 0 (got %lld)", what,
         (long long)l->proj_size);
    NEED(l->proj_size == 0 || l->kind == NNINIT_TORCH_LSTM,
         "%s: proj_size is only supported for lstm", what);
    NEED(l->proj_size < l->hidden,
         "%s: proj_size (%lld) has to be smaller than hidden (%lld)", what,
         (long long)l->proj_size, (long long)l->hidden);
    const int dirs = l->bidirectional ? 2 : 1;
    const int64_t real_hidden = l->proj_size > 0 ? l->proj_size : l->hidden;
    for (int64_t layer = 0; layer < l->num_layers; layer++)
        for (int d = 0; d < dirs; d++) {
            const char *sfx = d ? "_reverse" : "";
            int64_t in_l = layer == 0 ? l->in : real_hidden * dirs;
            int64_t wih[2] = {gh, in_l}, whh[2] = {gh, real_hidden};
            int64_t whr[2] = {l->proj_size, l->hidden};
            char name[48];
            snprintf(name, sizeof name, "weight_ih_l%lld%s", (long long)layer,
                     sfx);
            emit(k, name, 2, wih, F_UNIFORM, stdv);
            snprintf(name, sizeof name, "weight_hh_l%lld%s", (long long)layer,
                     sfx);
            emit(k, name, 2, whh, F_UNIFORM, stdv);
            if (l->bias) {
                snprintf(name, sizeof name, "bias_ih_l%lld%s",
                         (long long)layer, sfx);
                emit(k, name, 1, &gh, F_UNIFORM, stdv);
                snprintf(name, sizeof name, "bias_hh_l%lld%s",
                         (long long)layer, sfx);
                emit(k, name, 1, &gh, F_UNIFORM, stdv);
            }
            if (l->proj_size > 0) {
                snprintf(name, sizeof name, "weight_hr_l%lld%s",
                         (long long)layer, sfx);
                emit(k, name, 2, whr, F_UNIFORM, stdv);
            }
        }
    return NNINIT_OK;
}

static int list_tensors(const nninit_torch_layer *l, sink *k,
                        nninit_error *err)
{
    if (!l)
        return nninit__fail(err, NNINIT_EINVAL, "layer is NULL");
    const char *what = nninit_torch_module_name(l->kind);
    switch (l->kind) {
    case NNINIT_TORCH_LINEAR: {
        NEED(l->in >= 0 && l->out >= 0,
             "linear: in and out must be >= 0 (got %lld, %lld)",
             (long long)l->in, (long long)l->out);
        NEED(!mul_overflows(l->in, l->out), "linear: weight too large");
        int64_t w[2] = {l->out, l->in};
        /* bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0 */
        double bound = l->in > 0 ? 1 / sqrt((double)l->in) : 0;
        emit(k, "weight", 2, w, F_KAIMING_SQRT5, bound);
        if (l->bias)
            emit(k, "bias", 1, &l->out, F_UNIFORM, bound);
        return NNINIT_OK;
    }
    case NNINIT_TORCH_BILINEAR: {
        NEED(l->in >= 1,
             "bilinear: in (in1_features) must be >= 1 (got %lld; PyTorch "
             "divides by it)", (long long)l->in);
        NEED(l->in2 >= 0 && l->out >= 0,
             "bilinear: in2 and out must be >= 0 (got %lld, %lld)",
             (long long)l->in2, (long long)l->out);
        NEED(!mul_overflows(l->out, l->in) &&
                 !mul_overflows(l->out * l->in, l->in2),
             "bilinear: weight too large");
        int64_t w[3] = {l->out, l->in, l->in2};
        double bound = 1 / sqrt((double)l->in);
        emit(k, "weight", 3, w, F_UNIFORM, bound);
        if (l->bias)
            emit(k, "bias", 1, &l->out, F_UNIFORM, bound);
        return NNINIT_OK;
    }
    case NNINIT_TORCH_CONV1D:
    case NNINIT_TORCH_CONV2D:
    case NNINIT_TORCH_CONV3D:
    case NNINIT_TORCH_CONV_TRANSPOSE1D:
    case NNINIT_TORCH_CONV_TRANSPOSE2D:
    case NNINIT_TORCH_CONV_TRANSPOSE3D:
        return list_conv(l, k, err);
    case NNINIT_TORCH_EMBEDDING: {
        NEED(l->num_embeddings >= 0 && l->embedding_dim >= 0,
             "embedding: num_embeddings and embedding_dim must be >= 0 (got "
             "%lld, %lld)", (long long)l->num_embeddings,
             (long long)l->embedding_dim);
        NEED(!mul_overflows(l->num_embeddings, l->embedding_dim),
             "embedding: weight too large");
        if (l->has_padding_idx)
            NEED(l->padding_idx < l->num_embeddings &&
                     l->padding_idx >= -l->num_embeddings,
                 "embedding: padding_idx must be within num_embeddings (got "
                 "%lld for %lld)", (long long)l->padding_idx,
                 (long long)l->num_embeddings);
        int64_t w[2] = {l->num_embeddings, l->embedding_dim};
        emit(k, "weight", 2, w, F_NORMAL, 0);
        return NNINIT_OK;
    }
    case NNINIT_TORCH_LAYER_NORM: {
        NEED(l->normalized_ndim >= 1 && l->normalized_ndim <= NNINIT_MAX_DIMS,
             "layernorm: normalized_shape needs 1 to %d dims (got %d)",
             NNINIT_MAX_DIMS, l->normalized_ndim);
        int64_t numel = 1;
        for (int i = 0; i < l->normalized_ndim; i++) {
            NEED(l->normalized_shape[i] >= 0,
                 "layernorm: normalized_shape[%d] must be >= 0 (got %lld)", i,
                 (long long)l->normalized_shape[i]);
            NEED(!mul_overflows(numel, l->normalized_shape[i]),
                 "layernorm: normalized_shape too large");
            numel *= l->normalized_shape[i];
        }
        if (l->affine) {
            emit(k, "weight", l->normalized_ndim, l->normalized_shape, F_ONES,
                 0);
            emit(k, "bias", l->normalized_ndim, l->normalized_shape, F_ZEROS,
                 0);
        }
        return NNINIT_OK;
    }
    case NNINIT_TORCH_GROUP_NORM:
        NEED(l->groups >= 1, "groupnorm: groups (num_groups) must be >= 1 "
                             "(got %lld)", (long long)l->groups);
        NEED(l->num_features >= 0 && l->num_features % l->groups == 0,
             "groupnorm: num_channels (%lld) must be divisible by num_groups "
             "(%lld)", (long long)l->num_features, (long long)l->groups);
        if (l->affine) {
            emit(k, "weight", 1, &l->num_features, F_ONES, 0);
            emit(k, "bias", 1, &l->num_features, F_ZEROS, 0);
        }
        return NNINIT_OK;
    case NNINIT_TORCH_BATCH_NORM: {
        NEED(l->num_features >= 0,
             "batchnorm: num_features must be >= 0 (got %lld)",
             (long long)l->num_features);
        if (l->affine) {
            emit(k, "weight", 1, &l->num_features, F_ONES, 0);
            emit(k, "bias", 1, &l->num_features, F_ZEROS, 0);
        }
        if (l->track_running_stats) {
            int first = k->count;
            emit(k, "running_mean", 1, &l->num_features, F_ZEROS, 0);
            emit(k, "running_var", 1, &l->num_features, F_ONES, 0);
            emit(k, "num_batches_tracked", 0, NULL, F_INT64_ZERO, 0);
            mark_buffer(k, first);
        }
        return NNINIT_OK;
    }
    case NNINIT_TORCH_RNN:
    case NNINIT_TORCH_LSTM:
    case NNINIT_TORCH_GRU:
    case NNINIT_TORCH_RNN_CELL:
    case NNINIT_TORCH_LSTM_CELL:
    case NNINIT_TORCH_GRU_CELL:
        return list_rnn(l, k, err);
    default:
        break;
    }
    (void)what;
    return nninit__fail(err, NNINIT_EINVAL, "unknown module kind %d",
                        (int)l->kind);
}

int nninit_torch_layer_tensors(const nninit_torch_layer *layer,
                               nninit_torch_tensor *out, int cap, int *count,
                               nninit_error *err)
{
    sink k;
    memset(&k, 0, sizeof k);
    k.want = -1;
    k.out = out;
    k.cap = out ? cap : 0;
    int rc = list_tensors(layer, &k, err);
    if (count)
        *count = rc ? 0 : k.count;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Filling                                                                  */
/* ------------------------------------------------------------------------ */

/* nn.Embedding's padding row (negative padding_idx counts from the end),
 * zeroed after the draw. */
static int64_t padding_row(const nninit_torch_layer *l)
{
    return l->padding_idx < 0 ? l->num_embeddings + l->padding_idx
                              : l->padding_idx;
}

/* nninit_torch_layer_fill, or with skip nninit_torch_layer_skip: the same
 * checks and draws, nothing written. */
static int layer_run(nninit_torch_gen *g, const nninit_torch_layer *layer,
                     int index, nninit_dtype dtype, void *buf, int skip,
                     const nninit_allocator *alloc, nninit_error *err)
{
    if (!g)
        return nninit__fail(err, NNINIT_EINVAL, "generator is NULL");
    if (nninit_dtype_size(dtype) == 0)
        return nninit__fail(err, NNINIT_EINVAL, "unknown dtype %d", (int)dtype);
    sink k;
    memset(&k, 0, sizeof k);
    k.want = index;
    int rc = list_tensors(layer, &k, err);
    if (rc)
        return rc;
    if (index < 0 || index >= k.count)
        return nninit__fail(err, NNINIT_ERANGE,
                            "%s has %d tensors (index %d asked)",
                            nninit_torch_module_name(layer->kind), k.count,
                            index);
    const entry *e = &k.kept;
    const uint64_t n = nninit_shape_numel(&e->t.shape);
    if (skip)
        buf = NULL;
    else if (n > 0 && !buf)
        return nninit__fail(err, NNINIT_EINVAL, "buffer of %s is NULL",
                            e->t.name);
    nninit_spec s;
    switch (e->fill) {
    case F_KAIMING_SQRT5:
        s = nninit_spec_make(NNINIT_KAIMING_UNIFORM);
        s.a = sqrt(5.0); /* math.sqrt(5) */
        return skip ? nninit_torch_skip(g, &s, &e->t.shape, dtype, alloc, err)
                    : nninit_torch_init(g, &s, &e->t.shape, dtype, buf, alloc,
                                        err);
    case F_UNIFORM:
        /* Python's -bound: 0 stays +0 (an int 0 in PyTorch's code). */
        return nninit__torch_uniform(g, dtype, buf, n, 0.0 - e->t.bound,
                                     e->t.bound, err);
    case F_NORMAL: {
        rc = nninit__torch_normal(g, dtype, buf, n, 0.0, 1.0, err);
        if (rc == NNINIT_OK && buf && layer->has_padding_idx && n > 0) {
            int64_t row = padding_row(layer);
            size_t es = nninit_dtype_size(dtype);
            memset((char *)buf + (size_t)row * (size_t)layer->embedding_dim * es,
                   0, (size_t)layer->embedding_dim * es);
        }
        return rc;
    }
    case F_ONES:
        s = nninit_spec_make(NNINIT_ONES);
        return skip ? NNINIT_OK
                    : nninit_torch_init(g, &s, &e->t.shape, dtype, buf, alloc,
                                        err);
    case F_ZEROS:
    case F_SKIP:
        if (n && buf)
            memset(buf, 0, (size_t)n * nninit_dtype_size(dtype));
        return NNINIT_OK;
    case F_INT64_ZERO:
        if (buf)
            memset(buf, 0, 8);
        return NNINIT_OK;
    }
    return nninit__fail(err, NNINIT_EINVAL, "bad fill %d", (int)e->fill);
}

int nninit_torch_layer_fill(nninit_torch_gen *g,
                            const nninit_torch_layer *layer, int index,
                            nninit_dtype dtype, void *buf,
                            const nninit_allocator *alloc, nninit_error *err)
{
    return layer_run(g, layer, index, dtype, buf, 0, alloc, err);
}

int nninit_torch_layer_skip(nninit_torch_gen *g,
                            const nninit_torch_layer *layer, int index,
                            nninit_dtype dtype, const nninit_allocator *alloc,
                            nninit_error *err)
{
    return layer_run(g, layer, index, dtype, NULL, 1, alloc, err);
}

int nninit_torch_layer_init(nninit_torch_gen *g,
                            const nninit_torch_layer *layer,
                            nninit_dtype dtype, void *const *bufs,
                            const nninit_allocator *alloc, nninit_error *err)
{
    int count = 0;
    int rc = nninit_torch_layer_tensors(layer, NULL, 0, &count, err);
    if (rc)
        return rc;
    if (count > 0 && !bufs)
        return nninit__fail(err, NNINIT_EINVAL, "bufs is NULL");
    for (int i = 0; i < count && rc == NNINIT_OK; i++)
        rc = nninit_torch_layer_fill(g, layer, i, dtype, bufs[i], alloc, err);
    return rc;
}

int nninit_torch_stream_layer_begin(nninit_torch_stream *st,
                                    const nninit_torch_layer *layer,
                                    int index, nninit_dtype dtype)
{
    sink k;
    memset(&k, 0, sizeof k);
    k.want = index;
    if (!st || list_tensors(layer, &k, NULL) || index < 0 ||
        index >= k.count)
        return 0; /* nninit_torch_layer_fill reports it */
    const entry *e = &k.kept;
    nninit_spec s;
    switch (e->fill) { /* the steps of layer_run, as specs */
    case F_KAIMING_SQRT5:
        s = nninit_spec_make(NNINIT_KAIMING_UNIFORM);
        s.a = sqrt(5.0);
        break;
    case F_UNIFORM:
        s = nninit_spec_make(NNINIT_UNIFORM);
        s.low = 0.0 - e->t.bound;
        s.high = e->t.bound;
        break;
    case F_NORMAL:
        s = nninit_spec_make(NNINIT_NORMAL); /* mean 0, std 1 */
        break;
    case F_ONES:
        s = nninit_spec_make(NNINIT_ONES);
        break;
    case F_ZEROS:
    case F_SKIP:
        s = nninit_spec_make(NNINIT_ZEROS);
        break;
    default: /* the int64 counter */
        return 0;
    }
    if (!nninit_torch_stream_begin(st, &s, &e->t.shape, dtype))
        return 0;
    if (e->fill == F_NORMAL && layer->has_padding_idx) {
        st->zero0 = (uint64_t)padding_row(layer) *
                    (uint64_t)layer->embedding_dim;
        st->zero1 = st->zero0 + (uint64_t)layer->embedding_dim;
    }
    return 1;
}
