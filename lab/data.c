/*
 * data.c: Fashion-MNIST (IDX through zlib) and the synthetic tasks.
 *
 * Every allocation, zlib's included, goes through the caller's allocator.
 *
 * IDX (LeCun's MNIST format, which Fashion-MNIST keeps): big-endian u32
 * magic 0x00000803 (u8 images, 3 dims) or 0x00000801 (u8 labels, 1 dim),
 * then one big-endian u32 per dim, then the bytes.
 */
#include "lab_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}

/* zlib's allocations go through the caller's allocator too. */
static voidpf z_alloc(voidpf ud, uInt items, uInt size)
{
    if (size && items > SIZE_MAX / size)
        return Z_NULL;
    return nninit__alloc((const nninit_allocator *)ud, (size_t)items * size);
}

static void z_free(voidpf ud, voidpf p)
{
    nninit__free((const nninit_allocator *)ud, p);
}

/* A gzip'ed file read through inflate (gzread allocates with malloc). */
typedef struct gz_in {
    FILE *f;
    z_stream zs;
    unsigned char *buf; /* compressed input */
    int done, bad;
} gz_in;

enum { GZ_CHUNK = 1 << 16 };

static int gz_open(gz_in *g, const char *path, const nninit_allocator *alloc)
{
    memset(g, 0, sizeof *g);
    g->f = fopen(path, "rb");
    if (!g->f)
        return NNINIT_ENOENT;
    g->buf = (unsigned char *)nninit__alloc(alloc, GZ_CHUNK);
    g->zs.zalloc = z_alloc;
    g->zs.zfree = z_free;
    g->zs.opaque = (voidpf)alloc;
    if (!g->buf || inflateInit2(&g->zs, 16 + MAX_WBITS) != Z_OK) {
        nninit__free(alloc, g->buf);
        fclose(g->f);
        g->f = NULL;
        return NNINIT_ENOMEM;
    }
    return NNINIT_OK;
}

static void gz_close(gz_in *g, const nninit_allocator *alloc)
{
    if (!g->f)
        return;
    inflateEnd(&g->zs);
    nninit__free(alloc, g->buf);
    fclose(g->f);
    g->f = NULL;
}

/* Read up to n bytes; returns how many (fewer at the end or on damage,
 * which sets g->bad). */
static size_t gz_read(gz_in *g, unsigned char *out, size_t n)
{
    size_t got = 0;
    while (got < n && !g->done && !g->bad) {
        if (g->zs.avail_in == 0) {
            size_t r = fread(g->buf, 1, GZ_CHUNK, g->f);
            if (r == 0) {
                g->bad = 1; /* the stream ended before its end marker */
                break;
            }
            g->zs.next_in = g->buf;
            g->zs.avail_in = (uInt)r;
        }
        size_t want = n - got > (1u << 30) ? (1u << 30) : n - got;
        g->zs.next_out = out + got;
        g->zs.avail_out = (uInt)want;
        int zr = inflate(&g->zs, Z_NO_FLUSH);
        got += want - g->zs.avail_out;
        if (zr == Z_STREAM_END)
            g->done = 1;
        else if (zr != Z_OK && zr != Z_BUF_ERROR)
            g->bad = zr == Z_MEM_ERROR ? 2 : 1;
    }
    return got;
}

/* Read an IDX file into a byte array (from alloc) of `count` records of
 * `recsize` bytes, the first `limit` records if limit > 0. */
