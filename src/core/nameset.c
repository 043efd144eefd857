/*
 * nameset.c: sets of names with a value each (open addressing), for the
 * readers' duplicate checks, the description loader's anchors and the
 * plan's shared texts, so that a file with a million keys costs a million
 * steps, not a million squared; and the arenas that hold the model's
 * names and, interned, what a plan's tensors and a model's layers share.
 *
 * The hash is keyed by where the set was made: with address-space layout
 * randomization, an input cannot be crafted in advance to make every name
 * collide. Nothing observable depends on the key (only the probe order).
 */
#include "../nninit_internal.h"

#include <stdint.h>
#include <string.h>

static uint64_t hash(const nninit__nameset *s, const char *name)
{
    uint64_t h = 0xcbf29ce484222325ull ^ s->key;
    const unsigned char *p = (const unsigned char *)name;
    if (s->size)
        for (size_t i = 0; i < s->size; i++)
            h = (h ^ p[i]) * 0x100000001b3ull; /* FNV-1a */
    else
        for (; *p; p++)
            h = (h ^ *p) * 0x100000001b3ull;
    h ^= h >> 33; /* spread the high bits into the index */
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}

void nninit__nameset_init(nninit__nameset *s, const nninit_allocator *alloc)
{
    memset(s, 0, sizeof *s);
    s->alloc = alloc;
    s->key = (uint64_t)(uintptr_t)s;
}

void nninit__nameset_init_records(nninit__nameset *s,
                                  const nninit_allocator *alloc, size_t size)
{
    nninit__nameset_init(s, alloc);
    s->size = size;
}

void nninit__nameset_free(nninit__nameset *s)
{
    nninit__free(s->alloc, s->slot);
    s->slot = NULL;
    s->cap = s->n = 0;
}

static nninit__nameslot *find(const nninit__nameset *s, const char *name)
{
    size_t mask = s->cap - 1;
    for (size_t i = hash(s, name) & mask;; i = (i + 1) & mask)
        if (!s->slot[i].name ||
            (s->size ? !memcmp(s->slot[i].name, name, s->size)
                     : !strcmp(s->slot[i].name, name)))
            return &s->slot[i];
}

nninit__nameslot *nninit__nameset_get(const nninit__nameset *s,
                                      const char *name)
{
    if (!s->cap)
        return NULL;
    nninit__nameslot *e = find(s, name);
    return e->name ? e : NULL;
}

int nninit__nameset_put(nninit__nameset *s, const char *name,
                        nninit__nameslot **out)
{
    if ((s->n + 1) * 2 > s->cap) { /* keep the load at most 1/2 */
        size_t nc = s->cap ? s->cap * 2 : 64;
        nninit__nameslot *ns = (nninit__nameslot *)nninit__alloc_array(
            s->alloc, nc, sizeof *ns);
        if (!ns)
            return NNINIT_ENOMEM;
        memset(ns, 0, nc * sizeof *ns);
        nninit__nameset old = *s;
        s->slot = ns;
        s->cap = nc;
        for (size_t i = 0; i < old.cap; i++)
            if (old.slot[i].name)
                *find(s, old.slot[i].name) = old.slot[i];
        nninit__free(s->alloc, old.slot);
    }
    nninit__nameslot *e = find(s, name);
    int fresh = !e->name;
    if (fresh) {
        e->name = name;
        e->value = 0;
        s->n++;
    }
    *out = e;
    return fresh;
}

/* ------------------------------------------------------------------------ */
/* Arenas and string pools                                                  */
/* ------------------------------------------------------------------------ */

struct nninit__arena_block {
    struct nninit__arena_block *next;
    size_t used, cap;
    max_align_t data[]; /* aligned for any record */
};

char *nninit__arena_take(nninit__arena *a, const nninit_allocator *alloc,
                         size_t n)
{
    struct nninit__arena_block *k = a->blocks;
    if (!k || k->cap - k->used < n) {
        size_t cap = n > 65536 - sizeof *k ? n : 65536 - sizeof *k;
        if (cap > SIZE_MAX - sizeof *k)
            return NULL;
        k = (struct nninit__arena_block *)nninit__alloc(alloc, sizeof *k + cap);
        if (!k)
            return NULL;
        k->next = a->blocks;
        k->used = 0;
        k->cap = cap;
        a->blocks = k;
    }
    char *s = (char *)k->data + k->used;
    k->used += n;
    return s;
}

void nninit__arena_free(nninit__arena *a, const nninit_allocator *alloc)
{
    while (a->blocks) {
        struct nninit__arena_block *next = a->blocks->next;
        nninit__free(alloc, a->blocks);
        a->blocks = next;
    }
}

void nninit__strpool_init(nninit__strpool *p, const nninit_allocator *alloc)
{
    memset(p, 0, sizeof *p);
    p->alloc = alloc;
    nninit__nameset_init(&p->set, alloc);
}

void nninit__strpool_init_records(nninit__strpool *p,
                                  const nninit_allocator *alloc, size_t size)
{
    nninit__strpool_init(p, alloc);
    p->set.size = size;
}

void nninit__strpool_free(nninit__strpool *p)
{
    nninit__arena_free(&p->text, p->alloc);
    nninit__nameset_free(&p->set);
}

/* s (a string, or a record of the pool's size) interned. */
static const char *intern(nninit__strpool *p, const char *s)
{
    nninit__nameslot *slot = nninit__nameset_get(&p->set, s);
    if (slot)
        return slot->name;
    size_t n = p->set.size, take = n;
    if (n) /* every take a multiple of the alignment: records stay aligned */
        take = (n + NNINIT__ARENA_ALIGN - 1) / NNINIT__ARENA_ALIGN *
               NNINIT__ARENA_ALIGN;
    else
        take = n = strlen(s) + 1;
    char *copy = nninit__arena_take(&p->text, p->alloc, take);
    if (!copy)
        return NULL;
    memcpy(copy, s, n);
    if (nninit__nameset_put(&p->set, copy, &slot) < 0)
        return NULL; /* the copy stays in the arena, unused */
    return copy;
}

const char *nninit__strpool_intern(nninit__strpool *p, const char *s)
{
    return intern(p, s);
}

const void *nninit__strpool_intern_record(nninit__strpool *p,
                                          const void *rec)
{
    return intern(p, (const char *)rec);
}
