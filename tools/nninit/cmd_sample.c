/*
 * cmd_sample.c: nninit sample INIT --shape ... -o FILE.npy
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Option keys: the initializer parameters are 1 .. NNINIT_PARAM_COUNT
 * (parameter p is key p + 1), the rest from 1000. */
enum {
    O_HELP = 1000, O_SHAPE, O_SEED, O_STREAM, O_NAME, O_THREADS, O_DTYPE,
    O_LAYOUT, O_RANGE, O_OUTPUT, O_RNG, O_TORCH_KERNEL, O_TORCH_VERSION, O_SIMD
};

static const cli_opt opts[] = {
    {"help", 0, O_HELP}, {"h", 0, O_HELP},
    {"shape", 1, O_SHAPE}, {"seed", 1, O_SEED}, {"stream", 1, O_STREAM},
    {"name", 1, O_NAME}, {"threads", 1, O_THREADS}, {"dtype", 1, O_DTYPE},
    {"layout", 1, O_LAYOUT}, {"range", 1, O_RANGE}, {"output", 1, O_OUTPUT},
    {"o", 1, O_OUTPUT}, {"rng", 1, O_RNG}, {"torch-kernel", 1, O_TORCH_KERNEL},
    {"torch-version", 1, O_TORCH_VERSION}, {"simd", 1, O_SIMD},
    {NULL, 0, 0}};

#define NOPTS (sizeof opts / sizeof *opts)

/* A parameter as an option: "--trunc-a". */
static const char *flag(int p, char *buf, size_t size)
{
    snprintf(buf, size, "%s", nninit_param_name((nninit_param)p));
    for (char *c = buf; *c; c++)
        if (*c == '_')
            *c = '-';
    return buf;
}

/* The fixed options, then one per initializer parameter from the table. */
static void all_options(cli_opt *all, char (*names)[32])
{
    memcpy(all, opts, sizeof opts);
    for (int p = 0; p < NNINIT_PARAM_COUNT; p++) {
        cli_opt o = {flag(p, names[p], sizeof names[p]), 1, p + 1};
        all[NOPTS - 1 + (size_t)p] = o;
    }
    cli_opt end = {NULL, 0, 0};
    all[NOPTS - 1 + NNINIT_PARAM_COUNT] = end;
}

/* "--gain, --a" for the parameters in mask; "none" if empty. */
static void list_flags(uint32_t mask, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int p = 0; p < NNINIT_PARAM_COUNT && at + 1 < size; p++)
        if (mask >> p & 1u) {
            char f[32];
            int n = snprintf(buf + at, size - at, "%s--%s", at ? ", " : "",
                             flag(p, f, sizeof f));
            at = n < 0 ? size : at + (size_t)n;
        }
    if (!buf[0])
        snprintf(buf, size, "none");
}

/* "  LABEL  text" with text wrapped at word boundaries under itself, so
 * lines stay within 79 columns. */
static void wrapped(const char *label, const char *text)
{
    enum { INDENT = 21, WIDTH = 79 };
    printf("  %-18s ", label);
    int col = INDENT;
    while (*text) {
        size_t w = strcspn(text, " ");
        if (col > INDENT && col + 1 + (int)w > WIDTH) {
            printf("\n%*s", INDENT, "");
            col = INDENT;
        } else if (col > INDENT) {
            putchar(' ');
            col++;
        }
        printf("%.*s", (int)w, text);
        col += (int)w;
        text += w;
        while (*text == ' ')
            text++;
    }
    putchar('\n');
}

/* One initializer in the help: name and formula, then its parameters with
 * their defaults and its other names. */
static void help_kind(nninit_kind k)
{
    const nninit_kind_info *info = nninit_kind_info_get(k);
    nninit_spec s = nninit_spec_make(k);
    wrapped(nninit_kind_name(k), info->formula);
    char line[256] = "";
    size_t at = 0;
    for (int p = 0; p < NNINIT_PARAM_COUNT; p++) {
        if (!(info->params >> p & 1u))
            continue;
        char f[32], v[48];
        if (info->required >> p & 1u)
            snprintf(v, sizeof v, "(required)");
        else
            nninit_spec_format_value(&s, (nninit_param)p, v, sizeof v);
        at += (size_t)snprintf(line + at, sizeof line - at, "%s--%s %s",
                               at ? "  " : "", flag(p, f, sizeof f), v);
    }
    const nninit_names *names = nninit_kind_names();
    for (const nninit_name_alias *a = names->aliases; a && a->name; a++)
        if (a->value == (int)k)
            at += (size_t)snprintf(line + at, sizeof line - at, "%s(alias %s)",
                                   at ? "  " : "", a->name);
    if (at)
        wrapped("", line);
}