static int idx_read(const char *path, int ndim, int limit,
                    const nninit_allocator *alloc, unsigned char **out,
                    int *count, int *recsize, nninit_error *err)
{
    gz_in g;
    int rc = gz_open(&g, path, alloc);
    if (rc == NNINIT_ENOMEM)
        return nninit__fail(err, rc, "out of memory");
    if (rc)
        return rc;
    unsigned char hdr[16];
    size_t want = 4 + 4 * (size_t)ndim;
    if (gz_read(&g, hdr, want) != want) {
        rc = g.bad == 2 ? nninit__fail(err, NNINIT_ENOMEM, "out of memory")
                        : nninit__fail(err, NNINIT_EFORMAT,
                                       "%s: truncated IDX header", path);
        gz_close(&g, alloc);
        return rc;
    }
    if (be32(hdr) != (uint32_t)(0x800 + ndim)) {
        gz_close(&g, alloc);
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: not an IDX u8 file of %d dims (magic 0x%08x)",
                            path, ndim, be32(hdr));
    }
    uint32_t n = be32(hdr + 4), rs = 1;
    for (int k = 1; k < ndim; k++)
        rs *= be32(hdr + 4 + 4 * k);
    if (n > 10000000u || rs > 1000000u) {
        gz_close(&g, alloc);
        return nninit__fail(err, NNINIT_EFORMAT, "%s: implausible IDX dims",
                            path);
    }
    if (limit > 0 && (uint32_t)limit < n)
        n = (uint32_t)limit;
    size_t bytes = (size_t)n * rs;
    unsigned char *buf = (unsigned char *)nninit__alloc(alloc, bytes ? bytes : 1);
    if (!buf) {
        gz_close(&g, alloc);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    size_t got = gz_read(&g, buf, bytes);
    int oom = g.bad == 2;
    gz_close(&g, alloc);
    if (got != bytes) {
        nninit__free(alloc, buf);
        if (oom)
            return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: truncated or damaged (%zu of %zu bytes)", path,
                            got, bytes);
    }
    *out = buf;
    *count = (int)n;
    *recsize = (int)rs;
    return NNINIT_OK;
}

void nninit_lab_data_free(nninit_lab_data *d)
{
    if (!d)
        return;
    nninit__free(d->alloc, d->x);
    nninit__free(d->alloc, d->y);
    d->x = NULL;
    d->y = NULL;
    d->n = 0;
}

