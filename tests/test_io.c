/*
 * test_io.c: the io layer. Checkpoint readers against a corpus of corrupt
 * files made here (every truncation of valid files, targeted corruptions
 * of each format's fields, and thousands of byte mutations): each must be
 * refused with NNINIT_EFORMAT (or read correctly), never crash; under
 * ASan/UBSan this is also a memory-safety check. Model descriptions: error
 * positions and messages. Writers: round trips through the readers.
 */
#define _POSIX_C_SOURCE 200809L
#include "nninit.h"
#include "nninit/io.h"
#include "nninit_test.h"
#include "test_bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Byte builders                                                            */
/* ------------------------------------------------------------------------ */

/* A safetensors file with the given header text and data bytes. */
static buf st_file(const char *hdr, size_t data)
{
    buf x = {0};
    u64(&x, strlen(hdr));
    put(&x, hdr, strlen(hdr));
    for (size_t i = 0; i < data; i++)
        put(&x, "\x01", 1);
    return x;
}

static int open_mem(const buf *x, nninit_ckpt **ck, nninit_error *err)
{
    return nninit_ckpt_open_mem(x->b, x->n, NULL, ck, err);
}

/* The reader must refuse it: EFORMAT, message containing `want`. */
#define REFUSE(x, want)                                                        \
    do {                                                                       \
        nninit_ckpt *ck_ = NULL;                                               \
        nninit_error e_;                                                       \
        e_.msg[0] = 0;                                                         \
        int rc_ = open_mem(&(x), &ck_, &e_);                                   \
        CHECK_MSG(rc_ == NNINIT_EFORMAT && ck_ == NULL,                        \
                  "accepted or wrong status %d (%s)", rc_, e_.msg);            \
        CHECK_MSG(strstr(e_.msg, want) != NULL, "'%s' lacks '%s'", e_.msg,     \
                  want);                                                       \
        nninit_ckpt_close(ck_);                                                \
    } while (0)

/* Every prefix and `mutations` random byte changes: refused or read, never
 * a crash (ASan watches), and a prefix is never accepted. */
static void abuse(const buf *x, int mutations, uint64_t seed)
{
    for (size_t len = 0; len < x->n; len++) {
        nninit_ckpt *ck = NULL;
        int rc = nninit_ckpt_open_mem(x->b, len, NULL, &ck, NULL);
        CHECK_MSG(rc != NNINIT_OK, "prefix of %zu/%zu bytes accepted", len,
                  x->n);
        nninit_ckpt_close(ck);
    }
    nninit_rng g;
    nninit_rng_init(&g, seed, 77);
    unsigned char *c = (unsigned char *)malloc(x->n);
    for (int k = 0; k < mutations; k++) {
        memcpy(c, x->b, x->n);
        int flips = 1 + (int)nninit_rng_below(&g, 4);
        for (int f = 0; f < flips; f++) {
            size_t at = (size_t)nninit_rng_below(&g, x->n);
            uint32_t r = nninit_rng_u32(&g);
            c[at] = (r & 1) ? (unsigned char)(r >> 8)
                            : (unsigned char)(c[at] ^ (1u << ((r >> 8) & 7)));
        }
        nninit_ckpt *ck = NULL;
        int rc = nninit_ckpt_open_mem(c, x->n, NULL, &ck, NULL);
        CHECK(rc == NNINIT_OK || rc == NNINIT_EFORMAT);
        if (rc == NNINIT_OK) {
            /* whatever it says must be consistent enough to read */
            for (size_t i = 0; i < nninit_ckpt_count(ck); i++) {
                const nninit_ckpt_tensor *t = nninit_ckpt_get(ck, i);
                unsigned char tmp[64];
                size_t n = t->nbytes < sizeof tmp ? (size_t)t->nbytes
                                                  : sizeof tmp;
                int r2 = nninit_ckpt_read(ck, i, 0, tmp, n, NULL);
                CHECK(r2 == NNINIT_OK || r2 == NNINIT_EFORMAT);
            }
        }
        nninit_ckpt_close(ck);
    }
    free(c);
}

