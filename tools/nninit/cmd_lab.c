/*
 * cmd_lab.c: nninit lab NAME [options] [--json FILE] [--plot DIR]
 *
 * Runs one experiment of the lab (libnninit_lab), prints its table, writes
 * its figures as SVG and, with --json, a summary scripts can check.
 */
#include "lab_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    O_HELP = 1, O_SEED, O_JSON, O_PLOT, O_DATA, O_SYNTH, O_THREADS, O_QUIET,
    O_DEPTH, O_WIDTH, O_BATCH, O_EPOCHS, O_STEPS, O_LR, O_INIT, O_ACT, O_ACTS,
    O_CELLS, O_TASK, O_LENGTH, O_HIDDEN, O_LAYERS, O_SIZES, O_OPTIM,
    O_MOMENTUM, O_CLIP, O_NTRAIN, O_NTEST, O_LOG_EVERY, O_CONST_LR, O_SEEDS,
    O_DEPTHS, O_NETS, O_INPUT_STD, O_INPUT_INIT, O_THRESHOLD, O_CLAIMS,
    O_QUICK, O_TINY, O_WIDTHS, O_BASE_WIDTH, O_LRS, O_SCALINGS
};

static const cli_opt lab_opts[] = {
    {"help", 0, O_HELP}, {"h", 0, O_HELP}, {"seed", 1, O_SEED},
    {"json", 1, O_JSON}, {"plot", 1, O_PLOT}, {"data", 1, O_DATA},
    {"synthetic", 0, O_SYNTH}, {"threads", 1, O_THREADS},
    {"quiet", 0, O_QUIET}, {"q", 0, O_QUIET},
    {"depth", 1, O_DEPTH}, {"width", 1, O_WIDTH}, {"batch", 1, O_BATCH},
    {"epochs", 1, O_EPOCHS}, {"steps", 1, O_STEPS}, {"lr", 1, O_LR},
    {"init", 1, O_INIT}, {"act", 1, O_ACT}, {"acts", 1, O_ACTS},
    {"cells", 1, O_CELLS}, {"task", 1, O_TASK}, {"length", 1, O_LENGTH},
    {"hidden", 1, O_HIDDEN}, {"layers", 1, O_LAYERS}, {"sizes", 1, O_SIZES},
    {"optimizer", 1, O_OPTIM}, {"momentum", 1, O_MOMENTUM},
    {"clip", 1, O_CLIP}, {"train-size", 1, O_NTRAIN},
    {"test-size", 1, O_NTEST}, {"log-every", 1, O_LOG_EVERY},
    {"constant-lr", 0, O_CONST_LR}, {"seeds", 1, O_SEEDS},
    {"depths", 1, O_DEPTHS}, {"nets", 1, O_NETS},
    {"input-std", 1, O_INPUT_STD}, {"input-init", 1, O_INPUT_INIT},
    {"threshold", 1, O_THRESHOLD}, {"claims", 0, O_CLAIMS},
    {"quick", 0, O_QUICK}, {"tiny", 0, O_TINY},
    {"widths", 1, O_WIDTHS}, {"base-width", 1, O_BASE_WIDTH},
    {"lrs", 1, O_LRS}, {"scalings", 1, O_SCALINGS},
    {NULL, 0, 0}};

