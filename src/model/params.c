/*
 * params.c: initializer parameters by name (the CLI's option names without
 * dashes), so specs and rules can say `gain: 1.5` or `mode: fan_out`, and
 * the compact text form of a spec for plans and file metadata.
 */
#include "model_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    P_GAIN,
    P_A,
    P_MODE,
    P_NONLIN,
    P_MEAN,
    P_STD,
    P_LOW,
    P_HIGH,
    P_TRUNC_A,
    P_TRUNC_B,
    P_VALUE,
    P_SPARSITY,
    P_GROUPS,
    P_SCALE,
    P_DISTRIBUTION,
    P_COUNT
};

static const char *const param_names[P_COUNT] = {
    "gain",  "a",       "mode",     "nonlinearity", "mean",
    "std",   "low",     "high",     "trunc_a",      "trunc_b",
    "value", "sparsity", "groups",  "scale",        "distribution"};

#define B(p) (1u << (p))

/* Which parameters each initializer takes (as `nninit sample` does). */
static const unsigned kind_params[NNINIT_KIND_COUNT] = {
    [NNINIT_ZEROS] = 0,
    [NNINIT_ONES] = 0,
    [NNINIT_CONSTANT] = B(P_VALUE),
    [NNINIT_UNIFORM] = B(P_LOW) | B(P_HIGH),
    [NNINIT_NORMAL] = B(P_MEAN) | B(P_STD),
    [NNINIT_TRUNC_NORMAL] = B(P_MEAN) | B(P_STD) | B(P_TRUNC_A) | B(P_TRUNC_B),
    [NNINIT_EYE] = B(P_GAIN),
    [NNINIT_DIRAC] = B(P_GROUPS),
    [NNINIT_XAVIER_UNIFORM] = B(P_GAIN),
    [NNINIT_XAVIER_NORMAL] = B(P_GAIN),
    [NNINIT_KAIMING_UNIFORM] = B(P_A) | B(P_MODE) | B(P_NONLIN),
    [NNINIT_KAIMING_NORMAL] = B(P_A) | B(P_MODE) | B(P_NONLIN),
    [NNINIT_LECUN_UNIFORM] = 0,
    [NNINIT_LECUN_NORMAL] = 0,
    [NNINIT_ORTHOGONAL] = B(P_GAIN),
    [NNINIT_DELTA_ORTHOGONAL] = B(P_GAIN),
    [NNINIT_SPARSE] = B(P_SPARSITY) | B(P_STD),
    [NNINIT_VARIANCE_SCALING] = B(P_SCALE) | B(P_MODE) | B(P_DISTRIBUTION),
};

static int param_index(const char *key)
{
    char buf[32];
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n >= sizeof buf)
        return -1;
    for (size_t i = 0; i <= n; i++)
        buf[i] = key[i] == '-' ? '_' : key[i];
    for (int i = 0; i < P_COUNT; i++)
        if (!strcmp(param_names[i], buf))
            return i;
    return -1;
}

int nninit_spec_is_param(const char *key) { return param_index(key) >= 0; }

static void list_params(unsigned mask, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int i = 0; i < P_COUNT && at < size; i++)
        if (mask & B(i))
            at += nninit__strf(buf + at, size - at, "%s%s", at ? ", " : "",
                                   param_names[i]);
    if (!at)
        nninit__strf(buf, size, "no parameters");
}

static int parse_finite(const char *key, const char *text, double *out,
                        nninit_error *err)
{
    char *end;
    errno = 0;
    double v = text && *text && !isspace((unsigned char)*text)
                   ? strtod(text, &end)
                   : NAN;
    if (!text || !*text || isspace((unsigned char)*text) || *end != '\0')
        return nninit__fail(err, NNINIT_EINVAL, "%s: '%s' is not a number",
                            key, text ? text : "");
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1))
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s must be a finite number (got '%s')", key,
                            text);
    *out = v;
    return NNINIT_OK;
}

