/*
 * test_bytes.h: building files byte by byte (little-endian), for the
 * readers' tests: a growable buffer, integers, GGUF strings.
 */
#ifndef NNINIT_TEST_BYTES_H
#define NNINIT_TEST_BYTES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
    unsigned char *b;
    size_t n, cap;
} buf;

static void put(buf *x, const void *d, size_t n)
{
    if (x->n + n > x->cap) {
        x->cap = (x->n + n) * 2 + 64;
        x->b = (unsigned char *)realloc(x->b, x->cap);
    }
    memcpy(x->b + x->n, d, n);
    x->n += n;
}

static void u32(buf *x, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8),
                          (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    put(x, b, 4);
}

static void u64(buf *x, uint64_t v)
{
    u32(x, (uint32_t)v);
    u32(x, (uint32_t)(v >> 32));
}

/* A GGUF string: u64 length, then the bytes. */
static void gstr(buf *x, const char *s)
{
    u64(x, strlen(s));
    put(x, s, strlen(s));
}

#endif /* NNINIT_TEST_BYTES_H */
