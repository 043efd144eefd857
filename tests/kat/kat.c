/*
 * kat.c: the known-answer table: SHA-256 of the bytes nninit makes, for
 * every initializer x dtype x a set of shapes, seeds and streams, in both
 * generators, for whole models and for the files the writers produce. The
 * table (kat.tsv, one "key<TAB>sha256" line per row) is the determinism
 * promise as data: every build, SIMD path, thread count and CPU must give
 * every row. Bytes are hashed as files store them (little-endian).
 *
 *   nninit_kat                      check the table (exit 1 and list the
 *                                   rows that differ)
 *   nninit_kat --simd avx2 --threads 2    the same on a given path
 *   nninit_kat --write              regenerate the table (README says when)
 *   nninit_kat --large              also the multi-gigabyte rows
 *   nninit_kat --hash [--portable] FILE...   SHA-256 of files, like
 *                                   sha256sum (for tests/py/test_kat.py)
 *
 * Row classes (the first word of the key):
 *   philox  one tensor by nninit_init (every initializer, dtype, shape)
 *   torch   one tensor by nninit_torch_init on a fresh generator
 *   model   a model built here through the model API, every tensor in plan
 *           order, as the writers stream them (the data section of its
 *           safetensors file; checked against the real writer when this
 *           build has it)
 *   npy     a .npy file as `nninit sample` writes it
 *   file    an example model (examples/models) written by `nninit init`
 *   data    an example model too large to write for a test: its tensors in
 *           plan order (--large only)
 * A build without the I/O layer (a cross build for another architecture)
 * makes and checks the philox, torch, model and npy rows.
 *
 * One exception to "every machine": torch mode's trunc_normal_ calls the C
 * library's erf, exp and log where PyTorch does (its promise is PyTorch's
 * bytes on the same machine, and PyTorch uses that machine's libm), and
 * libms differ in the last bit across architectures. Those rows are
 * x86-64 glibc's, and only checked there.
 */
#define _POSIX_C_SOURCE 200809L
#include "nninit.h"
#include "nninit/io.h"
#include "nninit/model.h"
#include "sha256.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Rows                                                                     */
/* ------------------------------------------------------------------------ */

typedef struct row {
    char key[200];
    char hex[65];
} row;

typedef struct rows {
    row *v;
    size_t n, cap;
} rows;

#if defined(__x86_64__) && defined(__GLIBC__)
#define LIBM_REFERENCE 1 /* the libm the host-libm rows were made with */
#else
#define LIBM_REFERENCE 0
#endif

/* Rows whose bytes follow the host's libm (see the top of this file). */
static int host_libm_row(const char *key)
{
    return !strncmp(key, "torch trunc_normal", 18);
}

typedef struct kat {
    nninit_fill_opts fo; /* threads and SIMD path for every row */
    int portable;        /* portable SHA-256 only */
    int large;
    const char *models; /* examples/models */
    char tmp[256];      /* scratch directory for written files */
    rows got;
    int problems; /* consistency failures found while making rows */
    int skipped;  /* host-libm rows not made on this host */
} kat;

_Noreturn static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("nninit_kat: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

#if defined(NNINIT_KAT_WITH_IO)
static void problem(kat *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("PROBLEM ", stdout);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    k->problems++;
}
#endif

static row *push(rows *r, const char *key)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 1024;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        if (!r->v)
            die("out of memory");
    }
    row *w = &r->v[r->n++];
    if (strlen(key) >= sizeof w->key)
        die("key too long: %s", key);
    strcpy(w->key, key);
    w->hex[0] = '\0';
    return w;
}

static void add(kat *k, const char *key, const sha256_ctx *done)
{
    sha256_ctx c = *done;
    unsigned char d[32];
    sha256_final(&c, d);
    sha256_hex(d, push(&k->got, key)->hex);
}

/* A row over n elements of size es, hashed in little-endian order (the
 * buffer is converted in place). */
static void add_le(kat *k, const char *key, void *data, size_t n, size_t es)
{
    sha256_ctx c;
    sha256_init(&c, k->portable);
    nninit_to_little_endian(data, n, es);
    sha256_update(&c, data, n * es);
    add(k, key, &c);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory for %zu bytes", n);
    return p;
}

/* ------------------------------------------------------------------------ */
/* Tensors: the philox and torch rows                                       */
/* ------------------------------------------------------------------------ */

/* Shapes (PyTorch layout): tiny, around the 16-element blocks and the
 * 64-element fill groups, tails, 2-D, 4-D, tall and wide. */
