/*
 * nninit_internal.h: declarations shared by the library's own files only.
 * Internal non-static symbols are named nninit__*.
 */
#ifndef NNINIT_INTERNAL_H
#define NNINIT_INTERNAL_H

#include "nninit.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Format a one-line message into err (if not NULL) and return status. */
int nninit__fail(nninit_error *err, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Allocation through an optional allocator (NULL: malloc/free). */
void *nninit__alloc(const nninit_allocator *a, size_t size);
void nninit__free(const nninit_allocator *a, void *p);
/* count * elem bytes; NULL (without calling the allocator) if the product
 * does not fit in a size_t. */
void *nninit__alloc_array(const nninit_allocator *a, uint64_t count,
                          size_t elem);
/* *sum += n, or -1 (sum unchanged) if the total would pass
 * NNINIT_MAX_BYTES. */
int nninit__bytes_add(uint64_t *sum, uint64_t n);
/* The same for large scratch buffers that are written whole soon after:
 * with the default allocator, backed by huge pages where the system allows
 * (workspace.c says why). Freed with nninit__free. */
void *nninit__alloc_big(const nninit_allocator *a, size_t size);

/* The name column of a two-column X-macro table, XX(ENUM, "name"):
 * static const char *const names[] = {NNINIT_KIND_MAP(NNINIT__XNAME)}; */
#define NNINIT__XNAME(name, str) str,

/* The _parse and _name functions of a named enum, from its nninit_names
 * table: NNINIT__NAMED_ENUM(nninit_layout, nninit_layout, layout_table)
 * defines nninit_layout_parse and nninit_layout_name. */
#define NNINIT__ENUM_PARSE(fn, type, table)                                    \
    int fn##_parse(const char *name, type *out, nninit_error *err)             \
    {                                                                          \
        int v_;                                                                \
        int rc_ = nninit_names_parse(&(table), name, &v_, err);                \
        if (rc_ == NNINIT_OK)                                                  \
            *out = (type)v_;                                                   \
        return rc_;                                                            \
    }
#define NNINIT__NAMED_ENUM(fn, type, table)                                    \
    NNINIT__ENUM_PARSE(fn, type, table)                                        \
    const char *fn##_name(type v) { return nninit_names_name(&(table), (int)v); }

/* A set of names (owned by the caller, never moved while in the set), each
 * with a value: insertion and lookup in constant expected time. A set made
 * with nninit__nameset_init_records holds records of a fixed size instead
 * (compared byte for byte). */
typedef struct nninit__nameslot {
    const char *name; /* NULL: empty */
    uint64_t value;
} nninit__nameslot;

typedef struct nninit__nameset {
    nninit__nameslot *slot;
    size_t cap, n;
    size_t size; /* 0: NUL-terminated names; else records of this size */
    uint64_t key;
    const nninit_allocator *alloc;
} nninit__nameset;

void nninit__nameset_init(nninit__nameset *s, const nninit_allocator *alloc);
void nninit__nameset_init_records(nninit__nameset *s,
                                  const nninit_allocator *alloc, size_t size);
void nninit__nameset_free(nninit__nameset *s);
/* Add name (value 0) or find it: 1 if it was added, 0 if it was there,
 * NNINIT_ENOMEM. *out is its slot (valid until the next put). */
int nninit__nameset_put(nninit__nameset *s, const char *name,
                        nninit__nameslot **out);
/* Its slot, or NULL. */
nninit__nameslot *nninit__nameset_get(const nninit__nameset *s,
                                      const char *name);

/* Memory for many small strings and records, freed all at once: blocks of
 * 64 KB. */
typedef struct nninit__arena {
    struct nninit__arena_block *blocks;
} nninit__arena;

/* n bytes from the arena; NULL if out of memory. Aligned for any type when
 * every earlier take from this arena was a multiple of
 * NNINIT__ARENA_ALIGN bytes (a record pool's are). */
#define NNINIT__ARENA_ALIGN _Alignof(max_align_t)
char *nninit__arena_take(nninit__arena *a, const nninit_allocator *alloc,
                         size_t n);
void nninit__arena_free(nninit__arena *a, const nninit_allocator *alloc);

/* Strings, or records of one fixed size, kept once each (interned) in an
 * arena: what many tensors of a plan or layers of a model share (texts,
 * initializers, shapes, constructor arguments) is stored once. The pool
 * must not move while in use (its set's hash is keyed by its address). */
typedef struct nninit__strpool {
    nninit__nameset set;
    nninit__arena text;
    const nninit_allocator *alloc;
} nninit__strpool;

void nninit__strpool_init(nninit__strpool *p, const nninit_allocator *alloc);
/* A pool of records of `size` bytes (nninit__strpool_intern_record). */
void nninit__strpool_init_records(nninit__strpool *p,
                                  const nninit_allocator *alloc, size_t size);
void nninit__strpool_free(nninit__strpool *p);
/* The pooled copy of s (the same pointer for equal strings); NULL if out
 * of memory. */
const char *nninit__strpool_intern(nninit__strpool *p, const char *s);
/* The pooled copy of the record at rec (the same pointer for records equal
 * byte for byte, padding included: records that differ only there are
 * kept twice, which costs memory, never correctness); NULL if out of
 * memory. */
const void *nninit__strpool_intern_record(nninit__strpool *p,
                                          const void *rec);

/* *s with its padding zero: its kind and every parameter of the table of
 * initializers copied byte for byte into zeroed memory, so that equal specs
 * are equal bytes (nninit__strpool_intern_record). */
void nninit__spec_canonical(const nninit_spec *s, nninit_spec *out);

/* The character starting at s, as people should read it in a message:
 * printable ASCII as itself, a whole UTF-8 sequence as that character,
 * anything else as \xNN. */
void nninit__char_at(const char *s, char out[8]);

/* Case-sensitive lookup of `name` in a NULL-terminated table; -1 if absent. */
int nninit__lookup(const char *const *table, const char *name);

/* 1 if x is finite. */
int nninit__finite(double x);

/* A fill uses at most one thread per this many elements: below it, starting
 * a thread costs more than it saves. */
#define NNINIT__MIN_PER_THREAD (1u << 18)

/* Threads to use for a request (<= 0: online CPUs), capped at 256. */
#define NNINIT__MAX_THREADS 256
int nninit__resolve_threads(int requested);

/* Run fn(ctx, task, worker) for task = 0 .. ntasks-1 on up to `threads`
 * threads (the caller's included, as worker 0; workers are numbered
 * 0 .. threads-1). Tasks are handed out in any order to any worker: each
 * must depend on its number only, so results never depend on the thread
 * count. Never allocates; a thread that fails to start leaves its tasks to
 * the others. */
void nninit__parallel_for(int threads, uint64_t ntasks,
                          void (*fn)(void *ctx, uint64_t task, int worker),
                          void *ctx);

/* The orthogonal core: Q (M x N, M >= N, column-major, leading dim M) with
 * orthonormal columns, Haar-distributed (Mezzadri's sign correction), drawn
 * from (opts->seed, opts->stream). No gain. Q must hold M*N values. The
 * f32 version computes in float (orthogonal.c says why), the other in
 * double; both start from the same Gaussians. */
int nninit__orthogonal_colmajor(double *q, int64_t m, int64_t n,
                                const nninit_fill_opts *opts,
                                nninit_error *err);
int nninit__orthogonal_colmajor_f32(float *q, int64_t m, int64_t n,
                                    const nninit_fill_opts *opts,
                                    nninit_error *err);

/* The standard normal CDF, from exactly rounded operations only (the same
 * bytes on every machine; sample.c says why), about 1e-15 relative. */
double nninit__normal_cdf(double x);

/* Broken internal invariants (never user input) abort, as ggml's GGML_ASSERT. */
#define NNINIT_ASSERT(x)                                                       \
    do {                                                                       \
        if (!(x))                                                              \
            nninit__assert_fail(#x, __FILE__, __LINE__);                       \
    } while (0)
void nninit__assert_fail(const char *expr, const char *file, int line);

/* f32 -> bf16, round to nearest even, NaN kept quiet: inline, so that the
 * fill kernels' conversion loops vectorize (nninit_f32_to_bf16 is this). */
static inline uint16_t nninit__f32_to_bf16(float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

#endif /* NNINIT_INTERNAL_H */
