/*
 * torch_module.c: THE table of PyTorch's nn modules. A kind is one row:
 * the fields it takes, and one function that lists its tensors (state_dict
 * names and shapes, what each is for) and the steps its constructor takes
 * (reset_parameters and friends), in PyTorch's order. Whole models, their
 * plans, the spec loader and the torch generator all read this table and
 * nothing else.
 *
 * Sources: torch/nn/modules/{linear,conv,sparse,normalization,batchnorm,
 * rnn,activation,transformer}.py of 1.13.1 and 2.6.0. Every module here
 * constructs the same way in both; 1.13 lacks some (RMSNorm, 2.4+) and
 * some options (LayerNorm and the transformer layers' bias=False, 2.1+),
 * which are built as 2.6 builds them.
 */
#include "torch_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Kinds by name                                                            */
/* ------------------------------------------------------------------------ */

static const char *const module_names[] = {
#define NNINIT__TORCH_MODULE_STR(name, str, cls) str,
    NNINIT_TORCH_MODULE_MAP(NNINIT__TORCH_MODULE_STR)
#undef NNINIT__TORCH_MODULE_STR
        NULL};
static const char *const module_classes[] = {
#define NNINIT__TORCH_MODULE_CLS(name, str, cls) cls,
    NNINIT_TORCH_MODULE_MAP(NNINIT__TORCH_MODULE_CLS)
#undef NNINIT__TORCH_MODULE_CLS
        NULL};
_Static_assert(sizeof module_names / sizeof *module_names ==
                   NNINIT_TORCH_MODULE_COUNT + 1,
               "module table out of sync");

/* PyTorch's class names and batchnorm1d/2d/3d are aliases; the table folds
 * case, '_' and '-', so "LayerNorm", "layer_norm" and "ConvTranspose2d" all
 * parse. */
static const nninit_name_alias module_aliases[] = {
#define NNINIT__TORCH_MODULE_ALIAS(name, str, cls) {cls, NNINIT_TORCH_##name},
    NNINIT_TORCH_MODULE_MAP(NNINIT__TORCH_MODULE_ALIAS)
#undef NNINIT__TORCH_MODULE_ALIAS
    {"batchnorm1d", NNINIT_TORCH_BATCH_NORM},
    {"batchnorm2d", NNINIT_TORCH_BATCH_NORM},
    {"batchnorm3d", NNINIT_TORCH_BATCH_NORM},
    {NULL, 0}};
static const nninit_names module_table = {"layer type", module_names,
                                          NNINIT_TORCH_MODULE_COUNT,
                                          module_aliases, NNINIT_NAMES_FOLD};
NNINIT__NAMED_ENUM(nninit_torch_module, nninit_torch_module, module_table)

const char *nninit_torch_module_class(nninit_torch_module kind)
{
    return (unsigned)kind < NNINIT_TORCH_MODULE_COUNT ? module_classes[kind]
                                                      : "unknown";
}

static const char *const role_names[] = {
#define NNINIT__LAYER_ROLE_STR(name, str, what) str,
    NNINIT_LAYER_ROLE_MAP(NNINIT__LAYER_ROLE_STR)
#undef NNINIT__LAYER_ROLE_STR
};
static const char *const role_whats[] = {
#define NNINIT__LAYER_ROLE_WHAT(name, str, what) what,
    NNINIT_LAYER_ROLE_MAP(NNINIT__LAYER_ROLE_WHAT)
#undef NNINIT__LAYER_ROLE_WHAT
};
_Static_assert(sizeof role_names / sizeof *role_names ==
                   NNINIT_LAYER_ROLE_COUNT,
               "role table out of sync");
static const nninit_names role_table = {"role", role_names,
                                        NNINIT_LAYER_ROLE_COUNT, NULL, 0};
NNINIT__NAMED_ENUM(nninit_layer_role, nninit_layer_role, role_table)

const char *nninit_layer_role_what(nninit_layer_role role)
{
    return (unsigned)role < NNINIT_LAYER_ROLE_COUNT ? role_whats[role]
                                                    : "unknown";
}

int nninit_layer_role_is_residual_out(nninit_layer_role role)
{
    return role == NNINIT_LAYER_ATTN_OUT || role == NNINIT_LAYER_FFN_OUT ||
           role == NNINIT_LAYER_BRANCH_OUT;
}

static const char *const stack_names[] = {"none", "encoder", "decoder"};
static const nninit_names stack_table = {"stack", stack_names, 3, NULL, 0};
NNINIT__NAMED_ENUM(nninit_stack, nninit_stack, stack_table)

static const char *const orth_names[] = {"default", "whole", "per_gate"};
static const nninit_names orth_table = {"orthogonal mode", orth_names, 3, NULL,
                                        0};
NNINIT__NAMED_ENUM(nninit_orth_mode, nninit_orth_mode, orth_table)

/* ------------------------------------------------------------------------ */
/* Fields                                                                   */
/* ------------------------------------------------------------------------ */

enum field_id {
    F_IN,
    F_IN2,
    F_OUT,
    F_KERNEL,
    F_GROUPS,
    F_BIAS,
    F_NUM_EMBEDDINGS,
    F_EMBEDDING_DIM,
    F_PADDING_IDX,
    F_NORMALIZED_SHAPE,
    F_NUM_FEATURES,
    F_AFFINE,
    F_TRACK,
    F_HIDDEN,
    F_NUM_LAYERS,
    F_BIDIRECTIONAL,
    F_PROJ_SIZE,
    F_ACTIVATION,
    F_NONLINEARITY, /* rnn's name for the same member, tanh or relu only */
    F_SLOPE,
    F_FORGET_BIAS,
    F_ORTHOGONAL,
    F_EMBED_DIM,
    F_NUM_HEADS,
    F_D_MODEL, /* the transformers' names for embed_dim and num_heads */
    F_NHEAD,
    F_KDIM,
    F_VDIM,
    F_ADD_BIAS_KV,
    F_DIM_FEEDFORWARD,
    F_NUM_ENCODER_LAYERS,
    F_NUM_DECODER_LAYERS,
    F_FINAL_NORM,
    /* accepted and checked, no effect on the weights */
    F_EPS,
    F_MOMENTUM,
    F_DROPOUT,
    F_BATCH_FIRST,
    F_CONV_OPTION,
    F_EMBEDDING_OPTION,
    F_ADD_ZERO_ATTN,
    F_NORM_FIRST,
    F_STACK_OPTION,
    F_COUNT
};
_Static_assert(F_COUNT <= 64, "fields are bits of a uint64_t");

#define BIT(f) (UINT64_C(1) << (f))
#define NONE ((size_t)-1)
#define M(member) offsetof(nninit_torch_layer, member)
#define T(x) NNINIT_TORCH_FIELD_##x

typedef struct field_row {
    nninit_torch_field info;
    size_t off;  /* the member, NONE if not stored */
    int64_t min; /* SIZE and SIZES */
    double def;  /* the default, unless the kind's row says otherwise */
    int optional; /* SIZE: 0 means "not given" (kdim: embed_dim) */
} field_row;

/* FIELD(key, type, member or NONE, minimum, default); OPTIONAL: a size
 * whose 0 means "not given" */
#define FIELD(key, type, off, min, def)                                        \
    {{key, T(type), (off) != NONE}, off, min, def, 0}
#define OPTIONAL(key, off) {{key, T(SIZE), 1}, off, 1, 0, 1}