static const char *const shapes[] = {
    "1",      "15",     "16",      "17",       "65",      "1,1",    "3,5",
    "4,4",    "16,16",  "17,15",   "50,10",    "64,65",   "129,33", "33,129",
    "300,97", "97,300", "8,4,3,3", "16,3,5,5", "4,4,1,1", NULL};
/* ... of which these also get the other seeds and streams */
static const char *const shapes_more[] = {"17",     "16,16",   "50,10",
                                          "129,33", "8,4,3,3", NULL};
/* Big enough for two threads (2^19 elements, orthogonal blocks of more than
 * 2^24 flops), several orthogonal blocks and update panels, and whole SIMD
 * groups; small enough for qemu (one seed, f32 and f64). */
static const char *const big[] = {"normal 1024,512",
                                  "uniform 1024,512",
                                  "trunc_normal 1024,512",
                                  "orthogonal 400,260",
                                  "orthogonal 260,400",
                                  "delta_orthogonal 128,96,3,3",
                                  NULL};

/* Every initializer with its defaults (and the parameters it requires),
 * then variants. */
static const char *const variants[] = {
    "uniform(low=-3,high=-1)",
    "normal(mean=-1,std=0.5)",
    "trunc_normal(mean=1,std=2,trunc_a=-1,trunc_b=3)",
    "trunc_normal(trunc_a=2.5,trunc_b=6)",
    "constant(value=-2.25)",
    "eye(gain=3)",
    "dirac(groups=2)",
    "xavier_uniform(gain=2)",
    "xavier_normal(gain=0.5)",
    "kaiming_uniform(mode=fan_out,nonlinearity=relu)",
    "kaiming_normal(a=0.2,nonlinearity=leaky_relu)",
    "orthogonal(gain=1.5)",
    "delta_orthogonal(gain=2)",
    "sparse(sparsity=0,std=1)",
    "variance_scaling(scale=2,mode=fan_avg,distribution=uniform)",
    "variance_scaling(mode=fan_out,distribution=normal)",
    NULL};

static const struct {
    uint64_t seed, stream;
} seeds[] = {
    {0, 0}, {UINT64_MAX, (UINT64_C(1) << 63) + 5}, {42, 0x6a09e667f3bcc908ull}};

/* "kind(k=v,k=v)" or "kind" -> spec. 0 on success. */
static int parse_spec(const char *text, nninit_spec *s)
{
    char name[64], buf[200];
    const char *paren = strchr(text, '(');
    size_t n = paren ? (size_t)(paren - text) : strlen(text);
    if (n >= sizeof name)
        return -1;
    memcpy(name, text, n);
    name[n] = '\0';
    nninit_kind kind;
    if (nninit_kind_parse(name, &kind, NULL))
        return -1;
    *s = nninit_spec_make(kind);
    if (kind == NNINIT_CONSTANT)
        s->value = 0.5; /* required: the default row's value */
    if (kind == NNINIT_SPARSE)
        s->sparsity = 0.3;
    if (!paren)
        return 0;
    snprintf(buf, sizeof buf, "%s", paren + 1);
    char *end = strrchr(buf, ')');
    if (!end)
        return -1;
    *end = '\0';
    for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv;
         kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq)
            return -1;
        *eq = '\0';
        if (nninit_spec_set(s, kv, eq + 1, NULL))
            return -1;
    }
    return 0;
}

static void shape_key(const nninit_shape *s, char *buf, size_t n)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int d = 0; d < s->ndim && at < n; d++)
        at += (size_t)snprintf(buf + at, n - at, "%s%lld", d ? "x" : "",
                               (long long)s->dim[d]);
}

/* One philox row; nothing if the initializer refuses the shape. */
static void philox_row(kat *k, const char *spec_text, nninit_dtype t,
                       const char *shape_text, nninit_layout layout,
                       uint64_t seed, uint64_t stream)
{
    nninit_spec spec;
    nninit_shape shape;
    nninit_resolved res;
    if (parse_spec(spec_text, &spec))
        die("bad spec in the row list: %s", spec_text);
    if (nninit_shape_parse(shape_text, &shape, NULL))
        die("bad shape in the row list: %s", shape_text);
    if (nninit_resolve(&spec, &shape, layout, &res, NULL))
        return; /* e.g. fans of a 1-D shape: bad input, not a row */
    uint64_t n = nninit_shape_numel(&shape);
    size_t es = nninit_dtype_size(t);
    void *buf = xmalloc((size_t)n * es);
    nninit_fill_opts o = k->fo;
    o.seed = seed;
    o.stream = stream;
    nninit_error err;
    if (nninit_init(&spec, &shape, layout, t, buf, 0, n, &o, &err))
        die("%s %s: %s", spec_text, shape_text, err.msg);
    char key[200], sk[64];
    shape_key(&shape, sk, sizeof sk);
    snprintf(key, sizeof key, "philox %s %s %s%s seed=%llu stream=%llu",
             spec_text, nninit_dtype_name(t), sk,
             layout == NNINIT_LAYOUT_KERAS ? " keras" : "",
             (unsigned long long)seed, (unsigned long long)stream);
    add_le(k, key, buf, (size_t)n, es);
    free(buf);
}

