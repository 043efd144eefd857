/*
 * test_model.c: layers -> PyTorch state_dict names and shapes, the per-layer
 * rule and the presets, rules (last match wins, warnings), stream-id
 * stability, and the producer's bytes (ranges, per-gate orthogonality,
 * forget-gate bias, bounded memory).
 *
 * Expected names and shapes are PyTorch 1.13's (nn.LSTM._flat_weights_names
 * and the modules' reset_parameters); tests/py/model_torch.py checks the same
 * against python3-torch itself.
 */
#include "nninit/model.h"
#include "nninit_test.h"

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

static nninit_layer lin(const char *name, int64_t in, int64_t out,
                        nninit_activation act)
{
    nninit_layer l = nninit_layer_make(NNINIT_TORCH_LINEAR);
    snprintf(l.name, sizeof l.name, "%s", name);
    l.args.in = in;
    l.args.out = out;
    l.args.activation = act;
    return l;
}

static nninit_plan *plan_of(const nninit_model *m, nninit_preset preset,
                            uint64_t seed)
{
    nninit_plan_opts o = nninit_plan_opts_default();
    o.preset = preset;
    o.seed = seed;
    nninit_plan *p = NULL;
    nninit_error err;
    int rc = nninit_plan_new(m, &o, &p, &err);
    CHECK_MSG(rc == NNINIT_OK, "plan: %s", err.msg);
    return p;
}

static const nninit_plan_entry *find(const nninit_plan *p, const char *name,
                                     size_t *idx)
{
    for (size_t i = 0; i < nninit_plan_size(p); i++)
        if (!strcmp(nninit_plan_get(p, i)->name, name)) {
            if (idx)
                *idx = i;
            return nninit_plan_get(p, i);
        }
    TEST_FAIL_AT("no tensor %s", name);
    return NULL;
}

static float *produce(const nninit_plan *p, size_t i)
{
    const nninit_plan_entry *e = nninit_plan_get(p, i);
    uint64_t n = nninit_shape_numel(e->shape);
    float *buf = (float *)malloc((size_t)n * 4 + 4);
    nninit_producer *pr;
    nninit_error err;
    CHECK(nninit_producer_new(p, NULL, &pr, &err) == NNINIT_OK);
    int rc = nninit_producer_fill(pr, i, buf, 0, n, &err);
    CHECK_MSG(rc == NNINIT_OK, "fill: %s", err.msg);
    nninit_producer_free(pr);
    return buf;
}

/* ------------------------------------------------------------------------ */

static void seed_example_plan(void)
{
    nninit_model *m = new_model();
    nninit_layer l1 = lin("fc1", 10, 50, NNINIT_ACT_RELU);
    nninit_layer l2 = lin("fc2", 50, 30, NNINIT_ACT_TANH);
    nninit_layer l3 = lin("fc3", 30, 1, NNINIT_ACT_SIGMOID);
    CHECK(nninit_model_add_layer(m, &l1, NULL) == NNINIT_OK);
    CHECK(nninit_model_add_layer(m, &l2, NULL) == NNINIT_OK);
    CHECK(nninit_model_add_layer(m, &l3, NULL) == NNINIT_OK);
    CHECK_EQ_INT(nninit_model_tensor_count(m), 6);
    nninit_plan *p = plan_of(m, NNINIT_PRESET_SEED, 42);
    const nninit_plan_entry *w1 = find(p, "fc1.weight", NULL);
    CHECK_EQ_INT(w1->shape->ndim, 2);
    CHECK_EQ_INT(w1->shape->dim[0], 50);
    CHECK_EQ_INT(w1->shape->dim[1], 10);
    CHECK_EQ_INT(w1->spec->kind, NNINIT_KAIMING_UNIFORM);
    CHECK_EQ_INT(w1->res->fan_in, 10);
    /* He uniform: bound = sqrt(2) * sqrt(3 / 10) */
    CHECK_NEAR(w1->res->bound, sqrt(2.0) * sqrt(3.0 / 10), 1e-15);
    const nninit_plan_entry *w2 = find(p, "fc2.weight", NULL);
    CHECK_EQ_INT(w2->spec->kind, NNINIT_XAVIER_UNIFORM);
    CHECK_NEAR(w2->res->gain, 5.0 / 3, 1e-15);
    CHECK_NEAR(w2->res->bound, 5.0 / 3 * sqrt(6.0 / 80), 1e-15);
    const nninit_plan_entry *w3 = find(p, "fc3.weight", NULL);
    CHECK_EQ_INT(w3->spec->kind, NNINIT_XAVIER_UNIFORM);
    CHECK_NEAR(w3->res->bound, sqrt(6.0 / 31), 1e-15);
    CHECK(strstr(w1->why, "relu") != NULL);
    const nninit_plan_entry *b1 = find(p, "fc1.bias", NULL);
    CHECK_EQ_INT(b1->spec->kind, NNINIT_ZEROS);
    CHECK_EQ_INT(b1->shape->ndim, 1);
    CHECK_EQ_INT(b1->shape->dim[0], 50);
    nninit_plan_free(p);

    /* a rule: the last match wins, and says so */
    nninit_rule r = nninit_rule_make("fc3.weight");
    r.has_init = 1;
    r.spec = nninit_spec_make(NNINIT_XAVIER_NORMAL);
    r.line = 7;
    CHECK(nninit_model_add_rule(m, &r, NULL) == NNINIT_OK);
    nninit_rule r2 = nninit_rule_make("nothing.*");
    r2.has_activation = 1;
    r2.activation = NNINIT_ACT_RELU;
    CHECK(nninit_model_add_rule(m, &r2, NULL) == NNINIT_OK);
    p = plan_of(m, NNINIT_PRESET_SEED, 42);
    w3 = find(p, "fc3.weight", NULL);
    CHECK_EQ_INT(w3->spec->kind, NNINIT_XAVIER_NORMAL);
    CHECK(strstr(w3->why, "rule 1") && strstr(w3->why, "line 7"));
    CHECK_EQ_INT(nninit_plan_warning_count(p), 1);
    CHECK(strstr(nninit_plan_warning(p, 0), "nothing.*") != NULL);
    nninit_plan_free(p);
    nninit_model_free(m);
}