static const field_row fields[F_COUNT] = {
    [F_IN] = FIELD("in", SIZE, M(in), 1, 0),
    [F_IN2] = FIELD("in2", SIZE, M(in2), 1, 0),
    [F_OUT] = FIELD("out", SIZE, M(out), 1, 0),
    [F_KERNEL] = FIELD("kernel", SIZES, M(kernel), 1, 0),
    [F_GROUPS] = FIELD("groups", SIZE, M(groups), 1, 1),
    [F_BIAS] = FIELD("bias", BOOL, M(bias), 0, 1),
    [F_NUM_EMBEDDINGS] = FIELD("num", SIZE, M(num_embeddings), 1, 0),
    [F_EMBEDDING_DIM] = FIELD("dim", SIZE, M(embedding_dim), 1, 0),
    [F_PADDING_IDX] = FIELD("padding_idx", INDEX, M(padding_idx), 0, 0),
    [F_NORMALIZED_SHAPE] = FIELD("dim", SIZES, M(normalized_shape), 1, 0),
    [F_NUM_FEATURES] = FIELD("dim", SIZE, M(num_features), 1, 0),
    [F_AFFINE] = FIELD("affine", BOOL, M(affine), 0, 1),
    [F_TRACK] = FIELD("track_running_stats", BOOL, M(track_running_stats), 0,
                      1),
    [F_HIDDEN] = FIELD("hidden", SIZE, M(hidden), 1, 0),
    [F_NUM_LAYERS] = FIELD("layers", SIZE, M(num_layers), 1, 1),
    [F_BIDIRECTIONAL] = FIELD("bidirectional", BOOL, M(bidirectional), 0, 0),
    [F_PROJ_SIZE] = FIELD("proj_size", SIZE, M(proj_size), 0, 0),
    [F_ACTIVATION] = FIELD("activation", WORD, M(activation), 0,
                           NNINIT_ACT_NONE),
    /* the kinds that take it say tanh */
    [F_NONLINEARITY] = FIELD("nonlinearity", WORD, M(activation), 0,
                             NNINIT_ACT_NONE),
    [F_SLOPE] = FIELD("slope", NUMBER, M(slope), 0, NAN),
    [F_FORGET_BIAS] = FIELD("forget_bias", NUMBER, M(forget_bias), 0, NAN),
    [F_ORTHOGONAL] = FIELD("orthogonal", WORD, M(orthogonal), 0,
                           NNINIT_ORTH_DEFAULT),
    [F_EMBED_DIM] = FIELD("embed_dim", SIZE, M(embed_dim), 1, 0),
    [F_NUM_HEADS] = FIELD("num_heads", SIZE, M(num_heads), 1, 0),
    [F_D_MODEL] = FIELD("d_model", SIZE, M(embed_dim), 1, 0),
    [F_NHEAD] = FIELD("nhead", SIZE, M(num_heads), 1, 0),
    [F_KDIM] = OPTIONAL("kdim", M(kdim)),
    [F_VDIM] = OPTIONAL("vdim", M(vdim)),
    [F_ADD_BIAS_KV] = FIELD("add_bias_kv", BOOL, M(add_bias_kv), 0, 0),
    [F_DIM_FEEDFORWARD] = FIELD("dim_feedforward", SIZE, M(dim_feedforward),
                                1, 2048),
    [F_NUM_ENCODER_LAYERS] = FIELD("num_encoder_layers", SIZE,
                                   M(num_encoder_layers), 1, 6),
    [F_NUM_DECODER_LAYERS] = FIELD("num_decoder_layers", SIZE,
                                   M(num_decoder_layers), 1, 6),
    [F_FINAL_NORM] = FIELD("norm", BOOL, M(norm), 0, 0),
    [F_EPS] = FIELD("eps", NUMBER, NONE, 0, 0),
    [F_MOMENTUM] = FIELD("momentum", NUMBER, NONE, 0, 0),
    [F_DROPOUT] = FIELD("dropout", NUMBER, NONE, 0, 0),
    [F_BATCH_FIRST] = FIELD("batch_first", BOOL, NONE, 0, 0),
    [F_CONV_OPTION] = FIELD("stride", ANY, NONE, 0, 0),
    [F_EMBEDDING_OPTION] = FIELD("max_norm", ANY, NONE, 0, 0),
    [F_ADD_ZERO_ATTN] = FIELD("add_zero_attn", BOOL, NONE, 0, 0),
    [F_NORM_FIRST] = FIELD("norm_first", BOOL, NONE, 0, 0),
    [F_STACK_OPTION] = FIELD("enable_nested_tensor", ANY, NONE, 0, 0),
};

/* Every key a field answers to: nninit's short name first, then PyTorch's
 * constructor arguments. One key can name different fields of different
 * kinds ("dim": an embedding's width, a norm's shape). */
static const struct {
    const char *key;
    int field;
} keys[] = {
    {"in", F_IN},
    {"in1", F_IN},
    {"in_features", F_IN},
    {"in1_features", F_IN},
    {"in_channels", F_IN},
    {"input_size", F_IN},
    {"in2", F_IN2},
    {"in2_features", F_IN2},
    {"out", F_OUT},
    {"out_features", F_OUT},
    {"out_channels", F_OUT},
    {"kernel", F_KERNEL},
    {"kernel_size", F_KERNEL},
    {"groups", F_GROUPS},
    {"num_groups", F_GROUPS},
    {"bias", F_BIAS},
    {"num", F_NUM_EMBEDDINGS},
    {"num_embeddings", F_NUM_EMBEDDINGS},
    {"dim", F_EMBEDDING_DIM},
    {"embedding_dim", F_EMBEDDING_DIM},
    {"padding_idx", F_PADDING_IDX},
    {"dim", F_NORMALIZED_SHAPE},
    {"normalized_shape", F_NORMALIZED_SHAPE},
    {"dim", F_NUM_FEATURES},
    {"num_features", F_NUM_FEATURES},
    {"num_channels", F_NUM_FEATURES},
    {"affine", F_AFFINE},
    {"elementwise_affine", F_AFFINE},
    {"track_running_stats", F_TRACK},
    {"hidden", F_HIDDEN},
    {"hidden_size", F_HIDDEN},
    {"layers", F_NUM_LAYERS},
    {"num_layers", F_NUM_LAYERS},
    {"bidirectional", F_BIDIRECTIONAL},
    {"proj_size", F_PROJ_SIZE},
    {"activation", F_ACTIVATION},
    {"nonlinearity", F_NONLINEARITY},
    {"slope", F_SLOPE},
    {"forget_bias", F_FORGET_BIAS},
    {"orthogonal", F_ORTHOGONAL},
    {"embed_dim", F_EMBED_DIM},
    {"num_heads", F_NUM_HEADS},
    {"d_model", F_D_MODEL},
    {"nhead", F_NHEAD},
    {"kdim", F_KDIM},
    {"vdim", F_VDIM},
    {"add_bias_kv", F_ADD_BIAS_KV},
    {"dim_feedforward", F_DIM_FEEDFORWARD},
    {"num_encoder_layers", F_NUM_ENCODER_LAYERS},
    {"num_decoder_layers", F_NUM_DECODER_LAYERS},
    {"norm", F_FINAL_NORM},
    {"add_zero_attn", F_ADD_ZERO_ATTN},
    {"norm_first", F_NORM_FIRST},
    {"enable_nested_tensor", F_STACK_OPTION},
    {"mask_check", F_STACK_OPTION},
    {"eps", F_EPS},
    {"layer_norm_eps", F_EPS},
    {"momentum", F_MOMENTUM},
    {"dropout", F_DROPOUT},
    {"batch_first", F_BATCH_FIRST},
    {"stride", F_CONV_OPTION},
    {"padding", F_CONV_OPTION},
    {"dilation", F_CONV_OPTION},
    {"output_padding", F_CONV_OPTION},
    {"padding_mode", F_CONV_OPTION},
    {"max_norm", F_EMBEDDING_OPTION},
    {"norm_type", F_EMBEDDING_OPTION},
    {"scale_grad_by_freq", F_EMBEDDING_OPTION},
    {"sparse", F_EMBEDDING_OPTION},
};

/* ------------------------------------------------------------------------ */
/* The table                                                                */
/* ------------------------------------------------------------------------ */

typedef struct sink sink;
typedef int (*expand_fn)(sink *k, const nninit_torch_layer *l);

typedef struct kind_row {
    uint64_t fields;
    struct {
        int field; /* field + 1; 0: none */
        double value;
    } defaults[4]; /* field values that differ from the fields' own */
    expand_fn expand;
} kind_row;

static int x_linear(sink *k, const nninit_torch_layer *l);
static int x_bilinear(sink *k, const nninit_torch_layer *l);
static int x_conv(sink *k, const nninit_torch_layer *l);
static int x_embedding(sink *k, const nninit_torch_layer *l);
static int x_layer_norm(sink *k, const nninit_torch_layer *l);
static int x_group_norm(sink *k, const nninit_torch_layer *l);
static int x_batch_norm(sink *k, const nninit_torch_layer *l);
static int x_rnn(sink *k, const nninit_torch_layer *l);
static int x_rnn_cell(sink *k, const nninit_torch_layer *l);
static int x_attention(sink *k, const nninit_torch_layer *l);
static int x_coder_layer(sink *k, const nninit_torch_layer *l);
static int x_coder(sink *k, const nninit_torch_layer *l);
static int x_transformer(sink *k, const nninit_torch_layer *l);

#define DENSE (BIT(F_BIAS) | BIT(F_ACTIVATION) | BIT(F_SLOPE))
#define CONV                                                                   \
    (BIT(F_IN) | BIT(F_OUT) | BIT(F_KERNEL) | BIT(F_GROUPS) | DENSE |          \
     BIT(F_CONV_OPTION))
#define RECURRENT                                                              \
    (BIT(F_IN) | BIT(F_HIDDEN) | BIT(F_NUM_LAYERS) | BIT(F_BIAS) |             \
     BIT(F_BIDIRECTIONAL) | BIT(F_ORTHOGONAL) | BIT(F_DROPOUT) |               \
     BIT(F_BATCH_FIRST))
