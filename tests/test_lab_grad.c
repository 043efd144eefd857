/*
 * test_lab_grad.c: every layer and loss of the lab against central finite
 * differences, in double precision (this file links nninit_lab_f64: the
 * same sources built with NNINIT_LAB_F64, so dgemm and double everywhere).
 *
 * Tolerances: with h = 1e-6 the central difference has truncation error
 * O(h^2 f''') ~ 1e-12 and rounding error ~ eps*|L|/h ~ 1e-10, so analytic
 * and numeric gradients of a correct layer agree to ~1e-8 relative; a wrong
 * term (a missing factor, a transposed product) is off by O(1). We accept
 * |a - n| <= 1e-6 * max(1, |a|, |n|).
 */
#include "nninit_test.h"

#include "nninit/lab.h"

typedef nninit_lab_real real;

static double rel_err(double a, double n)
{
    double s = fabs(a) > fabs(n) ? fabs(a) : fabs(n);
    return fabs(a - n) / (s > 1 ? s : 1);
}

/* Fill with a fixed pseudo-random pattern in [-1, 1). */
static void fill(real *x, size_t n, uint64_t seed)
{
    nninit_rng g;
    nninit_rng_init(&g, seed, 7);
    for (size_t i = 0; i < n; i++)
        x[i] = (real)(2 * nninit_rng_uniform(&g) - 1);
}

static const nninit_activation all_acts[] = {
    NNINIT_ACT_NONE, NNINIT_ACT_SIGMOID, NNINIT_ACT_TANH,
    NNINIT_ACT_SOFTSIGN, NNINIT_ACT_RELU, NNINIT_ACT_LEAKY_RELU,
    NNINIT_ACT_ELU, NNINIT_ACT_SELU, NNINIT_ACT_GELU, NNINIT_ACT_SILU};
#define N_ACTS (int)(sizeof all_acts / sizeof *all_acts)

static void activations_match_finite_differences(void)
{
    /* points away from the kink at 0 (relu family: derivative undefined) */
    const double xs[] = {-2.5, -1.1, -0.3, 0.2, 0.7, 1.9, 3.3};
    for (int a = 0; a < N_ACTS; a++) {
        for (size_t i = 0; i < sizeof xs / sizeof *xs; i++) {
            real x = (real)xs[i], y, xp = (real)(xs[i] + 1e-6),
                 xm = (real)(xs[i] - 1e-6), yp, ym, one = 1, dx;
            nninit_lab_act_forward(all_acts[a], 0.1, &x, &y, 1);
            nninit_lab_act_forward(all_acts[a], 0.1, &xp, &yp, 1);
            nninit_lab_act_forward(all_acts[a], 0.1, &xm, &ym, 1);
            nninit_lab_act_backward(all_acts[a], 0.1, &x, &y, &one, &dx, 1);
            double num = (yp - ym) / 2e-6;
            CHECK_MSG(rel_err(dx, num) < 1e-7, "%s at %g: %.12g vs %.12g",
                      nninit_activation_name(all_acts[a]), xs[i], dx, num);
        }
    }
    /* known values: selu(1) = lambda, gelu(1) = Phi(1), softsign(1) = 1/2 */
    real x = 1, y;
    nninit_lab_act_forward(NNINIT_ACT_SELU, NAN, &x, &y, 1);
    CHECK_NEAR(y, 1.0507009873554805, 1e-15);
    x = -1;
    nninit_lab_act_forward(NNINIT_ACT_SELU, NAN, &x, &y, 1);
    CHECK_NEAR(y, 1.0507009873554805 * 1.6732632423543772 * (exp(-1.0) - 1),
               1e-15);
    x = 1;
    nninit_lab_act_forward(NNINIT_ACT_GELU, NAN, &x, &y, 1);
    CHECK_NEAR(y, 0.8413447460685429, 1e-15);
    nninit_lab_act_forward(NNINIT_ACT_SOFTSIGN, NAN, &x, &y, 1);
    CHECK_NEAR(y, 0.5, 1e-15);
    x = -2;
    nninit_lab_act_forward(NNINIT_ACT_LEAKY_RELU, NAN, &x, &y, 1);
    CHECK_NEAR(y, -0.02, 1e-15); /* default slope 0.01 */
}

