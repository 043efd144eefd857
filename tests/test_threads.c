/*
 * test_threads.c: a fill gives the same bytes on 1, 2 and 7 threads, and any
 * sub-range gives the same bytes as the slice of the whole, for every
 * elementwise initializer and dtype. The tensors are large enough that 7
 * threads really split them (at least 7 * NNINIT__MIN_PER_THREAD elements),
 * and the ranges start and end off the chunk boundaries threads take.
 */
#include "nninit.h"
#include "nninit_internal.h"
#include "nninit_test.h"

#include <stdint.h>

#define N (7 * (uint64_t)NNINIT__MIN_PER_THREAD + 12345)
#define BEGIN UINT64_C(4097) /* off every group and chunk boundary */

static unsigned char *fill_with(const nninit_spec *spec,
                                const nninit_shape *s, nninit_dtype t,
                                uint64_t b, uint64_t e, int threads)
{
    size_t bytes = (size_t)(e - b) * nninit_dtype_size(t);
    unsigned char *buf = malloc(bytes);
    memset(buf, 0xC3, bytes);
    nninit_fill_opts o = nninit_fill_opts_default();
    o.seed = 2024;
    o.stream = nninit_stream_from_name("layer.weight");
    o.threads = threads;
    nninit_error err;
    int rc = nninit_init(spec, s, NNINIT_LAYOUT_TORCH, t, buf, b, e, &o, &err);
    CHECK_MSG(rc == NNINIT_OK, "%s: %s", nninit_kind_name(spec->kind),
              err.msg);
    return buf;
}

static void same_bytes_on_1_2_7_threads(void)
{
    const nninit_kind kinds[] = {
        NNINIT_UNIFORM,         NNINIT_NORMAL,         NNINIT_TRUNC_NORMAL,
        NNINIT_XAVIER_UNIFORM,  NNINIT_XAVIER_NORMAL,  NNINIT_KAIMING_UNIFORM,
        NNINIT_KAIMING_NORMAL,  NNINIT_LECUN_UNIFORM,  NNINIT_LECUN_NORMAL,
        NNINIT_VARIANCE_SCALING, NNINIT_SPARSE};
    const nninit_dtype dtypes[] = {NNINIT_F32, NNINIT_F64, NNINIT_F16,
                                   NNINIT_BF16};
    nninit_shape s;
    int64_t dims[2] = {(int64_t)(N + BEGIN + 100) / 64 + 1, 64};
    CHECK(nninit_shape_make(&s, 2, dims, NULL) == NNINIT_OK);
    CHECK(N >= 7 * (uint64_t)NNINIT__MIN_PER_THREAD);
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        nninit_spec spec = nninit_spec_make(kinds[k]);
        if (kinds[k] == NNINIT_SPARSE)
            spec.sparsity = 0.25;
        /* f32 for every kind; the other dtypes on the three distributions */
        int nd = k < 3 ? 4 : 1;
        for (int d = 0; d < nd; d++) {
            size_t bytes = (size_t)N * nninit_dtype_size(dtypes[d]);
            unsigned char *one =
                fill_with(&spec, &s, dtypes[d], BEGIN, BEGIN + N, 1);
            const int threads[] = {2, 7};
            for (int t = 0; t < 2; t++) {
                unsigned char *many = fill_with(&spec, &s, dtypes[d], BEGIN,
                                                BEGIN + N, threads[t]);
                CHECK_MSG(memcmp(one, many, bytes) == 0,
                          "%s %s: %d threads differ from 1",
                          nninit_kind_name(kinds[k]),
                          nninit_dtype_name(dtypes[d]), threads[t]);
                free(many);
            }
            free(one);
        }
    }
}

static void ranges_are_slices_of_the_whole(void)
{
    nninit_shape s;
    int64_t dims[1] = {(int64_t)N};
    CHECK(nninit_shape_make(&s, 1, dims, NULL) == NNINIT_OK);
    const nninit_kind kinds[] = {NNINIT_UNIFORM, NNINIT_NORMAL,
                                 NNINIT_TRUNC_NORMAL};
    for (size_t k = 0; k < 3; k++) {
        nninit_spec spec = nninit_spec_make(kinds[k]);
        for (int d = 0; d < 2; d++) {
            nninit_dtype t = d ? NNINIT_F64 : NNINIT_F32;
            size_t es = nninit_dtype_size(t);
            unsigned char *whole = fill_with(&spec, &s, t, 0, N, 7);
            /* cuts on and off group (64/32) and chunk (65536) boundaries */
            const uint64_t cuts[][2] = {{1, N - 1},
                                        {65536, 3 * 65536},
                                        {65535, 65537},
                                        {123457, 123457 + 5 * 65536 + 7},
                                        {N - 100, N}};
            for (int c = 0; c < 5; c++) {
                uint64_t b = cuts[c][0], e = cuts[c][1];
                unsigned char *part =
                    fill_with(&spec, &s, t, b, e, c % 2 ? 2 : 7);
                CHECK_MSG(memcmp(part, whole + b * es, (size_t)(e - b) * es) ==
                              0,
                          "%s %s [%llu, %llu) is not the slice of the whole",
                          nninit_kind_name(kinds[k]), nninit_dtype_name(t),
                          (unsigned long long)b, (unsigned long long)e);
                free(part);
            }
            free(whole);
        }
    }
}

int main(void)
{
    TEST_RUN(same_bytes_on_1_2_7_threads);
    TEST_RUN(ranges_are_slices_of_the_whole);
    return test_report();
}
