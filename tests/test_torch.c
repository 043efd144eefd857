/*
 * test_torch.c: torch-exact mode, the parts checkable without PyTorch:
 * the worked values of shared/reference/torch-1.13-cpu.md (each verified
 * against python3-torch 1.13.1 by the reference's author, independently of
 * this code), NumPy's published MT19937 outputs, draw counts, the cached
 * normal, module listings, bad input, and the portable vs vectorized kernel
 * copies agreeing bit for bit. tests/py/torch_exact.py does the
 * byte-for-byte comparison against PyTorch itself.
 */
#include "nninit.h"
#include "nninit_test.h"
#include "torch/torch_internal.h"

#define AVX2 NNINIT_TORCH_KERNEL_AVX2
#define DEFAULT NNINIT_TORCH_KERNEL_DEFAULT

/* Words consumed between two states of the same seed: advance a copy of
 * `before` with random() until it equals `after`. */
static long words_between(const nninit_torch_gen *before,
                          const nninit_torch_gen *after)
{
    nninit_torch_gen g = *before;
    for (long k = 0; k < 100000; k++) {
        if (g.pos == after->pos &&
            !memcmp(g.state, after->state, sizeof g.state))
            return k;
        nninit_torch_random(&g);
    }
    return -1;
}

static void mt19937_matches_numpy(void)
{
    /* numpy.random.RandomState(0).randint(0, 2**32, dtype=uint64)... the
     * raw outputs of init_genrand(0) (reference section 3). */
    nninit_torch_gen g;
    nninit_torch_gen_init(&g, 0, AVX2);
    CHECK_EQ_U64(nninit_torch_random(&g), 2357136044u);
    CHECK_EQ_U64(nninit_torch_random(&g), 2546248239u);
    CHECK_EQ_U64(nninit_torch_random(&g), 3071714933u);
    /* random64 = first << 32 | second */
    nninit_torch_manual_seed(&g, 0);
    CHECK_EQ_U64(nninit_torch_random64(&g),
                 ((uint64_t)2357136044u << 32) | 2546248239u);
}

static void seeds_keep_64_bits_use_32(void)
{
    nninit_torch_gen a, b, c;
    nninit_torch_gen_init(&a, 1, AVX2);
    nninit_torch_gen_init(&b, (UINT64_C(1) << 32) + 1, AVX2);
    CHECK_EQ_U64(b.initial_seed, (UINT64_C(1) << 32) + 1);
    for (int i = 0; i < 1000; i++)
        CHECK_EQ_U64(nninit_torch_random(&a), nninit_torch_random(&b));
    /* -1 is 2^64 - 1: state seeded with 0xffffffff */
    nninit_torch_gen_init(&c, (uint64_t)(int64_t)-1, AVX2);
    CHECK_EQ_U64(c.initial_seed, UINT64_MAX);
    CHECK_EQ_U64(c.state[0], 0xffffffffu);
}

static void rand_and_uniform_worked_values(void)
{
    static const double rand5[5] = {0.49625658988952637, 0.7682217955589294,
                                    0.08847743272781372, 0.13203048706054688,
                                    0.30742281675338745};
    nninit_torch_gen g;
    float x[5];
    for (int k = 0; k < 2; k++) { /* rand: both kernels give the same */
        nninit_torch_gen_init(&g, 0, k ? DEFAULT : AVX2);
        CHECK(nninit_torch_uniform_(&g, NNINIT_F32, x, 5, 0, 1, NULL) == 0);
        for (int i = 0; i < 5; i++)
            CHECK(x[i] == (float)rand5[i]);
    }
    nninit_torch_gen_init(&g, 0, AVX2);
    nninit_torch_uniform_(&g, NNINIT_F32, x, 4, -0.1, 0.1, NULL);
    CHECK(x[0] == (float)-0.0007486820104531944);
    CHECK(x[1] == (float)0.05364435911178589);
    CHECK(x[2] == (float)-0.08230451494455338);
    CHECK(x[3] == (float)-0.07359390705823898);
    nninit_torch_gen_init(&g, 0, DEFAULT);
    nninit_torch_uniform_(&g, NNINIT_F32, x, 4, -0.1, 0.1, NULL);
    CHECK(x[0] == (float)-0.0007486790418624878);
    CHECK(x[1] == (float)0.053644366562366486);
}

static void normal_worked_values(void)
{
    nninit_torch_gen g;
    float x[16];
    nninit_torch_gen_init(&g, 0, AVX2);
    nninit_torch_normal_(&g, NNINIT_F32, x, 16, 0, 1, NULL);
    CHECK(x[0] == (float)-1.1258398294448853);
    CHECK(x[1] == (float)-1.152360200881958);
    CHECK(x[2] == (float)-0.2505785822868347);
    CHECK(x[3] == (float)-0.4338788092136383);
    nninit_torch_gen_init(&g, 0, DEFAULT);
    nninit_torch_normal_(&g, NNINIT_F32, x, 16, 0, 1, NULL);
    CHECK(x[3] == (float)-0.4338788390159607);
    /* randn(1), randn(1), randn(2): the small path and its cache */
    nninit_torch_gen_init(&g, 0, AVX2);
    nninit_torch_normal_(&g, NNINIT_F32, x, 1, 0, 1, NULL);
    nninit_torch_normal_(&g, NNINIT_F32, x + 1, 1, 0, 1, NULL);
    nninit_torch_normal_(&g, NNINIT_F32, x + 2, 2, 0, 1, NULL);
    CHECK(x[0] == (float)1.5409960746765137);
    CHECK(x[1] == (float)-0.293428897857666);
    CHECK(x[2] == (float)-2.1787893772125244);
    CHECK(x[3] == (float)0.5684312582015991);
}

