/*
 * lab_out.c: tables, JSON (jansson), figures and progress for lab results.
 */
#define _POSIX_C_SOURCE 200809L
#include "lab_out.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void lab_progress_init(lab_progress_state *s, int quiet)
{
    memset(s, 0, sizeof *s);
    s->tty = isatty(fileno(stderr));
    s->quiet = quiet;
    s->last_tenth = -1;
    s->t0 = mono();
}

void lab_progress(void *ud, const char *what, double fraction)
{
    lab_progress_state *s = (lab_progress_state *)ud;
    if (s->quiet)
        return;
    int pct = (int)(100 * fraction + 0.5);
    if (s->tty) {
        fprintf(stderr, "\r  [%3d%%] %-60.60s %6.1fs", pct, what,
                mono() - s->t0);
        fflush(stderr);
        snprintf(s->last, sizeof s->last, "%s", what);
        return;
    }
    int tenth = (int)(10 * fraction);
    if (strcmp(what, s->last) != 0 || tenth != s->last_tenth) {
        fprintf(stderr, "  [%3d%%] %s (%.1fs)\n", pct, what, mono() - s->t0);
        snprintf(s->last, sizeof s->last, "%s", what);
        s->last_tenth = tenth;
    }
}

void lab_progress_done(lab_progress_state *s)
{
    if (!s->quiet && s->tty && s->last[0])
        fprintf(stderr, "\r%*s\r", 80, "");
    s->last[0] = '\0';
    s->last_tenth = -1;
}

json_t *lab_jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jarr(const double *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++)
        json_array_append_new(a, lab_jnum(v[i]));
    return a;
}

static json_t *common_json(const char *name, const nninit_lab_common *c)
{
    return json_pack("{s:s, s:I, s:s}", "experiment", name, "seed",
                     (json_int_t)c->seed, "data",
                     c->fashion ? "fashion-mnist" : "synthetic");
}

/* ------------------------------------------------------------------------ */

void lab_print_symmetry(FILE *f, const nninit_lab_symmetry_result *r)
{
    fprintf(f, "%-28s %-22s %14s %11s\n", "init", "distinct units/layer",
            "test accuracy", "final loss");
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_symmetry_run *u = &r->runs[i];
        char du[64] = "";
        size_t len = 0;
        for (int k = 0; k < u->n_hidden && len < sizeof du - 12; k++)
            len += (size_t)snprintf(du + len, sizeof du - len, "%s%d/%d",
                                    k ? " " : "", u->distinct_units[k],
                                    r->width);
        fprintf(f, "%-28s %-22s %13.2f%% %11.4f\n", u->init, du,
                100 * u->test_accuracy, u->final_loss);
    }
}

json_t *lab_json_symmetry(const nninit_lab_symmetry_opts *o,
                          const nninit_lab_symmetry_result *r)
{
    json_t *doc = common_json("symmetry", &o->c);
    json_object_set_new(doc, "settings",
                        json_pack("{s:i, s:i, s:s, s:i, s:i, s:f, s:i, s:i}",
                                  "hidden_layers", o->hidden_layers, "width",
                                  o->width, "activation",
                                  nninit_activation_name(o->act), "epochs",
                                  o->epochs, "batch", o->batch, "lr", o->lr,
                                  "n_train", o->n_train, "n_test", o->n_test));
    json_t *runs = json_array();
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_symmetry_run *u = &r->runs[i];
        json_t *du = json_array();
        for (int k = 0; k < u->n_hidden; k++)
            json_array_append_new(du, json_integer(u->distinct_units[k]));
        json_array_append_new(
            runs, json_pack("{s:s, s:o, s:o, s:o}", "init", u->init,
                            "distinct_units", du, "test_accuracy",
                            lab_jnum(u->test_accuracy), "final_loss",
                            lab_jnum(u->final_loss)));
    }
    json_object_set_new(doc, "runs", runs);
    return doc;
}

