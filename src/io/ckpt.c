/*
 * ckpt.c: reading checkpoints' headers (safetensors, gguf; npz in npz.c).
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

static const char *const format_names[] = {"safetensors", "npz", "gguf"};
static const nninit_names format_table = {"format", format_names, 3, NULL, 0};

NNINIT__NAMED_ENUM(nninit_format, nninit_format, format_table)

int nninit_format_from_path(const char *path, nninit_format *out,
                            nninit_error *err)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (dot && (!slash || dot > slash)) {
        int i = nninit_names_find(&format_table, dot + 1);
        if (i >= 0) {
            *out = (nninit_format)i;
            return NNINIT_OK;
        }
    }
    return nninit__fail(err, NNINIT_EINVAL,
                        "'%s': the output name must end in .safetensors, "
                        ".npz or .gguf", path ? path : "");
}

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
static int check_unique(nninit_ckpt *ck, nninit_error *err)
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

static int open_common(nninit_ckpt *ck, nninit_error *err)
{
    unsigned char magic[12] = {0};
    size_t m = ck->size < sizeof magic ? (size_t)ck->size : sizeof magic;
    int rc = nninit__ck_read_at(ck, 0, magic, m, err);
    if (rc)
        return rc;
    if (m >= 4 && !memcmp(magic, "GGUF", 4)) {
        ck->fmt = NNINIT_FORMAT_GGUF;
        rc = nninit__gguf_open(ck, err);
    } else if (m >= 4 && magic[0] == 'P' && magic[1] == 'K' &&
               ((magic[2] == 3 && magic[3] == 4) ||
                (magic[2] == 5 && magic[3] == 6))) {
        ck->fmt = NNINIT_FORMAT_NPZ;
        rc = nninit__npz_open(ck, err);
    } else if (m >= 9 && magic[8] == '{') {
        ck->fmt = NNINIT_FORMAT_SAFETENSORS;
        rc = nninit__safetensors_open(ck, err);
    } else if (ck->size < 9) {
        rc = nninit__fail(err, NNINIT_EFORMAT,
                          "%s: %llu bytes: too short to be a safetensors, npz "
                          "or gguf file", ck->path,
                          (unsigned long long)ck->size);
    } else {
        rc = nninit__fail(err, NNINIT_EFORMAT,
                          "%s: not a safetensors, npz or gguf file (unknown "
                          "first bytes)", ck->path);
    }
    if (rc == NNINIT_OK)
        rc = check_unique(ck, err);
    return rc;
}

static nninit_ckpt *ck_new(const char *path, const nninit_allocator *a)
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

int nninit_ckpt_open(const char *path, const nninit_allocator *alloc,
                     nninit_ckpt **out, nninit_error *err)
{
    *out = NULL;
    nninit_ckpt *ck = ck_new(path, alloc);
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
    int rc = open_common(ck, err);
    if (rc) {
        nninit_ckpt_close(ck);
        return rc;
    }
    *out = ck;
    return NNINIT_OK;
}

int nninit_ckpt_open_mem(const void *data, size_t size,
                         const nninit_allocator *alloc, nninit_ckpt **out,
                         nninit_error *err)
{
    *out = NULL;
    nninit_ckpt *ck = ck_new("<memory>", alloc);
    if (!ck)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    ck->mem = (const unsigned char *)(data ? data : "");
    ck->size = data ? size : 0;
    int rc = open_common(ck, err);
    if (rc) {
        nninit_ckpt_close(ck);
        return rc;
    }
    *out = ck;
    return NNINIT_OK;
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

/* Set a tensor's shape with the overflow checks; nbytes from elem size. */
static int set_shape(nninit_ckpt *ck, nninit__ck_tensor *t, int nd,
                     const int64_t *dims, nninit_error *err)
{
    nninit_error e;
    int rc = nninit_shape_make(&t->pub.shape, nd, dims, &e);
    if (rc)
        return nninit__fail(err, NNINIT_EFORMAT, "%s: tensor '%s': %s",
                            ck->path, t->name, e.msg);
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* safetensors                                                              */
/* ------------------------------------------------------------------------ */

#define ST_MAX_HEADER 100000000u /* the reference reader's limit */

static int st_dtype(const char *s, nninit_etype *t)
{
    static const struct {
        const char *name;
        nninit_etype t;
    } map[] = {{"F64", NNINIT_ET_F64},   {"F32", NNINIT_ET_F32},
               {"F16", NNINIT_ET_F16},   {"BF16", NNINIT_ET_BF16},
               {"I64", NNINIT_ET_I64},   {"I32", NNINIT_ET_I32},
               {"I16", NNINIT_ET_I16},   {"I8", NNINIT_ET_I8},
               {"U64", NNINIT_ET_U64},   {"U32", NNINIT_ET_U32},
               {"U16", NNINIT_ET_U16},   {"U8", NNINIT_ET_U8},
               {"BOOL", NNINIT_ET_BOOL}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (!strcmp(map[i].name, s)) {
            *t = map[i].t;
            return 1;
        }
    return 0;
}

static int st_known_unsupported(const char *s)
{
    static const char *const names[] = {
        "F8_E4M3", "F8_E5M2", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ",
        "C64",     "F6_E2M3", "F6_E3M2", "F4",          NULL};
    return nninit__lookup(names, s) >= 0;
}

typedef struct st_range {
    uint64_t b, e;
    size_t t;
} st_range;

static int by_begin(const void *a, const void *b)
{
    const st_range *x = (const st_range *)a, *y = (const st_range *)b;
    if (x->b != y->b)
        return x->b < y->b ? -1 : 1;
    return x->e < y->e ? -1 : x->e > y->e;
}

static int json_u64(json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return 0;
    *out = (uint64_t)json_integer_value(v);
    return 1;
}

static int st_tensor(nninit_ckpt *ck, const char *name, json_t *info,
                     uint64_t data_start, uint64_t data_size,
                     nninit_error *err)
{
    if (!json_is_object(info))
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: tensor '%s' is not described by an object",
                            ck->path, name);
    json_t *dt = json_object_get(info, "dtype");
    json_t *sh = json_object_get(info, "shape");
    json_t *of = json_object_get(info, "data_offsets");
    if (!json_is_string(dt) || !json_is_array(sh) || !json_is_array(of))
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: tensor '%s' needs dtype (a string), shape "
                            "and data_offsets (lists)", ck->path, name);
    nninit__ck_tensor *t;
    int rc = nninit__ck_push(ck, name, strlen(name), &t, err);
    if (rc)
        return rc;
    const char *ds = json_string_value(dt);
    if (!st_dtype(ds, &t->pub.type))
        return nninit__fail(err, NNINIT_EFORMAT,
                            st_known_unsupported(ds)
                                ? "%s: dtype %s of tensor '%s' is not "
                                  "supported by nninit"
                                : "%s: unknown dtype '%.32s' of tensor '%s'",
                            ck->path, ds, name);
    nninit__strf(t->type_name, sizeof t->type_name, "%s", ds);
    size_t nd = json_array_size(sh);
    if (nd > NNINIT_MAX_DIMS)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: tensor '%s' has %zu dimensions (at most %d)",
                            ck->path, name, nd, NNINIT_MAX_DIMS);
    int64_t dims[NNINIT_MAX_DIMS];
    for (size_t k = 0; k < nd; k++) {
        uint64_t d;
        if (!json_u64(json_array_get(sh, k), &d))
            return nninit__fail(err, NNINIT_EFORMAT,
                                "%s: tensor '%s': shape must hold "
                                "non-negative integers", ck->path, name);
        dims[k] = (int64_t)d;
    }
    if ((rc = set_shape(ck, t, (int)nd, dims, err)))
        return rc;
    uint64_t b, e;
    if (json_array_size(of) != 2 || !json_u64(json_array_get(of, 0), &b) ||
        !json_u64(json_array_get(of, 1), &e) || b > e)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: tensor '%s': data_offsets must be [begin, "
                            "end] with 0 <= begin <= end", ck->path, name);
    uint64_t want;
    if ((rc = nninit__ck_set_bytes(ck, t, 1, 1, err)))
        return rc;
    want = t->pub.nbytes;
    if (e - b != want)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: tensor '%s': data_offsets span %llu bytes "
                            "but %s %s needs %llu", ck->path, name,
                            (unsigned long long)(e - b), ds,
                            nninit_shape_format(&t->pub.shape,
                                                (char[96]){0}, 96),
                            (unsigned long long)want);
    if (e > data_size)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: tensor '%s' ends at byte %llu of a data "
                            "section of %llu (truncated file?)", ck->path,
                            name, (unsigned long long)e,
                            (unsigned long long)data_size);
    t->offset = data_start + b;
    return NNINIT_OK;
}