#define CELL (BIT(F_IN) | BIT(F_HIDDEN) | BIT(F_BIAS) | BIT(F_ORTHOGONAL))
#define TANH {{F_NONLINEARITY + 1, NNINIT_ACT_TANH}}
#define CODER                                                                  \
    (BIT(F_D_MODEL) | BIT(F_NHEAD) | BIT(F_DIM_FEEDFORWARD) | BIT(F_BIAS) |    \
     BIT(F_ACTIVATION) | BIT(F_DROPOUT) | BIT(F_EPS) | BIT(F_BATCH_FIRST) |    \
     BIT(F_NORM_FIRST))
#define RELU {F_ACTIVATION + 1, NNINIT_ACT_RELU}

static const kind_row kinds[NNINIT_TORCH_MODULE_COUNT] = {
    [NNINIT_TORCH_LINEAR] = {BIT(F_IN) | BIT(F_OUT) | DENSE, {{0}}, x_linear},
    [NNINIT_TORCH_BILINEAR] = {BIT(F_IN) | BIT(F_IN2) | BIT(F_OUT) | DENSE,
                               {{0}}, x_bilinear},
    [NNINIT_TORCH_CONV1D] = {CONV, {{0}}, x_conv},
    [NNINIT_TORCH_CONV2D] = {CONV, {{0}}, x_conv},
    [NNINIT_TORCH_CONV3D] = {CONV, {{0}}, x_conv},
    [NNINIT_TORCH_CONV_TRANSPOSE1D] = {CONV, {{0}}, x_conv},
    [NNINIT_TORCH_CONV_TRANSPOSE2D] = {CONV, {{0}}, x_conv},
    [NNINIT_TORCH_CONV_TRANSPOSE3D] = {CONV, {{0}}, x_conv},
    [NNINIT_TORCH_EMBEDDING] = {BIT(F_NUM_EMBEDDINGS) | BIT(F_EMBEDDING_DIM) |
                                    BIT(F_PADDING_IDX) |
                                    BIT(F_EMBEDDING_OPTION),
                                {{0}}, x_embedding},
    [NNINIT_TORCH_LAYER_NORM] = {BIT(F_NORMALIZED_SHAPE) | BIT(F_AFFINE) |
                                     BIT(F_BIAS) | BIT(F_EPS),
                                 {{0}}, x_layer_norm},
    [NNINIT_TORCH_GROUP_NORM] = {BIT(F_GROUPS) | BIT(F_NUM_FEATURES) |
                                     BIT(F_AFFINE) | BIT(F_EPS),
                                 {{0}}, x_group_norm},
    [NNINIT_TORCH_BATCH_NORM] = {BIT(F_NUM_FEATURES) | BIT(F_AFFINE) |
                                     BIT(F_TRACK) | BIT(F_EPS) |
                                     BIT(F_MOMENTUM),
                                 {{0}}, x_batch_norm},
    [NNINIT_TORCH_RNN] = {RECURRENT | BIT(F_NONLINEARITY), TANH, x_rnn},
    [NNINIT_TORCH_LSTM] = {RECURRENT | BIT(F_PROJ_SIZE) | BIT(F_FORGET_BIAS),
                           {{0}}, x_rnn},
    [NNINIT_TORCH_GRU] = {RECURRENT, {{0}}, x_rnn},
    [NNINIT_TORCH_RNN_CELL] = {CELL | BIT(F_NONLINEARITY), TANH, x_rnn_cell},
    [NNINIT_TORCH_LSTM_CELL] = {CELL | BIT(F_FORGET_BIAS), {{0}}, x_rnn_cell},
    [NNINIT_TORCH_GRU_CELL] = {CELL, {{0}}, x_rnn_cell},
    [NNINIT_TORCH_RMS_NORM] = {BIT(F_NORMALIZED_SHAPE) | BIT(F_AFFINE) |
                                   BIT(F_EPS),
                               {{0}}, x_layer_norm},
    [NNINIT_TORCH_MULTIHEAD_ATTENTION] = {BIT(F_EMBED_DIM) |
                                              BIT(F_NUM_HEADS) | BIT(F_BIAS) |
                                              BIT(F_ADD_BIAS_KV) |
                                              BIT(F_ADD_ZERO_ATTN) |
                                              BIT(F_KDIM) | BIT(F_VDIM) |
                                              BIT(F_DROPOUT) |
                                              BIT(F_BATCH_FIRST),
                                          {{0}}, x_attention},
    [NNINIT_TORCH_TRANSFORMER_ENCODER_LAYER] = {CODER, {RELU}, x_coder_layer},
    [NNINIT_TORCH_TRANSFORMER_DECODER_LAYER] = {CODER, {RELU}, x_coder_layer},
    [NNINIT_TORCH_TRANSFORMER_ENCODER] = {CODER | BIT(F_NUM_LAYERS) |
                                              BIT(F_FINAL_NORM) |
                                              BIT(F_STACK_OPTION),
                                          {RELU, {F_NUM_LAYERS + 1, 0}},
                                          x_coder},
    [NNINIT_TORCH_TRANSFORMER_DECODER] = {CODER | BIT(F_NUM_LAYERS) |
                                              BIT(F_FINAL_NORM),
                                          {RELU, {F_NUM_LAYERS + 1, 0}},
                                          x_coder},
    [NNINIT_TORCH_TRANSFORMER] = {CODER | BIT(F_NUM_ENCODER_LAYERS) |
                                      BIT(F_NUM_DECODER_LAYERS),
                                  {RELU,
                                   {F_D_MODEL + 1, 512},
                                   {F_NHEAD + 1, 8}},
                                  x_transformer},
};

/* Layers of one stacked module (an RNN's num_layers), so that a small
 * description cannot ask for millions of tensors. */
#define MAX_STACK 10000

/* ------------------------------------------------------------------------ */
/* Field values                                                             */
/* ------------------------------------------------------------------------ */

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

static double field_default(nninit_torch_module kind, int f)
{
    const kind_row *r = &kinds[kind];
    for (size_t i = 0; i < sizeof r->defaults / sizeof *r->defaults; i++)
        if (r->defaults[i].field == f + 1)
            return r->defaults[i].value;
    return fields[f].def;
}

static void *member(nninit_torch_layer *l, int f)
{
    return (char *)l + fields[f].off;
}

static const void *cmember(const nninit_torch_layer *l, int f)
{
    return (const char *)l + fields[f].off;
}

/* A scalar field's value as a double (SIZE, INDEX, BOOL, NUMBER, WORD). */
static double field_value(const nninit_torch_layer *l, int f)
{
    switch (fields[f].info.type) {
    case T(SIZE):
        return (double)*(const int64_t *)cmember(l, f);
    case T(INDEX):
        return l->has_padding_idx;
    case T(NUMBER):
        return *(const double *)cmember(l, f);
    default: /* BOOL and WORD are ints (enums) */
        return *(const int *)cmember(l, f);
    }
}

static void set_value(nninit_torch_layer *l, int f, double v)
{
    switch (fields[f].info.type) {
    case T(SIZE):
        *(int64_t *)member(l, f) = (int64_t)v;
        break;
    case T(NUMBER):
        *(double *)member(l, f) = v;
        break;
    case T(BOOL):
    case T(WORD):
        *(int *)member(l, f) = (int)v;
        break;
    default: /* SIZES, INDEX: none by default */
        break;
    }
}

nninit_torch_layer nninit_torch_layer_make(nninit_torch_module kind)
{
    nninit_torch_layer l;
    memset(&l, 0, sizeof l);
    l.kind = kind;
    if ((unsigned)kind >= NNINIT_TORCH_MODULE_COUNT)
        return l;
    for (int f = 0; f < F_COUNT; f++)
        if (fields[f].off != NONE)
            set_value(&l, f, fields[f].def);
    for (int f = 0; f < F_COUNT; f++)
        if ((kinds[kind].fields & BIT(f)) && fields[f].off != NONE)
            set_value(&l, f, field_default(kind, f));
    return l;
}

int nninit_torch_field_find(nninit_torch_module kind, const char *key)
{
    if ((unsigned)kind >= NNINIT_TORCH_MODULE_COUNT || !key)
        return -1;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if ((kinds[kind].fields & BIT(keys[i].field)) &&
            !strcmp(keys[i].key, key))
            return keys[i].field;
    return -1;
}

const nninit_torch_field *nninit_torch_field_info(int field)
{
    return field >= 0 && field < F_COUNT ? &fields[field].info : NULL;
}

char *nninit_torch_module_keys(nninit_torch_module kind, char *buf,
                               size_t size)
{
    size_t at = 0;
    if (size)
        buf[0] = '\0';
    if ((unsigned)kind >= NNINIT_TORCH_MODULE_COUNT)
        return buf;
    for (int f = 0; f < F_COUNT && at < size; f++)
        if (kinds[kind].fields & BIT(f))
            at += (size_t)snprintf(buf + at, size - at, "%s%s",
                                   at ? ", " : "", fields[f].info.name);
    return buf;
}

