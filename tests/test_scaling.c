/*
 * test_scaling.c: the LLM presets, ties, the layers' places and every row
 * of the table of scalings, against the formulas of their papers written
 * out here: each scaled tensor's bytes are drawn (the counter-based
 * generator, fixed seeds) and compared with the exact CDF its formula
 * gives (Kolmogorov-Smirnov, p > 1e-3), deterministic ones (ZerO's
 * identities and Hadamard matrices, zeros) element by element, and the
 * notes (DeepNet's alpha, muP's multipliers) against their closed forms.
 * Bad places are refused with one line.
 */
#include "nninit/model.h"
#include "nninit_test.h"
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static nninit_model *new_model(void)
{
    nninit_model *m = NULL;
    CHECK(nninit_model_new(&m, NULL, NULL) == NNINIT_OK);
    return m;
}

static nninit_layer layer(nninit_torch_module kind, const char *fmt, int64_t i)
{
    nninit_layer l = nninit_layer_make(kind);
    snprintf(l.name, sizeof l.name, fmt, (long long)i);
    return l;
}

static void add(nninit_model *m, const nninit_layer *l)
{
    nninit_error err;
    int rc = nninit_model_add_layer(m, l, &err);
    CHECK_MSG(rc == NNINIT_OK, "%s: %s", l->name, err.msg);
}

/* A linear layer of block i of a stack of n. */
static nninit_layer blin(const char *fmt, int64_t i, int64_t n, int64_t in,
                         int64_t out, nninit_layer_role role,
                         nninit_stack stack)
{
    nninit_layer l = layer(NNINIT_TORCH_LINEAR, fmt, i);
    l.args.in = in;
    l.args.out = out;
    l.role = role;
    l.stack = stack;
    l.depth = i;
    l.depth_count = n;
    return l;
}

/* nanoGPT's GPT: wte, wpe, h.i.{ln_1, attn.c_attn, attn.c_proj, ln_2,
 * mlp.c_fc, mlp.c_proj}, ln_f, and lm_head tied to wte when `tie`. */
static nninit_model *gpt(int n, int64_t d, int64_t vocab, int tie,
                         nninit_stack stack)
{
    nninit_model *m = new_model();
    nninit_layer e = layer(NNINIT_TORCH_EMBEDDING, "wte", 0);
    e.args.num_embeddings = vocab;
    e.args.embedding_dim = d;
    add(m, &e);
    e = layer(NNINIT_TORCH_EMBEDDING, "wpe", 0);
    e.args.num_embeddings = 16;
    e.args.embedding_dim = d;
    add(m, &e);
    for (int i = 0; i < n; i++) {
        nninit_layer ln = layer(NNINIT_TORCH_LAYER_NORM, "h.%lld.ln_1", i);
        ln.args.normalized_shape[0] = d;
        ln.args.normalized_ndim = 1;
        ln.depth = i;
        ln.depth_count = n;
        ln.stack = stack;
        add(m, &ln);
        nninit_layer l = blin("h.%lld.attn.c_attn", i, n, d, 3 * d,
                              NNINIT_LAYER_ATTN_QKV, stack);
        add(m, &l);
        l = blin("h.%lld.attn.c_proj", i, n, d, d, NNINIT_LAYER_ATTN_OUT,
                 stack);
        add(m, &l);
        l = blin("h.%lld.mlp.c_fc", i, n, d, 4 * d, NNINIT_LAYER_FFN_IN,
                 stack);
        l.args.activation = NNINIT_ACT_GELU;
        add(m, &l);
        l = blin("h.%lld.mlp.c_proj", i, n, 4 * d, d, NNINIT_LAYER_FFN_OUT,
                 stack);
        add(m, &l);
    }
    nninit_layer head = layer(NNINIT_TORCH_LINEAR, "lm_head", 0);
    head.args.in = d;
    head.args.out = vocab;
    head.args.bias = 0;
    head.role = NNINIT_LAYER_READOUT;
    if (tie)
        snprintf(head.tie, sizeof head.tie, "wte");
    add(m, &head);
    return m;
}