static void help(void)
{
    printf("usage: nninit lab NAME [options] [--json FILE] [--plot DIR]\n"
           "       nninit lab NAME --claims [--quick | --tiny] [--seed N]\n"
           "\n"
           "Experiments that show why initialization matters, measured:\n");
    for (int e = 0; e < NNINIT_LAB_EXP_COUNT; e++) {
        /* the table's one-line summary, wrapped at 79 columns */
        const char *t = nninit_lab_experiment_summary((nninit_lab_experiment)e);
        printf("  %-10s", nninit_lab_experiment_name((nninit_lab_experiment)e));
        while (*t) {
            int n = (int)strlen(t);
            if (n > 66)
                for (n = 66; n > 0 && t[n] != ' '; n--)
                    ;
            printf(" %.*s\n", n, t);
            t += n;
            while (*t == ' ')
                t++;
            if (*t)
                printf("  %-10s", "");
        }
    }
    printf(
        "\n"
        "--claims runs the claims of `nninit demo` that NAME decides, on the\n"
        "tour's own settings and seeds (--quick: fewer seeds and smaller\n"
        "subsets, the same verdicts; --tiny: a smoke test).\n"
        "\n"
        "Output:\n"
        "  --json FILE        a summary (keys: see the README's lab section)\n"
        "  --plot DIR         figures as DIR/<name>.svg\n"
        "  --quiet            no progress on stderr\n"
        "Common options:\n"
        "  --seed N           weights, data order and synthetic data (0)\n"
        "  --threads N        OpenBLAS threads (online CPUs)\n"
        "  --data DIR         Fashion-MNIST directory ($NNINIT_FASHION_MNIST,\n"
        "                     else %s)\n"
        "  --synthetic        spirals / Gaussian inputs instead of Fashion-MNIST\n"
        "  --init SPEC        an initializer to compare; repeat for several.\n"
        "                     SPEC: rule | small (U(-0.01,0.01)) | large (N(0,1))\n"
        "                     | NAME[:key=value,...], e.g. zeros,\n"
        "                     constant:value=0.05, kaiming_normal,\n"
        "                     xavier_uniform:gain=1.6667, orthogonal, eye.\n"
        "                     train: one per layer, or one for all\n"
        "  --depth N --width N --batch N --epochs N --steps N --lr X\n"
        "  --train-size N --test-size N   Fashion-MNIST subset sizes (0: all)\n"
        "Per experiment:\n"
        "  symmetry:   --layers N (hidden layers, 2) --width 64 --act relu\n"
        "              --epochs 3 --train-size 10000 --test-size 2000\n"
        "  signal:     --depth 20 --width 256 --batch 256 --acts tanh,relu\n"
        "  depth:      --depth 30 --width 128 --steps 1000 --batch 64 --lr 0.01\n"
        "              --log-every 25 --act relu\n"
        "  selu:       --depth 64 --width 256 --batch 256 --act selu\n"
        "  isometry:   --width 64 --depths 1,2,4,8,16,32,64 --nets\n"
        "              linear,tanh,rnn --input-std 0.5 (inits: orthogonal,\n"
        "              lecun_normal, lecun_uniform)\n"
        "  deeplinear: --width 32 --depths 2,4,8,16,32 --batch 64 --steps 1500\n"
        "              (the budget) --lr 0.5 (divided by the depth) --threshold\n"
        "              0.05 --log-every 20 (inits: orthogonal, lecun_normal)\n"
        "  rnn:        --task recall|adding|copy --length 100 (adding: the\n"
        "              sequence length; copy, recall: the delay) --hidden 64\n"
        "              --steps 2000 --batch 32 --lr 0.001 --clip 1 --optimizer\n"
        "              adam --cells rnn_tanh,rnn_relu,lstm[,gru] --input-init\n"
        "              rule (recurrent --init: orthogonal, lecun_normal =\n"
        "              Gaussian N(0,1/H), eye)\n"
        "  train:      --sizes 784,256,128,10 --act relu --epochs 10 --batch 128\n"
        "              --optimizer momentum --lr 0.05 --momentum 0.9\n"
        "              (lr decays by a cosine over the epochs; --constant-lr\n"
        "              keeps it); --seeds N repeats with seeds seed..seed+N-1\n"
        "              and summarizes the final accuracy\n"
        "  residual:   --depth 24 (blocks) --width 128 --hidden 512\n"
        "              --batch 256 --scalings none,gpt2,torchtitan,deepnet,\n"
        "              t_fixup,fixup,zero_init\n"
        "  mup:        --widths 64,128,256,512,1024 --base-width 64\n"
        "              --layers 2 (hidden) --act relu --steps 150 --batch\n"
        "              128 --log-every 20 (the loss window) --train-size\n"
        "              10000 --lrs 2^-14,...,2^-4 (numbers: 0.001,0.01)\n"
        "  --init lsuv (depth, signal, selu, symmetry): orthogonal, then\n"
        "              LSUV on a data batch (Mishkin & Matas 2016)\n"
        "\n"
        "Exit status: 0 ok, 1 runtime failure, 2 bad input or missing data\n"
        "(Fashion-MNIST comes from the Debian package dataset-fashion-mnist).\n",
        NNINIT_LAB_FASHION_DIR);
}

/* Parsed options, before they are applied to one experiment's struct. */
typedef struct lab_args {
    uint64_t seed;
    const char *json, *plot, *data;
    int synthetic, threads, quiet, const_lr, seeds, claims;
    nninit_lab_scale scale;
    int depth, width, batch, epochs, steps, length, hidden, layers, n_train,
        n_test, log_every;
    double lr, momentum, clip, input_std, threshold;
    int has_lr, has_momentum, has_clip, has_optim, has_train, has_test;
    nninit_lab_optimizer optim;
    int n_inits;
    nninit_lab_init inits[NNINIT_LAB_MAX_RUNS];
    int has_input_init;
    nninit_lab_init input_init;
    int has_act;
    nninit_activation act;
    int n_acts;
    nninit_activation acts[16];
    int n_cells;
    nninit_lab_cell cells[4];
    int has_task;
    nninit_lab_task task;
    int n_sizes;
    int sizes[17];
    int n_depths;
    int depths[16];
    int n_nets;
    nninit_lab_iso_net nets[3];
    int n_widths;
    int widths[8];
    int base_width;
    int n_lrs;
    double lrs[16];
    int n_schemes;
    int schemes[8];
} lab_args;

