/*
 * names.c: the one helper behind every named enum's _parse and _name: exact
 * lookup with aliases, the generated "(expected a, b or c)" list, and "did
 * you mean" suggestions by prefix and edit distance.
 */
#include "../nninit_internal.h"

#include <ctype.h>
#include <string.h>

/* Names longer than this are never a typo of a table entry worth
 * suggesting; it also bounds the edit-distance table. */
#define NAME_MAX_FOLD 64

/* Lower-case `in` into out; with NNINIT_NAMES_FOLD also drop '_' and '-'
 * (so "ConvTranspose2d" and "conv_transpose2d" meet). Returns the length,
 * or -1 if it does not fit. */
static int fold(const char *in, unsigned flags, char *out)
{
    int k = 0;
    for (; *in; in++) {
        if ((flags & NNINIT_NAMES_FOLD) && (*in == '_' || *in == '-'))
            continue;
        if (k == NAME_MAX_FOLD)
            return -1;
        out[k++] = (char)tolower((unsigned char)*in);
    }
    out[k] = '\0';
    return k;
}

static int same(const nninit_names *t, const char *a, const char *b)
{
    if (!(t->flags & NNINIT_NAMES_FOLD))
        return strcmp(a, b) == 0;
    char fa[NAME_MAX_FOLD + 1], fb[NAME_MAX_FOLD + 1];
    return fold(a, t->flags, fa) >= 0 && fold(b, t->flags, fb) >= 0 &&
           strcmp(fa, fb) == 0;
}

/* Exact match (folded if the table says so) of a name or an alias. */
static int find(const nninit_names *t, const char *name)
{
    for (int i = 0; i < t->count; i++)
        if (t->names[i] && same(t, t->names[i], name))
            return i;
    for (const nninit_name_alias *a = t->aliases; a && a->name; a++)
        if (same(t, a->name, name))
            return a->value;
    return -1;
}

int nninit_names_find(const nninit_names *t, const char *name)
{
    if (!t || !name)
        return -1;
    int i = find(t, name);
    size_t n = strlen(name);
    if (i < 0 && (t->flags & NNINIT_NAMES_TRAILING_UNDERSCORE) && n > 1 &&
        n <= NAME_MAX_FOLD && name[n - 1] == '_') {
        char buf[NAME_MAX_FOLD + 1];
        memcpy(buf, name, n - 1); /* PyTorch's in-place spelling */
        buf[n - 1] = '\0';
        i = find(t, buf);
    }
    return i;
}

const char *nninit_names_name(const nninit_names *t, int value)
{
    return t && value >= 0 && value < t->count && t->names[value]
               ? t->names[value]
               : "unknown";
}

/* Append item k of n to a "a, b or c" list, if it fits with `reserve`
 * bytes to spare. Returns the new length, or `at` unchanged if it does not
 * fit. */
static size_t list_add(char *buf, size_t size, size_t at, const char *item,
                       int k, int n, size_t reserve)
{
    const char *sep = k == 0 ? "" : k == n - 1 ? " or " : ", ";
    size_t ls = strlen(sep), li = strlen(item);
    if (at + ls + li + reserve >= size)
        return at;
    memcpy(buf + at, sep, ls);
    memcpy(buf + at + ls, item, li + 1);
    return at + ls + li;
}

char *nninit_names_list(const nninit_names *t, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    buf[0] = '\0';
    int n = 0;
    for (int i = 0; i < t->count; i++)
        n += t->names[i] != NULL;
    size_t at = 0;
    int k = 0;
    for (int i = 0; i < t->count; i++) {
        if (!t->names[i])
            continue;
        /* keep room for ", ..." until the last name */
        size_t next = list_add(buf, size, at, t->names[i], k, n,
                               k == n - 1 ? 0 : 5);
        if (next == at) {
            if (at + 5 < size)
                memcpy(buf + at, ", ...", 6);
            break;
        }
        at = next;
        k++;
    }
    return buf;
}

/* Optimal-string-alignment distance: insertions, deletions, substitutions
 * and swaps of neighbours ("unfiorm") each cost 1. */