static void lstm_names_and_shapes(void)
{
    nninit_model *m = new_model();
    nninit_layer l = nninit_layer_make(NNINIT_TORCH_LSTM);
    snprintf(l.name, sizeof l.name, "lstm");
    l.args.in = 10;
    l.args.hidden = 20;
    l.args.num_layers = 2;
    l.args.bidirectional = 1;
    l.args.proj_size = 5;
    CHECK(nninit_model_add_layer(m, &l, NULL) == NNINIT_OK);
    /* torch: nn.LSTM(10, 20, 2, bidirectional=True, proj_size=5) */
    static const struct {
        const char *name;
        int64_t d0, d1;
    } want[] = {
        {"lstm.weight_ih_l0", 80, 10},        {"lstm.weight_hh_l0", 80, 5},
        {"lstm.bias_ih_l0", 80, -1},          {"lstm.bias_hh_l0", 80, -1},
        {"lstm.weight_hr_l0", 5, 20},         {"lstm.weight_ih_l0_reverse", 80, 10},
        {"lstm.weight_hh_l0_reverse", 80, 5}, {"lstm.bias_ih_l0_reverse", 80, -1},
        {"lstm.bias_hh_l0_reverse", 80, -1},  {"lstm.weight_hr_l0_reverse", 5, 20},
        {"lstm.weight_ih_l1", 80, 10},        {"lstm.weight_hh_l1", 80, 5},
        {"lstm.bias_ih_l1", 80, -1},          {"lstm.bias_hh_l1", 80, -1},
        {"lstm.weight_hr_l1", 5, 20},         {"lstm.weight_ih_l1_reverse", 80, 10},
        {"lstm.weight_hh_l1_reverse", 80, 5}, {"lstm.bias_ih_l1_reverse", 80, -1},
        {"lstm.bias_hh_l1_reverse", 80, -1},  {"lstm.weight_hr_l1_reverse", 5, 20},
    };
    nninit_plan *p = plan_of(m, NNINIT_PRESET_SEED, 1);
    CHECK_EQ_INT(nninit_plan_size(p), 20);
    for (size_t i = 0; i < 20 && i < nninit_plan_size(p); i++) {
        const nninit_plan_entry *e = nninit_plan_get(p, i);
        CHECK_MSG(!strcmp(e->name, want[i].name), "%zu: %s != %s", i, e->name,
                  want[i].name);
        CHECK_EQ_INT(e->shape->ndim, want[i].d1 < 0 ? 1 : 2);
        CHECK_EQ_INT(e->shape->dim[0], want[i].d0);
        if (want[i].d1 >= 0)
            CHECK_EQ_INT(e->shape->dim[1], want[i].d1);
    }
    nninit_plan_free(p);
    nninit_model_free(m);
}

