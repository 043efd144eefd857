/*
 * gguf.c: GGUF v3 both ways, and llama.cpp's split form
 * ("OUT-00001-of-00003.gguf", the keys split.no, split.count and
 * split.tensors.count in every split, the model's key-values in the first).
 *
 * Reading: every length is checked against the bytes that remain before
 * it is used (a string, an array, the count of tensors and key-values),
 * every offset against the file size and the tensors' ranges against each
 * other. Writing describes the files as a layout (writer.c makes them):
 * the key-values and tensor infos, zero padding to 32, then each tensor
 * padded to 32 (ggml's reader wants each offset to be the running sum).
 */
#define _POSIX_C_SOURCE 200809L
#include "io_internal.h"

#include <stdlib.h>
#include <string.h>

#define GGUF_ALIGN 32

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */
/* ------------------------------------------------------------------------ */

int nninit__gguf_sniff(const unsigned char *b, size_t n, uint64_t size)
{
    (void)size;
    return n >= 4 && !memcmp(b, "GGUF", 4);
}

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

/* split.no (u16), split.count (u16), split.tensors.count (i32): llama.cpp's
 * gguf-split keys, with the types it writes. */
static int gguf_split_key(nninit_ckpt *ck, const char *key, uint32_t type,
                          uint64_t at, nninit_error *err)
{
    gcur v = {ck, at, err};
    unsigned char b[4];
    int which = !strcmp(key, "split.no")      ? 0
                : !strcmp(key, "split.count") ? 1
                : !strcmp(key, "split.tensors.count") ? 2
                                                      : -1;
    if (which < 0)
        return NNINIT_OK; /* another split key: kept, not interpreted */
    uint32_t want = which == 2 ? GGUF_I32 : GGUF_U16;
    if (type != want)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: %s must be a%s", ck->path, key,
                            which == 2 ? "n i32" : " u16");
    int rc = g_read(&v, b, which == 2 ? 4 : 2, key);
    if (rc)
        return rc;
    uint32_t x = (uint32_t)b[0] | (uint32_t)b[1] << 8;
    if (which == 2)
        x |= (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    if (which == 2 && x > (uint32_t)NNINIT_MAX_TENSORS)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: split.tensors.count %d is not a tensor count",
                            ck->path, (int32_t)x);
    ck->split[which] = x;
    ck->split_set |= 1u << which;
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
        } else if (!strncmp(kv->key, "split.", 6)) {
            if ((rc = gguf_split_key(ck, kv->key, type, vstart, err)))
                return rc;
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
        if ((rc = nninit__ck_set_shape(ck, t, (int)nd, dims, err)))
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
    nninit__range *r = (nninit__range *)nninit__alloc_array(ck->alloc, ck->n ? ck->n : 1,
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
        nninit__range_sort(r, ck->n);
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


/* ------------------------------------------------------------------------ */
/* Writing                                                                  */
/* ------------------------------------------------------------------------ */

static void put_str(nninit__gbuf *g, const char *s)
{
    nninit__gu64(g, strlen(s));
    nninit__gput(g, s, strlen(s));
}

static void put_kv_str(nninit__gbuf *g, const char *key, const char *val)
{
    put_str(g, key);
    nninit__gu32(g, GGUF_STRING);
    put_str(g, val);
}

static int src_is_gguf(const nninit_ckpt *src)
{
    return src && src->fmt == NNINIT_FORMAT_GGUF;
}

static int src_has_key(const nninit_ckpt *src, const char *key)
{
    for (size_t i = 0; src_is_gguf(src) && i < src->nkv; i++)
        if (!strcmp(src->kv[i].key, key))
            return 1;
    return 0;
}

/* The source's key-values copied to the output: not nninit's own record
 * (written anew), not the alignment (the output's is the default), not
 * the source's split keys (the output has its own, or none). */
static int copied_key(const char *key)
{
    return strncmp(key, "nninit.", 7) != 0 &&
           strcmp(key, "general.alignment") != 0 &&
           strncmp(key, "split.", 6) != 0;
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

static uint64_t padded(uint64_t n)
{
    return (n + GGUF_ALIGN - 1) / GGUF_ALIGN * GGUF_ALIGN;
}

/* Split g of ng (ng 1: the plain file) holding plan-order positions
 * pos[k0 .. k1): its header up to the data section, except the source's
 * key-values (first split only), which are copied between f->head and
 * f->tail. */
static int gguf_header(nninit__layout *L, nninit__lay_file *f, size_t g,
                       size_t ng, const size_t *pos, size_t k0, size_t k1,
                       nninit_error *err)
{
    const nninit_plan *p = L->p;
    const nninit_ckpt *src = L->o->source;
    const nninit_model *m = nninit_plan_model(p);
    const nninit_plan_opts *o = nninit_plan_options(p);
    size_t n = nninit_plan_size(p);
    nninit__gbuf *head = &f->head, *tail = &f->tail;
    uint64_t nkv = ng > 1 ? 3 : 0, kvbytes = 0;
    int own_arch = 0, own_name = 0;
    if (g == 0) {
        for (size_t i = 0; src_is_gguf(src) && i < src->nkv; i++)
            if (copied_key(src->kv[i].key)) {
                nkv++;
                kvbytes += src->kv[i].end - src->kv[i].begin;
            }
        own_arch = !src_has_key(src, "general.architecture");
        own_name = m->name[0] && !src_has_key(src, "general.name");
        nkv += (uint64_t)own_arch + (uint64_t)own_name + 5 + n +
               nninit_plan_note_count(p);
    }
    nninit__gput(head, "GGUF", 4);
    nninit__gu32(head, 3);
    nninit__gu64(head, k1 - k0);
    nninit__gu64(head, nkv);
    if (own_arch)
        put_kv_str(head, "general.architecture", m->arch);
    if (own_name)
        put_kv_str(head, "general.name", m->name);
    /* (the source's key-values go here) */
    if (g == 0) {
        put_kv_str(tail, "nninit.version", nninit_version());
        put_str(tail, "nninit.bytes_version");
        nninit__gu32(tail, GGUF_U32);
        nninit__gu32(tail, NNINIT_BYTES_VERSION);
        put_kv_str(tail, "nninit.preset", nninit_preset_name(o->preset));
        put_kv_str(tail, "nninit.rng", nninit_rng_kind_name(o->rng));
        put_str(tail, "nninit.seed");
        nninit__gu32(tail, GGUF_U64);
        nninit__gu64(tail, o->seed);
        for (size_t i = 0; i < n; i++) {
            const nninit_plan_entry *e = nninit_plan_get(p, i);
            char key[NNINIT_NAME_MAX + 32];
            snprintf(key, sizeof key, "nninit.scheme.%s", e->name);
            put_kv_str(tail, key, e->init);
        }
        for (size_t i = 0; i < nninit_plan_note_count(p); i++) {
            const nninit_plan_note *note = nninit_plan_note_get(p, i);
            char key[NNINIT_NAME_MAX + 32];
            snprintf(key, sizeof key, "nninit.%s", note->key);
            put_kv_str(tail, key, note->value);
        }
    }
    if (ng > 1) { /* as llama.cpp's gguf-split writes them */
        put_str(tail, "split.no");
        nninit__gu32(tail, GGUF_U16);
        nninit__gput(tail, (unsigned char[2]){(unsigned char)g,
                                              (unsigned char)(g >> 8)}, 2);
        put_str(tail, "split.count");
        nninit__gu32(tail, GGUF_U16);
        nninit__gput(tail, (unsigned char[2]){(unsigned char)ng,
                                              (unsigned char)(ng >> 8)}, 2);
        put_str(tail, "split.tensors.count");
        nninit__gu32(tail, GGUF_I32);
        nninit__gu32(tail, (uint32_t)n);
    }
    uint64_t off = 0;
    for (size_t k = k0; k < k1; k++) {
        const nninit_plan_entry *e =
            nninit_plan_get(p, nninit_plan_order(p, pos[k]));
        put_str(tail, e->name);
        int nd = e->shape->ndim ? e->shape->ndim : 1;
        nninit__gu32(tail, (uint32_t)nd);
        for (int d = nd - 1; d >= 0; d--) /* fastest-varying first */
            nninit__gu64(tail, e->shape->ndim ? (uint64_t)e->shape->dim[d]
                                              : 1);
        nninit__gu32(tail, (uint32_t)nninit__ggml_type(e->type));
        nninit__gu64(tail, off);
        off += padded(e->nbytes);
    }
    uint64_t hdr = head->n + kvbytes + tail->n;
    static const char zeros[GGUF_ALIGN];
    nninit__gput(tail, zeros, (size_t)(padded(hdr) - hdr));
    f->src_bytes = kvbytes;
    if (head->oom || tail->oom)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    uint64_t at = padded(hdr);
    for (size_t k = k0; k < k1; k++) {
        nninit__lay_tensor *t = &L->t[k];
        t->entry = nninit_plan_order(p, pos[k]);
        t->offset = at;
        uint64_t nb = nninit_plan_get(p, t->entry)->nbytes;
        t->pad = (uint32_t)(padded(nb) - nb);
        at += padded(nb);
    }
    f->first = k0;
    f->count = k1 - k0;
    f->size = at;
    return NNINIT_OK;
}

/* The source's key-values (those copied) into out, through buf. */
static int copy_kvs(const nninit__layout *L, nninit_ofile *out, void *buf,
                    size_t n, nninit_error *err)
{
    nninit_ckpt *src = L->o->source;
    int rc = NNINIT_OK;
    for (size_t i = 0; !rc && src_is_gguf(src) && i < src->nkv; i++) {
        if (!copied_key(src->kv[i].key))
            continue;
        for (uint64_t at = src->kv[i].begin; !rc && at < src->kv[i].end;) {
            uint64_t left = src->kv[i].end - at;
            size_t k = left < n ? (size_t)left : n;
            rc = nninit__ck_read_at(src, at, buf, k, err);
            if (!rc)
                rc = nninit_ofile_write(out, buf, k, err);
            at += k;
        }
    }
    return rc;
}

int nninit__gguf_layout(nninit__layout *L, const char *path,
                        uint64_t max_shard, nninit_error *err)
{
    const nninit_plan *p = L->p;
    size_t n = nninit_plan_size(p), *start = NULL, *pos = NULL, ng = 0;
    int rc = gguf_check(p, err);
    if (rc == NNINIT_OK)
        rc = nninit__layout_groups(L, max_shard, GGUF_ALIGN, &pos, &start, &ng,
                                   err);
    if (rc == NNINIT_OK && ng > 65535)
        rc = nninit__fail(err, NNINIT_EINVAL,
                          "%zu splits: llama.cpp's split.count holds at most "
                          "65535 (give a larger shard size)", ng);
    if (rc == NNINIT_OK)
        rc = nninit__layout_alloc(L, ng, n, err);
    L->copy_src = copy_kvs;
    for (size_t g = 0; g < ng && rc == NNINIT_OK; g++) {
        nninit__lay_file *f = &L->f[g];
        f->path = nninit__shard_name(L->a, path, ng > 1 ? ".gguf" : NULL, g,
                                     ng);
        if (!f->path)
            rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        else
            rc = gguf_header(L, f, g, ng, pos, start[g],
                             g + 1 < ng ? start[g + 1] : n, err);
    }
    nninit__free(L->a, start);
    nninit__free(L->a, pos);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Reading a split GGUF                                                     */
/* ------------------------------------------------------------------------ */

int nninit__gguf_open_splits(nninit_ckpt *ck, nninit_error *err)
{
    if (!(ck->split_set & 2) || ck->split[1] <= 1)
        return NNINIT_OK; /* one file */
    uint32_t count = ck->split[1];
    char suffix[40];
    snprintf(suffix, sizeof suffix, "-%05u-of-%05u.gguf", 1u, count);
    size_t pl = strlen(ck->path), sl = strlen(suffix);
    if (ck->split[0] != 0 || pl < sl || strcmp(ck->path + pl - sl, suffix))
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: split %u of %u: give the first split, named "
                            "PREFIX%s", ck->path, ck->split[0] + 1, count,
                            suffix);
    char *name = (char *)nninit__alloc(ck->alloc, pl + 1);
    if (!name)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    int rc = NNINIT_OK;
    for (uint32_t k = 1; k < count && rc == NNINIT_OK; k++) {
        snprintf(name, pl + 1, "%.*s-%05u-of-%05u.gguf", (int)(pl - sl),
                 ck->path, k + 1, count);
        nninit_ckpt *part;
        nninit_error e;
        if ((rc = nninit__ck_open_as(name, ck->alloc, NNINIT_FORMAT_GGUF,
                                     nninit__gguf_open, &part, &e))) {
            rc = nninit__fail(err, rc == NNINIT_ENOMEM ? rc : NNINIT_EFORMAT,
                              "%s: split %u of %u: %s", ck->path, k + 1, count,
                              e.msg);
            break;
        }
        if (part->fmt != NNINIT_FORMAT_GGUF || part->split[0] != k ||
            part->split[1] != count || (part->split_set & 3) != 3 ||
            part->split[2] != ck->split[2]) {
            rc = nninit__fail(err, NNINIT_EFORMAT,
                              "%s: its split.no, split.count or "
                              "split.tensors.count disagree with the first "
                              "split's (split %u of %u)", name, k + 1, count);
            nninit_ckpt_close(part);
            break;
        }
        rc = nninit__ck_add_part(ck, part, err);
    }
    nninit__free(ck->alloc, name);
    if (rc == NNINIT_OK && (ck->split_set & 4) && ck->n != ck->split[2])
        rc = nninit__fail(err, NNINIT_EFORMAT,
                          "%s: the splits hold %zu tensors, split.tensors."
                          "count says %u", ck->path, ck->n, ck->split[2]);
    return rc;
}
