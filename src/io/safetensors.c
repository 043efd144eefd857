/*
 * safetensors.c: the safetensors format both ways, and its sharded form
 * (huggingface_hub's "OUT-00001-of-00005.safetensors" files and the
 * "OUT.safetensors.index.json" that maps each tensor to its file).
 *
 * Reading trusts nothing in the file: the header's length against the
 * file, the JSON through jansson (duplicate keys refused), every tensor's
 * dtype, shape and data_offsets, and the data section as a whole (tensors
 * back to back from 0, no holes, no overlaps, nothing after the last).
 *
 * Writing describes the files as a layout (writer.c makes them): the
 * header JSON, then the tensors back to back in plan order.
 */
#include "io_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */
/* ------------------------------------------------------------------------ */

int nninit__safetensors_sniff(const unsigned char *b, size_t n, uint64_t size)
{
    (void)size;
    return n >= 9 && b[8] == '{';
}

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
    if ((rc = nninit__ck_set_shape(ck, t, (int)nd, dims, err)))
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
    nninit__range *r = (nninit__range *)nninit__alloc_array(ck->alloc, ck->n ? ck->n : 1,
                                                  sizeof *r);
    if (!r)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (size_t i = 0; i < ck->n; i++) {
        r[i].b = ck->t[i].offset - data_start;
        r[i].e = r[i].b + ck->t[i].pub.nbytes;
        r[i].t = i;
    }
    nninit__range_sort(r, ck->n);
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
/* Reading a sharded checkpoint through its index                           */
/* ------------------------------------------------------------------------ */

#define INDEX_MAX_BYTES (256u << 20)

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The index's weight_map: every shard it names (sorted, each once), each
 * opened next to the index; each tensor must be in the shard the map says
 * and every tensor of a shard in the map. */
static int st_index_shards(nninit_ckpt *ck, json_t *wm, nninit_error *err)
{
    size_t n = json_object_size(wm), nf = 0;
    const char **files = (const char **)nninit__alloc_array(
        ck->alloc, n ? n : 1, sizeof *files);
    if (!files)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    const char *k;
    json_t *v;
    int rc = NNINIT_OK;
    json_object_foreach(wm, k, v)
    {
        const char *f = json_string_value(v);
        if (!f || !*f || strchr(f, '/') || !strcmp(f, "..")) {
            rc = nninit__fail(err, NNINIT_EFORMAT,
                              "%s: weight_map: the file of '%.60s' must be "
                              "a file name next to the index", ck->path, k);
            break;
        }
        files[nf++] = f;
    }
    if (rc == NNINIT_OK && nf == 0)
        rc = nninit__fail(err, NNINIT_EFORMAT, "%s: weight_map is empty",
                          ck->path);
    if (rc == NNINIT_OK)
        qsort(files, nf, sizeof *files, by_name);
    const char *slash = strrchr(ck->path, '/');
    size_t dl = slash ? (size_t)(slash - ck->path) + 1 : 0;
    for (size_t i = 0; i < nf && rc == NNINIT_OK; i++) {
        if (i && !strcmp(files[i], files[i - 1]))
            continue;
        size_t fl = strlen(files[i]);
        char *path = (char *)nninit__alloc(ck->alloc, dl + fl + 1);
        if (!path) {
            rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
            break;
        }
        memcpy(path, ck->path, dl);
        memcpy(path + dl, files[i], fl + 1);
        nninit_ckpt *part;
        nninit_error e;
        rc = nninit__ck_open_as(path, ck->alloc, NNINIT_FORMAT_SAFETENSORS,
                                nninit__safetensors_open, &part, &e);
        nninit__free(ck->alloc, path);
        if (rc) {
            rc = nninit__fail(err, rc == NNINIT_ENOMEM ? rc : NNINIT_EFORMAT,
                              "%s: shard '%s': %s", ck->path, files[i], e.msg);
            break;
        }
        for (size_t t = 0; t < part->n && rc == NNINIT_OK; t++) {
            const char *want =
                json_string_value(json_object_get(wm, part->t[t].name));
            if (!want || strcmp(want, files[i]))
                rc = nninit__fail(err, NNINIT_EFORMAT,
                                  "%s: shard '%s' holds '%.60s', which the "
                                  "weight_map %s", ck->path, files[i],
                                  part->t[t].name,
                                  want ? "puts in another shard"
                                       : "does not list");
        }
        if (rc) {
            nninit_ckpt_close(part);
            break;
        }
        if (!ck->nparts) { /* the first shard's metadata is the model's */
            ck->meta_key = part->meta_key;
            ck->meta_val = part->meta_val;
            ck->nmeta = part->nmeta;
            part->meta_key = part->meta_val = NULL;
            part->nmeta = 0;
        }
        rc = nninit__ck_add_part(ck, part, err);
    }
    nninit__free(ck->alloc, (void *)files);
    /* every name of the map found in its shard: the counts agree (names
     * are unique in the map, and each shard's are in it) */
    if (rc == NNINIT_OK && ck->n != n)
        rc = nninit__fail(err, NNINIT_EFORMAT,
                          "%s: weight_map lists %zu tensors, the shards hold "
                          "%zu", ck->path, n, ck->n);
    return rc;
}

