/*
 * nninit/common.h: what every layer of nninit shares: the export macro, status
 * codes, the caller-owned error buffer, the allocator and the element types.
 *
 * Conventions (all layers):
 *   - Functions return int: NNINIT_OK (0) or a negative nninit_status.
 *   - Functions that validate user input take an optional `nninit_error *err`
 *     (may be NULL). On failure it holds one line naming what is wrong, e.g.
 *     "std must be >= 0 (got -1)". There is no global or thread-local error.
 *   - The library never prints, never exits and never aborts on user input.
 *   - Memory the library allocates goes through a `nninit_allocator` (NULL means
 *     malloc/free). Bulk fills never allocate.
 */
#ifndef NNINIT_COMMON_H
#define NNINIT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(NNINIT_SHARED)
#ifdef NNINIT_BUILDING
#define NNINIT_API __declspec(dllexport)
#else
#define NNINIT_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define NNINIT_API __attribute__((visibility("default")))
#else
#define NNINIT_API
#endif

#define NNINIT_VERSION_MAJOR 0
#define NNINIT_VERSION_MINOR 2
#define NNINIT_VERSION_PATCH 0
#define NNINIT_VERSION_STRING "0.2.0"

/* Returns NNINIT_VERSION_STRING of the library actually linked. */
NNINIT_API const char *nninit_version(void);

/* The version of the bytes: which values a (seed, stream, initializer,
 * parameters, dtype, shape) gives, in either generator, on every machine.
 * Version 1 holds from nninit 0.2.0; tests/kat pins it. A release that
 * changes any tensor's bytes on purpose increments it (and regenerates the
 * table in the same change); every model file records it as
 * "nninit.bytes_version". */
#define NNINIT_BYTES_VERSION 1

/* ------------------------------------------------------------------------ */
/* Status codes                                                             */
/* ------------------------------------------------------------------------ */

/* XX(name, value, message): one table generates the enum, nninit_strerror()
 * and nninit_status_name() (the libuv pattern). */
#define NNINIT_STATUS_MAP(XX)                                                  \
    XX(OK, 0, "success")                                                       \
    XX(EINVAL, -1, "invalid argument")                                         \
    XX(ENOMEM, -2, "out of memory")                                            \
    XX(ERANGE, -3, "index or range outside the tensor")                        \
    XX(EOVERFLOW, -4, "size overflows")                                        \
    XX(EIO, -5, "input/output error")                                          \
    XX(EFORMAT, -6, "malformed or corrupt input")                              \
    XX(ENOTSUP, -7, "not supported by this build")                             \
    XX(ENOENT, -8, "no such name")

typedef enum nninit_status {
#define NNINIT__STATUS_ENUM(name, value, msg) NNINIT_##name = value,
    NNINIT_STATUS_MAP(NNINIT__STATUS_ENUM)
#undef NNINIT__STATUS_ENUM
} nninit_status;

/* A static string describing `status` ("invalid argument"); never NULL. */
NNINIT_API const char *nninit_strerror(int status);
/* The code's name without prefix ("EINVAL"); never NULL. */
NNINIT_API const char *nninit_status_name(int status);

/* Caller-owned error detail. Functions that accept one fill `msg` with a
 * single NUL-terminated line when they fail, and leave it untouched on
 * success. `line`/`column` are 1-based positions for parsers (0 if unknown). */
typedef struct nninit_error {
    char msg[256];
    int line;
    int column;
} nninit_error;

/* ------------------------------------------------------------------------ */
/* Allocation                                                               */
/* ------------------------------------------------------------------------ */

/* Used only by functions that need a workspace (orthogonal QR, sparse masks,
 * file I/O). `alloc` returns NULL on failure; `free` accepts NULL. A NULL
 * `const nninit_allocator *` anywhere in the API means malloc/free. */
typedef struct nninit_allocator {
    void *(*alloc)(void *ud, size_t size);
    void (*free)(void *ud, void *ptr);
    void *ud;
} nninit_allocator;

/* The largest tensor, and the largest file, in bytes, that nninit makes or
 * accepts: 2^62, so that sums of a few such sizes, headers and padding still
 * fit in a signed 64-bit file offset. */
#define NNINIT_MAX_BYTES (UINT64_C(1) << 62)

/* *out = count * elem_size. NNINIT_EOVERFLOW if that is more than
 * NNINIT_MAX_BYTES ("... elements of 8 bytes are more than 2^62 bytes"). */