static void losses_match_finite_differences(void)
{
    enum { B = 4, C = 5 };
    real z[B * C], dz[B * C];
    int32_t lab[B] = {0, 3, 4, -1}; /* -1: ignored */
    fill(z, B * C, 1);
    for (int i = 0; i < B * C; i++)
        z[i] *= 3;
    double L = nninit_lab_softmax_xent(z, lab, B, C, dz);
    /* independent value: mean of -log softmax over the 3 labelled rows */
    double ref = 0;
    for (int b = 0; b < 3; b++) {
        double se = 0;
        for (int c = 0; c < C; c++)
            se += exp(z[b * C + c]);
        ref += log(se) - z[b * C + lab[b]];
    }
    CHECK_NEAR(L, ref / 3, 1e-12);
    for (int i = 0; i < B * C; i++) {
        real s = z[i];
        z[i] = s + 1e-6;
        double lp = nninit_lab_softmax_xent(z, lab, B, C, NULL);
        z[i] = s - 1e-6;
        double lm = nninit_lab_softmax_xent(z, lab, B, C, NULL);
        z[i] = s;
        CHECK_MSG(rel_err(dz[i], (lp - lm) / 2e-6) < 1e-6, "xent dz[%d]", i);
    }
    real y[7], t[7], dy[7];
    fill(y, 7, 2);
    fill(t, 7, 3);
    L = nninit_lab_mse(y, t, 7, dy);
    for (int i = 0; i < 7; i++) {
        real s = y[i];
        y[i] = s + 1e-6;
        double lp = nninit_lab_mse(y, t, 7, NULL);
        y[i] = s - 1e-6;
        double lm = nninit_lab_mse(y, t, 7, NULL);
        y[i] = s;
        CHECK_MSG(rel_err(dy[i], (lp - lm) / 2e-6) < 1e-6, "mse dy[%d]", i);
    }
    CHECK(L > 0);
}

/* MLP 5 -> 7 -> 6 -> 4 with activation `act` on the hidden layers, loss
 * softmax cross-entropy (or MSE on the output when mse = 1). */
static double mlp_loss(nninit_lab_mlp *net, const real *x, const int32_t *lab,
                       const real *tgt, int mse, real *dl)
{
    nninit_lab_mlp_forward(net, x, 3);
    const real *o = nninit_lab_mlp_output(net);
    return mse ? nninit_lab_mse(o, tgt, 12, dl)
               : nninit_lab_softmax_xent(o, lab, 3, 4, dl);
}

static void mlp_gradients_match_finite_differences(void)
{
    int sizes[] = {5, 7, 6, 4};
    real x[15], tgt[12], dl[12];
    int32_t lab[3] = {1, 3, 0};
    fill(x, 15, 11);
    fill(tgt, 12, 12);
    for (int a = 0; a < N_ACTS; a++) {
        for (int mse = 0; mse < 2; mse++) {
            nninit_activation acts[] = {all_acts[a], all_acts[a],
                                        NNINIT_ACT_TANH};
            nninit_lab_mlp_desc d = nninit_lab_mlp_desc_make(3, sizes, acts);
            d.seed = 5;
            d.max_batch = 3;
            d.slope = 0.1;
            d.out_mult = mse ? 0.3 : 1; /* muP's readout multiplier too */
            /* non-zero biases, so every bias path is exercised */
            nninit_lab_init bi[3];
            for (int k = 0; k < 3; k++)
                nninit_lab_init_parse("normal:std=0.5", &bi[k], NULL);
            d.bias_init = bi;
            nninit_lab_mlp *net;
            nninit_error err;
            int rc = nninit_lab_mlp_new(&d, NULL, &net, &err);
            CHECK_MSG(rc == 0, "mlp_new: %s", err.msg);
            if (rc)
                continue;
            mlp_loss(net, x, lab, tgt, mse, dl);
            nninit_lab_mlp_backward(net, dl);
            int np;
            nninit_lab_param *p = nninit_lab_mlp_params(net, &np);
            CHECK_EQ_INT(np, 6);
            double worst = 0;
            for (int k = 0; k < np; k++) {
                for (size_t i = 0; i < p[k].n; i++) {
                    real s = p[k].w[i];
                    p[k].w[i] = s + 1e-6;
                    double lp = mlp_loss(net, x, lab, tgt, mse, NULL);
                    p[k].w[i] = s - 1e-6;
                    double lm = mlp_loss(net, x, lab, tgt, mse, NULL);
                    p[k].w[i] = s;
                    double e = rel_err(p[k].g[i], (lp - lm) / 2e-6);
                    worst = e > worst ? e : worst;
                }
            }
            CHECK_MSG(worst < 1e-6, "mlp %s %s: worst relative error %g",
                      nninit_activation_name(all_acts[a]),
                      mse ? "mse" : "xent", worst);
            nninit_lab_mlp_free(net);
        }
    }
}

