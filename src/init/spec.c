/*
 * spec.c: THE table of initializers and their parameters. One row per
 * initializer (what it takes, its defaults, the shapes it accepts, its
 * resolver) and one per parameter (its field, type, default, help) drive
 * names, parsing, validation, text forms and help; the formulas live in
 * the resolvers of each family (resolve.c).
 */
#include "init_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Names                                                                    */
/* ------------------------------------------------------------------------ */

static const char *const kind_names[] = {NNINIT_KIND_MAP(NNINIT__XNAME)};
_Static_assert(sizeof kind_names / sizeof *kind_names == NNINIT_KIND_COUNT,
               "kind table out of sync");
static const nninit_name_alias kind_aliases[] = {
    {"glorot_uniform", NNINIT_XAVIER_UNIFORM},
    {"glorot_normal", NNINIT_XAVIER_NORMAL},
    {"he_uniform", NNINIT_KAIMING_UNIFORM},
    {"he_normal", NNINIT_KAIMING_NORMAL},
    {"identity", NNINIT_EYE},
    {"truncated_normal", NNINIT_TRUNC_NORMAL},
    {"zero", NNINIT_ZEROS},
    {"one", NNINIT_ONES},
    {"edge_of_chaos", NNINIT_CRITICAL},
    {NULL, 0}};
static const nninit_names kind_table = {
    "initializer", kind_names, NNINIT_KIND_COUNT, kind_aliases,
    NNINIT_NAMES_TRAILING_UNDERSCORE};
NNINIT__NAMED_ENUM(nninit_kind, nninit_kind, kind_table)

static const char *const nl_names[] = {NNINIT_NONLINEARITY_MAP(NNINIT__XNAME)};
_Static_assert(sizeof nl_names / sizeof *nl_names == NNINIT_NL_COUNT,
               "nonlinearity table out of sync");
static const nninit_name_alias nl_aliases[] = {
    {"swish", NNINIT_NL_SILU},
    {"gelu_new", NNINIT_NL_GELU_TANH},          /* Hugging Face's names */
    {"gelu_pytorch_tanh", NNINIT_NL_GELU_TANH},
    {NULL, 0}};
static const nninit_names nl_table = {"nonlinearity", nl_names,
                                      NNINIT_NL_COUNT, nl_aliases, 0};
NNINIT__NAMED_ENUM(nninit_nonlinearity, nninit_nonlinearity, nl_table)

static const char *const mode_names[] = {"fan_in", "fan_out", "fan_avg",
                                         "fan_geo_avg"};
static const nninit_names mode_table = {"mode", mode_names, 4, NULL, 0};
NNINIT__NAMED_ENUM(nninit_mode, nninit_mode, mode_table)

static const char *const distribution_names[] = {"uniform", "normal",
                                                 "truncated_normal"};
static const nninit_name_alias distribution_aliases[] = {
    {"untruncated_normal", NNINIT_DISTRIBUTION_NORMAL}, {NULL, 0}};
static const nninit_names distribution_table = {
    "distribution", distribution_names, 3, distribution_aliases, 0};
NNINIT__NAMED_ENUM(nninit_distribution, nninit_distribution,
                   distribution_table)

const nninit_names *nninit_kind_names(void) { return &kind_table; }

/* ------------------------------------------------------------------------ */
/* Parameters                                                               */
/* ------------------------------------------------------------------------ */

typedef enum { PT_REAL, PT_INT, PT_ENUM } ptype;

typedef struct {
    nninit_param_info info;
    ptype type;
    size_t offset; /* the field of nninit_spec */
    double def;    /* nninit_spec_make's value unless the kind's row says */
} param_row;

/* Enum fields are read and written as int. */
_Static_assert(sizeof(nninit_mode) == sizeof(int) &&
                   sizeof(nninit_nonlinearity) == sizeof(int) &&
                   sizeof(nninit_distribution) == sizeof(int),
               "enum parameters must be int-sized");

#define ROW(p, field, type, choices, def, help)                                \
    [NNINIT_PARAM_##p] = {{help, choices, type == PT_INT}, type,              \
                          offsetof(nninit_spec, field), def}

