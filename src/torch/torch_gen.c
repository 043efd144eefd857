/*
 * torch_gen.c: at::CPUGeneratorImpl, i.e. at::mt19937 (c10/core/
 * MT19937RNGEngine.h) behind torch.manual_seed, random() and random64().
 */
#include "torch_internal.h"

#include <pthread.h>
#include <string.h>

static const char *const kernel_names[] = {"avx2", "default"};
static const nninit_names kernel_table = {"torch kernel", kernel_names, 2,
                                          NULL, 0};
NNINIT__NAMED_ENUM(nninit_torch_kernel, nninit_torch_kernel, kernel_table)

static const char *const version_names[] = {"2.6", "1.13"};
static const nninit_names version_table = {"torch version", version_names, 2,
                                           NULL, 0};
NNINIT__NAMED_ENUM(nninit_torch_version, nninit_torch_version, version_table)

const nninit__torch_kernels *nninit__torch_kernels_get(nninit_simd simd)
{
#if defined(NNINIT_HAVE_X86_SIMD)
    if (nninit_simd_resolve(simd) >= NNINIT_SIMD_AVX2)
        return &nninit__torch_kernels_avx2;
#else
    (void)simd; /* one copy only */
#endif
    return &nninit__torch_kernels_scalar;
}

void nninit_torch_manual_seed(nninit_torch_gen *g, uint64_t seed)
{
    /* mt19937(seed): init_genrand with the low 32 bits; left_ = 1 so the
     * first draw twists. set_current_seed also drops both cached normals. */
    g->initial_seed = seed;
    g->state[0] = (uint32_t)(seed & 0xffffffffu);
    for (uint32_t j = 1; j < NNINIT__MT_N; j++)
        g->state[j] = 1812433253u * (g->state[j - 1] ^ (g->state[j - 1] >> 30)) +
                      j;
    g->pos = NNINIT__MT_N;
    g->normal_cached = 0;
    g->normal_cache = 0.0;
}

void nninit_torch_gen_init(nninit_torch_gen *g, uint64_t seed,
                           nninit_torch_kernel kernel)
{
    memset(g, 0, sizeof *g);
    g->kernel = kernel;
    g->version = NNINIT_TORCH_2_6;
    g->threads = 1;
    nninit_torch_manual_seed(g, seed);
}

uint32_t nninit_torch_random(nninit_torch_gen *g)
{
    uint32_t y;
    nninit__torch_words(g, &nninit__torch_kernels_scalar, &y, 1);
    return y;
}

uint64_t nninit_torch_random64(nninit_torch_gen *g)
{
    uint32_t w[2];
    nninit__torch_words(g, &nninit__torch_kernels_scalar, w, 2);
    return ((uint64_t)w[0] << 32) | w[1];
}

/* ------------------------------------------------------------------------ */
/* A parallel for over [0, n) in multiples of `grain`                       */
/* ------------------------------------------------------------------------ */

#define MAX_THREADS 64

typedef struct part {
    void (*fn)(void *ctx, size_t begin, size_t end);
    void *ctx;
    size_t begin, end;
} part;

static void *part_thread(void *arg)
{
    const part *p = (const part *)arg;
    p->fn(p->ctx, p->begin, p->end);
    return NULL;
}

void nninit__torch_parallel(int threads, size_t n, size_t grain,
                            size_t min_per_thread,
                            void (*fn)(void *ctx, size_t begin, size_t end),
                            void *ctx)
{
    size_t t = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS
                                                       : (size_t)threads;
    if (min_per_thread && t > n / min_per_thread)
        t = n / min_per_thread;
    if (t <= 1) {
        if (n)
            fn(ctx, 0, n);
        return;
    }
    part parts[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    int started[MAX_THREADS];
    size_t per = (n / t + grain - 1) / grain * grain, at = 0;
    for (size_t k = 0; k < t; k++) {
        size_t stop = k + 1 == t ? n : at + per < n ? at + per : n;
        parts[k] = (part){fn, ctx, at, stop};
        at = stop;
    }
    for (size_t k = 1; k < t; k++)
        started[k] = pthread_create(&tid[k], NULL, part_thread, &parts[k]) == 0;
    part_thread(&parts[0]);
    for (size_t k = 1; k < t; k++) {
        if (started[k])
            pthread_join(tid[k], NULL);
        else
            part_thread(&parts[k]); /* could not start: same bytes here */
    }
}

void nninit__torch_words(nninit_torch_gen *g, const nninit__torch_kernels *k,
                         uint32_t *out, uint64_t n)
{
    if (g->pos > NNINIT__MT_N) /* a corrupted struct: restart the block */
        g->pos = NNINIT__MT_N;
    while (n) {
        if (g->pos == NNINIT__MT_N) {
            k->twist(g->state);
            g->pos = 0;
        }
        uint64_t take = NNINIT__MT_N - g->pos;
        if (take > n)
            take = n;
        if (out) { /* tempering only shapes the output */
            k->temper(g->state + g->pos, out, (size_t)take);
            out += take;
        }
        g->pos += (uint32_t)take;
        n -= take;
    }
}