/* Room for n rows of dim values and n labels. */
static int data_alloc(nninit_lab_data *d, int n, int dim,
                      const nninit_allocator *alloc, nninit_error *err)
{
    memset(d, 0, sizeof *d);
    d->alloc = alloc;
    d->x = (real *)nninit__alloc(alloc, (size_t)n * dim * sizeof(real));
    d->y = (int32_t *)nninit__alloc(alloc, (size_t)n * sizeof(int32_t));
    if (!d->x || !d->y) {
        nninit_lab_data_free(d);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    return NNINIT_OK;
}

int nninit_lab_fashion_load(const char *dir, int train, int limit,
                            const nninit_allocator *alloc,
                            nninit_lab_data *out, nninit_error *err)
{
    memset(out, 0, sizeof *out);
    out->alloc = alloc;
    if (!dir || !*dir)
        dir = NNINIT_LAB_FASHION_DIR;
    const char *stem = train ? "train" : "t10k";
    char ip[1024], lp[1024];
    snprintf(ip, sizeof ip, "%s/%s-images-idx3-ubyte.gz", dir, stem);
    snprintf(lp, sizeof lp, "%s/%s-labels-idx1-ubyte.gz", dir, stem);
    unsigned char *img = NULL, *lab = NULL;
    int n = 0, rs = 0, nl = 0, one = 0;
    int rc = idx_read(ip, 3, limit, alloc, &img, &n, &rs, err);
    if (rc == NNINIT_ENOENT)
        return nninit__fail(err, NNINIT_ENOENT,
                            "Fashion-MNIST not found (%s): install the Debian "
                            "package dataset-fashion-mnist "
                            "(apt-get install dataset-fashion-mnist)",
                            ip);
    if (rc)
        return rc;
    rc = idx_read(lp, 1, limit, alloc, &lab, &nl, &one, err);
    if (rc == NNINIT_ENOENT)
        rc = nninit__fail(err, NNINIT_ENOENT,
                          "Fashion-MNIST not found (%s): install the Debian "
                          "package dataset-fashion-mnist",
                          lp);
    if (!rc && nl != n)
        rc = nninit__fail(err, NNINIT_EFORMAT,
                          "%s: %d labels for %d images", lp, nl, n);
    for (int i = 0; !rc && i < n; i++)
        if (lab[i] > 9)
            rc = nninit__fail(err, NNINIT_EFORMAT, "%s: label %d > 9", lp,
                              lab[i]);
    if (!rc)
        rc = data_alloc(out, n, rs, alloc, err);
    if (!rc) {
        real scale[256]; /* v / 255 for every byte: one table, no divisions */
        for (int v = 0; v < 256; v++)
            scale[v] = (real)(v / 255.0);
        for (size_t i = 0; i < (size_t)n * rs; i++)
            out->x[i] = scale[img[i]];
        for (int i = 0; i < n; i++)
            out->y[i] = lab[i];
        out->n = n;
        out->dim = rs;
        out->classes = 10;
    }
    nninit__free(alloc, img);
    nninit__free(alloc, lab);
    return rc;
}

int nninit_lab_spirals(int n, int classes, double noise, uint64_t seed,
                       const nninit_allocator *alloc, nninit_lab_data *out,
                       nninit_error *err)
{
    memset(out, 0, sizeof *out);
    out->alloc = alloc;
    if (n < 1 || n > 10000000 || classes < 2 || classes > 100 ||
        !(noise >= 0) || !isfinite(noise))
        return nninit__fail(err, NNINIT_EINVAL,
                            "spirals: need n >= 1, 2..100 classes, noise >= 0");
    int rc = data_alloc(out, n, 2, alloc, err);
    if (rc)
        return rc;
    nninit_rng rng;
    nninit_rng_init(&rng, seed, nninit_stream_from_name("lab.spirals"));
    for (int i = 0; i < n; i++) {
        int c = (int)nninit_rng_below(&rng, (uint64_t)classes);
        double r = nninit_rng_uniform(&rng); /* radius in [0, 1) */
        double th = 2.0 * 3.14159265358979323846 *
                    (0.75 * r + (double)c / classes);
        out->x[2 * i] = (real)(2.0 * r * cos(th) + noise * nninit_rng_normal(&rng));
        out->x[2 * i + 1] =
            (real)(2.0 * r * sin(th) + noise * nninit_rng_normal(&rng));
        out->y[i] = c;
    }
    out->n = n;
    out->dim = 2;
    out->classes = classes;
    return NNINIT_OK;
}

void nninit_lab_data_gather(const nninit_lab_data *d, const uint32_t *idx,
                            int count, real *x, int32_t *y)
{
    for (int i = 0; i < count; i++) {
        memcpy(x + (size_t)i * d->dim, d->x + (size_t)idx[i] * d->dim,
               (size_t)d->dim * sizeof(real));
        if (y)
            y[i] = d->y[idx[i]];
    }
}

void nninit_lab_shuffle(nninit_rng *rng, uint32_t *idx, int n)
{
    for (int i = n - 1; i > 0; i--) {
        uint32_t j = (uint32_t)nninit_rng_below(rng, (uint64_t)i + 1);
        uint32_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

void nninit_lab_adding_batch(nninit_rng *rng, int steps, int batch, real *x,
                             real *y)
{
    const int half = steps / 2 > 0 ? steps / 2 : 1;
    for (int b = 0; b < batch; b++) {
        int m1 = (int)nninit_rng_below(rng, (uint64_t)half);
        int m2 = steps > 1 ? half + (int)nninit_rng_below(
                                        rng, (uint64_t)(steps - half))
                           : 0;
        double sum = 0;
        for (int t = 0; t < steps; t++) {
            real v = (real)nninit_rng_uniform(rng);
            real *p = x + ((size_t)t * batch + b) * 2;
            int marked = t == m1 || t == m2;
            p[0] = v;
            p[1] = marked ? 1 : 0;
            if (marked)
                sum += v;
        }
        y[b] = (real)sum;
    }
}

void nninit_lab_copy_batch(nninit_rng *rng, int delay, int batch, real *x,
                           int32_t *y)
{
    const int S = NNINIT_LAB_COPY_SYMBOLS, C = NNINIT_LAB_COPY_CLASSES;
    const int L = delay + 2 * S;
    memset(x, 0, (size_t)L * batch * C * sizeof(real));
    for (int b = 0; b < batch; b++) {
        for (int t = 0; t < L; t++) {
            int in, out;
            if (t < S) {
                in = (int)nninit_rng_below(rng, 8);
                out = 8;
                y[(size_t)(t + delay + S) * batch + b] = in;
            } else {
                in = t == S + delay - 1 ? 9 : 8;
                out = 8;
            }
            x[((size_t)t * batch + b) * C + in] = 1;
            if (t < S + delay)
                y[(size_t)t * batch + b] = out;
        }
    }
}

void nninit_lab_recall_batch(nninit_rng *rng, int delay, int batch, real *x,
                             real *y)
{
    const int L = 2 * delay;
    for (size_t i = 0; i < (size_t)L * batch; i++)
        x[i] = (real)nninit_rng_normal(rng);
    for (int t = 0; t < L; t++)
        for (int b = 0; b < batch; b++)
            y[(size_t)t * batch + b] =
                t >= delay ? x[(size_t)(t - delay) * batch + b] : 0;
}