static void linear_5_3_worked_values(void)
{
    static const double w0[5] = {-0.003348207799717784, 0.23990486562252045,
                                 -0.36807698011398315, -0.3291219472885132,
                                 -0.17224626243114471};
    static const double b[3] = {0.016566388309001923, 0.17679926753044128,
                                0.2683383524417877};
    nninit_torch_gen g;
    nninit_torch_gen_init(&g, 0, AVX2);
    nninit_torch_layer l = nninit_torch_layer_make(NNINIT_TORCH_LINEAR);
    l.in = 5;
    l.out = 3;
    float w[15], bias[3];
    void *bufs[2] = {w, bias};
    CHECK(nninit_torch_layer_init(&g, &l, NNINIT_F32, bufs, NULL, NULL) == 0);
    for (int i = 0; i < 5; i++)
        CHECK(w[i] == (float)w0[i]);
    for (int i = 0; i < 3; i++)
        CHECK(bias[i] == (float)b[i]);
}

static void draw_counts(void)
{
    /* normal fill: n + 16*[n % 16 != 0] words, doubled for f64; the small
     * path 4 words per pair (reference 5.2, 5.5); uniform n or 2n. */
    static const struct {
        nninit_dtype t;
        int n;
        long words;
        int normal;
    } cases[] = {{NNINIT_F32, 16, 16, 1}, {NNINIT_F32, 17, 33, 1},
                 {NNINIT_F32, 40, 56, 1}, {NNINIT_F64, 17, 66, 1},
                 {NNINIT_F32, 3, 8, 1},   {NNINIT_F32, 4, 8, 1},
                 {NNINIT_F32, 7, 7, 0},   {NNINIT_F64, 7, 14, 0},
                 {NNINIT_F16, 9, 9, 0},   {NNINIT_BF16, 9, 9, 0}};
    double buf[64];
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        nninit_torch_gen g, before;
        nninit_torch_gen_init(&g, 5, AVX2);
        before = g;
        if (cases[c].normal)
            nninit_torch_normal_(&g, cases[c].t, buf, (uint64_t)cases[c].n, 0,
                                 1, NULL);
        else
            nninit_torch_uniform_(&g, cases[c].t, buf, (uint64_t)cases[c].n,
                                  0, 1, NULL);
        CHECK_EQ_INT(words_between(&before, &g), cases[c].words);
    }
    /* randperm(n): n - 1 draws; kaiming on zero elements: none */
    nninit_torch_gen g, before;
    int64_t perm[10];
    nninit_torch_gen_init(&g, 5, AVX2);
    before = g;
    nninit_torch_randperm(&g, 10, perm, NULL);
    CHECK_EQ_INT(words_between(&before, &g), 9);
    int seen = 0;
    for (int i = 0; i < 10; i++)
        seen |= 1 << perm[i];
    CHECK_EQ_INT(seen, 0x3ff);
    before = g;
    nninit_spec s = nninit_spec_make(NNINIT_KAIMING_UNIFORM);
    nninit_shape sh;
    nninit_shape_parse("0,5", &sh, NULL);
    CHECK(nninit_torch_init(&g, &s, &sh, NNINIT_F32, NULL, NULL, NULL) == 0);
    CHECK_EQ_INT(words_between(&before, &g), 0);
}

static void cache_persists_until_reseed(void)
{
    nninit_torch_gen g;
    float a, big[32], b;
    nninit_torch_gen_init(&g, 0, AVX2);
    nninit_torch_normal_(&g, NNINIT_F32, &a, 1, 0, 1, NULL);
    CHECK(g.normal_cached == 1);
    nninit_torch_normal_(&g, NNINIT_F32, big, 32, 0, 1, NULL);
    CHECK(g.normal_cached == 1); /* untouched by the >= 16 fill */
    /* the cached value is scaled by the later call's own parameters */
    double cached = g.normal_cache;
    nninit_torch_normal_(&g, NNINIT_F32, &b, 1, 10, 3, NULL);
    CHECK(b == (float)fma(cached, 3, 10));
    CHECK(g.normal_cached == 0);
    nninit_torch_normal_(&g, NNINIT_F32, &a, 1, 0, 1, NULL);
    nninit_torch_manual_seed(&g, 0);
    CHECK(g.normal_cached == 0);
    nninit_torch_normal_(&g, NNINIT_F32, &a, 1, 0, 1, NULL);
    CHECK(a == (float)1.5409960746765137);
}

