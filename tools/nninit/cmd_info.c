/*
 * cmd_info.c: nninit gain | fans | recommend: small questions, printed answers.
 */
#include "cli.h"

#include <math.h>
#include <string.h>

enum {
    O_HELP = 1, O_SLOPE, O_SHAPE, O_LAYOUT, O_NUMERIC, O_CRITICAL, O_SIGMA_B,
    O_TABLE, O_FORMAT
};

static const cli_opt gain_opts[] = {
    {"help", 0, O_HELP}, {"h", 0, O_HELP}, {"slope", 1, O_SLOPE},
    {"param", 1, O_SLOPE}, {"numeric", 0, O_NUMERIC},
    {"critical", 0, O_CRITICAL}, {"sigma-b", 1, O_SIGMA_B},
    {"table", 0, O_TABLE}, {"format", 1, O_FORMAT}, {NULL, 0, 0}};

static const char *const table_formats[] = {"text", "markdown"};
static const nninit_names table_format_names = {"format", table_formats, 2,
                                                NULL, 0};

/* Every nonlinearity (those with the same f on one row): PyTorch's gain,
 * the numeric one, the critical sigma_w at sigma_b = 0 where it exists,
 * and f. The README's table of gains is this output. */
static int gain_table(int markdown)
{
    if (markdown)
        printf("| nonlinearity | f(x) | PyTorch | numeric | nninit |\n"
               "|---|---|---|---|---|\n");
    else
        printf("%-8s %-8s %-8s %s\n", "PyTorch", "numeric", "nninit",
               "nonlinearity: f(x)");
    for (int nl = 0; nl < NNINIT_NL_COUNT; nl++) {
        const nninit_nonlinearity_info *i =
            nninit_nonlinearity_info_get((nninit_nonlinearity)nl);
        if ((int)i->same_as != nl)
            continue;
        char name[160];
        int at = snprintf(name, sizeof name, "%s",
                          nninit_nonlinearity_name((nninit_nonlinearity)nl));
        for (int o = 0; o < NNINIT_NL_COUNT; o++)
            if (o != nl && (int)nninit_nonlinearity_info_get(
                               (nninit_nonlinearity)o)->same_as == nl)
                at += snprintf(name + at, sizeof name - (size_t)at, ", %s",
                               nninit_nonlinearity_name((nninit_nonlinearity)o));
        if (i->param)
            snprintf(name + at, sizeof name - (size_t)at, " (%s %g)", i->param,
                     i->param_default);
        double torch = NAN, numeric, used;
        nninit_error err;
        if (i->torch)
            nninit_gain((nninit_nonlinearity)nl, NAN, &torch, NULL);
        if (nninit_gain_numeric((nninit_nonlinearity)nl, NAN, &numeric, &err) ||
            nninit_gain((nninit_nonlinearity)nl, NAN, &used, &err))
            return cli_error(EXIT_RUNTIME, "%s", err.msg);
        char tg[32] = "-";
        if (i->torch)
            snprintf(tg, sizeof tg, "%.5f", torch);
        if (markdown)
            printf("| %s | `%s` | %s | %.5f | %.5f |\n", name, i->formula, tg,
                   numeric, used);
        else
            printf("%-8s %-8.5f %-8.5f %s: %s\n", tg, numeric, used, name,
                   i->formula);
    }
    return 0;
}

