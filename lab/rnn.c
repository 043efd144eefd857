/*
 * rnn.c: one recurrent layer (vanilla tanh/relu, LSTM, GRU) and a linear
 * readout, trained by backpropagation through time.
 *
 * Shapes follow PyTorch: weight_ih (G*H, in), weight_hh (G*H, H) with the G
 * gate blocks stacked (LSTM i, f, g, o; GRU r, z, n), biases bias_ih and
 * bias_hh (G*H). The GRU's candidate is n = tanh(W_in x + b_in + r * (W_hn h
 * + b_hn)), as in PyTorch, which is why both biases exist.
 *
 * Forward computes the input projections of all steps in one product, then
 * one (B, H) x (H, G*H) product per step. Everything backward needs is kept:
 * h (T+1 steps), the gate outputs, the hidden projection (GRU) and c, tanh(c)
 * (LSTM).
 */
#include "lab_internal.h"

#include <math.h>
#include <string.h>

static const char *const cell_names[] = {"rnn_tanh", "rnn_relu", "lstm", "gru"};
static const nninit_name_alias cell_aliases[] = {{"rnn", NNINIT_LAB_RNN_TANH},
                                                 {NULL, 0}};
static const nninit_names cell_table = {"cell", cell_names, 4, cell_aliases,
                                        0};
NNINIT__NAMED_ENUM(nninit_lab_cell, nninit_lab_cell, cell_table)

enum { P_WIH, P_WHH, P_BIH, P_BHH, P_WO, P_BO, P_COUNT };

struct nninit_lab_rnn {
    nninit_lab_rnn_desc d;
    const nninit_allocator *alloc;
    int G, GH, T, B;
    nninit_lab_param p[P_COUNT];
    const real *x;
    real *xa, *hh, *act; /* T x B x GH */
    real *h;             /* (T+1) x B x H */
    real *c, *tc;        /* LSTM: (T+1) x B x H, T x B x H */
    real *y;             /* T x B x out (or B x out) */
    real *dxa;           /* T x B x GH */
    real *dhr;           /* T x B x H: readout gradient into h */
    real *dha;           /* B x GH */
    real *dh, *dc, *dhn; /* B x H */
    double *gnorm;       /* T: ||dL/dh_t|| of the last backward */
};

nninit_lab_rnn_desc nninit_lab_rnn_desc_make(nninit_lab_cell cell, int in,
                                             int hidden, int out)
{
    nninit_lab_rnn_desc d;
    memset(&d, 0, sizeof d);
    d.cell = cell;
    d.in = in;
    d.hidden = hidden;
    d.out = out;
    d.input_init = nninit_lab_init_rule();
    d.recurrent_init = nninit_lab_init_rule();
    d.output_init = nninit_lab_init_rule();
    d.max_steps = 100;
    d.max_batch = 32;
    return d;
}

void nninit_lab_rnn_free(nninit_lab_rnn *n)
{
    if (!n)
        return;
    const nninit_allocator *a = n->alloc;
    for (int k = 0; k < P_COUNT; k++)
        nninit__lab_param_free(&n->p[k], a);
    real *bufs[] = {n->xa, n->hh, n->act, n->h,  n->c,  n->tc, n->y,
                    n->dxa, n->dhr, n->dha, n->dh, n->dc, n->dhn};
    for (size_t k = 0; k < sizeof bufs / sizeof *bufs; k++)
        nninit__free(a, bufs[k]);
    nninit__free(a, n->gnorm);
    nninit__free(a, n);
}