static nninit_plan *plan(const nninit_model *m, nninit_preset preset,
                         nninit_error *err)
{
    nninit_plan_opts o = nninit_plan_opts_default();
    o.preset = preset;
    o.seed = 11;
    nninit_plan *p = NULL;
    nninit_error e;
    int rc = nninit_plan_new(m, &o, &p, err ? err : &e);
    if (!err)
        CHECK_MSG(rc == NNINIT_OK, "plan: %s", e.msg);
    return p;
}

static void scale_with(nninit_model *m, nninit_scaling_kind kind)
{
    nninit_scaling s = nninit_scaling_make(kind);
    CHECK(nninit_model_add_scaling(m, &s, NULL) == NNINIT_OK);
}

static long find(const nninit_plan *p, const char *name)
{
    for (size_t i = 0; i < nninit_plan_size(p); i++)
        if (!strcmp(nninit_plan_get(p, i)->name, name))
            return (long)i;
    TEST_FAIL_AT("no tensor %s", name);
    return -1;
}

/* Rows [r0, r1) of tensor `name` (all rows: r1 = -1), as doubles. */
static double *values(const nninit_plan *p, const char *name, int64_t r0,
                      int64_t r1, size_t *n)
{
    long i = find(p, name);
    *n = 0;
    if (i < 0)
        return NULL;
    const nninit_plan_entry *e = nninit_plan_get(p, (size_t)i);
    uint64_t numel = nninit_shape_numel(e->shape);
    uint64_t row = numel / (uint64_t)e->shape->dim[0];
    if (r1 < 0)
        r1 = e->shape->dim[0];
    uint64_t b = (uint64_t)r0 * row, en = (uint64_t)r1 * row;
    float *f = malloc((size_t)(en - b) * 4 + 4);
    double *x = malloc((size_t)(en - b) * 8 + 8);
    nninit_producer *pr;
    nninit_error err;
    CHECK(nninit_producer_new(p, NULL, &pr, NULL) == NNINIT_OK);
    int rc = nninit_producer_fill(pr, (size_t)i, f, b, en, &err);
    CHECK_MSG(rc == NNINIT_OK, "%s: %s", name, err.msg);
    nninit_producer_free(pr);
    for (uint64_t k = 0; k < en - b; k++)
        x[k] = f[k];
    free(f);
    *n = (size_t)(en - b);
    return x;
}

/* KS of rows [r0, r1) of `name` against cdf(p). */
static void ks(const nninit_plan *p, const char *name, int64_t r0, int64_t r1,
               cdf_fn cdf, const double *par)
{
    size_t n;
    double *x = values(p, name, r0, r1, &n);
    if (!x)
        return;
    double d = ks_stat(x, n, cdf, par);
    double pv = ks_pvalue(d, n);
    CHECK_MSG(pv > 1e-3, "%s rows %lld:%lld: KS p = %.3g (D = %.4f, n = %zu) "
              "against (%g, %g)", name, (long long)r0, (long long)r1, pv, d, n,
              par[0], par[1]);
    free(x);
}

/* KS against N(0, sd^2), and the first two moments within 5 standard
 * errors (mean: sd/sqrt(n); variance: sd^2 sqrt(2/(n-1)) for a normal). */
static void ks_normal(const nninit_plan *p, const char *name, double sd)
{
    double par[2] = {0, sd};
    ks(p, name, 0, -1, cdf_normal, par);
    size_t n;
    double *x = values(p, name, 0, -1, &n);
    if (!x)
        return;
    moments mo = moments_of(x, n);
    CHECK_MSG(fabs(mo.mean) < 5 * sd / sqrt((double)n) &&
                  fabs(mo.var - sd * sd) < 5 * sd * sd * sqrt(2.0 / (n - 1)),
              "%s: mean %g, var %g, want 0 and %g", name, mo.mean, mo.var,
              sd * sd);
    free(x);
}

/* KS against U(-bound, bound); for the whole tensor also the plan's own
 * bound, to 1e-12 (the formula's number itself, not only its shape). */