static void conv_and_norm_shapes(void)
{
    nninit_model *m = new_model();
    nninit_layer c = nninit_layer_make(NNINIT_TORCH_CONV_TRANSPOSE2D);
    snprintf(c.name, sizeof c.name, "up");
    c.args.in = 8;
    c.args.out = 6;
    c.args.groups = 2;
    c.args.kernel[0] = 3;
    c.args.kernel[1] = 5;
    CHECK(nninit_model_add_layer(m, &c, NULL) == NNINIT_OK);
    nninit_layer b = nninit_layer_make(NNINIT_TORCH_BATCH_NORM);
    snprintf(b.name, sizeof b.name, "bn");
    b.args.num_features = 6;
    CHECK(nninit_model_add_layer(m, &b, NULL) == NNINIT_OK);
    nninit_plan *p = plan_of(m, NNINIT_PRESET_SEED, 1);
    const nninit_plan_entry *w = find(p, "up.weight", NULL);
    /* ConvTranspose2d(8, 6, (3, 5), groups=2).weight: (8, 3, 3, 5) */
    CHECK_EQ_INT(w->shape->ndim, 4);
    CHECK_EQ_INT(w->shape->dim[0], 8);
    CHECK_EQ_INT(w->shape->dim[1], 3);
    CHECK_EQ_INT(w->shape->dim[3], 5);
    CHECK_EQ_INT(w->res->fan_in, 3 * 15); /* torch: size(1) * rf */
    const nninit_plan_entry *nb = find(p, "bn.num_batches_tracked", NULL);
    CHECK_EQ_INT(nb->type, NNINIT_ET_I64);
    CHECK_EQ_INT(nb->shape->ndim, 0);
    CHECK_EQ_INT(find(p, "bn.running_var", NULL)->spec->kind, NNINIT_ONES);
    CHECK_EQ_INT(find(p, "bn.weight", NULL)->spec->kind, NNINIT_ONES);
    nninit_plan_free(p);
    /* Flax's ConvTranspose kernel is (k.., in, out): fan_in = in * rf */
    p = plan_of(m, NNINIT_PRESET_FLAX, 1);
    w = find(p, "up.weight", NULL);
    CHECK_EQ_INT(w->spec->kind, NNINIT_VARIANCE_SCALING);
    CHECK_EQ_INT(w->res->fan_in, 8 * 15);
    CHECK_NEAR(w->res->std, 1 / sqrt(120.0), 1e-15);
    nninit_plan_free(p);
    nninit_model_free(m);
}

static void stream_ids_follow_names(void)
{
    /* fc2.weight's bytes do not change when a layer is added before it */
    nninit_model *a = new_model(), *b = new_model();
    nninit_layer l1 = lin("fc1", 10, 50, NNINIT_ACT_RELU);
    nninit_layer l2 = lin("fc2", 50, 30, NNINIT_ACT_TANH);
    nninit_layer extra = lin("extra", 7, 7, NNINIT_ACT_RELU);
    CHECK(nninit_model_add_layer(a, &l1, NULL) == NNINIT_OK);
    CHECK(nninit_model_add_layer(a, &l2, NULL) == NNINIT_OK);
    CHECK(nninit_model_add_layer(b, &extra, NULL) == NNINIT_OK);
    CHECK(nninit_model_add_layer(b, &l2, NULL) == NNINIT_OK);
    CHECK(nninit_model_add_layer(b, &l1, NULL) == NNINIT_OK);
    nninit_plan *pa = plan_of(a, NNINIT_PRESET_SEED, 9);
    nninit_plan *pb = plan_of(b, NNINIT_PRESET_SEED, 9);
    size_t ia, ib;
    find(pa, "fc2.weight", &ia);
    find(pb, "fc2.weight", &ib);
    float *x = produce(pa, ia), *y = produce(pb, ib);
    CHECK(memcmp(x, y, 1500 * 4) == 0);
    free(x);
    free(y);
    nninit_plan_free(pa);
    nninit_plan_free(pb);
    nninit_model_free(a);
    nninit_model_free(b);
}

/* max |(W W^T or W^T W) - I| of a rows x cols matrix */
static double orth_error(const float *w, int64_t rows, int64_t cols)
{
    double worst = 0;
    int wide = rows <= cols;
    int64_t n = wide ? rows : cols, k = wide ? cols : rows;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0;
            for (int64_t t = 0; t < k; t++)
                s += wide ? (double)w[i * cols + t] * w[j * cols + t]
                          : (double)w[t * cols + i] * w[t * cols + j];
            double d = fabs(s - (i == j));
            if (d > worst)
                worst = d;
        }
    return worst;
}

static void recurrent_orthogonal_modes(void)
{
    nninit_model *m = new_model();
    nninit_layer l = nninit_layer_make(NNINIT_TORCH_LSTM);
    snprintf(l.name, sizeof l.name, "enc");
    l.args.in = 6;
    l.args.hidden = 16;
    CHECK(nninit_model_add_layer(m, &l, NULL) == NNINIT_OK);
    nninit_layer k = l;
    snprintf(k.name, sizeof k.name, "whole");
    k.args.orthogonal = NNINIT_ORTH_WHOLE;
    CHECK(nninit_model_add_layer(m, &k, NULL) == NNINIT_OK);
    nninit_plan *p = plan_of(m, NNINIT_PRESET_SEED, 3);
    size_t i;
    const nninit_plan_entry *e = find(p, "enc.weight_hh_l0", &i);
    CHECK(e->composite);
    float *w = produce(p, i);
    /* each 16 x 16 gate block is orthogonal (float32 rounding: ~1e-6) */
    for (int g = 0; g < 4; g++)
        CHECK(orth_error(w + g * 256, 16, 16) < 1e-5);
    /* and the whole (64, 16) matrix is not: its blocks are independent */
    CHECK(orth_error(w, 64, 16) > 0.1);
    free(w);
    e = find(p, "whole.weight_hh_l0", &i);
    CHECK(!e->composite);
    w = produce(p, i);
    CHECK(orth_error(w, 64, 16) < 1e-5);
    CHECK(orth_error(w, 16, 16) > 0.1);
    free(w);
    nninit_plan_free(p);
    nninit_model_free(m);
}