static int st_metadata(nninit_ckpt *ck, json_t *md, nninit_error *err)
{
    if (!json_is_object(md))
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: __metadata__ must be an object of strings",
                            ck->path);
    size_t n = json_object_size(md);
    if (ck->meta_key) /* a second __metadata__ (JSON refuses duplicates) */
        return nninit__fail(err, NNINIT_EFORMAT, "%s: two __metadata__",
                            ck->path);
    ck->meta_key = (char **)nninit__alloc_array(ck->alloc, n ? n : 1,
                                                sizeof *ck->meta_key);
    ck->meta_val = (char **)nninit__alloc_array(ck->alloc, n ? n : 1,
                                                sizeof *ck->meta_val);
    if (!ck->meta_key || !ck->meta_val)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    const char *k;
    json_t *v;
    json_object_foreach(md, k, v)
    {
        if (!json_is_string(v))
            return nninit__fail(err, NNINIT_EFORMAT,
                                "%s: __metadata__ value of '%.60s' is not a "
                                "string", ck->path, k);
        size_t kl = strlen(k) + 1, vl = json_string_length(v) + 1;
        ck->meta_key[ck->nmeta] = (char *)nninit__alloc(ck->alloc, kl);
        ck->meta_val[ck->nmeta] = (char *)nninit__alloc(ck->alloc, vl);
        if (!ck->meta_key[ck->nmeta] || !ck->meta_val[ck->nmeta]) {
            ck->nmeta++;
            return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        }
        memcpy(ck->meta_key[ck->nmeta], k, kl);
        memcpy(ck->meta_val[ck->nmeta], json_string_value(v), vl);
        ck->nmeta++;
    }
    return NNINIT_OK;
}

