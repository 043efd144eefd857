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
/* symmetry                                                                 */
/* ------------------------------------------------------------------------ */

static void print_symmetry(FILE *f, const nninit_lab_any_opts *o,
                           const nninit_lab_any_result *res)
{
    const nninit_lab_symmetry_result *r = &res->symmetry;
    (void)o;
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

static json_t *json_symmetry(const nninit_lab_any_opts *ao,
                             const nninit_lab_any_result *res, json_t *doc)
{
    const nninit_lab_symmetry_opts *o = &ao->symmetry;
    const nninit_lab_symmetry_result *r = &res->symmetry;
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

static void header_symmetry(FILE *f, const nninit_lab_any_opts *ao)
{
    const nninit_lab_symmetry_opts *o = &ao->symmetry;
    fprintf(f,
            "symmetry: %d hidden layer(s) of %d %s units, %d epochs; units "
            "that stay copies of each other count once\n",
            o->hidden_layers, o->width, nninit_activation_name(o->act),
            o->epochs);
}

/* ------------------------------------------------------------------------ */
/* signal                                                                   */
/* ------------------------------------------------------------------------ */

static void print_signal(FILE *f, const nninit_lab_any_opts *o,
                         const nninit_lab_any_result *res)
{
    const nninit_lab_signal_result *r = &res->signal;
    const int every = o->signal.depth > 12 ? 5 : 1;
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

static json_t *json_signal(const nninit_lab_any_opts *ao,
                           const nninit_lab_any_result *res, json_t *doc)
{
    const nninit_lab_signal_opts *o = &ao->signal;
    const nninit_lab_signal_result *r = &res->signal;
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

static void header_signal(FILE *f, const nninit_lab_any_opts *ao)
{
    const nninit_lab_signal_opts *o = &ao->signal;
    fprintf(f,
            "signal: %d layers of width %d at initialization, one batch of "
            "%d\n",
            o->depth, o->width, o->batch);
}

/* ------------------------------------------------------------------------ */
/* depth                                                                    */
/* ------------------------------------------------------------------------ */

static void print_depth(FILE *f, const nninit_lab_any_opts *o,
                        const nninit_lab_any_result *res)
{
    const nninit_lab_depth_result *r = &res->depth;
    (void)o;
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

static json_t *json_depth(const nninit_lab_any_opts *ao,
                          const nninit_lab_any_result *res, json_t *doc)
{
    const nninit_lab_depth_opts *o = &ao->depth;
    const nninit_lab_depth_result *r = &res->depth;
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

static void header_depth(FILE *f, const nninit_lab_any_opts *ao)
{
    const nninit_lab_depth_opts *o = &ao->depth;
    fprintf(f,
            "depth: %d-layer %s MLP, width %d, %d steps of batch %d, SGD "
            "momentum 0.9, lr %g\n",
            o->depth, nninit_activation_name(o->act), o->width, o->steps,
            o->batch, o->lr);
}

/* ------------------------------------------------------------------------ */
/* selu                                                                     */
/* ------------------------------------------------------------------------ */

static void print_selu(FILE *f, const nninit_lab_any_opts *o,
                       const nninit_lab_any_result *res)
{
    const nninit_lab_selu_result *r = &res->selu;
    const int every = o->selu.depth > 16 ? 8 : 1;
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

static json_t *json_selu(const nninit_lab_any_opts *ao,
                         const nninit_lab_any_result *res, json_t *doc)
{
    const nninit_lab_selu_opts *o = &ao->selu;
    const nninit_lab_selu_result *r = &res->selu;
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

static void header_selu(FILE *f, const nninit_lab_any_opts *ao)
{
    const nninit_lab_selu_opts *o = &ao->selu;
    fprintf(f,
            "selu: N(0,1) inputs through %d %s layers of width %d; the fixed "
            "point is mean 0, variance 1\n",
            o->depth, nninit_activation_name(o->act), o->width);
}

/* ------------------------------------------------------------------------ */
/* isometry                                                                 */
/* ------------------------------------------------------------------------ */

static void print_isometry(FILE *f, const nninit_lab_any_opts *o,
                           const nninit_lab_any_result *res)
{
    const nninit_lab_isometry_result *r = &res->isometry;
    (void)o;
    fprintf(f, "%-7s %-16s %6s %12s %11s %11s %11s\n", "net", "init",
            "depth", "condition", "max|s-1|", "largest s", "smallest s");
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_isometry_run *u = &r->runs[i];
        fprintf(f, "%-7s %-16s %6d %12.4g %11.3g %11.4g %11.4g\n",
                nninit_lab_iso_net_name(u->net), u->init, u->depth,
                u->condition_number, u->max_dev, u->singular_values[0],
                u->singular_values[u->n - 1]);
    }
}

static json_t *json_isometry(const nninit_lab_any_opts *ao,
                             const nninit_lab_any_result *res, json_t *doc)
{
    const nninit_lab_isometry_opts *o = &ao->isometry;
    const nninit_lab_isometry_result *r = &res->isometry;
    json_t *depths = json_array(), *nets = json_array();
    for (int k = 0; k < o->n_depths; k++)
        json_array_append_new(depths, json_integer(o->depths[k]));
    for (int k = 0; k < o->n_nets; k++)
        json_array_append_new(nets,
                              json_string(nninit_lab_iso_net_name(o->nets[k])));
    json_object_set_new(doc, "data", json_string("synthetic"));
    json_object_set_new(doc, "settings",
                        json_pack("{s:i, s:o, s:o, s:f}", "width", o->width,
                                  "nets", nets, "depths", depths, "input_std",
                                  o->input_std));
    json_t *runs = json_array();
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_isometry_run *u = &r->runs[i];
        json_array_append_new(
            runs,
            json_pack("{s:s, s:s, s:i, s:o, s:o, s:o}", "net",
                      nninit_lab_iso_net_name(u->net), "init", u->init,
                      u->net == NNINIT_LAB_ISO_RNN ? "steps" : "depth",
                      u->depth, "singular_values",
                      jarr(u->singular_values, u->n), "condition_number",
                      lab_jnum(u->condition_number), "max_dev",
                      lab_jnum(u->max_dev)));
    }
    json_object_set_new(doc, "runs", runs);
    return doc;
}

static void header_isometry(FILE *f, const nninit_lab_any_opts *ao)
{
    const nninit_lab_isometry_opts *o = &ao->isometry;
    fprintf(f,
            "isometry: singular values of the input-output Jacobian at init, "
            "width %d, tanh input std %g (depth: layers, or steps T for the "
            "rnn)\n",
            o->width, o->input_std);
}

/* ------------------------------------------------------------------------ */
/* deeplinear                                                               */
/* ------------------------------------------------------------------------ */

static void print_deeplinear(FILE *f, const nninit_lab_any_opts *o,
                             const nninit_lab_any_result *res)
{
    const nninit_lab_deeplinear_result *r = &res->deeplinear;
    fprintf(f, "%-16s %6s %14s %11s\n", "init", "depth", "steps to reach",
            "final loss");
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_deeplinear_run *u = &r->runs[i];
        char st[32];
        if (u->steps_to_threshold)
            snprintf(st, sizeof st, "%d", u->steps_to_threshold);
        else
            snprintf(st, sizeof st, "> %d", o->deeplinear.max_steps);
        fprintf(f, "%-16s %6d %14s %11.4f\n", u->init, u->depth, st,
                u->final_loss);
    }
}

static json_t *json_deeplinear(const nninit_lab_any_opts *ao,
                               const nninit_lab_any_result *res, json_t *doc)
{
    const nninit_lab_deeplinear_opts *o = &ao->deeplinear;
    const nninit_lab_deeplinear_result *r = &res->deeplinear;
    json_t *depths = json_array();
    for (int k = 0; k < o->n_depths; k++)
        json_array_append_new(depths, json_integer(o->depths[k]));
    json_object_set_new(doc, "data", json_string("synthetic"));
    json_object_set_new(
        doc, "settings",
        json_pack("{s:i, s:o, s:i, s:i, s:i, s:f, s:f}", "width", o->width,
                  "depths", depths, "batch", o->batch, "max_steps",
                  o->max_steps, "window", o->window, "lr", o->lr,
                  "threshold", o->threshold));
    json_t *runs = json_array();
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_deeplinear_run *u = &r->runs[i];
        json_array_append_new(
            runs,
            json_pack("{s:s, s:i, s:o, s:o, s:o, s:o}", "init", u->init,
                      "depth", u->depth, "steps_to_threshold",
                      u->steps_to_threshold ? json_integer(u->steps_to_threshold)
                                            : json_null(),
                      "step", jarr(u->step, u->n_log), "loss",
                      jarr(u->loss, u->n_log), "final_loss",
                      lab_jnum(u->final_loss)));
    }
    json_object_set_new(doc, "runs", runs);
    return doc;
}

static void header_deeplinear(FILE *f, const nninit_lab_any_opts *ao)
{
    const nninit_lab_deeplinear_opts *o = &ao->deeplinear;
    fprintf(f,
            "deeplinear: width %d, batch %d, SGD lr %g / depth, up to %d "
            "steps until the loss (relative to predicting 0) is below %g\n",
            o->width, o->batch, o->lr, o->max_steps, o->threshold);
}

/* ------------------------------------------------------------------------ */
/* rnn                                                                      */
/* ------------------------------------------------------------------------ */

static void print_rnn(FILE *f, const nninit_lab_any_opts *o,
                      const nninit_lab_any_result *res)
{
    const nninit_lab_rnn_result *r = &res->rnn;
    const int trained = o->rnn.steps > 1;
    if (trained)
        fprintf(f, "baseline (predicting the mean / blanks / 0): %.4f\n",
                r->baseline);
    fprintf(f, "%-10s %-20s %10s", "cell", "recurrent init",
            trained ? "first loss" : "loss");
    if (trained)
        fprintf(f, " %10s %10s %14s", "final loss", "test loss",
                "test/baseline");
    fprintf(f, " %13s\n", "grad@1/grad@T");
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_rnn_run *u = &r->runs[i];
        fprintf(f, "%-10s %-20s %10.4g", nninit_lab_cell_name(u->cell),
                u->init, u->n_log ? u->loss[0] : NAN);
        if (trained)
            fprintf(f, " %10.4g %10.4g %14.3f", u->final_loss, u->test_loss,
                    u->solved_fraction);
        fprintf(f, " %13.3g\n", u->steps_T ? u->grad_t[0] : NAN);
    }
}

static json_t *json_rnn(const nninit_lab_any_opts *ao,
                        const nninit_lab_any_result *res, json_t *doc)
{
    const nninit_lab_rnn_opts *o = &ao->rnn;
    const nninit_lab_rnn_result *r = &res->rnn;
    char in[64];
    nninit_lab_init_label(&o->input_init, in, sizeof in);
    json_object_set_new(doc, "data", json_string("synthetic"));
    json_object_set_new(
        doc, "settings",
        json_pack("{s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:s, s:s, s:i}", "task",
                  nninit_lab_task_name(o->task), "length", o->length, "hidden",
                  o->hidden, "steps", o->steps, "batch", o->batch, "lr", o->lr,
                  "clip", o->clip, "optimizer",
                  nninit_lab_optimizer_name(o->optimizer), "input_init", in,
                  "test_batch", o->test_batch));
    json_object_set_new(doc, "baseline", lab_jnum(r->baseline));
    json_t *runs = json_array();
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_rnn_run *u = &r->runs[i];
        json_array_append_new(
            runs, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "cell",
                            nninit_lab_cell_name(u->cell), "init", u->init,
                            "step", jarr(u->step, u->n_log), "loss",
                            jarr(u->loss, u->n_log), "final_loss",
                            lab_jnum(u->final_loss), "test_loss",
                            lab_jnum(u->test_loss), "grad_through_time",
                            jarr(u->grad_t, u->steps_T)));
    }
    json_object_set_new(doc, "runs", runs);
    return doc;
}

static void header_rnn(FILE *f, const nninit_lab_any_opts *ao)
{
    const nninit_lab_rnn_opts *o = &ao->rnn;
    char in[64];
    nninit_lab_init_label(&o->input_init, in, sizeof in);
    fprintf(f,
            "rnn: %s task, %s %d, hidden %d, %d steps of batch %d, %s lr %g, "
            "clip %g, input weights %s\n",
            nninit_lab_task_name(o->task),
            o->task == NNINIT_LAB_ADDING ? "length" : "delay", o->length,
            o->hidden, o->steps, o->batch,
            nninit_lab_optimizer_name(o->optimizer), o->lr, o->clip, in);
}

/* ------------------------------------------------------------------------ */
/* train                                                                    */
/* ------------------------------------------------------------------------ */

static void print_train(FILE *f, const nninit_lab_any_opts *o,
                        const nninit_lab_any_result *res)
{
    const nninit_lab_train_result *r = &res->train;
    (void)o;
    fprintf(f, "%5s %11s %14s %9s\n", "epoch", "train loss", "test accuracy",
            "seconds");
    for (int e = 0; e < r->n_epochs; e++) {
        const nninit_lab_train_epoch *ep = &r->epochs[e];
        fprintf(f, "%5d %11.4f %13.2f%% %9.2f\n", ep->epoch, ep->train_loss,
                100 * ep->test_accuracy, ep->seconds);
    }
}

static json_t *json_train(const nninit_lab_any_opts *ao,
                          const nninit_lab_any_result *res, json_t *doc)
{
    const nninit_lab_train_opts *o = &ao->train;
    const nninit_lab_train_result *r = &res->train;
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

static void header_train(FILE *f, const nninit_lab_any_opts *ao)
{
    const nninit_lab_train_opts *o = &ao->train;
    fprintf(f, "train: MLP");
    for (int k = 0; k <= o->n_layers; k++)
        fprintf(f, "%s%d", k ? "-" : " ", o->sizes[k]);
    fprintf(f, " %s, batch %d, %s lr %g", nninit_activation_name(o->act),
            o->batch, nninit_lab_optimizer_name(o->optimizer), o->lr);
    if (o->optimizer == NNINIT_LAB_MOMENTUM)
        fprintf(f, " momentum %g", o->momentum);
    if (o->cosine)
        fprintf(f, " (cosine decay)");
    fprintf(f, "\n");
}

/* ------------------------------------------------------------------------ */
/* residual                                                                 */
/* ------------------------------------------------------------------------ */

static void print_residual(FILE *f, const nninit_lab_any_opts *o,
                           const nninit_lab_any_result *res)
{
    const nninit_lab_residual_result *r = &res->residual;
    (void)o;
    fprintf(f, "%-12s %12s %12s %12s %16s\n", "scaling", "std block 1",
            "middle", "last", "factor per block");
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_residual_run *u = &r->runs[i];
        const int L = u->blocks;
        fprintf(f, "%-12s %12.4g %12.4g %12.4g %16.4f\n", u->scheme,
                u->ratio[0], u->ratio[(L - 1) / 2], u->ratio[L - 1],
                pow(u->ratio[L - 1], 1.0 / L));
    }
}

static json_t *json_residual(const nninit_lab_any_opts *ao,
                             const nninit_lab_any_result *res, json_t *doc)
{
    const nninit_lab_residual_opts *o = &ao->residual;
    const nninit_lab_residual_result *r = &res->residual;
    json_object_set_new(doc, "settings",
                        json_pack("{s:i, s:i, s:i, s:i}", "blocks", o->blocks,
                                  "width", o->width, "hidden", o->hidden,
                                  "batch", o->batch));
    json_t *runs = json_array();
    for (int i = 0; i < r->n_runs; i++)
        json_array_append_new(
            runs, json_pack("{s:s, s:o}", "scaling", r->runs[i].scheme,
                            "std_ratio",
                            jarr(r->runs[i].ratio, r->runs[i].blocks)));
    json_object_set_new(doc, "runs", runs);
    return doc;
}

static void header_residual(FILE *f, const nninit_lab_any_opts *ao)
{
    const nninit_lab_residual_opts *o = &ao->residual;
    fprintf(f,
            "residual: %d blocks x <- x + W2 relu(W1 x), width %d, hidden "
            "%d, %d N(0, 1) inputs; the stream's std over the input's\n",
            o->blocks, o->width, o->hidden, o->batch);
}

/* ------------------------------------------------------------------------ */
/* mup                                                                      */
/* ------------------------------------------------------------------------ */

static void print_mup(FILE *f, const nninit_lab_any_opts *o,
                      const nninit_lab_any_result *res)
{
    const nninit_lab_mup_result *r = &res->mup;
    (void)o;
    fprintf(f, "%-5s %6s %9s %14s  %s\n", "", "width", "best lr",
            "window centre", "training loss by learning rate");
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_mup_run *u = &r->runs[i];
        fprintf(f, "%-5s %6d %9.3g %14.2f ", u->mup ? "muP" : "SP", u->width,
                u->best_lr, u->window_centre);
        for (int k = 0; k < u->n_lrs; k++)
            fprintf(f, " %.3f", u->loss[k]);
        fprintf(f, "\n");
    }
}

