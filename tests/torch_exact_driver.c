/*
 * torch_exact_driver.c: replays a script of PyTorch calls on one torch
 * generator and writes every resulting tensor's raw bytes to stdout, in
 * order, for tests/py/torch_exact.py to compare with python3-torch. One
 * command per line on stdin:
 *   gen SEED avx2|default 2.6|1.13   torch.manual_seed(SEED) on a new
 *                                 generator with that kernel and version
 *   seed SEED                     torch.manual_seed(SEED)
 *   threads T                     worker threads (must not change bytes)
 *   init DTYPE D0,D1.. KIND k=v.. nn.init.KIND_(torch.empty(...), ...)
 *   uniform DTYPE N FROM TO       torch.empty(N).uniform_(FROM, TO)
 *   normal DTYPE N MEAN STD       torch.empty(N).normal_(MEAN, STD)
 *   randperm N                    torch.randperm(N) (int64)
 *   module DTYPE KIND k=v..       the module's state_dict, in order
 * Spec keys are nninit_spec's field names; module keys are the module
 * table's (nninit_torch_field_find; lists as D0xD1..).
 * Exit status 1 with a message on stderr if anything fails.
 */
#include "nninit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static nninit_torch_gen gen;
static int line_no;
static FILE *names; /* argv[1]: "name d0,d1,..[ buffer]" per module tensor */

static _Noreturn void die(const char *what, const char *detail)
{
    fprintf(stderr, "torch_exact_driver: line %d: %s: %s\n", line_no, what,
            detail ? detail : "");
    exit(1);
}

static uint64_t parse_seed(const char *t)
{
    if (!t)
        die("missing seed", NULL);
    if (t[0] == '-')
        return (uint64_t)strtoll(t, NULL, 10);
    return strtoull(t, NULL, 10);
}

static nninit_dtype parse_dtype(const char *t)
{
    nninit_dtype d;
    nninit_error err;
    if (!t || nninit_dtype_parse(t, &d, &err))
        die("bad dtype", t);
    return d;
}

static void emit(const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, stdout) != n)
        die("write failed", NULL);
}

/* "3x4x5" (no strtok: the caller is inside a strtok loop). */
static int parse_dims(const char *t, int64_t *dims, int max)
{
    int n = 0;
    for (const char *s = t; *s;) {
        char *end;
        if (n == max)
            die("too many dims", t);
        dims[n++] = strtoll(s, &end, 10);
        if (end == s)
            die("bad dims", t);
        s = *end ? end + 1 : end;
    }
    return n;
}

static void set_spec(nninit_spec *s, const char *k, const char *v)
{
    nninit_error err;
    double d = strtod(v, NULL);
    if (!strcmp(k, "gain")) s->gain = d;
    else if (!strcmp(k, "a")) s->a = d;
    else if (!strcmp(k, "mean")) s->mean = d;
    else if (!strcmp(k, "std")) s->std = d;
    else if (!strcmp(k, "low")) s->low = d;
    else if (!strcmp(k, "high")) s->high = d;
    else if (!strcmp(k, "trunc_a")) s->trunc_a = d;
    else if (!strcmp(k, "trunc_b")) s->trunc_b = d;
    else if (!strcmp(k, "value")) s->value = d;
    else if (!strcmp(k, "sparsity")) s->sparsity = d;
    else if (!strcmp(k, "groups")) s->groups = atoi(v);
    else if (!strcmp(k, "mode")) {
        if (nninit_mode_parse(v, &s->mode, &err))
            die(err.msg, v);
    } else if (!strcmp(k, "nonlinearity")) {
        if (nninit_nonlinearity_parse(v, &s->nonlinearity, &err))
            die(err.msg, v);
    } else
        die("unknown spec key", k);
}

/* Module fields by the table's names (nninit_torch_field_find); lists as
 * D0xD1x... */
static void set_layer(nninit_torch_layer *l, const char *k, const char *v)
{
    nninit_error err;
    int f = nninit_torch_field_find(l->kind, k);
    if (f < 0)
        die("unknown layer key", k);
    if (nninit_torch_field_info(f)->type == NNINIT_TORCH_FIELD_SIZES) {
        int64_t dims[NNINIT_MAX_DIMS];
        int n = parse_dims(v, dims, NNINIT_MAX_DIMS);
        if (nninit_torch_field_set_sizes(l, f, dims, n, &err))
            die(err.msg, k);
    } else if (nninit_torch_field_set(l, f, v, &err)) {
        die(err.msg, k);
    }
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory", NULL);
    return p;
}