static void module_listing(void)
{
    nninit_torch_tensor t[32];
    int n;
    nninit_torch_layer l = nninit_torch_layer_make(NNINIT_TORCH_LSTM);
    l.in = 3;
    l.hidden = 6;
    l.num_layers = 2;
    l.bidirectional = 1;
    l.proj_size = 2;
    CHECK(nninit_torch_layer_tensors(&l, t, 32, &n, NULL) == 0);
    CHECK_EQ_INT(n, 20);
    CHECK(!strcmp(t[0].name, "weight_ih_l0"));
    CHECK(!strcmp(t[5].name, "weight_ih_l0_reverse"));
    CHECK(!strcmp(t[9].name, "weight_hr_l0_reverse"));
    CHECK(!strcmp(t[11].name, "weight_hh_l1"));
    CHECK_EQ_INT(t[10].shape.dim[0], 24); /* weight_ih_l1: (4H, 2*proj) */
    CHECK_EQ_INT(t[10].shape.dim[1], 4);
    CHECK_EQ_INT(t[11].shape.dim[1], 2); /* weight_hh: (4H, proj) */
    CHECK_EQ_INT(t[14].shape.dim[0], 2); /* weight_hr: (proj, H) */
    CHECK_EQ_INT(t[14].shape.dim[1], 6);
    CHECK(t[0].part == NNINIT_PART_INPUT && t[0].blocks == 4 &&
          !strcmp(t[1].family, "weight_hh"));
    nninit_torch_step st[32];
    CHECK(nninit_torch_layer_steps(&l, st, 32, &n, NULL) == 0);
    CHECK_EQ_INT(n, 20); /* one uniform_ per parameter, in order */
    CHECK(st[0].tensor == 0 && st[19].tensor == 19 && st[0].source == -1);
    CHECK(st[0].spec.kind == NNINIT_UNIFORM &&
          st[0].spec.high == 1 / sqrt(6.0) && st[0].spec.low == -st[0].spec.high);
    /* count only, then a short buffer */
    CHECK(nninit_torch_layer_tensors(&l, NULL, 0, &n, NULL) == 0);
    CHECK_EQ_INT(n, 20);
    /* ConvTranspose2d(4, 6, 3, groups=2): weight (in, out/groups, k, k) and
     * the fan_in quirk (out/groups * k*k) */
    l = nninit_torch_layer_make(NNINIT_TORCH_CONV_TRANSPOSE2D);
    l.in = 4;
    l.out = 6;
    l.kernel[0] = l.kernel[1] = 3;
    l.groups = 2;
    CHECK(nninit_torch_layer_tensors(&l, t, 32, &n, NULL) == 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(t[0].shape.ndim, 4);
    CHECK_EQ_INT(t[0].shape.dim[0], 4);
    CHECK_EQ_INT(t[0].shape.dim[1], 3);
    CHECK(nninit_torch_layer_steps(&l, st, 32, &n, NULL) == 0);
    CHECK_EQ_INT(n, 2);
    CHECK(st[0].spec.kind == NNINIT_KAIMING_UNIFORM &&
          st[0].spec.a == sqrt(5.0) && !strcmp(st[0].module, "ConvTranspose2d"));
    CHECK(st[1].spec.high == 1 / sqrt(27.0));
    CHECK_EQ_INT(t[1].shape.dim[0], 6);
    /* Conv2d(0, 4, 3): PyTorch makes empty tensors; nninit refuses the 0,
     * almost always a missing field */
    l = nninit_torch_layer_make(NNINIT_TORCH_CONV2D);
    l.out = 4;
    l.kernel[0] = l.kernel[1] = 3;
    nninit_error err;
    CHECK(nninit_torch_layer_tensors(&l, t, 32, &n, &err) == NNINIT_EINVAL &&
          strstr(err.msg, "missing 'in'"));
    /* Embedding(10, 4, padding_idx=-3): normal_, then row 7 filled with 0 */
    l = nninit_torch_layer_make(NNINIT_TORCH_EMBEDDING);
    l.num_embeddings = 10;
    l.embedding_dim = 4;
    l.padding_idx = -3;
    l.has_padding_idx = 1;
    CHECK(nninit_torch_layer_steps(&l, st, 32, &n, NULL) == 0);
    CHECK(n == 2 && st[0].spec.kind == NNINIT_NORMAL && st[1].row0 == 7 &&
          st[1].row1 == 8 && st[1].spec.kind == NNINIT_ZEROS);
    {
        nninit_torch_gen g, before;
        float w[40];
        nninit_torch_gen_init(&g, 1, AVX2);
        before = g;
        void *bufs[1] = {w};
        CHECK(nninit_torch_layer_init(&g, &l, NNINIT_F32, bufs, NULL, NULL) ==
              0);
        /* normal_ of 40: 40 words, and 16 more for the redrawn tail */
        CHECK_EQ_INT(words_between(&before, &g), 56);
        CHECK(w[28] == 0 && w[31] == 0 && w[27] != 0 && w[32] != 0);
    }
    /* a field the kind does not take is refused, naming it */
    l = nninit_torch_layer_make(NNINIT_TORCH_GRU);
    l.in = 3;
    l.hidden = 4;
    l.forget_bias = 1;
    CHECK(nninit_torch_layer_tensors(&l, NULL, 0, &n, &err) == NNINIT_EINVAL &&
          strstr(err.msg, "forget_bias is not a field of gru"));
    /* BatchNorm: parameters, then buffers */
    l = nninit_torch_layer_make(NNINIT_TORCH_BATCH_NORM);
    l.num_features = 5;
    CHECK(nninit_torch_layer_tensors(&l, t, 32, &n, NULL) == 0);
    CHECK_EQ_INT(n, 5);
    CHECK(!strcmp(t[2].name, "running_mean") && t[2].buffer && !t[1].buffer);
    CHECK(t[4].int64 && t[4].shape.ndim == 0);
    nninit_torch_module m;
    CHECK(nninit_torch_module_parse("ConvTranspose3d", &m, NULL) == 0 &&
          m == NNINIT_TORCH_CONV_TRANSPOSE3D);
    CHECK(nninit_torch_module_parse("BatchNorm2d", &m, NULL) == 0 &&
          m == NNINIT_TORCH_BATCH_NORM);
    CHECK(nninit_torch_module_parse("LSTMCell", &m, NULL) == 0 &&
          m == NNINIT_TORCH_LSTM_CELL);
}

static void bad_input(void)
{
    nninit_error err;
    nninit_torch_gen g;
    float x[4];
    nninit_torch_gen_init(&g, 0, AVX2);
    CHECK(nninit_torch_uniform_(&g, NNINIT_F32, x, 4, 1, 0, &err) ==
          NNINIT_EINVAL);
    CHECK(strstr(err.msg, "from=1 > to=0") != NULL);
    CHECK(nninit_torch_uniform_(&g, NNINIT_F16, x, 4, -1e6, 1e6, &err) ==
          NNINIT_EINVAL);
    CHECK(nninit_torch_normal_(&g, NNINIT_F32, x, 4, 0, -1, &err) ==
          NNINIT_EINVAL);
    nninit_shape sh;
    nninit_spec tn = nninit_spec_make(NNINIT_TRUNC_NORMAL);
    nninit_shape_parse("4", &sh, NULL);
    /* f16 trunc_normal_: 2.6 runs it, 1.13 has no Half erfinv_; skip and
     * streams answer the same */
    CHECK(nninit_torch_init(&g, &tn, &sh, NNINIT_F16, x, NULL, &err) ==
          NNINIT_OK);
    g.version = NNINIT_TORCH_1_13;
    CHECK(nninit_torch_init(&g, &tn, &sh, NNINIT_F16, x, NULL, &err) ==
          NNINIT_ENOTSUP);
    CHECK(strstr(err.msg, "1.13") != NULL);
    CHECK(nninit_torch_skip(&g, &tn, &sh, NNINIT_F16, NULL, &err) ==
          NNINIT_ENOTSUP);
    nninit_torch_stream st;
    if (nninit_torch_stream_begin(&st, &tn, &sh, NNINIT_F16))
        CHECK(nninit_torch_stream_next(&g, &st, x, 4, &err) ==
              NNINIT_ENOTSUP);
    CHECK(nninit_torch_init(&g, &tn, &sh, NNINIT_BF16, x, NULL, &err) ==
          NNINIT_OK);
    g.version = (nninit_torch_version)7;
    CHECK(nninit_torch_init(&g, &tn, &sh, NNINIT_F32, x, NULL, &err) ==
          NNINIT_EINVAL);
    g.version = NNINIT_TORCH_2_6;
    nninit_torch_version v;
    CHECK(nninit_torch_version_parse("1.13", &v, &err) == 0 &&
          v == NNINIT_TORCH_1_13);
    CHECK(nninit_torch_version_parse("2.6", &v, &err) == 0 &&
          v == NNINIT_TORCH_2_6);
    CHECK(nninit_torch_version_parse("2.7", &v, &err) == NNINIT_EINVAL);
    CHECK(!strcmp(nninit_torch_version_name(NNINIT_TORCH_1_13), "1.13"));
    nninit_shape_parse("4,4", &sh, NULL);
    nninit_spec orth = nninit_spec_make(NNINIT_ORTHOGONAL);
    float q[16];
    CHECK(nninit_torch_init(&g, &orth, &sh, NNINIT_BF16, q, NULL, &err) ==
          NNINIT_ENOTSUP);
    nninit_shape_parse("4,4,3", &sh, NULL);
    nninit_spec s = nninit_spec_make(NNINIT_DELTA_ORTHOGONAL);
    float w[48];
    CHECK(nninit_torch_init(&g, &s, &sh, NNINIT_F32, w, NULL, &err) ==
          NNINIT_ENOTSUP);
    nninit_torch_layer l = nninit_torch_layer_make(NNINIT_TORCH_CONV2D);
    l.in = 3;
    l.out = 4;
    l.kernel[0] = l.kernel[1] = 3;
    l.groups = 2;
    int n;
    CHECK(nninit_torch_layer_tensors(&l, NULL, 0, &n, &err) == NNINIT_EINVAL);
    CHECK(strstr(err.msg, "divisible by groups") != NULL);
    l = nninit_torch_layer_make(NNINIT_TORCH_GRU);
    l.in = 3;
    l.hidden = 4;
    l.proj_size = 2;
    CHECK(nninit_torch_layer_tensors(&l, NULL, 0, &n, &err) == NNINIT_EINVAL);
    l.kind = NNINIT_TORCH_LSTM;
    l.proj_size = 4;
    CHECK(nninit_torch_layer_tensors(&l, NULL, 0, &n, &err) == NNINIT_EINVAL);
    nninit_torch_kernel k;
    CHECK(nninit_torch_kernel_parse("avx512", &k, &err) == NNINIT_EINVAL);
}

/* max |W W^T - gain^2 I| over the rows of a rows <= cols result, else
 * |W^T W - gain^2 I| over its columns (w row-major, f32 or f64). */
static double ortho_error(const void *w, nninit_dtype t, int64_t r,
                          int64_t k, double gain)
{
    const float *w32 = (const float *)w;
    const double *w64 = (const double *)w;
#define W_AT(i, j) (t == NNINIT_F32 ? (double)w32[(i) * k + (j)]             \
                                    : w64[(i) * k + (j)])
    double worst = 0;
    int64_t m = r <= k ? r : k, len = r <= k ? k : r;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < m; j++) {
            double d = 0;
            for (int64_t q = 0; q < len; q++)
                d += r <= k ? W_AT(i, q) * W_AT(j, q) : W_AT(q, i) * W_AT(q, j);
            worst = fmax(worst, fabs(d - (i == j ? gain * gain : 0.0)));
        }