static json_t *json_mup(const nninit_lab_any_opts *ao,
                        const nninit_lab_any_result *res, json_t *doc)
{
    const nninit_lab_mup_opts *o = &ao->mup;
    const nninit_lab_mup_result *r = &res->mup;
    double w[8];
    for (int k = 0; k < o->n_widths; k++)
        w[k] = o->widths[k];
    json_object_set_new(
        doc, "settings",
        json_pack("{s:o, s:i, s:i, s:s, s:i, s:i, s:i, s:i, s:o}", "widths",
                  jarr(w, o->n_widths), "base_width", o->base_width,
                  "hidden_layers", o->hidden_layers, "activation",
                  nninit_activation_name(o->act), "steps", o->steps, "batch",
                  o->batch, "window", o->window, "train_size", o->n_train,
                  "lr", jarr(o->lrs, o->n_lrs)));
    json_t *runs = json_array();
    for (int i = 0; i < r->n_runs; i++) {
        const nninit_lab_mup_run *u = &r->runs[i];
        json_array_append_new(
            runs, json_pack("{s:s, s:i, s:o, s:o, s:o, s:o}",
                            "parametrization", u->mup ? "mup" : "sp", "width",
                            u->width, "lr", jarr(u->lr, u->n_lrs), "loss",
                            jarr(u->loss, u->n_lrs), "best_lr",
                            lab_jnum(u->best_lr), "window_centre_log2",
                            lab_jnum(u->window_centre)));
    }
    json_object_set_new(doc, "runs", runs);
    return doc;
}

