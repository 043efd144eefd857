/*
 * npz.c: NumPy .npz archives through libzip, both ways.
 *
 * Reading: libzip opens the archive (with its consistency checks); each
 * member must be "<name>.npy", whose .npy header is read and checked
 * against the member's size. Values are never read, except integer arrays
 * copied on request, in order.
 *
 * Writing: the archive is built on a libzip source whose write side is an
 * nninit_ofile (temporary file + rename), and each member is a source that
 * generates its .npy header and tensor bytes on demand, chunk by chunk. So
 * a model of any size is zipped in bounded memory, read once, stored (no
 * deflate), with zip64 records wherever a size or offset needs them.
 */
#define _POSIX_C_SOURCE 200809L
#include "io_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */
/* ------------------------------------------------------------------------ */

int nninit__npz_sniff(const unsigned char *b, size_t n, uint64_t size)
{
    (void)size; /* a zip's local header or (empty archive) its end record */
    return n >= 4 && b[0] == 'P' && b[1] == 'K' &&
           ((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6));
}

static int zfail(nninit_ckpt *ck, nninit_error *err, const char *what,
                 zip_error_t *ze)
{
    return nninit__fail(err, NNINIT_EFORMAT, "%s: %s: %s", ck->path, what,
                        ze ? zip_error_strerror(ze) : zip_strerror(ck->za));
}

/* Read exactly n bytes from an open member (0 at the end of the member is
 * a truncation). */
static int zread(nninit_ckpt *ck, zip_file_t *zf, void *buf, size_t n,
                 const char *member, nninit_error *err)
{
    size_t got = 0;
    while (got < n) {
        zip_int64_t r = zip_fread(zf, (char *)buf + got, n - got);
        if (r < 0)
            return nninit__fail(err, NNINIT_EFORMAT, "%s: member '%s': %s",
                                ck->path, member,
                                zip_error_strerror(zip_file_get_error(zf)));
        if (r == 0)
            return nninit__fail(err, NNINIT_EFORMAT,
                                "%s: member '%s' is truncated", ck->path,
                                member);
        got += (size_t)r;
    }
    return NNINIT_OK;
}

static int npz_member(nninit_ckpt *ck, zip_uint64_t idx, nninit_error *err)
{
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(ck->za, idx, 0, &st) != 0)
        return zfail(ck, err, "cannot read a member", NULL);
    const char *name = st.name ? st.name : "";
    size_t nl = strlen(name);
    if (nl <= 4 || strcmp(name + nl - 4, ".npy") != 0)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: member '%.80s' is not a .npy array", ck->path,
                            name);
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
        st.encryption_method != ZIP_EM_NONE)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: member '%.80s' is encrypted", ck->path, name);
    if (!(st.valid & ZIP_STAT_SIZE))
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: member '%.80s' has no size", ck->path, name);
    nninit__ck_tensor *t;
    int rc = nninit__ck_push(ck, name, nl - 4, &t, err);
    if (rc)
        return rc;
    t->zindex = (zip_int64_t)idx;
    zip_file_t *zf = zip_fopen_index(ck->za, idx, 0);
    if (!zf)
        return nninit__fail(err, NNINIT_EFORMAT, "%s: member '%.80s': %s",
                            ck->path, name, zip_strerror(ck->za));
    unsigned char pre[12];
    char *h = NULL;
    size_t pl = 10;
    uint64_t hl;
    nninit_error e;
    if ((rc = zread(ck, zf, pre, 10, name, err)))
        goto out;
    if ((pre[6] == 2 || pre[6] == 3) && st.size >= 12 &&
        (rc = zread(ck, zf, pre + 10, 2, name, err)) == NNINIT_OK)
        pl = 12;
    if (rc == NNINIT_OK &&
        (rc = nninit__npy_preamble(pre, pl, &pl, &hl, &e)) != NNINIT_OK)
        rc = nninit__fail(err, rc, "%s: member '%.80s': %s", ck->path, name,
                          e.msg);
    if (rc)
        goto out;
    if (pl + hl > st.size) {
        rc = nninit__fail(err, NNINIT_EFORMAT,
                          "%s: member '%.80s': .npy header length %llu is "
                          "larger than the member", ck->path, name,
                          (unsigned long long)hl);
        goto out;
    }
    h = (char *)nninit__alloc(ck->alloc, (size_t)hl + 1);
    if (!h) {
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = zread(ck, zf, h, (size_t)hl, name, err)))
        goto out;
    if ((rc = nninit__npy_parse_dict(h, (size_t)hl, &t->pub.type, t->type_name,
                                     sizeof t->type_name, &t->pub.shape,
                                     &e))) {
        rc = nninit__fail(err, NNINIT_EFORMAT, "%s: member '%.80s': %s",
                          ck->path, name, e.msg);
        goto out;
    }
    t->offset = pl + hl;
    if ((rc = nninit__ck_set_bytes(ck, t, 1, 1, err)))
        goto out;
    if (st.size - t->offset != t->pub.nbytes)
        rc = nninit__fail(err, NNINIT_EFORMAT,
                          "%s: member '%.80s' holds %llu bytes of data but "
                          "its header says %llu (%s %s)", ck->path, name,
                          (unsigned long long)(st.size - t->offset),
                          (unsigned long long)t->pub.nbytes, t->type_name,
                          nninit_shape_format(&t->pub.shape, (char[96]){0},
                                              96));
