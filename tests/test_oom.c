/*
 * test_oom.c: out-of-memory sweeps, as SQLite's faultsim does. Each public
 * entry point that allocates runs once with an allocator that fails its
 * k-th allocation, for k = 1, 2, ... until a run needs fewer than k. Every
 * run must end in a status (NNINIT_ENOMEM when the failure reached it),
 * give back every allocation it took (counted here; ASan watches the rest)
 * and leave no file. Memory the third-party libraries take for themselves
 * (libyaml, jansson, libzip, LAPACK) is theirs: the sweep covers nninit's.
 */
#define _POSIX_C_SOURCE 200809L
#include "nninit.h"
#include "nninit/io.h"
#include "nninit_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct faulty {
    long count;   /* allocations asked for so far */
    long fail_at; /* the one that fails (0: none) */
    long live;    /* taken and not given back */
    int failed;
} faulty;

static void *f_alloc(void *ud, size_t size)
{
    faulty *f = (faulty *)ud;
    if (++f->count == f->fail_at) {
        f->failed = 1;
        return NULL;
    }
    void *p = malloc(size);
    f->live += p != NULL;
    return p;
}

static void f_free(void *ud, void *p)
{
    if (p) {
        ((faulty *)ud)->live--;
        free(p);
    }
}

static char dir[64];

