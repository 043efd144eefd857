/*
 * writer.c: the one streaming writer beneath the formats. A format
 * describes its output as a layout (files, header bytes, where each
 * tensor's bytes go); this file makes the files: the tensors generated (or
 * copied from a checkpoint) chunk by chunk, a write-behind thread writing
 * one chunk while the next is made, every file under a temporary name
 * until all of them are complete, then renamed, then the index.
 *
 * Several processes (a team: MPI ranks) share the work: with at least as
 * many files as processes, each makes whole files (file k: rank k mod N);
 * otherwise every file is split into N byte ranges at element boundaries,
 * written with positioned writes into one temporary file that rank 0
 * created and named. Either way the bytes are those of one process: every
 * element is a pure function of the seed, the tensor and its index.
 */
#define _POSIX_C_SOURCE 200809L
#include "io_internal.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_CHUNK (16u << 20)

nninit_write_opts nninit_write_opts_default(void)
{
    nninit_write_opts o;
    memset(&o, 0, sizeof o);
    o.fill = nninit_fill_opts_default();
    return o;
}

/* ------------------------------------------------------------------------ */
/* Streaming                                                                */
/* ------------------------------------------------------------------------ */

int nninit__stream_init(nninit__stream *s, const nninit_plan *p,
                        const nninit_write_opts *o, nninit_error *err)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    s->o = o;
    s->err = err;
    s->total = nninit_plan_bytes(p);
    size_t cb = o->chunk_bytes ? o->chunk_bytes : DEFAULT_CHUNK;
    cb = cb < 64 ? 64 : cb / 8 * 8; /* whole elements of every type */
    s->buf_bytes = cb;
    s->buf = nninit__alloc(o->fill.alloc, cb);
    s->buf2 = nninit__alloc(o->fill.alloc, cb);
    if (!s->buf || !s->buf2) {
        nninit__stream_free(s);
        return nninit__fail(err, NNINIT_ENOMEM,
                            "out of memory for a %zu-byte chunk", cb);
    }
    int rc = nninit_producer_new(p, &o->fill, &s->pr, err);
    if (rc)
        nninit__stream_free(s);
    return rc;
}

void nninit__stream_free(nninit__stream *s)
{
    nninit_producer_free(s->pr);
    nninit__free(s->o->fill.alloc, s->buf);
    nninit__free(s->o->fill.alloc, s->buf2);
    s->pr = NULL;
    s->buf = NULL;
    s->buf2 = NULL;
}

int nninit__stream_chunk(nninit__stream *s, size_t i, uint64_t off, size_t n)
{
    return nninit__stream_chunk_into(s, i, off, n, s->buf);
}

int nninit__stream_chunk_into(nninit__stream *s, size_t i, uint64_t off,
                              size_t n, void *dst)
{
    const nninit_plan_entry *e = nninit_plan_get(s->p, i);
    size_t es = nninit_etype_size(e->type);
    int rc;
    NNINIT_ASSERT(n <= s->buf_bytes && off % es == 0 && n % es == 0);
    if (e->generated) {
        rc = nninit_producer_fill(s->pr, i, dst, off / es, (off + n) / es,
                                  s->err);
        nninit_to_little_endian(dst, n / es, es); /* files are little-endian */
    }
    else if (!s->o->source)
        rc = nninit__fail(s->err, NNINIT_EINVAL,
                          "%s is copied from a checkpoint, but none was given",
                          e->name);
    else
        rc = nninit_ckpt_read(s->o->source, e->source_index, off, dst, n,
                              s->err);
    if (rc == NNINIT_OK) {
        s->done += n;
        if (s->o->progress &&
            s->o->progress(s->o->progress_ud, s->done, s->total))
            rc = nninit__fail(s->err, NNINIT_EIO, "interrupted");
    }
    if (rc)
        s->failed = rc;
    return rc;
}

