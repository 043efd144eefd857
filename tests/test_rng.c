/*
 * test_rng.c: Philox4x32-10 against Random123's published known-answer
 * vectors (Random123 tests/kat_vectors), and the sequential reader.
 */
#include "nninit.h"
#include "nninit_test.h"

static void philox_known_answers(void)
{
    static const uint32_t kat[][10] = {
        /* counter[4], key[2], expected[4] */
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
         0xffffffff, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822,
         0x299f31d0, 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
    };
    for (size_t t = 0; t < sizeof kat / sizeof *kat; t++) {
        nninit_philox_ctr c = {{kat[t][0], kat[t][1], kat[t][2], kat[t][3]}};
        nninit_philox_key k = {{kat[t][4], kat[t][5]}};
        nninit_philox_ctr r = nninit_philox4x32_10(c, k);
        for (int i = 0; i < 4; i++)
            CHECK_EQ_U64(r.v[i], kat[t][6 + i]);
    }
}

static void block_layout_matches_contract(void)
{
    /* nninit_philox_block(seed, stream, block) is philox on
     * (block lo, block hi, stream lo, stream hi) with key (seed lo, hi). */
    uint64_t seed = 0x0123456789abcdefull, stream = 0xfedcba9876543210ull;
    uint64_t block = 0x100000005ull;
    nninit_philox_ctr c = {{5, 1, 0x76543210, 0xfedcba98}};
    nninit_philox_key k = {{0x89abcdef, 0x01234567}};
    nninit_philox_ctr a = nninit_philox4x32_10(c, k);
    nninit_philox_ctr b = nninit_philox_block(seed, stream, block);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_U64(a.v[i], b.v[i]);
}

static void reader_consumes_blocks_in_order(void)
{
    nninit_rng g;
    nninit_rng_init(&g, 9, 3);
    for (uint64_t blk = 0; blk < 5; blk++) {
        nninit_philox_ctr r = nninit_philox_block(9, 3, blk);
        for (int i = 0; i < 4; i++)
            CHECK_EQ_U64(nninit_rng_u32(&g), r.v[i]);
    }
}

static void below_is_in_range_and_unbiased(void)
{
    /* n = 3: each residue ~ 1/3 of 300000 draws; 6 sigma = 1550. */
    nninit_rng g;
    nninit_rng_init(&g, 1, 1);
    long cnt[3] = {0, 0, 0};
    for (int i = 0; i < 300000; i++) {
        uint64_t v = nninit_rng_below(&g, 3);
        CHECK(v < 3);
        if (v < 3)
            cnt[v]++;
    }
    for (int i = 0; i < 3; i++)
        CHECK_NEAR(cnt[i], 100000, 1550);
}

static void stream_names_differ(void)
{
    CHECK(nninit_stream_from_name("fc1.weight") !=
          nninit_stream_from_name("fc1.bias"));
    CHECK(nninit_stream_from_name("fc1.weight") ==
          nninit_stream_from_name("fc1.weight"));
    CHECK(nninit_stream_derive(1, 2) != nninit_stream_derive(2, 1));
}

int main(void)
{
    TEST_RUN(philox_known_answers);
    TEST_RUN(block_layout_matches_contract);
    TEST_RUN(reader_consumes_blocks_in_order);
    TEST_RUN(below_is_in_range_and_unbiased);
    TEST_RUN(stream_names_differ);
    return test_report();
}
