/*
 * test_lab.c: the float engine (the one users run): weights come from the
 * nninit library, determinism, optimizers against hand-computed updates,
 * data sets (the real Fashion-MNIST files, a few hundred images), SVG output,
 * and every experiment on tiny settings with the direction each paper
 * predicts.
 */
#define _POSIX_C_SOURCE 200809L
#include "nninit_test.h"

#include "nninit/lab.h"

#include <unistd.h>

#ifndef NNINIT_TEST_FASHION_DIR
#define NNINIT_TEST_FASHION_DIR NNINIT_LAB_FASHION_DIR
#endif

typedef nninit_lab_real real;

static void weights_come_from_nninit_init(void)
{
    int sizes[] = {10, 50, 30, 1};
    nninit_activation acts[] = {NNINIT_ACT_RELU, NNINIT_ACT_TANH,
                                NNINIT_ACT_SIGMOID};
    nninit_lab_mlp_desc d = nninit_lab_mlp_desc_make(3, sizes, acts);
    d.seed = 42;
    nninit_lab_mlp *net;
    CHECK(nninit_lab_mlp_new(&d, NULL, &net, NULL) == NNINIT_OK);
    int np;
    nninit_lab_param *p = nninit_lab_mlp_params(net, &np);
    for (int k = 0; k < 3; k++) {
        nninit_advice adv;
        nninit_recommend(NNINIT_ROLE_WEIGHT, acts[k], NAN, &adv, NULL);
        nninit_shape s;
        int64_t dims[2] = {sizes[k + 1], sizes[k]};
        nninit_shape_make(&s, 2, dims, NULL);
        nninit_fill_opts o = nninit_fill_opts_default();
        o.seed = 42;
        o.stream = nninit_stream_from_name(p[2 * k].name);
        float ref[50 * 30];
        uint64_t n = nninit_shape_numel(&s);
        nninit_init(&adv.spec, &s, NNINIT_LAYOUT_TORCH, NNINIT_F32, ref, 0, n,
                    &o, NULL);
        CHECK(memcmp(ref, p[2 * k].w, n * sizeof(float)) == 0);
        for (size_t i = 0; i < p[2 * k + 1].n; i++)
            CHECK(p[2 * k + 1].w[i] == 0); /* biases: zeros */
    }
    CHECK(!strcmp(p[0].name, "fc1.weight") && !strcmp(p[5].name, "fc3.bias"));
    nninit_lab_mlp_free(net);
}

static void train_few_steps(uint64_t seed, real *out, size_t *n_out)
{
    nninit_lab_data d;
    nninit_lab_spirals(64, 3, 0.05, 1, NULL, &d, NULL);
    int sizes[] = {2, 16, 3};
    nninit_activation acts[] = {NNINIT_ACT_TANH, NNINIT_ACT_NONE};
    nninit_lab_mlp_desc md = nninit_lab_mlp_desc_make(2, sizes, acts);
    md.seed = seed;
    md.max_batch = 64;
    nninit_lab_mlp *net;
    nninit_lab_mlp_new(&md, NULL, &net, NULL);
    nninit_lab_optim o = nninit_lab_optim_make(NNINIT_LAB_ADAM, 0.01);
    real dl[64 * 3];
    for (int s = 0; s < 5; s++) {
        nninit_lab_mlp_forward(net, d.x, 64);
        nninit_lab_softmax_xent(nninit_lab_mlp_output(net), d.y, 64, 3, dl);
        nninit_lab_mlp_backward(net, dl);
        int np;
        nninit_lab_param *p = nninit_lab_mlp_params(net, &np);
        nninit_lab_optim_step(&o, p, np);
    }
    int np;
    nninit_lab_param *p = nninit_lab_mlp_params(net, &np);
    size_t n = 0;
    for (int k = 0; k < np; k++) {
        memcpy(out + n, p[k].w, p[k].n * sizeof(real));
        n += p[k].n;
    }
    *n_out = n;
    nninit_lab_mlp_free(net);
    nninit_lab_data_free(&d);
}

