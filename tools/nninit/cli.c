/*
 * cli.c: errors, strict number parsing, and the option parser.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_error(int code, const char *fmt, ...)
{
    va_list ap;
    if (!cli_team_prints()) /* another process says it */
        return code;
    fputs("nninit: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int cli_status_exit(int status)
{
    switch (status) {
    case NNINIT_OK:
        return 0;
    case NNINIT_EINVAL:
    case NNINIT_ERANGE:
    case NNINIT_EOVERFLOW:
    case NNINIT_EFORMAT:
    case NNINIT_ENOENT:
        return EXIT_BAD_INPUT;
    default:
        return EXIT_RUNTIME;
    }
}

int cli_double(const char *opt, const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || isspace((unsigned char)*text))
        return cli_error(EXIT_BAD_INPUT, "--%s: '%s' is not a number", opt,
                         text);
    if (errno == ERANGE && isinf(v))
        return cli_error(EXIT_BAD_INPUT, "--%s: '%s' overflows", opt, text);
    *out = v;
    return 0;
}

int cli_finite(const char *opt, const char *text, double *out)
{
    int rc = cli_double(opt, text, out);
    if (rc)
        return rc;
    if (!isfinite(*out))
        return cli_error(EXIT_BAD_INPUT,
                         "--%s must be a finite number (got '%s')", opt, text);
    return 0;
}

int cli_u64(const char *opt, const char *text, uint64_t *out)
{
    char *end;
    if (!isdigit((unsigned char)*text))
        return cli_error(EXIT_BAD_INPUT,
                         "--%s: '%s' is not a non-negative integer", opt, text);
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0')
        return cli_error(EXIT_BAD_INPUT,
                         "--%s: '%s' is not a non-negative integer", opt, text);
    if (errno == ERANGE)
        return cli_error(EXIT_BAD_INPUT, "--%s: '%s' overflows", opt, text);
    *out = v;
    return 0;
}

int cli_int(const char *opt, const char *text, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || isspace((unsigned char)*text))
        return cli_error(EXIT_BAD_INPUT, "--%s: '%s' is not an integer", opt,
                         text);
    if (errno == ERANGE || v < -1000000000L || v > 1000000000L)
        return cli_error(EXIT_BAD_INPUT, "--%s: '%s' is out of range", opt,
                         text);
    *out = (int)v;
    return 0;
}

int cli_seed(const char *opt, const char *text, uint64_t *out)
{
    if (text[0] == '-') {
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (end == text || *end != '\0')
            return cli_error(EXIT_BAD_INPUT, "--%s: '%s' is not an integer",
                             opt, text);
        if (errno == ERANGE)
            return cli_error(EXIT_BAD_INPUT,
                             "--%s: '%s' is below -2^63", opt, text);
        *out = (uint64_t)v; /* two's complement, as torch.manual_seed */
        return 0;
    }
    return cli_u64(opt, text, out);
}

void cli_init(cli_parser *p, int argc, char **argv, int first,
              const cli_opt *opts)
{
    p->argc = argc;
    p->argv = argv;
    p->i = first;
    p->opts = opts;
    p->value = NULL;
}

static int only_positional(const cli_parser *p)
{
    for (int k = 1; k < p->i && k < p->argc; k++)
        if (strcmp(p->argv[k], "--") == 0)
            return 1;
    return 0;
}

int cli_next(cli_parser *p)
{
    if (p->i >= p->argc)
        return CLI_END;
    char *a = p->argv[p->i++];
    if (only_positional(p) || a[0] != '-' || a[1] == '\0' ||
        (isdigit((unsigned char)a[1]) || a[1] == '.')) {
        p->value = a; /* includes negative numbers as positionals */
        return CLI_POSITIONAL;
    }
    if (strcmp(a, "--") == 0)
        return cli_next(p);
    const char *name = a[1] == '-' ? a + 2 : a + 1;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    for (const cli_opt *o = p->opts; o->name; o++) {
        if (strlen(o->name) != len || strncmp(o->name, name, len) != 0)
            continue;
        if (a[1] != '-' && len != 1) /* single dash only for one letter */
            break;
        if (!o->arg) {
            if (eq)
                return cli_error(EXIT_BAD_INPUT, "--%s takes no value",
                                 o->name),
                       CLI_ERROR;
            p->value = NULL;
            return o->key;
        }
        if (eq) {
            p->value = eq + 1;
        } else {
            if (p->i >= p->argc) {
                cli_error(EXIT_BAD_INPUT, "%s needs a value", a);
                return CLI_ERROR;
            }
            p->value = p->argv[p->i++];
        }
        return o->key;
    }
    /* the option names as a name table, for "did you mean --seed?" */
    char spelled[64][40];
    const char *names[64];
    int n = 0;
    for (const cli_opt *o = p->opts; o->name && n < 64; o++)
        if (o->name[1]) { /* long options only */
            snprintf(spelled[n], sizeof spelled[n], "--%s", o->name);
            names[n] = spelled[n];
            n++;
        }
    nninit_names table = {"option", names, n, NULL, 0};
    char given[64], hint[160];
    snprintf(given, sizeof given, "--%.*s", (int)len, name);
    nninit_names_suggest(&table, given, hint, sizeof hint);
    if (hint[0])
        cli_error(EXIT_BAD_INPUT, "unknown option '%.*s' (did you mean %s?)",
                  (int)(len + (size_t)(name - a)), a, hint);
    else
        cli_error(EXIT_BAD_INPUT, "unknown option '%.*s'",
                  (int)(len + (size_t)(name - a)), a);
    return CLI_ERROR;
}

int cli_simd(const char *text, nninit_simd *out)
{
    if (nninit_simd_parse(text, out) != NNINIT_OK)
        return cli_error(EXIT_BAD_INPUT,
                         "--simd: unknown path '%s' (auto, scalar, avx2, "
                         "avx512)", text);
    if (*out != NNINIT_SIMD_AUTO && !nninit_simd_supported(*out))
        return cli_error(EXIT_BAD_INPUT,
                         "--simd %s: not supported by this CPU or build", text);
    return 0;
}

int cli_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}