static const char *const yes_words[] = {"true", "True", "TRUE", "yes",
                                        "Yes", "on", "1", NULL};
static const char *const no_words[] = {"false", "False", "FALSE", "no", "No",
                                       "off", "0", NULL};

/* A decimal integer (optional sign), at most 2^62 in magnitude. */
static int parse_int(const char *name, const char *s, int64_t *out,
                     nninit_error *err)
{
    const char *p = s;
    int neg = *p == '-';
    if (*p == '+' || *p == '-')
        p++;
    int digits = *p != '\0';
    for (const char *q = p; *q; q++)
        digits &= *q >= '0' && *q <= '9';
    if (!digits)
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s must be an integer (got '%.40s')", name, s);
    errno = 0;
    unsigned long long v = strtoull(p, NULL, 10);
    if (errno == ERANGE || v > (UINT64_C(1) << 62))
        return nninit__fail(err, NNINIT_EOVERFLOW,
                            "%s overflows (got %.40s; at most 2^62)", name,
                            s);
    *out = neg ? -(int64_t)v : (int64_t)v;
    return NNINIT_OK;
}

static int need_min(const char *name, int64_t v, int64_t min,
                    nninit_error *err)
{
    if (v >= min)
        return NNINIT_OK;
    return nninit__fail(err, NNINIT_EINVAL, "%s must be %s (got %lld)", name,
                        min >= 1 ? "a positive integer"
                                 : "a non-negative integer",
                        (long long)v);
}

int nninit_torch_field_set(nninit_torch_layer *l, int field, const char *text,
                           nninit_error *err)
{
    if (!l || field < 0 || field >= F_COUNT || !text)
        return nninit__fail(err, NNINIT_EINVAL, "no such field");
    const field_row *fr = &fields[field];
    const char *name = fr->info.name;
    int64_t v;
    int rc;
    switch (fr->info.type) {
    case T(SIZE):
    case T(SIZES):
        if ((rc = parse_int(name, text, &v, err)) ||
            (rc = need_min(name, v, fr->min, err)))
            return rc;
        if (field == F_KERNEL) { /* one size for every dimension */
            int d = spatial_dims(l->kind);
            if (d == 0)
                return nninit__fail(err, NNINIT_EINVAL, "%s has no kernel",
                                    nninit_torch_module_name(l->kind));
            for (int i = 0; i < d; i++)
                l->kernel[i] = v;
            return NNINIT_OK;
        }
        if (fr->info.type == T(SIZES))
            return nninit_torch_field_set_sizes(l, field, &v, 1, err);
        *(int64_t *)member(l, field) = v;
        return NNINIT_OK;
    case T(INDEX):
        if ((rc = parse_int(name, text, &v, err)))
            return rc;
        l->padding_idx = v;
        l->has_padding_idx = 1;
        return NNINIT_OK;
    case T(BOOL): {
        int yes = nninit__lookup(yes_words, text) >= 0;
        if (!yes && nninit__lookup(no_words, text) < 0)
            return nninit__fail(err, NNINIT_EINVAL,
                                "%s must be true or false (got '%.40s')",
                                name, text);
        if (fr->off != NONE)
            *(int *)member(l, field) = yes;
        return NNINIT_OK;
    }
    case T(NUMBER): {
        char *end;
        errno = 0;
        double d = strtod(text, &end);
        if (end == text || *end || !isfinite(d) ||
            (errno == ERANGE && fabs(d) > 1))
            return nninit__fail(err, NNINIT_EINVAL,
                                "%s must be a finite number (got '%.40s')",
                                name, text);
        if (fr->off != NONE)
            *(double *)member(l, field) = d;
        return NNINIT_OK;
    }
    case T(WORD):
        if (field == F_ORTHOGONAL) {
            if (nninit_orth_mode_parse(text, &l->orthogonal, NULL) ||
                l->orthogonal == NNINIT_ORTH_DEFAULT)
                return nninit__fail(err, NNINIT_EINVAL,
                                    "orthogonal must be whole or per_gate "
                                    "(got '%.40s')", text);
            return NNINIT_OK;
        }
        if (field == F_NONLINEARITY) {
            if (strcmp(text, "tanh") && strcmp(text, "relu"))
                return nninit__fail(err, NNINIT_EINVAL,
                                    "nonlinearity must be tanh or relu (got "
                                    "'%.40s')", text);
        }
        return nninit_activation_parse(text, &l->activation, err);
    default: /* ANY */
        return NNINIT_OK;
    }
}

int nninit_torch_field_set_sizes(nninit_torch_layer *l, int field,
                                 const int64_t *v, int n, nninit_error *err)
{
    if (!l || field < 0 || field >= F_COUNT ||
        fields[field].info.type != T(SIZES))
        return nninit__fail(err, NNINIT_EINVAL, "not a list field");
    const char *name = fields[field].info.name;
    int max = field == F_KERNEL ? spatial_dims(l->kind) : NNINIT_MAX_DIMS;
    if (n < 1 || n > max || (field == F_KERNEL && n != max)) {
        if (field == F_KERNEL)
            return nninit__fail(err, NNINIT_EINVAL,
                                "%s needs %d sizes (got %d)", name, max, n);
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s needs 1 to %d sizes (got %d)", name, max, n);
    }
    for (int i = 0; i < n; i++) {
        int rc = need_min(name, v[i], fields[field].min, err);
        if (rc)
            return rc;
    }
    int64_t *dst = (int64_t *)member(l, field);
    for (int i = 0; i < n; i++)
        dst[i] = v[i];
    if (field == F_NORMALIZED_SHAPE)
        l->normalized_ndim = n;
    return NNINIT_OK;
}

/* Shared by every kind: each stored field it takes is in range, and each
 * it does not take keeps its default. Messages start with the kind. */
static int check_fields(const nninit_torch_layer *l, nninit_error *err)
{
    const char *kn = nninit_torch_module_name(l->kind);
    const uint64_t mine = kinds[l->kind].fields;
    for (int f = 0; f < F_COUNT; f++) {
        const field_row *fr = &fields[f];
        if (fr->off == NONE)
            continue;
        const char *name = fr->info.name;
        if (!(mine & BIT(f))) {
            /* a member another field of this kind sets is that field's */
            int shared = 0;
            for (int g = 0; g < F_COUNT; g++)
                shared |= g != f && (mine & BIT(g)) &&
                          fields[g].off == fr->off;
            if (shared)
                continue;
            int changed;
            if (f == F_KERNEL)
                changed = l->kernel[0] || l->kernel[1] || l->kernel[2];
            else if (f == F_NORMALIZED_SHAPE)
                changed = l->normalized_ndim != 0;
            else if (fr->info.type == T(NUMBER) && isnan(fr->def))
                changed = !isnan(field_value(l, f));
            else
                changed = field_value(l, f) != fr->def;
            if (changed) {
                char takes[256];
                return nninit__fail(err, NNINIT_EINVAL,
                                    "%s: %s is not a field of %s (it takes "
                                    "%s)", kn, name, kn,
                                    nninit_torch_module_keys(l->kind, takes,
                                                             sizeof takes));
            }
            continue;
        }
        if (fr->info.type == T(SIZE)) {
            int64_t v = *(const int64_t *)cmember(l, f);
            if (v == 0 && fr->optional)
                continue;
            if (v == 0 && fr->min >= 1 && field_default(l->kind, f) == 0)
                return nninit__fail(err, NNINIT_EINVAL,
                                    "%s: missing '%s' (%s must be >= 1, got "
                                    "0)", kn, name, name);
            if (v < fr->min)
                return nninit__fail(err, NNINIT_EINVAL,
                                    "%s: %s must be >= %lld (got %lld)", kn,
                                    name, (long long)fr->min, (long long)v);
        } else if (fr->info.type == T(SIZES)) {
            int n = f == F_KERNEL ? spatial_dims(l->kind) : l->normalized_ndim;
            const int64_t *v = (const int64_t *)cmember(l, f);
            if (n < 1 || n > NNINIT_MAX_DIMS)
                return nninit__fail(err, NNINIT_EINVAL,
                                    "%s: missing '%s' (1 to %d sizes)", kn,
                                    name, NNINIT_MAX_DIMS);
            for (int i = 0; i < n; i++)
                if (v[i] < 1)
                    return nninit__fail(err, NNINIT_EINVAL,
                                        "%s: %s[%d] must be >= 1 (got %lld%s)",
                                        kn, name, i, (long long)v[i],
                                        v[i] ? "" : ": missing?");
        } else if (fr->info.type == T(NUMBER)) {
            double d = field_value(l, f);
            if (!isnan(d) && !isfinite(d))
                return nninit__fail(err, NNINIT_EINVAL,
                                    "%s: %s must be finite", kn, name);
        } else if (fr->info.type == T(BOOL)) {
            int b = *(const int *)cmember(l, f);
            if (b != 0 && b != 1)
                return nninit__fail(err, NNINIT_EINVAL,
                                    "%s: %s must be 0 or 1 (got %d)", kn, name,
                                    b);
        }
    }
    if ((unsigned)l->activation >= NNINIT_ACT_COUNT)
        return nninit__fail(err, NNINIT_EINVAL, "%s: unknown activation %d",
                            kn, (int)l->activation);
    if ((mine & BIT(F_NONLINEARITY)) && l->activation != NNINIT_ACT_TANH &&
        l->activation != NNINIT_ACT_RELU)
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s: nonlinearity must be tanh or relu (got %s)",
                            kn, nninit_activation_name(l->activation));
    if ((unsigned)l->orthogonal > NNINIT_ORTH_PER_GATE)
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s: unknown orthogonal mode %d", kn,
                            (int)l->orthogonal);
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* The sink: tensors and steps as the expansion emits them                  */
/* ------------------------------------------------------------------------ */

