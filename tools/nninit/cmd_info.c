/*
 * cmd_info.c: nninit gain | fans | recommend: small questions, printed answers.
 */
#include "cli.h"

#include <math.h>
#include <string.h>

enum { O_HELP = 1, O_SLOPE, O_SHAPE, O_LAYOUT };

static const cli_opt gain_opts[] = {
    {"help", 0, O_HELP}, {"h", 0, O_HELP}, {"slope", 1, O_SLOPE},
    {"param", 1, O_SLOPE}, {NULL, 0, 0}};

int cmd_gain(int argc, char **argv)
{
    const char *name = NULL;
    double slope = NAN;
    nninit_error err;
    cli_parser p;
    cli_init(&p, argc, argv, 1, gain_opts);
    for (int k; (k = cli_next(&p)) != CLI_END;) {
        if (k == CLI_ERROR)
            return EXIT_BAD_INPUT;
        if (k == O_HELP) {
            printf("usage: nninit gain NONLINEARITY [--slope A]\n\n"
                   "Print PyTorch's calculate_gain: 1 for linear, identity, "
                   "conv*, sigmoid;\n5/3 for tanh; sqrt(2) for relu; "
                   "sqrt(2/(1+A^2)) for leaky_relu (A = 0.01\nby default); "
                   "3/4 for selu.\n");
            return 0;
        }
        if (k == O_SLOPE && cli_finite("slope", p.value, &slope))
            return EXIT_BAD_INPUT;
        if (k == CLI_POSITIONAL) {
            if (name)
                return cli_error(EXIT_BAD_INPUT, "unexpected argument '%s'",
                                 p.value);
            name = p.value;
        }
    }
    if (!name)
        return cli_error(EXIT_BAD_INPUT,
                         "missing NONLINEARITY (e.g. nninit gain relu)");
    nninit_nonlinearity nl;
    double g;
    if (nninit_nonlinearity_parse(name, &nl, &err) ||
        nninit_gain(nl, slope, &g, &err))
        return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
    if (!isnan(slope) && nl != NNINIT_NL_LEAKY_RELU)
        return cli_error(EXIT_BAD_INPUT, "--slope applies to leaky_relu only");
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
                   "that follows it.\n"
                   "  ACTIVATION: linear sigmoid tanh softsign softmax relu "
                   "leaky_relu prelu elu\n"
                   "              gelu silu selu\n"
                   "  ROLE:       recurrent (rnn, lstm, gru) bias norm "
                   "(layernorm, batchnorm)\n"
                   "              norm_bias embedding\n"
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
    char desc[160];
    nninit_spec_format(&adv.spec, desc, sizeof desc);
    printf("%-12s %s\n", found ? "role" : "activation", name);
    printf("%-12s %s\n", "initializer", desc);
    if (adv.spec.kind == NNINIT_KAIMING_UNIFORM) {
        double g;
        nninit_gain(adv.spec.nonlinearity, adv.spec.a, &g, NULL);
        printf("%-12s %.6g\n", "gain", g);
    } else if (adv.spec.kind == NNINIT_XAVIER_UNIFORM ||
               adv.spec.kind == NNINIT_ORTHOGONAL) {
        printf("%-12s %.6g\n", "gain", adv.spec.gain);
    }
    printf("%-12s %s\n", "formula", adv.formula);
    printf("%-12s %s\n", "why", adv.why);
    if (shape_text) {
        nninit_shape s;
        nninit_resolved r;
        if (nninit_shape_parse(shape_text, &s, &err) ||
            nninit_resolve(&adv.spec, &s, NNINIT_LAYOUT_TORCH, &r, &err))
            return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
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
