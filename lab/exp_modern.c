/*
 * exp_modern.c: the schemes of modern initialization, measured: depth
 * scalings on a residual network at initialization (residual), and muP's
 * learning-rate transfer across widths (mup). Both build their networks
 * as nninit models with the places the scalings read (roles, a stack,
 * base shapes), so what is measured is the library's own table of
 * scalings.
 */
#include "lab_internal.h"
#include "nninit/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One linear layer of a model: fcK in block `depth` of `count`. */
static int add_linear(nninit_model *m, const char *name, int in, int out,
                      nninit_activation act, nninit_layer_role role,
                      int64_t depth, int64_t count, nninit_error *err)
{
    nninit_layer l = nninit_layer_make(NNINIT_TORCH_LINEAR);
    snprintf(l.name, sizeof l.name, "%s", name);
    l.args.in = in;
    l.args.out = out;
    l.args.activation = act;
    l.role = role;
    l.stack = count ? NNINIT_STACK_DECODER : NNINIT_STACK_NONE;
    l.depth = depth;
    l.depth_count = count;
    return nninit_model_add_layer(m, &l, err);
}

/* The plan's bytes of tensor `name` into out (its whole, in the lab's
 * element type). */
static int plan_fill(const nninit_plan *p, nninit_producer *pr,
                     const char *name, real *out, nninit_error *err)
{
    for (size_t i = 0; i < nninit_plan_size(p); i++) {
        const nninit_plan_entry *e = nninit_plan_get(p, i);
        if (strcmp(e->name, name))
            continue;
        return nninit_producer_fill(pr, i, out, 0,
                                    nninit_shape_numel(e->shape), err);
    }
    return nninit__fail(err, NNINIT_EINVAL, "no tensor %s", name);
}

/* ------------------------------------------------------------------------ */
/* residual                                                                 */
/* ------------------------------------------------------------------------ */

nninit_lab_residual_opts nninit_lab_residual_defaults(void)
{
    nninit_lab_residual_opts o;
    memset(&o, 0, sizeof o);
    o.c.fashion = 0;
    o.blocks = 24;
    o.width = 128;
    o.hidden = 512;
    o.batch = 256;
    static const int schemes[] = {-1,
                                  NNINIT_SCALING_GPT2,
                                  NNINIT_SCALING_TORCHTITAN,
                                  NNINIT_SCALING_DEEPNET,
                                  NNINIT_SCALING_T_FIXUP,
                                  NNINIT_SCALING_FIXUP,
                                  NNINIT_SCALING_ZERO_INIT};
    o.n_schemes = (int)(sizeof schemes / sizeof *schemes);
    memcpy(o.schemes, schemes, sizeof schemes);
    return o;
}

void nninit_lab_residual_free(nninit_lab_residual_result *r)
{
    for (int i = 0; i < r->n_runs; i++)
        nninit__free(r->alloc, r->runs[i].ratio);
    r->n_runs = 0;
    nninit__lab_figs_free(r->figures, &r->n_figures);
}

/* The blocks' weights as the plan makes them under `scheme`. */
static int residual_weights(const nninit_lab_residual_opts *o, int scheme,
                            real *const *w, nninit_error *err)
{
    const int L = o->blocks;
    nninit_model *m = NULL;
    nninit_plan *p = NULL;
    nninit_producer *pr = NULL;
    int rc = nninit_model_new(&m, o->c.alloc, err);
    char name[48];
    for (int l = 0; l < L && !rc; l++) {
        snprintf(name, sizeof name, "h.%d.fc1", l);
        rc = add_linear(m, name, o->width, o->hidden, NNINIT_ACT_RELU,
                        NNINIT_LAYER_FFN_IN, l, L, err);
        snprintf(name, sizeof name, "h.%d.fc2", l);
        if (!rc)
            rc = add_linear(m, name, o->hidden, o->width, NNINIT_ACT_NONE,
                            NNINIT_LAYER_FFN_OUT, l, L, err);
    }
    if (!rc && scheme >= 0) {
        nninit_scaling s = nninit_scaling_make((nninit_scaling_kind)scheme);
        rc = nninit_model_add_scaling(m, &s, err);
    }
    nninit_plan_opts po = nninit_plan_opts_default();
    po.seed = o->c.seed;
    po.dtype_set = 1;
    po.dtype = LAB_DTYPE;
    if (!rc)
        rc = nninit_plan_new(m, &po, &p, err);
    nninit_fill_opts fo = nninit_fill_opts_default();
    fo.alloc = o->c.alloc;
    if (!rc)
        rc = nninit_producer_new(p, &fo, &pr, err);
    static const char *const parts[] = {"fc1.weight", "fc1.bias", "fc2.weight",
                                        "fc2.bias"};
    for (int l = 0; l < L && !rc; l++)
        for (int k = 0; k < 4 && !rc; k++) {
            snprintf(name, sizeof name, "h.%d.%s", l, parts[k]);
            rc = plan_fill(p, pr, name, w[4 * l + k], err);
        }
    nninit_producer_free(pr);
    nninit_plan_free(p);
    nninit_model_free(m);
    return rc;
}

