/*
 * test_safety.c: the library's budgets and limits against adversarial
 * input, and outputs that are not regular files. Rule matching through
 * the plan's name index is checked against fnmatch itself on random names
 * and patterns; the YAML budgets, the byte-size limit of every reader, the
 * name sets and the output targets each against a hand-made case.
 */
#define _GNU_SOURCE /* mkdtemp, mkfifo, symlink */
#include "nninit.h"
#include "nninit/io.h"
#include "nninit_internal.h"
#include "nninit_test.h"
#include "test_bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Byte builders                                                            */
/* ------------------------------------------------------------------------ */

static int open_buf(const buf *x, nninit_ckpt **ck, nninit_error *err)
{
    return nninit_ckpt_open_mem(x->b, x->n, NULL, ck, err);
}

/* ------------------------------------------------------------------------ */
/* Rules: the name index finds what fnmatch finds                           */
/* ------------------------------------------------------------------------ */

static uint64_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

/* A dotted name over a small alphabet, so patterns often match. */
static void random_name(uint64_t *s, char *out, size_t n)
{
    static const char *const parts[] = {"h",  "0",    "1",     "10", "attn",
                                        "ln", "bias", "weight", "a",  "ab"};
    size_t at = 0;
    int k = 1 + (int)(rnd(s) % 4);
    for (int i = 0; i < k; i++)
        at += (size_t)snprintf(out + at, n - at, "%s%s", i ? "." : "",
                               parts[rnd(s) % 10]);
}

static void random_pattern(uint64_t *s, char *out, size_t n)
{
    static const char *const bits[] = {"*",  "?",     ".",  "h",  "0",
                                       "1",  "attn",  "[0-1]", "bias",
                                       "a",  "weight", "ln", "[!a]", "\\.",
                                       "b"};
    size_t at = 0;
    int k = 1 + (int)(rnd(s) % 5);
    for (int i = 0; i < k; i++)
        at += (size_t)snprintf(out + at, n - at, "%s", bits[rnd(s) % 15]);
}

static void rules_match_like_fnmatch(void)
{
    uint64_t seed = 12345;
    for (int round = 0; round < 40; round++) {
        nninit_model *m;
        nninit_error err;
        CHECK(nninit_model_new(&m, NULL, &err) == NNINIT_OK);
        char names[200][64];
        int n = 0;
        nninit_shape sh;
        int64_t d = 3;
        nninit_shape_make(&sh, 1, &d, NULL);
        for (int i = 0; i < 200; i++) {
            random_name(&seed, names[n], sizeof names[n]);
            if (nninit_model_add_tensor(m, names[n], &sh, NNINIT_ET_F32, 0,
                                        NULL) == NNINIT_OK)
                n++; /* a duplicate name is refused, and skipped here */
        }
        char pats[10][64];
        for (int r = 0; r < 10; r++) {
            random_pattern(&seed, pats[r], sizeof pats[r]);
            nninit_rule ru = nninit_rule_make(pats[r]);
            ru.has_init = 1;
            ru.spec = nninit_spec_make(NNINIT_CONSTANT);
            ru.spec.value = r + 1; /* which rule won, in the init text */
            CHECK(nninit_model_add_rule(m, &ru, &err) == NNINIT_OK);
        }
        nninit_plan *p;
        CHECK_MSG(nninit_plan_new(m, NULL, &p, &err) == NNINIT_OK, "%s",
                  err.msg);
        for (int i = 0; i < n; i++) {
            int last = 0; /* the last rule that matches wins */
            for (int r = 0; r < 10; r++)
                if (fnmatch(pats[r], names[i], 0) == 0)
                    last = r + 1;
            const nninit_plan_entry *e = nninit_plan_get(p, (size_t)i);
            char want[64];
            if (last)
                snprintf(want, sizeof want, "constant(value=%d)", last);
            CHECK_MSG(last ? !strcmp(e->init, want)
                           : strncmp(e->init, "constant", 8) != 0,
                      "%s: init %s, fnmatch says rule %d", names[i], e->init,
                      last);
        }
        /* a rule that matches nothing is a warning, as fnmatch says */
        size_t unmatched = 0;
        for (int r = 0; r < 10; r++) {
            int any = 0;
            for (int i = 0; i < n && !any; i++)
                any = fnmatch(pats[r], names[i], 0) == 0;
            unmatched += !any;
        }
        CHECK_EQ_INT(nninit_plan_warning_count(p), unmatched);
        nninit_plan_free(p);
        nninit_model_free(m);
    }
}

