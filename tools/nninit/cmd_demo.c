/*
 * cmd_demo.c: nninit demo, the main job (`./run demo`): a tour of why
 * initialization matters, on built-in settings.
 *
 *   0. the seed network: each layer's initializer by the rule, sampled
 *   then every section of the lab's tour (nninit_lab_tour_run): an
 *   experiment run over several seeds and the claims it decides
 *
 * The claims, their thresholds, settings and prose all live in the lab
 * library's table; this file only prints them: on stdout, and as one
 * self-contained HTML report (tables, verdicts, the spread over seeds and
 * every figure inline) with SVG files and JSON summaries beside it.
 */
#define _GNU_SOURCE /* getloadavg */
#include "lab_out.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>

enum { O_HELP = 1, O_SEED, O_OUT, O_THREADS, O_QUIET, O_SYNTH, O_DATA,
       O_SEED_ONLY, O_TINY, O_QUICK };

static const cli_opt demo_opts[] = {
    {"help", 0, O_HELP}, {"h", 0, O_HELP}, {"seed", 1, O_SEED},
    {"out", 1, O_OUT}, {"o", 1, O_OUT}, {"threads", 1, O_THREADS},
    {"quiet", 0, O_QUIET}, {"q", 0, O_QUIET}, {"synthetic", 0, O_SYNTH},
    {"data", 1, O_DATA}, {"seed-network-only", 0, O_SEED_ONLY},
    {"tiny", 0, O_TINY}, {"quick", 0, O_QUICK},
    {NULL, 0, 0}};

typedef struct layer {
    const char *name;
    int64_t in, out;
    nninit_activation act;
} layer;