int nninit__safetensors_open(nninit_ckpt *ck, nninit_error *err)
{
    unsigned char lb[8];
    int rc = nninit__ck_read_at(ck, 0, lb, 8, err);
    if (rc)
        return rc;
    uint64_t N = 0;
    for (int i = 7; i >= 0; i--)
        N = N << 8 | lb[i];
    if (N > ck->size - 8)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: header length %llu is larger than the file "
                            "(%llu bytes)", ck->path, (unsigned long long)N,
                            (unsigned long long)ck->size);
    if (N > ST_MAX_HEADER)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: header length %llu exceeds safetensors' "
                            "limit of %u", ck->path, (unsigned long long)N,
                            ST_MAX_HEADER);
    char *h = (char *)nninit__alloc(ck->alloc, (size_t)N + 1);
    if (!h)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    if ((rc = nninit__ck_read_at(ck, 8, h, (size_t)N, err))) {
        nninit__free(ck->alloc, h);
        return rc;
    }
    json_error_t je;
    json_t *root = json_loadb(h, (size_t)N, JSON_REJECT_DUPLICATES, &je);
    nninit__free(ck->alloc, h);
    if (!root)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: invalid JSON header at byte %d: %s",
                            ck->path, je.position, je.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: the JSON header is not an object", ck->path);
    }
    uint64_t data_start = 8 + N, data_size = ck->size - data_start;
    if ((rc = nninit__ck_reserve(ck, json_object_size(root), err))) {
        json_decref(root);
        return rc;
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        rc = !strcmp(k, "__metadata__")
                 ? st_metadata(ck, v, err)
                 : st_tensor(ck, k, v, data_start, data_size, err);
        if (rc)
            break;
    }
    json_decref(root);
    if (rc)
        return rc;
    /* the data section: tensors back to back from 0, no holes, no
     * overlaps, and nothing after the last */
    st_range *r = (st_range *)nninit__alloc_array(ck->alloc, ck->n ? ck->n : 1,
                                                  sizeof *r);
    if (!r)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (size_t i = 0; i < ck->n; i++) {
        r[i].b = ck->t[i].offset - data_start;
        r[i].e = r[i].b + ck->t[i].pub.nbytes;
        r[i].t = i;
    }
    qsort(r, ck->n, sizeof *r, by_begin);
    uint64_t at = 0;
    for (size_t i = 0; i < ck->n && rc == NNINIT_OK; i++) {
        if (r[i].b < at)
            rc = nninit__fail(err, NNINIT_EFORMAT,
                              "%s: tensors '%s' and '%s' overlap", ck->path,
                              ck->t[r[i - 1].t].name, ck->t[r[i].t].name);
        else if (r[i].b > at)
            rc = nninit__fail(err, NNINIT_EFORMAT,
                              "%s: a hole of %llu bytes before tensor '%s' "
                              "(safetensors tensors are contiguous)",
                              ck->path, (unsigned long long)(r[i].b - at),
                              ck->t[r[i].t].name);
        at = r[i].e;
    }
    nninit__free(ck->alloc, r);
    if (rc == NNINIT_OK && at != data_size)
        rc = nninit__fail(err, NNINIT_EFORMAT,
                          "%s: %llu bytes after the last tensor (the data "
                          "section is %llu, the tensors need %llu)",
                          ck->path, (unsigned long long)(data_size - at),
                          (unsigned long long)data_size,
                          (unsigned long long)at);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* GGUF                                                                     */