int cmd_gain(int argc, char **argv)
{
    const char *name = NULL;
    double param = NAN, sigma_b = 0;
    int numeric = 0, critical = 0, table = 0, sigma_b_given = 0, markdown = 0;
    nninit_error err;
    cli_parser p;
    cli_init(&p, argc, argv, 1, gain_opts);
    for (int k; (k = cli_next(&p)) != CLI_END;) {
        switch (k) {
        case CLI_ERROR:
            return EXIT_BAD_INPUT;
        case O_HELP:
            printf(
                "usage: nninit gain NONLINEARITY [--param P] [--numeric]\n"
                "       nninit gain NONLINEARITY --critical [--sigma-b B]\n"
                "       nninit gain --table [--format text|markdown]\n\n"
                "The gain of a nonlinearity f: PyTorch's calculate_gain where "
                "it has f (1 for\nlinear, identity, conv*, sigmoid; 5/3 for "
                "tanh; sqrt(2) for relu;\nsqrt(2/(1+P^2)) for leaky_relu; 3/4 "
                "for selu), else the numeric gain.\n\n"
                "  --param P      leaky_relu's negative slope (0.01), elu's and "
                "celu's alpha (1),\n"
                "                 softplus's beta (1); --slope is the same\n"
                "  --numeric      1/sqrt(E[f(z)^2]), z ~ N(0, 1): keeps the "
                "second moment of\n"
                "                 pre-activations at 1 (adaptive Gauss-Kronrod "
                "quadrature)\n"
                "  --critical     the edge of chaos: sigma_w with chi_1 = "
                "sigma_w^2 E[f'(sqrt(q*) z)^2]\n"
                "                 = 1 at the fixed point q* of the variance "
                "map, for weights\n"
                "                 N(0, sigma_w^2/fan_in) and biases N(0, "
                "sigma_b^2) (tanh, sigmoid,\n"
                "                 softsign); prints sigma_w, sigma_b, q_star\n"
                "  --sigma-b B    the bias std for --critical (default 0)\n"
                "  --table        every nonlinearity: f, PyTorch's gain, the "
                "numeric one, and the\n"
                "                 one nninit uses (nninit gain, the rule)\n");
            return 0;
        case O_SLOPE:
            if (cli_finite("param", p.value, &param))
                return EXIT_BAD_INPUT;
            break;
        case O_NUMERIC: numeric = 1; break;
        case O_CRITICAL: critical = 1; break;
        case O_TABLE: table = 1; break;
        case O_SIGMA_B:
            if (cli_finite("sigma-b", p.value, &sigma_b))
                return EXIT_BAD_INPUT;
            sigma_b_given = 1;
            break;
        case O_FORMAT:
            if (nninit_names_parse(&table_format_names, p.value, &markdown,
                                   &err))
                return cli_error(EXIT_BAD_INPUT, "--format: %s", err.msg);
            break;
        case CLI_POSITIONAL:
            if (name)
                return cli_error(EXIT_BAD_INPUT, "unexpected argument '%s'",
                                 p.value);
            name = p.value;
            break;
        }
    }
    if (table) {
        if (name || numeric || critical || !isnan(param))
            return cli_error(EXIT_BAD_INPUT,
                             "--table lists every nonlinearity: no "
                             "NONLINEARITY, --param, --numeric or --critical");
        return gain_table(markdown);
    }
    if (!name)
        return cli_error(EXIT_BAD_INPUT,
                         "missing NONLINEARITY (e.g. nninit gain relu)");
    if (numeric && critical)
        return cli_error(EXIT_BAD_INPUT,
                         "--numeric and --critical are different gains: "
                         "choose one");
    if (sigma_b_given && !critical)
        return cli_error(EXIT_BAD_INPUT, "--sigma-b needs --critical");
    nninit_nonlinearity nl;
    if (nninit_nonlinearity_parse(name, &nl, &err))
        return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
    const nninit_nonlinearity_info *info = nninit_nonlinearity_info_get(nl);
    if (!isnan(param) && !info->param)
        return cli_error(EXIT_BAD_INPUT,
                         "%s has no parameter (--param is for leaky_relu, "
                         "elu, celu and softplus)", name);
    if (critical) {
        double sw, q;
        if (nninit_gain_critical(nl, param, sigma_b, &sw, &q, &err))
            return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
        printf("sigma_w %.17g\nsigma_b %.17g\nq_star %.17g\n", sw, sigma_b,
               q);
        return 0;
    }
    double g;
    if ((numeric ? nninit_gain_numeric : nninit_gain)(nl, param, &g, &err))
        return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
    printf("%.17g\n", g);
    return 0;
}

static const cli_opt fans_opts[] = {
    {"help", 0, O_HELP}, {"h", 0, O_HELP}, {"shape", 1, O_SHAPE},
    {"layout", 1, O_LAYOUT}, {NULL, 0, 0}};