/* ------------------------------------------------------------------------ */
/* safetensors                                                              */
/* ------------------------------------------------------------------------ */

#define ST_OK                                                                  \
    "{\"__metadata__\":{\"format\":\"pt\"},"                                   \
    "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"       \
    "\"b\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[24,32]}}   "

static void safetensors_valid(void)
{
    buf x = st_file(ST_OK, 32);
    nninit_ckpt *ck;
    nninit_error err;
    CHECK_MSG(open_mem(&x, &ck, &err) == NNINIT_OK, "%s", err.msg);
    CHECK_EQ_INT(nninit_ckpt_format(ck), NNINIT_FORMAT_SAFETENSORS);
    CHECK_EQ_INT(nninit_ckpt_count(ck), 2);
    const nninit_ckpt_tensor *a = nninit_ckpt_get(ck, 0);
    CHECK(!strcmp(a->name, "a") && a->type == NNINIT_ET_F32 &&
          a->shape.ndim == 2 && a->shape.dim[1] == 3 && a->nbytes == 24);
    const nninit_ckpt_tensor *b = nninit_ckpt_get(ck, 1);
    CHECK(b->type == NNINIT_ET_I64 && b->shape.ndim == 0 && b->nbytes == 8);
    unsigned char v[8];
    CHECK(nninit_ckpt_read(ck, 1, 0, v, 8, &err) == NNINIT_OK && v[7] == 1);
    CHECK(nninit_ckpt_read(ck, 1, 4, v, 8, &err) == NNINIT_ERANGE);
    nninit_ckpt_close(ck);
    abuse(&x, 3000, 1);
    free(x.b);
}

static void safetensors_corrupt(void)
{
    struct {
        const char *hdr;
        size_t data;
        const char *want;
    } cases[] = {
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8,
         "invalid JSON"},
        {"[1, 2]", 0, "not a safetensors, npz or gguf file"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"
         "x", 8, "invalid JSON"},
        {"{\"a\":{\"dtype\":\"F7\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
         "unknown dtype 'F7'"},
        {"{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}",
         2, "not supported"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8,
         "non-negative integers"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}",
         8, "non-negative integers"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8,
         "needs 12"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8,
         "begin <= end"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
         12, "overlap"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}",
         20, "hole"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 9,
         "after the last tensor"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4,
         "truncated file"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
         8, "invalid JSON"}, /* duplicate keys */
        {"{\"__metadata__\":{\"x\":1}}", 0, "not a string"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],"
         "\"data_offsets\":[0,8]}}", 8, "2^62"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],"
         "\"data_offsets\":[0,4]}}", 4, "dimensions"},
        {"{\"a\":\"F32\"}", 0, "object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        buf x = st_file(cases[i].hdr, cases[i].data);
        REFUSE(x, cases[i].want);
        free(x.b);
    }
    /* header length larger than the file */
    buf x = st_file("{}", 0);
    x.b[0] = 200;
    REFUSE(x, "larger than the file");
    x.b[0] = 0;
    x.b[7] = 0x80;
    REFUSE(x, "larger than the file");
    free(x.b);
    buf y = {0};
    put(&y, "\x05\x00", 2);
    REFUSE(y, "too short");
    free(y.b);
}

/* ------------------------------------------------------------------------ */
/* GGUF                                                                     */
/* ------------------------------------------------------------------------ */

/* A valid GGUF: 3 key-values (one an array of strings), tensors "w" F32
 * ne (3, 2) and "q" Q8_0 ne (32,), each at an aligned offset. */