static void philox_rows(kat *k)
{
    for (int d = 0; d < NNINIT_DTYPE_COUNT; d++) {
        nninit_dtype t = (nninit_dtype)d;
        for (int kind = 0; kind < NNINIT_KIND_COUNT; kind++) {
            const char *name = nninit_kind_name((nninit_kind)kind);
            for (int s = 0; shapes[s]; s++)
                philox_row(k, name, t, shapes[s], NNINIT_LAYOUT_TORCH, 0, 0);
            for (int s = 0; shapes_more[s]; s++)
                for (int x = 1; x < 3; x++)
                    philox_row(k, name, t, shapes_more[s], NNINIT_LAYOUT_TORCH,
                               seeds[x].seed, seeds[x].stream);
        }
        for (int v = 0; variants[v]; v++)
            for (int s = 0; shapes_more[s]; s++)
                philox_row(k, variants[v], t, shapes_more[s],
                           NNINIT_LAYOUT_TORCH, 1, 7);
        /* Keras's layout: (k..., in, out) */
        for (int kind = 0; kind < NNINIT_KIND_COUNT; kind++)
            philox_row(k, nninit_kind_name((nninit_kind)kind), t, "3,3,8,16",
                       NNINIT_LAYOUT_KERAS, 3, 11);
        if (t == NNINIT_F32 || t == NNINIT_F64)
            for (int b = 0; big[b]; b++) {
                char spec[64];
                const char *sp = strchr(big[b], ' ');
                snprintf(spec, sizeof spec, "%.*s", (int)(sp - big[b]), big[b]);
                philox_row(k, spec, t, sp + 1, NNINIT_LAYOUT_TORCH, 5, 9);
            }
    }
}

static const char *const torch_shapes[] = {
    "15",    "16",     "17",     "1000",    "16,16",
    "50,10", "129,33", "33,129", "8,4,3,3", NULL};

static void torch_row(kat *k, const char *spec_text, nninit_dtype t,
                      const char *shape_text, uint64_t seed,
                      nninit_torch_kernel kernel, nninit_torch_version version)
{
    nninit_spec spec;
    nninit_shape shape;
    if (parse_spec(spec_text, &spec) ||
        nninit_shape_parse(shape_text, &shape, NULL))
        die("bad torch row %s %s", spec_text, shape_text);
    uint64_t n = nninit_shape_numel(&shape);
    size_t es = nninit_dtype_size(t);
    void *buf = xmalloc((size_t)n * es);
    nninit_torch_gen *g = xmalloc(sizeof *g);
    nninit_torch_gen_init(g, seed, kernel);
    g->version = version;
    g->threads = k->fo.threads;
    g->simd = k->fo.simd;
    int rc = nninit_torch_init(g, &spec, &shape, t, buf, NULL, NULL);
    free(g);
    if (rc == NNINIT_OK) {
        char key[200], sk[64];
        shape_key(&shape, sk, sizeof sk);
        snprintf(key, sizeof key,
                 "torch %s %s %s seed=%llu kernel=%s version=%s", spec_text,
                 nninit_dtype_name(t), sk, (unsigned long long)seed,
                 nninit_torch_kernel_name(kernel),
                 nninit_torch_version_name(version));
        if (!LIBM_REFERENCE && host_libm_row(key))
            k->skipped++;
        else
            add_le(k, key, buf, (size_t)n, es);
    } else if (rc != NNINIT_EINVAL && rc != NNINIT_ENOTSUP) {
        die("torch %s %s: status %d", spec_text, shape_text, rc);
    }
    free(buf);
}

/* Every PyTorch release nninit follows, every dtype; the releases differ
 * only in half precision (normal_ and what is built on it, trunc_normal_)
 * and in the last bits of normal_ below 16 values, but every row is made
 * under both so a change to either shows. */