static void run(char *line)
{
    nninit_error err;
    char *cmd = strtok(line, " \t\r\n");
    if (!cmd)
        return;
    if (!strcmp(cmd, "gen")) {
        uint64_t s = parse_seed(strtok(NULL, " \t\r\n"));
        nninit_torch_kernel k;
        if (nninit_torch_kernel_parse(strtok(NULL, " \t\r\n"), &k, &err))
            die(err.msg, NULL);
        nninit_torch_version v;
        if (nninit_torch_version_parse(strtok(NULL, " \t\r\n"), &v, &err))
            die(err.msg, NULL);
        nninit_torch_gen_init(&gen, s, k);
        gen.version = v;
    } else if (!strcmp(cmd, "threads")) {
        gen.threads = atoi(strtok(NULL, " \t\r\n"));
    } else if (!strcmp(cmd, "seed")) {
        nninit_torch_manual_seed(&gen, parse_seed(strtok(NULL, " \t\r\n")));
    } else if (!strcmp(cmd, "init")) {
        nninit_dtype dt = parse_dtype(strtok(NULL, " \t\r\n"));
        nninit_shape shape;
        if (nninit_shape_parse(strtok(NULL, " \t\r\n"), &shape, &err))
            die(err.msg, NULL);
        nninit_kind kind;
        if (nninit_kind_parse(strtok(NULL, " \t\r\n"), &kind, &err))
            die(err.msg, NULL);
        nninit_spec spec = nninit_spec_make(kind);
        for (char *kv; (kv = strtok(NULL, " \t\r\n"));) {
            char *eq = strchr(kv, '=');
            if (!eq)
                die("expected key=value", kv);
            *eq = '\0';
            set_spec(&spec, kv, eq + 1);
        }
        size_t bytes = (size_t)nninit_shape_numel(&shape) * nninit_dtype_size(dt);
        void *buf = xmalloc(bytes);
        if (nninit_torch_init(&gen, &spec, &shape, dt, buf, NULL, &err))
            die(err.msg, NULL);
        emit(buf, bytes);
        free(buf);
    } else if (!strcmp(cmd, "uniform") || !strcmp(cmd, "normal")) {
        nninit_dtype dt = parse_dtype(strtok(NULL, " \t\r\n"));
        uint64_t n = strtoull(strtok(NULL, " \t\r\n"), NULL, 10);
        double a = strtod(strtok(NULL, " \t\r\n"), NULL);
        double b = strtod(strtok(NULL, " \t\r\n"), NULL);
        size_t bytes = (size_t)n * nninit_dtype_size(dt);
        void *buf = xmalloc(bytes);
        int rc = cmd[0] == 'u'
                     ? nninit_torch_uniform_(&gen, dt, buf, n, a, b, &err)
                     : nninit_torch_normal_(&gen, dt, buf, n, a, b, &err);
        if (rc)
            die(err.msg, NULL);
        emit(buf, bytes);
        free(buf);
    } else if (!strcmp(cmd, "randperm")) {
        int64_t n = strtoll(strtok(NULL, " \t\r\n"), NULL, 10);
        int64_t *p = xmalloc((size_t)n * 8);
        if (nninit_torch_randperm(&gen, n, p, &err))
            die(err.msg, NULL);
        emit(p, (size_t)n * 8);
        free(p);
    } else if (!strcmp(cmd, "module")) {
        nninit_dtype dt = parse_dtype(strtok(NULL, " \t\r\n"));
        nninit_torch_module kind;
        if (nninit_torch_module_parse(strtok(NULL, " \t\r\n"), &kind, &err))
            die(err.msg, NULL);
        nninit_torch_layer l = nninit_torch_layer_make(kind);
        for (char *kv; (kv = strtok(NULL, " \t\r\n"));) {
            char *eq = strchr(kv, '=');
            if (!eq)
                die("expected key=value", kv);
            *eq = '\0';
            set_layer(&l, kv, eq + 1);
        }
        int count;
        if (nninit_torch_layer_tensors(&l, NULL, 0, &count, &err))
            die(err.msg, NULL);
        nninit_torch_tensor *t = xmalloc((size_t)count * sizeof *t);
        void **bufs = xmalloc((size_t)count * sizeof *bufs);
        size_t *bytes = xmalloc((size_t)count * sizeof *bytes);
        nninit_torch_layer_tensors(&l, t, count, &count, NULL);
        for (int i = 0; i < count; i++) {
            bytes[i] = t[i].int64 ? 8
                                  : (size_t)nninit_shape_numel(&t[i].shape) *
                                        nninit_dtype_size(dt);
            bufs[i] = xmalloc(bytes[i]);
        }
        if (nninit_torch_layer_init(&gen, &l, dt, bufs, NULL, &err))
            die(err.msg, nninit_torch_module_name(kind));
        for (int i = 0; i < count; i++) {
            if (names) {
                fprintf(names, "%s ", t[i].name);
                for (int d = 0; d < t[i].shape.ndim; d++)
                    fprintf(names, "%s%" PRId64, d ? "," : "", t[i].shape.dim[d]);
                fprintf(names, "%s\n", t[i].buffer ? " buffer" : "");
            }
            emit(bufs[i], bytes[i]);
            free(bufs[i]);
        }
        free(bufs);
        free(bytes);
        free(t);
    } else {
        die("unknown command", cmd);
    }
}

int main(int argc, char **argv)
{
    char line[4096];
    if (argc > 1 && !(names = fopen(argv[1], "w")))
        die("cannot open", argv[1]);
    nninit_torch_gen_init(&gen, 0, NNINIT_TORCH_KERNEL_AVX2);
    while (fgets(line, sizeof line, stdin)) {
        line_no++;
        run(line);
    }
    if (names && fclose(names) != 0)
        die("cannot write", argv[1]);
    return fflush(stdout) == 0 ? 0 : 1;
}
