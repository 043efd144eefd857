/*
 * test_init.c: fans, gains, every initializer's distribution (KS against the
 * exact CDF the formula promises, bounds, moments), orthogonality and the
 * Haar property, structured initializers, ranges, the rule, and bad input.
 *
 * Expected fans, gains and bounds come from PyTorch 1.13.1 and Keras 3 as
 * recorded (and verified against those frameworks) in
 * shared/reference/torch-1.13-cpu.md and frameworks-papers-formats.md; the
 * Python tests cross-check the same against a live torch.
 */
#include "nninit.h"
#include "nninit_test.h"
#include "stats.h"

static nninit_shape shape_of(const char *text)
{
    nninit_shape s;
    nninit_error err;
    int rc = nninit_shape_parse(text, &s, &err);
    CHECK_MSG(rc == NNINIT_OK, "shape '%s': %s", text, err.msg);
    return s;
}

static void fans_match_torch_and_keras(void)
{
    static const struct {
        const char *shape;
        nninit_layout layout;
        int64_t fi, fo;
    } cases[] = {
        {"3,5", NNINIT_LAYOUT_TORCH, 5, 3},
        {"4,3,2,2", NNINIT_LAYOUT_TORCH, 12, 16},
        {"6,2,5", NNINIT_LAYOUT_TORCH, 10, 30},
        {"2,3,4,5,6", NNINIT_LAYOUT_TORCH, 360, 240},
        {"784,256", NNINIT_LAYOUT_KERAS, 784, 256},
        {"3,3,64,128", NNINIT_LAYOUT_KERAS, 576, 1152},
        {"0,7", NNINIT_LAYOUT_TORCH, 7, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        nninit_shape s = shape_of(cases[i].shape);
        int64_t fi = -1, fo = -1;
        CHECK_EQ_INT(nninit_fans(&s, cases[i].layout, &fi, &fo, NULL), 0);
        CHECK_EQ_INT(fi, cases[i].fi);
        CHECK_EQ_INT(fo, cases[i].fo);
    }
    nninit_shape one = shape_of("7");
    nninit_error err;
    CHECK_EQ_INT(nninit_fans(&one, NNINIT_LAYOUT_TORCH, NULL, NULL, &err),
                 NNINIT_EINVAL);
    CHECK(strstr(err.msg, "2 dimensions") != NULL);
}

static void gains_match_torch(void)
{
    static const struct {
        nninit_nonlinearity nl;
        double slope, gain;
    } g[] = {
        {NNINIT_NL_LINEAR, NAN, 1},
        {NNINIT_NL_IDENTITY, NAN, 1},
        {NNINIT_NL_CONV1D, NAN, 1},
        {NNINIT_NL_CONV_TRANSPOSE3D, NAN, 1},
        {NNINIT_NL_SIGMOID, NAN, 1},
        {NNINIT_NL_TANH, NAN, 1.6666666666666667},
        {NNINIT_NL_RELU, NAN, 1.4142135623730951},
        {NNINIT_NL_LEAKY_RELU, NAN, 1.4141428569978354},
        {NNINIT_NL_LEAKY_RELU, 0.2, 1.3867504905630728},
        {NNINIT_NL_LEAKY_RELU, 2.23606797749979, 0.5773502691896257},
        {NNINIT_NL_SELU, NAN, 0.75},
    };
    for (size_t i = 0; i < sizeof g / sizeof *g; i++) {
        double v = 0;
        CHECK_EQ_INT(nninit_gain(g[i].nl, g[i].slope, &v, NULL), 0);
        CHECK_MSG(v == g[i].gain, "gain(%s) = %.17g, expected %.17g",
                  nninit_nonlinearity_name(g[i].nl), v, g[i].gain);
    }
}

static nninit_resolved resolve(nninit_spec s, const char *shape,
                               nninit_layout layout);

/* Numeric gains 1/sqrt(E[f(z)^2]): closed forms where there is one, and
 * the values of the reference notes (computed there independently) for
 * the rest; tests/py/test_gains.py checks every one against SciPy. */
static void numeric_gains(void)
{
    static const struct {
        nninit_nonlinearity nl;
        double param, gain, tol;
    } g[] = {
        {NNINIT_NL_LINEAR, NAN, 1, 1e-14},
        {NNINIT_NL_CONV2D, NAN, 1, 1e-14},
        {NNINIT_NL_RELU, NAN, 1.4142135623730951, 1e-14},
        {NNINIT_NL_LEAKY_RELU, NAN, 1.4141428569978354, 1e-14},
        {NNINIT_NL_LEAKY_RELU, 0.2, 1.3867504905630728, 1e-14},
        {NNINIT_NL_TANH, NAN, 1.59254, 5e-6},
        {NNINIT_NL_SIGMOID, NAN, 1.84623, 5e-6},
        {NNINIT_NL_GELU, NAN, 1.53353, 5e-6},
        {NNINIT_NL_SILU, NAN, 1.67653, 5e-6},
        {NNINIT_NL_MISH, NAN, 1.4868, 5e-5},
        {NNINIT_NL_SELU, NAN, 1.0, 5e-6},
    };
    for (size_t i = 0; i < sizeof g / sizeof *g; i++) {
        double v = 0;
        nninit_error err;
        CHECK_EQ_INT(nninit_gain_numeric(g[i].nl, g[i].param, &v, &err), 0);
        CHECK_MSG(fabs(v - g[i].gain) <= g[i].tol,
                  "numeric gain(%s) = %.17g, expected %.17g",
                  nninit_nonlinearity_name(g[i].nl), v, g[i].gain);
    }
    /* PyTorch's table where it has the nonlinearity, numeric elsewhere */
    double a, b;
    nninit_gain(NNINIT_NL_TANH, NAN, &a, NULL);
    CHECK(a == 5.0 / 3);
    nninit_gain(NNINIT_NL_GELU, NAN, &a, NULL);
    nninit_gain_numeric(NNINIT_NL_GELU, NAN, &b, NULL);
    CHECK(a == b && fabs(a - 1.53353) < 5e-6);
    /* parameters: elu's alpha matters, defaults equal NAN */
    nninit_gain(NNINIT_NL_ELU, NAN, &a, NULL);
    nninit_gain(NNINIT_NL_ELU, 1.0, &b, NULL);
    CHECK(a == b);
    nninit_gain(NNINIT_NL_ELU, 0.5, &b, NULL);
    CHECK(b > a);
    /* celu(alpha 1) is elu(alpha 1) */
    nninit_gain(NNINIT_NL_CELU, NAN, &b, NULL);
    CHECK(fabs(a - b) < 1e-14);
    nninit_error err;
    CHECK_EQ_INT(nninit_gain(NNINIT_NL_CELU, 0, &a, &err), NNINIT_EINVAL);
    CHECK(strstr(err.msg, "alpha must be > 0"));
    CHECK_EQ_INT(nninit_gain(NNINIT_NL_LEAKY_RELU, INFINITY, &a, &err),
                 NNINIT_EINVAL);
    CHECK_EQ_INT(nninit_gain_numeric(NNINIT_NL_COUNT, NAN, &a, &err),
                 NNINIT_EINVAL);
    for (int nl = 0; nl < NNINIT_NL_COUNT; nl++) {
        const nninit_nonlinearity_info *i =
            nninit_nonlinearity_info_get((nninit_nonlinearity)nl);
        CHECK(i && i->formula && (unsigned)i->same_as < NNINIT_NL_COUNT);
        CHECK_EQ_INT(nninit_gain_numeric((nninit_nonlinearity)nl, NAN, &a,
                                         NULL), 0);
        CHECK(a > 0.9 && a < 2.5);
    }
    /* the critical initializer: sigma_b = 0 gives tanh's sigma_w = 1, so
     * weights N(0, 1/fan_in) and zero biases */
    nninit_spec cs = nninit_spec_make(NNINIT_CRITICAL);
    CHECK(cs.nonlinearity == NNINIT_NL_TANH && cs.sigma_b == 0);
    nninit_resolved cr = resolve(cs, "30,20", NNINIT_LAYOUT_TORCH);
    CHECK(cr.gain == 1 && cr.std == 1 / sqrt(20.0) && cr.fan == 20);
    cr = resolve(cs, "30", NNINIT_LAYOUT_TORCH);
    CHECK(cr.dist.kind == NNINIT_DIST_CONSTANT && cr.dist.p[0] == 0);
    cs.nonlinearity = NNINIT_NL_GELU;
    nninit_shape csh;
    nninit_shape_parse("30,20", &csh, NULL);
    CHECK_EQ_INT(nninit_resolve(&cs, &csh, NNINIT_LAYOUT_TORCH, &cr, &err),
                 NNINIT_EINVAL);
    CHECK(strstr(err.msg, "bounded"));
    cs = nninit_spec_make(NNINIT_CRITICAL);
    cs.sigma_b = -0.1;
    CHECK_EQ_INT(nninit_resolve(&cs, &csh, NNINIT_LAYOUT_TORCH, &cr, &err),
                 NNINIT_EINVAL);
    CHECK(strstr(err.msg, "sigma_b must be finite and >= 0"));
    /* the edge of chaos: tanh's (1, 0), and its bad inputs */
    double sw, q;
    CHECK_EQ_INT(nninit_gain_critical(NNINIT_NL_TANH, NAN, 0, &sw, &q, &err),
                 0);
    CHECK(sw == 1 && q == 0);
    CHECK_EQ_INT(nninit_gain_critical(NNINIT_NL_TANH, NAN, 0.3, &sw, &q, &err),
                 0);
    CHECK(sw > 1 && q > 0);
    CHECK_EQ_INT(nninit_gain_critical(NNINIT_NL_RELU, NAN, 0, &sw, &q, &err),
                 NNINIT_EINVAL);
    CHECK(strstr(err.msg, "bounded"));
    CHECK_EQ_INT(nninit_gain_critical(NNINIT_NL_TANH, NAN, -1, &sw, &q, &err),
                 NNINIT_EINVAL);
    CHECK_EQ_INT(nninit_gain_critical(NNINIT_NL_TANH, NAN, NAN, &sw, &q, &err),
                 NNINIT_EINVAL);
}

static nninit_resolved resolve(nninit_spec s, const char *shape,
                               nninit_layout layout)
{
    nninit_shape sh = shape_of(shape);
    nninit_resolved r;
    nninit_error err;
    int rc = nninit_resolve(&s, &sh, layout, &r, &err);
    CHECK_MSG(rc == NNINIT_OK, "resolve %s %s: %s", nninit_kind_name(s.kind),
              shape, err.msg);
    return r;
}

static void bounds_match_framework_numbers(void)
{
    /* Keras worked numbers (frameworks-papers-formats.md A.2) */
    nninit_spec s = nninit_spec_make(NNINIT_XAVIER_UNIFORM);
    nninit_resolved r = resolve(s, "784,256", NNINIT_LAYOUT_KERAS);
    CHECK_NEAR(r.bound, 0.0759555, 5e-7);
    s = nninit_spec_make(NNINIT_VARIANCE_SCALING);
    s.scale = 2; /* HeNormal, truncated */
    r = resolve(s, "3,3,64,128", NNINIT_LAYOUT_KERAS);
    CHECK_NEAR(r.std, 0.0589256, 5e-7);
    CHECK_NEAR(r.dist.p[1], 0.0669894, 5e-7);        /* sigma before the cut */
    CHECK_NEAR(r.dist.p[3], 2 * 0.0669894, 1e-6);    /* cut at 2 sigma */
    s.distribution = NNINIT_DISTRIBUTION_UNIFORM;     /* HeUniform */
    r = resolve(s, "3,3,64,128", NNINIT_LAYOUT_KERAS);
    CHECK_NEAR(r.bound, 0.1020621, 5e-7);
    s.scale = 1; /* GlorotNormal */
    s.mode = NNINIT_FAN_AVG;
    s.distribution = NNINIT_DISTRIBUTION_TRUNCATED_NORMAL;
    r = resolve(s, "3,3,64,128", NNINIT_LAYOUT_KERAS);
    CHECK_NEAR(r.std, 0.0340207, 5e-7);
    CHECK_NEAR(r.dist.p[1], 0.0386763, 5e-7);
    /* PyTorch: nn.Linear's kaiming_uniform(a=sqrt(5)) is U(+-1/sqrt(fan_in))
     * to within an ulp (torch-1.13-cpu.md section 2) */
    s = nninit_spec_make(NNINIT_KAIMING_UNIFORM);
    s.a = sqrt(5.0);
    r = resolve(s, "50,10", NNINIT_LAYOUT_TORCH);
    CHECK_NEAR(r.bound, 1 / sqrt(10.0), 1e-15);
    CHECK(fabs(r.gain - 0.5773502691896257) < 1e-16);
}

/* ------------------------------------------------------------------------ */
/* Every random initializer: draw a big tensor, test against the exact CDF  */
/* ------------------------------------------------------------------------ */

static double ks_min_p = 1.0;

static void ks_check(const char *what, double *x, size_t n, cdf_fn cdf,
                     const double *p, double lo, double hi)
{
    moments m = moments_of(x, n);
    CHECK_MSG(m.min >= lo && m.max <= hi, "%s: values in [%g, %g] outside "
              "[%g, %g]", what, m.min, m.max, lo, hi);
    double d = ks_stat(x, n, cdf, p);
    double pv = ks_pvalue(d, n);
    ks_min_p = pv < ks_min_p ? pv : ks_min_p;
    printf("  %-44s n=%zu D=%.6f p=%.4f std=%.6f\n", what, n, d, pv,
           sqrt(m.var));
    CHECK_MSG(pv > 1e-3, "%s: KS p = %g", what, pv);
}

static double *init_doubles(nninit_spec s, const char *shape,
                            nninit_layout layout, nninit_dtype t, size_t *n,
                            uint64_t seed)
{
    nninit_shape sh = shape_of(shape);
    *n = (size_t)nninit_shape_numel(&sh);
    void *raw = malloc(*n * 8);
    double *x = malloc(*n * 8);
    nninit_fill_opts o = nninit_fill_opts_default();
    o.seed = seed;
    o.stream = nninit_stream_from_name(shape);
    o.threads = 2;
    nninit_error err;
    int rc = nninit_init(&s, &sh, layout, t, raw, 0, *n, &o, &err);
    CHECK_MSG(rc == NNINIT_OK, "init %s: %s", nninit_kind_name(s.kind),
              err.msg);
    for (size_t i = 0; i < *n; i++)
        x[i] = t == NNINIT_F64 ? ((double *)raw)[i] : ((float *)raw)[i];
    free(raw);
    return x;
}

static void every_random_initializer_has_its_distribution(void)
{
    const char *sq = "1000,1000"; /* 1e6 samples; fan_in = fan_out = 1000 */
    size_t n;
    char what[96];
    for (int t = 0; t < 2; t++) {
        nninit_dtype dt = t ? NNINIT_F64 : NNINIT_F32;
        const char *tn = nninit_dtype_name(dt);
        uint64_t seed = 100 + (uint64_t)t;
        struct {
            nninit_spec s;
            const char *shape;
            int normal;       /* 1 normal, 0 uniform, 2 trunc */
            double scale;     /* bound (uniform), std (normal), sigma (trunc) */
        } c[16];
        int k = 0;
        c[k].s = nninit_spec_make(NNINIT_XAVIER_UNIFORM);
        c[k].s.gain = 5.0 / 3, c[k].shape = sq, c[k].normal = 0;
        c[k++].scale = 5.0 / 3 * sqrt(6.0 / 2000);
        c[k].s = nninit_spec_make(NNINIT_XAVIER_NORMAL);
        c[k].shape = "500,2000", c[k].normal = 1, c[k++].scale = sqrt(2.0 / 2500);
        c[k].s = nninit_spec_make(NNINIT_KAIMING_UNIFORM);
        c[k].s.nonlinearity = NNINIT_NL_RELU, c[k].shape = "250,40,10,10";
        c[k].normal = 0, c[k++].scale = sqrt(2.0) * sqrt(3.0 / 4000);
        c[k].s = nninit_spec_make(NNINIT_KAIMING_NORMAL);
        c[k].s.a = 0.2, c[k].s.mode = NNINIT_FAN_OUT, c[k].shape = "250,4000";
        c[k].normal = 1, c[k++].scale = sqrt(2.0 / 1.04) / sqrt(250.0);
        c[k].s = nninit_spec_make(NNINIT_LECUN_UNIFORM);
        c[k].shape = sq, c[k].normal = 0, c[k++].scale = sqrt(3.0 / 1000);
        c[k].s = nninit_spec_make(NNINIT_LECUN_NORMAL);
        c[k].shape = sq, c[k].normal = 1, c[k++].scale = sqrt(1.0 / 1000);
        c[k].s = nninit_spec_make(NNINIT_VARIANCE_SCALING);
        c[k].s.scale = 2, c[k].s.distribution = NNINIT_DISTRIBUTION_UNIFORM;
        c[k].s.mode = NNINIT_FAN_AVG, c[k].shape = "500,2000";
        c[k].normal = 0, c[k++].scale = sqrt(3 * 2.0 / 1250);
        c[k].s = nninit_spec_make(NNINIT_VARIANCE_SCALING);
        c[k].s.distribution = NNINIT_DISTRIBUTION_NORMAL;
        c[k].s.mode = NNINIT_FAN_GEO_AVG, c[k].shape = "500,2000";
        c[k].normal = 1, c[k++].scale = sqrt(1.0 / 1000);
        c[k].s = nninit_spec_make(NNINIT_VARIANCE_SCALING);
        c[k].s.mode = NNINIT_FAN_OUT, c[k].shape = "250,4000";
        c[k].normal = 2, c[k++].scale = sqrt(1.0 / 250) / 0.87962566103423978;
        c[k].s = nninit_spec_make(NNINIT_UNIFORM);
        c[k].s.low = -0.01, c[k].s.high = 0.01, c[k].shape = sq;
        c[k].normal = 0, c[k++].scale = 0.01;
        c[k].s = nninit_spec_make(NNINIT_NORMAL);
        c[k].s.mean = 0, c[k].s.std = 0.02, c[k].shape = sq;
        c[k].normal = 1, c[k++].scale = 0.02;
        c[k].s = nninit_spec_make(NNINIT_TRUNC_NORMAL);
        c[k].s.std = 0.02, c[k].s.trunc_a = -0.04, c[k].s.trunc_b = 0.04;
        c[k].shape = sq, c[k].normal = 2, c[k++].scale = 0.02;
        /* gelu's numeric gain: SciPy's quad gives 1.5335304411955353 */
        c[k].s = nninit_spec_make(NNINIT_KAIMING_UNIFORM);
        c[k].s.nonlinearity = NNINIT_NL_GELU, c[k].shape = sq;
        c[k].normal = 0, c[k++].scale = 1.5335304411955353 * sqrt(3.0 / 1000);
        /* the edge of chaos of tanh at sigma_b = 0.3: sigma_w from SciPy
         * (test_gains.py), 1.3955839751549022 */
        c[k].s = nninit_spec_make(NNINIT_CRITICAL);
        c[k].s.sigma_b = 0.3, c[k].shape = "500,2000";
        c[k].normal = 1, c[k++].scale = 1.3955839751549022 / sqrt(2000.0);
        c[k].s = nninit_spec_make(NNINIT_CRITICAL); /* its biases */
        c[k].s.sigma_b = 0.3, c[k].shape = "1000000";
        c[k].normal = 1, c[k++].scale = 0.3;
        for (int i = 0; i < k; i++) {
            double *x = init_doubles(c[i].s, c[i].shape, NNINIT_LAYOUT_TORCH,
                                     dt, &n, seed);
            snprintf(what, sizeof what, "%s %s %s", nninit_kind_name(c[i].s.kind),
                     c[i].shape, tn);
            double sc = c[i].scale;
            if (c[i].normal == 1) {
                double p[2] = {0, sc};
                ks_check(what, x, n, cdf_normal, p, -INFINITY, INFINITY);
            } else if (c[i].normal == 0) {
                double p[2] = {-sc, sc};
                ks_check(what, x, n, cdf_uniform, p, -sc, sc);
            } else {
                double cut = c[i].s.kind == NNINIT_TRUNC_NORMAL ? c[i].s.trunc_b
                                                                : 2 * sc;
                double p[4] = {0, sc, -cut, cut};
                ks_check(what, x, n, cdf_trunc_normal, p, -cut, cut);
            }
            free(x);
        }
    }
}

static void sparse_zeroes_exactly_per_column(void)
{
    nninit_spec s = nninit_spec_make(NNINIT_SPARSE);
    s.sparsity = 0.1;
    s.std = 0.05;
    size_t n;
    double *x = init_doubles(s, "1200,1000", NNINIT_LAYOUT_TORCH, NNINIT_F32,
                             &n, 5);
    size_t nz = 0;
    double *vals = malloc(n * 8);
    int bad_cols = 0;
    for (int c = 0; c < 1000; c++) {
        int zeros = 0;
        for (int r = 0; r < 1200; r++)
            zeros += x[r * 1000 + c] == 0;
        bad_cols += zeros != 120; /* ceil(0.1 * 1200) */
    }
    CHECK_EQ_INT(bad_cols, 0);
    for (size_t i = 0; i < n; i++)
        if (x[i] != 0)
            vals[nz++] = x[i];
    double p[2] = {0, 0.05};
    ks_check("sparse 1200,1000 nonzeros f32", vals, nz, cdf_normal, p,
             -INFINITY, INFINITY);
    free(vals);
    free(x);
}

/* max |W W^T - g^2 I| over the smaller side */
static double ortho_error(const double *w, int64_t rows, int64_t cols,
                          double gain)
{
    double worst = 0;
    int wide = rows <= cols;
    int64_t m = wide ? rows : cols, len = wide ? cols : rows;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j <= i; j++) {
            double s = 0;
            for (int64_t k = 0; k < len; k++)
                s += wide ? w[i * cols + k] * w[j * cols + k]
                          : w[k * cols + i] * w[k * cols + j];
            double e = fabs(s - (i == j ? gain * gain : 0));
            worst = e > worst ? e : worst;
        }
    return worst;
}