static int parse_list(const char *opt, const char *text, int max,
                      int (*one)(const char *, void *, nninit_error *),
                      void *out, size_t elem, int *count)
{
    char buf[512];
    if (strlen(text) >= sizeof buf)
        return cli_error(EXIT_BAD_INPUT, "--%s: list too long", opt);
    strcpy(buf, text);
    *count = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (*count >= max)
            return cli_error(EXIT_BAD_INPUT, "--%s: at most %d entries", opt,
                             max);
        nninit_error err;
        if (one(tok, (char *)out + elem * (size_t)*count, &err))
            return cli_error(EXIT_BAD_INPUT, "--%s: %s", opt, err.msg);
        (*count)++;
    }
    if (!*count)
        return cli_error(EXIT_BAD_INPUT, "--%s: empty list", opt);
    return 0;
}

static int one_act(const char *s, void *out, nninit_error *err)
{
    nninit_activation *a = (nninit_activation *)out;
    int rc = nninit_activation_parse(s, a, err);
    if (!rc && !nninit_lab_act_supported(*a)) {
        snprintf(err->msg, sizeof err->msg,
                 "activation '%s' is not supported by the lab", s);
        return NNINIT_EINVAL;
    }
    return rc;
}

static int one_cell(const char *s, void *out, nninit_error *err)
{
    return nninit_lab_cell_parse(s, (nninit_lab_cell *)out, err);
}

static int one_size(const char *s, void *out, nninit_error *err)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < 1 || v > 65536) {
        snprintf(err->msg, sizeof err->msg,
                 "'%s' is not a width in [1, 65536]", s);
        return NNINIT_EINVAL;
    }
    *(int *)out = (int)v;
    return NNINIT_OK;
}

static int one_lr(const char *s, void *out, nninit_error *err)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v > 0) || !isfinite(v)) {
        snprintf(err->msg, sizeof err->msg,
                 "'%s' is not a learning rate > 0", s);
        return NNINIT_EINVAL;
    }
    *(double *)out = v;
    return NNINIT_OK;
}

/* A depth scaling, or "none" (-1). */
static int one_scheme(const char *s, void *out, nninit_error *err)
{
    nninit_scaling_kind k;
    if (!strcmp(s, "none")) {
        *(int *)out = -1;
        return NNINIT_OK;
    }
    int rc = nninit_scaling_kind_parse(s, &k, err);
    if (!rc && k == NNINIT_SCALING_MUP) {
        snprintf(err->msg, sizeof err->msg,
                 "mup scales width, not depth (nninit lab mup)");
        return NNINIT_EINVAL;
    }
    if (!rc)
        *(int *)out = (int)k;
    return rc;
}

static int one_net(const char *s, void *out, nninit_error *err)
{
    return nninit_lab_iso_net_parse(s, (nninit_lab_iso_net *)out, err);
}

static int one_depth(const char *s, void *out, nninit_error *err)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < 1 || v > 100000) {
        snprintf(err->msg, sizeof err->msg,
                 "'%s' is not a depth in [1, 100000]", s);
        return NNINIT_EINVAL;
    }
    *(int *)out = (int)v;
    return NNINIT_OK;
}

static int positive(const char *opt, const char *text, int *out)
{
    int rc = cli_int(opt, text, out);
    if (rc)
        return rc;
    if (*out < 1)
        return cli_error(EXIT_BAD_INPUT, "--%s must be >= 1 (got %d)", opt,
                         *out);
    return 0;
}

static int nonneg(const char *opt, const char *text, int *out)
{
    int rc = cli_int(opt, text, out);
    if (rc)
        return rc;
    if (*out < 0)
        return cli_error(EXIT_BAD_INPUT, "--%s must be >= 0 (got %d)", opt,
                         *out);
    return 0;
}