static void ks_uniform(const nninit_plan *p, const char *name, int64_t r0,
                       int64_t r1, double bound)
{
    double par[2] = {-bound, bound};
    ks(p, name, r0, r1, cdf_uniform, par);
    long i = find(p, name);
    const nninit_plan_entry *e = i >= 0 ? nninit_plan_get(p, (size_t)i) : NULL;
    if (e && r0 == 0 && r1 < 0)
        CHECK_MSG(fabs(e->res->bound - bound) <= 1e-12 * bound,
                  "%s: bound %.17g, want %.17g", name, e->res->bound, bound);
}

/* Every element of `name` equals want(row, col). */
static void exactly(const nninit_plan *p, const char *name,
                    double (*want)(int64_t r, int64_t c, const void *ud),
                    const void *ud)
{
    size_t n;
    double *x = values(p, name, 0, -1, &n);
    const nninit_plan_entry *e = nninit_plan_get(p, (size_t)find(p, name));
    int64_t cols = e->shape->ndim >= 2 ? e->shape->dim[1] : 1;
    size_t bad = 0;
    for (size_t k = 0; x && k < n; k++)
        bad += x[k] != (float)want((int64_t)k / cols, (int64_t)k % cols, ud);
    CHECK_MSG(bad == 0, "%s: %zu of %zu elements differ", name, bad, n);
    free(x);
}

static double zero(int64_t r, int64_t c, const void *ud)
{
    (void)r, (void)c, (void)ud;
    return 0;
}

static const char *note(const nninit_plan *p, const char *key)
{
    for (size_t i = 0; i < nninit_plan_note_count(p); i++)
        if (!strcmp(nninit_plan_note_get(p, i)->key, key))
            return nninit_plan_note_get(p, i)->value;
    TEST_FAIL_AT("no note %s", key);
    return "nan";
}

/* ------------------------------------------------------------------------ */

/* --preset gpt2: N(0, 0.02) Linear and Embedding weights, zero biases,
 * LayerNorm 1 and 0, the residual projections N(0, 0.02/sqrt(2 n_layer));
 * lm_head is wte (written once). */
static void gpt2_preset(void)
{
    const int n = 4;
    nninit_model *m = gpt(n, 64, 200, 1, NNINIT_STACK_NONE);
    CHECK_EQ_INT(nninit_model_tensor_count(m), 2 + 10 * n);
    nninit_plan *p = plan(m, NNINIT_PRESET_GPT2, NULL);
    ks_normal(p, "wte.weight", 0.02);
    ks_normal(p, "wpe.weight", 0.02);
    ks_normal(p, "h.0.attn.c_attn.weight", 0.02);
    ks_normal(p, "h.3.mlp.c_fc.weight", 0.02);
    /* nanoGPT: std = 0.02 / math.sqrt(2 * config.n_layer) */
    ks_normal(p, "h.0.attn.c_proj.weight", 0.02 / sqrt(2.0 * n));
    ks_normal(p, "h.3.mlp.c_proj.weight", 0.02 / sqrt(2.0 * n));
    const nninit_plan_entry *e =
        nninit_plan_get(p, (size_t)find(p, "h.2.attn.c_proj.weight"));
    volatile double want = 0.02 / sqrt(2.0 * n);
    CHECK(e->spec->kind == NNINIT_NORMAL && e->spec->std == want);
    CHECK_NEAR(e->scale, 1 / sqrt(2.0 * n), 1e-15);
    CHECK(strstr(e->why, "gpt2 scaling") && strstr(e->why, "block 2 of 4"));
    exactly(p, "h.1.attn.c_attn.bias", zero, NULL);
    CHECK(nninit_plan_get(p, (size_t)find(p, "h.1.ln_1.weight"))->spec->kind ==
          NNINIT_ONES);
    CHECK(!strcmp(note(p, "tie.lm_head.weight"), "wte.weight"));
    CHECK(strstr(nninit_plan_get(p, 0)->why, "as lm_head.weight (tied"));
    nninit_plan_free(p);

    /* the preset's scaling is its own: --preset llama has none */
    p = plan(m, NNINIT_PRESET_LLAMA, NULL);
    ks_normal(p, "h.0.attn.c_proj.weight", 0.02);
    nninit_plan_free(p);
    nninit_model_free(m);
}