#undef W_AT
    return worst;
}

static int torch_orthogonal_on(uint64_t seed, int64_t r, int64_t k,
                               nninit_dtype t, double gain, int threads,
                               nninit_simd simd, void *out)
{
    nninit_torch_gen g;
    nninit_torch_gen_init(&g, seed, AVX2);
    g.threads = threads;
    g.simd = simd;
    nninit_shape sh;
    int64_t dims[2] = {r, k};
    nninit_shape_make(&sh, 2, dims, NULL);
    nninit_spec s = nninit_spec_make(NNINIT_ORTHOGONAL);
    s.gain = gain;
    return nninit_torch_init(&g, &s, &sh, t, out, NULL, NULL);
}

static int torch_orthogonal(uint64_t seed, int64_t r, int64_t k,
                            nninit_dtype t, double gain, int threads,
                            void *out)
{
    return torch_orthogonal_on(seed, r, k, t, gain, threads, NNINIT_SIMD_AUTO,
                               out);
}

static void orthogonal_is_orthogonal(void)
{
    /* square, tall, wide; 100 x 70 has two panels and a partial one */
    static const int64_t shapes[][2] = {{8, 12}, {20, 10}, {7, 7}, {100, 70},
                                        {70, 100}};
    static double w[100 * 70];
    for (int c = 0; c < 5; c++) {
        int64_t r = shapes[c][0], k = shapes[c][1];
        /* double: rounding only (n * 2^-53 is 1e-14 here) */
        CHECK(torch_orthogonal(3, r, k, NNINIT_F64, 2, 1, w) == 0);
        CHECK_NEAR(ortho_error(w, NNINIT_F64, r, k, 2), 0, 1e-12);
        /* float: the QR runs in float as PyTorch's sgeqrf does, whose
         * results have max|Q^T Q - I| of 2e-7 to 6e-7 at 7x7 to 4096x4096
         * (bench/orthogonal_accuracy); times gain^2 = 4, with a margin of
         * 2.5 */
        CHECK(torch_orthogonal(3, r, k, NNINIT_F32, 2, 1, w) == 0);
        CHECK_NEAR(ortho_error(w, NNINIT_F32, r, k, 2), 0, 6e-6);
    }
}