/* ------------------------------------------------------------------------ */

void lab_print_signal(FILE *f, const nninit_lab_signal_result *r, int every)
{
    if (every < 1)
        every = 1;
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_signal_run *u = &r->runs[i];
        if (i == 0 || u->act != r->runs[i - 1].act) {
            fprintf(f, "%s%s: std of activations (act) and of dLoss/dz (grad), "
                       "by layer\n",
                    i ? "\n" : "", nninit_activation_name(u->act));
            fprintf(f, "%-24s %-5s", "init", "");
            for (int k = 0; k < u->depth; k++)
                if (k == 0 || (k + 1) % every == 0 || k == u->depth - 1)
                    fprintf(f, " %9d", k + 1);
            fprintf(f, "\n");
        }
        for (int w = 0; w < 2; w++) {
            const double *v = w ? u->grad_std : u->act_std;
            fprintf(f, "%-24s %-5s", w ? "" : u->init, w ? "grad" : "act");
            for (int k = 0; k < u->depth; k++)
                if (k == 0 || (k + 1) % every == 0 || k == u->depth - 1)
                    fprintf(f, " %9.3g", v[k]);
            fprintf(f, "\n");
        }
    }
}

json_t *lab_json_signal(const nninit_lab_signal_opts *o,
                        const nninit_lab_signal_result *r)
{
    json_t *doc = common_json("signal", &o->c);
    json_object_set_new(doc, "settings",
                        json_pack("{s:i, s:i, s:i}", "depth", o->depth,
                                  "width", o->width, "batch", o->batch));
    json_t *runs = json_array();
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_signal_run *u = &r->runs[i];
        json_array_append_new(
            runs, json_pack("{s:s, s:s, s:o, s:o}", "activation",
                            nninit_activation_name(u->act), "init", u->init,
                            "act_std", jarr(u->act_std, u->depth), "grad_std",
                            jarr(u->grad_std, u->depth)));
    }
    json_object_set_new(doc, "runs", runs);
    return doc;
}

/* ------------------------------------------------------------------------ */

void lab_print_depth(FILE *f, const nninit_lab_depth_result *r)
{
    fprintf(f, "%-24s %12s %12s %11s %11s %14s\n", "init", "act std L1",
            "act std Llast", "first loss", "final loss", "test accuracy");
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_depth_run *u = &r->runs[i];
        fprintf(f, "%-24s %12.4g %12.4g %11.4f %11.4f %13.2f%%\n", u->init,
                u->act_std_first, u->act_std_last,
                u->n_log ? u->train_loss[0] : NAN, u->final_train_loss,
                100 * u->test_accuracy);
    }
}

json_t *lab_json_depth(const nninit_lab_depth_opts *o,
                       const nninit_lab_depth_result *r)
{
    json_t *doc = common_json("depth", &o->c);
    json_object_set_new(
        doc, "settings",
        json_pack("{s:i, s:i, s:s, s:i, s:i, s:i, s:f}", "depth", o->depth,
                  "width", o->width, "activation",
                  nninit_activation_name(o->act), "steps", o->steps, "batch",
                  o->batch, "log_every", o->log_every, "lr", o->lr));
    json_t *runs = json_array();
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_depth_run *u = &r->runs[i];
        json_array_append_new(
            runs,
            json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "init", u->init,
                      "step", jarr(u->step, u->n_log), "train_loss",
                      jarr(u->train_loss, u->n_log), "final_train_loss",
                      lab_jnum(u->final_train_loss), "test_accuracy",
                      lab_jnum(u->test_accuracy), "act_std_first",
                      lab_jnum(u->act_std_first), "act_std_last",
                      lab_jnum(u->act_std_last)));
    }
    json_object_set_new(doc, "runs", runs);
    return doc;
}

/* ------------------------------------------------------------------------ */