/* ------------------------------------------------------------------------ */

/* ggml types: name, elements per block, bytes per block (ggml.c's
 * type_traits; quantized types are read past, never written). */
static const struct {
    const char *name;
    unsigned block, size;
    nninit_etype et;
} ggml_types[] = {
    [0] = {"F32", 1, 4, NNINIT_ET_F32},
    [1] = {"F16", 1, 2, NNINIT_ET_F16},
    [2] = {"Q4_0", 32, 18, NNINIT_ET_OTHER},
    [3] = {"Q4_1", 32, 20, NNINIT_ET_OTHER},
    [6] = {"Q5_0", 32, 22, NNINIT_ET_OTHER},
    [7] = {"Q5_1", 32, 24, NNINIT_ET_OTHER},
    [8] = {"Q8_0", 32, 34, NNINIT_ET_OTHER},
    [9] = {"Q8_1", 32, 36, NNINIT_ET_OTHER},
    [10] = {"Q2_K", 256, 84, NNINIT_ET_OTHER},
    [11] = {"Q3_K", 256, 110, NNINIT_ET_OTHER},
    [12] = {"Q4_K", 256, 144, NNINIT_ET_OTHER},
    [13] = {"Q5_K", 256, 176, NNINIT_ET_OTHER},
    [14] = {"Q6_K", 256, 210, NNINIT_ET_OTHER},
    [15] = {"Q8_K", 256, 292, NNINIT_ET_OTHER},
    [16] = {"IQ2_XXS", 256, 66, NNINIT_ET_OTHER},
    [17] = {"IQ2_XS", 256, 74, NNINIT_ET_OTHER},
    [18] = {"IQ3_XXS", 256, 98, NNINIT_ET_OTHER},
    [19] = {"IQ1_S", 256, 50, NNINIT_ET_OTHER},
    [20] = {"IQ4_NL", 32, 18, NNINIT_ET_OTHER},
    [21] = {"IQ3_S", 256, 110, NNINIT_ET_OTHER},
    [22] = {"IQ2_S", 256, 82, NNINIT_ET_OTHER},
    [23] = {"IQ4_XS", 256, 136, NNINIT_ET_OTHER},
    [24] = {"I8", 1, 1, NNINIT_ET_I8},
    [25] = {"I16", 1, 2, NNINIT_ET_I16},
    [26] = {"I32", 1, 4, NNINIT_ET_I32},
    [27] = {"I64", 1, 8, NNINIT_ET_I64},
    [28] = {"F64", 1, 8, NNINIT_ET_F64},
    [29] = {"IQ1_M", 256, 56, NNINIT_ET_OTHER},
    [30] = {"BF16", 1, 2, NNINIT_ET_BF16},
    [34] = {"TQ1_0", 256, 54, NNINIT_ET_OTHER},
    [35] = {"TQ2_0", 256, 66, NNINIT_ET_OTHER},
    [39] = {"MXFP4", 32, 17, NNINIT_ET_OTHER},
};
#define N_GGML_TYPES (sizeof ggml_types / sizeof *ggml_types)