static void torch_rows(kat *k)
{
    static const nninit_dtype dts[] = {NNINIT_F32, NNINIT_F64, NNINIT_F16,
                                       NNINIT_BF16};
    static const nninit_torch_version vs[] = {NNINIT_TORCH_2_6,
                                              NNINIT_TORCH_1_13};
    for (int v = 0; v < 2; v++)
        for (int kind = 0; kind < NNINIT_KIND_COUNT; kind++) {
            const char *name = nninit_kind_name((nninit_kind)kind);
            for (int s = 0; torch_shapes[s]; s++) {
                for (int d = 0; d < 4; d++)
                    torch_row(k, name, dts[d], torch_shapes[s], 42,
                              NNINIT_TORCH_KERNEL_AVX2, vs[v]);
                torch_row(k, name, NNINIT_F32, torch_shapes[s], 0,
                          NNINIT_TORCH_KERNEL_DEFAULT, vs[v]);
            }
        }
    torch_row(k, "trunc_normal(mean=1,std=2,trunc_a=-1,trunc_b=3)", NNINIT_F32,
              "50,10", 3, NNINIT_TORCH_KERNEL_AVX2, NNINIT_TORCH_2_6);
    torch_row(k, "orthogonal(gain=1.5)", NNINIT_F32, "300,97", 3,
              NNINIT_TORCH_KERNEL_AVX2, NNINIT_TORCH_2_6);
    torch_row(k, "orthogonal(gain=1.5)", NNINIT_F64, "97,300", 3,
              NNINIT_TORCH_KERNEL_AVX2, NNINIT_TORCH_2_6);
}

/* ------------------------------------------------------------------------ */
/* Whole models                                                             */
/* ------------------------------------------------------------------------ */

/* Every tensor of the plan, in plan order, as the writers stream them
 * (chunks of `chunk` elements, little-endian), into c. 0 on success. */
static int hash_plan(kat *k, const nninit_plan *p, size_t chunk, sha256_ctx *c,
                     nninit_error *err)
{
    nninit_producer *pr;
    if (nninit_producer_new(p, &k->fo, &pr, err))
        return -1;
    void *buf = xmalloc(chunk * 8);
    int rc = 0;
    for (size_t j = 0; j < nninit_plan_size(p) && !rc; j++) {
        size_t i = nninit_plan_order(p, j);
        const nninit_plan_entry *e = nninit_plan_get(p, i);
        size_t es = nninit_etype_size(e->type);
        uint64_t n = nninit_shape_numel(e->shape);
        for (uint64_t at = 0; at < n && !rc; at += chunk) {
            uint64_t stop = n - at < chunk ? n : at + chunk;
            rc = nninit_producer_fill(pr, i, buf, at, stop, err);
            nninit_to_little_endian(buf, (size_t)(stop - at), es);
            sha256_update(c, buf, (size_t)(stop - at) * es);
        }
    }
    free(buf);
    nninit_producer_free(pr);
    return rc;
}

/* A model of every layer kind with weights: recurrent cells with per-gate
 * orthogonal blocks, convolutions both ways, norms, embeddings. */
static nninit_model *mix_model(void)
{
    nninit_model *m;
    nninit_error err;
    if (nninit_model_new(&m, NULL, &err))
        die("%s", err.msg);
    nninit_layer ls[9];
    ls[0] = nninit_layer_make(NNINIT_TORCH_EMBEDDING);
    snprintf(ls[0].name, sizeof ls[0].name, "embed");
    ls[0].args.num_embeddings = 50, ls[0].args.embedding_dim = 16;
    ls[1] = nninit_layer_make(NNINIT_TORCH_LSTM);
    snprintf(ls[1].name, sizeof ls[1].name, "lstm");
    ls[1].args.in = 16, ls[1].args.hidden = 24, ls[1].args.num_layers = 2;
    ls[1].args.bidirectional = 1, ls[1].args.forget_bias = 1.0;
    ls[1].args.orthogonal = NNINIT_ORTH_PER_GATE;
    ls[2] = nninit_layer_make(NNINIT_TORCH_GRU);
    snprintf(ls[2].name, sizeof ls[2].name, "gru");
    ls[2].args.in = 48, ls[2].args.hidden = 20;
    ls[3] = nninit_layer_make(NNINIT_TORCH_RNN);
    snprintf(ls[3].name, sizeof ls[3].name, "rnn");
    ls[3].args.in = 20, ls[3].args.hidden = 12;
    ls[3].args.activation = NNINIT_ACT_RELU;
    ls[4] = nninit_layer_make(NNINIT_TORCH_CONV2D);
    snprintf(ls[4].name, sizeof ls[4].name, "conv");
    ls[4].args.in = 3, ls[4].args.out = 8;
    ls[4].args.kernel[0] = ls[4].args.kernel[1] = 3;
    ls[4].args.activation = NNINIT_ACT_RELU;
    ls[5] = nninit_layer_make(NNINIT_TORCH_BATCH_NORM);
    snprintf(ls[5].name, sizeof ls[5].name, "bn");
    ls[5].args.num_features = 8;
    ls[6] = nninit_layer_make(NNINIT_TORCH_CONV_TRANSPOSE2D);
    snprintf(ls[6].name, sizeof ls[6].name, "up");
    ls[6].args.in = 8, ls[6].args.out = 4;
    ls[6].args.kernel[0] = ls[6].args.kernel[1] = 2;
    ls[6].args.activation = NNINIT_ACT_TANH;
    ls[7] = nninit_layer_make(NNINIT_TORCH_LAYER_NORM);
    snprintf(ls[7].name, sizeof ls[7].name, "norm");
    ls[7].args.normalized_shape[0] = 20, ls[7].args.normalized_ndim = 1;
    ls[8] = nninit_layer_make(NNINIT_TORCH_LINEAR);
    snprintf(ls[8].name, sizeof ls[8].name, "head");
    ls[8].args.in = 20, ls[8].args.out = 10;
    ls[8].args.activation = NNINIT_ACT_SOFTMAX;
    for (int i = 0; i < 9; i++)
        if (nninit_model_add_layer(m, &ls[i], &err))
            die("mix model: %s", err.msg);
    return m;
}