/* An expansion replays a constructor. To build a module that clones one
 * (nn.TransformerEncoder) or walks its parameters afterwards
 * (nn.Transformer._reset_parameters), the same expansion code runs again in
 * another mode: CLONE makes new tensors, each a copy of the matching tensor
 * of the module replayed; RESET makes no tensors and visits the existing
 * ones in parameters() order. */
enum sink_mode { BUILD, CLONE, RESET };

struct sink {
    nninit_error *err;
    int rc; /* the status of the failure that stopped the expansion */
    nninit_torch_tensor *tout;
    int tcap, nt;
    nninit_torch_step *sout;
    int scap, ns;
    enum sink_mode mode;
    int base, cursor; /* CLONE/RESET: the replayed module's first tensor,
                         and how many of its tensors were visited */
    nninit_spec reset;     /* RESET: the call on each tensor of >= 2 dims */
    const char *replay_module, *replay_what; /* CLONE, RESET: their steps */
    char prefix[64];       /* of the sub-module being built: "self_attn." */
    size_t plen;
    /* the place of the weights being built: their role in a residual
     * block, and the module's own stack (nn.TransformerEncoder's layers) */
    nninit_layer_role role;
    nninit_stack stack;
    int64_t depth, depth_count;
};

#define NEED(cond, ...)                                                        \
    do {                                                                       \
        if (!(cond))                                                           \
            return nninit__fail(k->err, NNINIT_EINVAL, __VA_ARGS__);           \
    } while (0)

/* Emit a step (BUILD only: clones copy, resets have their own). */
static void add_step(sink *k, int t, int source, int64_t r0, int64_t r1,
                     const nninit_spec *spec, const char *module,
                     const char *what)
{
    if (k->sout && k->ns < k->scap) {
        nninit_torch_step *s = &k->sout[k->ns];
        memset(s, 0, sizeof *s);
        s->tensor = t;
        s->source = source;
        s->row0 = r0;
        s->row1 = r1;
        if (spec)
            s->spec = *spec;
        else
            s->spec = nninit_spec_make(NNINIT_ZEROS);
        s->module = module;
        s->what = what;
    }
    k->ns++;
}

static void step(sink *k, int t, const nninit_spec *spec, const char *module,
                 const char *what)
{
    if (k->mode == BUILD)
        add_step(k, t, -1, 0, 0, spec, module, what);
}

/* A tensor of the module being built: its index, or -1 with k->err set. */
static int tensor(sink *k, const char *name, int ndim, const int64_t *dims,
                  nninit_part part, nninit_activation follows, int blocks,
                  const char *family)
{
    if (k->mode == RESET) {
        int t = k->base + k->cursor++;
        if (ndim > 1)
            add_step(k, t, -1, 0, 0, &k->reset, k->replay_module,
                     k->replay_what);
        return t;
    }
    nninit_torch_tensor tt;
    memset(&tt, 0, sizeof tt);
    int n = snprintf(tt.name, sizeof tt.name, "%s%s", k->prefix, name);
    if (n < 0 || (size_t)n >= sizeof tt.name) {
        k->rc = nninit__fail(k->err, NNINIT_EINVAL, "tensor name '%s%s' is "
                             "longer than %d bytes", k->prefix, name,
                             (int)sizeof tt.name - 1);
        return -1;
    }
    if (family)
        snprintf(tt.family, sizeof tt.family, "%s", family);
    int rc = nninit_shape_make(&tt.shape, ndim, dims, NULL);
    if (rc) {
        k->rc = nninit__fail(k->err, rc, "%s has more than 2^62 elements",
                             tt.name);
        return -1;
    }
    tt.part = part;
    tt.follows = follows;
    tt.blocks = blocks;
    if (part == NNINIT_PART_WEIGHT || part == NNINIT_PART_QKV)
        tt.role = k->role;
    tt.stack = k->stack;
    tt.depth = k->depth;
    tt.depth_count = k->depth_count;
    tt.buffer = part == NNINIT_PART_RUNNING_MEAN ||
                part == NNINIT_PART_RUNNING_VAR ||
                part == NNINIT_PART_STEP_COUNT;
    tt.int64 = part == NNINIT_PART_STEP_COUNT;
    if (k->tout && k->nt < k->tcap)
        k->tout[k->nt] = tt;
    int t = k->nt++;
    if (k->mode == CLONE)
        add_step(k, t, k->base + k->cursor++, 0, 0, NULL, k->replay_module,
                 k->replay_what);
    return t;
}

#define TENSOR(var, ...)                                                       \
    int var = tensor(k, __VA_ARGS__);                                          \
    if (var < 0)                                                               \
        return k->rc

/* Enter a sub-module ("self_attn."); returns the prefix length to restore
 * (a prefix too long for a tensor name makes tensor() refuse the name). */
static size_t push(sink *k, const char *sub)
{
    size_t at = k->plen;
    int n = snprintf(k->prefix + at, sizeof k->prefix - at, "%s", sub);
    k->plen = n < 0 || (size_t)n >= sizeof k->prefix - at
                  ? sizeof k->prefix - 1
                  : at + (size_t)n;
    return at;
}

static void pop(sink *k, size_t at)
{
    k->plen = at;
    k->prefix[at] = '\0';
}