/* Write-behind: one thread writes a chunk while the caller makes the next,
 * so generation overlaps the time write() spends waiting for the disk. The
 * caller alternates two buffers; submitting waits for the previous write,
 * so the buffer it is about to refill is free. Writes keep their order. */
typedef struct wbehind {
    nninit_ofile *f;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const void *data;
    size_t n;
    int busy, stop, rc, started;
    nninit_error err;
} wbehind;

static void *wb_main(void *arg)
{
    wbehind *w = (wbehind *)arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->busy && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->busy)
            break;
        const void *d = w->data;
        size_t n = w->n;
        pthread_mutex_unlock(&w->mu);
        nninit_error e;
        int rc = w->rc ? w->rc : nninit_ofile_write(w->f, d, n, &e);
        pthread_mutex_lock(&w->mu);
        if (rc && !w->rc) {
            w->rc = rc;
            w->err = e;
        }
        w->busy = 0;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void wb_init(wbehind *w, nninit_ofile *f)
{
    memset(w, 0, sizeof *w);
    w->f = f;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->started = pthread_create(&w->th, NULL, wb_main, w) == 0;
}

/* Wait until nothing is in flight; the first write error, if any. */
static int wb_drain(wbehind *w, nninit_error *err)
{
    pthread_mutex_lock(&w->mu);
    while (w->busy)
        pthread_cond_wait(&w->cv, &w->mu);
    int rc = w->rc;
    if (rc && err)
        *err = w->err;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

/* Queue data (which must stay untouched until the next wb_* call). */
static int wb_write(wbehind *w, const void *data, size_t n, nninit_error *err)
{
    if (!w->started) /* no thread: write in line */
        return nninit_ofile_write(w->f, data, n, err);
    int rc = wb_drain(w, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&w->mu);
    w->data = data;
    w->n = n;
    w->busy = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return NNINIT_OK;
}

static int wb_finish(wbehind *w, nninit_error *err)
{
    int rc = w->started ? wb_drain(w, err) : NNINIT_OK;
    if (w->started) {
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->th, NULL);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    return rc;
}

/* Bytes [off, end) of entry i through the write-behind thread,
 * alternating buffers; *k counts chunks across entries. */
static int stream_entry(nninit__stream *s, wbehind *w, size_t i, uint64_t off,
                        uint64_t end, unsigned *k)
{
    int rc = NNINIT_OK;
    while (off < end && rc == NNINIT_OK) {
        uint64_t left = end - off;
        size_t n = left < s->buf_bytes ? (size_t)left : s->buf_bytes;
        void *dst = (*k)++ % 2 ? s->buf2 : s->buf;
        if ((rc = nninit__stream_chunk_into(s, i, off, n, dst)) == NNINIT_OK)
            rc = wb_write(w, dst, n, s->err);
        off += n;
    }
    return rc;
}

static int write_zeros(wbehind *w, size_t n, nninit_error *err)
{
    static const char z[64];
    NNINIT_ASSERT(n <= sizeof z);
    return wb_write(w, z, n, err);
}

/* ------------------------------------------------------------------------ */
/* Headers: a growable buffer, metadata, JSON text                          */
/* ------------------------------------------------------------------------ */

/* NNINIT_BYTES_VERSION as text */
#define NNINIT__TEXT(x) #x
#define NNINIT__TEXT_OF(x) NNINIT__TEXT(x)
static const char bytes_version[] = NNINIT__TEXT_OF(NNINIT_BYTES_VERSION);

size_t nninit__plan_meta(const nninit_plan *p, nninit__meta *m,
                         char seed[32])
{
    const nninit_plan_opts *o = nninit_plan_options(p);
    const char *name = nninit_model_name(nninit_plan_model(p));
    size_t n = 0;
    snprintf(seed, 32, "%llu", (unsigned long long)o->seed);
    m[n++] = (nninit__meta){"nninit.version", nninit_version()};
    m[n++] = (nninit__meta){"nninit.bytes_version", bytes_version};
    m[n++] = (nninit__meta){"nninit.preset", nninit_preset_name(o->preset)};
    m[n++] = (nninit__meta){"nninit.rng", nninit_rng_kind_name(o->rng)};
    m[n++] = (nninit__meta){"nninit.seed", seed};
    if (name[0])
        m[n++] = (nninit__meta){"nninit.model", name};
    return n;
}

void nninit__gput(nninit__gbuf *g, const void *d, size_t n)
{
    if (g->oom || n == 0)
        return;
    if (n > g->cap - g->n) {
        size_t nc = g->cap ? g->cap : 4096;
        while (nc - g->n < n)
            nc *= 2;
        unsigned char *nb = (unsigned char *)nninit__alloc(g->a, nc);
        if (!nb) {
            g->oom = 1;
            return;
        }
        if (g->n)
            memcpy(nb, g->b, g->n);
        nninit__free(g->a, g->b);
        g->b = nb;
        g->cap = nc;
    }
    memcpy(g->b + g->n, d, n);
    g->n += n;
}

void nninit__gtext(nninit__gbuf *g, const char *s)
{
    nninit__gput(g, s, strlen(s));
}

void nninit__gu32(nninit__gbuf *g, uint32_t v)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    nninit__gput(g, b, 4);
}