/* Patterns without a literal start or end test every name: budgeted. */
static void rules_budget(void)
{
    nninit_model *m;
    nninit_error err;
    nninit_model_new(&m, NULL, NULL);
    nninit_shape sh;
    int64_t d = 1;
    nninit_shape_make(&sh, 1, &d, NULL);
    char name[32];
    for (int i = 0; i < 40000; i++) {
        snprintf(name, sizeof name, "t.%d.w", i);
        nninit_model_add_tensor(m, name, &sh, NNINIT_ET_F32, 0, NULL);
    }
    /* exact names and literal ends are cheap: 2000 of each */
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof name, i % 2 ? "t.%d.w" : "*.%d.w", i);
        nninit_rule ru = nninit_rule_make(name);
        ru.has_init = 1;
        ru.spec = nninit_spec_make(NNINIT_ONES);
        nninit_model_add_rule(m, &ru, NULL);
    }
    nninit_plan *p;
    CHECK_MSG(nninit_plan_new(m, NULL, &p, &err) == NNINIT_OK, "%s", err.msg);
    nninit_plan_free(p);
    /* 1000 rules that must each test all 40000 names: more than 2^25 */
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "*.%d*", i);
        nninit_rule ru = nninit_rule_make(name);
        ru.has_init = 1;
        ru.spec = nninit_spec_make(NNINIT_ONES);
        nninit_model_add_rule(m, &ru, NULL);
    }
    CHECK(nninit_plan_new(m, NULL, &p, &err) == NNINIT_EINVAL);
    CHECK_MSG(strstr(err.msg, "name tests") != NULL, "%s", err.msg);
    nninit_model_free(m);
}

/* ------------------------------------------------------------------------ */
/* Name sets                                                                */
/* ------------------------------------------------------------------------ */