static void orthogonal_bits_ignore_threads(void)
{
    /* big enough for several panels and for the column split, tall and
     * wide, in both precisions */
    static double a[300 * 300], b[300 * 300];
    static const int64_t shapes[][2] = {{300, 200}, {200, 300}, {257, 257}};
    for (int c = 0; c < 3; c++)
        for (int f = 0; f < 2; f++) {
            nninit_dtype t = f ? NNINIT_F32 : NNINIT_F64;
            int64_t r = shapes[c][0], k = shapes[c][1];
            size_t bytes = (size_t)(r * k) * nninit_dtype_size(t);
            CHECK(torch_orthogonal(11, r, k, t, 1, 1, a) == 0);
            for (int th = 2; th <= 3; th++) {
                memset(b, 0, sizeof b);
                CHECK(torch_orthogonal(11, r, k, t, 1, th, b) == 0);
                CHECK_MSG(!memcmp(a, b, bytes),
                          "%lld x %lld %s: threads %d changed bytes",
                          (long long)r, (long long)k, f ? "f32" : "f64", th);
            }
        }
}

static void kernel_copies_agree(void)
{
#if defined(NNINIT_HAVE_X86_SIMD)
    if (!nninit_simd_supported(NNINIT_SIMD_AVX2))
        return;
    const nninit__torch_kernels *s = &nninit__torch_kernels_scalar;
    const nninit__torch_kernels *v = &nninit__torch_kernels_avx2;
    /* normal blocks: u1 over a stride of all 2^24 values (and the ends),
     * u2 pseudo-random; mean/std that exercise the final FMA */
    enum { N = 1 << 16 };
    static float a[N], b[N];
    uint32_t x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 1664525u + 1013904223u;
        uint32_t k = (i / 8) % 2 ? (x >> 8) : (uint32_t)(i * 257) & 0xffffff;
        if (i < 8)
            k = i < 4 ? (uint32_t)i : 0xffffffu - (uint32_t)i;
        a[i] = b[i] = (float)k * 0x1p-24f;
    }
    s->normal16_avx2(a, N / 16, 0.25f, 1.5f);
    v->normal16_avx2(b, N / 16, 0.25f, 1.5f);
    CHECK(!memcmp(a, b, sizeof a));
    /* twist + temper + uniform */
    uint32_t st1[624], st2[624], w1[624], w2[624];
    for (int i = 0; i < 624; i++)
        st1[i] = st2[i] = (uint32_t)i * 2654435761u;
    for (int r = 0; r < 3; r++) {
        s->twist(st1);
        v->twist(st2);
    }
    CHECK(!memcmp(st1, st2, sizeof st1));
    s->temper(st1, w1, 624);
    v->temper(st2, w2, 624);
    CHECK(!memcmp(w1, w2, sizeof w1));
    for (int fused = 0; fused < 2; fused++) {
        s->uniform_f32(w1, a, 624, -0.3f, 0.7f, fused);
        v->uniform_f32(w1, b, 624, -0.3f, 0.7f, fused);
        CHECK(!memcmp(a, b, 624 * 4));
    }
    /* the QR products in both precisions, with odd sizes for every tail
     * (and mk > 2 * 8 so the vector loops run) */
    enum { MK = 103, KB = 7, NC = 11 };
    static double V[MK * KB], C1[MK * NC], C2[MK * NC], W1[KB * NC],
        W2[KB * NC], g1[NC], g2[NC];
    static float Vf[MK * KB], C1f[MK * NC], C2f[MK * NC], W1f[KB * NC],
        W2f[KB * NC], g1f[NC], g2f[NC];
    for (int i = 0; i < MK * KB; i++)
        V[i] = Vf[i] = (float)sin(i * 0.37);
    for (int i = 0; i < MK * NC; i++)
        C1[i] = C2[i] = C1f[i] = C2f[i] = (float)cos(i * 0.11);
    s->qr_d.gemm_tn(V, MK, C1, MK, W1, KB, MK, KB, NC);
    v->qr_d.gemm_tn(V, MK, C2, MK, W2, KB, MK, KB, NC);
    CHECK(!memcmp(W1, W2, sizeof W1));
    s->qr_d.gemv_t(V, C1, MK, g1, MK, NC);
    v->qr_d.gemv_t(V, C2, MK, g2, MK, NC);
    CHECK(!memcmp(g1, g2, sizeof g1));
    s->qr_f.gemm_tn(Vf, MK, C1f, MK, W1f, KB, MK, KB, NC);
    v->qr_f.gemm_tn(Vf, MK, C2f, MK, W2f, KB, MK, KB, NC);
    CHECK(!memcmp(W1f, W2f, sizeof W1f));
    s->qr_f.gemv_t(Vf, C1f, MK, g1f, MK, NC);
    v->qr_f.gemv_t(Vf, C2f, MK, g2f, MK, NC);
    CHECK(!memcmp(g1f, g2f, sizeof g1f));
    /* the products are right: W = V^T C, to rounding (sums of 103 terms
     * below 1 in size) */
    double worst = 0, worstf = 0;
    for (int j = 0; j < NC; j++)
        for (int i = 0; i < KB; i++) {
            double e = 0;
            for (int r = 0; r < MK; r++)
                e += V[r + i * MK] * C1[r + j * MK];
            worst = fmax(worst, fabs(e - W1[i + j * KB]));
            worstf = fmax(worstf, fabs(e - W1f[i + j * KB]));
            if (i == 0)
                worst = fmax(worst, fabs(e - g1[j]));
        }
    CHECK_NEAR(worst, 0, 1e-12);
    CHECK_NEAR(worstf, 0, 1e-4);
    s->qr_d.gemm_nn_sub(V, MK, W1, KB, C1, MK, MK, KB, NC);
    v->qr_d.gemm_nn_sub(V, MK, W2, KB, C2, MK, MK, KB, NC);
    CHECK(!memcmp(C1, C2, sizeof C1));
    s->qr_f.gemm_nn_sub(Vf, MK, W1f, KB, C1f, MK, MK, KB, NC);
    v->qr_f.gemm_nn_sub(Vf, MK, W2f, KB, C2f, MK, MK, KB, NC);
    CHECK(!memcmp(C1f, C2f, sizeof C1f));
    /* C - V W against the plain sum */
    worst = worstf = 0;
    for (int j = 0; j < NC; j++)
        for (int r = 0; r < MK; r++) {
            double e = (float)cos((r + j * MK) * 0.11);
            for (int i = 0; i < KB; i++)
                e -= V[r + i * MK] * W2[i + j * KB];
            worst = fmax(worst, fabs(e - C1[r + j * MK]));
            worstf = fmax(worstf, fabs(e - C1f[r + j * MK]));
        }
    CHECK_NEAR(worst, 0, 1e-11);
    CHECK_NEAR(worstf, 0, 1e-3);
    /* and whole orthogonal_ results: the portable copy (simd scalar
     * selects it) gives the AVX2 copy's bytes, tall, wide, both dtypes */
    static double q1[300 * 200], q2[300 * 200];
    static const int64_t shapes[][2] = {{300, 200}, {90, 301}};
    for (int c = 0; c < 2; c++)
        for (int f = 0; f < 2; f++) {
            nninit_dtype t = f ? NNINIT_F32 : NNINIT_F64;
            int64_t r = shapes[c][0], k = shapes[c][1];
            size_t bytes = (size_t)(r * k) * nninit_dtype_size(t);
            CHECK(torch_orthogonal_on(5, r, k, t, 1.5, 2, NNINIT_SIMD_AVX2,
                                      q1) == 0);
            CHECK(nninit__torch_kernels_get(NNINIT_SIMD_SCALAR) == s);
            CHECK(torch_orthogonal_on(5, r, k, t, 1.5, 2, NNINIT_SIMD_SCALAR,
                                      q2) == 0);
            CHECK_MSG(!memcmp(q1, q2, bytes),
                      "%lld x %lld %s: portable and AVX2 QR differ",
                      (long long)r, (long long)k, f ? "f32" : "f64");
        }
