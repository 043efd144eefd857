/*
 * npy.c: the NumPy .npy v1.0 header.
 */
#include "../nninit_internal.h"
#include "io_internal.h"

#include <string.h>

int nninit_npy_header(char *buf, size_t size, nninit_dtype dtype,
                      const nninit_shape *shape, size_t *len,
                      nninit_error *err)
{
    if (dtype == NNINIT_BF16)
        return nninit__fail(err, NNINIT_EINVAL,
                            ".npy cannot hold bf16 (NumPy has no bfloat16); "
                            "use f32, f64 or f16");
    if (nninit_dtype_size(dtype) == 0)
        return nninit__fail(err, NNINIT_EINVAL, "unknown dtype %d", (int)dtype);
    return nninit__npy_header_etype(buf, size, (nninit_etype)dtype, shape, len,
                                    err);
}

int nninit__npy_header_etype(char *buf, size_t size, nninit_etype type,
                             const nninit_shape *shape, size_t *len,
                             nninit_error *err)
{
    const char *descr;
    switch (type) {
    case NNINIT_ET_F32: descr = "<f4"; break;
    case NNINIT_ET_F64: descr = "<f8"; break;
    case NNINIT_ET_F16: descr = "<f2"; break;
    case NNINIT_ET_I64: descr = "<i8"; break;
    case NNINIT_ET_I32: descr = "<i4"; break;
    case NNINIT_ET_I16: descr = "<i2"; break;
    case NNINIT_ET_I8: descr = "|i1"; break;
    case NNINIT_ET_U64: descr = "<u8"; break;
    case NNINIT_ET_U32: descr = "<u4"; break;
    case NNINIT_ET_U16: descr = "<u2"; break;
    case NNINIT_ET_U8: descr = "|u1"; break;
    case NNINIT_ET_BOOL: descr = "|b1"; break;
    case NNINIT_ET_BF16:
        return nninit__fail(err, NNINIT_EINVAL,
                            ".npy cannot hold bf16 (NumPy has no bfloat16); "
                            "use f32, f64 or f16");
    default:
        return nninit__fail(err, NNINIT_EINVAL, "no .npy type for %s",
                            nninit_etype_name(type));
    }
    char dict[400];
    int at = snprintf(dict, sizeof dict,
                      "{'descr': '%s', 'fortran_order': False, 'shape': (",
                      descr);
    for (int i = 0; i < shape->ndim; i++)
        at += snprintf(dict + at, sizeof dict - (size_t)at, "%lld,%s",
                       (long long)shape->dim[i],
                       i + 1 < shape->ndim ? " " : "");
    if (shape->ndim > 1)
        at--; /* (50, 10) rather than (50, 10,); 1-D keeps (5,) */
    at += snprintf(dict + at, sizeof dict - (size_t)at, "), }");
    /* 10 bytes of magic, version and length, then the dict, spaces and a
     * newline up to a multiple of 64 */
    size_t total = (10 + (size_t)at + 1 + 63) / 64 * 64;
    if (total > size || total - 10 > 65535)
        return nninit__fail(err, NNINIT_EINVAL, "npy header buffer too small");
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    size_t hl = total - 10;
    buf[8] = (char)(hl & 0xff);
    buf[9] = (char)(hl >> 8);
    memcpy(buf + 10, dict, (size_t)at);
    memset(buf + 10 + at, ' ', total - 10 - (size_t)at - 1);
    buf[total - 1] = '\n';
    *len = total;
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* Reading a .npy header dict                                               */
/* ------------------------------------------------------------------------ */

/* The dict is a Python literal that numpy writes in one fixed pattern; this
 * reads that pattern (any key order, either quote, optional trailing
 * commas, 'L' suffixes) and refuses everything else. */

typedef struct npy_cur {
    const char *s, *end;
} npy_cur;

static void npy_ws(npy_cur *c)
{
    while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' ||
                             *c->s == '\r'))
        c->s++;
}

static int npy_eat(npy_cur *c, char ch)
{
    npy_ws(c);
    if (c->s < c->end && *c->s == ch) {
        c->s++;
        return 1;
    }
    return 0;
}