static void name_sets(void)
{
    nninit__nameset s;
    nninit__nameset_init(&s, NULL);
    enum { N = 100000 };
    char(*names)[16] = malloc(N * sizeof *names);
    for (int i = 0; i < N; i++)
        snprintf(names[i], sizeof names[i], "k%d", i);
    int fresh = 0;
    for (int i = 0; i < N; i++) {
        nninit__nameslot *slot;
        fresh += nninit__nameset_put(&s, names[i], &slot) == 1;
        slot->value = (uint64_t)i;
    }
    CHECK_EQ_INT(fresh, N);
    CHECK_EQ_INT(s.n, N);
    char probe[16];
    int found = 0;
    for (int i = 0; i < N; i += 7) {
        snprintf(probe, sizeof probe, "k%d", i); /* equal text, not pointer */
        nninit__nameslot *slot = nninit__nameset_get(&s, probe);
        found += slot && slot->value == (uint64_t)i;
        nninit__nameslot *again;
        CHECK(nninit__nameset_put(&s, probe, &again) == 0 && again == slot);
    }
    CHECK_EQ_INT(found, (N + 6) / 7);
    CHECK(nninit__nameset_get(&s, "k-1") == NULL);
    nninit__nameset_free(&s);
    free(names);

    nninit__strpool pool;
    nninit__strpool_init(&pool, NULL);
    const char *a = nninit__strpool_intern(&pool, "same text");
    char copy[] = "same text";
    CHECK(a && a == nninit__strpool_intern(&pool, copy));
    CHECK(!strcmp(a, "same text"));
    char big[100000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *b = nninit__strpool_intern(&pool, big); /* > one block */
    CHECK(b && strlen(b) == sizeof big - 1);
    CHECK(nninit__strpool_intern(&pool, "same text") == a);
    nninit__strpool_free(&pool);

    /* records: equal bytes share one copy, any difference keeps its own,
     * and every copy is aligned for any type, across blocks (a shape is 72
     * bytes, not a multiple of that alignment) */
    nninit__strpool recs;
    nninit__strpool_init_records(&recs, NULL, sizeof(nninit_shape));
    const nninit_shape *first = NULL;
    int aligned = 1;
    for (int i = 0; i < 3000; i++) {
        nninit_shape sh;
        memset(&sh, 0, sizeof sh); /* compared byte for byte */
        int64_t d[2] = {1 + i % 1000, 7}; /* 1000 different shapes, 3 times */
        CHECK(nninit_shape_make(&sh, 2, d, NULL) == NNINIT_OK);
        const nninit_shape *r =
            (const nninit_shape *)nninit__strpool_intern_record(&recs, &sh);
        CHECK(r && r->ndim == 2 && r->dim[0] == d[0] && r->dim[1] == 7);
        aligned &= (uintptr_t)r % _Alignof(max_align_t) == 0;
        if (i == 0)
            first = r;
        if (i == 2000)
            CHECK(r == first);
    }
    CHECK_EQ_INT((int)recs.set.n, 1000);
    CHECK(aligned);
    nninit__strpool_free(&recs);
}

/* ------------------------------------------------------------------------ */
/* Descriptions: budgets enforced while parsing                             */
/* ------------------------------------------------------------------------ */

static int load(const char *text, nninit_error *err)
{
    nninit_model *m;
    nninit_model_new(&m, NULL, NULL);
    int rc = nninit_model_load_mem(text, strlen(text), "d.yaml", m, 0, err);
    nninit_model_free(m);
    return rc;
}

static void description_budgets(void)
{
    nninit_error err;
    /* 100,000 levels (libyaml's loader alone takes minutes over nested
     * mappings): refused at level 65, before any node is built */
    size_t deep = 100000;
    char *t = malloc(5 * deep + 16);
    strcpy(t, "layers: ");
    for (size_t i = 0; i < deep; i++)
        memcpy(t + 8 + 4 * i, "{a: ", 4);
    t[8 + 4 * deep] = '1';
    memset(t + 9 + 4 * deep, '}', deep);
    t[9 + 5 * deep] = '\0';
    CHECK(load(t, &err) == NNINIT_EINVAL);
    CHECK_MSG(strstr(err.msg, "d.yaml:1:261: lists and mappings nest more "
                              "than 64"),
              "%s", err.msg);
    memset(t + 8, '[', deep);
    memset(t + 8 + deep, ']', deep);
    t[8 + 2 * deep] = '\0';
    CHECK(load(t, &err) == NNINIT_EINVAL);
    CHECK_MSG(strstr(err.msg, "d.yaml:1:72: lists and mappings nest more "
                              "than 64"),
              "%s", err.msg);
    free(t);
    /* 64 levels are fine for the parser (then the model says what it
     * thinks of a list of lists) */
    char ok[200] = "layers: ";
    for (int i = 0; i < 63; i++)
        strcat(ok, "[");
    for (int i = 0; i < 63; i++)
        strcat(ok, "]");
    CHECK(load(ok, &err) == NNINIT_EINVAL);
    CHECK_MSG(!strstr(err.msg, "nest more"), "%s", err.msg);
    /* billion laughs: nine levels of ten aliases each */
    char laughs[2048];
    size_t at = (size_t)snprintf(laughs, sizeof laughs,
                                 "defs:\n  x0: &x0 [{name: l, type: linear, "
                                 "in: 1, out: 1}]\n");
    for (int i = 1; i < 10; i++) {
        at += (size_t)snprintf(laughs + at, sizeof laughs - at,
                               "  x%d: &x%d [", i, i);
        for (int k = 0; k < 10; k++)
            at += (size_t)snprintf(laughs + at, sizeof laughs - at, "%s*x%d",
                                   k ? ", " : "", i - 1);
        at += (size_t)snprintf(laughs + at, sizeof laughs - at, "]\n");
    }
    snprintf(laughs + at, sizeof laughs - at, "layers: *x9\n");
    CHECK(load(laughs, &err) == NNINIT_EINVAL);
    CHECK_MSG(strstr(err.msg, "aliases expand the description to more than "
                              "16777216 nodes"),
              "%s", err.msg);
    /* aliases within the budget still work */
    CHECK_MSG(load("layers: [{name: x, type: linear, in: 2, out: 3}]\n"
                   "rules: [&r {match: 'x*', init: zeros}, *r, *r]\n",
                   &err) == NNINIT_OK,
              "%s", err.msg);
    /* an alias inside the node it names */
    CHECK(load("layers: &l\n  - {name: a, repeat: 2, layers: *l}\n", &err) ==
          NNINIT_EINVAL);
    CHECK_MSG(strstr(err.msg, "d.yaml:2:34: alias *l refers to a node that "
                              "contains it"),
              "%s", err.msg);
    /* a second document */
    CHECK(load("layers: [{name: a, type: linear, in: 1, out: 1}]\n...\n---\n"
               "layers: [{name: b, type: linear, in: 1, out: 1}]\n",
               &err) == NNINIT_EINVAL);
    CHECK_MSG(strstr(err.msg, "d.yaml:3:1: a second YAML document"), "%s",
              err.msg);
    /* a mapping of 200,000 keys: its duplicate found through a set */
    size_t keys = 200000;
    char *big = malloc(keys * 16 + 64);
    at = (size_t)sprintf(big, "layers: []\nrules:\n  - {match: x, ");
    for (size_t i = 0; i < keys; i++)
        at += (size_t)sprintf(big + at, "k%zu: 1, ", i);
    sprintf(big + at, "k17: 2}\n");
    CHECK(load(big, &err) == NNINIT_EINVAL);
    CHECK_MSG(strstr(err.msg, "duplicate key 'k17' (first at line 3)"), "%s",
              err.msg);
    free(big);
}

/* ------------------------------------------------------------------------ */
/* Sizes that do not fit                                                    */
/* ------------------------------------------------------------------------ */

static void byte_sizes(void)
{
    uint64_t b = 0;
    nninit_error err;
    CHECK(nninit_bytes_of(UINT64_C(1) << 60, 4, &b, &err) == NNINIT_OK &&
          b == NNINIT_MAX_BYTES);
    CHECK(nninit_bytes_of((UINT64_C(1) << 60) + 1, 4, &b, &err) ==
          NNINIT_EOVERFLOW);
    CHECK_MSG(strstr(err.msg, "more than 2^62 bytes"), "%s", err.msg);
    CHECK(nninit_bytes_of(UINT64_MAX, 8, &b, &err) == NNINIT_EOVERFLOW);
    CHECK(nninit_bytes_of(UINT64_MAX, 0, &b, &err) == NNINIT_OK && b == 0);
    uint64_t sum = NNINIT_MAX_BYTES - 1;
    CHECK(nninit__bytes_add(&sum, 1) == 0 && sum == NNINIT_MAX_BYTES);
    CHECK(nninit__bytes_add(&sum, 1) != 0 && sum == NNINIT_MAX_BYTES);

    /* each reader: 2^62 float32 elements claimed in 0 bytes */
    const char *hdr = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904]"
                      ",\"data_offsets\":[0,0]}}";
    buf st = {0};
    u64(&st, strlen(hdr));
    put(&st, hdr, strlen(hdr));
    buf gg = {0};
    put(&gg, "GGUF", 4);
    u32(&gg, 3);
    u64(&gg, 1); /* tensors */
    u64(&gg, 0); /* key-values */
    gstr(&gg, "w");
    u32(&gg, 1);
    u64(&gg, UINT64_C(1) << 62);
    u32(&gg, 0); /* F32 */
    u64(&gg, 0);
    while (gg.n % 32)
        put(&gg, "", 1);
    const buf *files[] = {&st, &gg};
    for (int i = 0; i < 2; i++) {
        nninit_ckpt *ck;
        CHECK(open_buf(files[i], &ck, &err) == NNINIT_EFORMAT);
        CHECK_MSG(strstr(err.msg, "tensor 'w'") &&
                      strstr(err.msg, "more than 2^62 bytes"),
                  "%s", err.msg);
    }
    free(st.b);
    free(gg.b);

    /* a layer of 2^62 elements plans to 2^64 bytes: refused */
    nninit_model *m;
    nninit_model_new(&m, NULL, NULL);
    nninit_layer l = nninit_layer_make(NNINIT_TORCH_LINEAR);
    strcpy(l.name, "fc");
    l.args.in = INT64_C(1) << 62;
    l.args.out = 1;
    l.args.bias = 0;
    CHECK(nninit_model_add_layer(m, &l, &err) == NNINIT_OK);
    nninit_plan *p;
    CHECK(nninit_plan_new(m, NULL, &p, &err) == NNINIT_EOVERFLOW);
    CHECK_MSG(strstr(err.msg, "fc.weight") && strstr(err.msg, "2^62"), "%s",
              err.msg);
    nninit_model_free(m);

    /* a workspace whose byte size would wrap is refused, not overrun: an
     * orthogonal (2^61, 2) f64 tensor asked for 4 elements */
    nninit_spec sp = nninit_spec_make(NNINIT_ORTHOGONAL);
    nninit_shape sh;
    int64_t dims[2] = {INT64_C(1) << 61, 2};
    CHECK(nninit_shape_make(&sh, 2, dims, NULL) == NNINIT_OK);
    double out[4];
    nninit_fill_opts fo = nninit_fill_opts_default();
    int rc = nninit_init(&sp, &sh, NNINIT_LAYOUT_TORCH, NNINIT_F64, out, 0, 4,
                         &fo, &err);
    CHECK_MSG(rc == NNINIT_ENOMEM, "rc %d: %s", rc, err.msg);
}