void lab_print_selu(FILE *f, const nninit_lab_selu_result *r, int every)
{
    if (every < 1)
        every = 1;
    if (!r->n_runs)
        return;
    fprintf(f, "%-24s %-5s", "init", "");
    const int D = r->runs[0].depth;
    for (int k = 0; k < D; k++)
        if (k == 0 || (k + 1) % every == 0 || k == D - 1)
            fprintf(f, " %8d", k + 1);
    fprintf(f, "\n");
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_selu_run *u = &r->runs[i];
        for (int w = 0; w < 2; w++) {
            const double *v = w ? u->var : u->mean;
            fprintf(f, "%-24s %-5s", w ? "" : u->init, w ? "var" : "mean");
            for (int k = 0; k < D; k++)
                if (k == 0 || (k + 1) % every == 0 || k == D - 1)
                    fprintf(f, " %8.3g", v[k]);
            fprintf(f, "\n");
        }
    }
}

json_t *lab_json_selu(const nninit_lab_selu_opts *o,
                      const nninit_lab_selu_result *r)
{
    json_t *doc = common_json("selu", &o->c);
    json_object_set_new(doc, "settings",
                        json_pack("{s:i, s:i, s:i, s:s}", "depth", o->depth,
                                  "width", o->width, "batch", o->batch,
                                  "activation", nninit_activation_name(o->act)));
    json_t *runs = json_array();
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_selu_run *u = &r->runs[i];
        json_array_append_new(runs, json_pack("{s:s, s:o, s:o}", "init",
                                              u->init, "mean",
                                              jarr(u->mean, u->depth), "var",
                                              jarr(u->var, u->depth)));
    }
    json_object_set_new(doc, "runs", runs);
    return doc;
}

/* ------------------------------------------------------------------------ */

void lab_print_rnn(FILE *f, const nninit_lab_rnn_result *r)
{
    fprintf(f, "baseline (predict the mean / blanks): %.4f\n", r->baseline);
    fprintf(f, "%-10s %-20s %10s %10s %14s %12s\n", "cell",
            "recurrent init", "first loss", "final loss", "final/baseline",
            "grad@1/grad@T");
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_rnn_run *u = &r->runs[i];
        fprintf(f, "%-10s %-20s %10.4g %10.4g %14.3f %12.3g\n",
                nninit_lab_cell_name(u->cell), u->init,
                u->n_log ? u->loss[0] : NAN, u->final_loss,
                u->solved_fraction, u->steps_T ? u->grad_t[0] : NAN);
    }
}

json_t *lab_json_rnn(const nninit_lab_rnn_opts *o,
                     const nninit_lab_rnn_result *r)
{
    json_t *doc = common_json("rnn", &o->c);
    json_object_set_new(doc, "data", json_string("synthetic"));
    json_object_set_new(
        doc, "settings",
        json_pack("{s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:s}", "task",
                  o->task == NNINIT_LAB_COPY ? "copy" : "adding", "length",
                  o->length, "hidden", o->hidden, "steps", o->steps, "batch",
                  o->batch, "lr", o->lr, "clip", o->clip, "optimizer",
                  nninit_lab_optimizer_name(o->optimizer)));
    json_object_set_new(doc, "baseline", lab_jnum(r->baseline));
    json_t *runs = json_array();
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_rnn_run *u = &r->runs[i];
        json_array_append_new(
            runs, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "cell",
                            nninit_lab_cell_name(u->cell), "init", u->init,
                            "step", jarr(u->step, u->n_log), "loss",
                            jarr(u->loss, u->n_log), "final_loss",
                            lab_jnum(u->final_loss), "grad_through_time",
                            jarr(u->grad_t, u->steps_T)));
    }
    json_object_set_new(doc, "runs", runs);
    return doc;
}

/* ------------------------------------------------------------------------ */