static const struct {
    const char *name;
    nninit_preset preset;
    nninit_rng_kind rng;
    int dtype_set;
    nninit_dtype dtype;
    uint64_t seed;
} model_runs[] = {
    {"mix philox seed f32 seed=0", NNINIT_PRESET_SEED, NNINIT_RNG_PHILOX, 0,
     NNINIT_F32, 0},
    {"mix philox keras bf16 seed=7", NNINIT_PRESET_KERAS, NNINIT_RNG_PHILOX, 1,
     NNINIT_BF16, 7},
    {"mix philox flax f64 seed=7", NNINIT_PRESET_FLAX, NNINIT_RNG_PHILOX, 1,
     NNINIT_F64, 7},
    {"mix torch torch f32 seed=0", NNINIT_PRESET_TORCH, NNINIT_RNG_TORCH, 0,
     NNINIT_F32, 0},
    {"mix torch torch f64 seed=3", NNINIT_PRESET_TORCH, NNINIT_RNG_TORCH, 1,
     NNINIT_F64, 3},
};

static void model_rows(kat *k)
{
    nninit_model *m = mix_model();
    for (size_t r = 0; r < sizeof model_runs / sizeof *model_runs; r++) {
        nninit_plan_opts po = nninit_plan_opts_default();
        po.preset = model_runs[r].preset;
        po.rng = model_runs[r].rng;
        po.seed = model_runs[r].seed;
        po.dtype_set = model_runs[r].dtype_set;
        po.dtype = model_runs[r].dtype;
        nninit_plan *p;
        nninit_error err;
        if (nninit_plan_new(m, &po, &p, &err))
            die("%s: %s", model_runs[r].name, err.msg);
        sha256_ctx c;
        sha256_init(&c, k->portable);
        /* odd chunks: ranges that start and end inside tensors */
        if (hash_plan(k, p, 1000, &c, &err))
            die("%s: %s", model_runs[r].name, err.msg);
        char key[200];
        snprintf(key, sizeof key, "model %s", model_runs[r].name);
        add(k, key, &c);
#if defined(NNINIT_KAT_WITH_IO)
        /* the real writer: its data section must be these bytes */
        char path[400];
        snprintf(path, sizeof path, "%s/model.safetensors", k->tmp);
        nninit_write_opts wo = nninit_write_opts_default();
        wo.fill = k->fo;
        if (nninit_plan_write(p, path, NNINIT_FORMAT_SAFETENSORS, &wo, &err))
            die("%s: %s", model_runs[r].name, err.msg);
        FILE *f = fopen(path, "rb");
        unsigned char lb[8];
        if (!f || fread(lb, 1, 8, f) != 8)
            die("cannot read %s", path);
        uint64_t hl = 0;
        for (int i = 7; i >= 0; i--)
            hl = hl << 8 | lb[i];
        fseek(f, (long)(8 + hl), SEEK_SET);
        sha256_ctx d;
        sha256_init(&d, k->portable);
        unsigned char fb[65536];
        for (size_t got; (got = fread(fb, 1, sizeof fb, f)) > 0;)
            sha256_update(&d, fb, got);
        fclose(f);
        unlink(path);
        char key2[200];
        snprintf(key2, sizeof key2, "model %s (safetensors data)",
                 model_runs[r].name);
        add(k, key2, &d);
        if (strcmp(k->got.v[k->got.n - 1].hex, k->got.v[k->got.n - 2].hex))
            problem(k,
                    "%s: the safetensors writer's data section is not the "
                    "producer's bytes",
                    model_runs[r].name);
        k->got.n--; /* not a row of its own: the check above is the point */
#endif
        nninit_plan_free(p);
    }
    nninit_model_free(m);
}