static const param_row params[NNINIT_PARAM_COUNT] = {
    ROW(GAIN, gain, PT_REAL, NULL, 1.0, "multiplies the scale"),
    ROW(A, a, PT_REAL, NULL, 0.0,
        "negative slope of leaky_relu, for its gain"),
    ROW(MODE, mode, PT_ENUM, &mode_table, NNINIT_FAN_IN,
        "the fan the scale divides by"),
    ROW(NONLINEARITY, nonlinearity, PT_ENUM, &nl_table, NNINIT_NL_LEAKY_RELU,
        "the activation that follows, for the gain"),
    ROW(MEAN, mean, PT_REAL, NULL, 0.0, "mean"),
    ROW(STD, std, PT_REAL, NULL, 1.0, "standard deviation"),
    ROW(LOW, low, PT_REAL, NULL, 0.0, "lower bound"),
    ROW(HIGH, high, PT_REAL, NULL, 1.0, "upper bound"),
    ROW(TRUNC_A, trunc_a, PT_REAL, NULL, -2.0,
        "lowest value (absolute, not in stds)"),
    ROW(TRUNC_B, trunc_b, PT_REAL, NULL, 2.0,
        "highest value (absolute, not in stds)"),
    ROW(VALUE, value, PT_REAL, NULL, NAN, "the value of every element"),
    ROW(SPARSITY, sparsity, PT_REAL, NULL, NAN,
        "fraction of each column set to zero"),
    ROW(GROUPS, groups, PT_INT, NULL, 1.0, "convolution groups"),
    ROW(SCALE, scale, PT_REAL, NULL, 1.0, "variance multiplier"),
    ROW(DISTRIBUTION, distribution, PT_ENUM, &distribution_table,
        NNINIT_DISTRIBUTION_TRUNCATED_NORMAL,
        "normal is untruncated; truncated_normal keeps the std"),
    ROW(SIGMA_B, sigma_b, PT_REAL, NULL, 0.0, "std of the biases"),
};
#undef ROW

static const char *const param_names[] = {NNINIT_PARAM_MAP(NNINIT__XNAME)};
static const nninit_names param_table = {"initializer parameter", param_names,
                                         NNINIT_PARAM_COUNT, NULL, 0};

const char *nninit_param_name(nninit_param p)
{
    return nninit_names_name(&param_table, (int)p);
}

const nninit_param_info *nninit_param_info_get(nninit_param p)
{
    return (unsigned)p < NNINIT_PARAM_COUNT ? &params[p].info : NULL;
}

int nninit_param_parse(const char *name, nninit_param *out, nninit_error *err)
{
    char buf[32]; /* the CLI's spelling: trunc-a */
    size_t n = name ? strlen(name) : 0;
    if (n < sizeof buf)
        for (size_t i = 0; i <= n; i++)
            buf[i] = name[i] == '-' ? '_' : name[i];
    int v;
    int rc = nninit_names_parse(&param_table, n < sizeof buf ? buf : name, &v,
                                err);
    if (rc == NNINIT_OK)
        *out = (nninit_param)v;
    return rc;
}

int nninit_spec_is_param(const char *key)
{
    nninit_param p;
    return nninit_param_parse(key, &p, NULL) == NNINIT_OK;
}

static double get(const nninit_spec *s, int p)
{
    const char *at = (const char *)s + params[p].offset;
    if (params[p].type == PT_REAL) {
        double d;
        memcpy(&d, at, sizeof d);
        return d;
    }
    int i;
    memcpy(&i, at, sizeof i);
    return i;
}

void nninit__spec_canonical(const nninit_spec *s, nninit_spec *out)
{
    memset(out, 0, sizeof *out);
    memcpy(&out->kind, &s->kind, sizeof s->kind);
    for (int p = 0; p < NNINIT_PARAM_COUNT; p++) /* every other member */
        memcpy((char *)out + params[p].offset,
               (const char *)s + params[p].offset,
               params[p].type == PT_REAL ? sizeof(double) : sizeof(int));
}

