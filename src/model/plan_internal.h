/*
 * plan_internal.h: the plan's internal state, shared by plan.c (decisions)
 * and produce.c (bytes).
 */
#ifndef NNINIT_PLAN_INTERNAL_H
#define NNINIT_PLAN_INTERNAL_H

#include "model_internal.h"

/* One initialization step on one tensor, as a script would make it: the
 * construction defaults of every module first, then the explicit
 * initializers in order. With the counter-based generator only the last
 * steps that cover each element matter; with PyTorch's sequential generator
 * every step draws, in this order. */
typedef enum nninit__op_kind {
    OP_WHOLE = 0,  /* spec over the whole tensor */
    OP_BLOCKS = 1, /* spec over each of `blocks` row blocks separately */
    OP_ROWS = 2,   /* spec over rows [r0, r1) only */
    OP_COPY = 3    /* --rng torch: tensor src's values as they are now (a
                      module's clone); the spec is src's, for reports */
} nninit__op_kind;

typedef struct nninit__op {
    int64_t r0, r1;
    const nninit_spec *spec; /* interned (p->specs) */
    const char *why;         /* interned (nninit__plan_intern) */
    uint32_t t;              /* tensor (= plan entry) index */
    int32_t src;             /* >= 0: a clone of that tensor: its stream
                                (philox), its values (OP_COPY); -1 otherwise */
    int32_t src_op;          /* OP_COPY: src's last whole op when it runs */
    int32_t blocks;
    unsigned char kind;      /* nninit__op_kind */
    unsigned char explicit_; /* 0: the preset's default (module
                                construction) */
} nninit__op;

#define NNINIT__MAX_OVERLAYS 4

/* The steps that decide a tensor's final bytes under the counter-based
 * generator: the last op covering the whole tensor, then row overlays.
 * Kept up to date as ops are added; with the counter-based generator the
 * steps these replace are dead, and their slots reused. */
typedef struct nninit__final {
    int32_t base;                       /* op index, -1 for copied tensors */
    int32_t over[NNINIT__MAX_OVERLAYS]; /* OP_ROWS after base, in order */
    unsigned char nover;
    unsigned char keras_fans;           /* fans from a Keras-layout view of
                                           the shape (nninit__fan_view) */
} nninit__final;

struct nninit_plan {
    const nninit_model *m;
    nninit_plan_opts o;
    nninit_plan_entry *e;
    nninit__final *f;
    size_t n;
    nninit__op *ops;
    size_t nops, capops;
    size_t *free_ops; /* slots of dead ops (counter-based generator) */
    size_t nfree;
    long last_op; /* the slot add_op filled last */
    /* what entries and ops point at, each stored once: a model of a million
     * alike layers keeps one copy of their texts, initializers and numbers,
     * not a million (shapes: the model's, interned the same way) */
    nninit__strpool strings, specs, resolved;
    size_t *order;
    char (*warn)[320];
    size_t nwarn, capwarn;
    nninit_plan_note *notes; /* texts interned */
    size_t nnotes, capnotes;
    /* muP's base shapes of the entries (interned like the model's shapes) */
    nninit__strpool bases;
    /* while a tied weight gets its owner's defaults: what every step's why
     * begins with ("as lm_head.weight (tied to it): ") */
    const char *why_prefix;
    uint64_t bytes;
    /* --rng torch: each tensor's last op and its last whole-tensor op (-1
     * if none); the first op from which its steps must write its bytes
     * (its last whole op, or earlier when a clone copies it); and the op
     * after which it can be served (its last op, or the last op that
     * copies it) */
    long *final_op, *last_whole, *keep_from, *serve_after;
};

/* Append a step on tensor t (why: printf-style, interned). */
int nninit__plan_op(nninit_plan *p, size_t t, nninit__op_kind kind,
                    int blocks, int64_t r0, int64_t r1,
                    const nninit_spec *spec, int explicit_, nninit_error *err,
                    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 10, 11)))
#endif
    ;

/* A plan warning (one line, printf-style). */
int nninit__plan_warn(nninit_plan *p, nninit_error *err, const char *fmt,
                      ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* A plan note: key and value, then the sentence printf-style; a note with
 * the key of an earlier one replaces it. */
int nninit__plan_note(nninit_plan *p, nninit_error *err, const char *key,
                      const char *value, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Apply the preset's scaling and the model's, in order (scaling.c). */
int nninit__plan_scalings(nninit_plan *p, nninit_error *err);

/* The preset's own scaling, or -1 (plan.c's table of presets). */
int nninit__preset_scaling(nninit_preset preset);

/* The shape op o's spec is drawn over, for a tensor of shape `full` (its
 * own or its muP base shape): a row block, rows, or the whole tensor, with
 * `fans` a whole tensor's fan view (see nninit__fan_view). */
void nninit__op_view(const nninit_plan *p, const nninit__op *o,
                     const nninit_shape *full, int fans, nninit_shape *s,
                     nninit_layout *layout);
/* Op o's spec resolved as it is drawn, on a tensor of shape `full`. */
int nninit__op_resolve(const nninit_plan *p, const nninit__op *o,
                       const nninit_shape *full, nninit_resolved *r,
                       nninit_error *err);

/* Where tensor t's fans come from: its own shape in torch layout, or for
 * Flax's ConvTranspose kernels the (k.., in, out/g) view in Keras layout. */
void nninit__fan_view(const nninit_plan *p, size_t t, nninit_shape *shape,
                      nninit_layout *layout);

/* The plan's copy of text (the one stored already, if any); NULL if out of
 * memory. */
const char *nninit__plan_intern(nninit_plan *p, const char *text);

/* Stream of the row overlay starting at row r0 of a tensor with stream s. */
#define NNINIT__ROWS_TAG UINT64_C(0x524f575300000000) /* "ROWS" */

#endif /* NNINIT_PLAN_INTERNAL_H */