static void help(void)
{
    printf(
        "usage: nninit sample INIT --shape D0,D1[,...] -o FILE.npy [options]\n"
        "\n"
        "Initialize one tensor and write it as a NumPy .npy file (C order).\n"
        "Element i depends only on (seed, stream, i, INIT, parameters, dtype):\n"
        "the same bytes at any --threads, for any --range, on any CPU path.\n"
        "\n"
        "options:\n"
        "  --shape D0,D1,...   tensor shape (required)\n"
        "  -o, --output FILE   output .npy file (required; written atomically;\n"
        "                      a device or pipe such as /dev/stdout in place)\n"
        "  --seed N            64-bit seed (default 0; negatives wrap)\n"
        "  --stream N          stream id (default 0)\n"
        "  --name NAME         take the stream id from a tensor name, as\n"
        "                      'nninit init' does (e.g. fc1.weight)\n"
        "  --threads T         worker threads (default: online CPUs)\n"
        "  --simd auto|scalar|avx2|avx512  code path (default auto: the best\n"
        "                      this CPU runs; every path gives the same bytes)\n"
        "  --dtype f32|f64|f16 element type (default f32)\n"
        "  --layout torch|keras  where in/out sit in the shape (default torch)\n"
        "  --range BEGIN:END   write only elements [BEGIN, END) of the\n"
        "                      flattened tensor, as a 1-D array\n"
        "  --rng philox|torch  generator (default philox). torch: exactly what\n"
        "                      torch.manual_seed(SEED) followed by the one\n"
        "                      nn.init.INIT_ call on a fresh tensor gives in\n"
        "                      PyTorch (CPU); no --stream/--name, layout\n"
        "                      torch only; f32, f64, f16 (not for orthogonal;\n"
        "                      trunc_normal: 2.6); --threads only splits work\n"
        "  --torch-kernel avx2|default   which PyTorch CPU kernels to match\n"
        "                      (default avx2, as on x86-64 with AVX2;\n"
        "                      default = ATEN_CPU_CAPABILITY=default)\n"
        "  --torch-version 2.6|1.13   which PyTorch release to match (default\n"
        "                      2.6; they differ in f16 normal_/trunc_normal_)\n"
        "\n"
        "INIT, what it draws, and its parameters with their defaults\n"
        "(PyTorch's where PyTorch has the initializer, else Keras's):\n");
    for (int k = 0; k < NNINIT_KIND_COUNT; k++)
        help_kind((nninit_kind)k);
    printf("\nparameters:\n");
    for (int p = 0; p < NNINIT_PARAM_COUNT; p++) {
        const nninit_param_info *pi = nninit_param_info_get((nninit_param)p);
        char f[32], opt[40], text[400], list[300] = "";
        snprintf(opt, sizeof opt, "--%s", flag(p, f, sizeof f));
        if (pi->choices)
            nninit_names_list(pi->choices, list, sizeof list);
        snprintf(text, sizeof text, "%s%s%s", pi->help,
                 pi->choices ? ": " : "", list);
        wrapped(opt, text);
    }
}

static int parse_range(const char *text, uint64_t *b, uint64_t *e)
{
    const char *colon = strchr(text, ':');
    if (!colon)
        return cli_error(EXIT_BAD_INPUT,
                         "--range: '%s' is not BEGIN:END", text);
    char buf[64];
    size_t n = (size_t)(colon - text);
    if (n == 0 || n >= sizeof buf || colon[1] == '\0')
        return cli_error(EXIT_BAD_INPUT,
                         "--range: '%s' is not BEGIN:END", text);
    memcpy(buf, text, n);
    buf[n] = '\0';
    if (cli_u64("range", buf, b) || cli_u64("range", colon + 1, e))
        return EXIT_BAD_INPUT;
    if (*b > *e)
        return cli_error(EXIT_BAD_INPUT,
                         "--range: begin %llu is after end %llu",
                         (unsigned long long)*b, (unsigned long long)*e);
    return 0;
}

