/*
 * init_internal.h: what the table of initializers (spec.c) and the
 * resolvers of each family (resolve.c) share.
 */
#ifndef NNINIT_INIT_INTERNAL_H
#define NNINIT_INIT_INTERNAL_H

#include "../nninit_internal.h"

/* A spec against a shape, as every resolver sees it. The table has already
 * checked the rank, the fans, the required and finite parameters and the
 * enum values; a resolver checks what is particular to its family. */
typedef struct nninit__rctx {
    const nninit_shape *shape;
    nninit_layout layout;
    int nd;
    uint64_t numel;
    double fi, fo; /* fan_in, fan_out (-1 for fewer than 2 dims) */
} nninit__rctx;

typedef int (*nninit__resolve_fn)(const nninit_spec *s, const nninit__rctx *c,
                                  nninit_resolved *r, nninit_error *err);

/* One resolver per family (resolve.c): nninit__resolve_xavier, ... */
#define NNINIT__RESOLVER(family)                                               \
    int nninit__resolve_##family(const nninit_spec *s, const nninit__rctx *c, \
                                 nninit_resolved *r, nninit_error *err)
NNINIT__RESOLVER(constant);
NNINIT__RESOLVER(dist);
NNINIT__RESOLVER(xavier);
NNINIT__RESOLVER(kaiming);
NNINIT__RESOLVER(lecun);
NNINIT__RESOLVER(variance_scaling);
NNINIT__RESOLVER(eye);
NNINIT__RESOLVER(dirac);
NNINIT__RESOLVER(orthogonal);
NNINIT__RESOLVER(delta_orthogonal);
NNINIT__RESOLVER(sparse);
NNINIT__RESOLVER(critical);
NNINIT__RESOLVER(hadamard);

#endif /* NNINIT_INIT_INTERNAL_H */
