/*
 * common.c: status strings, error formatting, allocation, dtypes and the
 * f16/bf16 conversions.
 */
#include "../nninit_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *nninit_version(void) { return NNINIT_VERSION_STRING; }

const char *nninit_strerror(int status)
{
    switch (status) {
#define NNINIT__STATUS_MSG(name, value, msg)                                   \
    case value:                                                                \
        return msg;
        NNINIT_STATUS_MAP(NNINIT__STATUS_MSG)
#undef NNINIT__STATUS_MSG
    default:
        return "unknown status";
    }
}

const char *nninit_status_name(int status)
{
    switch (status) {
#define NNINIT__STATUS_NAME(name, value, msg)                                  \
    case value:                                                                \
        return #name;
        NNINIT_STATUS_MAP(NNINIT__STATUS_NAME)
#undef NNINIT__STATUS_NAME
    default:
        return "EUNKNOWN";
    }
}

int nninit__fail(nninit_error *err, int status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->line = 0;
        err->column = 0;
    }
    return status;
}

void *nninit__alloc(const nninit_allocator *a, size_t size)
{
    if (size == 0)
        size = 1;
    return a ? a->alloc(a->ud, size) : malloc(size);
}

void *nninit__alloc_array(const nninit_allocator *a, uint64_t count,
                          size_t elem)
{
    if (elem && count > SIZE_MAX / elem)
        return NULL;
    return nninit__alloc(a, (size_t)count * elem);
}

int nninit_bytes_of(uint64_t count, size_t elem_size, uint64_t *out,
                    nninit_error *err)
{
    if (elem_size && count > NNINIT_MAX_BYTES / elem_size)
        return nninit__fail(err, NNINIT_EOVERFLOW,
                            "%llu elements of %zu bytes are more than 2^62 "
                            "bytes", (unsigned long long)count, elem_size);
    *out = count * elem_size;
    return NNINIT_OK;
}

int nninit__bytes_add(uint64_t *sum, uint64_t n)
{
    if (*sum > NNINIT_MAX_BYTES || n > NNINIT_MAX_BYTES - *sum)
        return -1;
    *sum += n;
    return 0;
}

void nninit__free(const nninit_allocator *a, void *p)
{
    if (!p)
        return;
    if (a)
        a->free(a->ud, p);
    else
        free(p);
}

void nninit__char_at(const char *s, char out[8])
{
    const unsigned char *u = (const unsigned char *)s;
    int len = u[0] >= 0xf0 && u[0] <= 0xf4   ? 4
              : u[0] >= 0xe0 && u[0] <= 0xef ? 3
              : u[0] >= 0xc2 && u[0] <= 0xdf ? 2
                                             : 0;
    for (int k = 1; k < len; k++)
        if ((u[k] & 0xc0) != 0x80)
            len = 0; /* not a whole UTF-8 sequence */
    if (u[0] > 0x20 && u[0] < 0x7f)
        len = 1;
    if (len) {
        memcpy(out, s, (size_t)len);
        out[len] = '\0';
    } else {
        snprintf(out, 8, "\\x%02x", u[0]);
    }
}

int nninit__lookup(const char *const *table, const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; table[i]; i++)
        if (strcmp(table[i], name) == 0)
            return i;
    return -1;
}

int nninit__finite(double x) { return isfinite(x) != 0; }

void nninit__assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "nninit: internal error: %s (%s:%d)\n", expr, file, line);
    abort();
}

/* ------------------------------------------------------------------------ */

static const char *const dtype_names[] = {"f32", "f64", "f16", "bf16"};
static const nninit_name_alias dtype_aliases[] = {
    {"float32", NNINIT_F32}, {"float64", NNINIT_F64}, {"float16", NNINIT_F16},
    {"bfloat16", NNINIT_BF16}, {NULL, 0}};
static const nninit_names dtype_table = {"dtype", dtype_names,
                                         NNINIT_DTYPE_COUNT, dtype_aliases, 0};
static const size_t dtype_sizes[] = {4, 8, 2, 2};
_Static_assert(sizeof dtype_names / sizeof *dtype_names == NNINIT_DTYPE_COUNT,
               "dtype table out of sync");

void nninit_to_little_endian(void *data, size_t count, size_t size)
{
    const uint16_t probe = 1;
    unsigned char low;
    memcpy(&low, &probe, 1);
    if (low == 1 || size < 2) /* a little-endian host: nothing to do */
        return;
    unsigned char *p = (unsigned char *)data;
    for (size_t i = 0; i < count; i++, p += size)
        for (size_t a = 0, b = size - 1; a < b; a++, b--) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

size_t nninit_dtype_size(nninit_dtype dtype)
{
    return (unsigned)dtype < NNINIT_DTYPE_COUNT ? dtype_sizes[dtype] : 0;
}

const char *nninit_dtype_name(nninit_dtype dtype)
{
    return (unsigned)dtype < NNINIT_DTYPE_COUNT ? dtype_names[dtype] : NULL;
}

NNINIT__ENUM_PARSE(nninit_dtype, nninit_dtype, dtype_table)

/* ------------------------------------------------------------------------ */
/* Half and bfloat16, round to nearest even (as numpy's astype(float16) and  */
/* torch's .to(bfloat16)).                                                  */
/* ------------------------------------------------------------------------ */

static uint32_t f2u(float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}

static float u2f(uint32_t u)
{
    float x;
    memcpy(&x, &u, 4);
    return x;
}

uint16_t nninit_f32_to_f16(float x)
{
    uint32_t u = f2u(x);
    uint32_t sign = (u >> 16) & 0x8000u;
    uint32_t a = u & 0x7fffffffu;
    if (a >= 0x7f800000u) /* inf or NaN */
        return (uint16_t)(sign | 0x7c00u | (a > 0x7f800000u ? 0x200u : 0u));
    if (a >= 0x477ff000u) /* rounds to >= 65520: overflow to inf */
        return (uint16_t)(sign | 0x7c00u);
    if (a < 0x38800000u) { /* below 2^-14: subnormal half or zero */
        if (a < 0x33000000u) /* below 2^-25: rounds to zero */
            return (uint16_t)sign;
        /* value = m * 2^(e-150) with the implicit bit; a subnormal half counts
         * units of 2^-24, so shift right by (126 - e) and round to even. */
        uint32_t e = a >> 23;
        uint32_t m = (a & 0x7fffffu) | 0x800000u;
        uint32_t shift = 126u - e;
        uint32_t h = m >> shift;
        uint32_t rem = m & ((1u << shift) - 1u);
        uint32_t half = 1u << (shift - 1u);
        if (rem > half || (rem == half && (h & 1u)))
            h++;
        return (uint16_t)(sign | h);
    }
    /* normal: rebias exponent (127 -> 15) and round 13 mantissa bits away */
    uint32_t h = (a - 0x38000000u) >> 13;
    uint32_t rem = a & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
        h++; /* a carry into the exponent is the correct rounding */
    return (uint16_t)(sign | h);
}

float nninit_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1fu;
    uint32_t m = h & 0x3ffu;
    if (e == 0x1f)
        return u2f(sign | 0x7f800000u | (m << 13));
    if (e == 0) {
        if (m == 0)
            return u2f(sign);
        float v = (float)m * 0x1p-24f; /* exact */
        return sign ? -v : v;
    }
    return u2f(sign | ((e + 112u) << 23) | (m << 13));
}

uint16_t nninit_f32_to_bf16(float x) { return nninit__f32_to_bf16(x); }

float nninit_bf16_to_f32(uint16_t h) { return u2f((uint32_t)h << 16); }