/* ------------------------------------------------------------------------ */
/* .npy files, as `nninit sample` writes them                                */
/* ------------------------------------------------------------------------ */

static const char *const npy_rows[] = {"normal f32 257,129",
                                       "trunc_normal f64 257,129",
                                       "kaiming_uniform f16 257,129",
                                       "orthogonal f32 257,129",
                                       "orthogonal f64 129,257",
                                       "delta_orthogonal f16 16,8,3,3",
                                       "sparse(sparsity=0.5) f32 64,40",
                                       NULL};

static void npy_rows_make(kat *k)
{
    for (int r = 0; npy_rows[r]; r++) {
        char spec_text[64], dt[8], shape_text[32];
        if (sscanf(npy_rows[r], "%63s %7s %31s", spec_text, dt, shape_text) !=
            3)
            die("bad npy row %s", npy_rows[r]);
        nninit_spec spec;
        nninit_shape shape;
        nninit_dtype t;
        if (parse_spec(spec_text, &spec) ||
            nninit_shape_parse(shape_text, &shape, NULL) ||
            nninit_dtype_parse(dt, &t, NULL))
            die("bad npy row %s", npy_rows[r]);
        char hdr[512];
        size_t hlen;
        nninit_error err;
        if (nninit_npy_header(hdr, sizeof hdr, t, &shape, &hlen, &err))
            die("%s", err.msg);
        uint64_t n = nninit_shape_numel(&shape);
        size_t es = nninit_dtype_size(t);
        void *buf = xmalloc((size_t)n * es);
        nninit_fill_opts o = k->fo;
        o.seed = 7;
        if (nninit_init(&spec, &shape, NNINIT_LAYOUT_TORCH, t, buf, 0, n, &o,
                        &err))
            die("%s: %s", npy_rows[r], err.msg);
        nninit_to_little_endian(buf, (size_t)n, es);
        sha256_ctx c;
        sha256_init(&c, k->portable);
        sha256_update(&c, hdr, hlen);
        sha256_update(&c, buf, (size_t)n * es);
        char key[200], sk[64];
        shape_key(&shape, sk, sizeof sk);
        snprintf(key, sizeof key, "npy %s %s %s seed=7", spec_text, dt, sk);
        add(k, key, &c);
        free(buf);
    }
}

/* ------------------------------------------------------------------------ */
/* Example models written as files                                          */
/* ------------------------------------------------------------------------ */

#if defined(NNINIT_KAT_WITH_IO)

/* Example models whose files are larger than this get a data row
 * (--large) instead of file rows; those larger than DATA_ROW_MAX get no
 * row at all (the Llama 3 specs, 32 GB to 1.6 TB: hours of drawing and
 * hashing for one row, where GPT-2-XL's 6 GB already covers the same
 * code at scale, and the plan tests check their shapes). */
#define FILE_ROW_MAX (UINT64_C(256) << 20)
#define DATA_ROW_MAX (UINT64_C(8) << 30)

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void hash_file(kat *k, const char *path, sha256_ctx *c)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot read %s: %s", path, strerror(errno));
    sha256_init(c, k->portable);
    unsigned char *b = xmalloc(1 << 20);
    for (size_t got; (got = fread(b, 1, 1 << 20, f)) > 0;)
        sha256_update(c, b, got);
    free(b);
    fclose(f);
}

