/*
 * cmd_init.c: nninit init MODEL -o OUT.safetensors|OUT.npz|OUT.gguf
 *
 * Every tensor of the model, initialized as `nninit plan` says, streamed to
 * the output in bounded memory through a temporary file renamed at the
 * end. Ctrl-C (or SIGTERM, SIGHUP) stops at the next chunk and removes the
 * temporary file; the output name is never left partial.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
    O_HELP = 1,
    O_OUTPUT,
    O_THREADS,
    O_QUIET,
    O_CHUNK,
    O_SIMD,
    O_FORMAT,
    O_SHARD
};

static const cli_opt init_opts[] = {
    {"help", 0, O_HELP},       {"h", 0, O_HELP},
    {"output", 1, O_OUTPUT},   {"o", 1, O_OUTPUT},
    {"threads", 1, O_THREADS}, {"quiet", 0, O_QUIET},
    {"q", 0, O_QUIET},         {"chunk-mb", 1, O_CHUNK},
    {"simd", 1, O_SIMD},       {"format", 1, O_FORMAT},
    {"max-shard-size", 1, O_SHARD},
    CLI_MODEL_OPTS,            {NULL, 0, 0}};

static void help(void)
{
    printf(
        "usage: nninit init MODEL -o OUT.safetensors|OUT.npz|OUT.gguf "
        "[options]\n"
        "\n"
        "Initialize every tensor of MODEL as `nninit plan MODEL` shows and\n"
        "write them to OUT (the format follows its extension), in bounded\n"
        "memory, atomically: OUT appears only when complete. A symlink is\n"
        "followed (the file it points at is replaced); a device or a pipe\n"
        "(/dev/null, /dev/stdout) is written in place, not atomically.\n"
        "\n"
        "MODEL is a description (.yaml, .yml, .json: layers and rules) or a\n"
        "checkpoint (.safetensors, .npz, .gguf, a sharded checkpoint's\n"
        ".safetensors.index.json or the first split of a GGUF): its names,\n"
        "shapes and types are kept, its values re-initialized (integer\n"
        "tensors are copied).\n"
        "\n"
        "formats:\n");
    for (int f = 0; f < NNINIT_FORMAT_COUNT; f++) {
        const nninit_format_info *fi = nninit_format_get((nninit_format)f);
        printf("  %-12s %s\n", fi->name, fi->about);
        if (fi->shards)
            printf("  %-12s sharded: %s\n", "", fi->sharded);
    }
    printf(
        "\n"
        "options:\n"
        "  -o, --output OUT    the file to write (required)\n"
        "  --format F          the format (default: from OUT's extension)\n"
        "  --max-shard-size S  write shards of at most S tensor bytes (5GB,\n"
        "                      500MB, 2GiB; GB = 10^9), packed in plan\n"
        "                      order; a larger tensor gets a shard alone.\n"
        "                      The shards appear first, the index last, only\n"
        "                      when all are complete. One shard: plain OUT\n");
    cli_model_help();
    printf(
        "  --seed N            64-bit seed (default 0)\n"
        "  --rng philox|torch  philox (default): each tensor's stream comes\n"
        "                      from its name; torch: PyTorch's generator,\n"
        "                      bit-exact with --preset torch, gpt2, llama\n"
        "                      (one process)\n"
        "  --torch-kernel K    avx2 (default) or default: which of PyTorch's\n"
        "                      CPU kernels --rng torch reproduces\n"
        "  --torch-version V   2.6 (default) or 1.13: which PyTorch release\n"
        "                      --rng torch reproduces\n"
        "  --dtype T           f32 (default for descriptions), f64, f16,\n"
        "                      bf16; checkpoints keep their types unless set\n"
        "  --rules FILE        more rules (YAML/JSON with rules: [...])\n"
        "  --threads T         worker threads (default: online CPUs)\n"
        "  --simd P            auto (default), scalar, avx2 or avx512: the\n"
        "                      code path; every path gives the same bytes\n"
        "  --chunk-mb N        memory per chunk (default 16)\n"
        "  -q, --quiet         no progress bar and no summary\n"
        "\n"
        "Under mpirun, nninit-mpi shares the work among the processes (whole\n"
        "shards, or byte ranges of each file) and writes the same bytes.\n");
}

static volatile sig_atomic_t stop_signal = 0;

static void on_signal(int sig) { stop_signal = sig; }

typedef struct progress {
    struct timespec start;
    double last;
    int tty, quiet, shown, faulted;
} progress;

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void human(char *buf, size_t n, double bytes)
{
    const char *u[] = {"B", "kB", "MB", "GB", "TB"};
    int k = 0;
    while (bytes >= 1000 && k < 4) {
        bytes /= 1000;
        k++;
    }
    snprintf(buf, n, k ? "%.2f %s" : "%.0f %s", bytes, u[k]);
}

static int on_progress(void *ud, uint64_t done, uint64_t total)
{
    progress *pg = (progress *)ud;
    if (stop_signal)
        return 1;
    if (cli_team_fault(done, total)) {
        pg->faulted = 1;
        return 1;
    }
    if (!pg->tty || pg->quiet)
        return 0;
    double t = seconds_since(&pg->start);
    /* only for jobs longer than about a second, ten times a second */
    if (t < 1.0 || (t - pg->last < 0.1 && done < total))
        return 0;
    pg->last = t;
    pg->shown = 1;
    double f = total ? (double)done / (double)total : 1;
    char bar[31], d[16], tt[16], rate[16];
    int fill = (int)(f * 30);
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    human(d, sizeof d, (double)done);
    human(tt, sizeof tt, (double)total);
    human(rate, sizeof rate, (double)done / t);
    double eta = f > 0 ? t / f - t : 0;
    fprintf(stderr, "\r[%s] %3.0f%%  %s / %s  %s/s  ETA %.0fs   ", bar,
            100 * f, d, tt, rate, eta);
    fflush(stderr);
    return 0;
}