static int parse_args(int argc, char **argv, lab_args *a,
                      nninit_lab_experiment *exp)
{
    memset(a, 0, sizeof *a);
    cli_parser p;
    cli_init(&p, argc, argv, 1, lab_opts);
    int named = 0;
    for (int k; (k = cli_next(&p)) != CLI_END;) {
        const char *v = p.value;
        int rc = 0;
        nninit_error err;
        switch (k) {
        case CLI_ERROR:
            return EXIT_BAD_INPUT;
        case O_HELP:
            help();
            return -1;
        case CLI_POSITIONAL:
            if (named)
                return cli_error(EXIT_BAD_INPUT, "unexpected argument '%s'", v);
            if (nninit_lab_experiment_parse(v, exp, &err))
                return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
            named = 1;
            break;
        case O_SEED: rc = cli_seed("seed", v, &a->seed); break;
        case O_JSON: a->json = v; break;
        case O_PLOT: a->plot = v; break;
        case O_DATA: a->data = v; break;
        case O_SYNTH: a->synthetic = 1; break;
        case O_QUIET: a->quiet = 1; break;
        case O_CONST_LR: a->const_lr = 1; break;
        case O_CLAIMS: a->claims = 1; break;
        case O_QUICK: a->scale = NNINIT_LAB_QUICK; break;
        case O_TINY: a->scale = NNINIT_LAB_TINY; break;
        case O_SEEDS: rc = positive("seeds", v, &a->seeds); break;
        case O_THREADS: rc = positive("threads", v, &a->threads); break;
        case O_DEPTH: rc = positive("depth", v, &a->depth); break;
        case O_WIDTH: rc = positive("width", v, &a->width); break;
        case O_BATCH: rc = positive("batch", v, &a->batch); break;
        case O_EPOCHS: rc = positive("epochs", v, &a->epochs); break;
        case O_STEPS: rc = positive("steps", v, &a->steps); break;
        case O_LENGTH: rc = positive("length", v, &a->length); break;
        case O_HIDDEN: rc = positive("hidden", v, &a->hidden); break;
        case O_LAYERS: rc = positive("layers", v, &a->layers); break;
        case O_LOG_EVERY: rc = positive("log-every", v, &a->log_every); break;
        case O_NTRAIN:
            rc = nonneg("train-size", v, &a->n_train);
            a->has_train = 1;
            break;
        case O_NTEST:
            rc = nonneg("test-size", v, &a->n_test);
            a->has_test = 1;
            break;
        case O_LR:
            rc = cli_finite("lr", v, &a->lr);
            if (!rc && !(a->lr > 0))
                rc = cli_error(EXIT_BAD_INPUT, "--lr must be > 0 (got %s)", v);
            a->has_lr = 1;
            break;
        case O_MOMENTUM:
            rc = cli_finite("momentum", v, &a->momentum);
            if (!rc && !(a->momentum >= 0 && a->momentum < 1))
                rc = cli_error(EXIT_BAD_INPUT,
                               "--momentum must be in [0, 1) (got %s)", v);
            a->has_momentum = 1;
            break;
        case O_CLIP:
            rc = cli_finite("clip", v, &a->clip);
            if (!rc && a->clip < 0)
                rc = cli_error(EXIT_BAD_INPUT, "--clip must be >= 0 (got %s)",
                               v);
            a->has_clip = 1;
            break;
        case O_INPUT_STD:
            rc = cli_finite("input-std", v, &a->input_std);
            if (!rc && !(a->input_std > 0))
                rc = cli_error(EXIT_BAD_INPUT,
                               "--input-std must be > 0 (got %s)", v);
            break;
        case O_THRESHOLD:
            rc = cli_finite("threshold", v, &a->threshold);
            if (!rc && !(a->threshold > 0))
                rc = cli_error(EXIT_BAD_INPUT,
                               "--threshold must be > 0 (got %s)", v);
            break;
        case O_OPTIM:
            if (nninit_lab_optimizer_parse(v, &a->optim, &err))
                rc = cli_error(EXIT_BAD_INPUT, "--optimizer: %s", err.msg);
            a->has_optim = 1;
            break;
        case O_INIT:
            if (a->n_inits >= NNINIT_LAB_MAX_RUNS)
                rc = cli_error(EXIT_BAD_INPUT, "at most %d --init",
                               NNINIT_LAB_MAX_RUNS);
            else if (nninit_lab_init_parse(v, &a->inits[a->n_inits], &err))
                rc = cli_error(EXIT_BAD_INPUT, "--init '%s': %s", v, err.msg);
            else
                a->n_inits++;
            break;
        case O_INPUT_INIT:
            if (nninit_lab_init_parse(v, &a->input_init, &err))
                rc = cli_error(EXIT_BAD_INPUT, "--input-init '%s': %s", v,
                               err.msg);
            a->has_input_init = 1;
            break;
        case O_ACT:
            if (one_act(v, &a->act, &err))
                rc = cli_error(EXIT_BAD_INPUT, "--act: %s", err.msg);
            a->has_act = 1;
            break;
        case O_ACTS:
            rc = parse_list("acts", v, 16, one_act, a->acts, sizeof *a->acts,
                            &a->n_acts);
            break;
        case O_CELLS:
            rc = parse_list("cells", v, 4, one_cell, a->cells,
                            sizeof *a->cells, &a->n_cells);
            break;
        case O_NETS:
            rc = parse_list("nets", v, 3, one_net, a->nets, sizeof *a->nets,
                            &a->n_nets);
            break;
        case O_DEPTHS:
            rc = parse_list("depths", v, 16, one_depth, a->depths,
                            sizeof *a->depths, &a->n_depths);
            for (int i = 1; !rc && i < a->n_depths; i++)
                if (a->depths[i] <= a->depths[i - 1])
                    rc = cli_error(EXIT_BAD_INPUT,
                                   "--depths must increase (%d after %d)",
                                   a->depths[i], a->depths[i - 1]);
            break;
        case O_SIZES:
            rc = parse_list("sizes", v, 17, one_size, a->sizes,
                            sizeof *a->sizes, &a->n_sizes);
            if (!rc && a->n_sizes < 2)
                rc = cli_error(EXIT_BAD_INPUT,
                               "--sizes needs at least 2 widths");
            break;
        case O_WIDTHS:
            rc = parse_list("widths", v, 8, one_size, a->widths,
                            sizeof *a->widths, &a->n_widths);
            break;
        case O_BASE_WIDTH:
            rc = positive("base-width", v, &a->base_width);
            break;
        case O_LRS:
            rc = parse_list("lrs", v, 16, one_lr, a->lrs, sizeof *a->lrs,
                            &a->n_lrs);
            for (int i = 1; !rc && i < a->n_lrs; i++)
                if (a->lrs[i] <= a->lrs[i - 1])
                    rc = cli_error(EXIT_BAD_INPUT, "--lrs must increase");
            break;
        case O_SCALINGS:
            rc = parse_list("scalings", v, 8, one_scheme, a->schemes,
                            sizeof *a->schemes, &a->n_schemes);
            break;
        case O_TASK:
            if (nninit_lab_task_parse(v, &a->task, &err))
                rc = cli_error(EXIT_BAD_INPUT, "--task: %s", err.msg);
            a->has_task = 1;
            break;
        default:
            break;
        }
        if (rc)
            return rc;
    }
    if (!named)
        return cli_error(EXIT_BAD_INPUT,
                         "which experiment? (nninit lab --help)");
    /* the environment is the CLI's to read, never the library's */
    if (!a->data)
        a->data = getenv("NNINIT_FASHION_MNIST");
    return 0;
}