out:
    nninit__free(ck->alloc, h);
    zip_fclose(zf);
    return rc;
}

int nninit__npz_open(nninit_ckpt *ck, nninit_error *err)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src =
        ck->mem ? zip_source_buffer_create(ck->mem, ck->size, 0, &ze)
                : zip_source_file_create(ck->path, 0, -1, &ze);
    if (!src) {
        int rc = zfail(ck, err, "cannot open", &ze);
        zip_error_fini(&ze);
        return rc;
    }
    ck->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!ck->za) {
        zip_source_free(src);
        int rc = zfail(ck, err, "not a valid zip archive", &ze);
        zip_error_fini(&ze);
        return rc;
    }
    zip_error_fini(&ze);
    zip_int64_t n = zip_get_num_entries(ck->za, 0);
    int rc = nninit__ck_reserve(ck, n > 0 ? (uint64_t)n : 0, err);
    if (rc)
        return rc;
    for (zip_int64_t i = 0; i < n; i++) {
        rc = npz_member(ck, (zip_uint64_t)i, err);
        if (rc)
            return rc;
    }
    return NNINIT_OK;
}

void nninit__npz_close(nninit_ckpt *ck)
{
    if (ck->zf)
        zip_fclose(ck->zf);
    ck->zf = NULL;
    if (ck->za)
        zip_discard(ck->za);
    ck->za = NULL;
}