/* Open the output and write the .npy header of out_shape, with the whole
 * file (the header and `bytes` of data) reserved first, so a disk or a
 * file-size limit that is too small fails before anything is computed. 0 or an exit code (message printed;
 * nothing is left under the name). */
static int open_npy(const char *path, nninit_dtype dtype,
                    const nninit_shape *out_shape, uint64_t bytes,
                    nninit_ofile *f)
{
    nninit_error err;
    char hdr[512];
    size_t hlen;
    int rc = nninit_npy_header(hdr, sizeof hdr, dtype, out_shape, &hlen, &err);
    if (rc)
        return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
    if ((rc = nninit_ofile_open(f, path, &err)))
        return cli_error(cli_status_exit(rc), "%s", err.msg);
    rc = nninit_ofile_reserve(f, hlen + bytes, &err);
    if (rc == NNINIT_OK)
        rc = nninit_ofile_write(f, hdr, hlen, &err);
    if (rc) {
        nninit_ofile_abort(f);
        return cli_error(cli_status_exit(rc), "%s", err.msg);
    }
    return 0;
}

/* Commit f, or abort it when rc (an error already in err) says so. */
static int close_npy(nninit_ofile *f, int rc, nninit_error *err)
{
    if (rc) {
        nninit_ofile_abort(f);
        return cli_error(cli_status_exit(rc), "%s", err->msg);
    }
    if ((rc = nninit_ofile_commit(f, err)))
        return cli_error(cli_status_exit(rc), "%s", err->msg);
    return 0;
}

/* --rng torch: the whole tensor at once (PyTorch's generator is
 * sequential), then the asked-for range is written. */
static int sample_torch(const nninit_spec *spec, const nninit_shape *shape,
                        nninit_dtype dtype, uint64_t seed,
                        nninit_torch_kernel kernel,
                        nninit_torch_version version, int threads,
                        nninit_simd simd, uint64_t begin,
                        uint64_t end, const nninit_shape *out_shape,
                        uint64_t out_bytes, const char *out_path)
{
    nninit_error err;
    uint64_t numel = nninit_shape_numel(shape);
    size_t es = nninit_dtype_size(dtype);
    if (numel > SIZE_MAX / es)
        return cli_error(EXIT_RUNTIME, "tensor too large for this machine");
    void *buf = malloc(numel ? (size_t)(numel * es) : 1);
    nninit_torch_gen *g = malloc(sizeof *g);
    if (!buf || !g) {
        free(buf);
        free(g);
        return cli_error(EXIT_RUNTIME, "out of memory for %llu elements",
                         (unsigned long long)numel);
    }
    nninit_ofile f;
    int rc = open_npy(out_path, dtype, out_shape, out_bytes, &f);
    if (rc) {
        free(buf);
        free(g);
        return rc;
    }
    nninit_torch_gen_init(g, seed, kernel);
    g->version = version;
    g->threads = threads;
    g->simd = simd;
    rc = nninit_torch_init(g, spec, shape, dtype, buf, NULL, &err);
    free(g);
    if (rc == NNINIT_ENOTSUP) { /* a combination torch mode does not offer */
        free(buf);
        nninit_ofile_abort(&f);
        return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
    }
    nninit_to_little_endian((char *)buf + begin * es, (size_t)(end - begin),
                            es); /* .npy '<' types */
    if (rc == NNINIT_OK && end > begin)
        rc = nninit_ofile_write(&f, (char *)buf + begin * es,
                                (size_t)((end - begin) * es), &err);
    free(buf);
    return close_npy(&f, rc, &err);
}

/* Elements per pass when streaming an elementwise initializer to disk. */
#define STREAM_CHUNK (UINT64_C(1) << 22)

