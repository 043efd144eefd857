/*
 * format.c: THE table of model file formats, and the front doors that go
 * through it: naming a format, opening a checkpoint (the first bytes pick
 * the reader), writing a plan (the format's layout, or its own writer).
 *
 * Adding a format is a row here and one file of its own that reads and
 * writes it (safetensors.c, gguf.c, npz.c).
 */
#define _POSIX_C_SOURCE 200809L
#include "io_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const nninit__format_row nninit__formats[NNINIT_FORMAT_COUNT] = {
    [NNINIT_FORMAT_SAFETENSORS] =
        {{"safetensors", ".safetensors", 1,
          "OUT-00001-of-0000N.safetensors + OUT.safetensors.index.json",
          "Hugging Face safetensors (JSON header, raw little-endian data)"},
         nninit__safetensors_sniff, nninit__safetensors_open,
         nninit__safetensors_layout, NULL},
    [NNINIT_FORMAT_NPZ] =
        {{"npz", ".npz", 0, NULL,
          "NumPy .npz (a zip of .npy arrays, stored; needs a seekable file)"},
         nninit__npz_sniff, nninit__npz_open, NULL, nninit__npz_write},
    [NNINIT_FORMAT_GGUF] =
        {{"gguf", ".gguf", 1,
          "OUT-00001-of-0000N.gguf (llama.cpp gguf-split)",
          "GGUF v3 (llama.cpp, ggml)"},
         nninit__gguf_sniff, nninit__gguf_open, nninit__gguf_layout, NULL},
};

/* the names, in the order of the enum, for nninit_names (suggestions) */
static const char *const format_names[NNINIT_FORMAT_COUNT] = {
    "safetensors", "npz", "gguf"};
static const nninit_names format_table = {"format", format_names,
                                          NNINIT_FORMAT_COUNT, NULL, 0};

NNINIT__NAMED_ENUM(nninit_format, nninit_format, format_table)

const nninit_format_info *nninit_format_get(nninit_format fmt)
{
    return (unsigned)fmt < NNINIT_FORMAT_COUNT ? &nninit__formats[fmt].pub
                                               : NULL;
}

int nninit_format_from_path(const char *path, nninit_format *out,
                            nninit_error *err)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (dot && (!slash || dot > slash))
        for (int f = 0; f < NNINIT_FORMAT_COUNT; f++)
            if (!strcmp(dot, nninit__formats[f].pub.extension)) {
                *out = (nninit_format)f;
                return NNINIT_OK;
            }
    char list[128] = "";
    for (int f = 0; f < NNINIT_FORMAT_COUNT; f++)
        nninit__strf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                     f == 0                         ? ""
                     : f + 1 == NNINIT_FORMAT_COUNT ? " or "
                                                    : ", ",
                     nninit__formats[f].pub.extension);
    return nninit__fail(err, NNINIT_EINVAL,
                        "'%s': the output name must end in %s",
                        path ? path : "", list);
}

int nninit_size_parse(const char *text, uint64_t *out, nninit_error *err)
{
    static const struct {
        const char *unit;
        double mult;
    } units[] = {{"", 1},       {"B", 1},        {"kB", 1e3},
                 {"KB", 1e3},   {"MB", 1e6},     {"GB", 1e9},
                 {"TB", 1e12},  {"KiB", 1024.0}, {"MiB", 1048576.0},
                 {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}};
    const char *s = text ? text : "";
    char *end = NULL;
    double v = (*s >= '0' && *s <= '9') ? strtod(s, &end) : -1;
    if (end && v > 0 && isfinite(v))
        for (size_t i = 0; i < sizeof units / sizeof *units; i++)
            if (!strcmp(end, units[i].unit)) {
                double b = floor(v * units[i].mult);
                if (b < 1 || b > 9.2e18)
                    break;
                *out = (uint64_t)b;
                return NNINIT_OK;
            }
    return nninit__fail(err, NNINIT_EINVAL,
                        "'%s' is not a size (examples: 5GB, 500MB, 2GiB, "
                        "1000000)", s);
}

/* ------------------------------------------------------------------------ */
/* Opening checkpoints                                                      */
/* ------------------------------------------------------------------------ */