int nninit__safetensors_open_index(nninit_ckpt *ck, nninit_error *err)
{
    char *text;
    size_t len;
    nninit_error e;
    int rc = nninit__read_small_file(ck->path, INDEX_MAX_BYTES, ck->alloc,
                                     &text, &len, &e);
    if (rc)
        return nninit__fail(err, rc == NNINIT_ENOMEM ? rc : NNINIT_EFORMAT,
                            "%s", e.msg);
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    nninit__free(ck->alloc, text);
    if (!root)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: invalid JSON at line %d: %s", ck->path,
                            je.line, je.text);
    json_t *wm = json_object_get(root, "weight_map");
    if (!json_is_object(wm))
        rc = nninit__fail(err, NNINIT_EFORMAT,
                          "%s: no weight_map object (not a safetensors "
                          "index)", ck->path);
    else
        rc = st_index_shards(ck, wm, err);
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */
/* ------------------------------------------------------------------------ */

/* The header JSON of the tensors at plan-order positions pos[0 .. cnt), space-
 * padded to a multiple of 8 and preceded by its length: written as text,
 * each string encoded by jansson, so a model of a million tensors needs
 * no million JSON objects. The bytes are jansson's compact dump of the
 * same object, keys in insertion order. `in` marks the entries of this
 * file (NULL: all), whose schemes the metadata records. */
static int st_header(const nninit_plan *p, const nninit_ckpt *src,
                     const size_t *pos, size_t cnt, const unsigned char *in,
                     nninit__gbuf *g, nninit_error *err)
{
    nninit__meta meta[NNINIT__META_MAX];
    char seed[32];
    size_t nmeta = nninit__plan_meta(p, meta, seed);
    int bad = 0, first = 1;
    nninit__gput(g, "\0\0\0\0\0\0\0\0", 8); /* the length, set below */
    nninit__gput(g, "{\"__metadata__\":{", 17);
    /* the source's metadata, without an older nninit record; "format":
     * "pt" so that transformers accepts the file */
    int has_format = 0;
    if (src && src->fmt == NNINIT_FORMAT_SAFETENSORS)
        for (size_t i = 0; i < src->nmeta; i++) {
            if (!strncmp(src->meta_key[i], "nninit.", 7))
                continue;
            has_format |= !strcmp(src->meta_key[i], "format");
            bad |= nninit__gjson_pair(g, src->meta_key[i], src->meta_val[i],
                                      first);
            first = 0;
        }
    if (!has_format) {
        bad |= nninit__gjson_pair(g, "format", "pt", first);
        first = 0;
    }
    for (size_t i = 0; i < nmeta; i++)
        bad |= nninit__gjson_pair(g, meta[i].key, meta[i].val, 0);
    bad |= nninit__gjson_notes(g, p);
    char key[NNINIT_NAME_MAX + 32];
    for (size_t i = 0; i < nninit_plan_size(p); i++) {
        const nninit_plan_entry *e = nninit_plan_get(p, i);
        if (in && !in[i])
            continue;
        snprintf(key, sizeof key, "nninit.scheme.%s", e->name);
        if (nninit__gjson_pair(g, key, e->init, 0))
            return nninit__fail(err, NNINIT_EINVAL,
                                "tensor name '%s' is not valid UTF-8",
                                e->name);
    }
    if (bad) /* read from a safetensors file, so once valid */
        return nninit__fail(err, NNINIT_EINVAL,
                            "the source's metadata is not valid UTF-8");
    nninit__gput(g, "}", 1);
    uint64_t at = 0;
    for (size_t j = 0; j < cnt; j++) {
        const nninit_plan_entry *e =
            nninit_plan_get(p, nninit_plan_order(p, pos[j]));
        char num[64];
        nninit__gput(g, ",", 1);
        if (!strcmp(e->name, "__metadata__") || nninit__gjson_str(g, e->name))
            return nninit__fail(err, NNINIT_EINVAL,
                                "tensor name '%s' is not valid UTF-8 (or "
                                "clashes with __metadata__)", e->name);
        nninit__gtext(g, ":{\"dtype\":");
        nninit__gjson_str(g, nninit_etype_name(e->type));
        nninit__gtext(g, ",\"shape\":[");
        for (int d = 0; d < e->shape->ndim; d++) {
            snprintf(num, sizeof num, "%s%lld", d ? "," : "",
                     (long long)e->shape->dim[d]);
            nninit__gtext(g, num);
        }
        snprintf(num, sizeof num, "],\"data_offsets\":[%llu,%llu]}",
                 (unsigned long long)at, (unsigned long long)(at + e->nbytes));
        nninit__gtext(g, num);
        at += e->nbytes;
    }
    nninit__gput(g, "}", 1);
    while (!g->oom && g->n % 8)
        nninit__gput(g, " ", 1);
    if (g->oom)
        return nninit__fail(err, NNINIT_ENOMEM,
                            "out of memory building the header");
    uint64_t N = g->n - 8;
    for (int i = 0; i < 8; i++)
        g->b[i] = (unsigned char)(N >> (8 * i));
    return NNINIT_OK;
}

