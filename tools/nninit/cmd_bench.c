/*
 * cmd_bench.c: nninit bench [INIT ...]: how fast each initializer fills a
 * large tensor, next to a memset of the same buffer measured in the same run.
 *
 * Each row times its initializer and a memset of the same bytes (on the same
 * number of threads) in alternation, repetition after repetition, and keeps
 * the best of each: other load on the machine then hits both alike, and the
 * ratio memset_seconds / init_seconds says how close the fill runs to the
 * speed at which this machine can write that memory at all.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    O_HELP = 1, O_SIZE, O_SHAPE, O_THREADS, O_REPS, O_DTYPE, O_SEED, O_SIMD,
    O_FORMAT
};

static const cli_opt opts[] = {
    {"help", 0, O_HELP}, {"h", 0, O_HELP}, {"size", 1, O_SIZE},
    {"shape", 1, O_SHAPE}, {"threads", 1, O_THREADS}, {"reps", 1, O_REPS},
    {"dtype", 1, O_DTYPE}, {"seed", 1, O_SEED}, {"simd", 1, O_SIMD},
    {"format", 1, O_FORMAT}, {NULL, 0, 0}};

#define DEFAULT_SIZE (UINT64_C(64) << 20)
/* Orthogonal is O(n^3): without --shape it runs on a square of at most
 * this many elements (4096 x 4096, the size PyTorch is usually timed at). */
#define ORTHO_MAX_DEFAULT (UINT64_C(1) << 24)
#define MAX_ROWS 64

static const char *const default_inits[] = {
    "uniform", "normal", "trunc_normal", "xavier_uniform", "kaiming_normal",
    "orthogonal"};