/* a * b, refused past 2^62 (so every later product of sizes fits). */
static int mul(sink *k, int64_t a, int64_t b, int64_t *out)
{
    if (a < 0 || b < 0 || (a && (uint64_t)b > (UINT64_C(1) << 62) /
                                                 (uint64_t)a))
        return nninit__fail(k->err, NNINIT_EOVERFLOW,
                            "a size product is larger than 2^62");
    *out = a * b;
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* Steps every module shares                                                */
/* ------------------------------------------------------------------------ */

static nninit_spec uniform_sym(double bound)
{
    nninit_spec s = nninit_spec_make(NNINIT_UNIFORM);
    s.low = 0.0 - bound; /* Python's -bound */
    s.high = bound;
    return s;
}

static const char *const W_KAIMING =
    "default kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), "
    "1/sqrt(fan_in))";
static const char *const B_FAN_IN =
    "default bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in of its weight";

/* nn.Linear and nn.Conv*'s reset_parameters: kaiming_uniform_(a=sqrt(5))
 * on the weight, then U(+-1/sqrt(fan_in)) on the bias, fan_in from the
 * weight as torch computes it (size(1) * receptive field). */
static int weight_and_bias(sink *k, const char *cls, int ndim,
                           const int64_t *w, int64_t out, int bias,
                           nninit_activation follows)
{
    TENSOR(tw, "weight", ndim, w, NNINIT_PART_WEIGHT, follows, 1, NULL);
    nninit_spec s = nninit_spec_make(NNINIT_KAIMING_UNIFORM);
    s.a = sqrt(5.0); /* math.sqrt(5) */
    step(k, tw, &s, cls, W_KAIMING);
    if (!bias)
        return NNINIT_OK;
    int64_t fan_in = w[1];
    for (int i = 2; i < ndim; i++)
        fan_in *= w[i];
    TENSOR(tb, "bias", 1, &out, NNINIT_PART_BIAS, NNINIT_ACT_NONE, 1, NULL);
    /* bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0 */
    s = uniform_sym(1 / sqrt((double)fan_in));
    step(k, tb, &s, cls, B_FAN_IN);
    return NNINIT_OK;
}

static int linear(sink *k, int64_t in, int64_t out, int bias,
                  nninit_activation follows)
{
    int64_t w[2] = {out, in}, n = 0;
    int rc = mul(k, out, in, &n);
    return rc ? rc : weight_and_bias(k, "Linear", 2, w, out, bias, follows);
}

/* weight ones_, bias zeros_ (every norm's reset_parameters) */
static int norm_affine(sink *k, const char *cls, int ndim,
                       const int64_t *dims, int bias)
{
    TENSOR(tw, "weight", ndim, dims, NNINIT_PART_NORM_SCALE, NNINIT_ACT_NONE,
           1, NULL);
    nninit_spec s = nninit_spec_make(NNINIT_ONES);
    step(k, tw, &s, cls, "default weight ones_");
    if (!bias)
        return NNINIT_OK;
    TENSOR(tb, "bias", ndim, dims, NNINIT_PART_NORM_SHIFT, NNINIT_ACT_NONE, 1,
           NULL);
    s = nninit_spec_make(NNINIT_ZEROS);
    step(k, tb, &s, cls, "default bias zeros_");
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* The kinds                                                                */
/* ------------------------------------------------------------------------ */

static int x_linear(sink *k, const nninit_torch_layer *l)
{
    return linear(k, l->in, l->out, l->bias, l->activation);
}

static int x_bilinear(sink *k, const nninit_torch_layer *l)
{
    int64_t w[3] = {l->out, l->in, l->in2}, n = 0;
    int rc;
    if ((rc = mul(k, l->out, l->in, &n)) || (rc = mul(k, n, l->in2, &n)))
        return rc;
    /* bound = 1 / math.sqrt(self.weight.size(1)), for weight and bias */
    nninit_spec s = uniform_sym(1 / sqrt((double)l->in));
    static const char *const what =
        "default U(-1/sqrt(in1_features), 1/sqrt(in1_features))";
    TENSOR(tw, "weight", 3, w, NNINIT_PART_WEIGHT, l->activation, 1, NULL);
    step(k, tw, &s, "Bilinear", what);
    if (l->bias) {
        TENSOR(tb, "bias", 1, &l->out, NNINIT_PART_BIAS, NNINIT_ACT_NONE, 1,
               NULL);
        step(k, tb, &s, "Bilinear", what);
    }
    return NNINIT_OK;
}

static int x_conv(sink *k, const nninit_torch_layer *l)
{
    const int sd = spatial_dims(l->kind);
    const int transposed = l->kind >= NNINIT_TORCH_CONV_TRANSPOSE1D;
    const char *kn = nninit_torch_module_name(l->kind);
    NEED(l->in % l->groups == 0 && l->out % l->groups == 0,
         "%s: in (%lld) and out (%lld) must both be divisible by groups "
         "(%lld)", kn, (long long)l->in, (long long)l->out,
         (long long)l->groups);
    int64_t w[5], n = 0;
    w[0] = transposed ? l->in : l->out;
    w[1] = transposed ? l->out / l->groups : l->in / l->groups;
    int rc = mul(k, w[0], w[1], &n);
    for (int i = 0; i < sd && rc == NNINIT_OK; i++) {
        w[2 + i] = l->kernel[i];
        rc = mul(k, n, l->kernel[i], &n);
    }
    return rc ? rc
              : weight_and_bias(k, nninit_torch_module_class(l->kind), 2 + sd,
                                w, l->out, l->bias, l->activation);
}

static int x_embedding(sink *k, const nninit_torch_layer *l)
{
    const int64_t num = l->num_embeddings;
    if (l->has_padding_idx)
        NEED(l->padding_idx < num && l->padding_idx >= -num,
             "embedding: padding_idx must be within num_embeddings (got %lld "
             "for %lld)", (long long)l->padding_idx, (long long)num);
    int64_t w[2] = {num, l->embedding_dim}, n = 0;
    int rc = mul(k, w[0], w[1], &n);
    if (rc)
        return rc;
    TENSOR(tw, "weight", 2, w, NNINIT_PART_EMBEDDING, NNINIT_ACT_NONE, 1,
           NULL);
    nninit_spec s = nninit_spec_make(NNINIT_NORMAL);
    step(k, tw, &s, "Embedding", "default normal_: N(0, 1)");
    if (l->has_padding_idx && k->mode == BUILD) {
        /* _fill_padding_idx_with_zero: weight[padding_idx].fill_(0) */
        int64_t row = l->padding_idx < 0 ? num + l->padding_idx
                                         : l->padding_idx;
        s = nninit_spec_make(NNINIT_ZEROS);
        add_step(k, tw, -1, row, row + 1, &s, "Embedding",
                 "padding_idx row filled with 0");
    }
    return NNINIT_OK;
}

/* nn.LayerNorm and nn.RMSNorm (2.4+; reset_parameters: init.ones_ on the
 * weight, and RMSNorm has no bias) over normalized_shape. */
static int x_layer_norm(sink *k, const nninit_torch_layer *l)
{
    int64_t n = 1;
    int rc = NNINIT_OK;
    for (int i = 0; i < l->normalized_ndim && rc == NNINIT_OK; i++)
        rc = mul(k, n, l->normalized_shape[i], &n);
    if (rc || !l->affine)
        return rc;
    int rms = l->kind == NNINIT_TORCH_RMS_NORM;
    return norm_affine(k, rms ? "RMSNorm" : "LayerNorm", l->normalized_ndim,
                       l->normalized_shape, !rms && l->bias);
}

static int x_group_norm(sink *k, const nninit_torch_layer *l)
{
    NEED(l->num_features % l->groups == 0,
         "groupnorm: num_channels (%lld) must be divisible by num_groups "
         "(%lld)", (long long)l->num_features, (long long)l->groups);
    return l->affine ? norm_affine(k, "GroupNorm", 1, &l->num_features, 1)
                     : NNINIT_OK;
}

static int x_batch_norm(sink *k, const nninit_torch_layer *l)
{
    int rc;
    if (l->affine &&
        (rc = norm_affine(k, "BatchNorm", 1, &l->num_features, 1)))
        return rc;
    if (!l->track_running_stats)
        return NNINIT_OK;
    nninit_spec z = nninit_spec_make(NNINIT_ZEROS);
    nninit_spec o = nninit_spec_make(NNINIT_ONES);
    TENSOR(tm, "running_mean", 1, &l->num_features, NNINIT_PART_RUNNING_MEAN,
           NNINIT_ACT_NONE, 1, NULL);
    step(k, tm, &z, "BatchNorm", "running_mean starts at 0");
    TENSOR(tv, "running_var", 1, &l->num_features, NNINIT_PART_RUNNING_VAR,
           NNINIT_ACT_NONE, 1, NULL);
    step(k, tv, &o, "BatchNorm", "running_var starts at 1");
    TENSOR(tc, "num_batches_tracked", 0, NULL, NNINIT_PART_STEP_COUNT,
           NNINIT_ACT_NONE, 1, NULL);
    step(k, tc, &z, "BatchNorm", "num_batches_tracked starts at 0");
    return NNINIT_OK;
}

static int gates_of(nninit_torch_module kind)
{
    switch (kind) {
    case NNINIT_TORCH_LSTM:
    case NNINIT_TORCH_LSTM_CELL:
        return 4;
    case NNINIT_TORCH_GRU:
    case NNINIT_TORCH_GRU_CELL:
        return 3;
    default:
        return 1;
    }
}

/* One layer and direction of a recurrent module (sfx "_l0", "_l1_reverse",
 * or "" for a cell): every parameter U(-1/sqrt(hidden), 1/sqrt(hidden)), in
 * self.parameters() order (rnn.py: reset_parameters). */
static int rnn_layer(sink *k, const nninit_torch_layer *l, const char *sfx,
                     int64_t in, int64_t rec)
{
    const char *cls = nninit_torch_module_class(l->kind);
    static const char *const what =
        "default: every parameter U(-1/sqrt(hidden), 1/sqrt(hidden))";
    const int gates = gates_of(l->kind);
    /* the gates' own nonlinearity: sigmoid for LSTM/GRU gates */
    const nninit_activation act =
        gates > 1 ? NNINIT_ACT_SIGMOID : l->activation;
    int64_t gh = 0, n = 0;
    int rc;
    if ((rc = mul(k, gates, l->hidden, &gh)) || (rc = mul(k, gh, in, &n)) ||
        (rc = mul(k, gh, rec, &n)))
        return rc;
    /* stdv = 1.0 / math.sqrt(self.hidden_size) */
    nninit_spec s = uniform_sym(1.0 / sqrt((double)l->hidden));
    int64_t wih[2] = {gh, in}, whh[2] = {gh, rec};
    char name[48];
    snprintf(name, sizeof name, "weight_ih%s", sfx);
    TENSOR(t0, name, 2, wih, NNINIT_PART_INPUT, act, gates, "weight_ih");
    step(k, t0, &s, cls, what);
    snprintf(name, sizeof name, "weight_hh%s", sfx);
    TENSOR(t1, name, 2, whh, NNINIT_PART_RECURRENT, act, gates, "weight_hh");
    step(k, t1, &s, cls, what);
    if (l->bias) {
        snprintf(name, sizeof name, "bias_ih%s", sfx);
        TENSOR(t2, name, 1, &gh, NNINIT_PART_GATE_BIAS, NNINIT_ACT_NONE, gates,
               "bias_ih");
        step(k, t2, &s, cls, what);
        snprintf(name, sizeof name, "bias_hh%s", sfx);
        TENSOR(t3, name, 1, &gh, NNINIT_PART_GATE_BIAS, NNINIT_ACT_NONE, gates,
               "bias_hh");
        step(k, t3, &s, cls, what);
    }
    if (l->proj_size > 0) {
        int64_t whr[2] = {l->proj_size, l->hidden};
        snprintf(name, sizeof name, "weight_hr%s", sfx);
        TENSOR(t4, name, 2, whr, NNINIT_PART_PROJECTION, NNINIT_ACT_NONE, 1,
               "weight_hr");
        step(k, t4, &s, cls, what);
    }
    return NNINIT_OK;
}

static int x_rnn(sink *k, const nninit_torch_layer *l)
{
    const char *kn = nninit_torch_module_name(l->kind);
    NEED(l->num_layers <= MAX_STACK, "%s: layers must be at most %d (got "
         "%lld)", kn, MAX_STACK, (long long)l->num_layers);
    NEED(l->proj_size < l->hidden,
         "%s: proj_size (%lld) must be smaller than hidden (%lld)", kn,
         (long long)l->proj_size, (long long)l->hidden);
    const int dirs = l->bidirectional ? 2 : 1;
    const int64_t rec = l->proj_size > 0 ? l->proj_size : l->hidden;
    for (int64_t layer = 0; layer < l->num_layers; layer++)
        for (int d = 0; d < dirs; d++) {
            char sfx[32];
            snprintf(sfx, sizeof sfx, "_l%lld%s", (long long)layer,
                     d ? "_reverse" : "");
            int rc = rnn_layer(k, l, sfx, layer == 0 ? l->in : rec * dirs,
                               rec);
            if (rc)
                return rc;
        }
    return NNINIT_OK;
}

static int x_rnn_cell(sink *k, const nninit_torch_layer *l)
{
    return rnn_layer(k, l, "", l->in, l->hidden);
}

/* nn.MultiheadAttention (activation.py): the projections are created empty,
 * then out_proj, a Linear, is constructed (its own default draws), then
 * _reset_parameters: xavier_uniform_ on the input projections, constant_ 0
 * on in_proj_bias and out_proj.bias, xavier_normal_ on bias_k and bias_v.
 * state_dict: the module's own parameters first, out_proj's last. */
static int attention(sink *k, int64_t e, int64_t heads, int64_t kdim,
                     int64_t vdim, int bias, int add_bias_kv)
{
    static const char *const cls = "MultiheadAttention";
    NEED(e % heads == 0, "embed_dim (%lld) must be divisible by num_heads "
         "(%lld)", (long long)e, (long long)heads);
    int64_t e3 = 0, n = 0;
    int rc;
    if ((rc = mul(k, 3, e, &e3)) || (rc = mul(k, e3, e, &n)) ||
        (rc = mul(k, e, kdim, &n)) || (rc = mul(k, e, vdim, &n)))
        return rc;
    int q = -1, kk = -1, v = -1, ib = -1, bk = -1, bv = -1;
    if (kdim == e && vdim == e) {
        int64_t w[2] = {e3, e};
        k->role = NNINIT_LAYER_ATTN_QKV;
        q = tensor(k, "in_proj_weight", 2, w, NNINIT_PART_QKV,
                   NNINIT_ACT_NONE, 3, NULL);
    } else {
        int64_t wq[2] = {e, e}, wk[2] = {e, kdim}, wv[2] = {e, vdim};
        k->role = NNINIT_LAYER_ATTN_Q;
        if ((q = tensor(k, "q_proj_weight", 2, wq, NNINIT_PART_QKV,
                        NNINIT_ACT_NONE, 1, NULL)) >= 0) {
            k->role = NNINIT_LAYER_ATTN_K;
            kk = tensor(k, "k_proj_weight", 2, wk, NNINIT_PART_QKV,
                        NNINIT_ACT_NONE, 1, NULL);
        }
        if (kk >= 0) {
            k->role = NNINIT_LAYER_ATTN_V;
            v = tensor(k, "v_proj_weight", 2, wv, NNINIT_PART_QKV,
                       NNINIT_ACT_NONE, 1, NULL);
        }
    }
    k->role = NNINIT_LAYER_NONE;
    if (q < 0 || (kdim != e || vdim != e ? v < 0 : 0))
        return k->rc;
    if (bias && (ib = tensor(k, "in_proj_bias", 1, &e3, NNINIT_PART_BIAS,
                             NNINIT_ACT_NONE, 3, NULL)) < 0)
        return k->rc;
    int64_t kv[3] = {1, 1, e};
    if (add_bias_kv &&
        ((bk = tensor(k, "bias_k", 3, kv, NNINIT_PART_KV_BIAS,
                      NNINIT_ACT_NONE, 1, NULL)) < 0 ||
         (bv = tensor(k, "bias_v", 3, kv, NNINIT_PART_KV_BIAS,
                      NNINIT_ACT_NONE, 1, NULL)) < 0))
        return k->rc;
    /* out_proj: NonDynamicallyQuantizableLinear(E, E, bias), a Linear */
    size_t at = push(k, "out_proj.");
    int ow = k->nt;
    k->role = NNINIT_LAYER_ATTN_OUT; /* the attention branch's last layer */
    rc = linear(k, e, e, bias, NNINIT_ACT_NONE);
    k->role = NNINIT_LAYER_NONE;
    pop(k, at);
    if (rc)
        return rc;
    static const char *const xu = "_reset_parameters: xavier_uniform_";
    nninit_spec s = nninit_spec_make(NNINIT_XAVIER_UNIFORM);
    step(k, q, &s, cls, xu);
    if (kk >= 0) {
        step(k, kk, &s, cls, xu);
        step(k, v, &s, cls, xu);
    }
    if (bias) {
        static const char *const zero = "_reset_parameters: constant_(0.)";
        s = nninit_spec_make(NNINIT_ZEROS);
        step(k, ib, &s, cls, zero);
        step(k, ow + 1, &s, cls, zero); /* out_proj.bias */
    }
    if (add_bias_kv) {
        static const char *const xn = "_reset_parameters: xavier_normal_";
        s = nninit_spec_make(NNINIT_XAVIER_NORMAL);
        step(k, bk, &s, cls, xn);
        step(k, bv, &s, cls, xn);
    }
    return NNINIT_OK;
}

static int x_attention(sink *k, const nninit_torch_layer *l)
{
    return attention(k, l->embed_dim, l->num_heads,
                     l->kdim ? l->kdim : l->embed_dim,
                     l->vdim ? l->vdim : l->embed_dim, l->bias,
                     l->add_bias_kv);
}

/* nn.TransformerEncoderLayer / DecoderLayer (transformer.py): self_attn,
 * (decoder: multihead_attn,) linear1, linear2, norm1, norm2 (, norm3),
 * constructed in that order; nothing else draws. */
static int coder_layer(sink *k, const nninit_torch_layer *l, int decoder)
{
    const int64_t d = l->embed_dim;
    int rc;
    size_t at = push(k, "self_attn.");
    rc = attention(k, d, l->num_heads, d, d, l->bias, 0);
    pop(k, at);
    if (rc == NNINIT_OK && decoder) {
        at = push(k, "multihead_attn.");
        rc = attention(k, d, l->num_heads, d, d, l->bias, 0);
        pop(k, at);
    }
    if (rc == NNINIT_OK) {
        at = push(k, "linear1.");
        k->role = NNINIT_LAYER_FFN_IN;
        rc = linear(k, d, l->dim_feedforward, l->bias, l->activation);
        pop(k, at);
    }
    if (rc == NNINIT_OK) {
        at = push(k, "linear2.");
        k->role = NNINIT_LAYER_FFN_OUT;
        rc = linear(k, l->dim_feedforward, d, l->bias, NNINIT_ACT_NONE);
        pop(k, at);
    }
    k->role = NNINIT_LAYER_NONE;
    static const char *const norms[] = {"norm1.", "norm2.", "norm3."};
    for (int i = 0; i < (decoder ? 3 : 2) && rc == NNINIT_OK; i++) {
        at = push(k, norms[i]);
        rc = norm_affine(k, "LayerNorm", 1, &d, l->bias);
        pop(k, at);
    }
    return rc;
}

static int is_decoder(nninit_torch_module kind)
{
    return kind == NNINIT_TORCH_TRANSFORMER_DECODER_LAYER ||
           kind == NNINIT_TORCH_TRANSFORMER_DECODER;
}

static int x_coder_layer(sink *k, const nninit_torch_layer *l)
{
    return coder_layer(k, l, is_decoder(l->kind));
}

/* nn.TransformerEncoder / Decoder: _get_clones deep-copies the layer it is
 * given n times, so every layer starts with the first one's values (no
 * draws), then the optional final LayerNorm. Layer 0 stands for the layer
 * given; when the whole is replayed (RESET), the clones are visited too. */
static int stack(sink *k, const nninit_torch_layer *l, int decoder, int64_t n,
                 int norm)
{
    NEED(n <= MAX_STACK, "%s: at most %d layers (got %lld)",
         nninit_torch_module_name(l->kind), MAX_STACK, (long long)n);
    const int first = k->nt;
    int rc = NNINIT_OK;
    for (int64_t i = 0; i < n && rc == NNINIT_OK; i++) {
        char pre[32];
        snprintf(pre, sizeof pre, "layers.%lld.", (long long)i);
        size_t at = push(k, pre);
        const enum sink_mode mode = k->mode;
        if (i > 0 && mode == BUILD) {
            k->mode = CLONE;
            k->base = first;
            k->cursor = 0;
            k->replay_module = decoder ? "TransformerDecoder"
                                       : "TransformerEncoder";
            k->replay_what = "clone of layers.0 (copy.deepcopy: the same "
                             "values, no draws)";
        }
        /* the stack's layers: the scalings' blocks */
        k->stack = decoder ? NNINIT_STACK_DECODER : NNINIT_STACK_ENCODER;
        k->depth = i;
        k->depth_count = n;
        rc = coder_layer(k, l, decoder);
        k->stack = NNINIT_STACK_NONE;
        k->depth = k->depth_count = 0;
        k->mode = mode;
        pop(k, at);
    }
    if (rc == NNINIT_OK && norm) {
        const int64_t d = l->embed_dim;
        size_t at = push(k, "norm.");
        rc = norm_affine(k, "LayerNorm", 1, &d, l->bias);
        pop(k, at);
    }
    return rc;
}

static int x_coder(sink *k, const nninit_torch_layer *l)
{
    return stack(k, l, is_decoder(l->kind), l->num_layers, l->norm);
}

/* nn.Transformer: an encoder layer and its LayerNorm, cloned into the
 * encoder; the same for the decoder; then _reset_parameters:
 * xavier_uniform_ on every parameter of more than one dimension, in
 * parameters() order (the state_dict's: there are no buffers). */
static int encoder_decoder(sink *k, const nninit_torch_layer *l)
{
    size_t at = push(k, "encoder.");
    int rc = stack(k, l, 0, l->num_encoder_layers, 1);
    pop(k, at);
    if (rc == NNINIT_OK) {
        at = push(k, "decoder.");
        rc = stack(k, l, 1, l->num_decoder_layers, 1);
        pop(k, at);
    }
    return rc;
}

static int x_transformer(sink *k, const nninit_torch_layer *l)
{
    int rc = encoder_decoder(k, l);
    if (rc || k->mode != BUILD)
        return rc;
    k->mode = RESET;
    k->base = 0;
    k->cursor = 0;
    k->reset = nninit_spec_make(NNINIT_XAVIER_UNIFORM);
    k->replay_module = "Transformer";
    k->replay_what = "_reset_parameters: xavier_uniform_ on every parameter "
                     "of more than one dimension";
    rc = encoder_decoder(k, l);
    k->mode = BUILD;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Listing and constructing                                                 */
/* ------------------------------------------------------------------------ */

static int expand(const nninit_torch_layer *l, sink *k)
{
    if (!l)
        return nninit__fail(k->err, NNINIT_EINVAL, "layer is NULL");
    if ((unsigned)l->kind >= NNINIT_TORCH_MODULE_COUNT)
        return nninit__fail(k->err, NNINIT_EINVAL, "unknown module kind %d",
                            (int)l->kind);
    int rc = check_fields(l, k->err);
    return rc ? rc : kinds[l->kind].expand(k, l);
}

int nninit_torch_layer_tensors(const nninit_torch_layer *layer,
                               nninit_torch_tensor *out, int cap, int *count,
                               nninit_error *err)
{
    sink k;
    memset(&k, 0, sizeof k);
    k.err = err;
    k.tout = out;
    k.tcap = out ? cap : 0;
    int rc = expand(layer, &k);
    if (count)
        *count = rc ? 0 : k.nt;
    return rc;
}

int nninit_torch_layer_steps(const nninit_torch_layer *layer,
                             nninit_torch_step *out, int cap, int *count,
                             nninit_error *err)
{
    sink k;
    memset(&k, 0, sizeof k);
    k.err = err;
    k.sout = out;
    k.scap = out ? cap : 0;
    int rc = expand(layer, &k);
    if (count)
        *count = rc ? 0 : k.ns;
    return rc;
}

int nninit_torch_tensor_selected(const nninit_torch_tensor *t,
                                 const char *key)
{
    if (!t || !key)
        return 0;
    if (!strcmp(key, "weights"))
        switch (t->part) {
        case NNINIT_PART_WEIGHT:
        case NNINIT_PART_QKV:
        case NNINIT_PART_INPUT:
        case NNINIT_PART_PROJECTION:
        case NNINIT_PART_EMBEDDING:
            return 1;
        case NNINIT_PART_NORM_SCALE: /* a norm's own, not a sub-module's */
            return !strcmp(t->name, "weight");
        default:
            return 0;
        }
    if (!strcmp(key, "biases"))
        switch (t->part) {
        case NNINIT_PART_BIAS:
        case NNINIT_PART_GATE_BIAS:
            return 1;
        case NNINIT_PART_NORM_SHIFT:
            return !strcmp(t->name, "bias");
        default:
            return 0;
        }
    return !strcmp(key, t->name) || (t->family[0] && !strcmp(key, t->family));
}

int nninit_torch_layer_init(nninit_torch_gen *g,
                            const nninit_torch_layer *layer,
                            nninit_dtype dtype, void *const *bufs,
                            const nninit_allocator *alloc, nninit_error *err)
{
    if (!g)
        return nninit__fail(err, NNINIT_EINVAL, "generator is NULL");
    size_t es = nninit_dtype_size(dtype);
    if (es == 0)
        return nninit__fail(err, NNINIT_EINVAL, "unknown dtype %d", (int)dtype);
    int nt = 0, ns = 0, rc;
    if ((rc = nninit_torch_layer_tensors(layer, NULL, 0, &nt, err)) ||
        (rc = nninit_torch_layer_steps(layer, NULL, 0, &ns, err)))
        return rc;
    if (nt > 0 && !bufs)
        return nninit__fail(err, NNINIT_EINVAL, "bufs is NULL");
    nninit_torch_tensor *tt = (nninit_torch_tensor *)nninit__alloc(
        alloc, (size_t)nt * sizeof *tt + 1);
    nninit_torch_step *st = (nninit_torch_step *)nninit__alloc(
        alloc, (size_t)ns * sizeof *st + 1);
    if (!tt || !st) {
        nninit__free(alloc, tt);
        nninit__free(alloc, st);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    nninit_torch_layer_tensors(layer, tt, nt, NULL, NULL);
    nninit_torch_layer_steps(layer, st, ns, NULL, NULL);
    for (int i = 0; i < nt && rc == NNINIT_OK; i++)
        if (nninit_shape_numel(&tt[i].shape) > 0 && !bufs[i])
            rc = nninit__fail(err, NNINIT_EINVAL, "buffer of %s is NULL",
                              tt[i].name);
    for (int i = 0; i < ns && rc == NNINIT_OK; i++) {
        const nninit_torch_step *s = &st[i];
        const nninit_torch_tensor *t = &tt[s->tensor];
        uint64_t n = nninit_shape_numel(&t->shape);
        size_t tes = t->int64 ? 8 : es;
        char *buf = (char *)bufs[s->tensor];
        if (s->source >= 0) {
            if (n)
                memcpy(buf, bufs[s->source], (size_t)n * tes);
        } else if (t->int64) {
            memset(buf, 0, 8);
        } else if (s->row1 > s->row0) {
            nninit_shape rows = t->shape;
            uint64_t row = n / (uint64_t)t->shape.dim[0];
            rows.dim[0] = s->row1 - s->row0;
            rc = nninit_torch_init(g, &s->spec, &rows, dtype,
                                   buf + (uint64_t)s->row0 * row * tes, alloc,
                                   err);
        } else {
            rc = nninit_torch_init(g, &s->spec, &t->shape, dtype, buf, alloc,
                                   err);
        }
    }
    nninit__free(alloc, tt);
    nninit__free(alloc, st);
    return rc;
}