static void file_rows(kat *k)
{
    DIR *dir = opendir(k->models);
    if (!dir)
        die("cannot open %s: %s", k->models, strerror(errno));
    char *names[64];
    size_t nn = 0;
    for (struct dirent *e; (e = readdir(dir)) && nn < 64;) {
        size_t l = strlen(e->d_name);
        if (l > 5 && !strcmp(e->d_name + l - 5, ".yaml"))
            names[nn++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, nn, sizeof *names, by_name);
    static const nninit_format fmts[] = {NNINIT_FORMAT_SAFETENSORS,
                                         NNINIT_FORMAT_NPZ, NNINIT_FORMAT_GGUF};
    for (size_t i = 0; i < nn; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", k->models, names[i]);
        for (int torch = 0; torch < 2; torch++) {
            nninit_model *m;
            nninit_plan *p;
            nninit_error err;
            nninit_plan_opts po = nninit_plan_opts_default();
            if (torch) {
                po.preset = NNINIT_PRESET_TORCH;
                po.rng = NNINIT_RNG_TORCH;
            }
            if (nninit_model_new(&m, NULL, &err) ||
                nninit_model_load(path, m, 0, &err) ||
                nninit_plan_new(m, &po, &p, &err))
                die("%s", err.msg);
            const char *how = torch ? " preset=torch rng=torch" : "";
            char key[200];
            if (nninit_plan_bytes(p) > DATA_ROW_MAX) {
                /* no row: see DATA_ROW_MAX */
            } else if (nninit_plan_bytes(p) > FILE_ROW_MAX) {
                if (k->large) {
                    sha256_ctx c;
                    sha256_init(&c, k->portable);
                    if (hash_plan(k, p, 1 << 22, &c, &err))
                        die("%s: %s", names[i], err.msg);
                    snprintf(key, sizeof key, "data %s%s", names[i], how);
                    add(k, key, &c);
                }
            } else {
                for (int f = 0; f < 3; f++) {
                    char out[400];
                    snprintf(out, sizeof out, "%s/model.%s", k->tmp,
                             nninit_format_name(fmts[f]));
                    nninit_write_opts wo = nninit_write_opts_default();
                    wo.fill = k->fo;
                    if (nninit_plan_write(p, out, fmts[f], &wo, &err))
                        die("%s: %s", names[i], err.msg);
                    sha256_ctx c;
                    hash_file(k, out, &c);
                    unlink(out);
                    snprintf(key, sizeof key, "file %s %s%s", names[i],
                             nninit_format_name(fmts[f]), how);
                    add(k, key, &c);
                }
            }
            nninit_plan_free(p);
            nninit_model_free(m);
        }
        free(names[i]);
    }
}
#endif

/* ------------------------------------------------------------------------ */
/* The table                                                                */
/* ------------------------------------------------------------------------ */

/* The classes this run makes (a key's first word). */
static int made_here(const kat *k, const char *key)
{
    if (!LIBM_REFERENCE && host_libm_row(key))
        return 0;
    if (!strncmp(key, "philox ", 7) || !strncmp(key, "torch ", 6) ||
        !strncmp(key, "model ", 6) || !strncmp(key, "npy ", 4))
        return 1;
#if defined(NNINIT_KAT_WITH_IO)
    if (!strncmp(key, "file ", 5))
        return 1;
    if (!strncmp(key, "data ", 5))
        return k->large;
#endif
    (void)k;
    return 0;
}

static void read_table(const char *path, rows *t)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot read the table %s: %s", path, strerror(errno));
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char *tab = strrchr(line, '\t');
        if (!tab || strlen(tab + 1) < 64)
            die("%s: malformed line: %s", path, line);
        *tab = '\0';
        row *r = push(t, line);
        memcpy(r->hex, tab + 1, 64);
        r->hex[64] = '\0';
    }
    fclose(f);
}

static const row *find(const rows *t, const char *key)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->v[i].key, key))
            return &t->v[i];
    return NULL;
}

static int check(kat *k, const rows *t, const char *table)
{
    int changed = 0, missing = 0, gone = 0;
    for (size_t i = 0; i < k->got.n; i++) {
        const row *g = &k->got.v[i], *w = find(t, g->key);
        if (!w) {
            printf("NEW     %s (not in the table)\n", g->key);
            missing++;
        } else if (strcmp(w->hex, g->hex)) {
            printf("CHANGED %s\n        table %s\n        now   %s\n", g->key,
                   w->hex, g->hex);
            changed++;
        }
    }
    for (size_t i = 0; i < t->n; i++)
        if (made_here(k, t->v[i].key) && !find(&k->got, t->v[i].key)) {
            printf("GONE    %s (in the table, no longer made)\n", t->v[i].key);
            gone++;
        }
    const char *simd = nninit_simd_name(nninit_simd_resolve(k->fo.simd));
    if (changed || missing || gone || k->problems) {
        printf("nninit_kat: %d changed, %d new, %d gone, %d problems of %zu "
               "rows (%s, %d threads, table %s)\n",
               changed, missing, gone, k->problems, k->got.n, simd,
               k->fo.threads, table);
        return 1;
    }
    printf("nninit_kat: all %zu rows match (%s, %d threads)\n", k->got.n, simd,
           k->fo.threads);
    if (k->skipped)
        printf("nninit_kat: %d torch trunc_normal rows follow the C "
               "library's erf (as PyTorch's do): checked on x86-64 glibc "
               "only\n",
               k->skipped);
    return 0;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const row *)a)->key, ((const row *)b)->key);
}

/* Rows made now replace the table's rows of the same classes; the rest of
 * the table (classes this build or run does not make) is kept. Sorted by
 * key, so a regenerated table's diff shows only the rows that moved. */