int nninit_spec_set(nninit_spec *s, const char *key, const char *value,
                    nninit_error *err)
{
    int p = param_index(key);
    if (p < 0)
        return nninit__fail(err, NNINIT_EINVAL,
                            "unknown initializer parameter '%s'",
                            key ? key : "");
    if ((unsigned)s->kind >= NNINIT_KIND_COUNT)
        return nninit__fail(err, NNINIT_EINVAL, "unknown initializer %d",
                            (int)s->kind);
    if (!(kind_params[s->kind] & B(p))) {
        char allowed[160];
        list_params(kind_params[s->kind], allowed, sizeof allowed);
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s does not take %s (it takes: %s)",
                            nninit_kind_name(s->kind), param_names[p],
                            allowed);
    }
    switch (p) {
    case P_GAIN: return parse_finite("gain", value, &s->gain, err);
    case P_A: return parse_finite("a", value, &s->a, err);
    case P_MEAN: return parse_finite("mean", value, &s->mean, err);
    case P_STD: return parse_finite("std", value, &s->std, err);
    case P_LOW: return parse_finite("low", value, &s->low, err);
    case P_HIGH: return parse_finite("high", value, &s->high, err);
    case P_TRUNC_A: return parse_finite("trunc_a", value, &s->trunc_a, err);
    case P_TRUNC_B: return parse_finite("trunc_b", value, &s->trunc_b, err);
    case P_VALUE: return parse_finite("value", value, &s->value, err);
    case P_SPARSITY:
        return parse_finite("sparsity", value, &s->sparsity, err);
    case P_SCALE: return parse_finite("scale", value, &s->scale, err);
    case P_GROUPS: {
        double g;
        int rc = parse_finite("groups", value, &g, err);
        if (rc)
            return rc;
        if (g != floor(g) || g < 1 || g > 1e9)
            return nninit__fail(err, NNINIT_EINVAL,
                                "groups must be a positive integer (got '%s')",
                                value);
        s->groups = (int)g;
        return NNINIT_OK;
    }
    case P_MODE: return nninit_mode_parse(value, &s->mode, err);
    case P_NONLIN:
        return nninit_nonlinearity_parse(value, &s->nonlinearity, err);
    case P_DISTRIBUTION:
        return nninit_distribution_parse(value, &s->distribution, err);
    }
    return nninit__fail(err, NNINIT_EINVAL, "unknown parameter");
}

char *nninit_spec_format(const nninit_spec *s, char *buf, size_t size)
{
    if (!size)
        return buf;
    if ((unsigned)s->kind >= NNINIT_KIND_COUNT) {
        nninit__strf(buf, size, "unknown");
        return buf;
    }
    size_t at = nninit__strf(buf, size, "%s", nninit_kind_name(s->kind));
    unsigned mask = kind_params[s->kind];
    int first = 1;
    for (int p = 0; p < P_COUNT && at < size; p++) {
        if (!(mask & B(p)))
            continue;
        char v[48];
        switch (p) {
        case P_GAIN: nninit__strf(v, sizeof v, "%.6g", s->gain); break;
        case P_A: nninit__strf(v, sizeof v, "%.6g", s->a); break;
        case P_MEAN: nninit__strf(v, sizeof v, "%.6g", s->mean); break;
        case P_STD: nninit__strf(v, sizeof v, "%.6g", s->std); break;
        case P_LOW: nninit__strf(v, sizeof v, "%.6g", s->low); break;
        case P_HIGH: nninit__strf(v, sizeof v, "%.6g", s->high); break;
        case P_TRUNC_A: nninit__strf(v, sizeof v, "%.6g", s->trunc_a); break;
        case P_TRUNC_B: nninit__strf(v, sizeof v, "%.6g", s->trunc_b); break;
        case P_VALUE: nninit__strf(v, sizeof v, "%.6g", s->value); break;
        case P_SPARSITY: nninit__strf(v, sizeof v, "%.6g", s->sparsity); break;
        case P_SCALE: nninit__strf(v, sizeof v, "%.6g", s->scale); break;
        case P_GROUPS: nninit__strf(v, sizeof v, "%d", s->groups); break;
        case P_MODE: nninit__strf(v, sizeof v, "%s", nninit_mode_name(s->mode)); break;
        case P_NONLIN:
            nninit__strf(v, sizeof v, "%s",
                     nninit_nonlinearity_name(s->nonlinearity));
            break;
        case P_DISTRIBUTION:
            nninit__strf(v, sizeof v, "%s",
                     nninit_distribution_name(s->distribution));
            break;
        }
        at += nninit__strf(buf + at, size - at, "%s%s=%s",
                               first ? "(" : ", ", param_names[p], v);
        first = 0;
    }
    if (!first && at < size)
        nninit__strf(buf + at, size - at, ")");
    return buf;
}
