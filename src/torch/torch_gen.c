/*
 * torch_gen.c: at::CPUGeneratorImpl, i.e. at::mt19937 (c10/core/
 * MT19937RNGEngine.h) behind torch.manual_seed, random() and random64().
 */
#include "torch_internal.h"

#include <string.h>

static const char *const kernel_names[] = {"avx2", "default", NULL};

int nninit_torch_kernel_parse(const char *name, nninit_torch_kernel *out,
                              nninit_error *err)
{
    int i = nninit__lookup(kernel_names, name);
    if (i < 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "unknown torch kernel '%s' (expected avx2 or "
                            "default)", name ? name : "");
    *out = (nninit_torch_kernel)i;
    return NNINIT_OK;
}

const char *nninit_torch_kernel_name(nninit_torch_kernel kernel)
{
    return (unsigned)kernel <= NNINIT_TORCH_KERNEL_DEFAULT
               ? kernel_names[kernel]
               : "unknown";
}

const nninit__torch_kernels *nninit__torch_kernels_get(void)
{
#if defined(NNINIT_HAVE_X86_SIMD)
    if (nninit_simd_resolve(NNINIT_SIMD_AUTO) >= NNINIT_SIMD_AVX2)
        return &nninit__torch_kernels_avx2;
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

void nninit__torch_words(nninit_torch_gen *g, const nninit__torch_kernels *k,
                         uint32_t *out, size_t n)
{
    if (g->pos > NNINIT__MT_N) /* a corrupted struct: restart the block */
        g->pos = NNINIT__MT_N;
    while (n) {
        if (g->pos == NNINIT__MT_N) {
            k->twist(g->state);
            g->pos = 0;
        }
        size_t take = NNINIT__MT_N - g->pos;
        if (take > n)
            take = n;
        k->temper(g->state + g->pos, out, take);
        g->pos += (uint32_t)take;
        out += take;
        n -= take;
    }
}
