/*
 * cmd_demo.c: nninit demo: the seed example network, initialized by the
 * per-layer rule, with each decision explained and each weight sampled and
 * measured against the std the formula promises.
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { O_HELP = 1, O_SEED };

static const cli_opt demo_opts[] = {
    {"help", 0, O_HELP}, {"h", 0, O_HELP}, {"seed", 1, O_SEED}, {NULL, 0, 0}};

typedef struct layer {
    const char *name;
    int64_t in, out;
    nninit_activation act;
} layer;

int cmd_demo(int argc, char **argv)
{
    nninit_fill_opts fo = nninit_fill_opts_default();
    nninit_error err;
    cli_parser p;
    cli_init(&p, argc, argv, 1, demo_opts);
    for (int k; (k = cli_next(&p)) != CLI_END;) {
        if (k == CLI_ERROR)
            return EXIT_BAD_INPUT;
        if (k == O_HELP) {
            printf("usage: nninit demo [--seed N]\n\n"
                   "The seed network (Linear 10->50 + ReLU, Linear 50->30 + "
                   "tanh, Linear 30->1 +\nsigmoid): which initializer each "
                   "layer gets and why, then each weight\nsampled and its "
                   "measured mean and std against the expected std.\n");
            return 0;
        }
        if (k == O_SEED && cli_seed("seed", p.value, &fo.seed))
            return EXIT_BAD_INPUT;
        if (k == CLI_POSITIONAL)
            return cli_error(EXIT_BAD_INPUT, "unexpected argument '%s'",
                             p.value);
    }
    static const layer net[] = {{"fc1", 10, 50, NNINIT_ACT_RELU},
                                {"fc2", 50, 30, NNINIT_ACT_TANH},
                                {"fc3", 30, 1, NNINIT_ACT_SIGMOID}};
    const int n = (int)(sizeof net / sizeof *net);

    printf("nninit demo: the seed network, initialized layer by layer\n\n"
           "  Linear(10 -> 50) + ReLU -> Linear(50 -> 30) + tanh -> "
           "Linear(30 -> 1) + sigmoid\n\n"
           "The rule: each weight's initializer follows from the activation "
           "after it.\n\n");
    printf("%-11s %-9s %-8s %-16s %6s %7s %8s %9s %9s\n", "tensor", "shape",
           "act", "initializer", "fan_in", "fan_out", "gain", "bound", "std");
    nninit_advice adv[3];
    nninit_resolved res[3];
    nninit_shape shp[3];
    for (int i = 0; i < n; i++) {
        int64_t dims[2] = {net[i].out, net[i].in};
        nninit_shape_make(&shp[i], 2, dims, NULL);
        if (nninit_recommend(NNINIT_ROLE_WEIGHT, net[i].act, NAN, &adv[i],
                             &err) ||
            nninit_resolve(&adv[i].spec, &shp[i], NNINIT_LAYOUT_TORCH, &res[i],
                           &err))
            return cli_error(EXIT_RUNTIME, "%s", err.msg);
        char tname[32], sb[32];
        snprintf(tname, sizeof tname, "%s.weight", net[i].name);
        printf("%-11s %-9s %-8s %-16s %6lld %7lld %8.5f %9.6f %9.6f\n", tname,
               nninit_shape_format(&shp[i], sb, sizeof sb),
               nninit_activation_name(net[i].act),
               nninit_kind_name(adv[i].spec.kind), (long long)res[i].fan_in,
               (long long)res[i].fan_out, res[i].gain, res[i].bound,
               res[i].std);
    }
    for (int i = 0; i < n; i++) {
        char tname[32];
        snprintf(tname, sizeof tname, "%s.bias", net[i].name);
        printf("%-11s (%lld,)%*s %-8s %-16s %6s %7s %8s %9s %9.6f\n", tname,
               (long long)net[i].out, net[i].out >= 10 ? 4 : 5, "", "-",
               "zeros", "-", "-", "-", "-", 0.0);
    }
    printf("\nwhy:\n");
    for (int i = 0; i < n; i++)
        printf("  %s.weight (%s): %s: %s.\n", net[i].name,
               nninit_activation_name(net[i].act),
               nninit_kind_name(adv[i].spec.kind), adv[i].why);
    nninit_advice bias;
    nninit_recommend(NNINIT_ROLE_BIAS, NNINIT_ACT_NONE, NAN, &bias, NULL);
    printf("  *.bias: zeros: %s.\n", bias.why);

    printf("\nsampled (seed %llu; each tensor's stream comes from its name):\n",
           (unsigned long long)fo.seed);
    printf("%-11s %5s %10s %10s %10s %8s %10s\n", "tensor", "n", "mean",
           "std", "expected", "ratio", "max|w|");
    for (int i = 0; i < n; i++) {
        char tname[32];
        snprintf(tname, sizeof tname, "%s.weight", net[i].name);
        uint64_t cnt = nninit_shape_numel(&shp[i]);
        double *w = (double *)malloc(cnt * sizeof *w);
        if (!w)
            return cli_error(EXIT_RUNTIME, "out of memory");
        fo.stream = nninit_stream_from_name(tname);
        if (nninit_init(&adv[i].spec, &shp[i], NNINIT_LAYOUT_TORCH, NNINIT_F64,
                        w, 0, cnt, &fo, &err)) {
            free(w);
            return cli_error(EXIT_RUNTIME, "%s", err.msg);
        }
        double sum = 0, ss = 0, mx = 0;
        for (uint64_t k = 0; k < cnt; k++) {
            sum += w[k];
            mx = fabs(w[k]) > mx ? fabs(w[k]) : mx;
        }
        double mean = sum / (double)cnt;
        for (uint64_t k = 0; k < cnt; k++)
            ss += (w[k] - mean) * (w[k] - mean);
        double sd = sqrt(ss / (double)(cnt > 1 ? cnt - 1 : 1));
        printf("%-11s %5llu %+10.5f %10.6f %10.6f %8.3f %10.6f\n", tname,
               (unsigned long long)cnt, mean, sd, res[i].std,
               sd / res[i].std, mx);
        free(w);
    }
    printf("\nWith n weights the measured std is within a few times "
           "1/sqrt(2n) of the\nexpected one (about 3%% for fc1, 13%% for "
           "fc3); max|w| never exceeds the bound.\n");
    return 0;
}