/* The reader the first bytes name, and the names made unique. */
static int open_sniffed(nninit_ckpt *ck, nninit_error *err)
{
    unsigned char magic[12] = {0};
    size_t m = ck->size < sizeof magic ? (size_t)ck->size : sizeof magic;
    int rc = nninit__ck_read_at(ck, 0, magic, m, err);
    if (rc)
        return rc;
    for (int f = 0; f < NNINIT_FORMAT_COUNT; f++)
        if (nninit__formats[f].sniff(magic, m, ck->size)) {
            ck->fmt = (nninit_format)f;
            rc = nninit__formats[f].open(ck, err);
            return rc ? rc : nninit__ck_check_unique(ck, err);
        }
    if (ck->size < 9)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: %llu bytes: too short to be a safetensors, "
                            "npz or gguf file", ck->path,
                            (unsigned long long)ck->size);
    return nninit__fail(err, NNINIT_EFORMAT,
                        "%s: not a safetensors, npz or gguf file (unknown "
                        "first bytes)", ck->path);
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

int nninit_ckpt_open(const char *path, const nninit_allocator *alloc,
                     nninit_ckpt **out, nninit_error *err)
{
    nninit_ckpt *ck = NULL;
    int rc;
    *out = NULL;
    if (has_suffix(path, ".safetensors.index.json")) {
        if (!(ck = nninit__ck_new(path, alloc)))
            return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        ck->fmt = NNINIT_FORMAT_SAFETENSORS;
        rc = nninit__safetensors_open_index(ck, err);
    } else if ((rc = nninit__ck_open_fd(path, alloc, &ck, err)) ==
                   NNINIT_OK &&
               (rc = open_sniffed(ck, err)) == NNINIT_OK &&
               ck->fmt == NNINIT_FORMAT_GGUF) {
        rc = nninit__gguf_open_splits(ck, err);
    }
    if (rc == NNINIT_OK && ck->nparts)
        rc = nninit__ck_check_unique(ck, err);
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
    nninit_ckpt *ck = nninit__ck_new("<memory>", alloc);
    if (!ck)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    ck->mem = (const unsigned char *)(data ? data : "");
    ck->size = data ? size : 0;
    int rc = open_sniffed(ck, err);
    if (rc) {
        nninit_ckpt_close(ck);
        return rc;
    }
    *out = ck;
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */
/* ------------------------------------------------------------------------ */

/* What every format refuses before anything is written. */
static int check_plan(const nninit_plan *p, const char *path,
                      nninit_format fmt, const nninit_write_opts *o,
                      nninit_error *err)
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
    if ((unsigned)fmt >= NNINIT_FORMAT_COUNT)
        return nninit__fail(err, NNINIT_EINVAL, "unknown format %d", (int)fmt);
    if (o->max_shard_bytes && !nninit__formats[fmt].pub.shards)
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s cannot be written in shards (safetensors and "
                            "gguf can)", nninit__formats[fmt].pub.name);
    struct stat st; /* shards are files named after the output */
    if (o->max_shard_bytes && stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return nninit__fail(err, NNINIT_EINVAL,
                            "'%s' is not a regular file: shards are files "
                            "named after it", path);
    return NNINIT_OK;
}

int nninit_plan_write(const nninit_plan *p, const char *path,
                      nninit_format fmt, const nninit_write_opts *opts,
                      nninit_error *err)
{
    nninit_write_opts def = nninit_write_opts_default();
    const nninit_write_opts *o = opts ? opts : &def;
    int rc = check_plan(p, path, fmt, o, err);
    if (rc)
        return nninit__team_fail(o->team, rc, err);
    const nninit__format_row *row = &nninit__formats[fmt];
    if (!row->layout)
        return nninit__write_whole(p, path, o, row->write_whole, err);
    nninit__layout L;
    memset(&L, 0, sizeof L);
    L.p = p;
    L.o = o;
    L.a = o->fill.alloc;
    L.index.a = L.a;
    if ((rc = row->layout(&L, path, o->max_shard_bytes, err)) == NNINIT_OK)
        rc = nninit__layout_write(&L, err);
    else
        rc = nninit__team_fail(o->team, rc, err);
    nninit__layout_free(&L);
    return rc;
}