int nninit__ggml_type(nninit_etype t)
{
    for (size_t i = 0; i < N_GGML_TYPES; i++)
        if (ggml_types[i].name && ggml_types[i].et == t &&
            ggml_types[i].block == 1)
            return (int)i;
    return -1;
}

#define GGUF_MAX_KEY 65535u
#define GGUF_MAX_KVS (1 << 22)
#define GGUF_MAX_NESTING 8

typedef struct gcur {
    nninit_ckpt *ck;
    uint64_t pos;
    nninit_error *err;
} gcur;

static int g_read(gcur *c, void *buf, size_t n, const char *what)
{
    if (c->pos > c->ck->size || n > c->ck->size - c->pos)
        return nninit__fail(c->err, NNINIT_EFORMAT,
                            "%s: truncated in %s (needs %zu bytes at offset "
                            "%llu, the file has %llu)", c->ck->path, what, n,
                            (unsigned long long)c->pos,
                            (unsigned long long)c->ck->size);
    int rc = nninit__ck_read_at(c->ck, c->pos, buf, n, c->err);
    if (rc == NNINIT_OK)
        c->pos += n;
    return rc;
}

static int g_u32(gcur *c, uint32_t *v, const char *what)
{
    unsigned char b[4];
    int rc = g_read(c, b, 4, what);
    if (rc == NNINIT_OK)
        *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
             (uint32_t)b[3] << 24;
    return rc;
}

static int g_u64(gcur *c, uint64_t *v, const char *what)
{
    unsigned char b[8];
    int rc = g_read(c, b, 8, what);
    if (rc == NNINIT_OK) {
        *v = 0;
        for (int i = 7; i >= 0; i--)
            *v = *v << 8 | b[i];
    }
    return rc;
}

/* Skip n bytes (checked against the file size, nothing read). */
static int g_skip(gcur *c, uint64_t n, const char *what)
{
    if (c->pos > c->ck->size || n > c->ck->size - c->pos)
        return nninit__fail(c->err, NNINIT_EFORMAT,
                            "%s: %s of %llu bytes runs past the end of the "
                            "file", c->ck->path, what,
                            (unsigned long long)n);
    c->pos += n;
    return NNINIT_OK;
}

/* A gguf string: its length, then (if out) a malloc'ed copy. */
static int g_string(gcur *c, uint64_t max, char **out, uint64_t *len,
                    const char *what)
{
    uint64_t n;
    int rc = g_u64(c, &n, what);
    if (rc)
        return rc;
    if (n > max)
        return nninit__fail(c->err, NNINIT_EFORMAT,
                            "%s: %s is %llu bytes long (at most %llu)",
                            c->ck->path, what, (unsigned long long)n,
                            (unsigned long long)max);
    if (len)
        *len = n;
    if (!out)
        return g_skip(c, n, what);
    if (n > c->ck->size - c->pos)
        return g_skip(c, n, what); /* fails with the right message */
    *out = (char *)nninit__alloc(c->ck->alloc, (size_t)n + 1);
    if (!*out)
        return nninit__fail(c->err, NNINIT_ENOMEM, "out of memory");
    if ((rc = g_read(c, *out, (size_t)n, what))) {
        nninit__free(c->ck->alloc, *out);
        *out = NULL;
        return rc;
    }
    (*out)[n] = '\0';
    return NNINIT_OK;
}