static void orthogonal_is_orthonormal(void)
{
    static const struct {
        const char *shape;
        int64_t rows, cols;
    } c[] = {{"64,64", 64, 64},
             {"30,100", 30, 100},
             {"100,30", 100, 30},
             {"16,4,3,3", 16, 36},
             {"200,200", 200, 200}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++)
        for (int t = 0; t < 2; t++) {
            nninit_spec s = nninit_spec_make(NNINIT_ORTHOGONAL);
            s.gain = 2.5;
            size_t n;
            nninit_dtype dt = t ? NNINIT_F64 : NNINIT_F32;
            double *w = init_doubles(s, c[i].shape, NNINIT_LAYOUT_TORCH, dt, &n,
                                     9);
            double e = ortho_error(w, c[i].rows, c[i].cols, 2.5) / 6.25;
            printf("  orthogonal %-9s %s: max|W W^T/g^2 - I| = %.2e\n",
                   c[i].shape, nninit_dtype_name(dt), e);
            /* f32: each entry rounded (2^-24 relative), a dot of ~len terms
             * of size 1/len: error ~ 2^-24 * few; f64 builtin QR ~ 1e-14 */
            CHECK_MSG(e < (t ? 1e-13 : 1e-6), "%s %s: error %g", c[i].shape,
                      nninit_dtype_name(dt), e);
            free(w);
        }
}

