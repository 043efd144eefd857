/*
 * fuzz_model.c: libFuzzer target for model descriptions (YAML/JSON through
 * libyaml, then layers, rules and a plan). Any input must end in a status;
 * an accepted one must plan, and its first tensor must fill.
 *
 *   build-fuzz/tests/fuzz/fuzz_model tests/fuzz/corpus/model -max_total_time=600
 */
#include "fuzz_budget.h"
#include "nninit/io.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_budget b = {0};
    nninit_allocator a = {fuzz_alloc, fuzz_free, &b};
    nninit_model *m = NULL;
    if (nninit_model_new(&m, &a, NULL) != NNINIT_OK)
        return 0;
    if (nninit_model_load_mem((const char *)data, size, "fuzz", m, 0, NULL) ==
        NNINIT_OK) {
        nninit_plan *p = NULL;
        if (nninit_plan_new(m, NULL, &p, NULL) == NNINIT_OK) {
            /* the first few elements of each small tensor */
            nninit_producer *pr = NULL;
            nninit_fill_opts fo = nninit_fill_opts_default();
            fo.alloc = &a;
            if (nninit_producer_new(p, &fo, &pr, NULL) == NNINIT_OK) {
                double buf[16];
                for (size_t i = 0; i < nninit_plan_size(p) && i < 8; i++) {
                    const nninit_plan_entry *e = nninit_plan_get(p, i);
                    uint64_t n = nninit_shape_numel(e->shape);
                    if (e->generated && n <= 4096)
                        nninit_producer_fill(pr, i, buf, 0, n < 16 ? n : 16,
                                             NULL);
                }
                nninit_producer_free(pr);
            }
            nninit_plan_free(p);
        }
    }
    nninit_model_free(m);
    if (b.used)
        abort(); /* a leak */
    return 0;
}