/* A quoted string into buf (no escapes: numpy's keys and descrs have none). */
static int npy_str(npy_cur *c, char *buf, size_t n)
{
    npy_ws(c);
    if (c->s >= c->end || (*c->s != '\'' && *c->s != '"'))
        return 0;
    char q = *c->s++;
    size_t k = 0;
    while (c->s < c->end && *c->s != q) {
        if (*c->s == '\\' || k + 1 >= n)
            return 0;
        buf[k++] = *c->s++;
    }
    if (c->s >= c->end)
        return 0;
    c->s++;
    buf[k] = '\0';
    return 1;
}

static int npy_descr(const char *d, nninit_etype *t, int *big)
{
    static const struct {
        char kind;
        int size;
        nninit_etype t;
    } map[] = {{'f', 4, NNINIT_ET_F32}, {'f', 8, NNINIT_ET_F64},
               {'f', 2, NNINIT_ET_F16}, {'i', 8, NNINIT_ET_I64},
               {'i', 4, NNINIT_ET_I32}, {'i', 2, NNINIT_ET_I16},
               {'i', 1, NNINIT_ET_I8},  {'u', 8, NNINIT_ET_U64},
               {'u', 4, NNINIT_ET_U32}, {'u', 2, NNINIT_ET_U16},
               {'u', 1, NNINIT_ET_U8},  {'b', 1, NNINIT_ET_BOOL}};
    if (strlen(d) != 3 || !strchr("<>|=", d[0]) || d[2] < '1' || d[2] > '8')
        return 0;
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (map[i].kind == d[1] && map[i].size == d[2] - '0') {
            *t = map[i].t;
            *big = d[0] == '>' && map[i].size > 1;
            return 1;
        }
    return 0;
}

int nninit__npy_parse_dict(const char *text, size_t len, nninit_etype *type,
                           char *descr, size_t dn, nninit_shape *shape,
                           nninit_error *err)
{
    npy_cur c = {text, text + len};
    int have = 0, fortran = 0, big = 0;
    int64_t dims[NNINIT_MAX_DIMS];
    int nd = 0;
    char key[32];
    if (!npy_eat(&c, '{'))
        return nninit__fail(err, NNINIT_EFORMAT,
                            "the .npy header is not a dict");
    while (!npy_eat(&c, '}')) {
        if (!npy_str(&c, key, sizeof key) || !npy_eat(&c, ':'))
            return nninit__fail(err, NNINIT_EFORMAT,
                                "malformed .npy header dict");
        if (!strcmp(key, "descr")) {
            if (!npy_str(&c, descr, dn))
                return nninit__fail(err, NNINIT_EFORMAT,
                                    "the .npy descr is not a simple type "
                                    "(structured arrays are not supported)");
            if (!npy_descr(descr, type, &big))
                return nninit__fail(err, NNINIT_EFORMAT,
                                    "unsupported .npy dtype '%s'", descr);
            have |= 1;
        } else if (!strcmp(key, "fortran_order")) {
            npy_ws(&c);
            if ((size_t)(c.end - c.s) >= 4 && !memcmp(c.s, "True", 4)) {
                fortran = 1;
                c.s += 4;
            } else if ((size_t)(c.end - c.s) >= 5 && !memcmp(c.s, "False", 5)) {
                c.s += 5;
            } else {
                return nninit__fail(err, NNINIT_EFORMAT,
                                    "fortran_order must be True or False");
            }
            have |= 2;
        } else if (!strcmp(key, "shape")) {
            if (!npy_eat(&c, '('))
                return nninit__fail(err, NNINIT_EFORMAT,
                                    "the .npy shape is not a tuple");
            while (!npy_eat(&c, ')')) {
                npy_ws(&c);
                if (nd == NNINIT_MAX_DIMS)
                    return nninit__fail(err, NNINIT_EFORMAT,
                                        "the .npy shape has more than %d "
                                        "dimensions", NNINIT_MAX_DIMS);
                uint64_t v = 0;
                int digits = 0;
                while (c.s < c.end && *c.s >= '0' && *c.s <= '9') {
                    if (v > (UINT64_C(1) << 62) / 10)
                        return nninit__fail(err, NNINIT_EFORMAT,
                                            "a .npy dimension overflows");
                    v = v * 10 + (uint64_t)(*c.s++ - '0');
                    digits++;
                }
                if (!digits)
                    return nninit__fail(err, NNINIT_EFORMAT,
                                        "the .npy shape holds a non-integer");
                if (c.s < c.end && *c.s == 'L')
                    c.s++;
                dims[nd++] = (int64_t)v;
                if (!npy_eat(&c, ',')) {
                    if (!npy_eat(&c, ')'))
                        return nninit__fail(err, NNINIT_EFORMAT,
                                            "malformed .npy shape");
                    break;
                }
            }
            have |= 4;
        } else {
            return nninit__fail(err, NNINIT_EFORMAT,
                                "unexpected key '%s' in the .npy header",
                                key);
        }
        if (!npy_eat(&c, ',')) {
            if (!npy_eat(&c, '}'))
                return nninit__fail(err, NNINIT_EFORMAT,
                                    "malformed .npy header dict");
            break;
        }
    }
    npy_ws(&c);
    if (c.s != c.end)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "bytes after the .npy header dict");
    if (have != 7)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "the .npy header lacks %s",
                            !(have & 1)   ? "descr"
                            : !(have & 2) ? "fortran_order"
                                          : "shape");
    if ((fortran || big) && !nninit_etype_is_float(*type)) {
        int multi = 0;
        for (int i = 0; i < nd; i++)
            multi += dims[i] > 1;
        if (big || multi > 1)
            return nninit__fail(err, NNINIT_EFORMAT,
                                "%s %s arrays are not supported (their bytes "
                                "would be copied)",
                                big ? "big-endian" : "Fortran-order", descr);
    }
    nninit_error e;
    if (nninit_shape_make(shape, nd, dims, &e))
        return nninit__fail(err, NNINIT_EFORMAT, "the .npy shape: %s", e.msg);
    return NNINIT_OK;
}