int cmd_sample(int argc, char **argv)
{
    nninit_error err;
    const char *init_name = NULL, *shape_text = NULL, *out_path = NULL;
    const char *range_text = NULL;
    nninit_fill_opts fo = nninit_fill_opts_default();
    fo.threads = cli_default_threads();
    nninit_dtype dtype = NNINIT_F32;
    nninit_layout layout = NNINIT_LAYOUT_TORCH;
    int rng_torch = 0, stream_given = 0, layout_given = 0, kernel_given = 0;
    nninit_torch_kernel tkernel = NNINIT_TORCH_KERNEL_AVX2;
    nninit_torch_version tversion = NNINIT_TORCH_2_6;
    struct {
        int param;
        const char *value;
    } params[32];
    int nparams = 0;
    uint32_t given = 0;

    cli_opt all[NOPTS + NNINIT_PARAM_COUNT];
    char names[NNINIT_PARAM_COUNT][32];
    all_options(all, names);
    cli_parser p;
    cli_init(&p, argc, argv, 1, all);
    for (int k; (k = cli_next(&p)) != CLI_END;) {
        switch (k) {
        case CLI_ERROR:
            return EXIT_BAD_INPUT;
        case CLI_POSITIONAL:
            if (init_name)
                return cli_error(EXIT_BAD_INPUT,
                                 "unexpected argument '%s' (one INIT only)",
                                 p.value);
            init_name = p.value;
            break;
        case O_HELP:
            help();
            return 0;
        case O_SHAPE: shape_text = p.value; break;
        case O_OUTPUT: out_path = p.value; break;
        case O_RANGE: range_text = p.value; break;
        case O_SEED:
            if (cli_seed("seed", p.value, &fo.seed))
                return EXIT_BAD_INPUT;
            break;
        case O_STREAM:
            if (cli_u64("stream", p.value, &fo.stream))
                return EXIT_BAD_INPUT;
            stream_given = 1;
            break;
        case O_NAME:
            fo.stream = nninit_stream_from_name(p.value);
            stream_given = 1;
            break;
        case O_RNG: {
            nninit_rng_kind rk;
            if (nninit_rng_kind_parse(p.value, &rk, &err))
                return cli_error(EXIT_BAD_INPUT, "--rng: %s", err.msg);
            rng_torch = rk == NNINIT_RNG_TORCH;
            break;
        }
        case O_TORCH_KERNEL:
            if (nninit_torch_kernel_parse(p.value, &tkernel, &err))
                return cli_error(EXIT_BAD_INPUT, "--torch-kernel: %s",
                                 err.msg);
            kernel_given = 1;
            break;
        case O_TORCH_VERSION:
            if (nninit_torch_version_parse(p.value, &tversion, &err))
                return cli_error(EXIT_BAD_INPUT, "--torch-version: %s",
                                 err.msg);
            kernel_given = 1; /* means nothing without --rng torch either */
            break;
        case O_SIMD:
            if (cli_simd(p.value, &fo.simd))
                return EXIT_BAD_INPUT;
            break;
        case O_THREADS:
            if (cli_int("threads", p.value, &fo.threads))
                return EXIT_BAD_INPUT;
            if (fo.threads < 1)
                return cli_error(EXIT_BAD_INPUT,
                                 "--threads must be >= 1 (got %d)", fo.threads);
            break;
        case O_DTYPE:
            if (nninit_dtype_parse(p.value, &dtype, &err))
                return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
            break;
        case O_LAYOUT:
            if (nninit_layout_parse(p.value, &layout, &err))
                return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
            layout_given = 1;
            break;
        default: /* an initializer parameter: apply once INIT is known */
            if (nparams == 32)
                return cli_error(EXIT_BAD_INPUT, "too many parameters");
            params[nparams].param = k - 1;
            params[nparams++].value = p.value;
            given |= 1u << (k - 1);
            break;
        }
    }
    if (!init_name)
        return cli_error(EXIT_BAD_INPUT,
                         "missing INIT (e.g. nninit sample xavier_uniform "
                         "--shape 50,10 -o w.npy)");
    nninit_kind kind;
    if (nninit_kind_parse(init_name, &kind, &err))
        return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
    nninit_spec spec = nninit_spec_make(kind);
    uint32_t takes = nninit_kind_info_get(kind)->params;
    if (given & ~takes) {
        char allowed[200], bad[200];
        list_flags(takes, allowed, sizeof allowed);
        list_flags(given & ~takes, bad, sizeof bad);
        return cli_error(EXIT_BAD_INPUT, "%s does not take %s (it takes: %s)",
                         nninit_kind_name(kind), bad, allowed);
    }
    for (int i = 0; i < nparams; i++)
        if (nninit_spec_set(&spec, nninit_param_name(params[i].param),
                            params[i].value, &err))
            return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
    if (!shape_text)
        return cli_error(EXIT_BAD_INPUT, "missing --shape (e.g. --shape 50,10)");
    nninit_shape shape;
    if (nninit_shape_parse(shape_text, &shape, &err))
        return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
    if (dtype == NNINIT_BF16)
        return cli_error(EXIT_BAD_INPUT,
                         "--dtype bf16 cannot be stored in .npy (NumPy has no "
                         "bfloat16); use f32, f64 or f16");
    nninit_resolved res;
    if (nninit_resolve(&spec, &shape, layout, &res, &err))
        return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
    uint64_t numel = nninit_shape_numel(&shape), begin = 0, end = numel;
    nninit_shape out_shape = shape;
    if (range_text) {
        if (parse_range(range_text, &begin, &end))
            return EXIT_BAD_INPUT;
        if (end > numel)
            return cli_error(EXIT_BAD_INPUT,
                             "--range %llu:%llu is outside the tensor's %llu "
                             "elements", (unsigned long long)begin,
                             (unsigned long long)end,
                             (unsigned long long)numel);
        int64_t d = (int64_t)(end - begin);
        nninit_shape_make(&out_shape, 1, &d, NULL);
    }
    if (!out_path)
        return cli_error(EXIT_BAD_INPUT, "missing -o FILE.npy");
    uint64_t out_bytes;
    if (nninit_bytes_of(end - begin, nninit_dtype_size(dtype), &out_bytes,
                        &err))
        return cli_error(EXIT_BAD_INPUT, "the output: %s", err.msg);
    if (rng_torch) {
        if (stream_given)
            return cli_error(EXIT_BAD_INPUT,
                             "--stream and --name have no meaning with --rng "
                             "torch (PyTorch has one generator, seeded by "
                             "--seed)");
        if (layout_given && layout != NNINIT_LAYOUT_TORCH)
            return cli_error(EXIT_BAD_INPUT,
                             "--rng torch uses PyTorch's layout (--layout "
                             "torch)");
        return sample_torch(&spec, &shape, dtype, fo.seed, tkernel, tversion,
                            fo.threads, fo.simd, begin, end, &out_shape,
                            out_bytes,
                            out_path);
    }
    if (kernel_given)
        return cli_error(EXIT_BAD_INPUT,
                         "--torch-kernel and --torch-version need --rng torch");

    size_t es = nninit_dtype_size(dtype);
    /* Elementwise initializers stream in bounded memory; the rest need the
     * whole range at once. */
    uint64_t chunk = res.draw == NNINIT_DRAW_DIST ? STREAM_CHUNK : end - begin;
    if (chunk == 0)
        chunk = 1;
    if (chunk > end - begin && end > begin)
        chunk = end - begin;
    if (chunk > SIZE_MAX / es)
        return cli_error(EXIT_RUNTIME, "range too large for this machine");
    void *buf = malloc((size_t)(chunk * es));
    if (!buf)
        return cli_error(EXIT_RUNTIME, "out of memory for %llu elements",
                         (unsigned long long)chunk);
    nninit_ofile f;
    int rc = open_npy(out_path, dtype, &out_shape, out_bytes, &f);
    if (rc) {
        free(buf);
        return rc;
    }
    for (uint64_t at = begin; rc == NNINIT_OK && at < end; at += chunk) {
        uint64_t stop = end - at < chunk ? end : at + chunk;
        rc = nninit_init(&spec, &shape, layout, dtype, buf, at, stop, &fo,
                         &err);
        nninit_to_little_endian(buf, (size_t)(stop - at), es);
        if (rc == NNINIT_OK)
            rc = nninit_ofile_write(&f, buf, (size_t)((stop - at) * es), &err);
    }
    free(buf);
    return close_npy(&f, rc, &err);
}
