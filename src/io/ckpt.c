/*
 * ckpt.c: the checkpoint handle: opening a file through the format
 * table's readers (each format's file reads its own header), sharded
 * checkpoints as one handle over their shards, reading tensors' bytes.
 *
 * Only names, shapes, types and data locations are read, never the values
 * (except integer tensors copied on request, a chunk at a time). A reader
 * trusts nothing in the file: every length is checked against the bytes
 * that remain before it is used, every offset against the file size, and
 * the tensors' data ranges against each other (no overlaps, no holes in
 * safetensors). A corrupt file is NNINIT_EFORMAT with one line, never a
 * crash or an unbounded allocation.
 */
#define _POSIX_C_SOURCE 200809L
#include "io_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Common                                                                   */
/* ------------------------------------------------------------------------ */

int nninit__read_small_file(const char *path, size_t max,
                            const nninit_allocator *a, char **out,
                            size_t *len, nninit_error *err)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return nninit__fail(err, NNINIT_EIO, "cannot open '%s': %s", path,
                            strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = (char *)nninit__alloc(a, cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        if (cap > max) {
            nninit__free(a, buf);
            fclose(f);
            return nninit__fail(err, NNINIT_EINVAL,
                                "'%s' is larger than %zu bytes", path, max);
        }
        char *nb = (char *)nninit__alloc(a, cap * 2 + 1);
        if (nb)
            memcpy(nb, buf, n);
        nninit__free(a, buf);
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory reading '%s'",
                            path);
    if (bad) {
        nninit__free(a, buf);
        return nninit__fail(err, NNINIT_EIO, "cannot read '%s'", path);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return NNINIT_OK;
}

int nninit__ck_read_at(nninit_ckpt *ck, uint64_t off, void *buf, size_t n,
                       nninit_error *err)
{
    if (off > ck->size || n > ck->size - off)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: truncated: needs %zu bytes at offset %llu, "
                            "the file has %llu", ck->path, n,
                            (unsigned long long)off,
                            (unsigned long long)ck->size);
    if (ck->mem) {
        memcpy(buf, ck->mem + off, n);
        return NNINIT_OK;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(ck->fd, (char *)buf + got, n - got,
                          (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return nninit__fail(err, r == 0 ? NNINIT_EFORMAT : NNINIT_EIO,
                                "%s: cannot read %zu bytes at offset %llu: "
                                "%s", ck->path, n, (unsigned long long)off,
                                r == 0 ? "file shrank" : strerror(errno));
        got += (size_t)r;
    }
    return NNINIT_OK;
}

int nninit__ck_reserve(nninit_ckpt *ck, uint64_t n, nninit_error *err)
{
    if (n > NNINIT_MAX_TENSORS)
        return nninit__fail(err, NNINIT_EFORMAT, "%s: %llu tensors (at most "
                                                 "%d)", ck->path,
                            (unsigned long long)n, NNINIT_MAX_TENSORS);
    if (n <= ck->cap)
        return NNINIT_OK;
    nninit__ck_tensor *nt = (nninit__ck_tensor *)nninit__alloc_array(
        ck->alloc, n, sizeof *nt);
    if (!nt)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    if (ck->n)
        memcpy(nt, ck->t, ck->n * sizeof *nt);
    nninit__free(ck->alloc, ck->t);
    ck->t = nt;
    ck->cap = (size_t)n;
    return NNINIT_OK;
}

int nninit__ck_push(nninit_ckpt *ck, const char *name, size_t name_len,
                    nninit__ck_tensor **out, nninit_error *err)
{
    if (name_len >= NNINIT_NAME_MAX)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: tensor name '%.40s...' is longer than %d "
                            "bytes", ck->path, name, NNINIT_NAME_MAX - 1);
    if (memchr(name, '\0', name_len))
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: a tensor name contains a NUL byte",
                            ck->path);
    if (ck->n >= NNINIT_MAX_TENSORS)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: more than %d tensors", ck->path,
                            NNINIT_MAX_TENSORS);
    int rc;
    if (ck->n == ck->cap &&
        (rc = nninit__ck_reserve(ck, ck->cap ? ck->cap * 2 : 16, err)))
        return rc;
    nninit__ck_tensor *t = &ck->t[ck->n];
    memset(t, 0, sizeof *t);
    t->name = (char *)nninit__alloc(ck->alloc, name_len + 1);
    if (!t->name)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    memcpy(t->name, name, name_len);
    t->name[name_len] = '\0';
    t->pub.name = t->name;
    t->pub.type_name = t->type_name;
    ck->n++;
    *out = t;
    return NNINIT_OK;
}