/* torchtitan: per-block std 0.02/sqrt(2 (i+1)) with depth_init, else
 * 0.02/sqrt(2 n_layers), on the output projections (and w3, ffn_in);
 * embeddings N(0, 1); the output trunc_normal(dim^-1/2, +-3 std). */
static void torchtitan(void)
{
    const int n = 3;
    nninit_model *m = gpt(n, 64, 200, 0, NNINIT_STACK_NONE);
    scale_with(m, NNINIT_SCALING_TORCHTITAN);
    nninit_plan *p = plan(m, NNINIT_PRESET_LLAMA, NULL);
    for (int i = 0; i < n; i++) {
        char name[64];
        double sd = 0.02 / sqrt(2.0 * (i + 1));
        double par[4] = {0, sd, -2, 2};
        snprintf(name, sizeof name, "h.%d.attn.c_proj.weight", i);
        ks(p, name, 0, -1, cdf_trunc_normal, par);
        snprintf(name, sizeof name, "h.%d.mlp.c_fc.weight", i);
        ks(p, name, 0, -1, cdf_trunc_normal, par);
    }
    double q[4] = {0, 0.02, -2, 2};
    ks(p, "h.1.attn.c_attn.weight", 0, -1, cdf_trunc_normal, q);
    ks_normal(p, "wte.weight", 1);
    double o[4] = {0, 1 / 8.0, -3 / 8.0, 3 / 8.0}; /* 64^-1/2, cut at 3 std */
    ks(p, "lm_head.weight", 0, -1, cdf_trunc_normal, o);
    nninit_plan_free(p);
    nninit_scaling s = nninit_scaling_make(NNINIT_SCALING_TORCHTITAN);
    CHECK(nninit_scaling_set(&s, "depth_init", "false", NULL) == NNINIT_OK);
    CHECK(nninit_model_add_scaling(m, &s, NULL) == NNINIT_OK);
    p = plan(m, NNINIT_PRESET_LLAMA, NULL);
    double flat[4] = {0, 0.02 / sqrt(2.0 * n), -2, 2};
    ks(p, "h.0.mlp.c_proj.weight", 0, -1, cdf_trunc_normal, flat);
    ks(p, "h.2.mlp.c_proj.weight", 0, -1, cdf_trunc_normal, flat);
    nninit_plan_free(p);
    nninit_model_free(m);
}

/* DeepNet: beta on ffn_in, ffn_out, attn_out and the value rows of the
 * packed projection; alpha in the notes. Encoder-decoder constants on
 * nn.Transformer, whose layers carry their own places. */