static void header_mup(FILE *f, const nninit_lab_any_opts *ao)
{
    const nninit_lab_mup_opts *o = &ao->mup;
    fprintf(f,
            "mup: MLPs 784-W x %d-10 (%s), widths %d..%d over a base of %d, "
            "%d steps of Adam (batch %d) per learning rate, standard vs "
            "muP\n",
            o->hidden_layers, nninit_activation_name(o->act), o->widths[0],
            o->widths[o->n_widths - 1], o->base_width, o->steps, o->batch);
}

/* ------------------------------------------------------------------------ */
/* The table: one row per experiment, in nninit_lab_experiment order        */
/* ------------------------------------------------------------------------ */

typedef struct out_row {
    void (*print)(FILE *, const nninit_lab_any_opts *,
                  const nninit_lab_any_result *);
    json_t *(*json)(const nninit_lab_any_opts *, const nninit_lab_any_result *,
                    json_t *);
    void (*header)(FILE *, const nninit_lab_any_opts *);
} out_row;

#define OUT_ROW(name) {print_##name, json_##name, header_##name}
static const out_row outputs[NNINIT_LAB_EXP_COUNT] = {
    OUT_ROW(symmetry), OUT_ROW(signal),     OUT_ROW(depth), OUT_ROW(selu),
    OUT_ROW(isometry), OUT_ROW(deeplinear), OUT_ROW(rnn),   OUT_ROW(train),
    OUT_ROW(residual), OUT_ROW(mup)};