static void forget_bias(void)
{
    nninit_model *m = new_model();
    nninit_layer l = nninit_layer_make(NNINIT_TORCH_LSTM);
    snprintf(l.name, sizeof l.name, "lstm");
    l.args.in = 3;
    l.args.hidden = 4;
    CHECK(nninit_model_add_layer(m, &l, NULL) == NNINIT_OK);
    /* keras: unit_forget_bias by default */
    nninit_plan *p = plan_of(m, NNINIT_PRESET_KERAS, 1);
    size_t i, j;
    find(p, "lstm.bias_ih_l0", &i);
    find(p, "lstm.bias_hh_l0", &j);
    float *bi = produce(p, i), *bh = produce(p, j);
    for (int r = 0; r < 16; r++) {
        CHECK_NEAR(bi[r], r >= 4 && r < 8 ? 1.0 : 0.0, 0);
        CHECK_NEAR(bh[r], 0.0, 0);
    }
    free(bi);
    free(bh);
    nninit_plan_free(p);
    /* torch preset + forget_bias 2: defaults stay uniform elsewhere, the
     * forget rows sum to exactly 2 */
    nninit_model_free(m);
    m = new_model();
    l.args.forget_bias = 2.0;
    CHECK(nninit_model_add_layer(m, &l, NULL) == NNINIT_OK);
    p = plan_of(m, NNINIT_PRESET_TORCH, 1);
    find(p, "lstm.bias_ih_l0", &i);
    find(p, "lstm.bias_hh_l0", &j);
    bi = produce(p, i);
    bh = produce(p, j);
    int nonzero = 0;
    for (int r = 0; r < 16; r++) {
        if (r >= 4 && r < 8) {
            CHECK_NEAR(bi[r] + bh[r], 2.0, 0);
        } else {
            CHECK(fabs(bi[r]) <= 0.5 && fabs(bh[r]) <= 0.5); /* 1/sqrt(4) */
            nonzero += bi[r] != 0;
        }
    }
    CHECK(nonzero > 8);
    free(bi);
    free(bh);
    nninit_plan_free(p);
    nninit_model_free(m);
}

static void torch_preset_bounds(void)
{
    nninit_model *m = new_model();
    nninit_layer l = lin("fc", 100, 7, NNINIT_ACT_RELU);
    CHECK(nninit_model_add_layer(m, &l, NULL) == NNINIT_OK);
    nninit_plan *p = plan_of(m, NNINIT_PRESET_TORCH, 5);
    size_t i;
    const nninit_plan_entry *w = find(p, "fc.weight", &i);
    /* kaiming_uniform(a=sqrt(5)): gain sqrt(2/6), bound gain*sqrt(3/100) */
    CHECK_NEAR(w->res->bound, 0.1, 1e-15);
    CHECK_MSG(strstr(w->why, "nn.Linear's default kaiming_uniform_") != NULL,
              "why: %s", w->why);
    const nninit_plan_entry *b = find(p, "fc.bias", &i);
    CHECK_NEAR(b->res->bound, 0.1, 1e-15);
    CHECK_MSG(strstr(b->why, "nn.Linear's default bias") != NULL, "why: %s",
              b->why);
    float *v = produce(p, i);
    for (int k = 0; k < 7; k++)
        CHECK(fabs(v[k]) <= 0.1f && v[k] != 0);
    free(v);
    nninit_plan_free(p);
    nninit_model_free(m);
}

