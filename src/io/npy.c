/*
 * npy.c: the NumPy .npy v1.0 header.
 */
#include "../nninit_internal.h"
#include "nninit/io.h"

#include <string.h>

int nninit_npy_header(char *buf, size_t size, nninit_dtype dtype,
                      const nninit_shape *shape, size_t *len,
                      nninit_error *err)
{
    const char *descr;
    switch (dtype) {
    case NNINIT_F32: descr = "<f4"; break;
    case NNINIT_F64: descr = "<f8"; break;
    case NNINIT_F16: descr = "<f2"; break;
    case NNINIT_BF16:
        return nninit__fail(err, NNINIT_EINVAL,
                            ".npy cannot hold bf16 (NumPy has no bfloat16); "
                            "use f32, f64 or f16");
    default:
        return nninit__fail(err, NNINIT_EINVAL, "unknown dtype %d", (int)dtype);
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
