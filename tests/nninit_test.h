/*
 * nninit_test.h: a tiny test harness (after Redis' testhelp.h and libuv's
 * task.h). Each test file is one executable; main() calls TEST_RUN for each
 * test function and returns test_report().
 *
 *     static void philox_kat(void) { CHECK_EQ_U64(x, y); }
 *     int main(void) { TEST_RUN(philox_kat); return test_report(); }
 */
#ifndef NNINIT_TEST_H
#define NNINIT_TEST_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures = 0, test_checks = 0, test_count = 0;
static const char *test_current = "";

#define TEST_RUN(fn)                                                           \
    do {                                                                       \
        int before_ = test_failures;                                           \
        test_current = #fn;                                                    \
        test_count++;                                                          \
        fn();                                                                  \
        printf("%s %s\n", test_failures == before_ ? "ok  " : "FAIL", #fn);    \
        fflush(stdout);                                                        \
    } while (0)

#define TEST_FAIL_AT(...)                                                      \
    do {                                                                       \
        test_failures++;                                                       \
        fprintf(stderr, "  %s:%d: %s: ", __FILE__, __LINE__, test_current);   \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
    } while (0)

#define CHECK(cond)                                                            \
    do {                                                                       \
        test_checks++;                                                         \
        if (!(cond))                                                           \
            TEST_FAIL_AT("check failed: %s", #cond);                           \
    } while (0)

#define CHECK_MSG(cond, ...)                                                   \
    do {                                                                       \
        test_checks++;                                                         \
        if (!(cond))                                                           \
            TEST_FAIL_AT(__VA_ARGS__);                                         \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                     \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        test_checks++;                                                         \
        if (a_ != b_)                                                          \
            TEST_FAIL_AT("%s == %s: %lld != %lld", #a, #b, a_, b_);            \
    } while (0)

#define CHECK_EQ_U64(a, b)                                                     \
    do {                                                                       \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                       \
        test_checks++;                                                         \
        if (a_ != b_)                                                          \
            TEST_FAIL_AT("%s == %s: 0x%" PRIx64 " != 0x%" PRIx64, #a, #b, a_,  \
                         b_);                                                  \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                     \
    do {                                                                       \
        const char *a_ = (a), *b_ = (b);                                       \
        test_checks++;                                                         \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                 \
            TEST_FAIL_AT("%s == %s: '%s' != '%s'", #a, #b, a_ ? a_ : "(null)", \
                         b_ ? b_ : "(null)");                                  \
    } while (0)

/* |a - b| <= tol */
#define CHECK_NEAR(a, b, tol)                                                  \
    do {                                                                       \
        double a_ = (double)(a), b_ = (double)(b), t_ = (double)(tol);         \
        test_checks++;                                                         \
        if (!(fabs(a_ - b_) <= t_))                                            \
            TEST_FAIL_AT("%s ~ %s: %.17g vs %.17g (tol %g)", #a, #b, a_, b_,   \
                         t_);                                                  \
    } while (0)

static int test_report(void)
{
    printf("%d tests, %d checks, %d failures\n", test_count, test_checks,
           test_failures);
    return test_failures ? 1 : 0;
}

#endif /* NNINIT_TEST_H */