static void same_seed_same_numbers(void)
{
    real a[200], b[200], c[200];
    size_t na, nb, nc;
    train_few_steps(7, a, &na);
    train_few_steps(7, b, &nb);
    train_few_steps(8, c, &nc);
    CHECK_EQ_INT(na, 16 * 2 + 16 + 3 * 16 + 3);
    CHECK(na == nb && memcmp(a, b, na * sizeof(real)) == 0);
    CHECK(memcmp(a, c, na * sizeof(real)) != 0);
    /* whole experiments too */
    nninit_lab_selu_opts so = nninit_lab_selu_defaults();
    so.depth = 4;
    so.width = 32;
    so.batch = 16;
    so.c.seed = 3;
    nninit_lab_selu_result r1, r2;
    CHECK(nninit_lab_selu(&so, &r1, NULL) == 0);
    CHECK(nninit_lab_selu(&so, &r2, NULL) == 0);
    for (int i = 0; i < r1.n_runs; i++)
        for (int k = 0; k < 4; k++)
            CHECK(r1.runs[i].var[k] == r2.runs[i].var[k]);
    nninit_lab_selu_free(&r1);
    nninit_lab_selu_free(&r2);
}

static void optimizers_match_hand_computed_updates(void)
{
    nninit_lab_param p;
    real w[2], g[2], m[2], v[2];
    memset(&p, 0, sizeof p);
    p.w = w;
    p.g = g;
    p.m = m;
    p.v = v;
    p.n = 2;
    /* SGD: w -= lr g */
    w[0] = 1;
    w[1] = -2;
    g[0] = 0.5f;
    g[1] = -1;
    m[0] = m[1] = v[0] = v[1] = 0;
    nninit_lab_optim o = nninit_lab_optim_make(NNINIT_LAB_SGD, 0.1);
    nninit_lab_optim_step(&o, &p, 1);
    CHECK_NEAR(w[0], 0.95, 1e-6);
    CHECK_NEAR(w[1], -1.9, 1e-6);
    /* momentum (PyTorch): b = mu b + g; w -= lr b. Two steps, same g:
     * b1 = g, b2 = 1.9 g; w = w0 - lr (g + 1.9 g) */
    w[0] = 1;
    m[0] = m[1] = 0;
    o = nninit_lab_optim_make(NNINIT_LAB_MOMENTUM, 0.1);
    nninit_lab_optim_step(&o, &p, 1);
    nninit_lab_optim_step(&o, &p, 1);
    CHECK_NEAR(w[0], 1 - 0.1 * 0.5 * 2.9, 1e-6);
    /* Adam: after one step with bias correction, the step is lr*sign(g)
     * (m/(1-b1) = g, v/(1-b2) = g^2), up to eps */
    w[0] = 1;
    w[1] = -2;
    m[0] = m[1] = v[0] = v[1] = 0;
    o = nninit_lab_optim_make(NNINIT_LAB_ADAM, 0.01);
    nninit_lab_optim_step(&o, &p, 1);
    CHECK_NEAR(w[0], 0.99, 1e-6);
    CHECK_NEAR(w[1], -1.99, 1e-6);
    /* clipping: |g| = sqrt(0.25 + 1) > 0.5 -> scaled to norm 0.5 */
    w[0] = 0;
    w[1] = 0;
    o = nninit_lab_optim_make(NNINIT_LAB_SGD, 1.0);
    o.clip_norm = 0.5;
    nninit_lab_optim_step(&o, &p, 1);
    CHECK_NEAR(o.last_norm, sqrt(1.25), 1e-6);
    CHECK_NEAR(sqrt(w[0] * w[0] + w[1] * w[1]), 0.5, 1e-6);
    CHECK_NEAR(w[0] / w[1], -0.5, 1e-6); /* direction kept */
}