static void set_common(nninit_lab_common *c, const lab_args *a,
                       lab_progress_state *ps)
{
    c->seed = a->seed;
    if (a->synthetic)
        c->fashion = 0;
    c->data_dir = a->data;
    c->progress = lab_progress;
    c->progress_ud = ps;
}

/* Exit code for a failed experiment: missing data and bad settings are bad
 * input (2), the rest runtime failures (1). */
static int fail(int rc, const nninit_error *err)
{
    return cli_error(cli_status_exit(rc), "%s", err->msg);
}

static int finish(const lab_args *a, json_t *doc, const nninit_lab_figure *figs,
                  int nfigs)
{
    int rc = 0;
    if (a->plot)
        rc = lab_write_figures(a->plot, figs, nfigs, stdout);
    if (!rc && a->json) {
        rc = lab_write_json(a->json, doc);
        if (!rc)
            printf("wrote %s\n", a->json);
    }
    json_decref(doc);
    return rc;
}

/* The --init list, if given, replaces the experiment's own. */
static int take_inits(const lab_args *a, const char *what, int max,
                      nninit_lab_init *inits, int *n)
{
    if (!a->n_inits)
        return 0;
    if (a->n_inits > max)
        return cli_error(EXIT_BAD_INPUT, "%s takes at most %d --init", what,
                         max);
    *n = a->n_inits;
    memcpy(inits, a->inits, (size_t)a->n_inits * sizeof *a->inits);
    return 0;
}

static void take_depths(const lab_args *a, int *depths, int *n)
{
    if (!a->n_depths)
        return;
    *n = a->n_depths;
    memcpy(depths, a->depths, (size_t)a->n_depths * sizeof *a->depths);
}