int cmd_fans(int argc, char **argv)
{
    const char *shape_text = NULL;
    nninit_layout layout = NNINIT_LAYOUT_TORCH;
    nninit_error err;
    cli_parser p;
    cli_init(&p, argc, argv, 1, fans_opts);
    for (int k; (k = cli_next(&p)) != CLI_END;) {
        if (k == CLI_ERROR)
            return EXIT_BAD_INPUT;
        if (k == O_HELP) {
            printf("usage: nninit fans --shape D0,D1[,...] [--layout "
                   "torch|keras]\n\n"
                   "Print fan_in and fan_out. torch: (out, in, k...), keras: "
                   "(k..., in, out);\nfan_in = in*rf, fan_out = out*rf with rf "
                   "the product of the kernel dims.\n");
            return 0;
        }
        if (k == O_SHAPE)
            shape_text = p.value;
        else if (k == O_LAYOUT && nninit_layout_parse(p.value, &layout, &err))
            return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
        else if (k == CLI_POSITIONAL)
            return cli_error(EXIT_BAD_INPUT, "unexpected argument '%s'",
                             p.value);
    }
    if (!shape_text)
        return cli_error(EXIT_BAD_INPUT, "missing --shape (e.g. --shape 50,10)");
    nninit_shape s;
    int64_t fi, fo;
    if (nninit_shape_parse(shape_text, &s, &err) ||
        nninit_fans(&s, layout, &fi, &fo, &err))
        return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
    printf("fan_in %lld\nfan_out %lld\n", (long long)fi, (long long)fo);
    return 0;
}

static const cli_opt rec_opts[] = {
    {"help", 0, O_HELP}, {"h", 0, O_HELP}, {"slope", 1, O_SLOPE},
    {"shape", 1, O_SHAPE}, {NULL, 0, 0}};

int cmd_recommend(int argc, char **argv)
{
    const char *name = NULL, *shape_text = NULL;
    double slope = NAN;
    nninit_error err;
    cli_parser p;
    cli_init(&p, argc, argv, 1, rec_opts);
    for (int k; (k = cli_next(&p)) != CLI_END;) {
        if (k == CLI_ERROR)
            return EXIT_BAD_INPUT;
        if (k == O_HELP) {
            printf("usage: nninit recommend ACTIVATION|ROLE [--slope A] "
                   "[--shape OUT,IN]\n\n"
                   "The rule: pick a weight's initializer from the activation "
                   "that follows it.\n  ACTIVATION:");
            for (int a = 0; a < NNINIT_ACT_COUNT; a++)
                printf(" %s%s", nninit_activation_name((nninit_activation)a),
                       a % 9 == 8 ? "\n             " : "");
            printf("\n  ROLE:      ");
            for (int r = 0; r < NNINIT_ROLE_COUNT; r++)
                printf(" %s", nninit_role_name((nninit_role)r));
            printf("\n"
                   "With --shape, also print the fans and the resulting "
                   "bound or std.\n");
            return 0;
        }
        if (k == O_SLOPE && cli_finite("slope", p.value, &slope))
            return EXIT_BAD_INPUT;
        if (k == O_SHAPE)
            shape_text = p.value;
        if (k == CLI_POSITIONAL) {
            if (name)
                return cli_error(EXIT_BAD_INPUT, "unexpected argument '%s'",
                                 p.value);
            name = p.value;
        }
    }
    if (!name)
        return cli_error(EXIT_BAD_INPUT,
                         "missing ACTIVATION (e.g. nninit recommend relu)");
    nninit_role role = NNINIT_ROLE_WEIGHT;
    nninit_activation act = NNINIT_ACT_NONE;
    int found = nninit_role_parse(name, &role, NULL) == NNINIT_OK;
    if (!found && nninit_activation_parse(name, &act, &err))
        return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
    if (!isnan(slope) && act != NNINIT_ACT_LEAKY_RELU)
        return cli_error(EXIT_BAD_INPUT, "--slope applies to leaky_relu only");
    nninit_advice adv;
    if (nninit_recommend(role, act, slope, &adv, &err))
        return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
    /* the numbers for the given shape, or for any 2-D one (gains do not
     * depend on it) */
    nninit_shape s;
    int64_t any[2] = {1, 1};
    nninit_resolved r;
    if ((shape_text ? nninit_shape_parse(shape_text, &s, &err)
                    : nninit_shape_make(&s, 2, any, &err)) ||
        nninit_resolve(&adv.spec, &s, NNINIT_LAYOUT_TORCH, &r, &err))
        return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
    char desc[160];
    nninit_spec_format(&adv.spec, desc, sizeof desc);
    printf("%-12s %s\n", found ? "role" : "activation", name);
    printf("%-12s %s\n", "initializer", desc);
    if (adv.spec.kind == NNINIT_KAIMING_UNIFORM ||
        adv.spec.kind == NNINIT_XAVIER_UNIFORM ||
        adv.spec.kind == NNINIT_ORTHOGONAL)
        printf("%-12s %.6g\n", "gain", r.gain);
    printf("%-12s %s\n", "formula", adv.formula);
    printf("%-12s %s\n", "why", adv.why);
    if (shape_text) {
        char sb[128];
        printf("%-12s %s\n", "shape", nninit_shape_format(&s, sb, sizeof sb));
        if (r.fan_in >= 0)
            printf("%-12s fan_in %lld, fan_out %lld\n", "fans",
                   (long long)r.fan_in, (long long)r.fan_out);
        if (r.bound > 0)
            printf("%-12s %.6g\n", "bound", r.bound);
        printf("%-12s %.6g\n", "std", r.std);
    }
    return 0;
}