static void synthetic_tasks_are_well_formed(void)
{
    enum { T = 20, B = 8 };
    real x[T * B * 2], y[B];
    nninit_rng g;
    nninit_rng_init(&g, 1, 2);
    nninit_lab_adding_batch(&g, T, B, x, y);
    for (int b = 0; b < B; b++) {
        int marks = 0, first = -1, second = -1;
        double sum = 0;
        for (int t = 0; t < T; t++) {
            const real *p = x + ((size_t)t * B + b) * 2;
            CHECK(p[0] >= 0 && p[0] < 1);
            if (p[1] == 1) {
                marks++;
                sum += p[0];
                if (first < 0)
                    first = t;
                else
                    second = t;
            }
        }
        CHECK_EQ_INT(marks, 2);
        CHECK(first < T / 2 && second >= T / 2);
        CHECK_NEAR(y[b], sum, 1e-6);
    }
    enum { DL = 5, L = DL + 20, C = NNINIT_LAB_COPY_CLASSES };
    static real cx[L * B * C];
    int32_t cy[L * B];
    nninit_lab_copy_batch(&g, DL, B, cx, cy);
    for (int b = 0; b < B; b++) {
        for (int t = 0; t < L; t++) {
            const real *p = cx + ((size_t)t * B + b) * C;
            int hot = -1, ones = 0;
            for (int c = 0; c < C; c++)
                if (p[c] == 1) {
                    hot = c;
                    ones++;
                }
            CHECK_EQ_INT(ones, 1);
            if (t < 10) {
                CHECK(hot < 8);
                CHECK_EQ_INT(cy[((size_t)t + DL + 10) * B + b], hot);
            } else {
                CHECK_EQ_INT(hot, t == 10 + DL - 1 ? 9 : 8);
            }
            if (t < 10 + DL)
                CHECK_EQ_INT(cy[(size_t)t * B + b], 8);
        }
    }
    nninit_lab_data s;
    CHECK(nninit_lab_spirals(3000, 3, 0.05, 4, NULL, &s, NULL) == 0);
    int cnt[3] = {0, 0, 0};
    for (int i = 0; i < s.n; i++)
        cnt[s.y[i]]++;
    for (int c = 0; c < 3; c++) /* binomial(3000, 1/3): sd 26 */
        CHECK(cnt[c] > 1000 - 130 && cnt[c] < 1000 + 130);
    nninit_lab_data_free(&s);
}