static void ranges_equal_whole(void)
{
    nninit_model *m = new_model();
    nninit_layer l = nninit_layer_make(NNINIT_TORCH_GRU);
    snprintf(l.name, sizeof l.name, "gru");
    l.args.in = 5;
    l.args.hidden = 9;
    CHECK(nninit_model_add_layer(m, &l, NULL) == NNINIT_OK);
    nninit_layer e = nninit_layer_make(NNINIT_TORCH_EMBEDDING);
    snprintf(e.name, sizeof e.name, "emb");
    e.args.num_embeddings = 33;
    e.args.embedding_dim = 7;
    CHECK(nninit_model_add_layer(m, &e, NULL) == NNINIT_OK);
    nninit_plan *p = plan_of(m, NNINIT_PRESET_SEED, 11);
    nninit_producer *pr;
    CHECK(nninit_producer_new(p, NULL, &pr, NULL) == NNINIT_OK);
    for (size_t i = 0; i < nninit_plan_size(p); i++) {
        const nninit_plan_entry *en = nninit_plan_get(p, i);
        uint64_t n = nninit_shape_numel(en->shape);
        float *whole = produce(p, i);
        float *part = (float *)malloc((size_t)n * 4);
        /* odd-sized pieces, crossing gate blocks */
        for (uint64_t at = 0; at < n;) {
            uint64_t stop = at + 13 < n ? at + 13 : n;
            CHECK(nninit_producer_fill(pr, i, part + at, at, stop, NULL) ==
                  NNINIT_OK);
            at = stop;
        }
        CHECK_MSG(memcmp(whole, part, (size_t)n * 4) == 0, "%s", en->name);
        free(whole);
        free(part);
    }
    /* the orthogonal cache holds one gate block (9 x 9 floats) at most */
    CHECK(nninit_producer_held_bytes(pr) <= 9 * 9 * 4);
    nninit_producer_free(pr);
    nninit_plan_free(p);
    nninit_model_free(m);
}

/* --rng torch: tensors whose last step is one elementwise step are made in
 * the caller's pieces as they come (nninit_torch_stream), never held; the
 * bytes equal the whole tensor's, and pieces must come in order. */
static void torch_pieces_stream(void)
{
    nninit_model *m = new_model();
    nninit_layer l = lin("fc", 64, 32, NNINIT_ACT_RELU);
    CHECK(nninit_model_add_layer(m, &l, NULL) == NNINIT_OK);
    nninit_rule ru = nninit_rule_make("fc.weight"); /* an explicit init */
    ru.has_init = 1;
    ru.spec = nninit_spec_make(NNINIT_XAVIER_NORMAL);
    CHECK(nninit_model_add_rule(m, &ru, NULL) == NNINIT_OK);
    nninit_rule ro = nninit_rule_make("lstm.weight_hh_l0"); /* a QR: held */
    ro.has_init = 1;
    ro.spec = nninit_spec_make(NNINIT_ORTHOGONAL);
    CHECK(nninit_model_add_rule(m, &ro, NULL) == NNINIT_OK);
    nninit_layer e = nninit_layer_make(NNINIT_TORCH_EMBEDDING);
    snprintf(e.name, sizeof e.name, "emb");
    e.args.num_embeddings = 50;
    e.args.embedding_dim = 16;
    e.args.padding_idx = 7; /* a zero row, filled piece by piece */
    e.args.has_padding_idx = 1;
    CHECK(nninit_model_add_layer(m, &e, NULL) == NNINIT_OK);
    nninit_layer r = nninit_layer_make(NNINIT_TORCH_LSTM);
    snprintf(r.name, sizeof r.name, "lstm");
    r.args.in = 5;
    r.args.hidden = 7;
    CHECK(nninit_model_add_layer(m, &r, NULL) == NNINIT_OK);
    nninit_plan_opts o = nninit_plan_opts_default();
    o.preset = NNINIT_PRESET_TORCH;
    o.rng = NNINIT_RNG_TORCH;
    o.seed = 3;
    nninit_plan *p = NULL;
    CHECK(nninit_plan_new(m, &o, &p, NULL) == NNINIT_OK);
    nninit_producer *whole, *pieces;
    CHECK(nninit_producer_new(p, NULL, &whole, NULL) == NNINIT_OK);
    CHECK(nninit_producer_new(p, NULL, &pieces, NULL) == NNINIT_OK);
    for (size_t k = 0; k < nninit_plan_size(p); k++) {
        size_t i = nninit_plan_order(p, k);
        const nninit_plan_entry *en = nninit_plan_get(p, i);
        uint64_t n = nninit_shape_numel(en->shape);
        float *a = (float *)malloc((size_t)n * 4 + 4);
        float *b = (float *)malloc((size_t)n * 4 + 4);
        nninit_error err;
        CHECK_MSG(nninit_producer_fill(whole, i, a, 0, n, &err) == 0, "%s",
                  err.msg);
        for (uint64_t at = 0; at < n;) {
            uint64_t stop = at + 13 < n ? at + 13 : n;
            CHECK_MSG(nninit_producer_fill(pieces, i, b + at, at, stop,
                                           &err) == 0,
                      "%s", err.msg);
            at = stop;
        }
        CHECK_MSG(memcmp(a, b, (size_t)n * 4) == 0, "%s", en->name);
        if (!strcmp(en->name, "emb.weight"))
            for (int x = 0; x < 16 * 50; x++)
                CHECK((b[x] == 0) == (x / 16 == 7));
        /* nothing held for the pieces but the orthogonal matrix */
        int qr = !strcmp(en->name, "lstm.weight_hh_l0");
        uint64_t held = nninit_producer_held_bytes(pieces);
        CHECK_MSG(qr ? held >= n * 4 : held == 0, "%s: %llu held", en->name,
                  (unsigned long long)held);
        if (n > 13 && !qr) /* going back is refused, naming the tensor */
            CHECK(nninit_producer_fill(pieces, i, b, 0, 1, &err) ==
                      NNINIT_EINVAL &&
                  strstr(err.msg, en->name) && strstr(err.msg, "in order"));
        free(a);
        free(b);
    }
    nninit_producer_free(whole);
    nninit_producer_free(pieces);
    nninit_plan_free(p);
    nninit_model_free(m);
}

