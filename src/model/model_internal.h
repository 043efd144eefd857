/*
 * model_internal.h: what the model layer's files share (not installed).
 */
#ifndef NNINIT_MODEL_INTERNAL_H
#define NNINIT_MODEL_INTERNAL_H

#include "../nninit_internal.h"
#include "nninit/model.h"

/* One layer of a model: what nninit_layer says, stored compactly (the name
 * in the model's string arena, the constructor arguments interned: alike
 * layers share one copy; explicit initializers in one model-wide array), so
 * a model of a million layers fits in a few hundred MB. */
typedef struct nninit__mlayer {
    const char *name;
    const nninit_torch_layer *args; /* in m->args */
    size_t first_tensor;  /* its tensors: [first_tensor, + ntensors) */
    size_t first_init;    /* its initializers in m->inits */
    int ntensors, n_inits; /* ntensors: its module's tensors, the tied
                              one included */
    int line, column;
    unsigned char role, stack; /* nninit_layer_role, nninit_stack */
    int tied_local;            /* its module's tensor that is another
                                  layer's (-1: none), and that tensor */
    long tie_target;
    int64_t depth, depth_count;
} nninit__mlayer;

/* Model tensor index of tensor k of layer l's module: a tied tensor is
 * its target; the others follow first_tensor in order. */
static inline size_t nninit__layer_tensor(const nninit__mlayer *l, int k)
{
    if (k == l->tied_local)
        return (size_t)l->tie_target;
    return l->first_tensor + (size_t)k -
           (size_t)(l->tied_local >= 0 && k > l->tied_local);
}

/* One tensor of a model. */
typedef struct nninit__mtensor {
    const char *name;  /* full name, in the string arena */
    const nninit_shape *shape; /* interned (m->shapes) */
    long layer;        /* index into layers, -1 for bare tensors */
    int local;         /* index among its layer's tensors */
    nninit_etype type; /* bare tensors: the checkpoint's; layers: F32 except
                          num_batches_tracked (I64) */
    unsigned char part;    /* nninit_part (layers only) */
    unsigned char follows; /* nninit_activation after a weight */
    unsigned char blocks;  /* row blocks (gates); 1 otherwise */
    unsigned char role;    /* nninit_layer_role of a weight (its module's,
                              else its layer's); NONE for biases, norms */
    unsigned char stack;   /* nninit_stack, and its block among */
    int64_t depth, depth_count; /* depth_count (0: in no stack) */
    size_t source_index;
} nninit__mtensor;

struct nninit_model {
    const nninit_allocator *alloc;
    char name[NNINIT_NAME_MAX];
    char arch[64];
    nninit__mlayer *layers;
    size_t nlayers, caplayers;
    nninit__mtensor *tensors;
    size_t ntensors, captensors;
    nninit_tensor_init *inits;
    size_t ninits, capinits;
    nninit_rule *rules;
    size_t nrules, caprules;
    nninit_scaling scalings[NNINIT_SCALING_COUNT];
    size_t nscalings;
    nninit_shape *base; /* muP base shapes, per tensor (NULL: none; a dim
                           0 is finite, ndim 0 none for that tensor) */
    size_t capbase;
    nninit__arena names; /* layer and tensor names */
    nninit__strpool args;   /* the layers' constructor arguments */
    nninit__strpool shapes; /* the tensors' shapes */
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

/* 1 if explicit-initializer key `key` selects tensor t of its layer:
 * nninit_torch_tensor_selected, or a glob over the tensors' names. */
int nninit__init_key_matches(const char *key, const nninit_torch_tensor *t);

/* Layer l's tensors as its module lists them (count: l->ntensors), in
 * memory from m's allocator; NULL if out of memory. */
nninit_torch_tensor *nninit__layer_tensors(const nninit_model *m,
                                           const nninit__mlayer *l);

/* Room for n tensors in all (a checkpoint's count, known up front), so the
 * array is not doubled past it: NNINIT_ENOMEM, or NNINIT_EINVAL past
 * NNINIT_MAX_TENSORS. */
int nninit__model_reserve_tensors(nninit_model *m, size_t n);

/* Find a tensor by exact name; -1 if absent. */
long nninit__model_find_tensor(const nninit_model *m, const char *name);

#endif /* NNINIT_MODEL_INTERNAL_H */