static void put(nninit_spec *s, int p, double v)
{
    char *at = (char *)s + params[p].offset;
    if (params[p].type == PT_REAL) {
        memcpy(at, &v, sizeof v);
    } else {
        int i = (int)v;
        memcpy(at, &i, sizeof i);
    }
}

/* A parameter's value from text: a finite number, a whole number, or one
 * of its choices. */
static int parse_value(int p, const char *text, double *out, nninit_error *err)
{
    const char *key = param_names[p];
    if (params[p].type == PT_ENUM) {
        int v = 0;
        int rc = nninit_names_parse(params[p].info.choices, text, &v, err);
        *out = v;
        return rc;
    }
    char *end = NULL;
    errno = 0;
    int blank = !text || !*text || isspace((unsigned char)*text);
    double v = blank ? NAN : strtod(text, &end);
    if (blank || *end != '\0')
        return nninit__fail(err, NNINIT_EINVAL, "%s: '%s' is not a number",
                            key, text ? text : "");
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1))
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s must be a finite number (got '%s')", key,
                            text);
    if (params[p].type == PT_INT && (v != floor(v) || v < 1 || v > 1e9))
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s must be a positive integer (got '%s')", key,
                            text);
    *out = v;
    return NNINIT_OK;
}

char *nninit_spec_format_value(const nninit_spec *s, nninit_param p,
                               char *buf, size_t size)
{
    if (!size)
        return buf;
    if ((unsigned)p >= NNINIT_PARAM_COUNT)
        snprintf(buf, size, "unknown");
    else if (params[p].type == PT_ENUM)
        snprintf(buf, size, "%s",
                 nninit_names_name(params[p].info.choices, (int)get(s, p)));
    else if (params[p].type == PT_INT)
        snprintf(buf, size, "%d", (int)get(s, p));
    else
        snprintf(buf, size, "%.6g", get(s, p));
    return buf;
}

/* ------------------------------------------------------------------------ */
/* The table of initializers                                                */
/* ------------------------------------------------------------------------ */

typedef struct {
    nninit_kind_info info;
    nninit__resolve_fn resolve;
    const char *defaults; /* "std=0.01": where the parameter's own default
                             is not this initializer's */
} kind_row;

#define P(x) (1u << NNINIT_PARAM_##x)
#define FANS 1
#define ANY_RANK 0, 0
#define TORCH 1 /* torch.nn.init has it */