int nninit_lab_residual(const nninit_lab_residual_opts *o,
                        nninit_lab_residual_result *r, nninit_error *err)
{
    memset(r, 0, sizeof *r);
    const nninit_allocator *a = r->alloc = o->c.alloc;
    int rc = LAB_CHECK(err, {"schemes", o->n_schemes, 1, 8},
                       {"blocks", o->blocks, 1, 1000},
                       {"width", o->width, 1, 1 << 14},
                       {"hidden", o->hidden, 1, 1 << 14},
                       {"batch", o->batch, 2, 1 << 16});
    for (int i = 0; !rc && i < o->n_schemes; i++)
        if (o->schemes[i] < -1 || o->schemes[i] >= NNINIT_SCALING_COUNT ||
            o->schemes[i] == NNINIT_SCALING_MUP)
            rc = nninit__fail(err, NNINIT_EINVAL,
                              "residual: scheme %d is no depth scaling",
                              o->schemes[i]);
    if (rc)
        return rc;
    nninit_lab_common c = o->c;
    c.fashion = 0; /* N(0, 1) inputs of the stream's width */
    nninit_lab_data in;
    if ((rc = nninit__lab_input_batch(&c, o->batch, o->width, &in, err)))
        return rc;
    const int L = o->blocks, B = o->batch, W = o->width, H = o->hidden;
    real *w[4 * 1000];
    memset(w, 0, sizeof w);
    real *x = nninit__lab_zalloc(a, (size_t)B * W);
    real *h = nninit__lab_zalloc(a, (size_t)B * H);
    double *lx = nninit__lab_dalloc(a, (size_t)L);
    if (!x || !h || !lx)
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (int l = 0; l < L && !rc; l++) {
        lx[l] = l + 1;
        w[4 * l] = nninit__lab_zalloc(a, (size_t)H * W);
        w[4 * l + 1] = nninit__lab_zalloc(a, (size_t)H);
        w[4 * l + 2] = nninit__lab_zalloc(a, (size_t)W * H);
        w[4 * l + 3] = nninit__lab_zalloc(a, (size_t)W);
        if (!w[4 * l] || !w[4 * l + 1] || !w[4 * l + 2] || !w[4 * l + 3])
            rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    nninit_lab_figure *fig = NULL;
    char title[128];
    snprintf(title, sizeof title,
             "residual: the stream's std by block, x <- x + W2 relu(W1 x), "
             "width %d", W);
    if (!rc)
        rc = nninit__lab_fig_new(r->figures, &r->n_figures, a, "residual-std",
                                 title, "block",
                                 "std of the stream / the input's", 1,
                                 o->n_schemes, &fig, err);
    const double x0 = rc ? 1 : nninit_lab_std(in.x, (size_t)B * W, NULL);
    for (int i = 0; i < o->n_schemes && !rc; i++) {
        nninit_lab_residual_run *run = &r->runs[r->n_runs++];
        const int sk = o->schemes[i];
        snprintf(run->scheme, sizeof run->scheme, "%s",
                 sk < 0 ? "none" : nninit_scaling_kind_name(
                                       (nninit_scaling_kind)sk));
        run->blocks = L;
        if (!(run->ratio = nninit__lab_dalloc(a, (size_t)L))) {
            rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
            break;
        }
        if ((rc = residual_weights(o, sk, w, err)))
            break;
        memcpy(x, in.x, (size_t)B * W * sizeof(real));
        for (int l = 0; l < L; l++) {
            for (int b = 0; b < B; b++)
                memcpy(h + (size_t)b * H, w[4 * l + 1],
                       (size_t)H * sizeof(real));
            lab_gemm(0, 1, B, H, W, 1, x, W, w[4 * l], W, 1, h, H);
            nninit_lab_act_forward(NNINIT_ACT_RELU, 0, h, h, (size_t)B * H);
            for (int b = 0; b < B; b++)
                for (int j = 0; j < W; j++)
                    x[(size_t)b * W + j] += w[4 * l + 3][j];
            lab_gemm(0, 1, B, W, H, 1, h, H, w[4 * l + 2], H, 1, x, W);
            run->ratio[l] = nninit_lab_std(x, (size_t)B * W, NULL) / x0;
        }
        rc = nninit__lab_fig_add(fig, run->scheme, L, lx, run->ratio, err);
        nninit__lab_progress(&o->c, "residual", (i + 1.0) / o->n_schemes);
    }
    for (int k = 0; k < 4 * L; k++)
        nninit__free(a, w[k]);
    nninit__free(a, x);
    nninit__free(a, h);
    nninit__free(a, lx);
    nninit_lab_data_free(&in);
    if (rc)
        nninit_lab_residual_free(r);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* mup                                                                      */
/* ------------------------------------------------------------------------ */

nninit_lab_mup_opts nninit_lab_mup_defaults(void)
{
    nninit_lab_mup_opts o;
    memset(&o, 0, sizeof o);
    o.c.fashion = 1;
    static const int widths[] = {64, 128, 256, 512, 1024};
    o.n_widths = 5;
    memcpy(o.widths, widths, sizeof widths);
    o.base_width = 64;
    o.hidden_layers = 2;
    o.act = NNINIT_ACT_RELU;
    o.steps = 150;
    o.batch = 128;
    o.window = 20;
    o.n_train = 10000;
    o.n_lrs = 11; /* 2^-14 .. 2^-4 */
    for (int k = 0; k < o.n_lrs; k++)
        o.lrs[k] = ldexp(1.0, k - 14);
    return o;
}

void nninit_lab_mup_free(nninit_lab_mup_result *r)
{
    for (int i = 0; i < r->n_runs; i++) {
        nninit__free(r->alloc, r->runs[i].lr);
        nninit__free(r->alloc, r->runs[i].loss);
    }
    r->n_runs = 0;
    nninit__lab_figs_free(r->figures, &r->n_figures);
}

/* The MLP of `width` as nninit plans it: PyTorch's defaults (the torch
 * preset), and with `mup` the mup scaling over the base width; the layers'
 * initializers, the readout's multiplier and each parameter's learning-
 * rate factor (MuAdam: 1/width_mult for matrix-like tensors). */
typedef struct mup_net {
    int L;
    nninit_lab_init winit[16], binit[16];
    double out_mult;
    double lr_mult[32]; /* per parameter: fc1.weight, fc1.bias, ... */
} mup_net;

static int mup_model(const nninit_lab_mup_opts *o, int width, int in, int out,
                     nninit_model **mm, nninit_error *err)
{
    const int L = o->hidden_layers + 1;
    int rc = nninit_model_new(mm, o->c.alloc, err);
    char name[16];
    for (int k = 0; k < L && !rc; k++) {
        snprintf(name, sizeof name, "fc%d", k + 1);
        rc = add_linear(*mm, name, k ? width : in, k == L - 1 ? out : width,
                        k == L - 1 ? NNINIT_ACT_NONE : o->act,
                        NNINIT_LAYER_NONE, 0, 0, err);
    }
    return rc;
}

static int mup_plan(const nninit_lab_mup_opts *o, int width, int mup,
                    int in, int out, mup_net *net, nninit_error *err)
{
    memset(net, 0, sizeof *net);
    net->L = o->hidden_layers + 1;
    net->out_mult = 1;
    nninit_model *m = NULL, *base = NULL;
    nninit_plan *p = NULL;
    int rc = mup_model(o, width, in, out, &m, err);
    if (!rc && mup)
        rc = mup_model(o, o->base_width, in, out, &base, err);
    if (!rc && mup)
        rc = nninit_model_set_base_shapes(m, base, err);
    if (!rc && mup) {
        nninit_scaling s = nninit_scaling_make(NNINIT_SCALING_MUP);
        rc = nninit_model_add_scaling(m, &s, err);
    }
    nninit_plan_opts po = nninit_plan_opts_default();
    po.preset = NNINIT_PRESET_TORCH;
    if (!rc)
        rc = nninit_plan_new(m, &po, &p, err);
    for (size_t i = 0; !rc && i < nninit_plan_size(p); i++) {
        const nninit_plan_entry *e = nninit_plan_get(p, i);
        const int k = (int)i / 2; /* fcK.weight, fcK.bias in order */
        if (i % 2 == 0)
            net->winit[k] = nninit_lab_init_of(*e->spec);
        else
            net->binit[k] = nninit_lab_init_of(*e->spec);
        net->lr_mult[i] = e->infinite == 3u ? 1 / e->width_mult : 1;
    }
    for (size_t i = 0; !rc && i < nninit_plan_note_count(p); i++) {
        const nninit_plan_note *n = nninit_plan_note_get(p, i);
        if (!strncmp(n->key, "mup.readout.", 12))
            net->out_mult = atof(n->value);
    }
    nninit_plan_free(p);
    nninit_model_free(m);
    nninit_model_free(base);
    return rc;
}

/* Train one net; the mean loss of the last window (NAN if it diverged). */
static int mup_train(const nninit_lab_mup_opts *o, const nninit_lab_data *tr,
                     int width, const mup_net *mn, double lr, double *loss,
                     real *dl, nninit_error *err)
{
    int sizes[17];
    nninit_activation acts[16];
    sizes[0] = tr->dim;
    for (int k = 0; k < mn->L; k++) {
        sizes[k + 1] = k == mn->L - 1 ? tr->classes : width;
        acts[k] = k == mn->L - 1 ? NNINIT_ACT_NONE : o->act;
    }
    nninit_lab_mlp_desc d = nninit_lab_mlp_desc_make(mn->L, sizes, acts);
    d.weight_init = mn->winit;
    d.bias_init = mn->binit;
    d.seed = o->c.seed;
    d.max_batch = o->batch;
    d.out_mult = mn->out_mult;
    nninit_lab_mlp *net = NULL;
    lab_batcher bt;
    memset(&bt, 0, sizeof bt);
    int rc = nninit_lab_mlp_new(&d, o->c.alloc, &net, err);
    if (!rc)
        rc = nninit__lab_batcher_init(&bt, tr, o->batch, o->c.seed,
                                      "lab.mup.shuffle", o->c.alloc, err);
    if (!rc) {
        int np;
        nninit_lab_param *p = nninit_lab_mlp_params(net, &np);
        for (int k = 0; k < np; k++)
            p[k].lr_mult = mn->lr_mult[k];
    }
    nninit_lab_optim opt = nninit_lab_optim_make(NNINIT_LAB_ADAM, lr);
    double sum = 0;
    int diverged = 0;
    for (int s = 0; s < o->steps && !rc && !diverged; s++) {
        int n = nninit__lab_batcher_next(&bt, NULL);
        double l = nninit__lab_train_step(net, &opt, bt.x, bt.y, n,
                                          tr->classes, dl);
        diverged = !isfinite(l);
        if (s >= o->steps - o->window)
            sum += l;
    }
    *loss = diverged ? NAN : sum / o->window;
    nninit__lab_batcher_free(&bt);
    nninit_lab_mlp_free(net);
    return rc;
}

/* The centre (mean log2 lr) of the learning rates whose loss is within 10%
 * of the best one: where the good window sits, steadier than the argmin
 * on a flat valley. */
static void mup_summary(nninit_lab_mup_run *run)
{
    double best = INFINITY, sum = 0;
    int n = 0;
    for (int k = 0; k < run->n_lrs; k++)
        if (run->loss[k] < best) {
            best = run->loss[k];
            run->best_lr = run->lr[k];
        }
    for (int k = 0; k < run->n_lrs; k++)
        if (run->loss[k] <= 1.1 * best) {
            sum += log2(run->lr[k]);
            n++;
        }
    run->window_centre = n ? sum / n : NAN;
}

int nninit_lab_mup(const nninit_lab_mup_opts *o, nninit_lab_mup_result *r,
                   nninit_error *err)
{
    memset(r, 0, sizeof *r);
    const nninit_allocator *a = r->alloc = o->c.alloc;
    int rc = LAB_CHECK(err, {"widths", o->n_widths, 1, 8},
                       {"learning rates", o->n_lrs, 1, 16},
                       {"hidden layers", o->hidden_layers, 1, 15},
                       {"base width", o->base_width, 1, 1 << 16},
                       {"steps", o->steps, 1, 100000000},
                       {"window", o->window, 1, o->steps},
                       {"batch", o->batch, 1, 1 << 16});
    for (int k = 0; !rc && k < o->n_widths; k++)
        rc = LAB_CHECK(err, {"width", o->widths[k], 1, 1 << 16});
    for (int k = 0; !rc && k < o->n_lrs; k++)
        rc = nninit__lab_check_lr(o->lrs[k], err);
    if (!rc)
        rc = nninit__lab_check_act(o->act, err);
    if (rc)
        return rc;
    nninit_lab_data tr, te;
    if ((rc = nninit__lab_load_data(&o->c, o->n_train, 100, &tr, &te, err)))
        return rc;
    real *dl = nninit__lab_zalloc(a, (size_t)o->batch * tr.classes);
    double *lx = nninit__lab_dalloc(a, (size_t)o->n_lrs);
    if (!dl || !lx)
        rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (int k = 0; !rc && k < o->n_lrs; k++)
        lx[k] = o->lrs[k];
    const int total = 2 * o->n_widths * o->n_lrs;
    for (int mup = 0; mup < 2 && !rc; mup++) {
        nninit_lab_figure *fig = NULL;
        char title[128];
        snprintf(title, sizeof title,
                 "%s: training loss after %d steps of Adam by learning rate",
                 mup ? "muP" : "standard parametrization", o->steps);
        rc = nninit__lab_fig_new(r->figures, &r->n_figures, a,
                                 mup ? "mup-mup" : "mup-sp", title,
                                 "learning rate",
                                 "training loss (last window)", 0,
                                 o->n_widths, &fig, err);
        if (!rc)
            fig->logx = 1;
        for (int wi = 0; wi < o->n_widths && !rc; wi++) {
            nninit_lab_mup_run *run = &r->runs[r->n_runs++];
            run->mup = mup;
            run->width = o->widths[wi];
            run->n_lrs = o->n_lrs;
            run->lr = nninit__lab_dalloc(a, (size_t)o->n_lrs);
            run->loss = nninit__lab_dalloc(a, (size_t)o->n_lrs);
            if (!run->lr || !run->loss) {
                rc = nninit__fail(err, NNINIT_ENOMEM, "out of memory");
                break;
            }
            mup_net mn;
            if ((rc = mup_plan(o, run->width, mup, tr.dim, tr.classes, &mn,
                               err)))
                break;
            for (int k = 0; k < o->n_lrs && !rc; k++) {
                run->lr[k] = o->lrs[k];
                rc = mup_train(o, &tr, run->width, &mn, o->lrs[k],
                               &run->loss[k], dl, err);
                char what[64];
                snprintf(what, sizeof what, "mup: %s width %d",
                         mup ? "muP" : "SP", run->width);
                nninit__lab_progress(
                    &o->c, what,
                    ((mup * o->n_widths + wi) * o->n_lrs + k + 1.0) / total);
            }
            mup_summary(run);
            char label[32];
            snprintf(label, sizeof label, "width %d", run->width);
            if (!rc)
                rc = nninit__lab_fig_add(fig, label, o->n_lrs, lx, run->loss,
                                         err);
        }
    }
    nninit__free(a, dl);
    nninit__free(a, lx);
    nninit_lab_data_free(&tr);
    nninit_lab_data_free(&te);
    if (rc)
        nninit_lab_mup_free(r);
    return rc;
}