NNINIT_API int nninit_bytes_of(uint64_t count, size_t elem_size,
                               uint64_t *out, nninit_error *err);

/* ------------------------------------------------------------------------ */
/* Name tables                                                              */
/* ------------------------------------------------------------------------ */

/* Every named enum (dtypes, layouts, initializers, activations, presets,
 * ...) is one nninit_names table read by its _parse and _name functions.
 * An unknown name fails with one line that suggests the nearest names, or
 * else lists them all:
 *   unknown initializer 'xavier' (did you mean xavier_uniform or
 *   xavier_normal?)
 *   unknown layout 'tf' (expected torch or keras) */
typedef struct nninit_name_alias {
    const char *name;
    int value;
} nninit_name_alias;

enum {
    NNINIT_NAMES_FOLD = 1,             /* ignore case, '_' and '-' */
    NNINIT_NAMES_TRAILING_UNDERSCORE = 2 /* "kaiming_uniform_" too */
};

typedef struct nninit_names {
    const char *what;                 /* "initializer", for messages */
    const char *const *names;         /* value -> canonical name */
    int count;                        /* entries of names */
    const nninit_name_alias *aliases; /* ends with {NULL, 0}; may be NULL */
    unsigned flags;                   /* NNINIT_NAMES_* */
} nninit_names;

/* The value of a name or alias, into *out; NNINIT_EINVAL with the message
 * above otherwise. */
NNINIT_API int nninit_names_parse(const nninit_names *t, const char *name,
                                  int *out, nninit_error *err);
/* The same without a message: the value, or -1. */
NNINIT_API int nninit_names_find(const nninit_names *t, const char *name);
/* The canonical name of value, or "unknown". */
NNINIT_API const char *nninit_names_name(const nninit_names *t, int value);
/* "a, b or c" of the canonical names (cut with ", ..." if size is too
 * small). Returns buf. */
NNINIT_API char *nninit_names_list(const nninit_names *t, char *buf,
                                   size_t size);
/* The names `name` may have meant ("xavier_uniform or xavier_normal"):
 * those it begins, else those within a small edit distance (a typo);
 * "" if none. Returns buf. */
NNINIT_API char *nninit_names_suggest(const nninit_names *t, const char *name,
                                      char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Element types                                                            */
/* ------------------------------------------------------------------------ */

typedef enum nninit_dtype {
    NNINIT_F32 = 0, /* IEEE binary32 */
    NNINIT_F64 = 1, /* IEEE binary64 */
    NNINIT_F16 = 2, /* IEEE binary16, rounded to nearest even from f32 */
    NNINIT_BF16 = 3 /* bfloat16, rounded to nearest even from f32 */
} nninit_dtype;

#define NNINIT_DTYPE_COUNT 4

/* Bytes per element (4, 8, 2, 2); 0 for an unknown dtype. */
NNINIT_API size_t nninit_dtype_size(nninit_dtype dtype);
/* "f32", "f64", "f16", "bf16"; NULL for an unknown dtype. */
NNINIT_API const char *nninit_dtype_name(nninit_dtype dtype);
/* Accepts f32|float32, f64|float64, f16|float16, bf16|bfloat16. */
NNINIT_API int nninit_dtype_parse(const char *name, nninit_dtype *out,
                                  nninit_error *err);

/* Byte order. Every file nninit writes stores numbers little-endian, and
 * the known-answer table (tests/kat) hashes tensors in that order, so a
 * tensor's bytes in a file are the same on every host. This puts `count`
 * elements of `size` bytes (1, 2, 4 or 8) at `data` into little-endian
 * order in place: nothing on little-endian hosts, a byte swap on big-endian
 * ones. Fills and nninit_init write the host's order (what C code reads);
 * writers call this just before the bytes leave. */
NNINIT_API void nninit_to_little_endian(void *data, size_t count,
                                        size_t size);

/* Conversions with round-to-nearest-even, NaN preserved as a quiet NaN. */
NNINIT_API uint16_t nninit_f32_to_f16(float x);
NNINIT_API float nninit_f16_to_f32(uint16_t h);
NNINIT_API uint16_t nninit_f32_to_bf16(float x);
NNINIT_API float nninit_bf16_to_f32(uint16_t h);

#ifdef __cplusplus
}
#endif

#endif /* NNINIT_COMMON_H */