static const unsigned gguf_scalar_size[GGUF_TYPE_COUNT] = {
    [GGUF_U8] = 1,  [GGUF_I8] = 1,  [GGUF_U16] = 2, [GGUF_I16] = 2,
    [GGUF_U32] = 4, [GGUF_I32] = 4, [GGUF_F32] = 4, [GGUF_BOOL] = 1,
    [GGUF_U64] = 8, [GGUF_I64] = 8, [GGUF_F64] = 8};

/* Skip one value of `type` (arrays nest at most GGUF_MAX_NESTING deep). */
static int g_value(gcur *c, uint32_t type, int depth, const char *key)
{
    if (type >= GGUF_TYPE_COUNT)
        return nninit__fail(c->err, NNINIT_EFORMAT,
                            "%s: key '%.60s' has unknown value type %u",
                            c->ck->path, key, type);
    if (type == GGUF_STRING)
        return g_string(c, UINT64_MAX, NULL, NULL, "a string value");
    if (type != GGUF_ARRAY)
        return g_skip(c, gguf_scalar_size[type], "a value");
    if (depth >= GGUF_MAX_NESTING)
        return nninit__fail(c->err, NNINIT_EFORMAT,
                            "%s: key '%.60s': arrays nest more than %d deep",
                            c->ck->path, key, GGUF_MAX_NESTING);
    uint32_t et;
    uint64_t n;
    int rc;
    if ((rc = g_u32(c, &et, "an array type")) ||
        (rc = g_u64(c, &n, "an array length")))
        return rc;
    if (et >= GGUF_TYPE_COUNT)
        return nninit__fail(c->err, NNINIT_EFORMAT,
                            "%s: key '%.60s': unknown array element type %u",
                            c->ck->path, key, et);
    if (et != GGUF_STRING && et != GGUF_ARRAY) {
        uint64_t sz = gguf_scalar_size[et];
        if (n > (c->ck->size - c->pos) / sz)
            return nninit__fail(c->err, NNINIT_EFORMAT,
                                "%s: key '%.60s': an array of %llu elements "
                                "runs past the end of the file", c->ck->path,
                                key, (unsigned long long)n);
        return g_skip(c, n * sz, "an array");
    }
    /* each string or array takes at least 8 bytes */
    if (n > (c->ck->size - c->pos) / 8)
        return nninit__fail(c->err, NNINIT_EFORMAT,
                            "%s: key '%.60s': an array of %llu elements runs "
                            "past the end of the file", c->ck->path, key,
                            (unsigned long long)n);
    for (uint64_t i = 0; i < n; i++)
        if ((rc = g_value(c, et, depth + 1, key)))
            return rc;
    return NNINIT_OK;
}

/* The key-values: each key once (a set of them), general.alignment,
 * general.name and general.architecture noted. */