/* For Haar-distributed Q in O(n), tr(Q) has mean 0 and E[tr(Q)^2] = 1
 * (Diaconis & Shahshahani 1994). Without Mezzadri's sign fix the
 * Householder QR's Q is biased and its trace is not centred. */
static void orthogonal_is_haar(void)
{
    const int reps = 4000, n = 6;
    double sum = 0, sum2 = 0;
    double *q = malloc((size_t)n * n * 8);
    for (int r = 0; r < reps; r++) {
        nninit_fill_opts o = nninit_fill_opts_default();
        o.seed = 77;
        o.stream = (uint64_t)r;
        CHECK_EQ_INT(nninit_orthogonal(q, n, n, 1.0, &o, NULL), 0);
        double tr = 0;
        for (int i = 0; i < n; i++)
            tr += q[i * n + i];
        sum += tr;
        sum2 += tr * tr;
    }
    double mean = sum / reps, m2 = sum2 / reps;
    printf("  Haar: mean tr(Q) = %+.4f (se %.4f), E[tr^2] = %.4f\n", mean,
           1 / sqrt(reps), m2);
    /* se of the mean is 1/sqrt(reps) = 0.016; of E[tr^2] about
     * sqrt(Var(tr^2)/reps) < sqrt(3/reps) = 0.027; allow 5 se */
    CHECK_NEAR(mean, 0, 5 / sqrt(reps));
    CHECK_NEAR(m2, 1, 5 * sqrt(3.0 / reps));
    free(q);
}