static const kind_row kinds[NNINIT_KIND_COUNT] = {
    [NNINIT_ZEROS] = {{0, 0, 0, ANY_RANK, "0", TORCH},
                      nninit__resolve_constant, "value=0"},
    [NNINIT_ONES] = {{0, 0, 0, ANY_RANK, "1", TORCH},
                     nninit__resolve_constant, "value=1"},
    [NNINIT_CONSTANT] = {{P(VALUE), P(VALUE), 0, ANY_RANK, "value", TORCH},
                         nninit__resolve_constant, NULL},
    [NNINIT_UNIFORM] = {{P(LOW) | P(HIGH), 0, 0, ANY_RANK, "U(low, high)",
                         TORCH},
                        nninit__resolve_dist, NULL},
    [NNINIT_NORMAL] = {{P(MEAN) | P(STD), 0, 0, ANY_RANK, "N(mean, std^2)",
                        TORCH},
                       nninit__resolve_dist, NULL},
    [NNINIT_TRUNC_NORMAL] = {{P(MEAN) | P(STD) | P(TRUNC_A) | P(TRUNC_B), 0,
                              0, ANY_RANK,
                              "N(mean, std^2) restricted to [trunc_a, "
                              "trunc_b]", TORCH},
                             nninit__resolve_dist, NULL},
    [NNINIT_EYE] = {{P(GAIN), 0, 0, 2, 2, "gain * identity matrix", TORCH},
                    nninit__resolve_eye, NULL},
    [NNINIT_DIRAC] = {{P(GROUPS), 0, 0, 3, 5,
                       "identity convolution (centre tap), per group", TORCH},
                      nninit__resolve_dirac, NULL},
    [NNINIT_XAVIER_UNIFORM] = {{P(GAIN), 0, FANS, ANY_RANK,
                                "U(-b, b), b = gain*sqrt(6/(fan_in+fan_out))",
                                TORCH},
                               nninit__resolve_xavier, NULL},
    [NNINIT_XAVIER_NORMAL] = {{P(GAIN), 0, FANS, ANY_RANK,
                               "N(0, s^2), s = gain*sqrt(2/(fan_in+fan_out))",
                               TORCH},
                              nninit__resolve_xavier, NULL},
    [NNINIT_KAIMING_UNIFORM] = {{P(A) | P(MODE) | P(NONLINEARITY), 0, FANS,
                                 ANY_RANK,
                                 "U(-b, b), b = gain*sqrt(3/fan), gain of "
                                 "the nonlinearity", TORCH},
                                nninit__resolve_kaiming, NULL},
    [NNINIT_KAIMING_NORMAL] = {{P(A) | P(MODE) | P(NONLINEARITY), 0, FANS,
                                ANY_RANK,
                                "N(0, s^2), s = gain/sqrt(fan), gain of the "
                                "nonlinearity", TORCH},
                               nninit__resolve_kaiming, NULL},
    [NNINIT_LECUN_UNIFORM] = {{0, 0, FANS, ANY_RANK,
                               "U(-b, b), b = sqrt(3/fan_in)", TORCH},
                              nninit__resolve_lecun, NULL},
    [NNINIT_LECUN_NORMAL] = {{0, 0, FANS, ANY_RANK,
                              "N(0, 1/fan_in), untruncated", TORCH},
                             nninit__resolve_lecun, NULL},
    [NNINIT_ORTHOGONAL] = {{P(GAIN), 0, 0, 2, 0,
                            "gain * Haar-random orthogonal matrix", TORCH},
                           nninit__resolve_orthogonal, NULL},
    [NNINIT_DELTA_ORTHOGONAL] = {{P(GAIN), 0, 0, 3, 5,
                                  "zero kernel, centre tap gain * "
                                  "orthogonal(out, in)", 0},
                                 nninit__resolve_delta_orthogonal, NULL},
    [NNINIT_SPARSE] = {{P(SPARSITY) | P(STD), P(SPARSITY), 0, 2, 2,
                        "N(0, std^2), then ceil(sparsity*rows) zeros per "
                        "column", TORCH},
                       nninit__resolve_sparse, "std=0.01"},
    [NNINIT_VARIANCE_SCALING] = {{P(SCALE) | P(MODE) | P(DISTRIBUTION), 0,
                                  FANS, ANY_RANK,
                                  "variance scale/n, n the fan of mode "
                                  "(Keras, JAX)", 0},
                                 nninit__resolve_variance_scaling, NULL},
    [NNINIT_CRITICAL] = {{P(NONLINEARITY) | P(SIGMA_B), 0, 0, 1, 0,
                          "edge of chaos: weights N(0, sigma_w^2/fan_in), "
                          "sigma_w with chi_1 = 1 at the variance map's "
                          "fixed point; 1-D tensors (biases) N(0, "
                          "sigma_b^2)", 0},
                         nninit__resolve_critical, "nonlinearity=tanh"},
    [NNINIT_HADAMARD] = {{P(GAIN), 0, 0, 2, 2,
                          "gain * Sylvester Hadamard matrix (entries +-1) of "
                          "order 2^ceil(log2 max(rows, cols)), cut to the "
                          "shape", 0},
                         nninit__resolve_hadamard, NULL},
};
#undef P
#undef TORCH

const nninit_kind_info *nninit_kind_info_get(nninit_kind kind)
{
    return (unsigned)kind < NNINIT_KIND_COUNT ? &kinds[kind].info : NULL;
}

/* ------------------------------------------------------------------------ */
/* Specs: defaults, setting, parsing, formatting                            */
/* ------------------------------------------------------------------------ */

static int takes(nninit_kind kind, int p)
{
    return (kinds[kind].info.params >> p) & 1u;
}

/* Set one parameter from text (no check that the kind takes it). */
static int set_value(nninit_spec *s, int p, const char *text,
                     nninit_error *err)
{
    double v = 0;
    int rc = parse_value(p, text, &v, err);
    if (rc == NNINIT_OK)
        put(s, p, v);
    return rc;
}

