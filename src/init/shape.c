/*
 * shape.c: shapes, layouts and fans.
 */
#include "../nninit_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const layout_names[] = {"torch", "keras"};
static const nninit_names layout_table = {"layout", layout_names, 2, NULL, 0};

NNINIT__NAMED_ENUM(nninit_layout, nninit_layout, layout_table)

int nninit_shape_make(nninit_shape *out, int ndim, const int64_t *dims,
                      nninit_error *err)
{
    if (ndim < 0 || ndim > NNINIT_MAX_DIMS)
        return nninit__fail(err, NNINIT_EINVAL,
                            "shape has %d dimensions (at most %d supported)",
                            ndim, NNINIT_MAX_DIMS);
    /* The product of the non-zero dims must fit in 2^62, even when a zero
     * dim makes the tensor empty, so fans can never overflow either. */
    uint64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (dims[i] < 0)
            return nninit__fail(err, NNINIT_EINVAL,
                                "shape dimension %d is negative (%lld)", i,
                                (long long)dims[i]);
        if (dims[i] == 0)
            continue;
        if ((uint64_t)dims[i] > (UINT64_C(1) << 62) / n)
            return nninit__fail(err, NNINIT_EOVERFLOW,
                                "shape has more than 2^62 elements");
        n *= (uint64_t)dims[i];
    }
    out->ndim = ndim;
    for (int i = 0; i < NNINIT_MAX_DIMS; i++)
        out->dim[i] = i < ndim ? dims[i] : 0;
    return NNINIT_OK;
}

int nninit_shape_parse(const char *text, nninit_shape *out, nninit_error *err)
{
    int64_t dims[NNINIT_MAX_DIMS];
    int nd = 0;
    const char *p = text;
    if (!p || !*p)
        return nninit__fail(err, NNINIT_EINVAL, "shape is empty");
    for (;;) {
        while (*p == ' ')
            p++;
        if (!isdigit((unsigned char)*p)) {
            if (*p == '-')
                return nninit__fail(err, NNINIT_EINVAL,
                                    "shape '%s': dimension %d is negative",
                                    text, nd);
            return nninit__fail(err, NNINIT_EINVAL,
                                "shape '%s': dimension %d is not a "
                                "non-negative integer", text, nd);
        }
        if (nd == NNINIT_MAX_DIMS)
            return nninit__fail(err, NNINIT_EINVAL,
                                "shape '%s' has more than %d dimensions", text,
                                NNINIT_MAX_DIMS);
        errno = 0;
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno == ERANGE || v > (unsigned long long)INT64_MAX)
            return nninit__fail(err, NNINIT_EOVERFLOW,
                                "shape '%s': dimension %d overflows", text, nd);
        dims[nd++] = (int64_t)v;
        p = end;
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        if (*p != ',' && *p != 'x')
            return nninit__fail(err, NNINIT_EINVAL,
                                "shape '%s': unexpected '%c' after dimension %d "
                                "(use commas: 50,10)", text, *p, nd - 1);
        p++;
    }
    int rc = nninit_shape_make(out, nd, dims, err);
    if (rc == NNINIT_EOVERFLOW)
        return nninit__fail(err, rc, "shape '%s' has too many elements "
                                     "(product overflows)", text);
    return rc;
}

uint64_t nninit_shape_numel(const nninit_shape *s)
{
    uint64_t n = 1;
    for (int i = 0; i < s->ndim; i++)
        n *= (uint64_t)s->dim[i];
    return n;
}

char *nninit_shape_format(const nninit_shape *s, char *buf, size_t size)
{
    size_t at = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    at += (size_t)snprintf(buf + at, size - at, "(");
    for (int i = 0; i < s->ndim && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, "%s%lld", i ? ", " : "",
                               (long long)s->dim[i]);
    if (at < size)
        snprintf(buf + at, size - at, s->ndim == 1 ? ",)" : ")");
    return buf;
}

int nninit_fans(const nninit_shape *s, nninit_layout layout, int64_t *fan_in,
                int64_t *fan_out, nninit_error *err)
{
    if (s->ndim < 2)
        return nninit__fail(err, NNINIT_EINVAL,
                            "fan in and fan out need at least 2 dimensions "
                            "(shape has %d)", s->ndim);
    int64_t rf = 1, in, out;
    if (layout == NNINIT_LAYOUT_KERAS) {
        for (int i = 0; i < s->ndim - 2; i++)
            rf *= s->dim[i];
        in = s->dim[s->ndim - 2];
        out = s->dim[s->ndim - 1];
    } else if (layout == NNINIT_LAYOUT_TORCH) {
        for (int i = 2; i < s->ndim; i++)
            rf *= s->dim[i];
        out = s->dim[0];
        in = s->dim[1];
    } else {
        return nninit__fail(err, NNINIT_EINVAL, "unknown layout %d",
                            (int)layout);
    }
    /* products fit: nninit_shape_make bounds the element count by 2^62 */
    if (fan_in)
        *fan_in = in * rf;
    if (fan_out)
        *fan_out = out * rf;
    return NNINIT_OK;
}