static void write_table(kat *k, const rows *old, const char *path)
{
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        die("cannot write %s: %s", tmp, strerror(errno));
    fprintf(f,
            "# nninit known-answer table, bytes version %d: SHA-256 of the\n"
            "# bytes of each row, little-endian (tests/kat/kat.c says what "
            "each\n# row is). Regenerate only on purpose: tests/kat/README.md."
            "\n",
            NNINIT_BYTES_VERSION);
    rows all = {0};
    size_t kept = 0;
    for (size_t i = 0; i < old->n; i++)
        if (!made_here(k, old->v[i].key)) {
            *push(&all, old->v[i].key) = old->v[i];
            kept++;
        }
    for (size_t i = 0; i < k->got.n; i++)
        *push(&all, k->got.v[i].key) = k->got.v[i];
    qsort(all.v, all.n, sizeof *all.v, by_key);
    for (size_t i = 0; i < all.n; i++)
        fprintf(f, "%s\t%s\n", all.v[i].key, all.v[i].hex);
    free(all.v);
    if (fclose(f) || rename(tmp, path))
        die("cannot write %s: %s", path, strerror(errno));
    printf("nninit_kat: wrote %zu rows (%zu kept) to %s\n", k->got.n + kept,
           kept, path);
}

static int hash_files(int argc, char **argv, int portable)
{
    kat k;
    memset(&k, 0, sizeof k);
    k.portable = portable;
    for (int i = 0; i < argc; i++) {
        sha256_ctx c;
        unsigned char d[32];
        char hex[65];
#if defined(NNINIT_KAT_WITH_IO)
        hash_file(&k, argv[i], &c);
#else
        FILE *f = fopen(argv[i], "rb");
        if (!f)
            die("cannot read %s", argv[i]);
        sha256_init(&c, portable);
        unsigned char b[65536];
        for (size_t got; (got = fread(b, 1, sizeof b, f)) > 0;)
            sha256_update(&c, b, got);
        fclose(f);
#endif
        sha256_final(&c, d);
        sha256_hex(d, hex);
        printf("%s  %s\n", hex, argv[i]);
    }
    return 0;
}

int main(int argc, char **argv)
{
    kat k;
    memset(&k, 0, sizeof k);
    k.fo = nninit_fill_opts_default();
    const char *table = NNINIT_KAT_TABLE;
    int write = 0;
#if defined(NNINIT_KAT_WITH_IO)
    k.models = NNINIT_KAT_MODELS;
#endif
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--hash"))
            return hash_files(argc - i - 1, argv + i + 1, 0);
        if (!strcmp(a, "--hash-portable"))
            return hash_files(argc - i - 1, argv + i + 1, 1);
        if (!strcmp(a, "--write"))
            write = 1;
        else if (!strcmp(a, "--large"))
            k.large = 1;
        else if (!strcmp(a, "--portable-sha"))
            k.portable = 1;
        else if (!strcmp(a, "--table") && i + 1 < argc)
            table = argv[++i];
        else if (!strcmp(a, "--models") && i + 1 < argc)
            k.models = argv[++i];
        else if (!strcmp(a, "--threads") && i + 1 < argc)
            k.fo.threads = atoi(argv[++i]);
        else if (!strcmp(a, "--simd") && i + 1 < argc) {
            if (nninit_simd_parse(argv[++i], &k.fo.simd))
                die("unknown --simd %s", argv[i]);
            if (k.fo.simd != NNINIT_SIMD_AUTO &&
                !nninit_simd_supported(k.fo.simd))
                die("--simd %s: this CPU or build cannot run it", argv[i]);
        } else
            die("usage: nninit_kat [--table FILE] [--write] [--large] "
                "[--simd P] [--threads T] [--models DIR] | --hash FILE...");
    }
    const char *tmpdir = getenv("TMPDIR");
    snprintf(k.tmp, sizeof k.tmp, "%s/nninit-kat-XXXXXX",
             tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(k.tmp))
        die("cannot make a scratch directory: %s", strerror(errno));
    philox_rows(&k);
    torch_rows(&k);
    model_rows(&k);
    npy_rows_make(&k);
#if defined(NNINIT_KAT_WITH_IO)
    file_rows(&k);
#endif
    rmdir(k.tmp);
    rows t = {0};
    if (write) {
        FILE *f = fopen(table, "r");
        if (f) {
            fclose(f);
            read_table(table, &t);
        }
        if (k.problems)
            die("%d problems: not writing the table", k.problems);
        write_table(&k, &t, table);
        free(k.got.v);
        free(t.v);
        return 0;
    }
    read_table(table, &t);
    int rc = check(&k, &t, table);
    free(k.got.v);
    free(t.v);
    return rc;
}