static void fashion_mnist_reads_the_real_files(void)
{
    nninit_lab_data d;
    nninit_error err;
    int rc = nninit_lab_fashion_load(NNINIT_TEST_FASHION_DIR, 1, 300, NULL, &d, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    if (rc)
        return;
    CHECK_EQ_INT(d.n, 300);
    CHECK_EQ_INT(d.dim, 784);
    CHECK_EQ_INT(d.classes, 10);
    int cnt[10] = {0};
    double mean = 0;
    for (int i = 0; i < d.n; i++)
        cnt[d.y[i]]++;
    for (size_t i = 0; i < (size_t)d.n * d.dim; i++) {
        CHECK(d.x[i] >= 0 && d.x[i] <= 1);
        mean += d.x[i];
    }
    mean /= (double)d.n * d.dim;
    /* the published training-set pixel mean is 0.2860; 300 images of
     * per-image std ~0.1 give a standard error ~0.006 */
    CHECK_MSG(fabs(mean - 0.2860) < 0.03, "pixel mean %g", mean);
    for (int c = 0; c < 10; c++) /* balanced classes: about 30 each */
        CHECK_MSG(cnt[c] >= 10 && cnt[c] <= 60, "class %d: %d", c, cnt[c]);
    nninit_lab_data_free(&d);
    rc = nninit_lab_fashion_load(NNINIT_TEST_FASHION_DIR, 0, 0, NULL, &d, &err);
    CHECK(rc == 0 && d.n == 10000);
    nninit_lab_data_free(&d);
    rc = nninit_lab_fashion_load("/nonexistent-dir", 1, 10, NULL, &d, &err);
    CHECK_EQ_INT(rc, NNINIT_ENOENT);
    CHECK(strstr(err.msg, "dataset-fashion-mnist") != NULL);
}

static void svg_is_written_whole_or_not_at_all(void)
{
    nninit_lab_figure f;
    memset(&f, 0, sizeof f);
    snprintf(f.title, sizeof f.title, "a <test> & more");
    f.hline = 1;
    f.logy = 1;
    f.ymin = NAN;
    f.ymax = NAN;
    nninit_lab_series s;
    memset(&s, 0, sizeof s);
    double x[3] = {1, 2, 3}, y[3] = {0.1, NAN, 10};
    snprintf(s.label, sizeof s.label, "run");
    s.n = 3;
    s.x = x;
    s.y = y;
    f.n_series = 1;
    f.series = &s;
    char path[] = "/tmp/nninit-test-svg-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK(nninit_lab_svg_write(&f, path, NULL) == 0);
    FILE *fp = fopen(path, "rb");
    char buf[8192] = {0};
    size_t n = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
    if (fp)
        fclose(fp);
    CHECK(n > 100 && strncmp(buf, "<svg", 4) == 0);
    CHECK(strstr(buf, "a &lt;test&gt; &amp; more") != NULL);
    CHECK(strstr(buf, "<polyline") != NULL && strstr(buf, "</svg>") != NULL);
    remove(path);
    nninit_error err;
    CHECK(nninit_lab_svg_write(&f, "/nonexistent-dir/x.svg", &err) != 0);
}

static void symmetry_zero_and_constant_never_break(void)
{
    nninit_lab_symmetry_opts o = nninit_lab_symmetry_defaults();
    o.c.fashion = 0; /* spirals */
    o.n_train = 600;
    o.n_test = 300;
    o.width = 16;
    o.epochs = 4;
    o.batch = 32;
    nninit_lab_symmetry_result r;
    nninit_error err;
    int rc = nninit_lab_symmetry(&o, &r, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    if (rc)
        return;
    CHECK_EQ_INT(r.n_runs, 3); /* zeros, constant(0.05), rule */
    for (int k = 0; k < 2; k++) {
        CHECK_EQ_INT(r.runs[0].distinct_units[k], 1);
        CHECK_EQ_INT(r.runs[1].distinct_units[k], 1);
        CHECK(r.runs[2].distinct_units[k] >= 12);
    }
    /* 3 balanced classes: a net of identical units cannot fit the spirals;
     * random init can */
    CHECK(r.runs[2].test_accuracy > r.runs[0].test_accuracy + 0.15);
    CHECK(r.runs[2].test_accuracy > r.runs[1].test_accuracy + 0.15);
    nninit_lab_symmetry_free(&r);
}

static void signal_he_keeps_relu_alive_small_collapses(void)
{
    nninit_lab_signal_opts o = nninit_lab_signal_defaults();
    o.c.fashion = 0;
    o.depth = 30;
    o.width = 256;
    o.batch = 32;
    o.n_acts = 1;
    o.acts[0] = NNINIT_ACT_RELU;
    o.n_inits = 3;
    nninit_lab_init_parse("kaiming_normal", &o.inits[0], NULL);
    nninit_lab_init_parse("small", &o.inits[1], NULL);
    nninit_lab_init_parse("large", &o.inits[2], NULL);
    nninit_lab_signal_result r;
    CHECK(nninit_lab_signal(&o, &r, NULL) == 0);
    if (r.n_runs != 3)
        return;
    /* He: Var(z_l) = 2/n * n * E[relu(z)^2] = Var(z_{l-1}) at any depth;
     * finite width 256 adds ~9% noise per layer, well inside 2x at 30 */
    double he = r.runs[0].act_std[29] / r.runs[0].act_std[0];
    CHECK_MSG(he > 0.5 && he < 2, "He ratio %g", he);
    /* U(-0.01, 0.01): Var(w) n / 2 = 256 * 3.3e-5 / 2 = 0.0043 per layer,
     * so std shrinks by ~0.065 per layer: ~1e-35 after 29 layers */
    double small = r.runs[1].act_std[29] / r.runs[1].act_std[0];
    CHECK_MSG(small < 1e-6, "small ratio %g", small);
    /* N(0, 1): std grows by sqrt(256/2) = 11.3 per layer */
    double large = r.runs[2].act_std[9] / r.runs[2].act_std[0];
    CHECK_MSG(large > 1e6, "large ratio %g", large);
    /* back-propagated gradients: He keeps them within 2x too */
    double hg = r.runs[0].grad_std[0] / r.runs[0].grad_std[29];
    CHECK_MSG(hg > 0.5 && hg < 2, "He gradient ratio %g", hg);
    nninit_lab_signal_free(&r);
}

static void selu_lecun_normal_stays_at_the_fixed_point(void)
{
    nninit_lab_selu_opts o = nninit_lab_selu_defaults();
    o.depth = 32;
    o.width = 256;
    o.batch = 64;
    nninit_lab_selu_result r;
    CHECK(nninit_lab_selu(&o, &r, NULL) == 0);
    if (r.n_runs < 4)
        return;
    /* Klambauer et al. Theorem 1: mean in [-0.1, 0.1], var in [0.8, 1.5] */
    for (int k = 0; k < 32; k++) {
        CHECK_MSG(fabs(r.runs[0].mean[k]) < 0.1, "layer %d mean %g", k + 1,
                  r.runs[0].mean[k]);
        CHECK_MSG(r.runs[0].var[k] > 0.8 && r.runs[0].var[k] < 1.5,
                  "layer %d var %g", k + 1, r.runs[0].var[k]);
    }
    CHECK(r.runs[2].var[31] > 10);   /* kaiming: 2/n drifts up */
    CHECK(r.runs[3].var[31] < 1e-6); /* small: vanishes */
    nninit_lab_selu_free(&r);
}

static void depth_he_trains_where_xavier_stalls(void)
{
    nninit_lab_depth_opts o = nninit_lab_depth_defaults();
    o.c.fashion = 0;
    o.n_train = 1000;
    o.n_test = 300;
    o.width = 32;
    o.steps = 200;
    o.batch = 32;
    o.log_every = 50;
    o.lr = 0.02;
    nninit_lab_depth_result r;
    CHECK(nninit_lab_depth(&o, &r, NULL) == 0);
    if (r.n_runs != 2)
        return;
    CHECK_EQ_INT(r.runs[0].n_log, 4);
    /* Xavier halves the variance per ReLU layer: 2^-15 in std at layer 30;
     * its loss stays at chance ln 3 */
    CHECK(r.runs[0].act_std_last < 1e-3 * r.runs[0].act_std_first);
    CHECK_NEAR(r.runs[0].final_train_loss, log(3.0), 0.02);
    CHECK(r.runs[1].final_train_loss < log(3.0) - 0.1);
    nninit_lab_depth_free(&r);
}

static void rnn_lstm_beats_the_adding_baseline(void)
{
    nninit_lab_rnn_opts o = nninit_lab_rnn_defaults();
    o.length = 10;
    o.hidden = 16;
    o.steps = 300;
    o.batch = 16;
    o.n_cells = 2;
    o.cells[0] = NNINIT_LAB_LSTM;
    o.cells[1] = NNINIT_LAB_GRU;
    o.n_inits = 1;
    nninit_lab_rnn_result r;
    CHECK(nninit_lab_rnn_run_all(&o, &r, NULL) == 0);
    if (r.n_runs != 2)
        return;
    CHECK_NEAR(r.baseline, 1.0 / 6, 1e-12);
    CHECK(r.runs[0].final_loss < 0.8 * r.baseline);
    CHECK(r.runs[1].final_loss < 0.8 * r.baseline);
    nninit_lab_rnn_result_free(&r);
    /* the copy task's baseline: 10 ln 8 / L */
    o.task = NNINIT_LAB_COPY;
    o.length = 5;
    o.steps = 3;
    o.n_cells = 1;
    CHECK(nninit_lab_rnn_run_all(&o, &r, NULL) == 0);
    CHECK_NEAR(r.baseline, 10 * log(8.0) / 25, 1e-12);
    CHECK(r.n_runs == 1 && isfinite(r.runs[0].final_loss));
    nninit_lab_rnn_result_free(&r);
}

static void train_on_a_few_hundred_fashion_images(void)
{
    nninit_lab_train_opts o = nninit_lab_train_defaults();
    o.c.data_dir = NNINIT_TEST_FASHION_DIR;
    o.n_train = 500;
    o.n_test = 300;
    o.epochs = 3;
    o.batch = 32;
    nninit_lab_train_result r;
    nninit_error err;
    int rc = nninit_lab_train(&o, &r, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    if (rc)
        return;
    CHECK_EQ_INT(r.n_epochs, 3);
    /* 500 images are enough for well above chance (10%) */
    CHECK_MSG(r.epochs[2].test_accuracy > 0.5, "accuracy %g",
              r.epochs[2].test_accuracy);
    CHECK(r.epochs[2].train_loss < r.epochs[0].train_loss);
    CHECK(!strcmp(r.init[0], "rule"));
    nninit_lab_train_free(&r);
}

static void bad_settings_are_refused(void)
{
    nninit_lab_init i;
    nninit_error err;
    CHECK(nninit_lab_init_parse("bogus", &i, &err) == NNINIT_EINVAL);
    CHECK(nninit_lab_init_parse("normal:std=-1", &i, &err) == NNINIT_EINVAL);
    CHECK(nninit_lab_init_parse("normal:sd=1", &i, &err) == NNINIT_EINVAL);
    CHECK(strstr(err.msg, "sd") != NULL);
    CHECK(nninit_lab_init_parse("uniform:low=0.5,high=x", &i, &err) ==
          NNINIT_EINVAL);
    CHECK(nninit_lab_init_parse("uniform:low=-0.05,high=0.05", &i, &err) == 0);
    CHECK(i.spec.low == -0.05 && i.spec.high == 0.05 && !i.rule);
    int sizes[] = {4, 0, 2};
    nninit_activation acts[] = {NNINIT_ACT_RELU, NNINIT_ACT_NONE};
    nninit_lab_mlp_desc d = nninit_lab_mlp_desc_make(2, sizes, acts);
    nninit_lab_mlp *net = NULL;
    CHECK(nninit_lab_mlp_new(&d, NULL, &net, &err) == NNINIT_EINVAL);
    CHECK(net == NULL);
    sizes[1] = 3;
    acts[0] = NNINIT_ACT_SOFTMAX;
    CHECK(nninit_lab_mlp_new(&d, NULL, &net, &err) == NNINIT_EINVAL);
    acts[0] = NNINIT_ACT_RELU;
    nninit_lab_init bad = nninit_lab_init_of(nninit_spec_make(NNINIT_EYE));
    nninit_lab_init bi[2] = {bad, bad}; /* eye needs 2-D: a bias is 1-D */
    d.bias_init = bi;
    CHECK(nninit_lab_mlp_new(&d, NULL, &net, &err) == NNINIT_EINVAL);
    CHECK(strstr(err.msg, "fc1.bias") != NULL);
    nninit_lab_symmetry_opts so = nninit_lab_symmetry_defaults();
    so.n_inits = 0;
    nninit_lab_symmetry_result sr;
    CHECK(nninit_lab_symmetry(&so, &sr, &err) == NNINIT_EINVAL);
}

int main(void)
{
    nninit_lab_set_threads(1);
    TEST_RUN(weights_come_from_nninit_init);
    TEST_RUN(same_seed_same_numbers);
    TEST_RUN(optimizers_match_hand_computed_updates);
    TEST_RUN(synthetic_tasks_are_well_formed);
    TEST_RUN(fashion_mnist_reads_the_real_files);
    TEST_RUN(svg_is_written_whole_or_not_at_all);
    TEST_RUN(symmetry_zero_and_constant_never_break);
    TEST_RUN(signal_he_keeps_relu_alive_small_collapses);
    TEST_RUN(selu_lecun_normal_stays_at_the_fixed_point);
    TEST_RUN(depth_he_trains_where_xavier_stalls);
    TEST_RUN(rnn_lstm_beats_the_adding_baseline);
    TEST_RUN(train_on_a_few_hundred_fashion_images);
    TEST_RUN(bad_settings_are_refused);
    return test_report();
}