/* Apply "key=value,key=value" (the row's defaults, or the parameters of a
 * spec's text form) to s. `check` refuses parameters the kind does not take
 * (user text); defaults are trusted. */
static int apply(nninit_spec *s, char *list, int check, nninit_error *err);

nninit_spec nninit_spec_make(nninit_kind kind)
{
    nninit_spec s;
    memset(&s, 0, sizeof s);
    s.kind = kind;
    for (int p = 0; p < NNINIT_PARAM_COUNT; p++)
        put(&s, p, params[p].def);
    if ((unsigned)kind < NNINIT_KIND_COUNT && kinds[kind].defaults) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", kinds[kind].defaults);
        apply(&s, buf, 0, NULL); /* the table's own text: always parses */
    }
    return s;
}

static size_t appendf(char *buf, size_t size, size_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* snprintf at buf + at; returns the new length, never past size - 1. */
static size_t appendf(char *buf, size_t size, size_t at, const char *fmt, ...)
{
    if (at + 1 >= size)
        return at;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + at, size - at, fmt, ap);
    va_end(ap);
    if (n < 0)
        return at;
    return at + (size_t)n < size ? at + (size_t)n : size - 1;
}

/* "gain, a" or "no parameters": what kind takes. */
static void list_params(nninit_kind kind, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int p = 0; p < NNINIT_PARAM_COUNT; p++)
        if (takes(kind, p))
            at = appendf(buf, size, at, "%s%s", at ? ", " : "",
                         param_names[p]);
    if (!at)
        snprintf(buf, size, "no parameters");
}

int nninit_spec_set(nninit_spec *s, const char *key, const char *value,
                    nninit_error *err)
{
    nninit_param p;
    int rc = nninit_param_parse(key, &p, err);
    if (rc)
        return rc;
    if ((unsigned)s->kind >= NNINIT_KIND_COUNT)
        return nninit__fail(err, NNINIT_EINVAL, "unknown initializer %d",
                            (int)s->kind);
    if (!takes(s->kind, (int)p)) {
        char allowed[200];
        list_params(s->kind, allowed, sizeof allowed);
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s does not take %s (it takes: %s)",
                            nninit_kind_name(s->kind), param_names[p],
                            allowed);
    }
    return set_value(s, (int)p, value, err);
}

static char *trim(char *t)
{
    while (isspace((unsigned char)*t))
        t++;
    size_t n = strlen(t);
    while (n && isspace((unsigned char)t[n - 1]))
        t[--n] = '\0';
    return t;
}

