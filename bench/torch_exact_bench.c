/*
 * torch_exact_bench.c: times torch-exact mode on the workloads that
 * bench/torch_exact_compare.py also times in PyTorch. One line per workload
 * on stdout: "NAME SECONDS" (best of --reps runs, each from a fresh
 * manual_seed, buffers allocated and touched beforehand, as PyTorch's
 * torch.empty is outside its timed call; modules: PyTorch times
 * reset_parameters() on a built module, nninit fills allocated buffers).
 *
 * Usage: nninit_torch_bench [--reps R] [--kernel avx2|default]
 *                           [--threads T] [--clock cpu|wall] [NAME...]
 * Build: cmake --build build --target nninit_torch_bench
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <nninit.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --clock cpu (default): this process's CPU time, which a shared, loaded
 * machine disturbs far less than wall time (compare single-threaded runs
 * only); --clock wall: CLOCK_MONOTONIC. */
static clockid_t clock_id = CLOCK_PROCESS_CPUTIME_ID;

static double now(void)
{
    struct timespec ts;
    clock_gettime(clock_id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct work {
    const char *name;
    const char *init;  /* nninit kind, or NULL for a module */
    const char *shape; /* for init */
    nninit_dtype dtype;
    nninit_torch_module module;
    int64_t a, b, c; /* module: in, out/hidden, num_layers */
} work;

static const work works[] = {
    {"uniform_f32_16M", "uniform", "16777216", NNINIT_F32, 0, 0, 0, 0},
    {"normal_f32_16M", "normal", "16777216", NNINIT_F32, 0, 0, 0, 0},
    {"uniform_f64_4M", "uniform", "4194304", NNINIT_F64, 0, 0, 0, 0},
    {"normal_f64_4M", "normal", "4194304", NNINIT_F64, 0, 0, 0, 0},
    {"trunc_normal_f32_4M", "trunc_normal", "4194304", NNINIT_F32, 0, 0, 0, 0},
    {"kaiming_uniform_4096x4096", "kaiming_uniform", "4096,4096", NNINIT_F32,
     0, 0, 0, 0},
    {"xavier_normal_4096x4096", "xavier_normal", "4096,4096", NNINIT_F32, 0,
     0, 0, 0},
    {"sparse_1024x1024", "sparse", "1024,1024", NNINIT_F32, 0, 0, 0, 0},
    {"orthogonal_256x256", "orthogonal", "256,256", NNINIT_F32, 0, 0, 0, 0},
    {"orthogonal_1024x1024", "orthogonal", "1024,1024", NNINIT_F32, 0, 0, 0,
     0},
    {"orthogonal_2048x2048", "orthogonal", "2048,2048", NNINIT_F32, 0, 0, 0,
     0},
    {"orthogonal_4096x1024", "orthogonal", "4096,1024", NNINIT_F32, 0, 0, 0,
     0},
    {"Linear_4096x4096", NULL, NULL, NNINIT_F32, NNINIT_TORCH_LINEAR, 4096,
     4096, 0},
    {"LSTM_1024x1024x2", NULL, NULL, NNINIT_F32, NNINIT_TORCH_LSTM, 1024, 1024,
     2},
    {"Embedding_50257x768", NULL, NULL, NNINIT_F32, NNINIT_TORCH_EMBEDDING,
     50257, 768, 0},
    {"seed_example", NULL, NULL, NNINIT_F32, NNINIT_TORCH_LINEAR, 0, 0, 0},
};

/* A module's tensors (allocated and touched outside the timed region, as
 * the PyTorch side times reset_parameters() on a built module). */
static void alloc_module(nninit_torch_layer *l, nninit_dtype dt, void **bufs,
                         int *count)
{
    nninit_torch_tensor t[64];
    nninit_error err;
    if (nninit_torch_layer_tensors(l, t, 64, count, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    for (int i = 0; i < *count; i++) {
        size_t bytes = (size_t)nninit_shape_numel(&t[i].shape) *
                           nninit_dtype_size(dt) + 8;
        bufs[i] = malloc(bytes);
        if (!bufs[i])
            exit(1);
        memset(bufs[i], 0, bytes);
    }
}

static int threads = 1;

static double time_work(const work *w, nninit_torch_kernel kernel, int reps)
{
    nninit_torch_gen *g = malloc(sizeof *g);
    nninit_error err;
    double best = 1e30;
    if (!g)
        exit(1);
    if (w->init) {
        nninit_kind kind;
        nninit_shape shape;
        nninit_kind_parse(w->init, &kind, NULL);
        nninit_shape_parse(w->shape, &shape, NULL);
        nninit_spec spec = nninit_spec_make(kind);
        if (kind == NNINIT_SPARSE)
            spec.sparsity = 0.1;
        size_t bytes = (size_t)nninit_shape_numel(&shape) *
                       nninit_dtype_size(w->dtype);
        void *buf = malloc(bytes);
        if (!buf)
            exit(1);
        memset(buf, 0, bytes);
        for (int r = 0; r < reps; r++) {
            nninit_torch_gen_init(g, 0, kernel), g->threads = threads;
            double t0 = now();
            if (nninit_torch_init(g, &spec, &shape, w->dtype, buf, NULL, &err)) {
                fprintf(stderr, "%s: %s\n", w->name, err.msg);
                exit(1);
            }
            double t = now() - t0;
            best = t < best ? t : best;
        }
        free(buf);
    } else if (!strcmp(w->name, "seed_example")) {
        static float w1[500], b1[50], w2[1500], b2[30], w3[30], b3[1];
        void *bufs[3][2] = {{w1, b1}, {w2, b2}, {w3, b3}};
        const int64_t io[3][2] = {{10, 50}, {50, 30}, {30, 1}};
        for (int r = 0; r < reps * 100; r++) {
            nninit_torch_gen_init(g, 0, kernel), g->threads = threads;
            double t0 = now();
            for (int i = 0; i < 3; i++) {
                nninit_torch_layer l = nninit_torch_layer_make(NNINIT_TORCH_LINEAR);
                l.in = io[i][0];
                l.out = io[i][1];
                nninit_torch_layer_init(g, &l, NNINIT_F32, bufs[i], NULL, NULL);
            }
            for (int i = 0; i < 3; i++) {
                nninit_spec s = nninit_spec_make(
                    i ? NNINIT_XAVIER_UNIFORM : NNINIT_KAIMING_UNIFORM);
                s.nonlinearity = NNINIT_NL_RELU;
                nninit_shape sh;
                int64_t d[2] = {io[i][1], io[i][0]};
                nninit_shape_make(&sh, 2, d, NULL);
                nninit_torch_init(g, &s, &sh, NNINIT_F32, bufs[i][0], NULL,
                                  NULL);
            }
            double t = now() - t0;
            best = t < best ? t : best;
        }
    } else {
        nninit_torch_layer l = nninit_torch_layer_make(w->module);
        if (w->module == NNINIT_TORCH_EMBEDDING) {
            l.num_embeddings = w->a;
            l.embedding_dim = w->b;
        } else if (w->module == NNINIT_TORCH_LSTM) {
            l.in = w->a;
            l.hidden = w->b;
            l.num_layers = w->c;
        } else {
            l.in = w->a;
            l.out = w->b;
        }
        void *bufs[64];
        int n;
        alloc_module(&l, w->dtype, bufs, &n);
        for (int r = 0; r < reps; r++) {
            nninit_torch_gen_init(g, 0, kernel), g->threads = threads;
            double t0 = now();
            if (nninit_torch_layer_init(g, &l, w->dtype, bufs, NULL, &err)) {
                fprintf(stderr, "%s\n", err.msg);
                exit(1);
            }
            double t = now() - t0;
            best = t < best ? t : best;
        }
        for (int i = 0; i < n; i++)
            free(bufs[i]);
    }
    free(g);
    return best;
}

int main(int argc, char **argv)
{
    int reps = 5;
    nninit_torch_kernel kernel = NNINIT_TORCH_KERNEL_AVX2;
    const char *only[64];
    int nonly = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--clock") && i + 1 < argc)
            clock_id = !strcmp(argv[++i], "wall") ? CLOCK_MONOTONIC
                                                  : CLOCK_PROCESS_CPUTIME_ID;
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--kernel") && i + 1 < argc) {
            if (nninit_torch_kernel_parse(argv[++i], &kernel, NULL)) {
                fprintf(stderr, "unknown kernel %s\n", argv[i]);
                return 2;
            }
        } else if (nonly < 64)
            only[nonly++] = argv[i];
    }
    if (reps < 1)
        reps = 1;
    for (size_t k = 0; k < sizeof works / sizeof *works; k++) {
        int want = nonly == 0;
        for (int i = 0; i < nonly; i++)
            want |= !strcmp(only[i], works[k].name);
        if (want) {
            printf("%s %.6g\n", works[k].name,
                   time_work(&works[k], kernel, reps));
            fflush(stdout);
        }
    }
    return 0;
}