static void bad_layers(void)
{
    nninit_model *m = new_model();
    nninit_error err;
    nninit_layer l = lin("fc", 10, 0, NNINIT_ACT_RELU);
    CHECK(nninit_model_add_layer(m, &l, &err) == NNINIT_EINVAL);
    CHECK(strstr(err.msg, "out must be >= 1") != NULL);
    l = lin("fc", -3, 4, NNINIT_ACT_RELU);
    CHECK(nninit_model_add_layer(m, &l, &err) == NNINIT_EINVAL);
    CHECK(strstr(err.msg, "got -3") != NULL);
    l = lin("fc", INT64_C(1) << 40, INT64_C(1) << 40, NNINIT_ACT_RELU);
    CHECK(nninit_model_add_layer(m, &l, &err) == NNINIT_EOVERFLOW);
    l = lin("fc", 10, 5, NNINIT_ACT_RELU);
    CHECK(nninit_model_add_layer(m, &l, &err) == NNINIT_OK);
    CHECK(nninit_model_add_layer(m, &l, &err) == NNINIT_EINVAL);
    CHECK(strstr(err.msg, "duplicate layer name 'fc'") != NULL);
    nninit_layer c = nninit_layer_make(NNINIT_TORCH_CONV2D);
    snprintf(c.name, sizeof c.name, "c");
    c.args.in = 6;
    c.args.out = 4;
    c.args.groups = 4;
    c.args.kernel[0] = c.args.kernel[1] = 3;
    CHECK(nninit_model_add_layer(m, &c, &err) == NNINIT_EINVAL);
    CHECK(strstr(err.msg, "divisible by groups") != NULL);
    nninit_layer r = nninit_layer_make(NNINIT_TORCH_LSTM);
    snprintf(r.name, sizeof r.name, "r");
    r.args.in = 3;
    r.args.hidden = 4;
    r.args.proj_size = 4;
    CHECK(nninit_model_add_layer(m, &r, &err) == NNINIT_EINVAL);
    CHECK(strstr(err.msg, "proj_size") != NULL);
    nninit_layer g = nninit_layer_make(NNINIT_TORCH_GRU);
    snprintf(g.name, sizeof g.name, "g");
    g.args.in = 3;
    g.args.hidden = 4;
    g.args.forget_bias = 1;
    CHECK(nninit_model_add_layer(m, &g, &err) == NNINIT_EINVAL);
    nninit_layer bad = lin("a b", 1, 1, NNINIT_ACT_NONE);
    CHECK(nninit_model_add_layer(m, &bad, &err) == NNINIT_EINVAL);
    nninit_layer nob = lin("nob", 2, 2, NNINIT_ACT_NONE);
    nob.args.bias = 0;
    nninit_tensor_init ones;
    memset(&ones, 0, sizeof ones);
    snprintf(ones.key, sizeof ones.key, "biases");
    ones.spec = nninit_spec_make(NNINIT_ONES);
    nob.inits = &ones;
    nob.n_inits = 1;
    CHECK(nninit_model_add_layer(m, &nob, &err) == NNINIT_EINVAL);
    CHECK(strstr(err.msg, "bias: false") != NULL);
    CHECK_EQ_INT(nninit_model_tensor_count(m), 2);
    /* a spec that does not fit its tensor fails at plan time, named */
    nninit_rule ru = nninit_rule_make("*");
    ru.has_init = 1;
    ru.spec = nninit_spec_make(NNINIT_EYE);
    CHECK(nninit_model_add_rule(m, &ru, &err) == NNINIT_OK);
    nninit_plan *p = NULL;
    CHECK(nninit_plan_new(m, NULL, &p, &err) == NNINIT_EINVAL);
    CHECK(strstr(err.msg, "fc.bias") && strstr(err.msg, "eye"));
    nninit_model_free(m);
}

static nninit_layer coder(const char *name, nninit_torch_module kind,
                          int64_t d, int64_t h, int64_t ff)
{
    nninit_layer l = nninit_layer_make(kind);
    snprintf(l.name, sizeof l.name, "%s", name);
    l.args.embed_dim = d;
    l.args.num_heads = h;
    l.args.dim_feedforward = ff;
    return l;
}

/* Transformers under the counter-based generator: a stack's clones are
 * copies of layer 0 (the same stream, so the same bytes), the seed preset
 * draws q, k and v as three (E, E) matrices and follows the feed-forward
 * activation, and every preset says why. */