void nninit__gu64(nninit__gbuf *g, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    nninit__gput(g, b, 8);
}

void nninit__gfree(nninit__gbuf *g)
{
    nninit__free(g->a, g->b);
    g->b = NULL;
    g->n = g->cap = 0;
}

int nninit__gjson_str(nninit__gbuf *g, const char *s)
{
    json_t *j = json_string(s);
    char *t = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    json_decref(j);
    if (!t)
        return -1;
    nninit__gtext(g, t);
    free(t); /* jansson's */
    return 0;
}

int nninit__gjson_pair(nninit__gbuf *g, const char *key, const char *val,
                       int first)
{
    if (!first)
        nninit__gput(g, ",", 1);
    if (nninit__gjson_str(g, key))
        return -1;
    nninit__gput(g, ":", 1);
    return nninit__gjson_str(g, val);
}

int nninit__gjson_notes(nninit__gbuf *g, const nninit_plan *p)
{
    char key[NNINIT_NAME_MAX + 32];
    int bad = 0;
    for (size_t i = 0; i < nninit_plan_note_count(p); i++) {
        const nninit_plan_note *note = nninit_plan_note_get(p, i);
        snprintf(key, sizeof key, "nninit.%s", note->key);
        bad |= nninit__gjson_pair(g, key, note->value, 0);
    }
    return bad;
}

char *nninit__meta_json(const nninit__meta *m, size_t n,
                        const nninit_plan *p, const nninit_allocator *a)
{
    nninit__gbuf g = {NULL, 0, 0, 0, a};
    nninit__gput(&g, "{", 1);
    for (size_t i = 0; i < n; i++)
        if (nninit__gjson_pair(&g, m[i].key, m[i].val, i == 0))
            g.oom = 1;
    if (n && nninit__gjson_notes(&g, p))
        g.oom = 1;
    nninit__gput(&g, "}", 2); /* with the NUL */
    if (g.oom)
        nninit__gfree(&g);
    return (char *)g.b;
}


/* ------------------------------------------------------------------------ */
/* Layouts                                                                  */
/* ------------------------------------------------------------------------ */

