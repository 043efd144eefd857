/*
 * cmd_sample.c: nninit sample INIT --shape ... -o FILE.npy
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    P_GAIN = 1 << 0,
    P_A = 1 << 1,
    P_MODE = 1 << 2,
    P_NONLIN = 1 << 3,
    P_MEAN = 1 << 4,
    P_STD = 1 << 5,
    P_LOW = 1 << 6,
    P_HIGH = 1 << 7,
    P_TRUNC_A = 1 << 8,
    P_TRUNC_B = 1 << 9,
    P_VALUE = 1 << 10,
    P_SPARSITY = 1 << 11,
    P_GROUPS = 1 << 12,
    P_SCALE = 1 << 13,
    P_DISTRIBUTION = 1 << 14
};

static const char *const param_flag[] = {
    "gain", "a", "mode", "nonlinearity", "mean", "std", "low", "high",
    "trunc-a", "trunc-b", "value", "sparsity", "groups", "scale",
    "distribution"};

/* Which parameters each initializer takes (indexed by nninit_kind). */
static const unsigned kind_params[NNINIT_KIND_COUNT] = {
    [NNINIT_ZEROS] = 0,
    [NNINIT_ONES] = 0,
    [NNINIT_CONSTANT] = P_VALUE,
    [NNINIT_UNIFORM] = P_LOW | P_HIGH,
    [NNINIT_NORMAL] = P_MEAN | P_STD,
    [NNINIT_TRUNC_NORMAL] = P_MEAN | P_STD | P_TRUNC_A | P_TRUNC_B,
    [NNINIT_EYE] = P_GAIN,
    [NNINIT_DIRAC] = P_GROUPS,
    [NNINIT_XAVIER_UNIFORM] = P_GAIN,
    [NNINIT_XAVIER_NORMAL] = P_GAIN,
    [NNINIT_KAIMING_UNIFORM] = P_A | P_MODE | P_NONLIN,
    [NNINIT_KAIMING_NORMAL] = P_A | P_MODE | P_NONLIN,
    [NNINIT_LECUN_UNIFORM] = 0,
    [NNINIT_LECUN_NORMAL] = 0,
    [NNINIT_ORTHOGONAL] = P_GAIN,
    [NNINIT_DELTA_ORTHOGONAL] = P_GAIN,
    [NNINIT_SPARSE] = P_SPARSITY | P_STD,
    [NNINIT_VARIANCE_SCALING] = P_SCALE | P_MODE | P_DISTRIBUTION,
};

enum {
    O_HELP = 1000, O_SHAPE, O_SEED, O_STREAM, O_NAME, O_THREADS, O_DTYPE,
    O_LAYOUT, O_RANGE, O_OUTPUT, O_RNG, O_TORCH_KERNEL
};

static const cli_opt opts[] = {
    {"help", 0, O_HELP}, {"h", 0, O_HELP},
    {"shape", 1, O_SHAPE}, {"seed", 1, O_SEED}, {"stream", 1, O_STREAM},
    {"name", 1, O_NAME}, {"threads", 1, O_THREADS}, {"dtype", 1, O_DTYPE},
    {"layout", 1, O_LAYOUT}, {"range", 1, O_RANGE}, {"output", 1, O_OUTPUT},
    {"o", 1, O_OUTPUT}, {"rng", 1, O_RNG}, {"torch-kernel", 1, O_TORCH_KERNEL},
    {"gain", 1, P_GAIN}, {"a", 1, P_A}, {"mode", 1, P_MODE},
    {"nonlinearity", 1, P_NONLIN}, {"mean", 1, P_MEAN}, {"std", 1, P_STD},
    {"low", 1, P_LOW}, {"high", 1, P_HIGH}, {"trunc-a", 1, P_TRUNC_A},
    {"trunc-b", 1, P_TRUNC_B}, {"value", 1, P_VALUE},
    {"sparsity", 1, P_SPARSITY}, {"groups", 1, P_GROUPS},
    {"scale", 1, P_SCALE}, {"distribution", 1, P_DISTRIBUTION},
    {NULL, 0, 0}};