static void transformer_presets(void)
{
    nninit_model *m = new_model();
    nninit_layer st = coder("st", NNINIT_TORCH_TRANSFORMER_ENCODER, 8, 2, 12);
    st.args.num_layers = 3;
    st.args.activation = NNINIT_ACT_GELU;
    CHECK(nninit_model_add_layer(m, &st, NULL) == NNINIT_OK);
    nninit_layer tr = coder("tr", NNINIT_TORCH_TRANSFORMER, 8, 2, 12);
    tr.args.num_encoder_layers = 2;
    tr.args.num_decoder_layers = 1;
    CHECK(nninit_model_add_layer(m, &tr, NULL) == NNINIT_OK);
    nninit_layer a = nninit_layer_make(NNINIT_TORCH_MULTIHEAD_ATTENTION);
    snprintf(a.name, sizeof a.name, "att");
    a.args.embed_dim = 6;
    a.args.num_heads = 3;
    a.args.add_bias_kv = 1;
    CHECK(nninit_model_add_layer(m, &a, NULL) == NNINIT_OK);
    CHECK_EQ_INT(nninit_model_tensor_count(m), 3 * 12 + (2 * 12 + 2 + 18 + 2) + 6);

    nninit_plan *p = plan_of(m, NNINIT_PRESET_TORCH, 4);
    size_t i0, i2, j0, j1;
    /* nn.TransformerEncoder: every layer a copy of the first */
    find(p, "st.layers.0.linear1.weight", &i0);
    find(p, "st.layers.2.linear1.weight", &i2);
    float *x = produce(p, i0), *y = produce(p, i2);
    CHECK(memcmp(x, y, 96 * 4) == 0);
    free(x);
    free(y);
    CHECK(strstr(nninit_plan_get(p, i2)->why, "clone of layers.0") != NULL);
    /* nn.Transformer: clones, then xavier_uniform_ on every matrix: the
     * biases stay copies, the matrices differ */
    find(p, "tr.encoder.layers.0.linear2.bias", &j0);
    find(p, "tr.encoder.layers.1.linear2.bias", &j1);
    x = produce(p, j0);
    y = produce(p, j1);
    CHECK(memcmp(x, y, 8 * 4) == 0 && x[0] != 0);
    free(x);
    free(y);
    const nninit_plan_entry *w =
        find(p, "tr.encoder.layers.1.linear2.weight", &j1);
    CHECK(w->spec->kind == NNINIT_XAVIER_UNIFORM &&
          strstr(w->why, "nn.Transformer's _reset_parameters"));
    find(p, "tr.encoder.layers.0.linear2.weight", &j0);
    x = produce(p, j0);
    y = produce(p, j1);
    CHECK(memcmp(x, y, 96 * 4) != 0);
    free(x);
    free(y);
    CHECK(find(p, "att.in_proj_weight", NULL)->spec->kind ==
          NNINIT_XAVIER_UNIFORM);
    CHECK(find(p, "att.out_proj.weight", NULL)->spec->kind ==
          NNINIT_KAIMING_UNIFORM);
    CHECK(find(p, "att.bias_k", NULL)->spec->kind == NNINIT_XAVIER_NORMAL);
    nninit_plan_free(p);

    /* seed preset: q, k, v each (6, 6) with Xavier's fans: bound
     * sqrt(6 / 12), not PyTorch's sqrt(6 / 24) over the packed (18, 6) */
    p = plan_of(m, NNINIT_PRESET_SEED, 4);
    size_t iq;
    const nninit_plan_entry *q = find(p, "att.in_proj_weight", &iq);
    CHECK(q->composite && q->spec->kind == NNINIT_XAVIER_UNIFORM);
    CHECK_MSG(strstr(q->why, "per projection") != NULL, "%s", q->why);
    x = produce(p, iq);
    float worst = 0;
    for (int k = 0; k < 108; k++)
        worst = fabsf(x[k]) > worst ? fabsf(x[k]) : worst;
    CHECK(worst <= (float)sqrt(0.5) && worst > (float)sqrt(6.0 / 24));
    free(x);
    /* linear1 is followed by gelu: He; linear2 and out_proj by nothing */
    CHECK(find(p, "st.layers.1.linear1.weight", NULL)->spec->kind ==
          NNINIT_KAIMING_UNIFORM);
    CHECK(find(p, "st.layers.1.linear2.weight", NULL)->spec->kind ==
          NNINIT_XAVIER_UNIFORM);
    CHECK(find(p, "tr.decoder.norm.weight", NULL)->spec->kind == NNINIT_ONES);
    CHECK(find(p, "att.in_proj_bias", NULL)->spec->kind == NNINIT_ZEROS);
    nninit_plan_free(p);
    p = plan_of(m, NNINIT_PRESET_FLAX, 4);
    q = find(p, "tr.decoder.layers.0.multihead_attn.in_proj_weight", NULL);
    CHECK(q->composite && q->spec->kind == NNINIT_VARIANCE_SCALING &&
          q->res->std < 1 / sqrt(8.0) * 1.0001);
    nninit_plan_free(p);

    /* explicit initializers: by name, by glob, and "weights" (kernels and
     * projections, not the norms inside) */
    nninit_tensor_init ti[3];
    memset(ti, 0, sizeof ti);
    snprintf(ti[0].key, sizeof ti[0].key, "weights");
    ti[0].spec = nninit_spec_make(NNINIT_ORTHOGONAL);
    snprintf(ti[1].key, sizeof ti[1].key, "*.in_proj_bias");
    ti[1].spec = nninit_spec_make(NNINIT_ONES);
    snprintf(ti[2].key, sizeof ti[2].key, "linear2.bias");
    ti[2].spec = nninit_spec_make(NNINIT_ONES);
    nninit_layer e = coder("e", NNINIT_TORCH_TRANSFORMER_ENCODER_LAYER, 4, 2, 5);
    e.inits = ti;
    e.n_inits = 3;
    nninit_model *m2 = new_model();
    CHECK(nninit_model_add_layer(m2, &e, NULL) == NNINIT_OK);
    p = plan_of(m2, NNINIT_PRESET_SEED, 1);
    CHECK(find(p, "e.self_attn.in_proj_weight", NULL)->spec->kind ==
          NNINIT_ORTHOGONAL);
    CHECK(find(p, "e.linear1.weight", NULL)->spec->kind == NNINIT_ORTHOGONAL);
    CHECK(find(p, "e.norm1.weight", NULL)->spec->kind == NNINIT_ONES);
    CHECK(find(p, "e.self_attn.in_proj_bias", NULL)->spec->kind == NNINIT_ONES);
    CHECK(find(p, "e.linear2.bias", NULL)->spec->kind == NNINIT_ONES);
    CHECK(find(p, "e.linear1.bias", NULL)->spec->kind == NNINIT_ZEROS);
    nninit_plan_free(p);
    nninit_error err;
    snprintf(ti[2].key, sizeof ti[2].key, "linear3.bias");
    nninit_layer e2 = e;
    snprintf(e2.name, sizeof e2.name, "e2");
    CHECK(nninit_model_add_layer(m2, &e2, &err) == NNINIT_EINVAL &&
          strstr(err.msg, "has no tensor 'linear3.bias'"));
    /* a field the kind does not take, and num_heads not dividing */
    e2.n_inits = 0;
    e2.args.hidden = 4;
    CHECK(nninit_model_add_layer(m2, &e2, &err) == NNINIT_EINVAL &&
          strstr(err.msg, "hidden is not a field"));
    e2.args.hidden = 0;
    e2.args.num_heads = 3;
    CHECK(nninit_model_add_layer(m2, &e2, &err) == NNINIT_EINVAL &&
          strstr(err.msg, "divisible by num_heads"));
    nninit_model_free(m2);
    nninit_model_free(m);
}