#endif
}

/* Two generators in the same state: the same words ahead, the same cached
 * normal. */
static int same_state(const nninit_torch_gen *a, const nninit_torch_gen *b)
{
    return a->pos == b->pos && a->normal_cached == b->normal_cached &&
           (!a->normal_cached || a->normal_cache == b->normal_cache) &&
           !memcmp(a->state, b->state, sizeof a->state);
}

/* nninit_torch_skip and nninit_torch_layer_skip consume exactly the draws
 * of nninit_torch_init / nninit_torch_layer_fill and return the same status,
 * for every initializer, the small and the block normal paths with and
 * without a tail, every dtype, both kernels, both versions, and with a
 * cached normal (the DEFAULT kernel only with one: its draws are the AVX2
 * kernel's). */
static void skip_matches_init(void)
{
    static const nninit_kind kinds[] = {
        NNINIT_ZEROS,           NNINIT_CONSTANT,       NNINIT_UNIFORM,
        NNINIT_NORMAL,          NNINIT_TRUNC_NORMAL,   NNINIT_EYE,
        NNINIT_DIRAC,           NNINIT_XAVIER_UNIFORM, NNINIT_XAVIER_NORMAL,
        NNINIT_KAIMING_UNIFORM, NNINIT_KAIMING_NORMAL, NNINIT_LECUN_NORMAL,
        NNINIT_ORTHOGONAL,      NNINIT_SPARSE,         NNINIT_DELTA_ORTHOGONAL};
    static const int64_t shapes[][3] = {{3, 4, 1},  {4, 4, 1},  {5, 7, 1},
                                        {16, 16, 1}, {33, 9, 1}, {6, 4, 3},
                                        {0, 5, 1}};
    static const nninit_dtype dtypes[] = {NNINIT_F32, NNINIT_F64, NNINIT_F16,
                                          NNINIT_BF16};
    static double buf[33 * 9];
    int cases = 0, errors = 0;
    for (size_t ki = 0; ki < sizeof kinds / sizeof *kinds; ki++)
        for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++)
            for (size_t di = 0; di < 4; di++)
                for (int kern = 0; kern < 2; kern++)
                    for (int cached = kern; cached < 2; cached++) {
                        nninit_torch_kernel kk =
                            kern ? NNINIT_TORCH_KERNEL_DEFAULT : AVX2;
                        nninit_torch_gen a, b;
                        nninit_torch_gen_init(&a, 1000 + si, kk);
                        /* both versions, alternating over the shapes */
                        a.version = (si + di) % 2 ? NNINIT_TORCH_1_13
                                                  : NNINIT_TORCH_2_6;
                        if (cached) { /* leave a value in the cache */
                            float one;
                            nninit_torch_normal_(&a, NNINIT_F32, &one, 1, 0, 1,
                                                 NULL);
                        }
                        b = a;
                        nninit_shape sh;
                        int nd = shapes[si][2] > 1 ? 3 : 2;
                        nninit_shape_make(&sh, nd, shapes[si], NULL);
                        nninit_spec sp = nninit_spec_make(kinds[ki]);
                        if (kinds[ki] == NNINIT_CONSTANT)
                            sp.value = 0.5;
                        if (kinds[ki] == NNINIT_SPARSE)
                            sp.sparsity = 0.3;
                        int r1 = nninit_torch_init(&a, &sp, &sh, dtypes[di],
                                                   buf, NULL, NULL);
                        int r2 = nninit_torch_skip(&b, &sp, &sh, dtypes[di],
                                                   NULL, NULL);
                        cases++;
                        errors += r1 != 0;
                        CHECK_MSG(r1 == r2 && same_state(&a, &b),
                                  "%s %lldx%lldx%lld %s kernel %d cached %d: "
                                  "init %d, skip %d",
                                  nninit_kind_name(kinds[ki]),
                                  (long long)shapes[si][0],
                                  (long long)shapes[si][1],
                                  (long long)shapes[si][2],
                                  nninit_dtype_name(dtypes[di]), kern, cached,
                                  r1, r2);
                    }
    /* both outcomes were exercised: draws, and refusals (delta_orthogonal,
     * half-precision orthogonal and trunc_normal_, ...) */
    CHECK(errors > 0 && errors < cases);

    /* module defaults, step by step */
    nninit_torch_layer ls[6];
    ls[0] = nninit_torch_layer_make(NNINIT_TORCH_LINEAR);
    ls[0].in = 7, ls[0].out = 5;
    ls[1] = nninit_torch_layer_make(NNINIT_TORCH_CONV2D);
    ls[1].in = 3, ls[1].out = 4, ls[1].kernel[0] = ls[1].kernel[1] = 3;
    ls[2] = nninit_torch_layer_make(NNINIT_TORCH_EMBEDDING);
    ls[2].num_embeddings = 9, ls[2].embedding_dim = 5;
    ls[2].has_padding_idx = 1, ls[2].padding_idx = 2;
    ls[3] = nninit_torch_layer_make(NNINIT_TORCH_LSTM);
    ls[3].in = 4, ls[3].hidden = 6, ls[3].num_layers = 2;
    ls[3].bidirectional = 1, ls[3].proj_size = 3;
    ls[4] = nninit_torch_layer_make(NNINIT_TORCH_BATCH_NORM);
    ls[4].num_features = 4;
    ls[5] = nninit_torch_layer_make(NNINIT_TORCH_EMBEDDING);
    ls[5].num_embeddings = 2, ls[5].embedding_dim = 3; /* < 16: small path */
    for (int li = 0; li < 6; li++) {
        nninit_torch_tensor tt[32];
        nninit_torch_step st[32];
        int nt = 0, ns = 0;
        CHECK(nninit_torch_layer_tensors(&ls[li], tt, 32, &nt, NULL) == 0);
        CHECK(nninit_torch_layer_steps(&ls[li], st, 32, &ns, NULL) == 0);
        nninit_torch_gen a, b;
        nninit_torch_gen_init(&a, 77, AVX2);
        b = a;
        for (int i = 0; i < ns; i++) {
            nninit_shape sh = tt[st[i].tensor].shape;
            if (st[i].row1 > st[i].row0)
                sh.dim[0] = st[i].row1 - st[i].row0;
            int r1 = nninit_torch_init(&a, &st[i].spec, &sh, NNINIT_F32, buf,
                                       NULL, NULL);
            int r2 = nninit_torch_skip(&b, &st[i].spec, &sh, NNINIT_F32, NULL,
                                       NULL);
            CHECK_MSG(r1 == 0 && r2 == 0 && same_state(&a, &b),
                      "%s step %d: init %d, skip %d",
                      nninit_torch_module_name(ls[li].kind), i, r1, r2);
        }
    }
}