int cmd_init(int argc, char **argv)
{
    const char *out = NULL, *format = NULL;
    uint64_t max_shard = 0;
    nninit_error err;
    int threads = cli_default_threads(), quiet = 0, chunk_mb = 16;
    nninit_simd simd = NNINIT_SIMD_AUTO;
    cli_model cm;
    cli_model_init(&cm);
    cli_parser p;
    cli_init(&p, argc, argv, 1, init_opts);
    for (int k; (k = cli_next(&p)) != CLI_END;) {
        int rc = 0;
        switch (k) {
        case CLI_ERROR:
            return EXIT_BAD_INPUT;
        case O_HELP:
            help();
            return 0;
        case CLI_POSITIONAL:
            if (cm.path)
                return cli_error(EXIT_BAD_INPUT,
                                 "unexpected argument '%s' (one MODEL only)",
                                 p.value);
            cm.path = p.value;
            break;
        case O_OUTPUT:
            out = p.value;
            break;
        case O_FORMAT:
            format = p.value;
            break;
        case O_SHARD:
            if (nninit_size_parse(p.value, &max_shard, &err))
                rc = cli_error(EXIT_BAD_INPUT, "--max-shard-size: %s",
                               err.msg);
            break;
        case O_THREADS:
            if ((rc = cli_int("threads", p.value, &threads)))
                break;
            if (threads < 1)
                rc = cli_error(EXIT_BAD_INPUT, "--threads must be >= 1 (got "
                                               "%d)", threads);
            break;
        case O_CHUNK:
            if ((rc = cli_int("chunk-mb", p.value, &chunk_mb)))
                break;
            if (chunk_mb < 1 || chunk_mb > 4096)
                rc = cli_error(EXIT_BAD_INPUT,
                               "--chunk-mb must be 1 to 4096 (got %d)",
                               chunk_mb);
            break;
        case O_QUIET:
            quiet = 1;
            break;
        case O_SIMD:
            rc = cli_simd(p.value, &simd);
            break;
        default:
            rc = cli_model_option(&cm, k, p.value);
            break;
        }
        if (rc)
            return rc;
    }
    nninit_format fmt;
    if (!out)
        return cli_error(EXIT_BAD_INPUT, "missing -o OUT (.safetensors, .npz "
                                         "or .gguf)");
    if (format ? nninit_format_parse(format, &fmt, &err)
               : nninit_format_from_path(out, &fmt, &err))
        return cli_error(EXIT_BAD_INPUT, format ? "--format: %s"
                                                : "%s (or give --format)",
                         err.msg);
    const nninit_team *team = cli_team();
    int rc = cli_model_load(&cm);
    /* every process read the model, or all stop (one says why) */
    if (cli_team_check(rc) >= 0) {
        cli_model_free(&cm);
        return rc ? rc : EXIT_RUNTIME;
    }
    progress pg;
    memset(&pg, 0, sizeof pg);
    clock_gettime(CLOCK_MONOTONIC, &pg.start);
    pg.tty = isatty(2);
    pg.quiet = quiet;
    nninit_write_opts wo = nninit_write_opts_default();
    wo.fill.threads = threads;
    wo.fill.simd = simd;
    wo.source = cm.ck;
    wo.progress = on_progress;
    wo.progress_ud = &pg;
    wo.chunk_bytes = (size_t)chunk_mb << 20;
    wo.max_shard_bytes = max_shard;
    wo.team = team;
    pg.quiet |= team && team->rank != 0; /* one progress bar */
    struct sigaction sa, old_int, old_term, old_hup;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup); /* the terminal went away */
    rc = nninit_plan_write(cm.plan, out, fmt, &wo, &err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    if (pg.shown)
        fprintf(stderr, "\n");
    if (rc) {
        int sig = stop_signal;
        cli_model_free(&cm);
        if (pg.faulted)
            return cli_error(EXIT_RUNTIME, "process %d: a test's injected "
                                           "failure; '%s' was not written",
                             team ? team->rank : 0, out);
        if (sig)
            return cli_error(128 + sig, "interrupted; '%s' was not written",
                             out);
        return cli_error(cli_status_exit(rc), "%s", err.msg);
    }
    if (!quiet && cli_team_prints()) {
        cli_model_notes(&cm);
        char b[16];
        uint64_t params = 0;
        for (size_t i = 0; i < nninit_plan_size(cm.plan); i++)
            params += nninit_shape_numel(nninit_plan_get(cm.plan, i)->shape);
        human(b, sizeof b, (double)nninit_plan_bytes(cm.plan));
        fprintf(stderr, "nninit: wrote %s: %zu tensors, %llu parameters, %s "
                        "in %.2f s\n",
                out, nninit_plan_size(cm.plan), (unsigned long long)params, b,
                seconds_since(&pg.start));
    }
    cli_model_free(&cm);
    return 0;
}