void nninit_ckpt_close(nninit_ckpt *ck)
{
    if (!ck)
        return;
    const nninit_allocator *a = ck->alloc;
    nninit__npz_close(ck);
    for (size_t i = 0; i < ck->nparts; i++)
        nninit_ckpt_close(ck->part[i]);
    nninit__free(a, ck->part);
    for (size_t i = 0; i < ck->n; i++)
        nninit__free(a, ck->t[i].name);
    nninit__free(a, ck->t);
    for (size_t i = 0; i < ck->nmeta; i++) {
        nninit__free(a, ck->meta_key[i]);
        nninit__free(a, ck->meta_val[i]);
    }
    nninit__free(a, ck->meta_key);
    nninit__free(a, ck->meta_val);
    for (size_t i = 0; i < ck->nkv; i++)
        nninit__free(a, ck->kv[i].key);
    nninit__free(a, ck->kv);
    nninit__free(a, ck->gguf_name);
    nninit__free(a, ck->gguf_arch);
    if (ck->fd >= 0)
        close(ck->fd);
    nninit__free(a, ck->path);
    nninit__free(a, ck);
}

/* Names must be unique (a set of them: linear time). */
int nninit__ck_check_unique(nninit_ckpt *ck, nninit_error *err)
{
    nninit__nameset set;
    nninit__nameset_init(&set, ck->alloc);
    int rc = NNINIT_OK;
    for (size_t i = 0; i < ck->n && rc == NNINIT_OK; i++) {
        nninit__nameslot *slot;
        int added = nninit__nameset_put(&set, ck->t[i].name, &slot);
        if (added < 0)
            rc = nninit__fail(err, added, "out of memory");
        else if (!added)
            rc = nninit__fail(err, NNINIT_EFORMAT,
                              "%s: duplicate tensor name '%s'", ck->path,
                              ck->t[i].name);
    }
    nninit__nameset_free(&set);
    return rc;
}

nninit_ckpt *nninit__ck_new(const char *path, const nninit_allocator *a)
{
    nninit_ckpt *ck = (nninit_ckpt *)nninit__alloc(a, sizeof *ck);
    if (!ck)
        return NULL;
    memset(ck, 0, sizeof *ck);
    ck->alloc = a;
    ck->fd = -1;
    size_t n = strlen(path) + 1;
    ck->path = (char *)nninit__alloc(a, n);
    if (!ck->path) {
        nninit__free(a, ck);
        return NULL;
    }
    memcpy(ck->path, path, n);
    return ck;
}