/* ------------------------------------------------------------------------ */
/* Many key-values: linear, and duplicates still found                      */
/* ------------------------------------------------------------------------ */

static void gguf_many_keys(void)
{
    enum { KEYS = 300000 };
    buf g = {0};
    put(&g, "GGUF", 4);
    u32(&g, 3);
    u64(&g, 0);
    u64(&g, KEYS);
    char key[32];
    for (int i = 0; i < KEYS; i++) {
        snprintf(key, sizeof key, "k.%d", i == KEYS - 1 ? 123 : i);
        gstr(&g, key);
        u32(&g, 4); /* u32 */
        u32(&g, (uint32_t)i);
    }
    nninit_ckpt *ck;
    nninit_error err;
    CHECK(open_buf(&g, &ck, &err) == NNINIT_EFORMAT);
    CHECK_MSG(strstr(err.msg, "duplicate key 'k.123'"), "%s", err.msg);
    /* the same without the duplicate opens */
    size_t last = g.n - 4 - 4 - 8 - strlen("k.123");
    g.n = last;
    snprintf(key, sizeof key, "k.%d", KEYS - 1);
    gstr(&g, key);
    u32(&g, 4);
    u32(&g, 0);
    CHECK_MSG(open_buf(&g, &ck, &err) == NNINIT_OK, "%s", err.msg);
    nninit_ckpt_close(ck);
    free(g.b);
}