static void structured_initializers(void)
{
    size_t n;
    /* eye, rectangular, with gain */
    nninit_spec s = nninit_spec_make(NNINIT_EYE);
    s.gain = 3;
    double *x = init_doubles(s, "3,5", NNINIT_LAYOUT_TORCH, NNINIT_F64, &n, 1);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 5; j++)
            CHECK(x[i * 5 + j] == (i == j ? 3.0 : 0.0));
    free(x);
    /* dirac, groups 2: (4, 2, 3, 3): out per group 2, ones at
     * [g*2+d, d, 1, 1] */
    s = nninit_spec_make(NNINIT_DIRAC);
    s.groups = 2;
    x = init_doubles(s, "4,2,3,3", NNINIT_LAYOUT_TORCH, NNINIT_F64, &n, 1);
    int ones = 0;
    for (size_t i = 0; i < n; i++)
        ones += x[i] == 1.0;
    CHECK_EQ_INT(ones, 4);
    for (int g = 0; g < 2; g++)
        for (int d = 0; d < 2; d++)
            CHECK(x[(((g * 2 + d) * 2 + d) * 3 + 1) * 3 + 1] == 1.0);
    free(x);
    /* delta_orthogonal (8, 4, 3, 3): centre tap orthonormal columns */
    s = nninit_spec_make(NNINIT_DELTA_ORTHOGONAL);
    s.gain = 2;
    x = init_doubles(s, "8,4,3,3", NNINIT_LAYOUT_TORCH, NNINIT_F64, &n, 1);
    double c[32];
    int nonzero_off_centre = 0;
    for (int o = 0; o < 8; o++)
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < 9; k++) {
                double v = x[(o * 4 + i) * 9 + k];
                if (k == 4)
                    c[o * 4 + i] = v;
                else
                    nonzero_off_centre += v != 0;
            }
    CHECK_EQ_INT(nonzero_off_centre, 0);
    CHECK(ortho_error(c, 8, 4, 2) < 1e-13);
    free(x);
    /* constants */
    s = nninit_spec_make(NNINIT_CONSTANT);
    s.value = -0.25;
    x = init_doubles(s, "7,3", NNINIT_LAYOUT_TORCH, NNINIT_F32, &n, 1);
    for (size_t i = 0; i < n; i++)
        CHECK(x[i] == -0.25);
    free(x);
}