enum { RT = 6, RB = 2, RI = 3, RH = 4, RO = 3 };

static double rnn_loss(nninit_lab_rnn *net, const real *x, const real *tgt,
                       const int32_t *lab, int all, real *dy)
{
    nninit_lab_rnn_forward(net, x, RT, RB);
    const real *y = nninit_lab_rnn_output(net);
    return all ? nninit_lab_softmax_xent(y, lab, RT * RB, RO, dy)
               : nninit_lab_mse(y, tgt, RB * RO, dy);
}

static void rnn_gradients_match_finite_differences(void)
{
    real x[RT * RB * RI], tgt[RB * RO], dy[RT * RB * RO];
    int32_t lab[RT * RB];
    fill(x, RT * RB * RI, 21);
    fill(tgt, RB * RO, 22);
    for (int i = 0; i < RT * RB; i++)
        lab[i] = (i * 7) % RO;
    for (int cell = 0; cell < 4; cell++) {
        for (int all = 0; all < 2; all++) {
            nninit_lab_rnn_desc d = nninit_lab_rnn_desc_make(
                (nninit_lab_cell)cell, RI, RH, RO);
            d.all_steps = all;
            d.max_steps = RT;
            d.max_batch = RB;
            d.seed = 9;
            d.forget_bias = 0.5;
            /* gain 1.2 so relu cells are not trivially linear-decaying */
            nninit_lab_init_parse("orthogonal:gain=1.2", &d.recurrent_init,
                                  NULL);
            nninit_lab_rnn *net;
            nninit_error err;
            int rc = nninit_lab_rnn_new(&d, NULL, &net, &err);
            CHECK_MSG(rc == 0, "rnn_new: %s", err.msg);
            if (rc)
                continue;
            int np;
            nninit_lab_param *p = nninit_lab_rnn_params(net, &np);
            /* random biases for every path (incl. GRU's b_hn) */
            for (int k = 0; k < np; k++)
                if (p[k].cols == 1)
                    fill(p[k].w, p[k].n, 30 + (uint64_t)k);
            rnn_loss(net, x, tgt, lab, all, dy);
            nninit_lab_rnn_backward(net, dy);
            double worst = 0;
            const char *wname = "";
            for (int k = 0; k < np; k++) {
                for (size_t i = 0; i < p[k].n; i++) {
                    real s = p[k].w[i];
                    p[k].w[i] = s + 1e-6;
                    double lp = rnn_loss(net, x, tgt, lab, all, NULL);
                    p[k].w[i] = s - 1e-6;
                    double lm = rnn_loss(net, x, tgt, lab, all, NULL);
                    p[k].w[i] = s;
                    double e = rel_err(p[k].g[i], (lp - lm) / 2e-6);
                    if (e > worst) {
                        worst = e;
                        wname = p[k].name;
                    }
                }
            }
            CHECK_MSG(worst < 1e-6, "%s (%s): worst relative error %g in %s",
                      nninit_lab_cell_name((nninit_lab_cell)cell),
                      all ? "all steps, xent" : "last step, mse", worst, wname);
            nninit_lab_rnn_free(net);
        }
    }
}

