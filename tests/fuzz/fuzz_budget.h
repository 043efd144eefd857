/*
 * fuzz_budget.h: a memory budget for the fuzz targets, through
 * nninit_allocator. An input of a few hundred bytes may describe a model of
 * a million layers (within nninit's caps), which takes gigabytes; past the
 * budget, allocations fail and the out-of-memory paths run instead.
 */
#ifndef NNINIT_FUZZ_BUDGET_H
#define NNINIT_FUZZ_BUDGET_H

#include "nninit.h"

#include <stdlib.h>

#define FUZZ_BUDGET ((size_t)256 << 20)

typedef struct fuzz_budget {
    size_t used;
} fuzz_budget;

static void *fuzz_alloc(void *ud, size_t n)
{
    fuzz_budget *b = (fuzz_budget *)ud;
    if (n > FUZZ_BUDGET - b->used)
        return NULL;
    size_t *p = (size_t *)malloc(n + 16); /* the size, then the block */
    if (!p)
        return NULL;
    p[0] = n;
    b->used += n;
    return (char *)p + 16;
}

static void fuzz_free(void *ud, void *q)
{
    if (!q)
        return;
    size_t *p = (size_t *)(void *)((char *)q - 16);
    ((fuzz_budget *)ud)->used -= p[0];
    free(p);
}

#endif /* NNINIT_FUZZ_BUDGET_H */