/* ------------------------------------------------------------------------ */
/* Output targets                                                           */
/* ------------------------------------------------------------------------ */

static char dir[64];

static char *at_dir(const char *name)
{
    static char p[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static int write_file(const char *path, const char *text, nninit_error *err)
{
    nninit_ofile f;
    int rc = nninit_ofile_open(&f, path, err);
    if (rc == NNINIT_OK && (rc = nninit_ofile_reserve(&f, 5, err)) == 0 &&
        (rc = nninit_ofile_write(&f, text, strlen(text), err)) == 0)
        return nninit_ofile_commit(&f, err);
    if (f.fp)
        nninit_ofile_abort(&f);
    return rc;
}

static size_t read_all(const char *path, char *out, size_t n)
{
    FILE *fp = fopen(path, "rb");
    size_t got = fp ? fread(out, 1, n - 1, fp) : 0;
    if (fp)
        fclose(fp);
    out[got] = '\0';
    return got;
}

static void *fifo_reader(void *arg)
{
    char *got = (char *)arg;
    /* open(2) and read(2), which are cancellation points (fopen is not) */
    int fd = open(at_dir("fifo"), O_RDONLY);
    ssize_t n = 0, r;
    while (fd >= 0 && n < 63 && (r = read(fd, got + n, (size_t)(63 - n))) > 0)
        n += r;
    got[n] = '\0';
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void output_targets(void)
{
    nninit_error err;
    char got[64];
    struct stat st;
    /* a new name, then replaced whole */
    CHECK(write_file(at_dir("a"), "one", &err) == NNINIT_OK);
    CHECK(write_file(at_dir("a"), "two", &err) == NNINIT_OK);
    read_all(at_dir("a"), got, sizeof got);
    CHECK(!strcmp(got, "two"));
    /* a symlink chain: the file at its end replaced, the links kept */
    CHECK(symlink("a", at_dir("l1")) == 0 && symlink("l1", at_dir("l2")) == 0);
    CHECK_MSG(write_file(at_dir("l2"), "three", &err) == NNINIT_OK, "%s",
              err.msg);
    read_all(at_dir("a"), got, sizeof got);
    CHECK(!strcmp(got, "three"));
    CHECK(lstat(at_dir("l1"), &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(lstat(at_dir("l2"), &st) == 0 && S_ISLNK(st.st_mode));
    /* a dangling link: its target made */
    CHECK(symlink("made", at_dir("dangling")) == 0);
    CHECK(write_file(at_dir("dangling"), "four", &err) == NNINIT_OK);
    read_all(at_dir("made"), got, sizeof got);
    CHECK(!strcmp(got, "four"));
    CHECK(lstat(at_dir("dangling"), &st) == 0 && S_ISLNK(st.st_mode));
    /* a link loop */
    CHECK(symlink("loop2", at_dir("loop1")) == 0 &&
          symlink("loop1", at_dir("loop2")) == 0);
    CHECK(write_file(at_dir("loop1"), "x", &err) == NNINIT_EIO);
    CHECK_MSG(strstr(err.msg, "symbolic links"), "%s", err.msg);
    /* a FIFO: written in place, still a FIFO */
    CHECK(mkfifo(at_dir("fifo"), 0600) == 0);
    pthread_t th;
    got[0] = '\0';
    pthread_create(&th, NULL, fifo_reader, got);
    int rc = write_file(at_dir("fifo"), "five", &err);
    CHECK_MSG(rc == NNINIT_OK, "%s", err.msg);
    int still = lstat(at_dir("fifo"), &st) == 0 && S_ISFIFO(st.st_mode);
    CHECK(still);
    if (!still || rc) /* the reader waits for a writer that never came */
        pthread_cancel(th);
    pthread_join(th, NULL);
    CHECK(still && !strcmp(got, "five"));
    /* a directory: refused, as is a path ending in '/' */
    CHECK(mkdir(at_dir("sub"), 0700) == 0);
    CHECK(write_file(at_dir("sub"), "x", &err) == NNINIT_EINVAL);
    CHECK_MSG(strstr(err.msg, "is a directory"), "%s", err.msg);
    CHECK(write_file(at_dir("new/"), "x", &err) != NNINIT_OK);
    /* a socket: refused */
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", at_dir("sock"));
    int sfd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(sfd >= 0 && bind(sfd, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(write_file(at_dir("sock"), "x", &err) == NNINIT_EINVAL);
    CHECK_MSG(strstr(err.msg, "is a socket"), "%s", err.msg);
    CHECK(lstat(at_dir("sock"), &st) == 0 && S_ISSOCK(st.st_mode));
    close(sfd);
    /* /dev/null when there is one: a character device, written in place */
    if (stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode)) {
        nninit_ofile f;
        CHECK(nninit_ofile_open(&f, "/dev/null", &err) == NNINIT_OK);
        CHECK(f.through == 1 && f.tmp_path == NULL);
        nninit_ofile_abort(&f); /* nothing written, nothing replaced */
        CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
    }
}

static void cleanup(void)
{
    const char *names[] = {"a",     "l1",    "l2",   "dangling", "made",
                           "loop1", "loop2", "fifo", "sub",      "sock"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (unlink(at_dir(names[i])) != 0)
            rmdir(at_dir(names[i]));
    rmdir(dir);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/nninit-safety-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    TEST_RUN(rules_match_like_fnmatch);
    TEST_RUN(rules_budget);
    TEST_RUN(name_sets);
    TEST_RUN(description_budgets);
    TEST_RUN(byte_sizes);
    TEST_RUN(gguf_many_keys);
    TEST_RUN(output_targets);
    cleanup();
    return test_report();
}