/* nninit scalings: the table of depth and width scalings and the places
 * (roles) they read; the README's tables are this output. */
int cmd_scalings(int argc, char **argv)
{
    static const cli_opt opts[] = {{"help", 0, O_HELP},
                                   {"h", 0, O_HELP},
                                   {"format", 1, O_FORMAT},
                                   {NULL, 0, 0}};
    int markdown = 0;
    cli_parser p;
    cli_init(&p, argc, argv, 1, opts);
    for (int k; (k = cli_next(&p)) != CLI_END;) {
        nninit_error err;
        switch (k) {
        case CLI_ERROR:
            return EXIT_BAD_INPUT;
        case O_HELP:
            printf("usage: nninit scalings [--format text|markdown]\n\n"
                   "The depth and width scalings (plan and init take them "
                   "with\n--scaling, specs with scaling:) and the roles "
                   "(role: in a\nspec) they read.\n");
            return 0;
        case O_FORMAT:
            if (nninit_names_parse(&table_format_names, p.value, &markdown,
                                   &err))
                return cli_error(EXIT_BAD_INPUT, "--format: %s", err.msg);
            break;
        default:
            return cli_error(EXIT_BAD_INPUT, "unexpected argument '%s'",
                             p.value);
        }
    }
    if (markdown)
        printf("| scaling | what it does | after | options |\n"
               "|---|---|---|---|\n");
    for (int k = 0; k < NNINIT_SCALING_COUNT; k++) {
        const nninit_scaling_info *in =
            nninit_scaling_info_get((nninit_scaling_kind)k);
        const char *name = nninit_scaling_kind_name((nninit_scaling_kind)k);
        if (markdown)
            printf("| `%s` | %s | %s | %s |\n", name, in->what, in->source,
                   in->options[0] ? in->options : "-");
        else
            printf("%-11s %s (%s)%s%s\n", name, in->what, in->source,
                   in->options[0] ? "; options: " : "", in->options);
    }
    printf(markdown ? "\n| role | the layer is |\n|---|---|\n" : "\nroles:\n");
    for (int r = 1; r < NNINIT_LAYER_ROLE_COUNT; r++) {
        const char *name = nninit_layer_role_name((nninit_layer_role)r);
        const char *what = nninit_layer_role_what((nninit_layer_role)r);
        if (markdown)
            printf("| `%s` | %s |\n", name, what);
        else
            printf("  %-11s %s\n", name, what);
    }
    return 0;
}
