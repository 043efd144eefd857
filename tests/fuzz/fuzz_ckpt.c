/*
 * fuzz_ckpt.c: libFuzzer target for the checkpoint readers (safetensors,
 * npz, gguf; the format comes from the first bytes). Whatever the input,
 * opening must return a status, and an accepted file must be consistent
 * enough to read every tensor's first and last bytes and to plan it.
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DNNINIT_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_ckpt
 *   build-fuzz/tests/fuzz/fuzz_ckpt tests/fuzz/corpus/ckpt -max_total_time=600
 */
#include "fuzz_budget.h"
#include "nninit/io.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_budget budget = {0};
    nninit_allocator a = {fuzz_alloc, fuzz_free, &budget};
    nninit_ckpt *ck = NULL;
    if (nninit_ckpt_open_mem(data, size, &a, &ck, NULL) != NNINIT_OK) {
        if (budget.used)
            abort(); /* a failed open leaked */
        return 0;
    }
    unsigned char b[64];
    for (size_t i = 0; i < nninit_ckpt_count(ck); i++) {
        const nninit_ckpt_tensor *t = nninit_ckpt_get(ck, i);
        size_t n = t->nbytes < sizeof b ? (size_t)t->nbytes : sizeof b;
        if (nninit_ckpt_read(ck, i, 0, b, n, NULL) != NNINIT_OK)
            continue;
        if (t->nbytes > n)
            nninit_ckpt_read(ck, i, t->nbytes - n, b, n, NULL);
    }
    nninit_model *m = NULL;
    if (nninit_model_new(&m, &a, NULL) == NNINIT_OK &&
        nninit_ckpt_add_to_model(ck, m, NULL) == NNINIT_OK) {
        nninit_plan *p = NULL;
        if (nninit_plan_new(m, NULL, &p, NULL) == NNINIT_OK)
            nninit_plan_free(p);
    }
    nninit_model_free(m);
    nninit_ckpt_close(ck);
    if (budget.used)
        abort(); /* a leak */
    return 0;
}