/* The options that apply to experiment e; the others are ignored. */
static int apply(const lab_args *a, nninit_lab_experiment e,
                 nninit_lab_any_opts *u)
{
    switch (e) {
    case NNINIT_LAB_EXP_SYMMETRY: {
        nninit_lab_symmetry_opts *o = &u->symmetry;
        if (a->layers) o->hidden_layers = a->layers;
        if (a->width) o->width = a->width;
        if (a->has_act) o->act = a->act;
        if (a->epochs) o->epochs = a->epochs;
        if (a->batch) o->batch = a->batch;
        if (a->has_lr) o->lr = a->lr;
        if (a->has_train) o->n_train = a->n_train;
        if (a->has_test) o->n_test = a->n_test;
        return take_inits(a, "symmetry", NNINIT_LAB_MAX_RUNS, o->inits,
                          &o->n_inits);
    }
    case NNINIT_LAB_EXP_SIGNAL: {
        nninit_lab_signal_opts *o = &u->signal;
        if (a->depth) o->depth = a->depth;
        if (a->width) o->width = a->width;
        if (a->batch) o->batch = a->batch;
        if (a->n_acts) {
            o->n_acts = a->n_acts;
            memcpy(o->acts, a->acts, sizeof a->acts);
        } else if (a->has_act) {
            o->n_acts = 1;
            o->acts[0] = a->act;
        }
        return take_inits(a, "signal", NNINIT_LAB_MAX_RUNS, o->inits,
                          &o->n_inits);
    }
    case NNINIT_LAB_EXP_DEPTH: {
        nninit_lab_depth_opts *o = &u->depth;
        if (a->depth) o->depth = a->depth;
        if (a->width) o->width = a->width;
        if (a->has_act) o->act = a->act;
        if (a->steps) o->steps = a->steps;
        if (a->batch) o->batch = a->batch;
        if (a->log_every) o->log_every = a->log_every;
        if (a->has_lr) o->lr = a->lr;
        if (a->has_train) o->n_train = a->n_train;
        if (a->has_test) o->n_test = a->n_test;
        return take_inits(a, "depth", NNINIT_LAB_MAX_RUNS, o->inits,
                          &o->n_inits);
    }
    case NNINIT_LAB_EXP_SELU: {
        nninit_lab_selu_opts *o = &u->selu;
        o->c.fashion = 0;
        if (a->depth) o->depth = a->depth;
        if (a->width) o->width = a->width;
        if (a->batch) o->batch = a->batch;
        if (a->has_act) o->act = a->act;
        return take_inits(a, "selu", NNINIT_LAB_MAX_RUNS, o->inits,
                          &o->n_inits);
    }
    case NNINIT_LAB_EXP_ISOMETRY: {
        nninit_lab_isometry_opts *o = &u->isometry;
        if (a->width) o->width = a->width;
        if (a->input_std > 0) o->input_std = a->input_std;
        if (a->n_nets) {
            o->n_nets = a->n_nets;
            memcpy(o->nets, a->nets, sizeof a->nets);
        }
        take_depths(a, o->depths, &o->n_depths);
        return take_inits(a, "isometry", 8, o->inits, &o->n_inits);
    }
    case NNINIT_LAB_EXP_DEEPLINEAR: {
        nninit_lab_deeplinear_opts *o = &u->deeplinear;
        if (a->width) o->width = a->width;
        if (a->batch) o->batch = a->batch;
        if (a->steps) o->max_steps = a->steps;
        if (a->log_every) o->window = a->log_every;
        if (a->has_lr) o->lr = a->lr;
        if (a->threshold > 0) o->threshold = a->threshold;
        take_depths(a, o->depths, &o->n_depths);
        return take_inits(a, "deeplinear", 8, o->inits, &o->n_inits);
    }
    case NNINIT_LAB_EXP_RNN: {
        nninit_lab_rnn_opts *o = &u->rnn;
        if (a->has_task) o->task = a->task;
        if (a->length) o->length = a->length;
        if (a->hidden) o->hidden = a->hidden;
        if (a->steps) o->steps = a->steps;
        if (a->batch) o->batch = a->batch;
        if (a->log_every) o->log_every = a->log_every;
        if (a->has_lr) o->lr = a->lr;
        if (a->has_clip) o->clip = a->clip;
        if (a->has_optim) o->optimizer = a->optim;
        if (a->has_input_init) o->input_init = a->input_init;
        if (a->n_cells) {
            o->n_cells = a->n_cells;
            memcpy(o->cells, a->cells, sizeof a->cells);
        }
        return take_inits(a, "rnn", 16, o->inits, &o->n_inits);
    }
    case NNINIT_LAB_EXP_TRAIN: {
        nninit_lab_train_opts *o = &u->train;
        if (a->n_sizes) {
            o->n_layers = a->n_sizes - 1;
            memcpy(o->sizes, a->sizes, sizeof a->sizes);
        }
        if (a->has_act) o->act = a->act;
        if (a->epochs) o->epochs = a->epochs;
        if (a->batch) o->batch = a->batch;
        if (a->has_lr) o->lr = a->lr;
        if (a->has_momentum) o->momentum = a->momentum;
        if (a->has_optim) o->optimizer = a->optim;
        if (a->has_train) o->n_train = a->n_train;
        if (a->has_test) o->n_test = a->n_test;
        if (a->const_lr) o->cosine = 0;
        if (a->n_inits == 1) {
            for (int k = 0; k < 16; k++)
                o->inits[k] = a->inits[0];
        } else if (a->n_inits > 1) {
            if (a->n_inits != o->n_layers)
                return cli_error(EXIT_BAD_INPUT,
                                 "train: give one --init for all layers or "
                                 "one per layer (%d), not %d",
                                 o->n_layers, a->n_inits);
            memcpy(o->inits, a->inits, (size_t)a->n_inits * sizeof *a->inits);
        }
        return 0;
    }
    case NNINIT_LAB_EXP_RESIDUAL: {
        nninit_lab_residual_opts *o = &u->residual;
        o->c.fashion = 0;
        if (a->depth) o->blocks = a->depth;
        if (a->width) o->width = a->width;
        if (a->hidden) o->hidden = a->hidden;
        if (a->batch) o->batch = a->batch;
        if (a->n_schemes) {
            o->n_schemes = a->n_schemes;
            memcpy(o->schemes, a->schemes, sizeof a->schemes);
        }
        return 0;
    }
    case NNINIT_LAB_EXP_MUP: {
        nninit_lab_mup_opts *o = &u->mup;
        if (a->n_widths) {
            o->n_widths = a->n_widths;
            memcpy(o->widths, a->widths, sizeof a->widths);
        }
        if (a->base_width) o->base_width = a->base_width;
        if (a->layers) o->hidden_layers = a->layers;
        if (a->has_act) o->act = a->act;
        if (a->steps) o->steps = a->steps;
        if (a->batch) o->batch = a->batch;
        if (a->log_every) o->window = a->log_every;
        if (a->has_train) o->n_train = a->n_train;
        if (a->n_lrs) {
            o->n_lrs = a->n_lrs;
            memcpy(o->lrs, a->lrs, sizeof a->lrs);
        }
        return 0;
    }
    default:
        return cli_error(EXIT_BAD_INPUT, "unknown experiment");
    }
}