static void help(void)
{
    printf(
        "usage: nninit bench [INIT ...] [options]\n"
        "\n"
        "Time initializers on one large tensor, each next to a memset of the\n"
        "same buffer measured in the same run (memset on as many threads as\n"
        "the fill may use: --threads, at most one per 2^18 elements). Every\n"
        "row alternates the two for --reps repetitions and\n"
        "keeps the best of each; memset_ratio = memset seconds / init seconds\n"
        "(1.0 = as fast as the machine writes memory).\n"
        "\n"
        "INIT: any initializer name (default: uniform normal trunc_normal\n"
        "      xavier_uniform kaiming_normal orthogonal); comma lists work.\n"
        "      Parameters are the defaults; constant uses value 1, sparse\n"
        "      sparsity 0.1.\n"
        "\n"
        "options:\n"
        "  --size N            elements (default 64M = 67108864; suffix K, M,\n"
        "                      G = 2^10, 2^20, 2^30), as the most square\n"
        "                      2-D shape with N elements; orthogonal uses a\n"
        "                      square of min(N, 16M) elements\n"
        "  --shape D0,D1,...   this shape for every row instead (orthogonal\n"
        "                      included)\n"
        "  --threads T         worker threads (default: online CPUs)\n"
        "  --reps R            repetitions, best kept (default 5; orthogonal\n"
        "                      at most 3)\n"
        "  --dtype f32|f64|f16|bf16  element type (default f32)\n"
        "  --seed N            seed (default 0)\n"
        "  --simd auto|scalar|avx2|avx512  code path (default auto)\n"
        "  --format text|tsv   tsv: a header line, then one line per row:\n"
        "                      init threads elements seconds mvalues_per_s\n"
        "                      gb_per_s memset_ratio (the first row is the\n"
        "                      memset itself)\n");
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* --size: a positive integer with an optional binary suffix K, M or G. */
static int parse_size(const char *text, uint64_t *out)
{
    char buf[64];
    size_t n = strlen(text);
    unsigned shift = 0;
    if (n > 0 && n < sizeof buf) {
        char last = text[n - 1];
        shift = last == 'K' || last == 'k'   ? 10
                : last == 'M' || last == 'm' ? 20
                : last == 'G' || last == 'g' ? 30
                                             : 0;
    }
    if (n == 0 || n >= sizeof buf)
        return cli_error(EXIT_BAD_INPUT, "--size: '%s' is not a size", text);
    memcpy(buf, text, n + 1);
    if (shift)
        buf[n - 1] = '\0';
    uint64_t v;
    if (cli_u64("size", buf, &v))
        return EXIT_BAD_INPUT;
    if (v == 0 || v > (UINT64_C(1) << 40) >> shift)
        return cli_error(EXIT_BAD_INPUT,
                         "--size must be between 1 and 2^40 (got '%s')", text);
    *out = v << shift;
    return 0;
}

/* The 2-D shape with n elements whose sides are closest to sqrt(n). */
static void squarish(uint64_t n, nninit_shape *s)
{
    uint64_t r = (uint64_t)sqrt((double)n);
    while (r > 1 && (r * r > n || n % r != 0))
        r--;
    int64_t dims[2] = {(int64_t)r, (int64_t)(n / r)};
    nninit_shape_make(s, 2, dims, NULL);
}

/* ------------------------------------------------------------------------ */
/* memset on T threads                                                      */
/* ------------------------------------------------------------------------ */

typedef struct mpart {
    char *p;
    size_t n;
} mpart;

static void *memset_part(void *arg)
{
    mpart *m = (mpart *)arg;
    memset(m->p, 0, m->n);
    return NULL;
}

/* The library's rule for fills: at most one thread per 2^18 elements
 * (NNINIT__MIN_PER_THREAD), so small buffers are timed like small fills. */
#define MIN_PER_THREAD (UINT64_C(1) << 18)

/* memset on up to T threads, T equal parts. */
static void memset_threads(void *buf, size_t bytes, size_t es, int threads)
{
    mpart parts[256];
    pthread_t tid[256];
    int started[256];
    if ((uint64_t)threads > bytes / es / MIN_PER_THREAD)
        threads = (int)(bytes / es / MIN_PER_THREAD);
    if (threads < 1)
        threads = 1;
    if (threads > 256)
        threads = 256;
    size_t per = (bytes / (size_t)threads + 63) / 64 * 64;
    for (int k = 0; k < threads; k++) {
        size_t at = per * (size_t)k < bytes ? per * (size_t)k : bytes;
        size_t end = k + 1 == threads || per * (size_t)(k + 1) > bytes
                         ? bytes : per * (size_t)(k + 1);
        parts[k].p = (char *)buf + at;
        parts[k].n = end - at;
    }
    for (int k = 1; k < threads; k++)
        started[k] = pthread_create(&tid[k], NULL, memset_part, &parts[k]) == 0;
    memset_part(&parts[0]);
    for (int k = 1; k < threads; k++) {
        if (started[k])
            pthread_join(tid[k], NULL);
        else
            memset_part(&parts[k]);
    }
}

/* ------------------------------------------------------------------------ */
/* Rows                                                                     */
/* ------------------------------------------------------------------------ */

typedef struct row {
    const char *name;
    nninit_spec spec;
    nninit_shape shape;
    uint64_t numel;
    double best, memset_best;
} row;

static void print_row(const row *r, int threads, size_t es, int tsv)
{
    double mv = (double)r->numel / r->best / 1e6;
    double gb = (double)r->numel * (double)es / r->best / 1e9;
    double ratio = r->memset_best / r->best;
    if (tsv) {
        printf("%s\t%d\t%llu\t%.6f\t%.1f\t%.2f\t%.3f\n", r->name, threads,
               (unsigned long long)r->numel, r->best, mv, gb, ratio);
    } else {
        char sh[96];
        nninit_shape_format(&r->shape, sh, sizeof sh);
        printf("%-16s %-14s %11.6f %10.1f %8.2f %7.3f\n", r->name, sh,
               r->best, mv, gb, ratio);
    }
    fflush(stdout);
}

static void load_average(char *buf, size_t size)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double a = 0, b = 0, c = 0;
    if (f && fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
        snprintf(buf, size, "%.2f %.2f %.2f", a, b, c);
    else
        snprintf(buf, size, "unknown");
    if (f)
        fclose(f);
}

int cmd_bench(int argc, char **argv)
{
    nninit_error err;
    const char *names[MAX_ROWS];
    char *lists[MAX_ROWS];
    int nnames = 0, nlists = 0;
    uint64_t size = DEFAULT_SIZE;
    const char *shape_text = NULL;
    int reps = 5, tsv = 0;
    nninit_dtype dtype = NNINIT_F32;
    nninit_fill_opts fo = nninit_fill_opts_default();
    fo.threads = cli_default_threads();
    int rc = 0;

    cli_parser p;
    cli_init(&p, argc, argv, 1, opts);
    for (int k; (k = cli_next(&p)) != CLI_END;) {
        switch (k) {
        case CLI_ERROR:
            rc = EXIT_BAD_INPUT;
            goto done;
        case CLI_POSITIONAL: {
            /* split comma lists into names; keep the copies to free */
            if (nlists == MAX_ROWS) {
                rc = cli_error(EXIT_BAD_INPUT, "too many INIT arguments");
                goto done;
            }
            char *copy = malloc(strlen(p.value) + 1);
            if (!copy) {
                rc = cli_error(EXIT_RUNTIME, "out of memory");
                goto done;
            }
            strcpy(copy, p.value);
            lists[nlists++] = copy;
            for (char *s = copy, *c; s; s = c) {
                c = strchr(s, ',');
                if (c)
                    *c++ = '\0';
                if (!*s)
                    continue;
                if (nnames == MAX_ROWS) {
                    rc = cli_error(EXIT_BAD_INPUT, "too many initializers "
                                                   "(at most %d)", MAX_ROWS);
                    goto done;
                }
                names[nnames++] = s;
            }
            break;
        }
        case O_HELP:
            help();
            goto done;
        case O_SIZE:
            if ((rc = parse_size(p.value, &size)))
                goto done;
            break;
        case O_SHAPE:
            shape_text = p.value;
            break;
        case O_THREADS:
            if ((rc = cli_int("threads", p.value, &fo.threads)))
                goto done;
            if (fo.threads < 1 || fo.threads > 256) {
                rc = cli_error(EXIT_BAD_INPUT,
                               "--threads must be between 1 and 256 (got %d)",
                               fo.threads);
                goto done;
            }
            break;
        case O_REPS:
            if ((rc = cli_int("reps", p.value, &reps)))
                goto done;
            if (reps < 1 || reps > 1000) {
                rc = cli_error(EXIT_BAD_INPUT,
                               "--reps must be between 1 and 1000 (got %d)",
                               reps);
                goto done;
            }
            break;
        case O_DTYPE:
            if (nninit_dtype_parse(p.value, &dtype, &err)) {
                rc = cli_error(EXIT_BAD_INPUT, "%s", err.msg);
                goto done;
            }
            break;
        case O_SEED:
            if ((rc = cli_seed("seed", p.value, &fo.seed)))
                goto done;
            break;
        case O_SIMD:
            if ((rc = cli_simd(p.value, &fo.simd)))
                goto done;
            break;
        case O_FORMAT: {
            static const char *const formats[] = {"text", "tsv"};
            static const nninit_names t = {"format", formats, 2, NULL, 0};
            if (nninit_names_parse(&t, p.value, &tsv, &err)) {
                rc = cli_error(EXIT_BAD_INPUT, "--format: %s", err.msg);
                goto done;
            }
            break;
        }
        }
    }
    if (nnames == 0)
        for (size_t i = 0; i < sizeof default_inits / sizeof *default_inits;
             i++)
            names[nnames++] = default_inits[i];

    /* Every row: its spec and shape, checked before any timing. */
    row rows[MAX_ROWS];
    nninit_shape given;
    if (shape_text && nninit_shape_parse(shape_text, &given, &err)) {
        rc = cli_error(EXIT_BAD_INPUT, "%s", err.msg);
        goto done;
    }
    uint64_t max_numel = 0;
    for (int i = 0; i < nnames; i++) {
        row *r = &rows[i];
        nninit_kind kind;
        if (nninit_kind_parse(names[i], &kind, &err)) {
            rc = cli_error(EXIT_BAD_INPUT, "%s", err.msg);
            goto done;
        }
        r->name = nninit_kind_name(kind);
        r->spec = nninit_spec_make(kind);
        if (kind == NNINIT_CONSTANT)
            r->spec.value = 1.0;
        if (kind == NNINIT_SPARSE)
            r->spec.sparsity = 0.1;
        if (shape_text)
            r->shape = given;
        else
            squarish(kind == NNINIT_ORTHOGONAL && size > ORTHO_MAX_DEFAULT
                         ? ORTHO_MAX_DEFAULT : size,
                     &r->shape);
        r->numel = nninit_shape_numel(&r->shape);
        nninit_resolved res;
        if (nninit_resolve(&r->spec, &r->shape, NNINIT_LAYOUT_TORCH, &res,
                           &err)) {
            rc = cli_error(EXIT_BAD_INPUT, "%s: %s", r->name, err.msg);
            goto done;
        }
        if (r->numel > max_numel)
            max_numel = r->numel;
    }
    if (max_numel == 0) {
        rc = cli_error(EXIT_BAD_INPUT, "the shape has no elements");
        goto done;
    }

    size_t es = nninit_dtype_size(dtype);
    if (max_numel > (SIZE_MAX - 63) / es) {
        rc = cli_error(EXIT_RUNTIME, "size too large for this machine");
        goto done;
    }
    size_t bytes = ((size_t)max_numel * es + 63) / 64 * 64;
    void *buf = aligned_alloc(64, bytes);
    if (!buf) {
        rc = cli_error(EXIT_RUNTIME, "out of memory for %zu bytes", bytes);
        goto done;
    }
    memset(buf, 1, bytes); /* fault every page in before timing */

    char load[64];
    load_average(load, sizeof load);
    if (tsv) {
        printf("init\tthreads\telements\tseconds\tmvalues_per_s\tgb_per_s\t"
               "memset_ratio\n");
    } else {
        printf("nninit bench: %s, %d thread%s, simd %s, best of %d\n"
               "load average before: %s\n\n",
               nninit_dtype_name(dtype), fo.threads, fo.threads == 1 ? "" : "s",
               nninit_simd_name(nninit_simd_resolve(fo.simd)), reps, load);
        printf("%-16s %-14s %11s %10s %8s %7s\n", "init", "shape", "seconds",
               "Mvalues/s", "GB/s", "memset");
    }

    /* The memset row: the largest buffer, alone. */
    row ms;
    memset(&ms, 0, sizeof ms);
    ms.name = "memset";
    int64_t mdim = (int64_t)max_numel;
    nninit_shape_make(&ms.shape, 1, &mdim, NULL);
    ms.numel = max_numel;
    ms.best = INFINITY;
    for (int k = 0; k < reps; k++) {
        double t = now();
        memset_threads(buf, (size_t)max_numel * es, es, fo.threads);
        t = now() - t;
        if (t < ms.best)
            ms.best = t;
    }
    ms.memset_best = ms.best;
    print_row(&ms, fo.threads, es, tsv);

    for (int i = 0; i < nnames && rc == 0; i++) {
        row *r = &rows[i];
        int n = r->spec.kind == NNINIT_ORTHOGONAL && reps > 3 ? 3 : reps;
        r->best = r->memset_best = INFINITY;
        for (int k = 0; k < n; k++) {
            double t = now();
            memset_threads(buf, (size_t)r->numel * es, es, fo.threads);
            t = now() - t;
            if (t < r->memset_best)
                r->memset_best = t;
            t = now();
            int st = nninit_init(&r->spec, &r->shape, NNINIT_LAYOUT_TORCH,
                                 dtype, buf, 0, r->numel, &fo, &err);
            t = now() - t;
            if (st) {
                rc = cli_error(cli_status_exit(st), "%s: %s", r->name,
                               err.msg);
                break;
            }
            if (t < r->best)
                r->best = t;
        }
        if (rc == 0)
            print_row(r, fo.threads, es, tsv);
    }
    if (!tsv && rc == 0) {
        load_average(load, sizeof load);
        printf("\nload average after: %s\n", load);
    }
    free(buf);
done:
    for (int i = 0; i < nlists; i++)
        free(lists[i]);
    return rc;
}