static buf gguf_file(void)
{
    buf x = {0};
    put(&x, "GGUF", 4);
    u32(&x, 3);
    u64(&x, 2);
    u64(&x, 3);
    gstr(&x, "general.architecture");
    u32(&x, 8);
    gstr(&x, "llama");
    gstr(&x, "tok.list");
    u32(&x, 9);
    u32(&x, 8);
    u64(&x, 2);
    gstr(&x, "a");
    gstr(&x, "bc");
    gstr(&x, "general.alignment");
    u32(&x, 4);
    u32(&x, 32);
    gstr(&x, "w");
    u32(&x, 2);
    u64(&x, 3);
    u64(&x, 2);
    u32(&x, 0);
    u64(&x, 0);
    gstr(&x, "q");
    u32(&x, 1);
    u64(&x, 32);
    u32(&x, 8);
    u64(&x, 32);
    while (x.n % 32)
        put(&x, "", 1);
    for (int i = 0; i < 32 + 34; i++)
        put(&x, "\x02", 1);
    return x;
}

static void gguf_valid(void)
{
    buf x = gguf_file();
    nninit_ckpt *ck;
    nninit_error err;
    CHECK_MSG(open_mem(&x, &ck, &err) == NNINIT_OK, "%s", err.msg);
    CHECK_EQ_INT(nninit_ckpt_count(ck), 2);
    const nninit_ckpt_tensor *w = nninit_ckpt_get(ck, 0);
    /* ne (3, 2) fastest-first is row-major (2, 3) */
    CHECK(w->shape.ndim == 2 && w->shape.dim[0] == 2 && w->shape.dim[1] == 3);
    CHECK(w->type == NNINIT_ET_F32 && w->nbytes == 24);
    const nninit_ckpt_tensor *q = nninit_ckpt_get(ck, 1);
    CHECK(q->type == NNINIT_ET_OTHER && !strcmp(q->type_name, "Q8_0") &&
          q->nbytes == 34);
    nninit_model *m;
    nninit_model_new(&m, NULL, NULL);
    CHECK(nninit_ckpt_add_to_model(ck, m, &err) == NNINIT_OK);
    CHECK(!strcmp(nninit_model_architecture(m), "llama"));
    nninit_model_free(m);
    nninit_ckpt_close(ck);
    abuse(&x, 3000, 2);
    free(x.b);
}

/* Patch the little-endian word at `at` of a copy of the valid file. */
static buf patched(const buf *x, size_t at, uint64_t v, int bytes)
{
    buf y = {0};
    put(&y, x->b, x->n);
    for (int i = 0; i < bytes; i++)
        y.b[at + (size_t)i] = (unsigned char)(v >> (8 * i));
    return y;
}

static size_t find_n(const buf *x, const char *s, size_t n)
{
    for (size_t i = 0; i + n <= x->n; i++)
        if (!memcmp(x->b + i, s, n))
            return i;
    TEST_FAIL_AT("pattern not found");
    return 0;
}
/* patterns may hold NUL bytes: their length is the literal's */
#define find(x, lit) find_n(x, lit, sizeof lit - 1)