static int gguf_kvs(gcur *c, uint64_t n_kv, uint64_t *alignment,
                    nninit__nameset *keys)
{
    nninit_ckpt *ck = c->ck;
    nninit_error *err = c->err;
    int rc;
    ck->kv = (nninit__ck_kv *)nninit__alloc_array(ck->alloc, n_kv ? n_kv : 1,
                                                  sizeof *ck->kv);
    if (!ck->kv)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (uint64_t i = 0; i < n_kv; i++) {
        nninit__ck_kv *kv = &ck->kv[ck->nkv];
        kv->begin = c->pos;
        uint64_t klen;
        if ((rc = g_string(c, GGUF_MAX_KEY, &kv->key, &klen, "a key")))
            return rc;
        ck->nkv++;
        if (strlen(kv->key) != klen)
            return nninit__fail(err, NNINIT_EFORMAT,
                                "%s: a key contains a NUL byte", ck->path);
        nninit__nameslot *slot;
        int added = nninit__nameset_put(keys, kv->key, &slot);
        if (added < 0)
            return nninit__fail(err, added, "out of memory");
        if (!added)
            return nninit__fail(err, NNINIT_EFORMAT,
                                "%s: duplicate key '%.60s'", ck->path,
                                kv->key);
        uint32_t type;
        if ((rc = g_u32(c, &type, "a value type")))
            return rc;
        uint64_t vstart = c->pos;
        if ((rc = g_value(c, type, 0, kv->key)))
            return rc;
        kv->end = c->pos;
        if (!strcmp(kv->key, "general.alignment")) {
            uint32_t a;
            gcur v = {ck, vstart, err};
            if (type != GGUF_U32 || g_u32(&v, &a, "general.alignment") ||
                a == 0 || (a & (a - 1)))
                return nninit__fail(err, NNINIT_EFORMAT,
                                    "%s: general.alignment must be a u32 "
                                    "power of two", ck->path);
            *alignment = a;
        } else if ((!strcmp(kv->key, "general.architecture") ||
                    !strcmp(kv->key, "general.name")) &&
                   type == GGUF_STRING) {
            gcur v = {ck, vstart, err};
            char **dst = kv->key[8] == 'a' ? &ck->gguf_arch : &ck->gguf_name;
            if ((rc = g_string(&v, NNINIT_NAME_MAX - 1, dst, NULL, kv->key)))
                return rc;
        }
    }
    return NNINIT_OK;
}

