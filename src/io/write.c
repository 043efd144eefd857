/*
 * write.c: writing a plan's tensors as safetensors or GGUF (npz in npz.c),
 * streamed chunk by chunk through an atomic output file.
 *
 * Everything that can be refused is refused before the output is opened:
 * a format that cannot hold a tensor (bf16 in npz, 5-D or long names in
 * GGUF), a name JSON cannot encode. The file's size is known up front, so
 * it is reserved first: a disk that is too small fails in milliseconds, not
 * after gigabytes.
 */
#include "io_internal.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CHUNK (16u << 20)
#define GGUF_ALIGN 32

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

/* All of entry i through the write-behind thread, alternating buffers;
 * *k counts chunks across entries. */
static int stream_entry(nninit__stream *s, wbehind *w, size_t i, unsigned *k)
{
    const nninit_plan_entry *e = nninit_plan_get(s->p, i);
    int rc = NNINIT_OK;
    for (uint64_t off = 0; off < e->nbytes && rc == NNINIT_OK;) {
        uint64_t left = e->nbytes - off;
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
    static const char z[GGUF_ALIGN];
    return wb_write(w, z, n, err);
}

/* ------------------------------------------------------------------------ */
/* Headers: a growable buffer, metadata, JSON text                          */
/* ------------------------------------------------------------------------ */

/* A growable byte buffer (the GGUF header, the safetensors JSON); after a
 * failed allocation it only records the failure. */
typedef struct gbuf {
    unsigned char *b;
    size_t n, cap;
    int oom;
    const nninit_allocator *a;
} gbuf;

static void g_put(gbuf *g, const void *d, size_t n)
{
    if (g->oom)
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

static void g_text(gbuf *g, const char *s) { g_put(g, s, strlen(s)); }

static void g_free(gbuf *g)
{
    nninit__free(g->a, g->b);
    g->b = NULL;
    g->n = g->cap = 0;
}

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

/* s as JSON, encoded by jansson (its escaping); -1 if s is not UTF-8. */
static int j_str(gbuf *g, const char *s)
{
    json_t *j = json_string(s);
    char *t = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    json_decref(j);
    if (!t)
        return -1;
    g_text(g, t);
    free(t); /* jansson's */
    return 0;
}

/* "key":"value" (after a comma unless first). */
static int j_pair(gbuf *g, const char *key, const char *val, int first)
{
    if (!first)
        g_put(g, ",", 1);
    if (j_str(g, key))
        return -1;
    g_put(g, ":", 1);
    return j_str(g, val);
}

/* The plan's notes, what its schemes need beyond the weights (DeepNet's
 * alpha, muP's multipliers, ties), as "nninit.KEY" pairs after others. */
static int j_notes(gbuf *g, const nninit_plan *p)
{
    char key[NNINIT_NAME_MAX + 32];
    int bad = 0;
    for (size_t i = 0; i < nninit_plan_note_count(p); i++) {
        const nninit_plan_note *note = nninit_plan_note_get(p, i);
        snprintf(key, sizeof key, "nninit.%s", note->key);
        bad |= j_pair(g, key, note->value, 0);
    }
    return bad;
}

char *nninit__meta_json(const nninit__meta *m, size_t n,
                        const nninit_plan *p, const nninit_allocator *a)
{
    gbuf g = {NULL, 0, 0, 0, a};
    g_put(&g, "{", 1);
    for (size_t i = 0; i < n; i++)
        if (j_pair(&g, m[i].key, m[i].val, i == 0))
            g.oom = 1;
    if (n && j_notes(&g, p))
        g.oom = 1;
    g_put(&g, "}", 2); /* with the NUL */
    if (g.oom)
        g_free(&g);
    return (char *)g.b;
}

/* ------------------------------------------------------------------------ */
/* safetensors                                                              */
/* ------------------------------------------------------------------------ */

/* The header JSON (unpadded), in nninit_plan_order: written as text, each
 * string encoded by jansson, so a model of a million tensors needs no
 * million JSON objects. The bytes are jansson's compact dump of the same
 * object, keys in insertion order. */
static int st_header(const nninit_plan *p, const nninit_ckpt *src, gbuf *g,
                     nninit_error *err)
{
    nninit__meta meta[NNINIT__META_MAX];
    char seed[32];
    size_t nmeta = nninit__plan_meta(p, meta, seed);
    int bad = 0, first = 1;
    g_put(g, "{\"__metadata__\":{", 17);
    /* the source's metadata, without an older nninit record; "format":
     * "pt" so that transformers accepts the file */
    int has_format = 0;
    if (src && src->fmt == NNINIT_FORMAT_SAFETENSORS)
        for (size_t i = 0; i < src->nmeta; i++) {
            if (!strncmp(src->meta_key[i], "nninit.", 7))
                continue;
            has_format |= !strcmp(src->meta_key[i], "format");
            bad |= j_pair(g, src->meta_key[i], src->meta_val[i], first);
            first = 0;
        }
    if (!has_format) {
        bad |= j_pair(g, "format", "pt", first);
        first = 0;
    }
    for (size_t i = 0; i < nmeta; i++)
        bad |= j_pair(g, meta[i].key, meta[i].val, 0);
    bad |= j_notes(g, p);
    char key[NNINIT_NAME_MAX + 32];
    for (size_t i = 0; i < nninit_plan_size(p); i++) {
        const nninit_plan_entry *e = nninit_plan_get(p, i);
        snprintf(key, sizeof key, "nninit.scheme.%s", e->name);
        if (j_pair(g, key, e->init, 0))
            return nninit__fail(err, NNINIT_EINVAL,
                                "tensor name '%s' is not valid UTF-8",
                                e->name);
    }
    if (bad) /* read from a safetensors file, so once valid */
        return nninit__fail(err, NNINIT_EINVAL,
                            "the source's metadata is not valid UTF-8");
    g_put(g, "}", 1);
    uint64_t at = 0;
    for (size_t k = 0; k < nninit_plan_size(p); k++) {
        const nninit_plan_entry *e = nninit_plan_get(p, nninit_plan_order(p, k));
        char num[64];
        g_put(g, ",", 1);
        if (!strcmp(e->name, "__metadata__") || j_str(g, e->name))
            return nninit__fail(err, NNINIT_EINVAL,
                                "tensor name '%s' is not valid UTF-8 (or "
                                "clashes with __metadata__)", e->name);
        g_text(g, ":{\"dtype\":");
        j_str(g, nninit_etype_name(e->type));
        g_text(g, ",\"shape\":[");
        for (int d = 0; d < e->shape->ndim; d++) {
            snprintf(num, sizeof num, "%s%lld", d ? "," : "",
                     (long long)e->shape->dim[d]);
            g_text(g, num);
        }
        snprintf(num, sizeof num, "],\"data_offsets\":[%llu,%llu]}",
                 (unsigned long long)at, (unsigned long long)(at + e->nbytes));
        g_text(g, num);
        at += e->nbytes;
    }
    g_put(g, "}", 1);
    if (g->oom)
        return nninit__fail(err, NNINIT_ENOMEM,
                            "out of memory building the header");
    return NNINIT_OK;
}

static int st_write(const nninit_plan *p, nninit_ofile *f, nninit__stream *s,
                    const gbuf *hb, nninit_error *err)
{
    const unsigned char *hdr = hb->b;
    size_t n = hb->n, pad = (8 - n % 8) % 8;
    uint64_t N = n + pad, total = 8 + N + nninit_plan_bytes(p);
    unsigned char lb[8];
    for (int i = 0; i < 8; i++)
        lb[i] = (unsigned char)(N >> (8 * i));
    int rc = nninit_ofile_reserve(f, total, err);
    if (!rc)
        rc = nninit_ofile_write(f, lb, 8, err);
    if (!rc)
        rc = nninit_ofile_write(f, hdr, n, err);
    if (!rc)
        rc = nninit_ofile_write(f, "        ", pad, err);
    wbehind w;
    wb_init(&w, f);
    unsigned k = 0;
    for (size_t i = 0; i < nninit_plan_size(p) && !rc; i++)
        rc = stream_entry(s, &w, nninit_plan_order(p, i), &k);
    int rc2 = wb_finish(&w, err);
    return rc ? rc : rc2;
}

/* ------------------------------------------------------------------------ */
/* GGUF                                                                     */
/* ------------------------------------------------------------------------ */

static void g_u32(gbuf *g, uint32_t v)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    g_put(g, b, 4);
}

static void g_u64(gbuf *g, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    g_put(g, b, 8);
}

static void g_str(gbuf *g, const char *s)
{
    g_u64(g, strlen(s));
    g_put(g, s, strlen(s));
}

static void g_kv_str(gbuf *g, const char *key, const char *val)
{
    g_str(g, key);
    g_u32(g, GGUF_STRING);
    g_str(g, val);
}

static int src_has_key(const nninit_ckpt *src, const char *key)
{
    if (!src || src->fmt != NNINIT_FORMAT_GGUF)
        return 0;
    for (size_t i = 0; i < src->nkv; i++)
        if (!strcmp(src->kv[i].key, key))
            return 1;
    return 0;
}

static int gguf_copied_key(const char *key)
{
    return strncmp(key, "nninit.", 7) != 0 &&
           strcmp(key, "general.alignment") != 0;
}

/* Everything up to the data section, except the source's key-values, which
 * are copied from the source file between `kv_head` and `kv_tail`. */
static int gguf_header(const nninit_plan *p, const nninit_ckpt *src,
                       gbuf *head, gbuf *tail, uint64_t *copied_kv_bytes,
                       nninit_error *err)
{
    const nninit_model *m = nninit_plan_model(p);
    const nninit_plan_opts *o = nninit_plan_options(p);
    size_t n = nninit_plan_size(p);
    uint64_t nkv = 0, kvbytes = 0;
    for (size_t i = 0; src && src->fmt == NNINIT_FORMAT_GGUF && i < src->nkv;
         i++)
        if (gguf_copied_key(src->kv[i].key)) {
            nkv++;
            kvbytes += src->kv[i].end - src->kv[i].begin;
        }
    int own_arch = !src_has_key(src, "general.architecture");
    int own_name = m->name[0] && !src_has_key(src, "general.name");
    size_t nnotes = nninit_plan_note_count(p);
    nkv += (uint64_t)own_arch + (uint64_t)own_name + 5 + n + nnotes;
    g_put(head, "GGUF", 4);
    g_u32(head, 3);
    g_u64(head, n);
    g_u64(head, nkv);
    if (own_arch)
        g_kv_str(head, "general.architecture", m->arch);
    if (own_name)
        g_kv_str(head, "general.name", m->name);
    /* (the source's key-values go here) */
    g_kv_str(tail, "nninit.version", nninit_version());
    g_str(tail, "nninit.bytes_version");
    g_u32(tail, GGUF_U32);
    g_u32(tail, NNINIT_BYTES_VERSION);
    g_kv_str(tail, "nninit.preset", nninit_preset_name(o->preset));
    g_kv_str(tail, "nninit.rng", nninit_rng_kind_name(o->rng));
    g_str(tail, "nninit.seed");
    g_u32(tail, GGUF_U64);
    g_u64(tail, o->seed);
    for (size_t i = 0; i < n; i++) {
        const nninit_plan_entry *e = nninit_plan_get(p, i);
        char key[NNINIT_NAME_MAX + 32];
        snprintf(key, sizeof key, "nninit.scheme.%s", e->name);
        g_kv_str(tail, key, e->init);
    }
    for (size_t i = 0; i < nnotes; i++) {
        const nninit_plan_note *note = nninit_plan_note_get(p, i);
        char key[NNINIT_NAME_MAX + 32];
        snprintf(key, sizeof key, "nninit.%s", note->key);
        g_kv_str(tail, key, note->value);
    }
    uint64_t off = 0;
    for (size_t k = 0; k < n; k++) {
        const nninit_plan_entry *e = nninit_plan_get(p, nninit_plan_order(p, k));
        g_str(tail, e->name);
        int nd = e->shape->ndim ? e->shape->ndim : 1;
        g_u32(tail, (uint32_t)nd);
        for (int d = nd - 1; d >= 0; d--) /* fastest-varying first */
            g_u64(tail, e->shape->ndim ? (uint64_t)e->shape->dim[d] : 1);
        g_u32(tail, (uint32_t)nninit__ggml_type(e->type));
        g_u64(tail, off);
        off += (e->nbytes + GGUF_ALIGN - 1) / GGUF_ALIGN * GGUF_ALIGN;
    }
    *copied_kv_bytes = kvbytes;
    if (head->oom || tail->oom)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    return NNINIT_OK;
}

static int gguf_check(const nninit_plan *p, nninit_error *err)
{
    for (size_t i = 0; i < nninit_plan_size(p); i++) {
        const nninit_plan_entry *e = nninit_plan_get(p, i);
        if (strlen(e->name) >= 64)
            return nninit__fail(err, NNINIT_EINVAL,
                                "tensor name '%s' has %zu bytes; GGUF (ggml) "
                                "allows at most 63", e->name, strlen(e->name));
        if (e->shape->ndim > 4)
            return nninit__fail(err, NNINIT_EINVAL,
                                "tensor '%s' has %d dimensions; GGUF allows at "
                                "most 4", e->name, e->shape->ndim);
        if (nninit__ggml_type(e->type) < 0)
            return nninit__fail(err, NNINIT_EINVAL,
                                "tensor '%s' is %s, which GGUF has no type for",
                                e->name, nninit_etype_name(e->type));
    }
    return NNINIT_OK;
}

static int gguf_write(const nninit_plan *p, nninit_ofile *f, nninit__stream *s,
                      const gbuf *head, const gbuf *tail, uint64_t kvbytes,
                      nninit_error *err)
{
    const nninit_ckpt *src = s->o->source;
    uint64_t hdr = head->n + kvbytes + tail->n;
    uint64_t pad = (GGUF_ALIGN - hdr % GGUF_ALIGN) % GGUF_ALIGN, data = 0;
    for (size_t i = 0; i < nninit_plan_size(p); i++)
        data += (nninit_plan_get(p, i)->nbytes + GGUF_ALIGN - 1) / GGUF_ALIGN *
                GGUF_ALIGN;
    int rc = nninit_ofile_reserve(f, hdr + pad + data, err);
    if (!rc)
        rc = nninit_ofile_write(f, head->b, head->n, err);
    for (size_t i = 0; !rc && src && src->fmt == NNINIT_FORMAT_GGUF &&
                       i < src->nkv;
         i++) {
        if (!gguf_copied_key(src->kv[i].key))
            continue;
        for (uint64_t at = src->kv[i].begin; !rc && at < src->kv[i].end;) {
            uint64_t left = src->kv[i].end - at;
            size_t k = left < s->buf_bytes ? (size_t)left : s->buf_bytes;
            rc = nninit__ck_read_at(s->o->source, at, s->buf, k, err);
            if (!rc)
                rc = nninit_ofile_write(f, s->buf, k, err);
            at += k;
        }
    }
    if (!rc)
        rc = nninit_ofile_write(f, tail->b, tail->n, err);
    wbehind w;
    wb_init(&w, f);
    unsigned chunks = 0;
    if (!rc)
        rc = write_zeros(&w, (size_t)pad, err);
    for (size_t k = 0; k < nninit_plan_size(p) && !rc; k++) {
        const nninit_plan_entry *e = nninit_plan_get(p, nninit_plan_order(p, k));
        rc = stream_entry(s, &w, nninit_plan_order(p, k), &chunks);
        if (!rc)
            rc = write_zeros(&w, (GGUF_ALIGN - e->nbytes % GGUF_ALIGN) %
                                     GGUF_ALIGN,
                             err);
    }
    int rc2 = wb_finish(&w, err);
    return rc ? rc : rc2;
}

/* ------------------------------------------------------------------------ */
/* Dispatch                                                                 */
/* ------------------------------------------------------------------------ */

/* Everything that can be refused, refused before the output exists: the
 * format's limits, and the headers built (head: the safetensors JSON or
 * GGUF's first part; tail: GGUF's rest). */
static int prepare(const nninit_plan *p, nninit_format fmt,
                   const nninit_write_opts *o, gbuf *head, gbuf *tail,
                   uint64_t *kvbytes, nninit_error *err)
{
    for (size_t i = 0; i < nninit_plan_size(p); i++) {
        const nninit_plan_entry *e = nninit_plan_get(p, i);
        if (!e->generated && !o->source)
            return nninit__fail(err, NNINIT_EINVAL,
                                "%s is copied from a checkpoint, but none "
                                "was given", e->name);
        if (fmt == NNINIT_FORMAT_NPZ && e->type == NNINIT_ET_BF16)
            return nninit__fail(err, NNINIT_EINVAL,
                                "tensor '%s' is bf16, which .npz cannot "
                                "hold (NumPy has no bfloat16); use "
                                "--dtype f32, f16 or f64", e->name);
    }
    switch (fmt) {
    case NNINIT_FORMAT_SAFETENSORS:
        return st_header(p, o->source, head, err);
    case NNINIT_FORMAT_NPZ:
        return NNINIT_OK;
    case NNINIT_FORMAT_GGUF: {
        int rc = gguf_check(p, err);
        return rc ? rc : gguf_header(p, o->source, head, tail, kvbytes, err);
    }
    default:
        return nninit__fail(err, NNINIT_EINVAL, "unknown format %d", (int)fmt);
    }
}

/* The file's bytes into f, an open output. */
static int write_body(const nninit_plan *p, nninit_format fmt, nninit_ofile *f,
                      nninit__stream *s, const gbuf *head, const gbuf *tail,
                      uint64_t kvbytes, nninit_error *err)
{
    switch (fmt) {
    case NNINIT_FORMAT_SAFETENSORS:
        return st_write(p, f, s, head, err);
    case NNINIT_FORMAT_NPZ:
        /* libzip seeks back to fill in each member's header */
        if (!nninit__ofile_seekable(f))
            return nninit__fail(err, NNINIT_EINVAL,
                                "'%s' is a pipe, and an .npz archive must be "
                                "written to a file (write safetensors or "
                                "gguf to a pipe)", f->path);
        return nninit__npz_write(p, f, s, err);
    default:
        return gguf_write(p, f, s, head, tail, kvbytes, err);
    }
}

int nninit_plan_write(const nninit_plan *p, const char *path,
                      nninit_format fmt, const nninit_write_opts *opts,
                      nninit_error *err)
{
    nninit_write_opts def = nninit_write_opts_default();
    const nninit_write_opts *o = opts ? opts : &def;
    gbuf head = {NULL, 0, 0, 0, o->fill.alloc};
    gbuf tail = head;
    uint64_t kvbytes = 0;
    nninit__stream s;
    nninit_ofile f;
    int rc = prepare(p, fmt, o, &head, &tail, &kvbytes, err);
    if (rc == NNINIT_OK &&
        (rc = nninit__stream_init(&s, p, o, err)) == NNINIT_OK) {
        if ((rc = nninit__ofile_open(&f, path, o->fill.alloc, err)) ==
            NNINIT_OK) {
            rc = write_body(p, fmt, &f, &s, &head, &tail, kvbytes, err);
            if (rc)
                nninit_ofile_abort(&f);
            else
                rc = nninit_ofile_commit(&f, err);
        }
        nninit__stream_free(&s);
    }
    g_free(&head);
    g_free(&tail);
    return rc;
}