int nninit__npz_read(nninit_ckpt *ck, size_t i, uint64_t off, void *buf,
                     size_t n, nninit_error *err)
{
    const nninit__ck_tensor *t = &ck->t[i];
    uint64_t want = t->offset + off;
    int rc;
    if (!ck->zf || ck->zf_tensor != i || ck->zf_pos > want) {
        if (ck->zf)
            zip_fclose(ck->zf);
        ck->zf = zip_fopen_index(ck->za, (zip_uint64_t)t->zindex, 0);
        if (!ck->zf)
            return nninit__fail(err, NNINIT_EFORMAT, "%s: member '%s.npy': %s",
                                ck->path, t->name, zip_strerror(ck->za));
        ck->zf_tensor = i;
        ck->zf_pos = 0;
    }
    char skip[4096];
    while (ck->zf_pos < want) {
        uint64_t k = want - ck->zf_pos < sizeof skip ? want - ck->zf_pos
                                                     : sizeof skip;
        if ((rc = zread(ck, ck->zf, skip, (size_t)k, t->name, err)))
            return rc;
        ck->zf_pos += k;
    }
    if ((rc = zread(ck, ck->zf, buf, n, t->name, err)))
        return rc;
    ck->zf_pos += n;
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */
/* ------------------------------------------------------------------------ */

/* The archive's write side: an nninit_ofile the caller opened and will
 * commit or abort; libzip only writes, seeks and tells through it. It must
 * also answer a few read-side commands: STAT fails with ENOENT, which
 * libzip takes as "no archive yet", so it starts an empty one. */
typedef struct sink {
    nninit_ofile *f;
    uint64_t end; /* largest position written */
    zip_error_t ze;
    nninit_error *err;
    int nn_failed; /* err holds the first failure's message */
} sink;

static zip_int64_t sink_cb(void *ud, void *data, zip_uint64_t len,
                           zip_source_cmd_t cmd)
{
    sink *s = (sink *)ud;
    switch (cmd) {
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(
            ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
            ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
            ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL, ZIP_SOURCE_SUPPORTS,
            ZIP_SOURCE_BEGIN_WRITE, ZIP_SOURCE_COMMIT_WRITE,
            ZIP_SOURCE_ROLLBACK_WRITE, ZIP_SOURCE_WRITE,
            ZIP_SOURCE_SEEK_WRITE, ZIP_SOURCE_TELL_WRITE, ZIP_SOURCE_REMOVE,
            -1);
    case ZIP_SOURCE_STAT:
        zip_error_set(&s->ze, ZIP_ER_READ, ENOENT);
        return -1;
    case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&s->ze, data, len);
    case ZIP_SOURCE_BEGIN_WRITE:
        s->end = 0;
        return nninit_ofile_seek(s->f, 0, NULL) == NNINIT_OK ? 0 : -1;
    case ZIP_SOURCE_WRITE: {
        nninit_error e;
        if (nninit_ofile_write(s->f, data, (size_t)len, &e)) {
            if (!s->nn_failed && s->err)
                *s->err = e;
            s->nn_failed = 1;
            zip_error_set(&s->ze, ZIP_ER_WRITE, EIO);
            return -1;
        }
        uint64_t pos = nninit_ofile_tell(s->f);
        if (pos > s->end)
            s->end = pos;
        return (zip_int64_t)len;
    }
    case ZIP_SOURCE_SEEK_WRITE: {
        zip_source_args_seek_t *a =
            ZIP_SOURCE_GET_ARGS(zip_source_args_seek_t, data, len, &s->ze);
        if (!a)
            return -1;
        int64_t base = a->whence == SEEK_SET   ? 0
                       : a->whence == SEEK_CUR ? (int64_t)nninit_ofile_tell(s->f)
                                               : (int64_t)s->end;
        if (base + a->offset < 0) {
            zip_error_set(&s->ze, ZIP_ER_SEEK, EINVAL);
            return -1;
        }
        if (nninit_ofile_seek(s->f, (uint64_t)(base + a->offset), NULL)) {
            zip_error_set(&s->ze, ZIP_ER_SEEK, EIO);
            return -1;
        }
        return 0;
    }
    case ZIP_SOURCE_TELL_WRITE:
        return (zip_int64_t)nninit_ofile_tell(s->f);
    case ZIP_SOURCE_COMMIT_WRITE: /* the caller commits the ofile */
    case ZIP_SOURCE_ROLLBACK_WRITE:
    case ZIP_SOURCE_REMOVE:
    case ZIP_SOURCE_FREE:
    case ZIP_SOURCE_OPEN:
    case ZIP_SOURCE_CLOSE:
        return 0;
    default:
        zip_error_set(&s->ze, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
}

/* One member: its .npy header, then the tensor, generated on demand. */
typedef struct member {
    nninit__stream *s;
    size_t entry;
    char hdr[512];
    size_t hdr_len;
    uint64_t data_len, pos;
    uint64_t chunk_off; /* s->buf holds tensor bytes [chunk_off, +chunk_len) */
    size_t chunk_len;
    zip_error_t ze;
} member;

static zip_int64_t member_cb(void *ud, void *data, zip_uint64_t len,
                             zip_source_cmd_t cmd)
{
    member *m = (member *)ud;
    switch (cmd) {
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(
            ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
            ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
    case ZIP_SOURCE_OPEN:
        m->pos = 0;
        m->chunk_len = 0;
        return 0;
    case ZIP_SOURCE_STAT: {
        zip_stat_t *st = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, len, &m->ze);
        if (!st)
            return -1;
        zip_stat_init(st);
        st->size = m->hdr_len + m->data_len;
        st->valid |= ZIP_STAT_SIZE; /* the date: zip_file_set_dostime */
        return 0;
    }
    case ZIP_SOURCE_READ: {
        unsigned char *out = (unsigned char *)data;
        uint64_t total = m->hdr_len + m->data_len;
        zip_uint64_t n = 0;
        while (n < len && m->pos < total) {
            if (m->pos < m->hdr_len) {
                size_t k = m->hdr_len - (size_t)m->pos;
                if (k > len - n)
                    k = (size_t)(len - n);
                memcpy(out + n, m->hdr + m->pos, k);
                n += k;
                m->pos += k;
                continue;
            }
            uint64_t off = m->pos - m->hdr_len;
            if (m->chunk_len == 0 || off < m->chunk_off ||
                off >= m->chunk_off + m->chunk_len || m->s->owner != m) {
                uint64_t left = m->data_len - off;
                size_t k = left < m->s->buf_bytes ? (size_t)left
                                                  : m->s->buf_bytes;
                if (nninit__stream_chunk(m->s, m->entry, off, k)) {
                    zip_error_set(&m->ze, ZIP_ER_READ, EIO);
                    return -1;
                }
                m->s->owner = m;
                m->chunk_off = off;
                m->chunk_len = k;
            }
            size_t at = (size_t)(off - m->chunk_off);
            size_t k = m->chunk_len - at;
            if (k > len - n)
                k = (size_t)(len - n);
            memcpy(out + n, (unsigned char *)m->s->buf + at, k);
            n += k;
            m->pos += k;
        }
        return (zip_int64_t)n;
    }
    case ZIP_SOURCE_CLOSE:
    case ZIP_SOURCE_FREE:
        return 0;
    case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&m->ze, data, len);
    default:
        zip_error_set(&m->ze, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
}

int nninit__npz_write(const nninit_plan *p, nninit_ofile *f,
                      nninit__stream *s, nninit_error *err)
{
    size_t n = nninit_plan_size(p);
    const nninit_allocator *a = s->o->fill.alloc;
    member *mem = (member *)nninit__alloc_array(a, n, sizeof *mem);
    nninit__meta meta[NNINIT__META_MAX];
    char seed[32];
    char *comment = NULL;
    sink sk;
    memset(&sk, 0, sizeof sk);
    sk.f = f;
    sk.err = err;
    zip_error_init(&sk.ze);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_t *za = NULL;
    int rc = NNINIT_OK;
    if (!mem) {
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        goto out;
    }
    memset(mem, 0, n * sizeof *mem);
    zip_source_t *root = zip_source_function_create(sink_cb, &sk, &ze);
    if (!root) {
        rc = nninit__fail(err, NNINIT_ENOMEM, "libzip: %s",
                          zip_error_strerror(&ze));
        goto out;
    }
    za = zip_open_from_source(root, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    if (!za) {
        zip_source_free(root);
        rc = nninit__fail(err, NNINIT_EIO, "libzip cannot start an archive: "
                                           "%s", zip_error_strerror(&ze));
        goto out;
    }
    /* what the archive takes at least (each member's local header, name,
     * .npy header and data, its central directory entry, the end record):
     * reserved up front, so a disk that is too small fails at once */
    uint64_t least = 22;
    for (size_t k = 0; k < n && rc == NNINIT_OK; k++) {
        size_t i = nninit_plan_order(p, k);
        const nninit_plan_entry *e = nninit_plan_get(p, i);
        member *m = &mem[k];
        m->s = s;
        m->entry = i;
        zip_error_init(&m->ze);
        m->data_len = e->nbytes;
        if ((rc = nninit__npy_header_etype(m->hdr, sizeof m->hdr, e->type,
                                         e->shape, &m->hdr_len, err)))
            break;
        char name[NNINIT_NAME_MAX + 8];
        snprintf(name, sizeof name, "%s.npy", e->name);
        least += 30 + 46 + 2 * strlen(name) + m->hdr_len + m->data_len;
        zip_source_t *src = zip_source_function(za, member_cb, m);
        zip_int64_t idx = src ? zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8)
                              : -1;
        if (idx < 0) {
            if (src)
                zip_source_free(src);
            rc = nninit__fail(err, NNINIT_EIO, "libzip cannot add '%s': %s",
                              name, zip_strerror(za));
            break;
        }
        /* 1980-01-01 12:00:00 as the DOS date and time fields themselves:
         * an mtime would go through localtime, and the bytes would depend
         * on the machine's timezone */
        if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0) ||
            zip_file_set_dostime(za, (zip_uint64_t)idx, 12 << 11,
                                 (0 << 9) | (1 << 5) | 1, 0))
            rc = nninit__fail(err, NNINIT_EIO, "libzip: %s", zip_strerror(za));
    }
    /* nninit's record, as JSON, in the archive comment (numpy ignores it) */
    if (rc == NNINIT_OK) {
        size_t nm = nninit__plan_meta(p, meta, seed);
        comment = nninit__meta_json(meta, nm, p, a);
        if (!comment)
            rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        else if (strlen(comment) <= 65535 &&
                 zip_set_archive_comment(za, comment,
                                         (zip_uint16_t)strlen(comment)))
            rc = nninit__fail(err, NNINIT_EIO, "libzip: %s", zip_strerror(za));
    }
    if (rc == NNINIT_OK)
        rc = nninit_ofile_reserve(f, least, err);
    if (rc == NNINIT_OK) {
        s->owner = NULL;
        s->failed = 0;
        if (zip_close(za) != 0) {
            /* our own failures (disk full, interrupted, out of memory)
             * are already in err */
            if (!sk.nn_failed && !s->failed)
                nninit__fail(err, NNINIT_EIO,
                             "libzip cannot write the archive: %s",
                             zip_strerror(za));
            rc = s->failed ? s->failed : NNINIT_EIO;
        } else {
            za = NULL;
        }
    }
out:
    if (za)
        zip_discard(za);
    s->owner = NULL;
    nninit__free(a, comment);
    if (mem)
        for (size_t k = 0; k < n; k++)
            zip_error_fini(&mem[k].ze);
    nninit__free(a, mem);
    zip_error_fini(&sk.ze);
    zip_error_fini(&ze);
    return rc;
}