static int rnn_init_weights(nninit_lab_rnn *n, nninit_error *err)
{
    const nninit_lab_rnn_desc *d = &n->d;
    const int H = d->hidden;
    nninit_activation in_act = d->cell == NNINIT_LAB_RNN_TANH ? NNINIT_ACT_TANH
                               : d->cell == NNINIT_LAB_RNN_RELU
                                   ? NNINIT_ACT_RELU
                                   : NNINIT_ACT_SIGMOID;
    nninit_spec si, sr, so;
    int rc = nninit_lab_init_resolve(&d->input_init, NNINIT_ROLE_WEIGHT,
                                     in_act, NAN, &si, err);
    if (!rc)
        rc = nninit_lab_init_resolve(&d->recurrent_init, NNINIT_ROLE_RECURRENT,
                                     NNINIT_ACT_NONE, NAN, &sr, err);
    if (!rc)
        rc = nninit_lab_init_resolve(&d->output_init, NNINIT_ROLE_WEIGHT,
                                     NNINIT_ACT_NONE, NAN, &so, err);
    for (int g = 0; !rc && g < n->G; g++) {
        char name[40];
        snprintf(name, sizeof name, "rnn.weight_ih.%d", g);
        rc = nninit__lab_fill(&si, H, d->in, d->seed, name,
                              n->p[P_WIH].w + (size_t)g * H * d->in, n->alloc,
                              err);
        snprintf(name, sizeof name, "rnn.weight_hh.%d", g);
        if (!rc)
            rc = nninit__lab_fill(&sr, H, H, d->seed, name,
                                  n->p[P_WHH].w + (size_t)g * H * H, n->alloc,
                                  err);
    }
    if (!rc)
        rc = nninit__lab_fill(&so, d->out, H, d->seed, "out.weight",
                              n->p[P_WO].w, n->alloc, err);
    if (rc)
        return rc;
    memset(n->p[P_BIH].w, 0, n->p[P_BIH].n * sizeof(real));
    memset(n->p[P_BHH].w, 0, n->p[P_BHH].n * sizeof(real));
    memset(n->p[P_BO].w, 0, n->p[P_BO].n * sizeof(real));
    if (d->cell == NNINIT_LAB_LSTM)
        for (int j = 0; j < H; j++)
            n->p[P_BIH].w[H + j] = (real)d->forget_bias;
    return NNINIT_OK;
}