/* hadamard against Sylvester's recursion H_{2n} = [[H, H], [H, -H]] built
 * here independently, and the square case's H H^T = n I. */
static void hadamard_is_sylvester(void)
{
    enum { N = 64 };
    static signed char h[N][N];
    h[0][0] = 1;
    for (int n = 1; n < N; n *= 2)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                h[i][j + n] = h[i][j];
                h[i + n][j] = h[i][j];
                h[i + n][j + n] = (signed char)-h[i][j];
            }
    const char *shapes[] = {"64,64", "40,17", "17,40", "1,1", "3,64"};
    for (int k = 0; k < 5; k++) {
        nninit_spec s = nninit_spec_make(NNINIT_HADAMARD);
        s.gain = 0.5;
        size_t n;
        double *x = init_doubles(s, shapes[k], NNINIT_LAYOUT_TORCH, NNINIT_F64,
                                 &n, 1);
        nninit_shape sh = shape_of(shapes[k]);
        int64_t rows = sh.dim[0], cols = sh.dim[1];
        int bad = 0;
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++)
                bad += x[i * cols + j] != 0.5 * h[i][j];
        CHECK_MSG(bad == 0, "hadamard %s: %d entries differ", shapes[k], bad);
        free(x);
    }
    nninit_spec s = nninit_spec_make(NNINIT_HADAMARD);
    size_t n;
    double *x = init_doubles(s, "32,32", NNINIT_LAYOUT_TORCH, NNINIT_F64, &n,
                             1);
    double worst = 0;
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 32; j++) {
            double d = 0;
            for (int c = 0; c < 32; c++)
                d += x[i * 32 + c] * x[j * 32 + c];
            worst = fmax(worst, fabs(d - (i == j ? 32 : 0)));
        }
    CHECK(worst == 0);
    free(x);
    nninit_resolved r;
    nninit_error err;
    CHECK(nninit_resolve(&s, &(nninit_shape){3, {2, 3, 4}},
                         NNINIT_LAYOUT_TORCH, &r, &err) == NNINIT_EINVAL);
}

/* nninit_spec_scale: the scaled spec's std on the shape is the factor times
 * the original's, for every kind that can be scaled, and the kinds keep
 * their names where a parameter carries the scale. */
static void specs_scale(void)
{
    nninit_shape sh = shape_of("30,20"), conv = shape_of("30,20,3,3");
    for (int k = 0; k < NNINIT_KIND_COUNT; k++) {
        nninit_spec s = nninit_spec_make((nninit_kind)k), out;
        const nninit_shape *shp =
            k == NNINIT_DIRAC || k == NNINIT_DELTA_ORTHOGONAL ? &conv : &sh;
        s.value = 0.5;
        s.sparsity = 0.3;
        nninit_error err;
        int rc = nninit_spec_scale(&s, shp, NNINIT_LAYOUT_TORCH, 1,
                                   sqrt(24.0), &out, &err);
        if (k == NNINIT_DIRAC || k == NNINIT_CRITICAL) {
            CHECK_MSG(rc == NNINIT_EINVAL &&
                          strstr(err.msg, "cannot be scaled"),
                      "%s: %s", nninit_kind_name((nninit_kind)k), err.msg);
            continue;
        }
        CHECK_MSG(rc == NNINIT_OK, "%s: %s", nninit_kind_name((nninit_kind)k),
                  err.msg);
        nninit_resolved a, b;
        nninit_resolve(&s, shp, NNINIT_LAYOUT_TORCH, &a, NULL);
        nninit_resolve(&out, shp, NNINIT_LAYOUT_TORCH, &b, NULL);
        double want = a.std / sqrt(24.0);
        CHECK_MSG(fabs(b.std - want) <= 1e-15 * (1 + want),
                  "%s: std %g, want %g", nninit_kind_name((nninit_kind)k),
                  b.std, want);
        if (a.draw == NNINIT_DRAW_EYE || a.draw == NNINIT_DRAW_HADAMARD ||
            a.draw == NNINIT_DRAW_ORTHOGONAL ||
            a.draw == NNINIT_DRAW_DELTA_ORTHOGONAL)
            CHECK(fabs(b.gain - a.gain / sqrt(24.0)) < 1e-15);
        if (k == NNINIT_XAVIER_UNIFORM || k == NNINIT_VARIANCE_SCALING ||
            k == NNINIT_ORTHOGONAL)
            CHECK(out.kind == (nninit_kind)k);
        if (k == NNINIT_ONES || k == NNINIT_CONSTANT)
            CHECK(out.kind == NNINIT_CONSTANT &&
                  out.value == (k == NNINIT_ONES ? 1 : 0.5) / sqrt(24.0));
    }
    /* the same bits as value/sqrt(n), GPT-2's 0.02/math.sqrt(2 * n_layer) */
    nninit_spec s = nninit_spec_make(NNINIT_NORMAL), out;
    s.std = 0.02;
    nninit_spec_scale(&s, &sh, NNINIT_LAYOUT_TORCH, 1, sqrt(2.0 * 12), &out,
                      NULL);
    volatile double want = 0.02 / sqrt(2.0 * 12);
    CHECK(out.std == want);
    /* factor 0 is zeros; a negative one is refused */
    nninit_spec_scale(&s, &sh, NNINIT_LAYOUT_TORCH, 0, 1, &out, NULL);
    CHECK(out.kind == NNINIT_ZEROS);
    nninit_error err;
    CHECK(nninit_spec_scale(&s, &sh, NNINIT_LAYOUT_TORCH, -1, 1, &out, &err) ==
          NNINIT_EINVAL);
}