/* The index, as huggingface_hub writes it (json.dumps(indent=2,
 * sort_keys=True) and a newline): total_size (the tensors' bytes) and
 * each tensor's file, by its base name. */
static int st_index(nninit__layout *L, nninit_error *err)
{
    json_t *root = json_object(), *md = json_object(), *wm = json_object();
    int bad = !root || !md || !wm;
    uint64_t total = 0;
    for (size_t f = 0; f < L->nf && !bad; f++) {
        const char *slash = strrchr(L->f[f].path, '/');
        const char *base = slash ? slash + 1 : L->f[f].path;
        for (size_t k = L->f[f].first; k < L->f[f].first + L->f[f].count;
             k++) {
            const nninit_plan_entry *e = nninit_plan_get(L->p, L->t[k].entry);
            total += e->nbytes;
            bad |= json_object_set_new(wm, e->name, json_string(base)) != 0;
        }
    }
    if (!bad)
        bad = json_object_set_new(md, "total_size",
                                  json_integer((json_int_t)total)) ||
              json_object_set(root, "metadata", md) ||
              json_object_set(root, "weight_map", wm);
    char *text = bad ? NULL
                     : json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS |
                                            JSON_ENSURE_ASCII);
    json_decref(md);
    json_decref(wm);
    json_decref(root);
    if (!text)
        return nninit__fail(err, NNINIT_ENOMEM,
                            "out of memory building the index");
    nninit__gtext(&L->index, text);
    nninit__gput(&L->index, "\n", 1);
    free(text); /* jansson's */
    return L->index.oom ? nninit__fail(err, NNINIT_ENOMEM, "out of memory")
                        : NNINIT_OK;
}

int nninit__safetensors_layout(nninit__layout *L, const char *path,
                               uint64_t max_shard, nninit_error *err)
{
    const nninit_plan *p = L->p;
    size_t n = nninit_plan_size(p), *start = NULL, *pos = NULL, ng;
    int rc = nninit__layout_groups(L, max_shard, 0, &pos, &start, &ng, err);
    if (rc)
        return rc;
    unsigned char *in = NULL;
    if (ng > 1 && !(in = (unsigned char *)nninit__alloc(L->a, n ? n : 1)))
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    if (rc == NNINIT_OK)
        rc = nninit__layout_alloc(L, ng, n, err);
    for (size_t g = 0; g < ng && rc == NNINIT_OK; g++) {
        nninit__lay_file *f = &L->f[g];
        size_t k0 = start[g], k1 = g + 1 < ng ? start[g + 1] : n;
        if (in) {
            memset(in, 0, n);
            for (size_t k = k0; k < k1; k++)
                in[nninit_plan_order(p, pos[k])] = 1;
        }
        f->path = ng > 1 ? nninit__shard_name(L->a, path, ".safetensors", g,
                                              ng)
                         : nninit__shard_name(L->a, path, NULL, 0, 1);
        if (!f->path) {
            rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
            break;
        }
        if ((rc = st_header(p, L->o->source, pos + k0, k1 - k0, in, &f->head,
                            err)))
            break;
        f->first = k0;
        f->count = k1 - k0;
        uint64_t at = f->head.n;
        for (size_t k = k0; k < k1; k++) {
            L->t[k].entry = nninit_plan_order(p, pos[k]);
            L->t[k].offset = at;
            at += nninit_plan_get(p, L->t[k].entry)->nbytes;
        }
        f->size = at;
    }
    if (rc == NNINIT_OK && ng > 1) {
        size_t pl = strlen(path);
        L->index_path = (char *)nninit__alloc(L->a, pl + 12);
        if (!L->index_path)
            rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        else {
            memcpy(L->index_path, path, pl);
            memcpy(L->index_path + pl, ".index.json", 12);
            rc = st_index(L, err);
        }
    }
    nninit__free(L->a, in);
    nninit__free(L->a, start);
    nninit__free(L->a, pos);
    return rc;
}