int nninit_lab_rnn_new(const nninit_lab_rnn_desc *d,
                       const nninit_allocator *alloc, nninit_lab_rnn **out,
                       nninit_error *err)
{
    *out = NULL;
    if ((unsigned)d->cell > NNINIT_LAB_GRU)
        return nninit__fail(err, NNINIT_EINVAL, "unknown cell");
    if (d->in < 1 || d->hidden < 1 || d->out < 1 || d->in > 65536 ||
        d->hidden > 65536 || d->out > 65536)
        return nninit__fail(err, NNINIT_EINVAL,
                            "rnn sizes must be in [1, 65536] (in %d, hidden "
                            "%d, out %d)",
                            d->in, d->hidden, d->out);
    if (d->max_steps < 1 || d->max_batch < 1 || d->max_steps > 100000 ||
        d->max_batch > 65536)
        return nninit__fail(err, NNINIT_EINVAL,
                            "max_steps must be in [1, 100000] and max_batch "
                            "in [1, 65536]");
    if (!isfinite(d->forget_bias))
        return nninit__fail(err, NNINIT_EINVAL, "forget_bias must be finite");
    nninit_lab_rnn *n = (nninit_lab_rnn *)nninit__alloc(alloc, sizeof *n);
    if (!n)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    memset(n, 0, sizeof *n);
    n->d = *d;
    n->alloc = alloc;
    n->G = d->cell == NNINIT_LAB_LSTM ? 4 : d->cell == NNINIT_LAB_GRU ? 3 : 1;
    const size_t H = (size_t)d->hidden, GH = (size_t)n->G * H;
    n->GH = (int)GH;
    const size_t T = (size_t)d->max_steps, B = (size_t)d->max_batch;
    int rc = nninit__lab_param_alloc(&n->p[P_WIH], "rnn.weight_ih", (int64_t)GH,
                                     d->in, alloc);
    if (!rc)
        rc = nninit__lab_param_alloc(&n->p[P_WHH], "rnn.weight_hh",
                                     (int64_t)GH, (int64_t)H, alloc);
    if (!rc)
        rc = nninit__lab_param_alloc(&n->p[P_BIH], "rnn.bias_ih", (int64_t)GH,
                                     1, alloc);
    if (!rc)
        rc = nninit__lab_param_alloc(&n->p[P_BHH], "rnn.bias_hh", (int64_t)GH,
                                     1, alloc);
    if (!rc)
        rc = nninit__lab_param_alloc(&n->p[P_WO], "out.weight", d->out,
                                     (int64_t)H, alloc);
    if (!rc)
        rc = nninit__lab_param_alloc(&n->p[P_BO], "out.bias", d->out, 1,
                                     alloc);
    const size_t ysteps = d->all_steps ? T : 1;
    n->xa = nninit__lab_zalloc(alloc, T * B * GH);
    n->hh = nninit__lab_zalloc(alloc, T * B * GH);
    n->act = nninit__lab_zalloc(alloc, T * B * GH);
    n->h = nninit__lab_zalloc(alloc, (T + 1) * B * H);
    n->y = nninit__lab_zalloc(alloc, ysteps * B * (size_t)d->out);
    n->dxa = nninit__lab_zalloc(alloc, T * B * GH);
    n->dhr = nninit__lab_zalloc(alloc, ysteps * B * H);
    n->dha = nninit__lab_zalloc(alloc, B * GH);
    n->dh = nninit__lab_zalloc(alloc, B * H);
    n->dc = nninit__lab_zalloc(alloc, B * H);
    n->dhn = nninit__lab_zalloc(alloc, B * H);
    n->gnorm = (double *)nninit__alloc(alloc, T * sizeof(double));
    int bad = rc || !n->gnorm || !n->xa || !n->hh || !n->act || !n->h || !n->y || !n->dxa ||
              !n->dhr || !n->dha || !n->dh || !n->dc || !n->dhn;
    if (!bad && d->cell == NNINIT_LAB_LSTM) {
        n->c = nninit__lab_zalloc(alloc, (T + 1) * B * H);
        n->tc = nninit__lab_zalloc(alloc, T * B * H);
        bad = !n->c || !n->tc;
    }
    if (bad) {
        nninit_lab_rnn_free(n);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    if ((rc = rnn_init_weights(n, err))) {
        nninit_lab_rnn_free(n);
        return rc;
    }
    *out = n;
    return NNINIT_OK;
}

nninit_lab_param *nninit_lab_rnn_params(nninit_lab_rnn *n, int *count)
{
    if (count)
        *count = P_COUNT;
    return n->p;
}

const real *nninit_lab_rnn_output(const nninit_lab_rnn *n) { return n->y; }

const double *nninit_lab_rnn_grad_norms(const nninit_lab_rnn *n, int *steps)
{
    if (steps)
        *steps = n->T;
    return n->gnorm;
}

static inline real sigm(real x)
{
    return (real)(x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)));
}

