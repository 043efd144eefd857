/*
 * data.c: Fashion-MNIST (IDX through zlib) and the synthetic tasks.
 *
 * IDX (LeCun's MNIST format, which Fashion-MNIST keeps): big-endian u32
 * magic 0x00000803 (u8 images, 3 dims) or 0x00000801 (u8 labels, 1 dim),
 * then one big-endian u32 per dim, then the bytes.
 */
#include "lab_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}

/* Read an IDX file into a malloc'ed byte array of `count` records of
 * `recsize` bytes, the first `limit` records if limit > 0. */
static int idx_read(const char *path, int ndim, int limit, unsigned char **out,
                    int *count, int *recsize, nninit_error *err)
{
    gzFile f = gzopen(path, "rb");
    if (!f)
        return NNINIT_ENOENT;
    unsigned char hdr[16];
    int want = 4 + 4 * ndim;
    if (gzread(f, hdr, (unsigned)want) != want) {
        gzclose(f);
        return nninit__fail(err, NNINIT_EFORMAT, "%s: truncated IDX header",
                            path);
    }
    if (be32(hdr) != (uint32_t)(0x800 + ndim)) {
        gzclose(f);
        return nninit__fail(err, NNINIT_EFORMAT,
                            "%s: not an IDX u8 file of %d dims (magic 0x%08x)",
                            path, ndim, be32(hdr));
    }
    uint32_t n = be32(hdr + 4), rs = 1;
    for (int k = 1; k < ndim; k++)
        rs *= be32(hdr + 4 + 4 * k);
    if (n > 10000000u || rs > 1000000u) {
        gzclose(f);
        return nninit__fail(err, NNINIT_EFORMAT, "%s: implausible IDX dims",
                            path);
    }
    if (limit > 0 && (uint32_t)limit < n)
        n = (uint32_t)limit;
    size_t bytes = (size_t)n * rs;
    unsigned char *buf = (unsigned char *)malloc(bytes ? bytes : 1);
    if (!buf) {
        gzclose(f);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    size_t got = 0;
    while (got < bytes) {
        unsigned chunk = bytes - got > (1u << 30) ? (1u << 30)
                                                  : (unsigned)(bytes - got);
        int r = gzread(f, buf + got, chunk);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    gzclose(f);
    if (got != bytes) {
        free(buf);
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
    free(d->x);
    free(d->y);
    d->x = NULL;
    d->y = NULL;
    d->n = 0;
}

int nninit_lab_fashion_load(const char *dir, int train, int limit,
                            nninit_lab_data *out, nninit_error *err)
{
    memset(out, 0, sizeof *out);
    if (!dir)
        dir = getenv("NNINIT_FASHION_MNIST");
    if (!dir || !*dir)
        dir = NNINIT_LAB_FASHION_DIR;
    const char *stem = train ? "train" : "t10k";
    char ip[1024], lp[1024];
    snprintf(ip, sizeof ip, "%s/%s-images-idx3-ubyte.gz", dir, stem);
    snprintf(lp, sizeof lp, "%s/%s-labels-idx1-ubyte.gz", dir, stem);
    unsigned char *img = NULL, *lab = NULL;
    int n = 0, rs = 0, nl = 0, one = 0;
    int rc = idx_read(ip, 3, limit, &img, &n, &rs, err);
    if (rc == NNINIT_ENOENT)
        return nninit__fail(err, NNINIT_ENOENT,
                            "Fashion-MNIST not found (%s): install the Debian "
                            "package dataset-fashion-mnist "
                            "(apt-get install dataset-fashion-mnist)",
                            ip);
    if (rc)
        return rc;
    rc = idx_read(lp, 1, limit, &lab, &nl, &one, err);
    if (rc == NNINIT_ENOENT)
        rc = nninit__fail(err, NNINIT_ENOENT,
                          "Fashion-MNIST not found (%s): install the Debian "
                          "package dataset-fashion-mnist",
                          lp);
    if (!rc && nl != n)
        rc = nninit__fail(err, NNINIT_EFORMAT,
                          "%s: %d labels for %d images", lp, nl, n);
    if (rc) {
        free(img);
        free(lab);
        return rc;
    }
    out->x = (real *)malloc((size_t)n * rs * sizeof(real));
    out->y = (int32_t *)malloc((size_t)n * sizeof(int32_t));
    if (!out->x || !out->y) {
        free(img);
        free(lab);
        nninit_lab_data_free(out);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    real scale[256]; /* v / 255 for every byte: one table, no divisions */
    for (int v = 0; v < 256; v++)
        scale[v] = (real)(v / 255.0);
    for (size_t i = 0; i < (size_t)n * rs; i++)
        out->x[i] = scale[img[i]];
    for (int i = 0; i < n; i++) {
        if (lab[i] > 9) {
            free(img);
            free(lab);
            nninit_lab_data_free(out);
            return nninit__fail(err, NNINIT_EFORMAT, "%s: label %d > 9", lp,
                                lab[i]);
        }
        out->y[i] = lab[i];
    }
    free(img);
    free(lab);
    out->n = n;
    out->dim = rs;
    out->classes = 10;
    return NNINIT_OK;
}

int nninit_lab_spirals(int n, int classes, double noise, uint64_t seed,
                       nninit_lab_data *out, nninit_error *err)
{
    memset(out, 0, sizeof *out);
    if (n < 1 || n > 10000000 || classes < 2 || classes > 100 ||
        !(noise >= 0) || !isfinite(noise))
        return nninit__fail(err, NNINIT_EINVAL,
                            "spirals: need n >= 1, 2..100 classes, noise >= 0");
    out->x = (real *)malloc((size_t)n * 2 * sizeof(real));
    out->y = (int32_t *)malloc((size_t)n * sizeof(int32_t));
    if (!out->x || !out->y) {
        nninit_lab_data_free(out);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
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