/* Section 0: the seed example network, initialized by the rule. */
static int seed_network(FILE *out, nninit_fill_opts fo)
{
    nninit_error err;
    static const layer net[] = {{"fc1", 10, 50, NNINIT_ACT_RELU},
                                {"fc2", 50, 30, NNINIT_ACT_TANH},
                                {"fc3", 30, 1, NNINIT_ACT_SIGMOID}};
    const int n = (int)(sizeof net / sizeof *net);

    fprintf(out, "nninit demo: the seed network, initialized layer by layer\n\n"
           "  Linear(10 -> 50) + ReLU -> Linear(50 -> 30) + tanh -> "
           "Linear(30 -> 1) + sigmoid\n\n"
           "The rule: each weight's initializer follows from the activation "
           "after it.\n\n");
    fprintf(out, "%-11s %-9s %-8s %-16s %6s %7s %8s %9s %9s\n", "tensor", "shape",
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
        fprintf(out, "%-11s %-9s %-8s %-16s %6lld %7lld %8.5f %9.6f %9.6f\n", tname,
               nninit_shape_format(&shp[i], sb, sizeof sb),
               nninit_activation_name(net[i].act),
               nninit_kind_name(adv[i].spec.kind), (long long)res[i].fan_in,
               (long long)res[i].fan_out, res[i].gain, res[i].bound,
               res[i].std);
    }
    for (int i = 0; i < n; i++) {
        char tname[32];
        snprintf(tname, sizeof tname, "%s.bias", net[i].name);
        fprintf(out, "%-11s (%lld,)%*s %-8s %-16s %6s %7s %8s %9s %9.6f\n", tname,
               (long long)net[i].out, net[i].out >= 10 ? 4 : 5, "", "-",
               "zeros", "-", "-", "-", "-", 0.0);
    }
    fprintf(out, "\nwhy:\n");
    for (int i = 0; i < n; i++)
        fprintf(out, "  %s.weight (%s): %s: %s.\n", net[i].name,
               nninit_activation_name(net[i].act),
               nninit_kind_name(adv[i].spec.kind), adv[i].why);
    nninit_advice bias;
    nninit_recommend(NNINIT_ROLE_BIAS, NNINIT_ACT_NONE, NAN, &bias, NULL);
    fprintf(out, "  *.bias: zeros: %s.\n", bias.why);

    fprintf(out, "\nsampled (seed %llu; each tensor's stream comes from its name):\n",
           (unsigned long long)fo.seed);
    fprintf(out, "%-11s %5s %10s %10s %10s %8s %10s\n", "tensor", "n", "mean",
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
        fprintf(out, "%-11s %5llu %+10.5f %10.6f %10.6f %8.3f %10.6f\n", tname,
               (unsigned long long)cnt, mean, sd, res[i].std,
               sd / res[i].std, mx);
        free(w);
    }
    fprintf(out, "\nWith n weights the measured std is within a few times "
           "1/sqrt(2n) of the\nexpected one (about 3%% for fc1, 13%% for "
           "fc3); max|w| never exceeds the bound.\n");
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The report                                                               */
/* ------------------------------------------------------------------------ */

/* Text for HTML (escaped). */
static void html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* A block of preformatted text (a table printed for the terminal). */
static void html_pre(FILE *f, const char *text)
{
    fputs("<pre>", f);
    html_text(f, text);
    fputs("</pre>\n", f);
}

/* What a printer writes, as a string (free it). */
typedef struct capture {
    FILE *f;
    char *buf;
    size_t len;
} capture;

static int capture_open(capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    return c->f ? 0 : cli_error(EXIT_RUNTIME, "out of memory");
}

static char *capture_close(capture *c)
{
    fclose(c->f);
    return c->buf;
}

typedef struct tour {
    const char *out_dir;
    char fig_dir[4096];
    FILE *html;
    char *html_buf;
    size_t html_len;
    json_t *claims; /* every verdict, for json/claims.json */
    lab_progress_state ps;
    nninit_lab_tour_opts t;
    int held, total;
} tour;

static const char *const css =
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;"
    "padding:0 1em;line-height:1.45}"
    "pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:12px}"
    "table{border-collapse:collapse;margin:.6em 0}"
    "td,th{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;"
    "font-size:13px}"
    "th{background:#eee}.holds{color:#060;font-weight:bold}"
    ".fails{color:#a00;font-weight:bold}svg{max-width:100%;height:auto}"
    ".figs{display:flex;flex-wrap:wrap;gap:8px}";

static void html_verdicts(FILE *f, const nninit_lab_section *s)
{
    fputs("<table><tr><th>claim</th><th>predicted</th><th>measured</th>"
          "<th>verdict</th></tr>\n",
          f);
    for (int i = 0; i < s->n_claims; i++) {
        const nninit_lab_verdict *v = &s->claims[i];
        fputs("<tr><td>", f);
        html_text(f, v->claim);
        fputs("</td><td>", f);
        html_text(f, v->predicted);
        fputs("</td><td>", f);
        html_text(f, v->measured);
        fprintf(f, "</td><td class=\"%s\">%s</td></tr>\n",
                v->holds ? "holds" : "fails",
                v->holds ? "holds" : "does not hold");
    }
    fputs("</table>\n", f);
    /* the spread over seeds: one row per claim, one column per seed */
    fputs("<p>Per seed:</p><table><tr><th>measure</th>", f);
    for (int k = 0; k < s->n_seeds; k++)
        fprintf(f, "<th>seed %llu</th>", (unsigned long long)s->seeds[k]);
    fputs("</tr>\n", f);
    for (int i = 0; i < s->n_claims; i++) {
        const nninit_lab_verdict *v = &s->claims[i];
        fputs("<tr><td>", f);
        html_text(f, v->metric);
        fputs("</td>", f);
        for (int k = 0; k < v->n_seeds; k++)
            fprintf(f, "<td>%.4g</td>", v->per_seed[k]);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    for (int i = 0; i < s->n_claims; i++)
        if (!s->claims[i].holds && s->claims[i].why[0]) {
            fputs("<p><b>Where it does not hold:</b> ", f);
            html_text(f, s->claims[i].why);
            fputs("</p>\n", f);
        }
}

/* The figures: SVG files in figures/, and inline in the report. */
static int section_figures(tour *t, const nninit_lab_section *s)
{
    int n;
    const nninit_lab_figure *figs =
        nninit_lab_result_figures(s->exp, &s->result[0], &n);
    int rc = lab_write_figures(t->fig_dir, figs, n, NULL);
    fputs("<div class=\"figs\">\n", t->html);
    for (int i = 0; i < n && !rc; i++) {
        char *svg;
        nninit_error err;
        if (nninit_lab_svg_render(&figs[i], NULL, &svg, NULL, &err))
            return cli_error(EXIT_RUNTIME, "%s", err.msg);
        fputs(svg, t->html);
        free(svg);
    }
    fputs("</div>\n", t->html);
    return rc;
}

static int section_json(tour *t, const nninit_lab_section *s)
{
    json_t *doc = lab_json(s->exp, &s->opts, &s->result[0]);
    json_t *v = lab_json_verdicts(s);
    json_object_set(doc, "claims", v);
    json_array_extend(t->claims, v);
    json_decref(v);
    char path[4200];
    snprintf(path, sizeof path, "%s/json/%s.json", t->out_dir, s->id);
    int rc = lab_write_json(path, doc);
    json_decref(doc);
    return rc;
}

static int run_section(tour *t, int i, int number)
{
    nninit_lab_section s;
    nninit_error err;
    int rc = nninit_lab_tour_run(i, &t->t, &s, &err);
    lab_progress_done(&t->ps);
    if (rc)
        return cli_error(cli_status_exit(rc), "%s", err.msg);
    printf("\n== %d. %s\n%s\n", number, s.title, s.setup);
    fprintf(t->html, "<h2 id=\"%s\">%d. ", s.id, number);
    html_text(t->html, s.title);
    fputs("</h2>\n<p>", t->html);
    html_text(t->html, s.setup);
    fprintf(t->html, " Decided over %d seed%s (", s.n_seeds,
            s.n_seeds > 1 ? "s" : "");
    for (int k = 0; k < s.n_seeds; k++)
        fprintf(t->html, "%s%llu", k ? ", " : "",
                (unsigned long long)s.seeds[k]);
    fprintf(t->html, "); the tables and figures show seed %llu.</p>\n",
            (unsigned long long)s.seeds[0]);
    for (int k = 0; k < s.n_results; k++) {
        capture c;
        if ((rc = capture_open(&c)))
            break;
        if (s.result_label[k][0])
            fprintf(c.f, "%s:\n", s.result_label[k]);
        lab_print(c.f, s.exp, &s.opts, &s.result[k]);
        char *text = capture_close(&c);
        printf("\n%s", text);
        html_pre(t->html, text);
        free(text);
    }
    lab_print_verdicts(stdout, &s);
    fflush(stdout);
    html_verdicts(t->html, &s);
    for (int c = 0; c < s.n_claims; c++) {
        t->held += s.claims[c].holds;
        t->total++;
    }
    if (!rc)
        rc = section_figures(t, &s);
    if (!rc)
        rc = section_json(t, &s);
    nninit_lab_section_free(&s);
    return rc;
}

static void help(void)
{
    printf(
        "usage: nninit demo [--out DIR] [--seed N] [--threads N] [--quiet]\n"
        "                   [--synthetic] [--data DIR] [--quick | --tiny]\n"
        "                   [--seed-network-only]\n"
        "\n"
        "The main job: a tour (under two minutes on a quiet machine) of why\n"
        "initialization matters. First the seed network (Linear 10->50 + ReLU,\n"
        "Linear 50->30 + tanh, Linear 30->1 + sigmoid): which initializer each\n"
        "layer gets and why, sampled. Then every claim of the lab's tour, each\n"
        "decided over several seeds with a margin: what it predicts and what\n"
        "was measured side by side, with the spread over seeds. The tour runs\n"
        "these experiments (see nninit lab --help):\n ");
    /* from the tour's table, each experiment once, in tour order */
    for (int i = 0; i < nninit_lab_tour_count(); i++) {
        nninit_lab_experiment e = nninit_lab_tour_experiment(i);
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = nninit_lab_tour_experiment(j) == e;
        if (!seen)
            printf(" %s", nninit_lab_experiment_name(e));
    }
    printf(
        "\n"
        "\n"
        "Writes DIR/report.html (nninit-demo/): one self-contained page with\n"
        "the machine, the settings, every table, verdict and figure; the\n"
        "figures also as SVG files in figures/, and JSON summaries in json/\n"
        "(claims.json: every verdict). Progress goes to stderr.\n"
        "--threads N sets OpenBLAS's threads (default 1: the tour's products\n"
        "are small, and threads cost more than they save there).\n"
        "Fashion-MNIST comes from the Debian package dataset-fashion-mnist\n"
        "(--data DIR or $NNINIT_FASHION_MNIST elsewhere); --synthetic uses\n"
        "spirals and Gaussian inputs instead. --quick runs fewer seeds and\n"
        "smaller subsets with the same verdicts (what the test suite checks);\n"
        "--tiny shrinks every section to a smoke test of seconds (its verdicts\n"
        "mean little).\n");
}

/* The machine: CPU model, cores, kernel. */
static void machine(char *buf, size_t n)
{
    char model[256] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
                snprintf(model, sizeof model, "%s", strchr(line, ':') + 2);
                model[strcspn(model, "\n")] = '\0';
                break;
            }
        fclose(f);
    }
    struct utsname u;
    if (uname(&u) != 0)
        memset(&u, 0, sizeof u);
    snprintf(buf, n, "%s, %d online CPU%s, %s %s %s", model,
             cli_default_threads(), cli_default_threads() > 1 ? "s" : "",
             u.sysname, u.release, u.machine);
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int write_report(const char *out_dir, const char *text, size_t len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/report.html", out_dir);
    nninit_ofile of;
    nninit_error err;
    int rc = nninit_ofile_open(&of, path, &err);
    if (!rc) {
        rc = nninit_ofile_write(&of, text, len, &err);
        if (rc)
            nninit_ofile_abort(&of);
        else
            rc = nninit_ofile_commit(&of, &err);
    }
    if (rc)
        return cli_error(EXIT_RUNTIME, "%s", err.msg);
    return 0;
}

int cmd_demo(int argc, char **argv)
{
    nninit_fill_opts fo = nninit_fill_opts_default();
    const char *out_dir = "nninit-demo", *data = NULL;
    /* One BLAS thread unless asked: the tour's products are small (widths
     * 32 to 256), where OpenBLAS's threads cost more than they save; the
     * full tour measured 40.8 s wall at 1 thread and 60.5 s at 2 on the
     * same 2-core machine. */
    int threads = 1, quiet = 0, synthetic = 0, seed_only = 0;
    nninit_lab_scale scale = NNINIT_LAB_FULL;
    cli_parser p;
    cli_init(&p, argc, argv, 1, demo_opts);
    for (int k; (k = cli_next(&p)) != CLI_END;) {
        if (k == CLI_ERROR)
            return EXIT_BAD_INPUT;
        if (k == O_HELP) {
            help();
            return 0;
        }
        if (k == O_SEED && cli_seed("seed", p.value, &fo.seed))
            return EXIT_BAD_INPUT;
        if (k == O_OUT)
            out_dir = p.value;
        if (k == O_DATA)
            data = p.value;
        if (k == O_THREADS && (cli_int("threads", p.value, &threads) ||
                               (threads < 1 &&
                                cli_error(EXIT_BAD_INPUT,
                                          "--threads must be >= 1"))))
            return EXIT_BAD_INPUT;
        if (k == O_QUIET)
            quiet = 1;
        if (k == O_SYNTH)
            synthetic = 1;
        if (k == O_SEED_ONLY)
            seed_only = 1;
        if (k == O_TINY)
            scale = NNINIT_LAB_TINY;
        if (k == O_QUICK)
            scale = NNINIT_LAB_QUICK;
        if (k == CLI_POSITIONAL)
            return cli_error(EXIT_BAD_INPUT, "unexpected argument '%s'",
                             p.value);
    }
    if (seed_only)
        return seed_network(stdout, fo);
    if (!data) /* the environment is the CLI's to read */
        data = getenv("NNINIT_FASHION_MNIST");

    tour t;
    memset(&t, 0, sizeof t);
    t.out_dir = out_dir;
    t.t.scale = scale;
    t.t.c.seed = fo.seed;
    t.t.c.fashion = !synthetic;
    t.t.c.data_dir = data;
    t.t.c.progress = lab_progress;
    t.t.c.progress_ud = &t.ps;
    lab_progress_init(&t.ps, quiet);
    if (t.t.c.fashion) { /* fail early and clearly when the data is missing */
        nninit_lab_data d;
        nninit_error err;
        int rc = nninit_lab_fashion_load(data, 0, 1, NULL, &d, &err);
        if (rc)
            return cli_error(cli_status_exit(rc), "%s (or run nninit demo "
                                                  "--synthetic)",
                             err.msg);
        nninit_lab_data_free(&d);
    }
    int rc = lab_mkdir(out_dir);
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/json", out_dir);
    if (!rc)
        rc = lab_mkdir(sub);
    snprintf(t.fig_dir, sizeof t.fig_dir, "%s/figures", out_dir);
    if (!rc)
        rc = lab_mkdir(t.fig_dir);
    if (rc)
        return rc;
    t.html = open_memstream(&t.html_buf, &t.html_len);
    t.claims = json_array();
    if (!t.html || !t.claims)
        return cli_error(EXIT_RUNTIME, "out of memory");
    const int nthreads = nninit_lab_set_threads(threads);
    const double wall0 = mono(), cpu0 = cpu_seconds();
    double load0[3] = {NAN, NAN, NAN};
    getloadavg(load0, 3);
    time_t now = time(NULL);
    char when[64], mach[512];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    machine(mach, sizeof mach);
    const char *scale_note =
        scale == NNINIT_LAB_QUICK
            ? " (--quick: fewer seeds and smaller subsets than the full tour)"
        : scale == NNINIT_LAB_TINY
            ? " (--tiny: smoke-test sizes, far smaller than the full tour; "
              "its verdicts mean little)"
            : "";
    printf("nninit demo: %s scale%s, seed %llu, %d BLAS thread(s), OpenBLAS "
           "%s kernels\nmachine: %s\n\n== 0. ",
           nninit_lab_scale_name(scale), scale_note,
           (unsigned long long)fo.seed, nthreads, nninit_lab_blas_core(), mach);
    fprintf(t.html,
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            "<title>nninit demo: why initialization matters, "
            "measured</title><style>%s</style></head><body>\n"
            "<h1>nninit demo: why initialization matters, measured</h1>\n"
            "<p>Produced by <code>nninit demo</code> (nninit %s) on %s; "
            "every number below was measured by this run. Each claim is "
            "decided over several seeds with thresholds well away from what "
            "is measured, so the verdicts do not depend on the machine, the "
            "thread count or the BLAS kernels; the numbers themselves do in "
            "their last digits (rerun with the same seed, threads and kernels "
            "to get the same numbers).</p>\n<table>"
            "<tr><th>machine</th><td>",
            css, nninit_version(), when);
    html_text(t.html, mach);
    fprintf(t.html,
            "</td></tr>\n<tr><th>BLAS</th><td>OpenBLAS, %s kernels, %d "
            "thread(s)</td></tr>\n<tr><th>settings</th><td>%s scale%s, first "
            "seed %llu, data: %s</td></tr>\n<tr><th>load average at the "
            "start</th><td>%.2f %.2f %.2f</td></tr>\n",
            nninit_lab_blas_core(), nthreads, nninit_lab_scale_name(scale),
            scale_note, (unsigned long long)fo.seed,
            t.t.c.fashion ? "Fashion-MNIST (Debian dataset-fashion-mnist)"
                          : "synthetic (spirals, Gaussian inputs)",
            load0[0], load0[1], load0[2]);
    /* the rest of the header (times, summary) comes at the end: keep the
     * sections apart and splice them in after */
    FILE *main_html = t.html;
    char *body = NULL;
    size_t body_len = 0;
    t.html = open_memstream(&body, &body_len);
    if (!t.html) {
        fclose(main_html);
        free(t.html_buf);
        json_decref(t.claims);
        return cli_error(EXIT_RUNTIME, "out of memory");
    }
    fflush(stdout);
    capture c;
    rc = capture_open(&c);
    if (!rc && seed_network(c.f, fo))
        rc = EXIT_RUNTIME;
    if (!rc) {
        char *text = capture_close(&c);
        fputs(text, stdout);
        fputs("<h2 id=\"seed-network\">0. The seed network</h2>\n", t.html);
        html_pre(t.html, text);
        free(text);
    }
    for (int i = 0; i < nninit_lab_tour_count() && !rc; i++)
        rc = run_section(&t, i, i + 1);
    lab_progress_done(&t.ps);
    fclose(t.html);
    t.html = main_html;
    const double wall = mono() - wall0, cpu = cpu_seconds() - cpu0;
    double load1[3] = {NAN, NAN, NAN};
    getloadavg(load1, 3);
    if (!rc) {
        printf("\n== Summary: %d of %d claims hold (%s scale)\n", t.held,
               t.total, nninit_lab_scale_name(scale));
        fprintf(t.html,
                "<tr><th>load average at the end</th><td>%.2f %.2f "
                "%.2f</td></tr>\n<tr><th>time</th><td>%.1f s wall, %.1f s CPU "
                "(all threads)</td></tr>\n</table>\n<h2>Summary: %d of %d "
                "claims hold</h2>\n<table><tr><th>section</th><th>claim</th>"
                "<th>verdict</th></tr>\n",
                load1[0], load1[1], load1[2], wall, cpu, t.held, t.total);
        for (size_t i = 0; i < json_array_size(t.claims); i++) {
            json_t *v = json_array_get(t.claims, i);
            const char *sec = json_string_value(json_object_get(v, "section"));
            const char *cl = json_string_value(json_object_get(v, "claim"));
            int holds = json_is_true(json_object_get(v, "holds"));
            printf("  %-12s %-70.70s %s\n", sec, cl,
                   holds ? "holds" : "DOES NOT HOLD");
            fprintf(t.html, "<tr><td><a href=\"#%s\">%s</a></td><td>", sec,
                    sec);
            html_text(t.html, cl);
            fprintf(t.html, "</td><td class=\"%s\">%s</td></tr>\n",
                    holds ? "holds" : "fails",
                    holds ? "holds" : "does not hold");
        }
        fputs("</table>\n", t.html);
        fwrite(body, 1, body_len, t.html);
        fputs("</body></html>\n", t.html);
        printf("time: %.1f s wall, %.1f s CPU; load average %.2f at the "
               "start, %.2f at the end\n",
               wall, cpu, load0[0], load1[0]);
    }
    free(body);
    fclose(t.html);
    if (!rc) {
        char path[4200];
        snprintf(path, sizeof path, "%s/json/claims.json", out_dir);
        json_t *doc = json_pack(
            "{s:s, s:I, s:s, s:i, s:i, s:i, s:o}", "scale",
            nninit_lab_scale_name(scale), "seed", (json_int_t)fo.seed,
            "blas_core", nninit_lab_blas_core(), "threads", nthreads, "held",
            t.held, "total", t.total, "claims", json_incref(t.claims));
        rc = lab_write_json(path, doc);
        json_decref(doc);
    }
    if (!rc)
        rc = write_report(out_dir, t.html_buf, t.html_len);
    if (!rc)
        printf("\nReport: %s/report.html (figures also in %s/figures, JSON "
               "in %s/json)\n",
               out_dir, out_dir, out_dir);
    json_decref(t.claims);
    free(t.html_buf);
    return rc;
}