/* A stream hands out the bytes of the whole call, piece by piece, and leaves
 * the generator where the whole call does; pieces of 1, 7, 16 and 100
 * elements cover unaligned pieces, the 16-block carry of normal_ and its
 * redrawn tail (297 values). A stream refused (normal_ below 16 values,
 * orthogonal) says so up front. */
static void streams_match_whole(void)
{
    static const nninit_kind kinds[] = {
        NNINIT_ZEROS,          NNINIT_CONSTANT,        NNINIT_UNIFORM,
        NNINIT_NORMAL,         NNINIT_TRUNC_NORMAL,    NNINIT_XAVIER_UNIFORM,
        NNINIT_XAVIER_NORMAL,  NNINIT_KAIMING_UNIFORM, NNINIT_KAIMING_NORMAL,
        NNINIT_LECUN_UNIFORM,  NNINIT_LECUN_NORMAL,    NNINIT_ORTHOGONAL};
    static const int64_t shapes[][2] = {{16, 20}, {8, 2}, {33, 9}, {1, 7},
                                        {4, 5}};
    static const nninit_dtype dtypes[] = {NNINIT_F32, NNINIT_F64, NNINIT_F16,
                                          NNINIT_BF16};
    static const uint64_t pieces[] = {1, 7, 16, 100};
    static double whole[400], part[400];
    int streamed = 0, refused = 0;
    for (int ver = 0; ver < 2; ver++)
    for (size_t ki = 0; ki < sizeof kinds / sizeof *kinds; ki++)
        for (size_t si = 0; si < 5; si++)
            for (size_t di = 0; di < 4; di++) {
                nninit_shape sh;
                nninit_shape_make(&sh, 2, shapes[si], NULL);
                nninit_spec sp = nninit_spec_make(kinds[ki]);
                sp.value = -0.25;
                nninit_dtype t = dtypes[di];
                uint64_t n = nninit_shape_numel(&sh);
                size_t es = nninit_dtype_size(t);
                nninit_torch_gen a;
                nninit_torch_gen_init(&a, 4242 + si, AVX2);
                a.version = (nninit_torch_version)ver;
                int rc = nninit_torch_init(&a, &sp, &sh, t, whole, NULL, NULL);
                nninit_torch_stream st;
                int can = nninit_torch_stream_begin(&st, &sp, &sh, t);
                int normal_small = n < 16 &&
                                   (kinds[ki] == NNINIT_NORMAL ||
                                    kinds[ki] == NNINIT_XAVIER_NORMAL ||
                                    kinds[ki] == NNINIT_KAIMING_NORMAL ||
                                    kinds[ki] == NNINIT_LECUN_NORMAL);
                CHECK_MSG(can == (kinds[ki] != NNINIT_ORTHOGONAL &&
                                  !normal_small),
                          "%s %llu %s: stream_begin %d",
                          nninit_kind_name(kinds[ki]), (unsigned long long)n,
                          nninit_dtype_name(t), can);
                if (!can) {
                    refused++;
                    continue;
                }
                for (size_t pi = 0; pi < 4; pi++) {
                    nninit_torch_gen b;
                    nninit_torch_gen_init(&b, 4242 + si, AVX2);
                    b.version = (nninit_torch_version)ver;
                    CHECK(nninit_torch_stream_begin(&st, &sp, &sh, t) == 1);
                    int rs = NNINIT_OK;
                    memset(part, 0xA5, sizeof part);
                    for (uint64_t i = 0; i < n && rs == NNINIT_OK;) {
                        uint64_t c = n - i < pieces[pi] ? n - i : pieces[pi];
                        rs = nninit_torch_stream_next(&b, &st,
                                                      (char *)part + i * es, c,
                                                      NULL);
                        i += c;
                    }
                    CHECK_MSG(rs == rc && (rc || (!memcmp(whole, part,
                                                          n * es) &&
                                                  same_state(&a, &b))),
                              "%s %llu %s pieces of %llu: whole %d, stream "
                              "%d",
                              nninit_kind_name(kinds[ki]),
                              (unsigned long long)n, nninit_dtype_name(t),
                              (unsigned long long)pieces[pi], rc, rs);
                    streamed++;
                }
                /* half handed out, the rest only drawn */
                nninit_torch_gen b;
                nninit_torch_gen_init(&b, 4242 + si, AVX2);
                b.version = (nninit_torch_version)ver;
                nninit_torch_stream_begin(&st, &sp, &sh, t);
                int r1 = nninit_torch_stream_next(&b, &st, part, n / 2, NULL);
                int r2 = nninit_torch_stream_next(&b, &st, NULL, n - n / 2,
                                                  NULL);
                CHECK(rc || (r1 == 0 && r2 == 0 && same_state(&a, &b)));
                /* past the end: refused */
                CHECK(rc || nninit_torch_stream_next(&b, &st, part, 1, NULL) ==
                                NNINIT_ERANGE);
            }
    CHECK(streamed > 0 && refused > 0);

}

int main(void)
{
    TEST_RUN(mt19937_matches_numpy);
    TEST_RUN(seeds_keep_64_bits_use_32);
    TEST_RUN(rand_and_uniform_worked_values);
    TEST_RUN(normal_worked_values);
    TEST_RUN(linear_5_3_worked_values);
    TEST_RUN(draw_counts);
    TEST_RUN(cache_persists_until_reseed);
    TEST_RUN(module_listing);
    TEST_RUN(bad_input);
    TEST_RUN(orthogonal_is_orthogonal);
    TEST_RUN(orthogonal_bits_ignore_threads);
    TEST_RUN(kernel_copies_agree);
    TEST_RUN(skip_matches_init);
    TEST_RUN(streams_match_whole);
    return test_report();
}