void lab_print_train(FILE *f, const nninit_lab_train_result *r)
{
    fprintf(f, "%5s %11s %14s %9s\n", "epoch", "train loss", "test accuracy",
            "seconds");
    for (int e = 0; e < r->n_epochs; e++) {
        const nninit_lab_train_epoch *ep = &r->epochs[e];
        fprintf(f, "%5d %11.4f %13.2f%% %9.2f\n", ep->epoch, ep->train_loss,
                100 * ep->test_accuracy, ep->seconds);
    }
}

json_t *lab_json_train(const nninit_lab_train_opts *o,
                       const nninit_lab_train_result *r)
{
    json_t *doc = common_json("train", &o->c);
    json_t *sizes = json_array(), *inits = json_array();
    for (int k = 0; k <= o->n_layers; k++)
        json_array_append_new(sizes, json_integer(o->sizes[k]));
    for (int k = 0; k < o->n_layers; k++)
        json_array_append_new(inits, json_string(r->init[k]));
    json_object_set_new(
        doc, "settings",
        json_pack("{s:o, s:s, s:o, s:i, s:i, s:s, s:f, s:f, s:b, s:i, s:i}",
                  "sizes", sizes, "activation", nninit_activation_name(o->act),
                  "init", inits, "epochs", o->epochs, "batch", o->batch,
                  "optimizer", nninit_lab_optimizer_name(o->optimizer), "lr",
                  o->lr, "momentum", o->momentum, "cosine_lr", o->cosine,
                  "n_train", o->n_train, "n_test", o->n_test));
    json_t *eps = json_array();
    for (int e = 0; e < r->n_epochs; e++) {
        const nninit_lab_train_epoch *ep = &r->epochs[e];
        json_array_append_new(
            eps, json_pack("{s:i, s:o, s:o, s:o}", "epoch", ep->epoch,
                           "train_loss", lab_jnum(ep->train_loss),
                           "test_accuracy", lab_jnum(ep->test_accuracy),
                           "seconds", lab_jnum(ep->seconds)));
    }
    json_object_set_new(doc, "epochs", eps);
    if (r->n_epochs)
        json_object_set_new(
            doc, "final_test_accuracy",
            lab_jnum(r->epochs[r->n_epochs - 1].test_accuracy));
    return doc;
}

/* ------------------------------------------------------------------------ */

int lab_write_json(const char *path, json_t *doc)
{
    if (!doc)
        return cli_error(EXIT_RUNTIME, "out of memory building JSON");
    char *text = json_dumps(doc, JSON_INDENT(1) | JSON_REAL_PRECISION(12));
    if (!text)
        return cli_error(EXIT_RUNTIME, "out of memory building JSON");
    nninit_ofile of;
    nninit_error err;
    int rc = nninit_ofile_open(&of, path, &err);
    if (rc) {
        free(text);
        return cli_error(EXIT_RUNTIME, "%s", err.msg);
    }
    size_t len = strlen(text);
    rc = nninit_ofile_write(&of, text, len, &err);
    if (!rc)
        rc = nninit_ofile_write(&of, "\n", 1, &err);
    if (rc)
        nninit_ofile_abort(&of);
    else
        rc = nninit_ofile_commit(&of, &err);
    free(text);
    if (rc)
        return cli_error(EXIT_RUNTIME, "%s", err.msg);
    return 0;
}

int lab_mkdir(const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return cli_error(EXIT_RUNTIME, "cannot create directory '%s': %s", dir,
                         strerror(errno));
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cli_error(EXIT_RUNTIME, "'%s' is not a directory", dir);
    return 0;
}

int lab_write_figures(const char *dir, const nninit_lab_figure *figs, int n,
                      FILE *log)
{
    int rc = lab_mkdir(dir);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.svg", dir, figs[i].name);
        nninit_error err;
        if (nninit_lab_svg_write(&figs[i], path, &err))
            return cli_error(EXIT_RUNTIME, "%s", err.msg);
        if (log)
            fprintf(log, "wrote %s\n", path);
    }
    return 0;
}