static int apply(nninit_spec *s, char *list, int check, nninit_error *err)
{
    while (list && *trim(list)) {
        char *next = strchr(list, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(list, '=');
        char *key = trim(list);
        if (!eq || eq == key)
            return nninit__fail(err, NNINIT_EINVAL,
                                "initializer parameter '%s' is not "
                                "key=value", key);
        *eq = '\0';
        key = trim(key);
        const char *value = trim(eq + 1);
        int rc;
        if (check) {
            rc = nninit_spec_set(s, key, value, err);
        } else {
            nninit_param p;
            rc = nninit_param_parse(key, &p, err);
            if (rc == NNINIT_OK)
                rc = set_value(s, (int)p, value, err);
        }
        if (rc)
            return rc;
        list = next;
    }
    return NNINIT_OK;
}

int nninit_spec_parse(const char *text, nninit_spec *out, nninit_error *err)
{
    char buf[256];
    if (!text || !*text)
        return nninit__fail(err, NNINIT_EINVAL, "empty initializer");
    if (strlen(text) >= sizeof buf)
        return nninit__fail(err, NNINIT_EINVAL,
                            "initializer text too long (%zu bytes)",
                            strlen(text));
    memcpy(buf, text, strlen(text) + 1);
    char *name = trim(buf);
    char *list = strpbrk(name, ":(");
    if (list) {
        if (*list == '(') { /* nninit_spec_format's form: NAME(k=v, ...) */
            size_t n = strlen(list);
            if (list[n - 1] != ')')
                return nninit__fail(err, NNINIT_EINVAL,
                                    "initializer '%s': missing ')'", text);
            list[n - 1] = '\0';
        }
        *list++ = '\0';
    }
    nninit_kind kind;
    int rc = nninit_kind_parse(trim(name), &kind, err);
    if (rc)
        return rc;
    nninit_spec s = nninit_spec_make(kind);
    if ((rc = apply(&s, list, 1, err)))
        return rc;
    *out = s;
    return NNINIT_OK;
}

char *nninit_spec_format(const nninit_spec *s, char *buf, size_t size)
{
    if (!size)
        return buf;
    if ((unsigned)s->kind >= NNINIT_KIND_COUNT) {
        snprintf(buf, size, "unknown");
        return buf;
    }
    size_t at = appendf(buf, size, 0, "%s", nninit_kind_name(s->kind));
    int first = 1;
    for (int p = 0; p < NNINIT_PARAM_COUNT; p++) {
        if (!takes(s->kind, p))
            continue;
        char v[48];
        nninit_spec_format_value(s, (nninit_param)p, v, sizeof v);
        at = appendf(buf, size, at, "%s%s=%s", first ? "(" : ", ",
                     param_names[p], v);
        first = 0;
    }
    if (!first)
        appendf(buf, size, at, ")");
    return buf;
}

/* ------------------------------------------------------------------------ */
/* Resolution: the checks the table states, then the family's resolver      */
/* ------------------------------------------------------------------------ */

/* "3-, 4- or 5-D": the ranks min..max. */
static void ranks_text(int lo, int hi, char *buf, size_t size)
{
    size_t at = 0;
    for (int d = lo; d <= hi; d++)
        at = appendf(buf, size, at, "%s%d-%s", d == lo ? "" : d == hi ? " or "
                                                                     : ", ",
                     d, d == hi ? "D" : "");
}

static int check_shape(const nninit_spec *s, int nd, nninit_error *err)
{
    const nninit_kind_info *k = &kinds[s->kind].info;
    const char *name = nninit_kind_name(s->kind);
    if (k->needs_fans && nd < 2)
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s needs fan in and fan out, which need at "
                            "least 2 dimensions (shape has %d)", name, nd);
    if (k->max_ndim && (nd < k->min_ndim || nd > k->max_ndim)) {
        char r[48];
        ranks_text(k->min_ndim, k->max_ndim, r, sizeof r);
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s needs a %s shape (shape has %d dimensions)",
                            name, r, nd);
    }
    if (nd < k->min_ndim)
        return nninit__fail(err, NNINIT_EINVAL,
                            "%s needs at least %d dimensions (shape has %d)",
                            name, k->min_ndim, nd);
    return NNINIT_OK;
}

/* Required parameters set, numbers finite, enum values known. */
static int check_params(const nninit_spec *s, nninit_error *err)
{
    const nninit_kind_info *k = &kinds[s->kind].info;
    for (int p = 0; p < NNINIT_PARAM_COUNT; p++) {
        if (!takes(s->kind, p))
            continue;
        double v = get(s, p);
        if (params[p].type == PT_ENUM) {
            if (v < 0 || v >= params[p].info.choices->count)
                return nninit__fail(err, NNINIT_EINVAL, "unknown %s %d",
                                    params[p].info.choices->what, (int)v);
        } else if (isnan(v) && (k->required >> p & 1u)) {
            return nninit__fail(err, NNINIT_EINVAL, "%s needs a %s (--%s)",
                                nninit_kind_name(s->kind), param_names[p],
                                param_names[p]);
        } else if (!isfinite(v)) {
            return nninit__fail(err, NNINIT_EINVAL,
                                "%s must be finite (got %g)", param_names[p],
                                v);
        }
    }
    return NNINIT_OK;
}