/* ------------------------------------------------------------------------ */
/* A whole .npy file                                                        */
/* ------------------------------------------------------------------------ */

int nninit__npy_preamble(const unsigned char *b, size_t n, size_t *pre,
                         uint64_t *dict, nninit_error *err)
{
    if (n < 10 || memcmp(b, "\x93NUMPY", 6) != 0 || b[6] < 1 || b[6] > 3)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "not a .npy file (bad magic or version)");
    if (b[6] == 1) {
        *pre = 10;
        *dict = (uint64_t)b[8] | (uint64_t)b[9] << 8;
    } else {
        if (n < 12)
            return nninit__fail(err, NNINIT_EFORMAT,
                                "the .npy preamble is truncated");
        *pre = 12;
        *dict = (uint64_t)b[8] | (uint64_t)b[9] << 8 |
                (uint64_t)b[10] << 16 | (uint64_t)b[11] << 24;
    }
    if (*dict > NNINIT__NPY_MAX_HEADER)
        return nninit__fail(err, NNINIT_EFORMAT,
                            ".npy header length %llu is larger than %u",
                            (unsigned long long)*dict, NNINIT__NPY_MAX_HEADER);
    return NNINIT_OK;
}

int nninit__npy_parse(const void *data, size_t size, nninit_etype *type,
                      char *descr, size_t dn, nninit_shape *shape,
                      uint64_t *data_off, uint64_t *nbytes, nninit_error *err)
{
    const unsigned char *b = (const unsigned char *)data;
    size_t pre = 0;
    uint64_t dl = 0; /* set on success; GCC's cross builds cannot tell */
    int rc = nninit__npy_preamble(b, size < 12 ? size : 12, &pre, &dl, err);
    if (rc)
        return rc;
    if (dl > size - pre)
        return nninit__fail(err, NNINIT_EFORMAT,
                            ".npy header length %llu is larger than the file",
                            (unsigned long long)dl);
    if ((rc = nninit__npy_parse_dict((const char *)b + pre, (size_t)dl, type,
                                     descr, dn, shape, err)))
        return rc;
    if ((rc = nninit_bytes_of(nninit_shape_numel(shape),
                              nninit_etype_size(*type), nbytes, err)))
        return nninit__fail(err, NNINIT_EFORMAT, "the .npy array: %s",
                            err ? err->msg : "too large");
    *data_off = pre + dl;
    if (size - *data_off != *nbytes)
        return nninit__fail(err, NNINIT_EFORMAT,
                            "the .npy data is %llu bytes but its header says "
                            "%llu", (unsigned long long)(size - *data_off),
                            (unsigned long long)*nbytes);
    return NNINIT_OK;
}