int nninit__gguf_open(nninit_ckpt *ck, nninit_error *err)
{
    gcur c = {ck, 4, err};
    uint32_t version;
    uint64_t n_tensors, n_kv;
    int rc;
    if ((rc = g_u32(&c, &version, "the header")))
        return rc;
    if (version != 2 && version != 3)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: GGUF version %u is not supported (2 or 3)",
                            ck->path, version);
    if ((rc = g_u64(&c, &n_tensors, "the header")) ||
        (rc = g_u64(&c, &n_kv, "the header")))
        return rc;
    /* a tensor info takes at least 24 bytes, a key-value at least 12 */
    if (n_tensors > ck->size / 24 || n_kv > ck->size / 12)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: %llu tensors and %llu key-values cannot fit "
                            "in %llu bytes", ck->path,
                            (unsigned long long)n_tensors,
                            (unsigned long long)n_kv,
                            (unsigned long long)ck->size);
    if (n_tensors > NNINIT_MAX_TENSORS || n_kv > GGUF_MAX_KVS)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: %llu tensors and %llu key-values (at most "
                            "%d and %d)", ck->path,
                            (unsigned long long)n_tensors,
                            (unsigned long long)n_kv, NNINIT_MAX_TENSORS,
                            GGUF_MAX_KVS);
    if ((rc = nninit__ck_reserve(ck, n_tensors, err)))
        return rc;
    uint64_t alignment = 32;
    nninit__nameset keys;
    nninit__nameset_init(&keys, ck->alloc);
    rc = gguf_kvs(&c, n_kv, &alignment, &keys);
    nninit__nameset_free(&keys);
    if (rc)
        return rc;
    for (uint64_t i = 0; i < n_tensors; i++) {
        char *name = NULL;
        uint64_t nlen;
        if ((rc = g_string(&c, NNINIT_NAME_MAX - 1, &name, &nlen,
                           "a tensor name")))
            return rc;
        nninit__ck_tensor *t;
        rc = nninit__ck_push(ck, name, (size_t)nlen, &t, err);
        nninit__free(ck->alloc, name);
        if (rc)
            return rc;
        uint32_t nd, type;
        if ((rc = g_u32(&c, &nd, "a tensor info")))
            return rc;
        if (nd > 4)
            return nninit__fail(err, NNINIT_EFORMAT,
                                "%s: tensor '%s' has %u dimensions (GGUF "
                                "allows at most 4)", ck->path, t->name, nd);
        uint64_t ne[4] = {1, 1, 1, 1};
        int64_t dims[4];
        for (uint32_t k = 0; k < nd; k++) {
            if ((rc = g_u64(&c, &ne[k], "a tensor info")))
                return rc;
            if (ne[k] > (uint64_t)INT64_MAX)
                return nninit__fail(err, NNINIT_EFORMAT,
                                    "%s: tensor '%s': dimension %u overflows",
                                    ck->path, t->name, k);
            dims[nd - 1 - k] = (int64_t)ne[k]; /* fastest-first -> row-major */
        }
        if ((rc = g_u32(&c, &type, "a tensor info")) ||
            (rc = g_u64(&c, &t->offset, "a tensor info")))
            return rc;
        if (type >= N_GGML_TYPES || !ggml_types[type].name)
            return nninit__fail(err, NNINIT_EFORMAT,
                                "%s: tensor '%s' has unknown ggml type %u",
                                ck->path, t->name, type);
        if ((rc = set_shape(ck, t, (int)nd, dims, err)))
            return rc;
        t->pub.type = ggml_types[type].et;
        nninit__strf(t->type_name, sizeof t->type_name, "%s",
                     ggml_types[type].name);
        if (ne[0] % ggml_types[type].block)
            return nninit__fail(err, NNINIT_EFORMAT,
                                "%s: tensor '%s': %llu elements per row is not "
                                "a multiple of %s's block of %u", ck->path,
                                t->name, (unsigned long long)ne[0],
                                ggml_types[type].name,
                                ggml_types[type].block);
        if ((rc = nninit__ck_set_bytes(ck, t, ggml_types[type].block,
                                       ggml_types[type].size, err)))
            return rc;
    }
    uint64_t data = (c.pos + alignment - 1) / alignment * alignment;
    if (n_tensors && data > ck->size)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: the data section would start at %llu, past "
                            "the end of the file (%llu bytes)", ck->path,
                            (unsigned long long)data,
                            (unsigned long long)ck->size);
    st_range *r = (st_range *)nninit__alloc_array(ck->alloc, ck->n ? ck->n : 1,
                                                  sizeof *r);
    if (!r)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (size_t i = 0; i < ck->n && rc == NNINIT_OK; i++) {
        nninit__ck_tensor *t = &ck->t[i];
        if (t->offset % alignment)
            rc = nninit__fail(err, NNINIT_EFORMAT,
                              "%s: tensor '%s': offset %llu is not a "
                              "multiple of the alignment %llu", ck->path,
                              t->name, (unsigned long long)t->offset,
                              (unsigned long long)alignment);
        else if (t->offset > ck->size - data ||
                 t->pub.nbytes > ck->size - data - t->offset)
            rc = nninit__fail(err, NNINIT_EFORMAT,
                              "%s: tensor '%s' (%llu bytes at data offset "
                              "%llu) runs past the end of the file", ck->path,
                              t->name, (unsigned long long)t->pub.nbytes,
                              (unsigned long long)t->offset);
        r[i].b = t->offset;
        r[i].e = t->offset + t->pub.nbytes;
        r[i].t = i;
        t->offset += data;
    }
    if (rc == NNINIT_OK) {
        qsort(r, ck->n, sizeof *r, by_begin);
        for (size_t i = 1; i < ck->n && rc == NNINIT_OK; i++)
            if (r[i].b < r[i - 1].e)
                rc = nninit__fail(err, NNINIT_EFORMAT,
                                  "%s: tensors '%s' and '%s' overlap",
                                  ck->path, ck->t[r[i - 1].t].name,
                                  ck->t[r[i].t].name);
    }
    nninit__free(ck->alloc, r);
    return rc;
}