static void help(void)
{
    printf(
        "usage: nninit sample INIT --shape D0,D1[,...] -o FILE.npy [options]\n"
        "\n"
        "Initialize one tensor and write it as a NumPy .npy file (C order).\n"
        "Element i depends only on (seed, stream, i, INIT, parameters, dtype):\n"
        "the same bytes at any --threads, for any --range, on any CPU path.\n"
        "\n"
        "INIT: zeros ones constant uniform normal trunc_normal eye dirac\n"
        "      xavier_uniform xavier_normal kaiming_uniform kaiming_normal\n"
        "      lecun_uniform lecun_normal orthogonal delta_orthogonal sparse\n"
        "      variance_scaling; aliases glorot_* he_* identity\n"
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
        "  --dtype f32|f64|f16 element type (default f32)\n"
        "  --layout torch|keras  where in/out sit in the shape (default torch)\n"
        "  --range BEGIN:END   write only elements [BEGIN, END) of the\n"
        "                      flattened tensor, as a 1-D array\n"
        "  --rng philox|torch  generator (default philox). torch: exactly what\n"
        "                      torch.manual_seed(SEED) followed by the one\n"
        "                      nn.init.INIT_ call on a fresh tensor gives in\n"
        "                      PyTorch 1.13 (CPU); no --stream/--name, layout\n"
        "                      torch only; f32, f64, f16 (not for trunc_normal,\n"
        "                      orthogonal); --threads only splits work\n"
        "  --torch-kernel avx2|default   which PyTorch CPU kernels to match\n"
        "                      (default avx2, as on x86-64 with AVX2;\n"
        "                      default = ATEN_CPU_CAPABILITY=default)\n"
        "\n"
        "parameters (defaults: PyTorch's, else Keras's):\n"
        "  --gain G            xavier_*, orthogonal, delta_orthogonal, eye (1)\n"
        "  --a A --mode M --nonlinearity NL   kaiming_* (0, fan_in, leaky_relu)\n"
        "  --mean M --std S    normal (0, 1), trunc_normal (0, 1), sparse std "
        "(0.01)\n"
        "  --low L --high H    uniform (0, 1)\n"
        "  --trunc-a A --trunc-b B   trunc_normal absolute bounds (-2, 2)\n"
        "  --value V           constant (required)\n"
        "  --sparsity S        sparse: fraction of zeros per column (required)\n"
        "  --groups G          dirac (1)\n"
        "  --scale S --mode M --distribution D   variance_scaling (1, fan_in,\n"
        "                      truncated_normal; normal means untruncated)\n");
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

static int apply_param(nninit_spec *s, int key, const char *v,
                       nninit_error *err)
{
    int rc = 0;
    switch (key) {
    case P_GAIN: rc = cli_finite("gain", v, &s->gain); break;
    case P_A: rc = cli_finite("a", v, &s->a); break;
    case P_MEAN: rc = cli_finite("mean", v, &s->mean); break;
    case P_STD: rc = cli_finite("std", v, &s->std); break;
    case P_LOW: rc = cli_finite("low", v, &s->low); break;
    case P_HIGH: rc = cli_finite("high", v, &s->high); break;
    case P_TRUNC_A: rc = cli_finite("trunc-a", v, &s->trunc_a); break;
    case P_TRUNC_B: rc = cli_finite("trunc-b", v, &s->trunc_b); break;
    case P_VALUE: rc = cli_finite("value", v, &s->value); break;
    case P_SPARSITY: rc = cli_finite("sparsity", v, &s->sparsity); break;
    case P_SCALE: rc = cli_finite("scale", v, &s->scale); break;
    case P_GROUPS: rc = cli_int("groups", v, &s->groups); break;
    case P_MODE:
        if (nninit_mode_parse(v, &s->mode, err))
            rc = cli_error(EXIT_BAD_INPUT, "%s", err->msg);
        break;
    case P_NONLIN:
        if (nninit_nonlinearity_parse(v, &s->nonlinearity, err))
            rc = cli_error(EXIT_BAD_INPUT, "%s", err->msg);
        break;
    case P_DISTRIBUTION:
        if (nninit_distribution_parse(v, &s->distribution, err))
            rc = cli_error(EXIT_BAD_INPUT, "%s", err->msg);
        break;
    }
    return rc;
}

static void list_params(unsigned mask, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < sizeof param_flag / sizeof *param_flag; i++)
        if (mask & (1u << i))
            at += (size_t)snprintf(buf + at, size - at, "%s--%s",
                                   at ? ", " : "", param_flag[i]);
    if (!at)
        snprintf(buf, size, "none");
}

/* Open the output and write the .npy header of out_shape, with the whole
 * file (the header and `bytes` of data) reserved first, so a disk or a file-size limit that is too small
 * fails before anything is computed. 0 or an exit code (message printed;
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
                        nninit_torch_kernel kernel, int threads, uint64_t begin,
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
    g->threads = threads;
    rc = nninit_torch_init(g, spec, shape, dtype, buf, NULL, &err);
    free(g);
    if (rc == NNINIT_ENOTSUP) { /* a combination torch mode does not offer */
        free(buf);
        nninit_ofile_abort(&f);
        return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
    }
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
    struct {
        int key;
        const char *value;
    } params[32];
    int nparams = 0;
    unsigned given = 0;

    cli_parser p;
    cli_init(&p, argc, argv, 1, opts);
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
        case O_RNG:
            if (!strcmp(p.value, "torch"))
                rng_torch = 1;
            else if (!strcmp(p.value, "philox"))
                rng_torch = 0;
            else
                return cli_error(EXIT_BAD_INPUT,
                                 "--rng: unknown generator '%s' (expected "
                                 "philox or torch)", p.value);
            break;
        case O_TORCH_KERNEL:
            if (nninit_torch_kernel_parse(p.value, &tkernel, &err))
                return cli_error(EXIT_BAD_INPUT, "--torch-kernel: %s",
                                 err.msg);
            kernel_given = 1;
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
            params[nparams].key = k;
            params[nparams++].value = p.value;
            given |= (unsigned)k;
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
    unsigned extra = given & ~kind_params[kind];
    if (extra) {
        char allowed[200], bad[200];
        list_params(kind_params[kind], allowed, sizeof allowed);
        list_params(extra, bad, sizeof bad);
        return cli_error(EXIT_BAD_INPUT, "%s does not take %s (it takes: %s)",
                         nninit_kind_name(kind), bad, allowed);
    }
    for (int i = 0; i < nparams; i++)
        if (apply_param(&spec, params[i].key, params[i].value, &err))
            return EXIT_BAD_INPUT;
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
        return sample_torch(&spec, &shape, dtype, fo.seed, tkernel,
                            fo.threads, begin, end, &out_shape, out_bytes,
                            out_path);
    }
    if (kernel_given)
        return cli_error(EXIT_BAD_INPUT, "--torch-kernel needs --rng torch");

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
        if (rc == NNINIT_OK)
            rc = nninit_ofile_write(&f, buf, (size_t)((stop - at) * es), &err);
    }
    free(buf);
    return close_npy(&f, rc, &err);
}