static void deepnet(void)
{
    const int n = 6;
    const int64_t d = 64;
    nninit_model *m = gpt(n, d, 100, 0, NNINIT_STACK_NONE);
    scale_with(m, NNINIT_SCALING_DEEPNET);
    nninit_plan *p = plan(m, NNINIT_PRESET_SEED, NULL);
    double beta = pow(8.0 * n, -0.25);
    /* the seed preset: Xavier (gain 1) where nothing follows; the packed
     * q, k, v each with its own (d, d) fans */
    ks_uniform(p, "h.0.attn.c_proj.weight", 0, -1,
               beta * sqrt(6.0 / (2 * d)));
    ks_uniform(p, "h.5.mlp.c_proj.weight", 0, -1,
               beta * sqrt(6.0 / (5 * d)));
    ks_uniform(p, "h.2.attn.c_attn.weight", 2 * d, 3 * d,
               beta * sqrt(6.0 / (2 * d)));
    ks_uniform(p, "h.2.attn.c_attn.weight", 0, 2 * d, sqrt(6.0 / (2 * d)));
    /* c_fc: He (fan_in) with GELU's numeric gain 1.5335..., times beta */
    double g;
    nninit_gain_numeric(NNINIT_NL_GELU, NAN, &g, NULL);
    ks_uniform(p, "h.1.mlp.c_fc.weight", 0, -1, beta * g * sqrt(3.0 / d));
    CHECK_NEAR(atof(note(p, "deepnet.alpha")), pow(2.0 * n, 0.25), 1e-15);
    nninit_plan_free(p);
    nninit_model_free(m);

    /* nn.Transformer: N = 3 encoder, M = 2 decoder layers */
    m = new_model();
    nninit_layer t = layer(NNINIT_TORCH_TRANSFORMER, "t", 0);
    t.args.embed_dim = d;
    t.args.num_heads = 4;
    t.args.dim_feedforward = 128;
    t.args.num_encoder_layers = 3;
    t.args.num_decoder_layers = 2;
    add(m, &t);
    scale_with(m, NNINIT_SCALING_DEEPNET);
    p = plan(m, NNINIT_PRESET_SEED, NULL);
    double N = 3, M = 2;
    double be = 0.87 * pow(pow(N, 4) * M, -1.0 / 16), bd = pow(12 * M, -0.25);
    ks_uniform(p, "t.encoder.layers.1.linear2.weight", 0, -1,
               be * sqrt(6.0 / (128 + d)));
    ks_uniform(p, "t.decoder.layers.0.self_attn.out_proj.weight", 0, -1,
               bd * sqrt(6.0 / (2 * d)));
    ks_uniform(p, "t.decoder.layers.1.multihead_attn.in_proj_weight", 2 * d,
               3 * d, bd * sqrt(6.0 / (2 * d)));
    CHECK_NEAR(atof(note(p, "deepnet.alpha.encoder")),
               0.81 * pow(pow(N, 4) * M, 1.0 / 16), 1e-15);
    CHECK_NEAR(atof(note(p, "deepnet.alpha.decoder")), pow(3 * M, 0.25),
               1e-15);
    nninit_plan_free(p);
    nninit_model_free(m);
}

/* T-Fixup: encoder x 0.67 N^-1/4, decoder x (9M)^-1/4 on the value path;
 * embeddings N(0, d^-1/2) x (9M)^-1/4; untagged stacks are refused. */
static void t_fixup(void)
{
    const int64_t d = 64;
    nninit_model *m = new_model();
    nninit_layer e = layer(NNINIT_TORCH_EMBEDDING, "emb", 0);
    e.args.num_embeddings = 300;
    e.args.embedding_dim = d;
    add(m, &e);
    for (int i = 0; i < 4; i++) { /* N = 4 encoder blocks */
        nninit_layer l = blin("enc.%lld.fc1", i, 4, d, 2 * d,
                              NNINIT_LAYER_FFN_IN, NNINIT_STACK_ENCODER);
        add(m, &l);
        l = blin("enc.%lld.v", i, 4, d, d, NNINIT_LAYER_ATTN_V,
                 NNINIT_STACK_ENCODER);
        add(m, &l);
    }
    for (int i = 0; i < 5; i++) { /* M = 5 decoder blocks */
        nninit_layer l = blin("dec.%lld.fc2", i, 5, 2 * d, d,
                              NNINIT_LAYER_FFN_OUT, NNINIT_STACK_DECODER);
        add(m, &l);
    }
    scale_with(m, NNINIT_SCALING_T_FIXUP);
    nninit_plan *p = plan(m, NNINIT_PRESET_SEED, NULL);
    ks_normal(p, "emb.weight", pow((double)d, -0.5) * pow(45.0, -0.25));
    ks_uniform(p, "enc.2.v.weight", 0, -1,
               0.67 * pow(4.0, -0.25) * sqrt(6.0 / (2 * d)));
    ks_uniform(p, "dec.4.fc2.weight", 0, -1,
               pow(45.0, -0.25) * sqrt(6.0 / (3 * d)));
    nninit_plan_free(p);
    nninit_model_free(m);

    m = gpt(2, 32, 50, 0, NNINIT_STACK_NONE);
    scale_with(m, NNINIT_SCALING_T_FIXUP);
    nninit_error err;
    CHECK(plan(m, NNINIT_PRESET_SEED, &err) == NULL);
    CHECK(strstr(err.msg, "stack: encoder or stack: decoder") != NULL);
    nninit_model_free(m);
}