_Static_assert(NNINIT_LAB_EXP_COUNT == 10, "one output row per experiment");

void lab_print(FILE *f, nninit_lab_experiment e, const nninit_lab_any_opts *o,
               const nninit_lab_any_result *r)
{
    if ((unsigned)e < NNINIT_LAB_EXP_COUNT)
        outputs[e].print(f, o, r);
}

json_t *lab_json(nninit_lab_experiment e, const nninit_lab_any_opts *o,
                 const nninit_lab_any_result *r)
{
    if ((unsigned)e >= NNINIT_LAB_EXP_COUNT)
        return NULL;
    json_t *doc = common_json(nninit_lab_experiment_name(e), &o->c);
    return doc ? outputs[e].json(o, r, doc) : NULL;
}

void lab_print_header(FILE *f, nninit_lab_experiment e,
                      const nninit_lab_any_opts *o)
{
    if ((unsigned)e < NNINIT_LAB_EXP_COUNT)
        outputs[e].header(f, o);
}

/* ------------------------------------------------------------------------ */
/* Verdicts                                                                 */
/* ------------------------------------------------------------------------ */

void lab_print_verdicts(FILE *f, const nninit_lab_section *s)
{
    for (int i = 0; i < s->n_claims; i++) {
        const nninit_lab_verdict *v = &s->claims[i];
        fprintf(f, "\n  claim:     %s\n  predicted: %s\n  measured:  %s\n",
                v->claim, v->predicted, v->measured);
        fprintf(f, "  per seed:  %s:", v->metric);
        for (int k = 0; k < v->n_seeds; k++)
            fprintf(f, " %.3g", v->per_seed[k]);
        fprintf(f, "\n  verdict:   %s\n", v->holds ? "HOLDS" : "DOES NOT HOLD");
        if (!v->holds && v->why[0])
            fprintf(f, "  why:       %s\n", v->why);
    }
}

json_t *lab_json_verdicts(const nninit_lab_section *s)
{
    json_t *a = json_array();
    for (int i = 0; a && i < s->n_claims; i++) {
        const nninit_lab_verdict *v = &s->claims[i];
        json_t *seeds = json_array();
        for (int k = 0; k < v->n_seeds; k++)
            json_array_append_new(
                seeds, json_pack("{s:I, s:o}", "seed", (json_int_t)s->seeds[k],
                                 "value", lab_jnum(v->per_seed[k])));
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:o}", "id",
                         v->id, "section", s->id, "claim", v->claim, "holds",
                         v->holds, "predicted", v->predicted, "measured",
                         v->measured, "metric", v->metric, "per_seed", seeds));
    }
    return a;
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