static double sigm(double v) { return 1 / (1 + exp(-v)); }

/* The cells' forward against the textbook equations (PyTorch's docs for
 * nn.LSTM and nn.GRU), written out here independently, one step at a time. */
static void rnn_forward_matches_reference_equations(void)
{
    real x[RT * RB * RI];
    fill(x, RT * RB * RI, 41);
    for (int cell = 0; cell < 4; cell++) {
        nninit_lab_rnn_desc d =
            nninit_lab_rnn_desc_make((nninit_lab_cell)cell, RI, RH, RO);
        d.all_steps = 1;
        d.max_steps = RT;
        d.max_batch = RB;
        d.seed = 3;
        nninit_lab_rnn *net;
        if (nninit_lab_rnn_new(&d, NULL, &net, NULL)) {
            CHECK(0);
            continue;
        }
        int np;
        nninit_lab_param *p = nninit_lab_rnn_params(net, &np);
        for (int k = 0; k < np; k++)
            if (p[k].cols == 1)
                fill(p[k].w, p[k].n, 50 + (uint64_t)k);
        const real *Wih = p[0].w, *Whh = p[1].w, *bih = p[2].w, *bhh = p[3].w,
                   *Wo = p[4].w, *bo = p[5].w;
        nninit_lab_rnn_forward(net, x, RT, RB);
        const real *y = nninit_lab_rnn_output(net);
        double worst = 0;
        for (int b = 0; b < RB; b++) {
            double h[RH] = {0}, c[RH] = {0};
            for (int t = 0; t < RT; t++) {
                const real *xt = x + ((size_t)t * RB + b) * RI;
                double gi[4 * RH], gh[4 * RH];
                int G = cell == 2 ? 4 : cell == 3 ? 3 : 1;
                for (int r = 0; r < G * RH; r++) {
                    gi[r] = bih[r];
                    gh[r] = bhh[r];
                    for (int j = 0; j < RI; j++)
                        gi[r] += Wih[r * RI + j] * xt[j];
                    for (int j = 0; j < RH; j++)
                        gh[r] += Whh[r * RH + j] * h[j];
                }
                double hn[RH];
                for (int j = 0; j < RH; j++) {
                    if (cell == 0)
                        hn[j] = tanh(gi[j] + gh[j]);
                    else if (cell == 1)
                        hn[j] = fmax(0, gi[j] + gh[j]);
                    else if (cell == 2) {
                        double i = sigm(gi[j] + gh[j]);
                        double f = sigm(gi[RH + j] + gh[RH + j]);
                        double g = tanh(gi[2 * RH + j] + gh[2 * RH + j]);
                        double o = sigm(gi[3 * RH + j] + gh[3 * RH + j]);
                        c[j] = f * c[j] + i * g;
                        hn[j] = o * tanh(c[j]);
                    } else {
                        double r = sigm(gi[j] + gh[j]);
                        double z = sigm(gi[RH + j] + gh[RH + j]);
                        double n = tanh(gi[2 * RH + j] + r * gh[2 * RH + j]);
                        hn[j] = (1 - z) * n + z * h[j];
                    }
                }
                memcpy(h, hn, sizeof h);
                for (int o = 0; o < RO; o++) {
                    double v = bo[o];
                    for (int j = 0; j < RH; j++)
                        v += Wo[o * RH + j] * h[j];
                    double e = fabs(v - y[((size_t)t * RB + b) * RO + o]);
                    worst = e > worst ? e : worst;
                }
            }
        }
        CHECK_MSG(worst < 1e-12, "%s forward differs from the equations by %g",
                  nninit_lab_cell_name((nninit_lab_cell)cell), worst);
        nninit_lab_rnn_free(net);
    }
}

int main(void)
{
    TEST_RUN(activations_match_finite_differences);
    TEST_RUN(losses_match_finite_differences);
    TEST_RUN(mlp_gradients_match_finite_differences);
    TEST_RUN(rnn_gradients_match_finite_differences);
    TEST_RUN(rnn_forward_matches_reference_equations);
    return test_report();
}