/* Fixup: the classifier and each branch's last layer 0; the other branch
 * layers x L^(-1/(2m-2)): L = 2 n for a transformer (m = 2), and a ResNet
 * branch of three layers (m = 3). */
static void fixup(void)
{
    const int n = 3;
    const int64_t d = 64;
    nninit_model *m = gpt(n, d, 100, 0, NNINIT_STACK_NONE);
    scale_with(m, NNINIT_SCALING_FIXUP);
    nninit_plan *p = plan(m, NNINIT_PRESET_TORCH, NULL);
    double L = 2 * n;
    exactly(p, "h.1.attn.c_proj.weight", zero, NULL);
    exactly(p, "h.1.attn.c_proj.bias", zero, NULL);
    exactly(p, "h.2.mlp.c_proj.weight", zero, NULL);
    exactly(p, "lm_head.weight", zero, NULL);
    /* PyTorch's default U(+-1/sqrt(fan_in)), times L^-1/2 */
    ks_uniform(p, "h.0.mlp.c_fc.weight", 0, -1, pow(L, -0.5) / sqrt(d));
    ks_uniform(p, "h.0.attn.c_attn.weight", 0, -1, pow(L, -0.5) / sqrt(d));
    nninit_plan_free(p);
    nninit_model_free(m);

    /* ResNet-like blocks: branch, branch, branch_out (m = 3), 5 blocks */
    m = new_model();
    for (int i = 0; i < 5; i++) {
        nninit_layer l = blin("b.%lld.a", i, 5, d, d, NNINIT_LAYER_BRANCH,
                              NNINIT_STACK_NONE);
        add(m, &l);
        l = blin("b.%lld.b", i, 5, d, d, NNINIT_LAYER_BRANCH,
                 NNINIT_STACK_NONE);
        add(m, &l);
        l = blin("b.%lld.c", i, 5, d, d, NNINIT_LAYER_BRANCH_OUT,
                 NNINIT_STACK_NONE);
        add(m, &l);
    }
    scale_with(m, NNINIT_SCALING_FIXUP);
    p = plan(m, NNINIT_PRESET_TORCH, NULL);
    ks_uniform(p, "b.3.b.weight", 0, -1, pow(5.0, -1.0 / 4) / sqrt(d));
    exactly(p, "b.3.c.weight", zero, NULL);
    nninit_plan_free(p);
    nninit_model_free(m);
}

/* ZerO: square identity, shrinking partial identity, growing c H[:out,
 * :in] with m = ceil(log2 out), c = 2^(-(m-1)/2); the residual outputs 0. */
static double eye_w(int64_t r, int64_t c, const void *ud)
{
    (void)ud;
    return r == c;
}

static double hadamard_w(int64_t r, int64_t c, const void *ud)
{
    /* Sylvester's recursion, unrolled bit by bit: H[r][c] flips sign for
     * every bit both indices have */
    double v = *(const double *)ud;
    for (; r || c; r >>= 1, c >>= 1)
        if (r & c & 1)
            v = -v;
    return v;
}

static void zero_init(void)
{
    const int64_t d = 24;
    nninit_model *m = gpt(2, d, 40, 0, NNINIT_STACK_NONE);
    nninit_layer down = layer(NNINIT_TORCH_LINEAR, "down", 0);
    down.args.in = 40;
    down.args.out = 24;
    add(m, &down);
    nninit_layer sq = layer(NNINIT_TORCH_LINEAR, "square", 0);
    sq.args.in = 24;
    sq.args.out = 24;
    add(m, &sq);
    scale_with(m, NNINIT_SCALING_ZERO_INIT);
    nninit_plan *p = plan(m, NNINIT_PRESET_SEED, NULL);
    exactly(p, "square.weight", eye_w, NULL);
    exactly(p, "down.weight", eye_w, NULL);
    double c = pow(2.0, -(7 - 1) / 2.0); /* out 72: m = 7 */
    exactly(p, "h.0.attn.c_attn.weight", hadamard_w, &c);
    exactly(p, "h.1.attn.c_proj.weight", zero, NULL);
    exactly(p, "h.0.mlp.c_proj.weight", zero, NULL);
    c = pow(2.0, -(6 - 1) / 2.0); /* lm_head: 40 out of 24 in: m = 6 */
    exactly(p, "lm_head.weight", hadamard_w, &c);
    nninit_plan_free(p);
    nninit_model_free(m);
}