static void spec_params(void)
{
    nninit_spec s = nninit_spec_make(NNINIT_KAIMING_NORMAL);
    nninit_error err;
    CHECK(nninit_spec_set(&s, "mode", "fan_out", &err) == NNINIT_OK);
    CHECK(nninit_spec_set(&s, "nonlinearity", "relu", &err) == NNINIT_OK);
    CHECK(nninit_spec_set(&s, "gain", "2", &err) == NNINIT_EINVAL);
    CHECK(strstr(err.msg, "does not take gain") != NULL);
    CHECK(nninit_spec_set(&s, "a", "0.1x", &err) == NNINIT_EINVAL);
    CHECK(nninit_spec_set(&s, "a", "inf", &err) == NNINIT_EINVAL);
    nninit_spec t = nninit_spec_make(NNINIT_TRUNC_NORMAL);
    CHECK(nninit_spec_set(&t, "trunc-a", "-1", &err) == NNINIT_OK);
    CHECK(nninit_spec_set(&t, "trunc_b", "1", &err) == NNINIT_OK);
    char buf[128];
    nninit_spec_format(&s, buf, sizeof buf);
    CHECK_MSG(!strcmp(buf, "kaiming_normal(a=0, mode=fan_out, "
                           "nonlinearity=relu)"), "%s", buf);
}

int main(void)
{
    TEST_RUN(seed_example_plan);
    TEST_RUN(lstm_names_and_shapes);
    TEST_RUN(conv_and_norm_shapes);
    TEST_RUN(stream_ids_follow_names);
    TEST_RUN(recurrent_orthogonal_modes);
    TEST_RUN(forget_bias);
    TEST_RUN(torch_preset_bounds);
    TEST_RUN(ranges_equal_whole);
    TEST_RUN(torch_pieces_stream);
    TEST_RUN(bad_layers);
    TEST_RUN(transformer_presets);
    TEST_RUN(spec_params);
    return test_report();
}
