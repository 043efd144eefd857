/*
 * sha256.h: SHA-256 (FIPS 180-4) for the known-answer table. The table's
 * runner must build for every architecture the core builds for, with libc
 * only, so it carries its own: a portable version, and on x86-64 the SHA
 * extensions when the CPU has them (the same digests, faster, for the
 * multi-gigabyte rows). tests/py/test_kat.py checks both against Python's
 * hashlib and sha256sum.
 */
#ifndef NNINIT_KAT_SHA256_H
#define NNINIT_KAT_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char buf[64];
    size_t nbuf;
    int portable; /* 1: never the SHA extensions */
} sha256_ctx;

void sha256_init(sha256_ctx *c, int portable);
void sha256_update(sha256_ctx *c, const void *data, size_t n);
void sha256_final(sha256_ctx *c, unsigned char out[32]);
/* 1 if this build and CPU have the accelerated version. */
int sha256_accelerated(void);
/* 64 lowercase hex digits and a NUL. */
void sha256_hex(const unsigned char d[32], char out[65]);

#endif