int nninit_lab_rnn_forward(nninit_lab_rnn *n, const real *x, int steps,
                           int batch)
{
    const nninit_lab_rnn_desc *d = &n->d;
    if (steps < 1 || steps > d->max_steps || batch < 1 ||
        batch > d->max_batch)
        return NNINIT_EINVAL;
    n->x = x;
    n->T = steps;
    n->B = batch;
    const int H = d->hidden, GH = n->GH, B = batch, T = steps;
    const size_t bh = (size_t)B * H, bg = (size_t)B * GH;
    const real *bih = n->p[P_BIH].w, *bhh = n->p[P_BHH].w;
    /* input projections of every step at once */
    for (size_t r = 0; r < (size_t)T * B; r++)
        memcpy(n->xa + r * GH, bih, (size_t)GH * sizeof(real));
    lab_gemm(0, 1, T * B, GH, d->in, 1, x, d->in, n->p[P_WIH].w, d->in, 1,
             n->xa, GH);
    memset(n->h, 0, bh * sizeof(real));
    if (n->c)
        memset(n->c, 0, bh * sizeof(real));
    for (int t = 0; t < T; t++) {
        const real *hp = n->h + (size_t)t * bh;
        real *hn = n->h + (size_t)(t + 1) * bh;
        real *hh = n->hh + (size_t)t * bg, *xa = n->xa + (size_t)t * bg;
        real *act = n->act + (size_t)t * bg;
        for (int b = 0; b < B; b++)
            memcpy(hh + (size_t)b * GH, bhh, (size_t)GH * sizeof(real));
        lab_gemm(0, 1, B, GH, H, 1, hp, H, n->p[P_WHH].w, H, 1, hh, GH);
        for (int b = 0; b < B; b++) {
            const real *xr = xa + (size_t)b * GH, *hr = hh + (size_t)b * GH;
            real *ar = act + (size_t)b * GH, *ho = hn + (size_t)b * H;
            const real *hpr = hp + (size_t)b * H;
            switch (d->cell) {
            case NNINIT_LAB_RNN_TANH:
                for (int j = 0; j < H; j++)
                    ho[j] = ar[j] = (real)tanh(xr[j] + hr[j]);
                break;
            case NNINIT_LAB_RNN_RELU:
                for (int j = 0; j < H; j++) {
                    real a = xr[j] + hr[j];
                    ho[j] = ar[j] = a > 0 ? a : 0;
                }
                break;
            case NNINIT_LAB_LSTM: {
                const real *cp = n->c + (size_t)t * bh + (size_t)b * H;
                real *cn = n->c + (size_t)(t + 1) * bh + (size_t)b * H;
                real *tc = n->tc + (size_t)t * bh + (size_t)b * H;
                for (int j = 0; j < H; j++) {
                    real i = sigm(xr[j] + hr[j]);
                    real f = sigm(xr[H + j] + hr[H + j]);
                    real g = (real)tanh(xr[2 * H + j] + hr[2 * H + j]);
                    real o = sigm(xr[3 * H + j] + hr[3 * H + j]);
                    ar[j] = i;
                    ar[H + j] = f;
                    ar[2 * H + j] = g;
                    ar[3 * H + j] = o;
                    cn[j] = f * cp[j] + i * g;
                    tc[j] = (real)tanh(cn[j]);
                    ho[j] = o * tc[j];
                }
                break;
            }
            case NNINIT_LAB_GRU:
                for (int j = 0; j < H; j++) {
                    real r = sigm(xr[j] + hr[j]);
                    real z = sigm(xr[H + j] + hr[H + j]);
                    real nn = (real)tanh(xr[2 * H + j] + r * hr[2 * H + j]);
                    ar[j] = r;
                    ar[H + j] = z;
                    ar[2 * H + j] = nn;
                    ho[j] = (1 - z) * nn + z * hpr[j];
                }
                break;
            }
        }
    }
    /* readout */
    const int O = d->out;
    const real *bo = n->p[P_BO].w;
    if (d->all_steps) {
        for (size_t r = 0; r < (size_t)T * B; r++)
            memcpy(n->y + r * O, bo, (size_t)O * sizeof(real));
        lab_gemm(0, 1, T * B, O, H, 1, n->h + bh, H, n->p[P_WO].w, H, 1, n->y,
                 O);
    } else {
        for (int b = 0; b < B; b++)
            memcpy(n->y + (size_t)b * O, bo, (size_t)O * sizeof(real));
        lab_gemm(0, 1, B, O, H, 1, n->h + (size_t)T * bh, H, n->p[P_WO].w, H,
                 1, n->y, O);
    }
    return NNINIT_OK;
}

static void colsum_add(const real *m, int rows, int cols, real *out)
{
    for (int r = 0; r < rows; r++) {
        const real *row = m + (size_t)r * cols;
        for (int j = 0; j < cols; j++)
            out[j] += row[j];
    }
}