/* train --seeds N: the same settings over seeds, and the spread of the
 * final accuracy. */
static int train_seeds(const lab_args *a, nninit_lab_any_opts *o,
                       lab_progress_state *ps)
{
    const int nseeds = a->seeds > 0 ? a->seeds : 1;
    json_t *doc = NULL, *seeds = json_array();
    nninit_lab_figure fig0;
    memset(&fig0, 0, sizeof fig0);
    double acc_sum = 0, acc_ss = 0, acc_min = 1, acc_max = 0;
    nninit_error err;
    int rc;
    for (int si = 0; si < nseeds; si++) {
        o->c.seed = a->seed + (uint64_t)si;
        nninit_lab_any_result r;
        if ((rc = nninit_lab_run(NNINIT_LAB_EXP_TRAIN, o, &r, &err))) {
            lab_progress_done(ps);
            json_decref(doc);
            json_decref(seeds);
            nninit_lab_figure_free(&fig0);
            return fail(rc, &err);
        }
        lab_progress_done(ps);
        if (si == 0) {
            lab_print_header(stdout, NNINIT_LAB_EXP_TRAIN, o);
            printf("%d BLAS thread(s), OpenBLAS %s kernels\ninit:",
                   nninit_lab_set_threads(a->threads), nninit_lab_blas_core());
            for (int k = 0; k < o->train.n_layers; k++)
                printf(" fc%d=%s", k + 1, r.train.init[k]);
            printf("\n");
        }
        if (nseeds > 1)
            printf("seed %llu:\n", (unsigned long long)o->c.seed);
        lab_print(stdout, NNINIT_LAB_EXP_TRAIN, o, &r);
        double acc = r.train.epochs[r.train.n_epochs - 1].test_accuracy;
        acc_sum += acc;
        acc_ss += acc * acc;
        acc_min = acc < acc_min ? acc : acc_min;
        acc_max = acc > acc_max ? acc : acc_max;
        json_array_append_new(seeds, json_pack("{s:I, s:o}", "seed",
                                               (json_int_t)o->c.seed,
                                               "final_test_accuracy",
                                               lab_jnum(acc)));
        if (si == 0) {
            doc = lab_json(NNINIT_LAB_EXP_TRAIN, o, &r);
            fig0 = r.train.figures[0];
            r.train.n_figures = 0;
        }
        nninit_lab_result_free(NNINIT_LAB_EXP_TRAIN, &r);
    }
    if (nseeds > 1) {
        double m = acc_sum / nseeds;
        double sd = sqrt(fmax(0, acc_ss / nseeds - m * m));
        printf("final test accuracy over %d seeds: mean %.2f%%, sd %.2f%%, "
               "min %.2f%%, max %.2f%%\n",
               nseeds, 100 * m, 100 * sd, 100 * acc_min, 100 * acc_max);
    }
    json_object_set_new(doc, "seeds", seeds);
    rc = finish(a, doc, &fig0, 1);
    nninit_lab_figure_free(&fig0);
    return rc;
}