int nninit__layout_groups(const nninit__layout *L, uint64_t max_bytes,
                          unsigned align, size_t **pos, size_t **start,
                          size_t *ng, nninit_error *err)
{
    size_t n = nninit_plan_size(L->p), g = 0, np = 0;
    *pos = (size_t *)nninit__alloc_array(L->a, n ? n : 1, sizeof **pos);
    *start = (size_t *)nninit__alloc_array(L->a, n ? n : 1, sizeof **start);
    /* huggingface_hub: the shard being filled, as plan-order positions */
    size_t *cur = (size_t *)nninit__alloc_array(L->a, n ? n : 1, sizeof *cur);
    if (!*pos || !*start || !cur) {
        nninit__free(L->a, *pos);
        nninit__free(L->a, *start);
        nninit__free(L->a, cur);
        *pos = *start = NULL;
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    size_t nc = 0;
    uint64_t size = 0;
    for (size_t k = 0; k < n; k++) {
        uint64_t b = nninit_plan_get(L->p, nninit_plan_order(L->p, k))->nbytes;
        if (align) /* llama.cpp counts each tensor padded */
            b = (b + align - 1) / align * align;
        if (!max_bytes) {
            cur[nc++] = k;
            continue;
        }
        if (!align && b > max_bytes) { /* alone, at once */
            (*start)[g++] = np;
            (*pos)[np++] = k;
            continue;
        }
        if (nc && b > max_bytes - (size < max_bytes ? size : max_bytes)) {
            (*start)[g++] = np;
            memcpy(*pos + np, cur, nc * sizeof *cur);
            np += nc;
            nc = 0;
            size = 0;
        }
        cur[nc++] = k;
        size += b;
    }
    if (nc || g == 0) {
        (*start)[g++] = np;
        memcpy(*pos + np, cur, nc * sizeof *cur);
        np += nc;
    }
    nninit__free(L->a, cur);
    *ng = g;
    return NNINIT_OK;
}

int nninit__layout_alloc(nninit__layout *L, size_t nf, size_t nt,
                         nninit_error *err)
{
    L->f = (nninit__lay_file *)nninit__alloc_array(L->a, nf ? nf : 1,
                                                   sizeof *L->f);
    L->t = (nninit__lay_tensor *)nninit__alloc_array(L->a, nt ? nt : 1,
                                                     sizeof *L->t);
    if (!L->f || !L->t) {
        nninit__free(L->a, L->f);
        nninit__free(L->a, L->t);
        L->f = NULL;
        L->t = NULL;
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    memset(L->f, 0, (nf ? nf : 1) * sizeof *L->f);
    memset(L->t, 0, (nt ? nt : 1) * sizeof *L->t);
    for (size_t i = 0; i < nf; i++)
        L->f[i].head.a = L->f[i].tail.a = L->a;
    L->nf = nf;
    L->nt = nt;
    return NNINIT_OK;
}

char *nninit__shard_name(const nninit_allocator *a, const char *path,
                         const char *ext, size_t k, size_t n)
{
    size_t pl = strlen(path), el = ext ? strlen(ext) : 0;
    size_t stem = ext && pl > el && !strcmp(path + pl - el, ext) ? pl - el
                                                                  : pl;
    size_t size = pl + el + 64;
    char *s = (char *)nninit__alloc(a, size);
    if (!s)
        return NULL;
    if (!ext)
        memcpy(s, path, pl + 1);
    else
        snprintf(s, size, "%.*s-%05zu-of-%05zu%s", (int)stem, path, k + 1, n,
                 ext);
    return s;
}

void nninit__layout_free(nninit__layout *L)
{
    for (size_t i = 0; L->f && i < L->nf; i++) {
        nninit__free(L->a, L->f[i].path);
        nninit__gfree(&L->f[i].head);
        nninit__gfree(&L->f[i].tail);
    }
    nninit__free(L->a, L->f);
    nninit__free(L->a, L->t);
    nninit__free(L->a, L->index_path);
    nninit__gfree(&L->index);
    memset(L, 0, sizeof *L);
}

/* ------------------------------------------------------------------------ */
/* Teams                                                                    */
/* ------------------------------------------------------------------------ */

static int team_size(const nninit_team *t) { return t && t->size > 1 ? t->size : 1; }
static int team_rank(const nninit_team *t) { return team_size(t) > 1 ? t->rank : 0; }

/* Every process's status in, the lowest failing rank (or -1) out; alone:
 * this process's. A status that another process failed is NNINIT_EIO. */
static int team_agree(const nninit_team *t, int rc, nninit_error *err)
{
    if (team_size(t) == 1)
        return rc;
    int bad = t->agree(t->ud, rc);
    if (bad < 0 || rc)
        return rc;
    return nninit__fail(err, NNINIT_EIO, "process %d of %d failed", bad,
                        t->size);
}

int nninit__team_fail(const nninit_team *team, int rc, nninit_error *err)
{
    nninit_error e;
    if (team_size(team) > 1)
        (void)team_agree(team, rc, &e);
    (void)err;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Making a layout's files                                                  */
/* ------------------------------------------------------------------------ */

enum { ROLE_NONE = 0, ROLE_OWNER, ROLE_JOIN };

typedef struct out_file {
    nninit_ofile f;
    int role, open, committed;
    char *final; /* the name the commit renamed onto (owned) */
    uint64_t lo, hi; /* the bytes this process writes */
} out_file;

static uint64_t header_bytes(const nninit__lay_file *f)
{
    return f->head.n + f->src_bytes + f->tail.n;
}

/* The first byte at or after `at` where a range may begin: in a tensor,
 * on an element boundary (a chunk is whole elements). */
static uint64_t split_point(const nninit__layout *L, const nninit__lay_file *f,
                            uint64_t at)
{
    if (at <= header_bytes(f))
        return header_bytes(f);
    for (size_t k = f->first; k < f->first + f->count; k++) {
        const nninit__lay_tensor *t = &L->t[k];
        const nninit_plan_entry *e = nninit_plan_get(L->p, t->entry);
        if (at < t->offset + e->nbytes) {
            size_t es = nninit_etype_size(e->type);
            uint64_t off = at - t->offset;
            return t->offset + (off + es - 1) / es * es;
        }
    }
    return at > f->size ? f->size : at;
}

/* Bytes [lo, hi) of file f into o: the header (only ever whole, by the
 * process whose range begins at 0), tensors and their padding. */
static int write_range(const nninit__layout *L, const nninit__lay_file *f,
                       nninit_ofile *o, nninit__stream *s, uint64_t lo,
                       uint64_t hi, nninit_error *err)
{
    int rc = NNINIT_OK;
    if (lo >= hi)
        return NNINIT_OK;
    if (lo == 0) {
        rc = nninit_ofile_write(o, f->head.b, f->head.n, err);
        if (!rc && f->src_bytes)
            rc = L->copy_src(L, o, s->buf, s->buf_bytes, err);
        if (!rc)
            rc = nninit_ofile_write(o, f->tail.b, f->tail.n, err);
    } else {
        rc = nninit_ofile_seek(o, lo, err);
    }
    wbehind w;
    wb_init(&w, o);
    unsigned chunks = 0;
    for (size_t k = f->first; !rc && k < f->first + f->count; k++) {
        const nninit__lay_tensor *t = &L->t[k];
        uint64_t nb = nninit_plan_get(L->p, t->entry)->nbytes;
        uint64_t b = t->offset, e = t->offset + nb;
        if (e > lo && b < hi)
            rc = stream_entry(s, &w, t->entry, (lo > b ? lo : b) - b,
                              (hi < e ? hi : e) - b, &chunks);
        uint64_t pb = e > lo ? e : lo, pe = e + t->pad < hi ? e + t->pad : hi;
        if (!rc && pe > pb)
            rc = write_zeros(&w, (size_t)(pe - pb), err);
    }
    int rc2 = wb_finish(&w, err);
    return rc ? rc : rc2;
}

/* The temporary name rank 0 gives every process (ranges mode). */
#define NAME_BYTES 4096

static int open_outputs(nninit__layout *L, out_file *of, int ranges,
                        nninit_error *err)
{
    const nninit_team *team = L->o->team;
    int rank = team_rank(team), size = team_size(team), rc = NNINIT_OK;
    for (size_t k = 0; k < L->nf && rc == NNINIT_OK; k++) {
        out_file *o = &of[k];
        if (!ranges) {
            o->role = (int)(k % (size_t)size) == rank ? ROLE_OWNER : ROLE_NONE;
            o->lo = 0;
            o->hi = L->f[k].size;
        } else {
            o->role = rank == 0 ? ROLE_OWNER : ROLE_JOIN;
            uint64_t S = L->f[k].size;
            o->lo = rank == 0 ? 0
                              : split_point(L, &L->f[k],
                                            S / (uint64_t)size * (uint64_t)rank);
            o->hi = rank + 1 == size
                        ? S
                        : split_point(L, &L->f[k], S / (uint64_t)size *
                                                       (uint64_t)(rank + 1));
            if (o->hi < o->lo)
                o->hi = o->lo;
        }
        if (o->role != ROLE_OWNER)
            continue;
        rc = ranges ? nninit__ofile_open_named(&o->f, L->f[k].path, L->a, err)
                    : nninit__ofile_open(&o->f, L->f[k].path, L->a, err);
        if (rc)
            break;
        o->open = 1;
        rc = nninit_ofile_reserve(&o->f, L->f[k].size, err);
    }
    /* the first collective step: everyone opened (or someone failed) */
    if ((rc = team_agree(team, rc, err)) || !ranges)
        return rc;
    char *name = (char *)nninit__alloc(L->a, NAME_BYTES);
    if (!name)
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (size_t k = 0; k < L->nf; k++) {
        int bad = !name;
        if (name) {
            memset(name, 0, NAME_BYTES);
            if (rank == 0 && (bad = strlen(of[k].f.tmp_path) >= NAME_BYTES) ==
                                 0)
                memcpy(name, of[k].f.tmp_path, strlen(of[k].f.tmp_path));
        }
        /* every process reaches the same broadcasts */
        if (team->bcast(team->ud, name ? name : (char[NAME_BYTES]){0},
                        NAME_BYTES) ||
            bad) {
            if (!rc)
                rc = nninit__fail(err, NNINIT_EIO,
                                  "cannot share the temporary file's name");
            continue;
        }
        if (!rc && rank != 0) {
            rc = nninit__ofile_join(&of[k].f, L->f[k].path, name, L->a, err);
            of[k].open = rc == NNINIT_OK;
        }
    }
    nninit__free(L->a, name);
    return team_agree(team, rc, err);
}

static void abort_outputs(nninit__layout *L, out_file *of)
{
    for (size_t k = 0; k < L->nf; k++) {
        if (of[k].open)
            nninit_ofile_abort(&of[k].f);
        of[k].open = 0;
        if (of[k].committed && of[k].final)
            unlink(of[k].final); /* this run's file, under an output name */
        of[k].committed = 0;
    }
}

/* Commit the files of `role`. */
static int commit_outputs(nninit__layout *L, out_file *of, int role,
                          nninit_error *err)
{
    int rc = NNINIT_OK;
    for (size_t k = 0; k < L->nf; k++) {
        out_file *o = &of[k];
        if (!o->open || o->role != role)
            continue;
        if (role == ROLE_OWNER && !rc && o->f.target) { /* not a device */
            const char *t = o->f.target;
            size_t n = strlen(t) + 1;
            if ((o->final = (char *)nninit__alloc(L->a, n)))
                memcpy(o->final, t, n);
            else
                rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        }
        if (rc) {
            nninit_ofile_abort(&o->f);
        } else {
            rc = nninit_ofile_commit(&o->f, err);
            o->committed = rc == NNINIT_OK && role == ROLE_OWNER &&
                           !o->f.through;
        }
        o->open = 0;
    }
    return rc;
}

static int write_index(nninit__layout *L, nninit_error *err)
{
    nninit_ofile f;
    int rc = nninit__ofile_open(&f, L->index_path, L->a, err);
    if (rc)
        return rc;
    if ((rc = nninit_ofile_write(&f, L->index.b, L->index.n, err)))
        nninit_ofile_abort(&f);
    else
        rc = nninit_ofile_commit(&f, err);
    return rc;
}

int nninit__layout_write(nninit__layout *L, nninit_error *err)
{
    const nninit_team *team = L->o->team;
    int size = team_size(team), rank = team_rank(team);
    int ranges = size > 1 && L->nf < (size_t)size, rc = NNINIT_OK;
    out_file *of = (out_file *)nninit__alloc_array(L->a, L->nf ? L->nf : 1,
                                                   sizeof *of);
    nninit__stream s;
    int have_stream = 0;
    if (!of)
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    else
        memset(of, 0, (L->nf ? L->nf : 1) * sizeof *of);
    if (!rc && size > 1 &&
        nninit_plan_options(L->p)->rng == NNINIT_RNG_TORCH)
        rc = nninit__fail(err, NNINIT_EINVAL,
                          "--rng torch draws every tensor from one sequential "
                          "generator: it runs in one process only");
    if (!rc && (rc = nninit__stream_init(&s, L->p, L->o, err)) == NNINIT_OK)
        have_stream = 1;
    if (rc) {
        rc = nninit__team_fail(team, rc, err);
    } else if ((rc = open_outputs(L, of, ranges, err)) == NNINIT_OK) {
        for (size_t k = 0; k < L->nf && !rc; k++)
            if (of[k].open)
                rc = write_range(L, &L->f[k], &of[k].f, &s, of[k].lo,
                                 of[k].hi, err);
        /* everything written; the joiners' bytes on disk before rank 0
         * renames; then the renames; then the index */
        if (!(rc = team_agree(team, rc, err)))
            rc = team_agree(team, commit_outputs(L, of, ROLE_JOIN, err), err);
        if (!rc)
            rc = team_agree(team, commit_outputs(L, of, ROLE_OWNER, err), err);
        if (!rc && L->index_path)
            rc = team_agree(team, rank == 0 ? write_index(L, err) : NNINIT_OK,
                            err);
    }
    if (of) {
        if (rc)
            abort_outputs(L, of);
        for (size_t k = 0; k < L->nf; k++)
            nninit__free(L->a, of[k].final);
    }
    nninit__free(L->a, of);
    if (have_stream)
        nninit__stream_free(&s);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* A format that writes itself                                              */
/* ------------------------------------------------------------------------ */

int nninit__write_whole(const nninit_plan *p, const char *path,
                        const nninit_write_opts *o,
                        int (*write)(const nninit_plan *, nninit_ofile *,
                                     nninit__stream *, nninit_error *),
                        nninit_error *err)
{
    nninit__stream s;
    nninit_ofile f;
    int rc = NNINIT_OK, opened = 0;
    if (team_rank(o->team) == 0 &&
        (rc = nninit__stream_init(&s, p, o, err)) == NNINIT_OK) {
        if ((rc = nninit__ofile_open(&f, path, o->fill.alloc, err)) ==
            NNINIT_OK) {
            opened = 1;
            /* libzip seeks back to fill in each member's header */
            if (!nninit__ofile_seekable(&f))
                rc = nninit__fail(err, NNINIT_EINVAL,
                                  "'%s' is a pipe, and an .npz archive must "
                                  "be written to a file (write safetensors "
                                  "or gguf to a pipe)", f.path);
            else
                rc = write(p, &f, &s, err);
        }
        nninit__stream_free(&s);
    }
    rc = team_agree(o->team, rc, err);
    if (opened) {
        if (rc)
            nninit_ofile_abort(&f);
        else
            rc = team_agree(o->team, nninit_ofile_commit(&f, err), err);
    } else if (!rc) {
        rc = team_agree(o->team, NNINIT_OK, err);
    }
    return rc;
}