static int distance(const char *a, int la, const char *b, int lb)
{
    int d[NAME_MAX_FOLD + 1][NAME_MAX_FOLD + 1];
    for (int i = 0; i <= la; i++)
        d[i][0] = i;
    for (int j = 0; j <= lb; j++)
        d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c)
                c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c)
                c = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < c)
                c = d[i - 2][j - 2] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}

#define MAX_SUGGEST 4

typedef struct {
    const char *name[MAX_SUGGEST];
    int value[MAX_SUGGEST];
    int n;
} picks;

/* One suggestion per value: an alias that means a name already suggested
 * ("Transformer" after "transformer") adds nothing. */
static void pick(picks *p, const char *name, int value)
{
    for (int i = 0; i < p->n; i++)
        if (p->value[i] == value)
            return;
    if (p->n < MAX_SUGGEST) {
        p->name[p->n] = name;
        p->value[p->n++] = value;
    }
}

/* The value candidate c stands for. */
static int candidate_value(const nninit_names *t, int c)
{
    if (c < t->count)
        return c;
    return t->aliases[c - t->count].value;
}

/* Candidate c of the table (names first, then aliases), or NULL past the
 * end. */
static const char *candidate(const nninit_names *t, int c)
{
    if (c < t->count)
        return t->names[c] ? t->names[c] : "";
    int k = c - t->count;
    for (const nninit_name_alias *a = t->aliases; a && a->name; a++, k--)
        if (k == 0)
            return a->name;
    return NULL;
}

char *nninit_names_suggest(const nninit_names *t, const char *name, char *buf,
                           size_t size)
{
    if (!buf || size == 0)
        return buf;
    buf[0] = '\0';
    char want[NAME_MAX_FOLD + 1], have[NAME_MAX_FOLD + 1];
    int lw = name ? fold(name, t->flags, want) : -1;
    if (lw < 1)
        return buf;
    picks p = {{NULL}, {0}, 0};
    /* What the name begins: "xavier" -> xavier_uniform, xavier_normal. */
    if (lw >= 2)
        for (int c = 0; candidate(t, c); c++) {
            const char *cn = candidate(t, c);
            if (*cn && fold(cn, t->flags, have) > lw &&
                strncmp(have, want, (size_t)lw) == 0)
                pick(&p, cn, candidate_value(t, c));
        }
    /* Else the nearest names, if near enough to be a slip: one edit for
     * short names, two up to 8 letters, three beyond. */
    if (p.n == 0) {
        int limit = lw <= 4 ? 1 : lw <= 8 ? 2 : 3, best = limit + 1;
        for (int c = 0; candidate(t, c); c++) {
            const char *cn = candidate(t, c);
            int lh = *cn ? fold(cn, t->flags, have) : -1;
            if (lh >= 0) {
                int d = distance(want, lw, have, lh);
                best = d < best ? d : best;
            }
        }
        for (int c = 0; best <= limit && candidate(t, c); c++) {
            const char *cn = candidate(t, c);
            int lh = *cn ? fold(cn, t->flags, have) : -1;
            if (lh >= 0 && distance(want, lw, have, lh) == best)
                pick(&p, cn, candidate_value(t, c));
        }
    }
    size_t at = 0;
    for (int i = 0; i < p.n; i++)
        at = list_add(buf, size, at, p.name[i], i, p.n, 0);
    return buf;
}

int nninit_names_parse(const nninit_names *t, const char *name, int *out,
                       nninit_error *err)
{
    int i = nninit_names_find(t, name);
    if (i >= 0) {
        *out = i;
        return NNINIT_OK;
    }
    if (!err)
        return NNINIT_EINVAL;
    char hint[160];
    nninit_names_suggest(t, name, hint, sizeof hint);
    if (hint[0])
        return nninit__fail(err, NNINIT_EINVAL,
                            "unknown %s '%.64s' (did you mean %s?)", t->what,
                            name, hint);
    /* the whole list, as much of it as the message holds */
    int at = snprintf(err->msg, sizeof err->msg, "unknown %s '%.64s' (expected ",
                      t->what, name ? name : "");
    if (at > 0 && (size_t)at + 2 < sizeof err->msg) {
        nninit_names_list(t, err->msg + at, sizeof err->msg - (size_t)at - 1);
        strcat(err->msg, ")");
    }
    err->line = err->column = 0;
    return NNINIT_EINVAL;
}