/* --claims: the tour's sections that run this experiment. */
static int run_claims(const lab_args *a, nninit_lab_experiment e,
                      lab_progress_state *ps)
{
    nninit_lab_tour_opts t;
    memset(&t, 0, sizeof t);
    t.c.fashion = 1;
    set_common(&t.c, a, ps);
    t.scale = a->scale;
    json_t *doc = json_pack("{s:s, s:s, s:I, s:[]}", "experiment",
                            nninit_lab_experiment_name(e), "scale",
                            nninit_lab_scale_name(a->scale), "seed",
                            (json_int_t)a->seed, "claims");
    int rc = 0, held = 0, total = 0;
    for (int i = 0; i < nninit_lab_tour_count() && !rc; i++) {
        if (nninit_lab_tour_experiment(i) != e)
            continue;
        nninit_lab_section s;
        nninit_error err;
        rc = nninit_lab_tour_run(i, &t, &s, &err);
        lab_progress_done(ps);
        if (rc) {
            nninit_lab_section_free(&s);
            rc = fail(rc, &err);
            break;
        }
        printf("== %s: %s\n%s\n\n", s.id, s.title, s.setup);
        for (int k = 0; k < s.n_results; k++) {
            if (s.result_label[k][0])
                printf("%s:\n", s.result_label[k]);
            lab_print(stdout, e, &s.opts, &s.result[k]);
        }
        lab_print_verdicts(stdout, &s);
        for (int c = 0; c < s.n_claims; c++) {
            held += s.claims[c].holds;
            total++;
        }
        json_t *v = lab_json_verdicts(&s); /* extend does not steal it */
        json_array_extend(json_object_get(doc, "claims"), v);
        json_decref(v);
        if (a->plot) {
            int nf;
            const nninit_lab_figure *f =
                nninit_lab_result_figures(e, &s.result[0], &nf);
            rc = lab_write_figures(a->plot, f, nf, stdout);
        }
        nninit_lab_section_free(&s);
    }
    if (!rc) {
        printf("\n%d of %d claims hold (%s scale)\n", held, total,
               nninit_lab_scale_name(a->scale));
        if (a->json && !(rc = lab_write_json(a->json, doc)))
            printf("wrote %s\n", a->json);
    }
    json_decref(doc);
    return rc;
}

int cmd_lab(int argc, char **argv)
{
    lab_args a;
    nninit_lab_experiment e;
    int rc = parse_args(argc, argv, &a, &e);
    if (rc)
        return rc < 0 ? 0 : rc;
    nninit_lab_set_threads(a.threads);
    lab_progress_state ps;
    lab_progress_init(&ps, a.quiet);
    if (a.claims)
        return run_claims(&a, e, &ps);
    nninit_lab_any_opts o = nninit_lab_defaults(e);
    set_common(&o.c, &a, &ps);
    if ((rc = apply(&a, e, &o)))
        return rc;
    if (e == NNINIT_LAB_EXP_TRAIN)
        return train_seeds(&a, &o, &ps);
    nninit_lab_any_result r;
    nninit_error err;
    rc = nninit_lab_run(e, &o, &r, &err);
    lab_progress_done(&ps);
    if (rc) {
        nninit_lab_result_free(e, &r);
        return fail(rc, &err);
    }
    lab_print_header(stdout, e, &o);
    lab_print(stdout, e, &o, &r);
    int nf;
    const nninit_lab_figure *figs = nninit_lab_result_figures(e, &r, &nf);
    rc = finish(&a, lab_json(e, &o, &r), figs, nf);
    nninit_lab_result_free(e, &r);
    return rc;
}