/* muP: base shapes from a narrower model; vector-like tensors keep the
 * std they have at the base shape, matrix-like ones get it x width_mult^
 * -1/2; the readout's 1/width_mult and Adam's rule in the notes. */
static nninit_model *mlp(int64_t w)
{
    nninit_model *m = new_model();
    nninit_layer l = layer(NNINIT_TORCH_LINEAR, "fc1", 0);
    l.args.in = 100;
    l.args.out = w;
    l.args.activation = NNINIT_ACT_RELU;
    add(m, &l);
    l = layer(NNINIT_TORCH_LINEAR, "fc2", 0);
    l.args.in = w;
    l.args.out = w;
    l.args.activation = NNINIT_ACT_RELU;
    add(m, &l);
    l = layer(NNINIT_TORCH_LINEAR, "fc3", 0);
    l.args.in = w;
    l.args.out = 10;
    add(m, &l);
    return m;
}

static void mup(void)
{
    nninit_model *m = mlp(256), *base = mlp(64);
    nninit_error err;
    scale_with(m, NNINIT_SCALING_MUP);
    CHECK(plan(m, NNINIT_PRESET_SEED, &err) == NULL &&
          strstr(err.msg, "base shapes"));
    CHECK(nninit_model_set_base_shapes(m, base, &err) == NNINIT_OK);
    nninit_rule r = nninit_rule_make("*.weight");
    r.has_init = 1;
    r.spec = nninit_spec_make(NNINIT_NORMAL);
    r.spec.std = 0.02;
    CHECK(nninit_model_add_rule(m, &r, NULL) == NNINIT_OK);
    nninit_plan *p = plan(m, NNINIT_PRESET_SEED, NULL);
    const nninit_plan_entry *e =
        nninit_plan_get(p, (size_t)find(p, "fc2.weight"));
    CHECK(e->infinite == 3u && e->base->dim[0] == 64 && e->base->dim[1] == 64);
    CHECK_NEAR(e->width_mult, 4, 0);
    ks_normal(p, "fc2.weight", 0.02 / 2); /* matrix-like: / sqrt(4) */
    ks_normal(p, "fc1.weight", 0.02);     /* (inf, fin): vector-like */
    ks_normal(p, "fc3.weight", 0.02);     /* the readout: vector-like */
    e = nninit_plan_get(p, (size_t)find(p, "fc3.weight"));
    CHECK(e->infinite == 2u);
    CHECK_NEAR(atof(note(p, "mup.readout.fc3.weight")), 0.25, 1e-15);
    nninit_plan_free(p);
    /* He (fan_in) is already right at any width for matrix-like tensors;
     * the readout's Xavier is taken at its base fans */
    nninit_model_free(m);
    m = mlp(256);
    scale_with(m, NNINIT_SCALING_MUP);
    CHECK(nninit_model_set_base_shapes(m, base, NULL) == NNINIT_OK);
    p = plan(m, NNINIT_PRESET_SEED, NULL);
    ks_uniform(p, "fc2.weight", 0, -1, sqrt(2.0) * sqrt(3.0 / 256));
    ks_uniform(p, "fc3.weight", 0, -1, sqrt(6.0 / (64 + 10)));
    nninit_plan_free(p);
    nninit_model_free(m);
    nninit_model_free(base);

    /* a transformer: the query rows of the packed projection zeroed, the
     * readout zeroed with its bias, attention's 1/d noted */
    m = gpt(2, 64, 100, 0, NNINIT_STACK_NONE);
    base = gpt(2, 16, 100, 0, NNINIT_STACK_NONE);
    CHECK(nninit_model_set_base_shapes(m, base, &err) == NNINIT_OK);
    nninit_scaling s = nninit_scaling_make(NNINIT_SCALING_MUP);
    s.query_zero = s.readout_zero = 1;
    CHECK(nninit_model_add_scaling(m, &s, NULL) == NNINIT_OK);
    p = plan(m, NNINIT_PRESET_GPT2, NULL);
    size_t n;
    double *x = values(p, "h.1.attn.c_attn.weight", 0, -1, &n);
    size_t zq = 0, zkv = 0;
    for (size_t k = 0; x && k < n; k++)
        *(k < n / 3 ? &zq : &zkv) += x[k] == 0;
    CHECK_MSG(zq == n / 3 && zkv == 0, "query rows: %zu zeros of %zu; k, v: "
              "%zu zeros", zq, n / 3, zkv);
    free(x);
    exactly(p, "lm_head.weight", zero, NULL);
    /* matrix-like under N(0, 0.02): / sqrt(64/16) */
    ks_normal(p, "h.0.mlp.c_fc.weight", 0.02 / 2);
    CHECK(!strcmp(note(p, "mup.attention"), "1/d"));
    nninit_plan_free(p);
    nninit_model_free(m);
    nninit_model_free(base);
}

