/*
 * model_internal.h: what the model layer's files share (not installed).
 */
#ifndef NNINIT_MODEL_INTERNAL_H
#define NNINIT_MODEL_INTERNAL_H

#include "../nninit_internal.h"
#include "nninit/model.h"

/* The families of a tensor's local name (the part after the layer name,
 * without the _l<k>[_reverse] suffix of recurrent layers). */
typedef enum nninit__tkey {
    TK_WEIGHT,
    TK_BIAS,
    TK_WEIGHT_IH,
    TK_WEIGHT_HH,
    TK_BIAS_IH,
    TK_BIAS_HH,
    TK_WEIGHT_HR,
    TK_RUNNING_MEAN,
    TK_RUNNING_VAR,
    TK_NUM_BATCHES,
    TK_BARE /* a checkpoint tensor: no layer */
} nninit__tkey;

/* One tensor of a model. */
typedef struct nninit__mtensor {
    char name[NNINIT_NAME_MAX];
    nninit_shape shape;
    nninit_etype type; /* bare tensors: the checkpoint's; layers: F32 except
                          num_batches_tracked (I64) */
    long layer;        /* index into layers, -1 for bare tensors */
    nninit__tkey key;
    int gates;         /* row blocks of recurrent tensors (1 otherwise) */
    int64_t hidden;    /* recurrent tensors: hidden_size */
    size_t source_index;
} nninit__mtensor;

struct nninit_model {
    const nninit_allocator *alloc;
    char name[NNINIT_NAME_MAX];
    char arch[64];
    nninit_layer *layers;
    size_t nlayers, caplayers;
    nninit__mtensor *tensors;
    size_t ntensors, captensors;
    nninit_rule *rules;
    size_t nrules, caprules;
    /* open-addressing sets of layer and tensor names (indices + 1) */
    size_t *lset, lsetcap;
    size_t *tset, tsetcap;
};

/* snprintf that returns what it actually wrote (never more than size - 1),
 * so texts can be appended safely; truncation is intended where used. */
size_t nninit__strf(char *buf, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The local-name family of key string ("weight_hh" -> TK_WEIGHT_HH). */
const char *nninit__tkey_name(nninit__tkey k);

/* 1 if tensor t of its layer is selected by an explicit-init key
 * ("weights", "biases", or a family name). */
int nninit__init_key_matches(const char *key, const nninit__mtensor *t);

/* Room for n tensors in all (a checkpoint's count, known up front), so the
 * array is not doubled past it: NNINIT_ENOMEM, or NNINIT_EINVAL past
 * NNINIT_MAX_TENSORS. */
int nninit__model_reserve_tensors(nninit_model *m, size_t n);

/* Find a tensor by exact name; -1 if absent. */
long nninit__model_find_tensor(const nninit_model *m, const char *name);

#endif /* NNINIT_MODEL_INTERNAL_H */