/* Files in the sweep's directory. */
static int files_left(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static void empty_dir(void)
{
    DIR *d = opendir(dir);
    char p[400];
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
}

/* A run: the entry point under test, with everything it made freed again.
 * NNINIT_OK only if it succeeded and its result checked out. */
typedef int (*run_fn)(const nninit_allocator *a, const void *ctx);

static void sweep(const char *what, run_fn fn, const void *ctx, int files)
{
    long k;
    for (k = 1;; k++) {
        faulty f = {0, k, 0, 0};
        nninit_allocator a = {f_alloc, f_free, &f};
        int rc = fn(&a, ctx);
        CHECK_MSG(f.live == 0, "%s, allocation %ld fails: %ld not freed",
                  what, k, f.live);
        if (!f.failed) { /* every allocation succeeded: the sweep is done */
            CHECK_MSG(rc == NNINIT_OK, "%s: %d without a failure", what, rc);
            CHECK_MSG(files_left() == files, "%s: %d files, expected %d",
                      what, files_left(), files);
            break;
        }
        /* a fallback that still succeeds is allowed; anything else must
         * say "out of memory", and leave nothing behind */
        CHECK_MSG(rc == NNINIT_OK || rc == NNINIT_ENOMEM,
                  "%s, allocation %ld fails: status %d", what, k, rc);
        CHECK_MSG(rc == NNINIT_OK || files_left() == 0,
                  "%s, allocation %ld fails: %d files left", what, k,
                  files_left());
        empty_dir();
        if (test_failures > 20)
            break;
    }
    empty_dir();
    printf("  %s: %ld allocations, each failed once\n", what, k - 1);
}

/* ------------------------------------------------------------------------ */
/* Initializers                                                             */
/* ------------------------------------------------------------------------ */

typedef struct init_case {
    nninit_kind kind;
    int ndim;
    int64_t dims[4];
    nninit_dtype dtype;
    uint64_t begin, end;
} init_case;

static int run_init(const nninit_allocator *a, const void *ctx)
{
    const init_case *c = (const init_case *)ctx;
    nninit_spec s = nninit_spec_make(c->kind);
    s.sparsity = 0.5;
    nninit_shape sh;
    nninit_shape_make(&sh, c->ndim, c->dims, NULL);
    nninit_fill_opts fo = nninit_fill_opts_default();
    fo.alloc = a;
    double out[256];
    return nninit_init(&s, &sh, NNINIT_LAYOUT_TORCH, c->dtype, out, c->begin,
                       c->end, &fo, NULL);
}

static int run_orthogonal(const nninit_allocator *a, const void *ctx)
{
    (void)ctx;
    nninit_fill_opts fo = nninit_fill_opts_default();
    fo.alloc = a;
    double out[7 * 5];
    return nninit_orthogonal(out, 7, 5, 1.0, &fo, NULL);
}

static int run_torch(const nninit_allocator *a, const void *ctx)
{
    const init_case *c = (const init_case *)ctx;
    nninit_spec s = nninit_spec_make(c->kind);
    s.sparsity = 0.5;
    nninit_shape sh;
    nninit_shape_make(&sh, c->ndim, c->dims, NULL);
    nninit_torch_gen g;
    nninit_torch_gen_init(&g, 1, NNINIT_TORCH_KERNEL_AVX2);
    double out[256];
    return nninit_torch_init(&g, &s, &sh, c->dtype, out, a, NULL);
}

static void initializers(void)
{
    static const init_case cases[] = {
        {NNINIT_ORTHOGONAL, 2, {9, 4}, NNINIT_F32, 3, 30},
        {NNINIT_ORTHOGONAL, 2, {4, 9}, NNINIT_F64, 0, 36},
        {NNINIT_SPARSE, 2, {8, 5}, NNINIT_F32, 0, 40},
        {NNINIT_DELTA_ORTHOGONAL, 3, {4, 3, 3}, NNINIT_F32, 0, 36},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char what[64];
        snprintf(what, sizeof what, "nninit_init %s",
                 nninit_kind_name(cases[i].kind));
        sweep(what, run_init, &cases[i], 0);
        if (cases[i].kind != NNINIT_DELTA_ORTHOGONAL) {
            snprintf(what, sizeof what, "nninit_torch_init %s",
                     nninit_kind_name(cases[i].kind));
            sweep(what, run_torch, &cases[i], 0);
        }
    }
    sweep("nninit_orthogonal", run_orthogonal, NULL, 0);
}

/* ------------------------------------------------------------------------ */
/* Models, plans, producers                                                 */
/* ------------------------------------------------------------------------ */

static const char *const spec_text =
    "name: net\n"
    "layers:\n"
    "  - {name: emb, type: embedding, num: 11, dim: 6}\n"
    "  - {name: rnn, type: lstm, in: 6, hidden: 5, bidirectional: true,\n"
    "     forget_bias: 1.0}\n"
    "  - {name: blk, repeat: 2, layers: [\n"
    "      {name: fc, type: linear, in: 10, out: 10, activation: relu},\n"
    "      {name: ln, type: layernorm, dim: 10}]}\n"
    "  - {name: conv, type: conv2d, in: 2, out: 4, kernel: 3, init: dirac}\n"
    "  - {name: bn, type: batchnorm, dim: 4}\n"
    "rules:\n"
    "  - {match: '*.bias', init: constant, value: 0.1}\n"
    "  - {match: 'blk.1.fc.weight', init: orthogonal}\n"
    "  - {match: 'rnn.weight_ih*', activation: tanh}\n"
    "  - {match: 'nothing*', init: zeros}\n";

typedef struct model_case {
    int rng_torch;
    int load; /* through the description loader, else layer by layer */
} model_case;

static int build(const nninit_allocator *a, int load, nninit_model **out)
{
    nninit_model *m;
    int rc = nninit_model_new(&m, a, NULL);
    if (rc)
        return rc;
    if (load) {
        rc = nninit_model_load_mem(spec_text, strlen(spec_text), "net.yaml",
                                   m, 0, NULL);
    } else {
        nninit_layer l = nninit_layer_make(NNINIT_TORCH_GRU);
        snprintf(l.name, sizeof l.name, "gru");
        l.args.in = 3;
        l.args.hidden = 4;
        l.args.num_layers = 2;
        rc = nninit_model_add_layer(m, &l, NULL);
        l = nninit_layer_make(NNINIT_TORCH_CONV_TRANSPOSE2D);
        snprintf(l.name, sizeof l.name, "up");
        l.args.in = 4;
        l.args.out = 2;
        l.args.kernel[0] = l.args.kernel[1] = 2;
        if (rc == NNINIT_OK)
            rc = nninit_model_add_layer(m, &l, NULL);
        nninit_rule r = nninit_rule_make("gru.weight*");
        r.has_init = 1;
        r.spec = nninit_spec_make(NNINIT_XAVIER_UNIFORM);
        if (rc == NNINIT_OK)
            rc = nninit_model_add_rule(m, &r, NULL);
        nninit_shape sh;
        int64_t d = 3;
        nninit_shape_make(&sh, 1, &d, NULL);
        if (rc == NNINIT_OK)
            rc = nninit_model_add_tensor(m, "extra.scale", &sh, NNINIT_ET_F32,
                                         0, NULL);
    }
    if (rc) {
        nninit_model_free(m);
        return rc;
    }
    *out = m;
    return NNINIT_OK;
}

static int run_model(const nninit_allocator *a, const void *ctx)
{
    const model_case *c = (const model_case *)ctx;
    nninit_model *m;
    int rc = build(a, c->load, &m);
    if (rc)
        return rc;
    nninit_plan_opts po = nninit_plan_opts_default();
    if (c->rng_torch) {
        po.preset = NNINIT_PRESET_TORCH;
        po.rng = NNINIT_RNG_TORCH;
    }
    nninit_plan *p = NULL;
    nninit_producer *pr = NULL;
    rc = nninit_plan_new(m, &po, &p, NULL);
    nninit_fill_opts fo = nninit_fill_opts_default();
    fo.alloc = a;
    if (rc == NNINIT_OK)
        rc = nninit_producer_new(p, &fo, &pr, NULL);
    double buf[1024];
    for (size_t k = 0; rc == NNINIT_OK && k < nninit_plan_size(p); k++) {
        size_t i = nninit_plan_order(p, k);
        const nninit_plan_entry *e = nninit_plan_get(p, i);
        uint64_t n = nninit_shape_numel(e->shape);
        if (e->generated && n <= 1024)
            rc = nninit_producer_fill(pr, i, buf, 0, n, NULL);
    }
    nninit_producer_free(pr);
    nninit_plan_free(p);
    nninit_model_free(m);
    return rc;
}

static void models(void)
{
    static const model_case cases[] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    const char *names[] = {"model, plan, producer",
                           "description, plan, producer",
                           "model, plan, producer (--rng torch)",
                           "description, plan, producer (--rng torch)"};
    for (size_t i = 0; i < 4; i++)
        sweep(names[i], run_model, &cases[i], 0);
}

/* ------------------------------------------------------------------------ */
/* Readers and writers                                                      */
/* ------------------------------------------------------------------------ */

typedef struct io_case {
    nninit_format fmt;
    const char *ext;
    uint64_t shard;       /* --max-shard-size (0: one file) */
    unsigned char *bytes; /* the file, for the readers */
    size_t size;
    char path[256];       /* where it is, for nninit_ckpt_open */
} io_case;

static int shards_of; /* the files a sharded write makes */

static int write_model_sharded(const nninit_allocator *a, const char *path,
                               nninit_format fmt, const nninit_ckpt *src,
                               uint64_t shard)
{
    nninit_model *m;
    int rc = build(a, 1, &m);
    if (rc)
        return rc;
    nninit_plan *p = NULL;
    nninit_write_opts wo = nninit_write_opts_default();
    wo.fill.alloc = a;
    wo.chunk_bytes = 256; /* many chunks */
    wo.source = (nninit_ckpt *)src;
    wo.max_shard_bytes = shard;
    rc = nninit_plan_new(m, NULL, &p, NULL);
    if (rc == NNINIT_OK)
        rc = nninit_plan_write(p, path, fmt, &wo, NULL);
    nninit_plan_free(p);
    nninit_model_free(m);
    return rc;
}

static int write_model(const nninit_allocator *a, const char *path,
                       nninit_format fmt, const nninit_ckpt *src)
{
    return write_model_sharded(a, path, fmt, src, 0);
}

static int run_write(const nninit_allocator *a, const void *ctx)
{
    const io_case *c = (const io_case *)ctx;
    char path[160];
    snprintf(path, sizeof path, "%s/out.%s", dir, c->ext);
    int rc = write_model_sharded(a, path, c->fmt, NULL, c->shard);
    if (c->shard && c->fmt == NNINIT_FORMAT_GGUF) /* the first split */
        snprintf(path, sizeof path, "%s/out-00001-of-%05d.%s", dir, shards_of,
                 c->ext);
    else if (c->shard) /* the index */
        snprintf(path, sizeof path, "%s/out.%s.index.json", dir, c->ext);
    if (rc == NNINIT_OK && access(path, F_OK) != 0)
        rc = NNINIT_EIO; /* "succeeded" without a file */
    return rc;
}

/* Open (from memory or the file), read every tensor's bytes, make a model
 * and plan of it. */
static int read_ckpt(const nninit_allocator *a, const io_case *c, int file)
{
    nninit_ckpt *ck;
    int rc = file ? nninit_ckpt_open(c->path, a, &ck, NULL)
                  : nninit_ckpt_open_mem(c->bytes, c->size, a, &ck, NULL);
    if (rc)
        return rc;
    unsigned char b[64];
    for (size_t i = 0; rc == NNINIT_OK && i < nninit_ckpt_count(ck); i++) {
        const nninit_ckpt_tensor *t = nninit_ckpt_get(ck, i);
        for (uint64_t at = 0; rc == NNINIT_OK && at < t->nbytes;
             at += sizeof b) {
            size_t n = t->nbytes - at < sizeof b ? (size_t)(t->nbytes - at)
                                                 : sizeof b;
            rc = nninit_ckpt_read(ck, i, at, b, n, NULL);
        }
    }
    nninit_model *m = NULL;
    nninit_plan *p = NULL;
    if (rc == NNINIT_OK)
        rc = nninit_model_new(&m, a, NULL);
    if (rc == NNINIT_OK)
        rc = nninit_ckpt_add_to_model(ck, m, NULL);
    if (rc == NNINIT_OK)
        rc = nninit_plan_new(m, NULL, &p, NULL);
    nninit_plan_free(p);
    nninit_model_free(m);
    nninit_ckpt_close(ck);
    return rc;
}

static int run_read_mem(const nninit_allocator *a, const void *ctx)
{
    return read_ckpt(a, (const io_case *)ctx, 0);
}

static int run_read_file(const nninit_allocator *a, const void *ctx)
{
    return read_ckpt(a, (const io_case *)ctx, 1);
}

/* A checkpoint re-initialized into the same format: its metadata kept. */
static int run_rewrite(const nninit_allocator *a, const void *ctx)
{
    const io_case *c = (const io_case *)ctx;
    nninit_ckpt *ck;
    int rc = nninit_ckpt_open(c->path, a, &ck, NULL);
    if (rc)
        return rc;
    nninit_model *m = NULL;
    nninit_plan *p = NULL;
    char path[160];
    snprintf(path, sizeof path, "%s/again.%s", dir, c->ext);
    if ((rc = nninit_model_new(&m, a, NULL)) == NNINIT_OK &&
        (rc = nninit_ckpt_add_to_model(ck, m, NULL)) == NNINIT_OK &&
        (rc = nninit_plan_new(m, NULL, &p, NULL)) == NNINIT_OK) {
        nninit_write_opts wo = nninit_write_opts_default();
        wo.fill.alloc = a;
        wo.source = ck;
        rc = nninit_plan_write(p, path, c->fmt, &wo, NULL);
    }
    nninit_plan_free(p);
    nninit_model_free(m);
    nninit_ckpt_close(ck);
    return rc;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*n ? *n : 1);
    if (fread(b, 1, *n, f) != *n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

static void readers_and_writers(void)
{
    io_case cases[] = {
        {NNINIT_FORMAT_SAFETENSORS, "safetensors", 0, NULL, 0, ""},
        {NNINIT_FORMAT_NPZ, "npz", 0, NULL, 0, ""},
        {NNINIT_FORMAT_GGUF, "gguf", 0, NULL, 0, ""}};
    char what[64];
    for (size_t i = 0; i < 3; i++) {
        io_case *c = &cases[i];
        snprintf(what, sizeof what, "nninit_plan_write %s", c->ext);
        sweep(what, run_write, c, 1);
        /* the readers' input, made once with the default allocator, kept
         * outside the sweep's directory */
        snprintf(c->path, sizeof c->path, "%s.%s", dir, c->ext);
        CHECK(write_model(NULL, c->path, c->fmt, NULL) == NNINIT_OK);
        c->bytes = slurp(c->path, &c->size);
        CHECK(c->bytes != NULL);
        snprintf(what, sizeof what, "nninit_ckpt_open_mem %s", c->ext);
        sweep(what, run_read_mem, c, 0);
        snprintf(what, sizeof what, "nninit_ckpt_open %s", c->ext);
        sweep(what, run_read_file, c, 0);
        snprintf(what, sizeof what, "%s re-initialized", c->ext);
        sweep(what, run_rewrite, c, 1);
        free(c->bytes);
        unlink(c->path);
    }
}

static int count_files(const char *d)
{
    int n = 0;
    DIR *dd = opendir(d);
    for (struct dirent *e; dd && (e = readdir(dd));)
        n += e->d_name[0] != '.';
    if (dd)
        closedir(dd);
    return n;
}

/* Sharded output (a shard per tensor at 64 bytes, and an index for
 * safetensors), and sharded checkpoints read back. */
static void sharded(void)
{
    io_case cases[] = {
        {NNINIT_FORMAT_SAFETENSORS, "safetensors", 64, NULL, 0, ""},
        {NNINIT_FORMAT_GGUF, "gguf", 64, NULL, 0, ""}};
    char what[64], sdir[100];
    snprintf(sdir, sizeof sdir, "%s-shards", dir);
    CHECK(mkdir(sdir, 0700) == 0);
    for (size_t i = 0; i < 2; i++) {
        io_case *c = &cases[i];
        /* made once with the default allocator, outside the sweep's
         * directory: the files the sweep expects, the readers' input */
        snprintf(c->path, sizeof c->path, "%s/out.%s", sdir, c->ext);
        CHECK(write_model_sharded(NULL, c->path, c->fmt, NULL, c->shard) ==
              NNINIT_OK);
        int files = count_files(sdir);
        int splits = c->fmt == NNINIT_FORMAT_GGUF ? files : files - 1;
        CHECK(splits > 2);
        snprintf(what, sizeof what, "nninit_plan_write %s in shards", c->ext);
        shards_of = splits;
        sweep(what, run_write, c, files);
        if (c->fmt == NNINIT_FORMAT_GGUF)
            snprintf(c->path, sizeof c->path, "%s/out-00001-of-%05d.%s", sdir,
                     splits, c->ext);
        else
            snprintf(c->path, sizeof c->path, "%s/out.%s.index.json", sdir,
                     c->ext);
        snprintf(what, sizeof what, "nninit_ckpt_open %s shards", c->ext);
        sweep(what, run_read_file, c, 0);
        DIR *d = opendir(sdir);
        for (struct dirent *e; d && (e = readdir(d));) {
            char p[400];
            snprintf(p, sizeof p, "%s/%s", sdir, e->d_name);
            if (e->d_name[0] != '.')
                unlink(p);
        }
        if (d)
            closedir(d);
    }
    CHECK(rmdir(sdir) == 0);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/nninit-oom-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    TEST_RUN(initializers);
    TEST_RUN(models);
    TEST_RUN(readers_and_writers);
    TEST_RUN(sharded);
    empty_dir();
    rmdir(dir);
    return test_report();
}