/* Places and ties the scalings cannot use are refused, in one line. */
static void bad_places(void)
{
    nninit_error err;
    nninit_model *m = new_model();
    nninit_layer l = layer(NNINIT_TORCH_LINEAR, "fc", 0);
    l.args.in = 4;
    l.args.out = 4;
    l.role = NNINIT_LAYER_ATTN_OUT; /* in no stack */
    add(m, &l);
    scale_with(m, NNINIT_SCALING_GPT2);
    CHECK(plan(m, NNINIT_PRESET_SEED, &err) == NULL &&
          strstr(err.msg, "in no stack of blocks"));
    nninit_layer t = layer(NNINIT_TORCH_LINEAR, "head", 0);
    t.args.in = 4;
    t.args.out = 5;
    snprintf(t.tie, sizeof t.tie, "fc");
    CHECK(nninit_model_add_layer(m, &t, &err) == NNINIT_EINVAL &&
          strstr(err.msg, "same shape"));
    snprintf(t.tie, sizeof t.tie, "nothing");
    CHECK(nninit_model_add_layer(m, &t, &err) == NNINIT_EINVAL &&
          strstr(err.msg, "no earlier layer 'nothing'"));
    t.tie[0] = '\0';
    t.depth = 3;
    t.depth_count = 2;
    CHECK(nninit_model_add_layer(m, &t, &err) == NNINIT_EINVAL &&
          strstr(err.msg, "depth 3 of 2"));
    nninit_model_free(m);

    nninit_scaling s;
    CHECK(nninit_scaling_parse("gpt2:depth_init=true", &s, &err) ==
              NNINIT_EINVAL && strstr(err.msg, "gpt2 takes no options"));
    CHECK(nninit_scaling_parse("mup:readout=maybe", &s, &err) ==
              NNINIT_EINVAL && strstr(err.msg, "multiplier or zero"));
    CHECK(nninit_scaling_parse("fixap", &s, &err) == NNINIT_EINVAL &&
          strstr(err.msg, "fixup"));
    CHECK(nninit_scaling_parse("mup:readout=zero,query=zero", &s, &err) ==
              NNINIT_OK && s.readout_zero && s.query_zero);
    char buf[96];
    CHECK_EQ_STR(nninit_scaling_format(&s, buf, sizeof buf),
                 "mup(readout=zero, query=zero)");
    for (int k = 0; k < NNINIT_SCALING_COUNT; k++) {
        const nninit_scaling_info *in =
            nninit_scaling_info_get((nninit_scaling_kind)k);
        CHECK(in && in->what[0] && in->source[0]);
    }
}

int main(void)
{
    TEST_RUN(gpt2_preset);
    TEST_RUN(torchtitan);
    TEST_RUN(deepnet);
    TEST_RUN(t_fixup);
    TEST_RUN(fixup);
    TEST_RUN(zero_init);
    TEST_RUN(mup);
    TEST_RUN(bad_places);
    return test_report();
}