int nninit__ck_open_fd(const char *path, const nninit_allocator *alloc,
                       nninit_ckpt **out, nninit_error *err)
{
    *out = NULL;
    nninit_ckpt *ck = nninit__ck_new(path, alloc);
    if (!ck)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    ck->fd = open(path, O_RDONLY);
    struct stat st;
    if (ck->fd < 0 || fstat(ck->fd, &st) != 0) {
        int e = errno;
        nninit_ckpt_close(ck);
        return nninit__fail(err, NNINIT_EIO, "cannot open '%s': %s", path,
                            strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        nninit_ckpt_close(ck);
        return nninit__fail(err, NNINIT_EIO, "'%s' is not a regular file",
                            path);
    }
    ck->size = (uint64_t)st.st_size;
    *out = ck;
    return NNINIT_OK;
}

int nninit__ck_open_as(const char *path, const nninit_allocator *alloc,
                       nninit_format fmt,
                       int (*open_fmt)(nninit_ckpt *, nninit_error *),
                       nninit_ckpt **out, nninit_error *err)
{
    int rc = nninit__ck_open_fd(path, alloc, out, err);
    if (rc)
        return rc;
    (*out)->fmt = fmt;
    if ((rc = open_fmt(*out, err)) == NNINIT_OK &&
        (rc = nninit__ck_check_unique(*out, err)) == NNINIT_OK)
        return NNINIT_OK;
    nninit_ckpt_close(*out);
    *out = NULL;
    return rc;
}

int nninit__ck_add_part(nninit_ckpt *ck, nninit_ckpt *part, nninit_error *err)
{
    nninit_ckpt **np = (nninit_ckpt **)nninit__alloc_array(
        ck->alloc, ck->nparts + 1, sizeof *np);
    if (!np) {
        nninit_ckpt_close(part);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    if (ck->nparts)
        memcpy(np, ck->part, ck->nparts * sizeof *np);
    nninit__free(ck->alloc, ck->part);
    ck->part = np;
    ck->part[ck->nparts++] = part;
    int rc = nninit__ck_reserve(ck, (uint64_t)ck->n + part->n, err);
    for (size_t i = 0; i < part->n && rc == NNINIT_OK; i++) {
        const nninit__ck_tensor *pt = &part->t[i];
        nninit__ck_tensor *t;
        if ((rc = nninit__ck_push(ck, pt->name, strlen(pt->name), &t, err)))
            break;
        t->pub.shape = pt->pub.shape;
        t->pub.type = pt->pub.type;
        t->pub.nbytes = pt->pub.nbytes;
        memcpy(t->type_name, pt->type_name, sizeof t->type_name);
        t->part = (uint32_t)ck->nparts;
        t->part_index = i;
    }
    return rc;
}

nninit_format nninit_ckpt_format(const nninit_ckpt *ck) { return ck->fmt; }
size_t nninit_ckpt_count(const nninit_ckpt *ck) { return ck->n; }

const nninit_ckpt_tensor *nninit_ckpt_get(const nninit_ckpt *ck, size_t i)
{
    return i < ck->n ? &ck->t[i].pub : NULL;
}

int nninit_ckpt_read(nninit_ckpt *ck, size_t i, uint64_t off, void *buf,
                     size_t n, nninit_error *err)
{
    if (i >= ck->n)
        return nninit__fail(err, NNINIT_EINVAL, "no tensor %zu", i);
    const nninit__ck_tensor *t = &ck->t[i];
    if (off > t->pub.nbytes || n > t->pub.nbytes - off)
        return nninit__fail(err, NNINIT_ERANGE,
                            "%s: bytes %llu+%zu are outside its %llu",
                            t->name, (unsigned long long)off, n,
                            (unsigned long long)t->pub.nbytes);
    if (t->part)
        return nninit_ckpt_read(ck->part[t->part - 1], t->part_index, off, buf,
                                n, err);
    if (ck->fmt == NNINIT_FORMAT_NPZ)
        return nninit__npz_read(ck, i, off, buf, n, err);
    return nninit__ck_read_at(ck, t->offset + off, buf, n, err);
}

int nninit_ckpt_add_to_model(const nninit_ckpt *ck, nninit_model *m,
                             nninit_error *err)
{
    int rc;
    /* a name or architecture the model refuses is not worth failing over:
     * the GGUF output copies the source's own keys anyway */
    if (ck->gguf_name)
        (void)nninit_model_set_name(m, ck->gguf_name, NULL);
    if (ck->gguf_arch)
        (void)nninit_model_set_architecture(m, ck->gguf_arch, NULL);
    if ((rc = nninit__model_reserve_tensors(m, m->ntensors + ck->n)))
        return nninit__fail(err, rc, rc == NNINIT_ENOMEM
                                         ? "out of memory"
                                         : "the model would have more than "
                                           "%d tensors", NNINIT_MAX_TENSORS);
    for (size_t i = 0; i < ck->n; i++) {
        const nninit__ck_tensor *t = &ck->t[i];
        if ((rc = nninit_model_add_tensor(m, t->name, &t->pub.shape,
                                          t->pub.type, i, err)))
            return rc;
    }
    return NNINIT_OK;
}

int nninit__ck_set_bytes(nninit_ckpt *ck, nninit__ck_tensor *t,
                         unsigned block, unsigned block_bytes,
                         nninit_error *err)
{
    unsigned es = block == 1 ? (unsigned)nninit_etype_size(t->pub.type)
                             : block_bytes;
    nninit_error e;
    if (nninit_bytes_of(nninit_shape_numel(&t->pub.shape) / block, es,
                        &t->pub.nbytes, &e))
        return nninit__fail(err, NNINIT_EFORMAT, "%s: tensor '%s': %s",
                            ck->path, t->name, e.msg);
    return NNINIT_OK;
}

int nninit__ck_set_shape(nninit_ckpt *ck, nninit__ck_tensor *t, int nd,
                         const int64_t *dims, nninit_error *err)
{
    nninit_error e;
    int rc = nninit_shape_make(&t->pub.shape, nd, dims, &e);
    if (rc)
        return nninit__fail(err, NNINIT_EFORMAT, "%s: tensor '%s': %s",
                            ck->path, t->name, e.msg);
    return NNINIT_OK;
}

static int by_begin(const void *a, const void *b)
{
    const nninit__range *x = (const nninit__range *)a,
                        *y = (const nninit__range *)b;
    if (x->b != y->b)
        return x->b < y->b ? -1 : 1;
    return x->e < y->e ? -1 : x->e > y->e;
}

void nninit__range_sort(nninit__range *r, size_t n)
{
    qsort(r, n, sizeof *r, by_begin);
}