void nninit_lab_rnn_backward(nninit_lab_rnn *n, const real *dy)
{
    const nninit_lab_rnn_desc *d = &n->d;
    const int H = d->hidden, GH = n->GH, B = n->B, T = n->T, O = d->out;
    const size_t bh = (size_t)B * H, bg = (size_t)B * GH;
    for (int k = 0; k < P_COUNT; k++)
        memset(n->p[k].g, 0, n->p[k].n * sizeof(real));
    /* readout: dW_o = dY^T H, db_o = colsum dY, dH = dY W_o */
    const int rows = d->all_steps ? T * B : B;
    const real *hsrc = d->all_steps ? n->h + bh : n->h + (size_t)T * bh;
    lab_gemm(1, 0, O, H, rows, 1, dy, O, hsrc, H, 0, n->p[P_WO].g, H);
    colsum_add(dy, rows, O, n->p[P_BO].g);
    lab_gemm(0, 0, rows, H, O, 1, dy, O, n->p[P_WO].w, H, 0, n->dhr, H);

    real *dhn = n->dhn, *dc = n->dc, *dh = n->dh, *dha = n->dha;
    memset(dhn, 0, bh * sizeof(real));
    memset(dc, 0, bh * sizeof(real));
    for (int t = T - 1; t >= 0; t--) {
        const real *hp = n->h + (size_t)t * bh;
        const real *act = n->act + (size_t)t * bg, *hh = n->hh + (size_t)t * bg;
        real *dxa = n->dxa + (size_t)t * bg;
        const real *dr = d->all_steps ? n->dhr + (size_t)t * bh
                                      : (t == T - 1 ? n->dhr : NULL);
        double ss = 0;
        for (size_t i = 0; i < bh; i++) {
            dh[i] = dhn[i] + (dr ? dr[i] : 0);
            ss += (double)dh[i] * dh[i];
        }
        n->gnorm[t] = sqrt(ss);
        for (int b = 0; b < B; b++) {
            const real *ar = act + (size_t)b * GH, *hr = hh + (size_t)b * GH;
            const real *dhb = dh + (size_t)b * H, *hpb = hp + (size_t)b * H;
            real *dx = dxa + (size_t)b * GH, *dg = dha + (size_t)b * GH;
            real *dcb = dc + (size_t)b * H, *dnb = dhn + (size_t)b * H;
            switch (d->cell) {
            case NNINIT_LAB_RNN_TANH:
                for (int j = 0; j < H; j++)
                    dx[j] = dg[j] = dhb[j] * (1 - ar[j] * ar[j]);
                break;
            case NNINIT_LAB_RNN_RELU:
                for (int j = 0; j < H; j++)
                    dx[j] = dg[j] = ar[j] > 0 ? dhb[j] : 0;
                break;
            case NNINIT_LAB_LSTM: {
                const real *cp = n->c + (size_t)t * bh + (size_t)b * H;
                const real *tc = n->tc + (size_t)t * bh + (size_t)b * H;
                for (int j = 0; j < H; j++) {
                    real i = ar[j], f = ar[H + j], g = ar[2 * H + j],
                         o = ar[3 * H + j];
                    real c = dcb[j] + dhb[j] * o * (1 - tc[j] * tc[j]);
                    dx[j] = dg[j] = c * g * i * (1 - i);
                    dx[H + j] = dg[H + j] = c * cp[j] * f * (1 - f);
                    dx[2 * H + j] = dg[2 * H + j] = c * i * (1 - g * g);
                    dx[3 * H + j] = dg[3 * H + j] = dhb[j] * tc[j] * o * (1 - o);
                    dcb[j] = c * f;
                }
                break;
            }
            case NNINIT_LAB_GRU:
                for (int j = 0; j < H; j++) {
                    real r = ar[j], z = ar[H + j], nn = ar[2 * H + j];
                    real dn = dhb[j] * (1 - z) * (1 - nn * nn);
                    real dzz = dhb[j] * (hpb[j] - nn) * z * (1 - z);
                    real drr = dn * hr[2 * H + j] * r * (1 - r);
                    dx[j] = dg[j] = drr;
                    dx[H + j] = dg[H + j] = dzz;
                    dx[2 * H + j] = dn;
                    dg[2 * H + j] = dn * r;
                    dnb[j] = dhb[j] * z; /* direct path, before the product */
                }
                break;
            }
        }
        /* dW_hh += dha^T h_prev; db_hh += colsum dha; dh_prev = dha W_hh */
        lab_gemm(1, 0, GH, H, B, 1, dha, GH, hp, H, 1, n->p[P_WHH].g, H);
        colsum_add(dha, B, GH, n->p[P_BHH].g);
        lab_gemm(0, 0, B, H, GH, 1, dha, GH, n->p[P_WHH].w, H,
                 d->cell == NNINIT_LAB_GRU ? 1 : 0, dhn, H);
    }
    lab_gemm(1, 0, GH, d->in, T * B, 1, n->dxa, GH, n->x, d->in, 0,
             n->p[P_WIH].g, d->in);
    colsum_add(n->dxa, T * B, GH, n->p[P_BIH].g);
}