static void ranges_equal_slices_for_every_kind(void)
{
    const char *shapes[] = {"12,10,3", "40,3", "6,8"};
    for (int k = 0; k < NNINIT_KIND_COUNT; k++) {
        nninit_spec s = nninit_spec_make((nninit_kind)k);
        s.value = 0.5;
        s.sparsity = 0.3;
        const char *shape =
            k == NNINIT_EYE || k == NNINIT_SPARSE || k == NNINIT_HADAMARD
                ? shapes[2]
                : shapes[0];
        if (k == NNINIT_DELTA_ORTHOGONAL)
            shape = "12,10,3";
        nninit_shape sh = shape_of(shape);
        uint64_t n = nninit_shape_numel(&sh);
        float *whole = malloc(n * 4), *part = malloc(n * 4);
        nninit_fill_opts o = nninit_fill_opts_default();
        o.seed = 4;
        nninit_error err;
        int rc = nninit_init(&s, &sh, NNINIT_LAYOUT_TORCH, NNINIT_F32, whole, 0,
                             n, &o, &err);
        CHECK_MSG(rc == 0, "%s: %s", nninit_kind_name((nninit_kind)k), err.msg);
        for (uint64_t at = 0, step = 1; at < n; step += 4) {
            uint64_t stop = at + step > n ? n : at + step;
            nninit_init(&s, &sh, NNINIT_LAYOUT_TORCH, NNINIT_F32, part + at, at,
                        stop, &o, NULL);
            at = stop;
        }
        CHECK_MSG(memcmp(whole, part, n * 4) == 0, "%s: ranges differ",
                  nninit_kind_name((nninit_kind)k));
        free(whole);
        free(part);
    }
}

static void the_rule(void)
{
    nninit_advice a;
    CHECK_EQ_INT(nninit_recommend(NNINIT_ROLE_WEIGHT, NNINIT_ACT_RELU, NAN, &a,
                                  NULL), 0);
    CHECK(a.spec.kind == NNINIT_KAIMING_UNIFORM &&
          a.spec.nonlinearity == NNINIT_NL_RELU &&
          a.spec.mode == NNINIT_FAN_IN);
    nninit_recommend(NNINIT_ROLE_WEIGHT, NNINIT_ACT_TANH, NAN, &a, NULL);
    CHECK(a.spec.kind == NNINIT_XAVIER_UNIFORM && a.spec.gain == 5.0 / 3);
    nninit_recommend(NNINIT_ROLE_WEIGHT, NNINIT_ACT_SIGMOID, NAN, &a, NULL);
    CHECK(a.spec.kind == NNINIT_XAVIER_UNIFORM && a.spec.gain == 1);
    nninit_recommend(NNINIT_ROLE_WEIGHT, NNINIT_ACT_LEAKY_RELU, 0.2, &a, NULL);
    CHECK(a.spec.kind == NNINIT_KAIMING_UNIFORM && a.spec.a == 0.2 &&
          a.spec.nonlinearity == NNINIT_NL_LEAKY_RELU);
    nninit_recommend(NNINIT_ROLE_WEIGHT, NNINIT_ACT_SELU, NAN, &a, NULL);
    CHECK(a.spec.kind == NNINIT_LECUN_NORMAL);
    nninit_recommend(NNINIT_ROLE_WEIGHT, NNINIT_ACT_PRELU, NAN, &a, NULL);
    CHECK(a.spec.kind == NNINIT_KAIMING_UNIFORM &&
          a.spec.nonlinearity == NNINIT_NL_RELU);
    /* activations PyTorch has no gain for: the numeric gain */
    static const struct {
        nninit_activation act;
        double gain; /* the reference notes, else scipy.integrate.quad */
    } numeric[] = {{NNINIT_ACT_GELU, 1.53353}, {NNINIT_ACT_SILU, 1.67653},
                   {NNINIT_ACT_MISH, 1.48685}, {NNINIT_ACT_ELU, 1.24520},
                   {NNINIT_ACT_CELU, 1.24520}, {NNINIT_ACT_GELU_TANH, 1.53358},
                   {NNINIT_ACT_SOFTPLUS, 1.04187},
                   {NNINIT_ACT_HARDSWISH, 1.73666}};
    for (size_t i = 0; i < sizeof numeric / sizeof *numeric; i++) {
        CHECK_EQ_INT(nninit_recommend(NNINIT_ROLE_WEIGHT, numeric[i].act, NAN,
                                      &a, NULL), 0);
        nninit_resolved r = resolve(a.spec, "20,10", NNINIT_LAYOUT_TORCH);
        CHECK_MSG(a.spec.kind == NNINIT_KAIMING_UNIFORM &&
                      fabs(r.gain - numeric[i].gain) < 5e-6 &&
                      strstr(a.why, "numeric"),
                  "%s: %s gain %.6f", nninit_activation_name(numeric[i].act),
                  nninit_kind_name(a.spec.kind), r.gain);
        CHECK(nninit_activation_nonlinearity(numeric[i].act) ==
              a.spec.nonlinearity);
    }
    nninit_recommend(NNINIT_ROLE_WEIGHT, NNINIT_ACT_SOFTSIGN, NAN, &a, NULL);
    CHECK(a.spec.kind == NNINIT_XAVIER_UNIFORM &&
          fabs(a.spec.gain - 2.33753) < 5e-6);
    nninit_activation act;
    CHECK(nninit_activation_parse("gelu_pytorch_tanh", &act, NULL) == 0 &&
          act == NNINIT_ACT_GELU_TANH);
    CHECK(nninit_activation_parse("swish", &act, NULL) == 0 &&
          act == NNINIT_ACT_SILU);
    nninit_error err;
    CHECK_EQ_INT(nninit_recommend(NNINIT_ROLE_WEIGHT, NNINIT_ACT_LEAKY_RELU,
                                  INFINITY, &a, &err), NNINIT_EINVAL);
    CHECK(strstr(err.msg, "negative slope must be finite"));
    nninit_recommend(NNINIT_ROLE_RECURRENT, NNINIT_ACT_NONE, NAN, &a, NULL);
    CHECK(a.spec.kind == NNINIT_ORTHOGONAL);
    nninit_recommend(NNINIT_ROLE_BIAS, NNINIT_ACT_NONE, NAN, &a, NULL);
    CHECK(a.spec.kind == NNINIT_ZEROS);
    nninit_recommend(NNINIT_ROLE_NORM_WEIGHT, NNINIT_ACT_NONE, NAN, &a, NULL);
    CHECK(a.spec.kind == NNINIT_ONES);
    nninit_recommend(NNINIT_ROLE_EMBEDDING, NNINIT_ACT_NONE, NAN, &a, NULL);
    CHECK(a.spec.kind == NNINIT_NORMAL && a.spec.std == 1);
    nninit_kind k;
    CHECK(nninit_kind_parse("he_normal", &k, NULL) == 0 &&
          k == NNINIT_KAIMING_NORMAL);
    CHECK(nninit_kind_parse("glorot_uniform", &k, NULL) == 0 &&
          k == NNINIT_XAVIER_UNIFORM);
    CHECK(nninit_kind_parse("identity", &k, NULL) == 0 && k == NNINIT_EYE);
    CHECK(nninit_kind_parse("kaiming_uniform_", &k, NULL) == 0 &&
          k == NNINIT_KAIMING_UNIFORM);
}