static void gguf_corrupt(void)
{
    buf x = gguf_file();
    size_t arch = find(&x, "general.architecture") - 8;
    size_t list = find(&x, "tok.list") + 8;     /* value type */
    size_t align = find(&x, "general.alignment") + 17 + 4;
    size_t w = find(&x, "\x01\x00\x00\x00\x00\x00\x00\x00w") + 9;
    struct {
        size_t at;
        uint64_t v;
        int bytes;
        const char *want;
    } cases[] = {
        {4, 1, 4, "version 1"},
        {4, 4, 4, "version 4"},
        {8, UINT64_C(1) << 40, 8, "cannot fit"},
        {16, UINT64_C(1) << 40, 8, "cannot fit"},
        {arch, UINT64_C(1) << 20, 8, "at most 65535"},
        {arch, 200, 8, "NUL byte"},
        {arch, 3000, 8, "past the end"},
        {list, 13, 4, "unknown value type 13"},
        {list + 4, 77, 4, "unknown array element type"},
        {list + 8, UINT64_C(1) << 60, 8, "past the end"},
        {align, 48, 4, "power of two"},
        {w, 5, 4, "5 dimensions"},
        {w + 4 + 16, 99, 4, "unknown ggml type 99"},
        {w + 4 + 16 + 4, 4, 8, "multiple of the alignment"},
        {w + 4 + 16 + 4, 1u << 20, 8, "past the end"},
        {w + 4 + 16 + 4, 32, 8, "overlap"},
        {w + 4, 31, 8, "past the end"},
        {w + 4, UINT64_C(1) << 63, 8, "overflows"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        buf y = patched(&x, cases[i].at, cases[i].v, cases[i].bytes);
        REFUSE(y, cases[i].want);
        free(y.b);
    }
    /* Q8_0 with 33 elements per row: not a whole block */
    size_t q = find(&x, "\x01\x00\x00\x00\x00\x00\x00\x00q") + 9;
    buf y = patched(&x, q + 4, 33, 8);
    REFUSE(y, "block");
    free(y.b);
    /* a duplicate key */
    buf z = {0};
    put(&z, "GGUF", 4);
    u32(&z, 3);
    u64(&z, 0);
    u64(&z, 2);
    for (int i = 0; i < 2; i++) {
        gstr(&z, "k");
        u32(&z, 4);
        u32(&z, 1);
    }
    REFUSE(z, "duplicate key 'k'");
    free(z.b);
    y = patched(&x, find(&x, "q"), 'w', 1);
    REFUSE(y, "duplicate tensor name 'w'");
    free(y.b);
    /* nested arrays deeper than 8 */
    buf d = {0};
    put(&d, "GGUF", 4);
    u32(&d, 3);
    u64(&d, 0);
    u64(&d, 1);
    gstr(&d, "deep");
    u32(&d, 9);
    for (int i = 0; i < 12; i++) {
        u32(&d, 9);
        u64(&d, 1);
    }
    for (int i = 0; i < 64; i++)
        put(&d, "", 1);
    REFUSE(d, "nest");
    free(d.b);
    free(x.b);
}

/* ------------------------------------------------------------------------ */
/* npz (made by the writer, then damaged)                                   */
/* ------------------------------------------------------------------------ */

static char tmpdir[64];

static buf slurp(const char *path)
{
    buf x = {0};
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    unsigned char b[4096];
    size_t n;
    while (f && (n = fread(b, 1, sizeof b, f)) > 0)
        put(&x, b, n);
    if (f)
        fclose(f);
    return x;
}

static nninit_plan *small_plan(nninit_model **mp, nninit_dtype dt)
{
    nninit_model *m;
    nninit_model_new(&m, NULL, NULL);
    nninit_error err;
    static const char spec[] =
        "layers:\n"
        "  - {name: fc, type: linear, in: 5, out: 3, activation: relu}\n"
        "  - {name: bn, type: batchnorm, dim: 3}\n"
        "  - {name: rnn, type: lstm, in: 3, hidden: 4, forget_bias: 1}\n";
    CHECK_MSG(nninit_model_load_mem(spec, sizeof spec - 1, "t.yaml", m, 0,
                                    &err) == NNINIT_OK,
              "%s", err.msg);
    nninit_plan_opts po = nninit_plan_opts_default();
    po.dtype = dt;
    po.seed = 5;
    nninit_plan *p = NULL;
    CHECK_MSG(nninit_plan_new(m, &po, &p, &err) == NNINIT_OK, "%s", err.msg);
    *mp = m;
    return p;
}

/* Write the plan in `fmt`, read it back: same names, shapes, types and
 * bytes as the producer makes. */
static void round_trip(nninit_format fmt, const char *ext, nninit_dtype dt)
{
    nninit_model *m;
    nninit_plan *p = small_plan(&m, dt);
    char path[128];
    snprintf(path, sizeof path, "%s/rt.%s", tmpdir, ext);
    nninit_error err;
    nninit_write_opts wo = nninit_write_opts_default();
    wo.chunk_bytes = 64; /* many chunks even for tiny tensors */
    CHECK_MSG(nninit_plan_write(p, path, fmt, &wo, &err) == NNINIT_OK, "%s",
              err.msg);
    nninit_ckpt *ck;
    CHECK_MSG(nninit_ckpt_open(path, NULL, &ck, &err) == NNINIT_OK, "%s", err.msg);
    CHECK_EQ_INT(nninit_ckpt_count(ck), nninit_plan_size(p));
    nninit_producer *pr;
    nninit_producer_new(p, NULL, &pr, NULL);
    for (size_t i = 0; i < nninit_plan_size(p) && i < nninit_ckpt_count(ck);
         i++) {
        const nninit_plan_entry *e = nninit_plan_get(p, i);
        const nninit_ckpt_tensor *t = nninit_ckpt_get(ck, i);
        CHECK_MSG(!strcmp(e->name, t->name), "%s vs %s", e->name, t->name);
        CHECK_EQ_INT(e->type, t->type);
        CHECK(e->shape->ndim == t->shape.ndim || (fmt == NNINIT_FORMAT_GGUF &&
                                                 e->shape->ndim == 0));
        CHECK_EQ_U64(e->nbytes, t->nbytes);
        unsigned char *a = (unsigned char *)malloc((size_t)e->nbytes + 1);
        unsigned char *b = (unsigned char *)malloc((size_t)e->nbytes + 1);
        size_t es = nninit_etype_size(e->type);
        CHECK(nninit_producer_fill(pr, i, a, 0, e->nbytes / es, &err) ==
              NNINIT_OK);
        CHECK(nninit_ckpt_read(ck, i, 0, b, (size_t)e->nbytes, &err) ==
              NNINIT_OK);
        CHECK_MSG(!memcmp(a, b, (size_t)e->nbytes), "%s differs", e->name);
        free(a);
        free(b);
    }
    nninit_producer_free(pr);
    nninit_ckpt_close(ck);
    if (fmt == NNINIT_FORMAT_NPZ) {
        buf x = slurp(path);
        abuse(&x, 1500, 3);
        free(x.b);
    }
    unlink(path);
    nninit_plan_free(p);
    nninit_model_free(m);
}

static void round_trips(void)
{
    round_trip(NNINIT_FORMAT_SAFETENSORS, "safetensors", NNINIT_BF16);
    round_trip(NNINIT_FORMAT_SAFETENSORS, "safetensors", NNINIT_F64);
    round_trip(NNINIT_FORMAT_NPZ, "npz", NNINIT_F16);
    round_trip(NNINIT_FORMAT_GGUF, "gguf", NNINIT_F32);
    round_trip(NNINIT_FORMAT_GGUF, "gguf", NNINIT_BF16);
}

static void npz_corrupt(void)
{
    nninit_model *m;
    nninit_plan *p = small_plan(&m, NNINIT_F32);
    char path[128];
    snprintf(path, sizeof path, "%s/c.npz", tmpdir);
    CHECK(nninit_plan_write(p, path, NNINIT_FORMAT_NPZ, NULL, NULL) ==
          NNINIT_OK);
    buf x = slurp(path);
    /* damage the first member's .npy magic (stored, so it is in the file) */
    buf y = {0};
    put(&y, x.b, x.n);
    size_t at = find(&y, "\x93NUMPY");
    y.b[at + 1] = 'X';
    REFUSE(y, "not a .npy file");
    y.b[at + 1] = 'N';
    /* a shape that does not match the member's size */
    size_t s = find(&y, "(3, 5)");
    y.b[s + 1] = '4';
    REFUSE(y, "header says");
    y.b[s + 1] = '3';
    /* a member name without .npy */
    size_t nm = find(&y, "fc.weight.npy");
    memcpy(y.b + nm + 10, "npz", 3);
    size_t nm2 = find(&y, "fc.weight.npy"); /* the central directory's */
    if (nm2)
        memcpy(y.b + nm2 + 10, "npz", 3);
    REFUSE(y, "not a .npy array");
    free(y.b);
    buf z = {0};
    static const char notzip[] = "PK\x03\x04 not really a zip";
    put(&z, notzip, sizeof notzip - 1);
    REFUSE(z, "not a valid zip archive");
    free(z.b);
    free(x.b);
    unlink(path);
    nninit_plan_free(p);
    nninit_model_free(m);
}

/* ------------------------------------------------------------------------ */
/* Model descriptions                                                       */
/* ------------------------------------------------------------------------ */

static void load_errors(void)
{
    struct {
        const char *text;
        int line, column;
        const char *want;
    } cases[] = {
        {"layers:\n  - {name: fc, type: linear, in: 10, out: [}\n", 2, 44,
         "did not find expected node content"},
        {"layers:\n  - {name: fc, type: lineer, in: 1, out: 2}\n", 2, 22,
         "unknown layer type 'lineer'"},
        {"layers:\n  - {name: fc, type: linear, in: 1, out: 2, activation: "
         "relux}\n", 2, 57, "unknown activation 'relux'"},
        {"layers:\n  - {name: fc, type: linear, in: 1, out: 2, init: "
         "kaiming}\n", 2, 51, "unknown initializer 'kaiming'"},
        {"layers:\n  - {name: fc, type: linear, in: 1, out: 2}\n"
         "  - {name: fc, type: linear, in: 2, out: 2}\n",
         3, 5, "duplicate layer name 'fc'"},
        {"layers:\n  - {name: fc, type: linear, in: 1}\n", 2, 5,
         "missing 'out'"},
        {"layers:\n  - {name: fc, type: linear, in: 0, out: 2}\n", 2, 34,
         "positive integer (got 0)"},
        {"layers:\n  - {name: fc, type: linear, in: -4, out: 2}\n", 2, 34,
         "positive integer (got -4)"},
        {"layers:\n  - {name: fc, type: linear, in: 99999999999999999999, "
         "out: 2}\n", 2, 34, "overflows"},
        {"layers:\n  - {name: fc, type: linear, in: 4611686018427387904, out: "
         "4611686018427387904}\n", 2, 5, "2^62"},
        {"layers:\n  - {name: fc, type: linear, in: 1.5, out: 2}\n", 2, 34,
         "must be an integer"},
        {"layers:\n  - {name: c, type: conv2d, in: 1, out: 2, kernel: [3]}\n",
         2, 52, "needs 2 sizes"},
        {"layers:\n  - {name: fc, type: linear, in: 1, out: 2, kernal: 3}\n", 2,
         45, "unknown key 'kernal'"},
        {"layers:\n  - {name: fc, type: linear, in: 1, in: 2, out: 2}\n", 2,
         37, "duplicate key 'in'"},
        {"layers:\n  - {name: fc, type: linear, in: 1, out: 2, init: "
         "xavier_uniform, std: 2}\n", 2, 72, "does not take std"},
        {"layers:\n  - {name: fc, type: linear, in: 1, out: 2, gain: 2}\n", 2,
         45, "parameter of init:"},
        {"layers: []\nrules:\n  - {match: '*', init: ones, activation: relu}\n",
         3, 42, "both init: and activation:"},
        {"nme: x\nlayers: []\n", 1, 1, "unknown key 'nme'"},
        {"", 0, 0, "empty"},
        {"layers: &a\n  - {name: b, layers: *a}\n", 2, 23,
         "alias *a refers to a node that contains it"},
        {"layers: [{name: a, type: linear, in: 1, out: 1}]\n---\nlayers: []\n",
         2, 1, "a second YAML document"},
        {"layers: &x [{name: a, type: linear, in: 1, out: 1}]\n"
         "rules: &x []\n", 2, 8, "anchor &x is defined twice"},
        {"layers:\n  - {name: r, type: lstm, in: 2, hidden: 3, proj_size: 3}\n",
         2, 5, "proj_size (3) must be smaller than hidden (3)"},
        {"layers:\n  - {name: a, type: multihead_attention, embed_dim: 6, "
         "num_heads: 4}\n", 2, 5, "embed_dim (6) must be divisible by "
         "num_heads (4)"},
        {"layers:\n  - {name: t, type: transformer_encoder_layer, nhead: 2}\n",
         2, 5, "missing 'd_model'"},
        {"layers:\n  - {name: t, type: rmsnorm, dim: 4, bias: false}\n", 2, 38,
         "unknown key 'bias' for rmsnorm layer 't'"},
        {"layers:\n  - {name: c, type: lstm, in: 2, hidden: 3, activation: "
         "relu}\n", 2, 45, "unknown key 'activation' for lstm"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        nninit_model *m;
        nninit_model_new(&m, NULL, NULL);
        nninit_error err;
        memset(&err, 0, sizeof err);
        int rc = nninit_model_load_mem(cases[i].text, strlen(cases[i].text),
                                       "net.yaml", m, 0, &err);
        CHECK_MSG(rc == NNINIT_EINVAL, "case %zu: rc %d (%s)", i, rc, err.msg);
        CHECK_MSG(strstr(err.msg, cases[i].want) != NULL,
                  "case %zu: '%s' lacks '%s'", i, err.msg, cases[i].want);
        if (cases[i].line) {
            char pos[32];
            snprintf(pos, sizeof pos, "net.yaml:%d:%d: ", cases[i].line,
                     cases[i].column);
            CHECK_MSG(!strncmp(err.msg, pos, strlen(pos)),
                      "case %zu: '%s' does not start with '%s'", i, err.msg,
                      pos);
            CHECK_EQ_INT(err.line, cases[i].line);
        }
        nninit_model_free(m);
    }
}

static void load_json_and_blocks(void)
{
    static const char json[] =
        "{\"name\":\"j\",\"layers\":[{\"name\":\"blk\",\"repeat\":3,"
        "\"layers\":[{\"name\":\"fc\",\"type\":\"linear\",\"in\":4,"
        "\"out\":4,\"bias\":false}]},{\"name\":\"r\",\"type\":\"rnn\","
        "\"in\":4,\"hidden\":2,\"layers\":2,\"nonlinearity\":\"relu\"}],"
        "\"rules\":[{\"match\":\"blk.1.*\",\"init\":\"normal\",\"std\":0.1}]}";
    nninit_model *m;
    nninit_model_new(&m, NULL, NULL);
    nninit_error err;
    CHECK_MSG(nninit_model_load_mem(json, sizeof json - 1, "j.json", m, 0,
                                    &err) == NNINIT_OK,
              "%s", err.msg);
    CHECK_EQ_INT(nninit_model_tensor_count(m), 3 + 8);
    nninit_plan *p;
    CHECK(nninit_plan_new(m, NULL, &p, &err) == NNINIT_OK);
    CHECK(!strcmp(nninit_plan_get(p, 1)->name, "blk.1.fc.weight"));
    CHECK_EQ_INT(nninit_plan_get(p, 1)->spec->kind, NNINIT_NORMAL);
    CHECK_EQ_INT(nninit_plan_get(p, 0)->spec->kind, NNINIT_XAVIER_UNIFORM);
    nninit_plan_free(p);
    nninit_model_free(m);
}

/* THE format table: each row's name and extension name it, and each
 * format writes shards exactly when its row says so; the shards (and the
 * index) read back as one checkpoint with the plan's tensors and bytes. */
static void format_table(void)
{
    nninit_model *m;
    nninit_plan *p = small_plan(&m, NNINIT_F32);
    CHECK(nninit_format_get((nninit_format)NNINIT_FORMAT_COUNT) == NULL);
    for (int f = 0; f < NNINIT_FORMAT_COUNT; f++) {
        const nninit_format_info *fi = nninit_format_get((nninit_format)f);
        nninit_format got;
        char path[160];
        CHECK(fi && fi->name && fi->extension && fi->about);
        CHECK(nninit_format_parse(fi->name, &got, NULL) == NNINIT_OK &&
              got == (nninit_format)f);
        CHECK(!strcmp(nninit_format_name((nninit_format)f), fi->name));
        snprintf(path, sizeof path, "%s/t%s", tmpdir, fi->extension);
        CHECK(nninit_format_from_path(path, &got, NULL) == NNINIT_OK &&
              got == (nninit_format)f);
        nninit_write_opts wo = nninit_write_opts_default();
        wo.max_shard_bytes = 1; /* every tensor alone */
        nninit_error err;
        int rc = nninit_plan_write(p, path, (nninit_format)f, &wo, &err);
        CHECK_MSG(fi->shards ? rc == NNINIT_OK : rc == NNINIT_EINVAL,
                  "%s: %d %s", fi->name, rc, rc ? err.msg : "");
        if (rc)
            continue;
        size_t n = nninit_plan_size(p);
        char first[200];
        if (f == NNINIT_FORMAT_SAFETENSORS)
            snprintf(first, sizeof first, "%s/t%s.index.json", tmpdir,
                     fi->extension);
        else
            snprintf(first, sizeof first, "%s/t-00001-of-%05zu%s", tmpdir, n,
                     fi->extension);
        nninit_ckpt *ck;
        CHECK_MSG(nninit_ckpt_open(first, NULL, &ck, &err) == NNINIT_OK, "%s",
                  err.msg);
        CHECK_EQ_INT(nninit_ckpt_count(ck), n);
        for (size_t i = 0; i < n && i < nninit_ckpt_count(ck); i++) {
            const nninit_ckpt_tensor *t = nninit_ckpt_get(ck, i);
            const nninit_plan_entry *e = nninit_plan_get(p, i);
            CHECK_MSG(!strcmp(t->name, e->name), "%s: %s vs %s", fi->name,
                      t->name, e->name);
            CHECK_EQ_U64(t->nbytes, e->nbytes);
        }
        nninit_ckpt_close(ck);
        unlink(first);
        for (size_t k = 0; k < n; k++) {
            char shard[200];
            snprintf(shard, sizeof shard, "%s/t-%05zu-of-%05zu%s", tmpdir,
                     k + 1, n, fi->extension);
            CHECK_MSG(unlink(shard) == 0 || (f == NNINIT_FORMAT_GGUF && k == 0),
                      "%s missing", shard);
        }
    }
    CHECK(nninit_size_parse("5GB", &(uint64_t){0}, NULL) == NNINIT_OK);
    uint64_t v = 0;
    CHECK(nninit_size_parse("5GB", &v, NULL) == NNINIT_OK &&
          v == 5000000000ull);
    CHECK(nninit_size_parse("2GiB", &v, NULL) == NNINIT_OK &&
          v == 2147483648ull);
    CHECK(nninit_size_parse("1.5MB", &v, NULL) == NNINIT_OK && v == 1500000);
    CHECK(nninit_size_parse("1000", &v, NULL) == NNINIT_OK && v == 1000);
    CHECK(nninit_size_parse("0", &v, NULL) == NNINIT_EINVAL);
    CHECK(nninit_size_parse("5 GB", &v, NULL) == NNINIT_EINVAL);
    CHECK(nninit_size_parse("GB", &v, NULL) == NNINIT_EINVAL);
    nninit_plan_free(p);
    nninit_model_free(m);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/nninit_test_io_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    TEST_RUN(safetensors_valid);
    TEST_RUN(safetensors_corrupt);
    TEST_RUN(gguf_valid);
    TEST_RUN(gguf_corrupt);
    TEST_RUN(round_trips);
    TEST_RUN(format_table);
    TEST_RUN(npz_corrupt);
    TEST_RUN(load_errors);
    TEST_RUN(load_json_and_blocks);
    rmdir(tmpdir);
    return test_report();
}