int nninit_resolve(const nninit_spec *s, const nninit_shape *shape,
                   nninit_layout layout, nninit_resolved *r,
                   nninit_error *err)
{
    memset(r, 0, sizeof *r);
    r->draw = NNINIT_DRAW_DIST;
    r->fan_in = r->fan_out = -1;
    r->gain = 1.0;
    if (!s || !shape)
        return nninit__fail(err, NNINIT_EINVAL, "spec and shape are required");
    if ((unsigned)layout > NNINIT_LAYOUT_KERAS)
        return nninit__fail(err, NNINIT_EINVAL, "unknown layout %d",
                            (int)layout);
    if (shape->ndim < 0 || shape->ndim > NNINIT_MAX_DIMS)
        return nninit__fail(err, NNINIT_EINVAL, "bad shape rank %d",
                            shape->ndim);
    if ((unsigned)s->kind >= NNINIT_KIND_COUNT)
        return nninit__fail(err, NNINIT_EINVAL, "unknown initializer %d",
                            (int)s->kind);
    nninit__rctx c = {shape, layout, shape->ndim, nninit_shape_numel(shape),
                      -1, -1};
    if (c.nd >= 2) {
        nninit_fans(shape, layout, &r->fan_in, &r->fan_out, NULL);
        c.fi = (double)r->fan_in;
        c.fo = (double)r->fan_out;
    }
    int rc = check_shape(s, c.nd, err);
    if (rc == NNINIT_OK)
        rc = check_params(s, err);
    return rc ? rc : kinds[s->kind].resolve(s, &c, r, err);
}

/* ------------------------------------------------------------------------ */
/* Scaling a spec                                                           */
/* ------------------------------------------------------------------------ */

int nninit_spec_scale(const nninit_spec *spec, const nninit_shape *shape,
                      nninit_layout layout, double mul, double div,
                      nninit_spec *out, nninit_error *err)
{
    double f = mul / div;
    if (!(f >= 0) || !isfinite(f))
        return nninit__fail(err, NNINIT_EINVAL,
                            "scale factor must be finite and >= 0 (got %g)",
                            f);
    nninit_resolved r;
    int rc = nninit_resolve(spec, shape, layout, &r, err);
    if (rc)
        return rc;
    nninit_spec s = *spec;
#define SCALED(v) ((v) * mul / div)
    if (f == 0) {
        s = nninit_spec_make(NNINIT_ZEROS);
    } else {
        switch (spec->kind) {
        case NNINIT_ZEROS:
            break;
        case NNINIT_ONES:
            s = nninit_spec_make(NNINIT_CONSTANT);
            s.value = SCALED(1.0);
            break;
        case NNINIT_CONSTANT:
            s.value = SCALED(s.value);
            break;
        case NNINIT_UNIFORM:
            s.low = SCALED(s.low);
            s.high = SCALED(s.high);
            break;
        case NNINIT_NORMAL:
        case NNINIT_TRUNC_NORMAL:
            s.mean = SCALED(s.mean);
            s.std = SCALED(s.std);
            s.trunc_a = SCALED(s.trunc_a);
            s.trunc_b = SCALED(s.trunc_b);
            break;
        case NNINIT_SPARSE:
            s.std = SCALED(s.std);
            break;
        case NNINIT_XAVIER_UNIFORM:
        case NNINIT_XAVIER_NORMAL:
        case NNINIT_ORTHOGONAL:
        case NNINIT_DELTA_ORTHOGONAL:
        case NNINIT_EYE:
        case NNINIT_HADAMARD:
            s.gain = SCALED(s.gain);
            break;
        case NNINIT_VARIANCE_SCALING:
            s.scale *= f * f;
            break;
        case NNINIT_KAIMING_UNIFORM:
        case NNINIT_LECUN_UNIFORM:
            /* their bound comes from the fans: write it out */
            s = nninit_spec_make(NNINIT_UNIFORM);
            s.low = -SCALED(r.bound);
            s.high = SCALED(r.bound);
            break;
        case NNINIT_KAIMING_NORMAL:
        case NNINIT_LECUN_NORMAL:
            s = nninit_spec_make(NNINIT_NORMAL);
            s.std = SCALED(r.std);
            break;
        default: /* dirac, critical */
            return nninit__fail(err, NNINIT_EINVAL,
                                "%s cannot be scaled (no parameter sets its "
                                "scale)", nninit_kind_name(spec->kind));
        }
    }
#undef SCALED
    *out = s;
    return NNINIT_OK;
}