/* The table of initializers drives defaults, parameters, text forms and
 * the checks; expected values are written out here from PyTorch's and
 * Keras's signatures. */
static void the_table(void)
{
    /* defaults: PyTorch's, else Keras's */
    CHECK(nninit_spec_make(NNINIT_SPARSE).std == 0.01);
    CHECK(nninit_spec_make(NNINIT_NORMAL).std == 1);
    CHECK(nninit_spec_make(NNINIT_ONES).value == 1);
    CHECK(nninit_spec_make(NNINIT_ZEROS).value == 0);
    CHECK(nninit_spec_make(NNINIT_KAIMING_UNIFORM).nonlinearity ==
          NNINIT_NL_LEAKY_RELU);
    CHECK(nninit_spec_make(NNINIT_VARIANCE_SCALING).distribution ==
          NNINIT_DISTRIBUTION_TRUNCATED_NORMAL);
    nninit_spec tn = nninit_spec_make(NNINIT_TRUNC_NORMAL);
    CHECK(tn.trunc_a == -2 && tn.trunc_b == 2 && tn.mean == 0 && tn.std == 1);
    for (int k = 0; k < NNINIT_KIND_COUNT; k++) {
        const nninit_kind_info *info = nninit_kind_info_get((nninit_kind)k);
        CHECK(info && info->formula && info->formula[0]);
        CHECK((info->required & ~info->params) == 0);
        /* exactly the required parameters start without a value */
        nninit_spec s = nninit_spec_make((nninit_kind)k);
        char v[64];
        for (int p = 0; p < NNINIT_PARAM_COUNT; p++)
            if (info->params >> p & 1u) {
                nninit_spec_format_value(&s, (nninit_param)p, v, sizeof v);
                CHECK_MSG((strcmp(v, "nan") == 0) == (info->required >> p & 1u),
                          "%s %s default %s", nninit_kind_name((nninit_kind)k),
                          nninit_param_name((nninit_param)p), v);
            }
        /* text form round trip: what format writes, parse reads */
        s.value = 0.25;
        s.sparsity = 0.5;
        s.gain = 1.5;
        s.mode = NNINIT_FAN_OUT;
        s.std = 0.125;
        char text[256];
        nninit_spec_format(&s, text, sizeof text);
        nninit_spec back;
        nninit_error err;
        CHECK_MSG(nninit_spec_parse(text, &back, &err) == NNINIT_OK, "%s: %s",
                  text, err.msg);
        char again[256];
        nninit_spec_format(&back, again, sizeof again);
        CHECK_MSG(!strcmp(text, again), "'%s' came back as '%s'", text, again);
    }
    CHECK(nninit_kind_info_get(NNINIT_KIND_COUNT) == NULL);
    CHECK(nninit_kind_info_get(NNINIT_XAVIER_NORMAL)->needs_fans);
    CHECK(!nninit_kind_info_get(NNINIT_NORMAL)->needs_fans);
    CHECK(nninit_kind_info_get(NNINIT_CONSTANT)->required ==
          1u << NNINIT_PARAM_VALUE);

    /* the text forms */
    nninit_spec s;
    nninit_error err;
    char buf[160];
    CHECK(nninit_spec_parse("kaiming_normal_:mode=fan_out,nonlinearity=relu",
                            &s, &err) == NNINIT_OK);
    CHECK_EQ_STR(nninit_spec_format(&s, buf, sizeof buf),
                 "kaiming_normal(a=0, mode=fan_out, nonlinearity=relu)");
    CHECK(nninit_spec_parse(" trunc_normal( std = 0.5 , trunc_a=-1 ) ", &s,
                            &err) == NNINIT_OK);
    CHECK(s.kind == NNINIT_TRUNC_NORMAL && s.std == 0.5 && s.trunc_a == -1 &&
          s.trunc_b == 2);
    CHECK(nninit_spec_parse("he_uniform", &s, &err) == NNINIT_OK &&
          s.kind == NNINIT_KAIMING_UNIFORM);
    CHECK(nninit_spec_parse("variance_scaling:distribution=untruncated_normal,"
                            "mode=fan_geo_avg,scale=2", &s, &err) == NNINIT_OK);
    CHECK(s.distribution == NNINIT_DISTRIBUTION_NORMAL &&
          s.mode == NNINIT_FAN_GEO_AVG && s.scale == 2);
    CHECK_EQ_STR(nninit_spec_format(&s, buf, sizeof buf),
                 "variance_scaling(mode=fan_geo_avg, scale=2, "
                 "distribution=normal)");
    CHECK(nninit_spec_parse("dirac:groups=3", &s, &err) == NNINIT_OK &&
          s.groups == 3);
    static const struct {
        const char *text, *needle;
    } bad[] = {
        {"normal:gain=2", "normal does not take gain (it takes: mean, std)"},
        {"lecun_normal:gain=2", "(it takes: no parameters)"},
        {"normal:sd=1", "unknown initializer parameter 'sd' (did you mean "
                        "std?)"},
        {"normal:std", "'std' is not key=value"},
        {"normal:=1", "is not key=value"},
        {"normal(std=1", "missing ')'"},
        {"normal:std=1x", "std: '1x' is not a number"},
        {"normal:std=", "std: '' is not a number"},
        {"normal:std=inf", "std must be a finite number"},
        {"dirac:groups=1.5", "groups must be a positive integer"},
        {"dirac:groups=0", "groups must be a positive integer"},
        {"kaiming_uniform:mode=fan_middle", "unknown mode 'fan_middle'"},
        {"kaiming_uniform:nonlinearity=rleu", "(did you mean relu?)"},
        {"xavier", "did you mean xavier_uniform or xavier_normal?"},
        {"", "empty initializer"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err.msg[0] = '\0';
        CHECK_MSG(nninit_spec_parse(bad[i].text, &s, &err) == NNINIT_EINVAL,
                  "'%s' parsed", bad[i].text);
        CHECK_MSG(strstr(err.msg, bad[i].needle) != NULL,
                  "'%s': '%s' should say '%s'", bad[i].text, err.msg,
                  bad[i].needle);
    }
    /* parameters by either spelling, and their info */
    nninit_param p;
    CHECK(nninit_param_parse("trunc-a", &p, NULL) == NNINIT_OK &&
          p == NNINIT_PARAM_TRUNC_A);
    CHECK(nninit_spec_is_param("trunc_b") && !nninit_spec_is_param("sd"));
    CHECK(nninit_param_info_get(NNINIT_PARAM_GROUPS)->integer);
    CHECK(nninit_param_info_get(NNINIT_PARAM_MODE)->choices != NULL);
    CHECK(nninit_param_info_get(NNINIT_PARAM_COUNT) == NULL);
}

static void bad_input_is_named(void)
{
    static const struct {
        nninit_kind kind;
        const char *shape;
        int field; /* 0 none, 1 std, 2 low>high, 3 trunc, 4 sparsity,
                      5 groups, 6 gain nan, 7 mode, 8 value missing */
        const char *needle;
    } bad[] = {
        {NNINIT_XAVIER_UNIFORM, "10", 0, "2 dimensions"},
        {NNINIT_ORTHOGONAL, "10", 0, "2 dimensions"},
        {NNINIT_EYE, "2,3,4", 0, "2-D"},
        {NNINIT_DIRAC, "4,4", 0, "3-, 4- or 5-D"},
        {NNINIT_DIRAC, "5,4,3", 5, "divisible"},
        {NNINIT_SPARSE, "4,4,4", 0, "2-D"},
        {NNINIT_SPARSE, "4,4", 0, "sparsity"},
        {NNINIT_SPARSE, "4,4", 4, "sparsity must be in [0, 1]"},
        {NNINIT_NORMAL, "4,4", 1, "std must be >= 0"},
        {NNINIT_UNIFORM, "4,4", 2, "low must be <= high"},
        {NNINIT_TRUNC_NORMAL, "4,4", 3, "trunc-a must be < trunc-b"},
        {NNINIT_XAVIER_NORMAL, "4,4", 6, "gain must be finite"},
        {NNINIT_KAIMING_NORMAL, "4,4", 7, "fan_avg"},
        {NNINIT_CONSTANT, "4,4", 8, "value"},
        {NNINIT_DELTA_ORTHOGONAL, "4,8,3", 0, "out channels"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        nninit_spec s = nninit_spec_make(bad[i].kind);
        s.sparsity = 0.5;
        switch (bad[i].field) {
        case 1: s.std = -1; break;
        case 2: s.low = 1, s.high = 0; break;
        case 3: s.trunc_a = 1, s.trunc_b = 1; break;
        case 4: s.sparsity = 1.5; break;
        case 5: s.groups = 2; break;
        case 6: s.gain = NAN; break;
        case 7: s.mode = NNINIT_FAN_AVG; break;
        case 8: s.value = NAN; break;
        }
        if (bad[i].kind == NNINIT_SPARSE && bad[i].field == 0 &&
            strcmp(bad[i].shape, "4,4") == 0)
            s.sparsity = NAN;
        nninit_shape sh = shape_of(bad[i].shape);
        nninit_error err;
        float out[256];
        err.msg[0] = '\0';
        int rc = nninit_init(&s, &sh, NNINIT_LAYOUT_TORCH, NNINIT_F32, out, 0,
                             nninit_shape_numel(&sh), NULL, &err);
        CHECK_MSG(rc == NNINIT_EINVAL, "%s %s: rc %d", nninit_kind_name(s.kind),
                  bad[i].shape, rc);
        CHECK_MSG(strstr(err.msg, bad[i].needle) != NULL,
                  "'%s' should mention '%s'", err.msg, bad[i].needle);
    }
    /* shapes */
    nninit_shape sh;
    nninit_error err;
    CHECK_EQ_INT(nninit_shape_parse("3,-4", &sh, &err), NNINIT_EINVAL);
    CHECK(strstr(err.msg, "negative") != NULL);
    CHECK_EQ_INT(nninit_shape_parse("3,x4", &sh, &err), NNINIT_EINVAL);
    CHECK_EQ_INT(nninit_shape_parse("3,abc", &sh, &err), NNINIT_EINVAL);
    CHECK_EQ_INT(nninit_shape_parse("99999999999999999999", &sh, &err),
                 NNINIT_EOVERFLOW);
    CHECK_EQ_INT(nninit_shape_parse("4294967296,4294967296", &sh, &err),
                 NNINIT_EOVERFLOW);
    CHECK_EQ_INT(nninit_shape_parse("", &sh, &err), NNINIT_EINVAL);
    /* ranges */
    nninit_spec s = nninit_spec_make(NNINIT_NORMAL);
    sh = shape_of("4,4");
    float out[16];
    CHECK_EQ_INT(nninit_init(&s, &sh, NNINIT_LAYOUT_TORCH, NNINIT_F32, out, 3,
                             17, NULL, &err), NNINIT_ERANGE);
    nninit_kind k;
    CHECK_EQ_INT(nninit_kind_parse("xavier", &k, &err), NNINIT_EINVAL);
    CHECK(strstr(err.msg, "xavier") != NULL);
}

int main(void)
{
    TEST_RUN(fans_match_torch_and_keras);
    TEST_RUN(gains_match_torch);
    TEST_RUN(numeric_gains);
    TEST_RUN(bounds_match_framework_numbers);
    TEST_RUN(every_random_initializer_has_its_distribution);
    TEST_RUN(sparse_zeroes_exactly_per_column);
    TEST_RUN(orthogonal_is_orthonormal);
    TEST_RUN(orthogonal_is_haar);
    TEST_RUN(structured_initializers);
    TEST_RUN(hadamard_is_sylvester);
    TEST_RUN(specs_scale);
    TEST_RUN(ranges_equal_slices_for_every_kind);
    TEST_RUN(the_rule);
    TEST_RUN(the_table);
    TEST_RUN(bad_input_is_named);
    printf("smallest KS p-value: %.4f\n", ks_min_p);
    return test_report();
}
