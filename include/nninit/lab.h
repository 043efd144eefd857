/*
 * nninit/lab.h: a small training engine, data sets and experiments that show
 * why initialization matters (libnninit_lab, above io/ and the core).
 *
 * Correct before fast: dense layers, the activations of the rule, softmax
 * cross-entropy and MSE, SGD / momentum / Adam with gradient clipping,
 * vanilla RNN (tanh, relu), LSTM and GRU trained by backpropagation through
 * time. Matrix products go through BLAS (cblas_sgemm). Every weight is drawn
 * by nninit_init from (seed, the tensor's name), so any initializer or the
 * per-layer rule can be tried, and the same seed gives the same numbers.
 *
 * Quickstart (examples/05_lab_mlp.c: an MLP on the spirals task; the
 * weights come from the rule, He or Xavier by the activation that follows):
 *
 *     #include <nninit/lab.h>
 *
 *     nninit_lab_data d;
 *     nninit_error err;
 *     nninit_lab_spirals(512, 3, 0.05, 1, NULL, &d, &err); // 3 classes, 2-D
 *     int sizes[] = {2, 32, 32, 3};
 *     nninit_activation acts[] = {NNINIT_ACT_TANH, NNINIT_ACT_TANH,
 *                                 NNINIT_ACT_NONE};
 *     nninit_lab_mlp_desc desc = nninit_lab_mlp_desc_make(3, sizes, acts);
 *     desc.seed = 42;                  // fc1.weight from (42, "fc1.weight")
 *     desc.max_batch = 512;
 *     nninit_lab_mlp *net;
 *     if (nninit_lab_mlp_new(&desc, NULL, &net, &err)) return 1;
 *     nninit_lab_optim opt = nninit_lab_optim_make(NNINIT_LAB_ADAM, 0.01);
 *     nninit_lab_real dlogits[512 * 3];
 *     for (int step = 0; step < 300; step++) {
 *         nninit_lab_mlp_forward(net, d.x, d.n);
 *         nninit_lab_softmax_xent(nninit_lab_mlp_output(net), d.y, d.n, 3,
 *                                 dlogits);
 *         nninit_lab_mlp_backward(net, dlogits);
 *         int np;
 *         nninit_lab_param *p = nninit_lab_mlp_params(net, &np);
 *         nninit_lab_optim_step(&opt, p, np);
 *     }
 *     nninit_lab_mlp_free(net);
 *     nninit_lab_data_free(&d);
 *
 * Element type: nninit_lab_real is float. The test suite also builds the
 * same sources with NNINIT_LAB_F64 defined (double everywhere, dgemm) so that
 * gradients can be checked against finite differences in double precision;
 * never mix the two builds in one program.
 *
 * Threads: matrix products use OpenBLAS's threads, which are process-wide
 * (nninit_lab_set_threads); everything else runs on the calling thread.
 *
 * Experiments (symmetry, signal, depth, selu, isometry, deeplinear, rnn,
 * train) are rows of one table: each has its options struct (defaults from
 * nninit_lab_X_defaults), a function that fills a result (numbers and
 * figures; nothing is printed) and a _free. The tour (nninit_lab_tour_run)
 * is the table of claims `nninit demo` checks, each decided over several
 * seeds. The library reads no environment variable; every allocation,
 * zlib's included, goes through the allocator in the options (c.alloc;
 * NULL: malloc), and every failure is a status.
 */
#ifndef NNINIT_LAB_H
#define NNINIT_LAB_H

#include "init.h"
#include "rng.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef NNINIT_LAB_F64
typedef double nninit_lab_real;
#else
typedef float nninit_lab_real;
#endif

/* Set OpenBLAS's thread count (process-wide, OpenBLAS's own setting);
 * n <= 0 means the online CPUs. Returns the count in force. */
NNINIT_API int nninit_lab_set_threads(int n);

/* The OpenBLAS kernel set in use ("Haswell", "Cooperlake", ...): OpenBLAS
 * picks it when it loads, from the CPU or from $OPENBLAS_CORETYPE. Results
 * are reproducible for the same kernel set and thread count. */
NNINIT_API const char *nninit_lab_blas_core(void);


/* ------------------------------------------------------------------------ */
/* Activations                                                              */
/* ------------------------------------------------------------------------ */

/* The lab runs linear (NNINIT_ACT_NONE), sigmoid, tanh, softsign, relu,
 * leaky_relu (slope), elu (alpha 1), selu (Klambauer's constants), gelu (the
 * exact erf form, PyTorch's default) and silu. Returns 1 if supported. */
NNINIT_API int nninit_lab_act_supported(nninit_activation act);

/* y = f(x) elementwise over n values (y may equal x). */
NNINIT_API void nninit_lab_act_forward(nninit_activation act, double slope,
                                       const nninit_lab_real *x,
                                       nninit_lab_real *y, size_t n);
/* dx = dy * f'(x), given the input x and the output y = f(x) (dx may equal
 * dy). */
NNINIT_API void nninit_lab_act_backward(nninit_activation act, double slope,
                                        const nninit_lab_real *x,
                                        const nninit_lab_real *y,
                                        const nninit_lab_real *dy,
                                        nninit_lab_real *dx, size_t n);

/* ------------------------------------------------------------------------ */
/* Which initializer a tensor gets                                          */
/* ------------------------------------------------------------------------ */

typedef struct nninit_lab_init {
    int rule;         /* 1: the per-layer rule (nninit_recommend) */
    nninit_spec spec; /* used when rule == 0 */
    int lsuv;         /* 1: spec (orthogonal) is LSUV's start; the
                         experiment then rescales each layer on a data
                         batch (nninit_lab_mlp_lsuv) */
} nninit_lab_init;

NNINIT_API nninit_lab_init nninit_lab_init_rule(void);
NNINIT_API nninit_lab_init nninit_lab_init_of(nninit_spec spec);

/* Parse "rule", "lsuv" (Mishkin & Matas 2016: orthogonal, then each layer
 * rescaled on a data batch until its output variance is 1), "NAME" or
 * "NAME:key=value,key=value" where NAME is any
 * initializer (nninit_kind_parse) and the keys are the nninit_spec fields:
 * gain, a, mode, nonlinearity, mean, std, low, high, trunc_a, trunc_b, value,
 * sparsity, groups, scale, distribution. Shorthands: "small" =
 * uniform:low=-0.01,high=0.01 and "large" = normal:std=1 (the seed text's
 * "small random" and "large" weights). Examples: "kaiming_normal",
 * "uniform:low=-0.05,high=0.05", "constant:value=0.1".
 * NNINIT_EINVAL naming the bad part. */
NNINIT_API int nninit_lab_init_parse(const char *text, nninit_lab_init *out,
                                     nninit_error *err);

/* A short label for tables and plots ("rule", "kaiming_uniform",
 * "normal(std=1)", "uniform(-0.01,0.01)"). Always NUL-terminates buf. */
NNINIT_API char *nninit_lab_init_label(const nninit_lab_init *init, char *buf,
                                       size_t size);

/* The spec actually used for a weight followed by `act` (`role` WEIGHT or
 * RECURRENT): init->spec, or the rule's pick. */
NNINIT_API int nninit_lab_init_resolve(const nninit_lab_init *init,
                                       nninit_role role, nninit_activation act,
                                       double slope, nninit_spec *out,
                                       nninit_error *err);

/* ------------------------------------------------------------------------ */
/* Parameters and optimizers                                                */
/* ------------------------------------------------------------------------ */

/* A trainable tensor: value, gradient and the optimizer's two state
 * buffers, all of n elements, owned by the model that made it. */
typedef struct nninit_lab_param {
    char name[40];   /* "fc1.weight": also the tensor's stream name */
    int64_t rows, cols; /* (out, in) for a weight, (n, 1) for a bias */
    size_t n;
    nninit_lab_real *w, *g, *m, *v;
    double lr_mult;  /* its learning rate is the optimizer's times this
                        (0, as a zeroed struct has it, means 1; muP's
                        MuAdam divides matrix-like tensors' by their width
                        multiplier) */
} nninit_lab_param;

typedef enum nninit_lab_optimizer {
    NNINIT_LAB_SGD = 0,
    NNINIT_LAB_MOMENTUM = 1, /* PyTorch's SGD momentum: v = mu*v + g; w -= lr*v */
    NNINIT_LAB_ADAM = 2      /* Kingma & Ba 2015, with bias correction */
} nninit_lab_optimizer;

NNINIT_API int nninit_lab_optimizer_parse(const char *name,
                                          nninit_lab_optimizer *out,
                                          nninit_error *err);
NNINIT_API const char *nninit_lab_optimizer_name(nninit_lab_optimizer o);

typedef struct nninit_lab_optim {
    nninit_lab_optimizer kind;
    double lr;
    double momentum;     /* 0.9 */
    double beta1, beta2; /* 0.9, 0.999 */
    double eps;          /* 1e-8 */
    double clip_norm;    /* > 0: scale the whole gradient to L2 norm <= it */
    int64_t t;           /* steps taken */
    double last_norm;    /* gradient norm before clipping, last step */
} nninit_lab_optim;

NNINIT_API nninit_lab_optim nninit_lab_optim_make(nninit_lab_optimizer kind,
                                                  double lr);
/* One update of every parameter from its gradient (after clipping). */
NNINIT_API void nninit_lab_optim_step(nninit_lab_optim *o,
                                      nninit_lab_param *params, int count);
/* L2 norm of all gradients together. */
NNINIT_API double nninit_lab_grad_norm(const nninit_lab_param *params,
                                       int count);

/* ------------------------------------------------------------------------ */
/* Losses                                                                   */
/* ------------------------------------------------------------------------ */

/* Mean over the batch of -log softmax(logits)[label]; logits is
 * batch x classes row-major. If dlogits is not NULL it receives the gradient
 * (softmax - onehot) / batch. Labels outside [0, classes) are skipped (they
 * count neither in the mean nor in the gradient). */
NNINIT_API double nninit_lab_softmax_xent(const nninit_lab_real *logits,
                                          const int32_t *labels, int batch,
                                          int classes,
                                          nninit_lab_real *dlogits);
/* Mean over all n values of (y - t)^2; dy (may be NULL) = 2 (y - t) / n. */
NNINIT_API double nninit_lab_mse(const nninit_lab_real *y,
                                 const nninit_lab_real *t, size_t n,
                                 nninit_lab_real *dy);
/* Number of rows whose argmax equals the label. */
NNINIT_API int nninit_lab_count_correct(const nninit_lab_real *logits,
                                        const int32_t *labels, int batch,
                                        int classes);

/* ------------------------------------------------------------------------ */
/* Multi-layer perceptron                                                   */
/* ------------------------------------------------------------------------ */

typedef struct nninit_lab_mlp_desc {
    int n_layers;        /* Linear layers */
    const int *sizes;    /* n_layers + 1 widths, input first */
    const nninit_activation *acts; /* after each Linear (last: usually NONE) */
    const nninit_lab_init *weight_init; /* n_layers entries; NULL: the rule */
    const nninit_lab_init *bias_init;   /* n_layers entries; NULL: zeros */
    double slope;        /* leaky_relu negative slope: 0.01 */
    uint64_t seed;       /* weights of layer k come from (seed, "fcK.weight") */
    int max_batch;       /* largest batch forward will be called with: 128 */
    double out_mult;     /* the last layer's input is multiplied by this: 1
                            (muP's readout: 1/width_mult, as MuReadout) */
} nninit_lab_mlp_desc;

NNINIT_API nninit_lab_mlp_desc nninit_lab_mlp_desc_make(
    int n_layers, const int *sizes, const nninit_activation *acts);

typedef struct nninit_lab_mlp nninit_lab_mlp;

/* Build and initialize. NNINIT_EINVAL for bad sizes, an unsupported
 * activation or an initializer that does not fit; NNINIT_ENOMEM. */
NNINIT_API int nninit_lab_mlp_new(const nninit_lab_mlp_desc *desc,
                                  const nninit_allocator *alloc,
                                  nninit_lab_mlp **out, nninit_error *err);
NNINIT_API void nninit_lab_mlp_free(nninit_lab_mlp *net);
/* Re-draw every parameter from the desc with another seed. */
NNINIT_API int nninit_lab_mlp_reinit(nninit_lab_mlp *net, uint64_t seed,
                                     nninit_error *err);

/* Forward a batch x sizes[0] row-major input (batch <= max_batch). Keeps
 * what backward needs. Returns NNINIT_EINVAL for a bad batch. */
NNINIT_API int nninit_lab_mlp_forward(nninit_lab_mlp *net,
                                      const nninit_lab_real *x, int batch);
/* The last forward's output, batch x sizes[n_layers]. */
NNINIT_API const nninit_lab_real *nninit_lab_mlp_output(
    const nninit_lab_mlp *net);
/* Output of layer k (after its activation), batch x sizes[k+1]. */
NNINIT_API const nninit_lab_real *nninit_lab_mlp_layer_output(
    const nninit_lab_mlp *net, int k);
/* Back-propagate dL/doutput (batch x sizes[n_layers]) of the last forward:
 * sets every parameter's gradient (overwrites, no accumulation). */
NNINIT_API void nninit_lab_mlp_backward(nninit_lab_mlp *net,
                                        const nninit_lab_real *dout);
/* After backward: dL/dz_k, the gradient with respect to layer k's
 * pre-activation z_k = h_{k-1} W_k^T + b_k (Glorot & Bengio's
 * "back-propagated gradient"), batch x sizes[k+1]. */
NNINIT_API const nninit_lab_real *nninit_lab_mlp_layer_grad(
    const nninit_lab_mlp *net, int k);
/* LSUV (Mishkin & Matas 2016), on weights already orthogonal: layer by
 * layer, forward the batch x and divide the layer's weight by the std of
 * its output z_k (before the activation) until |Var(z_k) - 1| < tol or
 * max_tries rescalings (the paper: tol 0.1, 10). tries (n_layers entries,
 * may be NULL) receives how many each layer took. NNINIT_EINVAL for a bad
 * batch, tol or max_tries, or a layer whose output has no variance. */
NNINIT_API int nninit_lab_mlp_lsuv(nninit_lab_mlp *net,
                                   const nninit_lab_real *x, int batch,
                                   double tol, int max_tries, int *tries,
                                   nninit_error *err);
/* The parameters: fc1.weight, fc1.bias, fc2.weight, ... */
NNINIT_API nninit_lab_param *nninit_lab_mlp_params(nninit_lab_mlp *net,
                                                   int *count);
NNINIT_API int nninit_lab_mlp_batch(const nninit_lab_mlp *net);

/* ------------------------------------------------------------------------ */
/* Recurrent networks                                                       */
/* ------------------------------------------------------------------------ */

typedef enum nninit_lab_cell {
    NNINIT_LAB_RNN_TANH = 0, /* h = tanh(W x + U h + b) */
    NNINIT_LAB_RNN_RELU = 1, /* h = relu(W x + U h + b) (Le et al.'s IRNN) */
    NNINIT_LAB_LSTM = 2,     /* PyTorch's gates i, f, g, o */
    NNINIT_LAB_GRU = 3       /* PyTorch's gates r, z, n */
} nninit_lab_cell;

NNINIT_API int nninit_lab_cell_parse(const char *name, nninit_lab_cell *out,
                                     nninit_error *err);
NNINIT_API const char *nninit_lab_cell_name(nninit_lab_cell cell);

/* One recurrent layer and a linear readout. Tensors: rnn.weight_ih.K and
 * rnn.weight_hh.K (one (hidden, in) and one (hidden, hidden) block per gate
 * K, so orthogonal/identity init applies to each gate's square block as in
 * Flax), rnn.bias_ih, rnn.bias_hh, out.weight, out.bias. */
typedef struct nninit_lab_rnn_desc {
    nninit_lab_cell cell;
    int in, hidden, out;
    int all_steps;   /* 1: a readout at every step (copy), 0: last only */
    nninit_lab_init input_init;     /* rule: Xavier (He for relu cells) */
    nninit_lab_init recurrent_init; /* rule: orthogonal */
    nninit_lab_init output_init;    /* rule: Xavier (linear) */
    double forget_bias; /* LSTM forget-gate bias: 0 (PyTorch), 1 (Keras) */
    uint64_t seed;
    int max_steps, max_batch;
} nninit_lab_rnn_desc;

NNINIT_API nninit_lab_rnn_desc nninit_lab_rnn_desc_make(nninit_lab_cell cell,
                                                        int in, int hidden,
                                                        int out);

typedef struct nninit_lab_rnn nninit_lab_rnn;

NNINIT_API int nninit_lab_rnn_new(const nninit_lab_rnn_desc *desc,
                                  const nninit_allocator *alloc,
                                  nninit_lab_rnn **out, nninit_error *err);
NNINIT_API void nninit_lab_rnn_free(nninit_lab_rnn *net);
/* x is steps x batch x in (time-major). h0 = 0. */
NNINIT_API int nninit_lab_rnn_forward(nninit_lab_rnn *net,
                                      const nninit_lab_real *x, int steps,
                                      int batch);
/* steps x batch x out if all_steps, else batch x out. */
NNINIT_API const nninit_lab_real *nninit_lab_rnn_output(
    const nninit_lab_rnn *net);
/* Backpropagation through time of dL/doutput (same shape as the output):
 * sets every parameter's gradient. */
NNINIT_API void nninit_lab_rnn_backward(nninit_lab_rnn *net,
                                        const nninit_lab_real *dout);
NNINIT_API nninit_lab_param *nninit_lab_rnn_params(nninit_lab_rnn *net,
                                                   int *count);
/* After backward: ||dL/dh_t|| (over the batch) for t = 1..steps, the
 * gradient that reaches each step: how far back the error signal travels
 * (Bengio et al. 1994; Pascanu et al. 2013). */
NNINIT_API const double *nninit_lab_rnn_grad_norms(const nninit_lab_rnn *net,
                                                   int *steps);

/* ------------------------------------------------------------------------ */
/* Data                                                                     */
/* ------------------------------------------------------------------------ */

/* Where Debian's dataset-fashion-mnist package puts the files. */
#define NNINIT_LAB_FASHION_DIR "/usr/share/datasets/fashion-mnist"

typedef struct nninit_lab_data {
    int n, dim, classes;
    nninit_lab_real *x; /* n x dim */
    int32_t *y;         /* n labels */
    const nninit_allocator *alloc; /* what x and y came from */
} nninit_lab_data;

/* Read Fashion-MNIST (IDX files, gzip, through zlib) from dir (NULL: the
 * Debian path; the library reads no environment variable, the CLI maps
 * $NNINIT_FASHION_MNIST onto dir): the train (60000) or test (10000) split,
 * the first `limit` images if limit > 0. Pixels are scaled to [0, 1].
 * NNINIT_ENOENT if the files are missing, with a message naming the Debian
 * package to install; NNINIT_EFORMAT for a damaged file; NNINIT_ENOMEM.
 * Free with nninit_lab_data_free. */
NNINIT_API int nninit_lab_fashion_load(const char *dir, int train, int limit,
                                       const nninit_allocator *alloc,
                                       nninit_lab_data *out,
                                       nninit_error *err);
NNINIT_API void nninit_lab_data_free(nninit_lab_data *d);

/* K interleaved spirals in the plane (K classes, n points, noise std): the
 * small task of the quick paths. Deterministic in (seed). */
NNINIT_API int nninit_lab_spirals(int n, int classes, double noise,
                                  uint64_t seed, const nninit_allocator *alloc,
                                  nninit_lab_data *out, nninit_error *err);

/* Gather rows idx[0..count) of d into x (count x dim) and y. */
NNINIT_API void nninit_lab_data_gather(const nninit_lab_data *d,
                                       const uint32_t *idx, int count,
                                       nninit_lab_real *x, int32_t *y);
/* A uniformly random permutation of 0..n-1 (Fisher-Yates on rng). */
NNINIT_API void nninit_lab_shuffle(nninit_rng *rng, uint32_t *idx, int n);

/* The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015): each
 * step carries (value ~ U(0,1), marker); exactly two markers, one in each
 * half; the target is the sum of the two marked values. x: steps x batch x 2,
 * y: batch. Predicting the mean (1) scores MSE 1/6. */
NNINIT_API void nninit_lab_adding_batch(nninit_rng *rng, int steps, int batch,
                                        nninit_lab_real *x,
                                        nninit_lab_real *y);

/* The copy-memory task (Arjovsky et al. 2016): 10 symbols from 8, then
 * `delay` blanks of which the last is the delimiter, then 10 blanks during
 * which the net must output the symbols. Length L = delay + 20; classes 10
 * (0-7 symbols, 8 blank, 9 delimiter); x: L x batch x 10 one-hot, y: L x
 * batch labels. Guessing blanks then uniform symbols scores
 * 10 ln 8 / (delay + 20). */
#define NNINIT_LAB_COPY_SYMBOLS 10
#define NNINIT_LAB_COPY_CLASSES 10
NNINIT_API void nninit_lab_copy_batch(nninit_rng *rng, int delay, int batch,
                                      nninit_lab_real *x, int32_t *y);

/* Delayed recall, the copy task in its streaming form (the short-term
 * memory task of Jaeger 2002 and White, Lee & Sompolinsky 2004): a stream
 * of N(0, 1) values, and at every step t >= delay the target is the value
 * of step t - delay. Length L = 2 delay; x: L x batch x 1, y: L x batch
 * (the first delay steps of y are 0 and carry no loss). Predicting 0 scores
 * MSE 1. */
NNINIT_API void nninit_lab_recall_batch(nninit_rng *rng, int delay, int batch,
                                        nninit_lab_real *x,
                                        nninit_lab_real *y);

/* ------------------------------------------------------------------------ */
/* Figures                                                                  */
/* ------------------------------------------------------------------------ */

/* A line plot: one series per run. Experiments fill these; the CLI writes
 * them with nninit_lab_svg_write. */
typedef struct nninit_lab_series {
    char label[64];
    int n;
    double *x, *y; /* n points each; non-finite y values are left out */
} nninit_lab_series;

typedef struct nninit_lab_figure {
    char name[48];   /* file stem, e.g. "signal-act-tanh" */
    char title[128];
    char xlabel[64], ylabel[64];
    int logx, logy;  /* 1: logarithmic axis */
    double hline;    /* a dashed reference line at this y (NAN: none) */
    double ymin, ymax; /* y range (NAN: fit the data); values outside are
                          drawn on the edge */
    char hline_label[48];
    int n_series;
    nninit_lab_series *series;
    const nninit_allocator *alloc; /* what the series came from */
} nninit_lab_figure;

/* The SVG text of `fig` (a standalone <svg> element), NUL-terminated, from
 * `alloc`; *len (may be NULL) receives its length. For reports that embed
 * their figures. */
NNINIT_API int nninit_lab_svg_render(const nninit_lab_figure *fig,
                                     const nninit_allocator *alloc,
                                     char **out, size_t *len,
                                     nninit_error *err);
/* Write `fig` as a standalone SVG file (atomically, through nninit_ofile). */
NNINIT_API int nninit_lab_svg_write(const nninit_lab_figure *fig,
                                    const char *path, nninit_error *err);
NNINIT_API void nninit_lab_figure_free(nninit_lab_figure *fig);

/* ------------------------------------------------------------------------ */
/* Experiments                                                              */
/* ------------------------------------------------------------------------ */

/* Called now and then with what is running and the fraction done (0..1). */
typedef void (*nninit_lab_progress_fn)(void *ud, const char *what,
                                       double fraction);

/* What every experiment shares. */
typedef struct nninit_lab_common {
    uint64_t seed;
    int fashion;          /* 1: Fashion-MNIST; 0: the synthetic stand-in */
    const char *data_dir; /* NULL: the Debian path */
    const nninit_allocator *alloc; /* every allocation (NULL: malloc) */
    nninit_lab_progress_fn progress;
    void *progress_ud;
} nninit_lab_common;

#define NNINIT_LAB_MAX_RUNS 64
#define NNINIT_LAB_MAX_FIGURES 16

/* The experiments: one row each in the lab's table, which names, help text,
 * `nninit lab` and the tour read. */
typedef enum nninit_lab_experiment {
    NNINIT_LAB_EXP_SYMMETRY = 0,
    NNINIT_LAB_EXP_SIGNAL,
    NNINIT_LAB_EXP_DEPTH,
    NNINIT_LAB_EXP_SELU,
    NNINIT_LAB_EXP_ISOMETRY,
    NNINIT_LAB_EXP_DEEPLINEAR,
    NNINIT_LAB_EXP_RNN,
    NNINIT_LAB_EXP_TRAIN,
    NNINIT_LAB_EXP_RESIDUAL,
    NNINIT_LAB_EXP_MUP,
    NNINIT_LAB_EXP_COUNT
} nninit_lab_experiment;

/* "symmetry", "signal", ...; "?" out of range. */
NNINIT_API const char *nninit_lab_experiment_name(nninit_lab_experiment e);
/* One line saying what it shows, for help text. */
NNINIT_API const char *nninit_lab_experiment_summary(nninit_lab_experiment e);
NNINIT_API int nninit_lab_experiment_parse(const char *name,
                                           nninit_lab_experiment *out,
                                           nninit_error *err);

/* symmetry: an MLP trained from zero / constant / random init; after
 * training, how many distinct units each hidden layer has (rows of
 * [W | b] equal within 1e-4 of the layer's largest weight count as one). */
typedef struct nninit_lab_symmetry_opts {
    nninit_lab_common c;
    int n_train, n_test;  /* Fashion subset sizes (0: all); spirals: sizes */
    int hidden_layers, width;
    nninit_activation act;
    int epochs, batch;
    double lr;            /* SGD with momentum 0.9 */
    int n_inits;
    nninit_lab_init inits[NNINIT_LAB_MAX_RUNS];
} nninit_lab_symmetry_opts;

typedef struct nninit_lab_symmetry_run {
    char init[64];
    int n_hidden;
    int *distinct_units;  /* per hidden layer */
    double test_accuracy, final_loss;
} nninit_lab_symmetry_run;

typedef struct nninit_lab_symmetry_result {
    int n_runs;
    nninit_lab_symmetry_run runs[NNINIT_LAB_MAX_RUNS];
    int width;
    int n_figures;        /* the training loss per epoch */
    nninit_lab_figure figures[NNINIT_LAB_MAX_FIGURES];
    const nninit_allocator *alloc;
} nninit_lab_symmetry_result;

NNINIT_API nninit_lab_symmetry_opts nninit_lab_symmetry_defaults(void);
NNINIT_API int nninit_lab_symmetry(const nninit_lab_symmetry_opts *o,
                                   nninit_lab_symmetry_result *r,
                                   nninit_error *err);
NNINIT_API void nninit_lab_symmetry_free(nninit_lab_symmetry_result *r);

/* signal: a deep MLP at initialization, one batch forward and backward
 * (softmax cross-entropy on a linear head): per-layer std of the
 * activations and of the back-propagated gradients dL/dz, for every
 * activation x initializer. */
typedef struct nninit_lab_signal_opts {
    nninit_lab_common c;
    int depth, width, batch;
    int n_acts;
    nninit_activation acts[16];
    int n_inits;
    nninit_lab_init inits[NNINIT_LAB_MAX_RUNS];
} nninit_lab_signal_opts;

typedef struct nninit_lab_signal_run {
    nninit_activation act;
    char init[64];
    int depth;
    double *act_std, *grad_std; /* per hidden layer 1..depth */
} nninit_lab_signal_run;

typedef struct nninit_lab_signal_result {
    int n_runs;
    nninit_lab_signal_run runs[NNINIT_LAB_MAX_RUNS];
    int n_figures; /* act and grad std per activation */
    nninit_lab_figure figures[NNINIT_LAB_MAX_FIGURES];
    const nninit_allocator *alloc;
} nninit_lab_signal_result;

NNINIT_API nninit_lab_signal_opts nninit_lab_signal_defaults(void);
NNINIT_API int nninit_lab_signal(const nninit_lab_signal_opts *o,
                                 nninit_lab_signal_result *r,
                                 nninit_error *err);
NNINIT_API void nninit_lab_signal_free(nninit_lab_signal_result *r);

/* depth: He et al.'s experiment: a deep ReLU MLP (30 layers) trained on
 * Fashion-MNIST from each initializer; the training loss, logged every
 * log_every steps (mean over those steps). */
typedef struct nninit_lab_depth_opts {
    nninit_lab_common c;
    int depth, width;
    nninit_activation act;
    int steps, batch, log_every;
    int n_train, n_test;
    double lr; /* SGD with momentum 0.9 */
    int n_inits;
    nninit_lab_init inits[NNINIT_LAB_MAX_RUNS];
} nninit_lab_depth_opts;

typedef struct nninit_lab_depth_run {
    char init[64];
    int n_log;
    double *step, *train_loss;
    double final_train_loss, test_accuracy;
    double act_std_first, act_std_last; /* at init, layer 1 and the last */
} nninit_lab_depth_run;

typedef struct nninit_lab_depth_result {
    int n_runs;
    nninit_lab_depth_run runs[NNINIT_LAB_MAX_RUNS];
    int n_figures; /* the training loss */
    nninit_lab_figure figures[NNINIT_LAB_MAX_FIGURES];
    const nninit_allocator *alloc;
} nninit_lab_depth_result;

NNINIT_API nninit_lab_depth_opts nninit_lab_depth_defaults(void);
NNINIT_API int nninit_lab_depth(const nninit_lab_depth_opts *o,
                                nninit_lab_depth_result *r, nninit_error *err);
NNINIT_API void nninit_lab_depth_free(nninit_lab_depth_result *r);

/* selu: N(0, 1) inputs through `depth` SELU layers: the mean and variance
 * of each layer's activations, against Klambauer's (0, 1) fixed point. */
typedef struct nninit_lab_selu_opts {
    nninit_lab_common c;
    int depth, width, batch;
    nninit_activation act; /* SELU unless asked otherwise */
    int n_inits;
    nninit_lab_init inits[NNINIT_LAB_MAX_RUNS];
} nninit_lab_selu_opts;

typedef struct nninit_lab_selu_run {
    char init[64];
    int depth;
    double *mean, *var;
} nninit_lab_selu_run;

typedef struct nninit_lab_selu_result {
    int n_runs;
    nninit_lab_selu_run runs[NNINIT_LAB_MAX_RUNS];
    int n_figures; /* mean and variance per layer */
    nninit_lab_figure figures[NNINIT_LAB_MAX_FIGURES];
    const nninit_allocator *alloc;
} nninit_lab_selu_result;

NNINIT_API nninit_lab_selu_opts nninit_lab_selu_defaults(void);
NNINIT_API int nninit_lab_selu(const nninit_lab_selu_opts *o,
                               nninit_lab_selu_result *r, nninit_error *err);
NNINIT_API void nninit_lab_selu_free(nninit_lab_selu_result *r);

/* isometry: dynamical isometry at initialization (Saxe et al. 2014;
 * Pennington, Schoenholz & Ganguli 2017). The singular values of the
 * input-output Jacobian of a deep linear network, of a deep tanh network
 * (at an input of std input_std) and of an RNN unrolled over T steps (at
 * rest, h = 0: the product of T copies of its recurrent matrix), square
 * layers of `width`, for every initializer and every depth (or T) in the
 * list. Computed in double: the weights are drawn as f64, the product is
 * kept as Q D C (QR at every layer, the scales D apart), so singular values
 * far below the largest one's rounding keep their relative accuracy; the
 * SVD is LAPACK's one-sided Jacobi (dgesvj), accurate for such graded
 * matrices. */
typedef enum nninit_lab_iso_net {
    NNINIT_LAB_ISO_LINEAR = 0,
    NNINIT_LAB_ISO_TANH = 1,
    NNINIT_LAB_ISO_RNN = 2
} nninit_lab_iso_net;

NNINIT_API const char *nninit_lab_iso_net_name(nninit_lab_iso_net net);
NNINIT_API int nninit_lab_iso_net_parse(const char *name,
                                        nninit_lab_iso_net *out,
                                        nninit_error *err);

typedef struct nninit_lab_isometry_opts {
    nninit_lab_common c;
    int width;
    int n_nets;
    nninit_lab_iso_net nets[3];
    int n_depths;
    int depths[16];     /* increasing: layers, or steps for the RNN */
    double input_std;   /* tanh: the input's std */
    int n_inits;
    nninit_lab_init inits[8];
} nninit_lab_isometry_opts;

typedef struct nninit_lab_isometry_run {
    nninit_lab_iso_net net;
    char init[64];
    int depth;                /* layers, or steps for the RNN */
    int n;                    /* = width */
    double *singular_values;  /* n, largest first */
    double condition_number;  /* largest / smallest */
    double max_dev;           /* max |s - 1| */
} nninit_lab_isometry_run;

typedef struct nninit_lab_isometry_result {
    int n_runs;                    /* nets x inits x depths, in that order */
    nninit_lab_isometry_run *runs;
    int n_figures; /* per net: condition number by depth, spectra at the
                      deepest */
    nninit_lab_figure figures[NNINIT_LAB_MAX_FIGURES];
    const nninit_allocator *alloc;
} nninit_lab_isometry_result;

NNINIT_API nninit_lab_isometry_opts nninit_lab_isometry_defaults(void);
NNINIT_API int nninit_lab_isometry(const nninit_lab_isometry_opts *o,
                                   nninit_lab_isometry_result *r,
                                   nninit_error *err);
NNINIT_API void nninit_lab_isometry_free(nninit_lab_isometry_result *r);
/* The run of (net, init index, depth), or NULL. */
NNINIT_API const nninit_lab_isometry_run *nninit_lab_isometry_find(
    const nninit_lab_isometry_result *r, nninit_lab_iso_net net, int init,
    int depth);

/* deeplinear: Saxe et al.'s learning time against depth. Deep linear
 * networks (square layers of `width`, no nonlinearity) learn a fixed
 * linear map y = A x (A's singular values evenly spread over [0.5, 2]) from
 * fresh N(0, I) inputs by plain SGD with the step size lr / depth; the
 * loss is the MSE relative to that of predicting 0. Recorded: the steps
 * until the mean loss over the last `window` steps falls below
 * `threshold` (0: not within max_steps). */
typedef struct nninit_lab_deeplinear_opts {
    nninit_lab_common c;
    int width;
    int n_depths;
    int depths[16];
    int batch, max_steps, window;
    double lr, threshold;
    int n_inits;
    nninit_lab_init inits[8];
} nninit_lab_deeplinear_opts;

typedef struct nninit_lab_deeplinear_run {
    char init[64];
    int depth;
    int steps_to_threshold; /* 0: not reached within max_steps */
    int n_log;
    double *step, *loss;    /* the loss, mean over each window */
    double final_loss;
} nninit_lab_deeplinear_run;

typedef struct nninit_lab_deeplinear_result {
    int n_runs;                      /* inits x depths */
    nninit_lab_deeplinear_run *runs;
    int n_figures; /* steps to the threshold by depth; curves at the deepest */
    nninit_lab_figure figures[NNINIT_LAB_MAX_FIGURES];
    const nninit_allocator *alloc;
} nninit_lab_deeplinear_result;

NNINIT_API nninit_lab_deeplinear_opts nninit_lab_deeplinear_defaults(void);
NNINIT_API int nninit_lab_deeplinear(const nninit_lab_deeplinear_opts *o,
                                     nninit_lab_deeplinear_result *r,
                                     nninit_error *err);
NNINIT_API void nninit_lab_deeplinear_free(nninit_lab_deeplinear_result *r);

/* rnn: cells x recurrent initializers on the adding problem, the copy task
 * or delayed recall, trained with Adam and gradient clipping; loss curves
 * against the trivial baseline (1/6 for adding, 10 ln 8 / L for copy, 1 for
 * recall), and the loss on a held-out batch after training. */
typedef enum nninit_lab_task {
    NNINIT_LAB_ADDING = 0,
    NNINIT_LAB_COPY = 1,
    NNINIT_LAB_RECALL = 2
} nninit_lab_task;

NNINIT_API const char *nninit_lab_task_name(nninit_lab_task task);
NNINIT_API int nninit_lab_task_parse(const char *name, nninit_lab_task *out,
                                     nninit_error *err);

typedef struct nninit_lab_rnn_opts {
    nninit_lab_common c;
    nninit_lab_task task;
    int length;        /* adding: sequence length; copy, recall: delay */
    int hidden, steps, batch, log_every;
    int test_batch;    /* held-out sequences scored after training */
    double lr, clip;
    nninit_lab_optimizer optimizer;
    nninit_lab_init input_init; /* the rule unless set */
    int n_cells;
    nninit_lab_cell cells[4];
    int n_inits;
    nninit_lab_init inits[16]; /* recurrent weights */
} nninit_lab_rnn_opts;

typedef struct nninit_lab_rnn_run {
    nninit_lab_cell cell;
    char init[64];
    int n_log;
    double *step, *loss;
    double final_loss; /* mean of the last logged window */
    double test_loss;  /* on test_batch held-out sequences, after training */
    double solved_fraction; /* test_loss / baseline */
    int steps_T;
    double *grad_t; /* at init: ||dL/dh_t|| / ||dL/dh_T||, t = 1..T */
} nninit_lab_rnn_run;

typedef struct nninit_lab_rnn_result {
    double baseline;
    int n_runs;
    nninit_lab_rnn_run runs[NNINIT_LAB_MAX_RUNS];
    int n_figures; /* loss and gradient-through-time per cell */
    nninit_lab_figure figures[NNINIT_LAB_MAX_FIGURES];
    const nninit_allocator *alloc;
} nninit_lab_rnn_result;

NNINIT_API nninit_lab_rnn_opts nninit_lab_rnn_defaults(void);
NNINIT_API int nninit_lab_rnn_run_all(const nninit_lab_rnn_opts *o,
                                      nninit_lab_rnn_result *r,
                                      nninit_error *err);
NNINIT_API void nninit_lab_rnn_result_free(nninit_lab_rnn_result *r);

/* train: an MLP on Fashion-MNIST with a chosen initializer per layer; test
 * accuracy and wall time per epoch. */
typedef struct nninit_lab_train_opts {
    nninit_lab_common c;
    int n_layers;
    int sizes[17];
    nninit_activation act; /* hidden layers; the last layer is linear */
    nninit_lab_init inits[16]; /* per layer */
    int epochs, batch;
    int n_train, n_test;
    nninit_lab_optimizer optimizer;
    double lr, momentum;
    int cosine; /* 1: lr follows a cosine from lr to 0 over the epochs
                   (per epoch, as PyTorch's CosineAnnealingLR) */
} nninit_lab_train_opts;

typedef struct nninit_lab_train_epoch {
    int epoch;
    double train_loss, test_accuracy, seconds;
} nninit_lab_train_epoch;

typedef struct nninit_lab_train_result {
    int n_epochs;
    nninit_lab_train_epoch *epochs;
    char init[16][64]; /* what each layer got */
    int n_figures;     /* test accuracy per epoch */
    nninit_lab_figure figures[NNINIT_LAB_MAX_FIGURES];
    const nninit_allocator *alloc;
} nninit_lab_train_result;

NNINIT_API nninit_lab_train_opts nninit_lab_train_defaults(void);
NNINIT_API int nninit_lab_train(const nninit_lab_train_opts *o,
                                nninit_lab_train_result *r,
                                nninit_error *err);
NNINIT_API void nninit_lab_train_free(nninit_lab_train_result *r);

/* residual: depth scalings at initialization. A residual MLP of `blocks`
 * blocks x <- x + W2 relu(W1 x + b1) + b2 (W1 `hidden` x `width`, roles
 * ffn_in and ffn_out, one decoder stack; no normalization), its weights
 * made by nninit's plan (the seed preset: He on W1, Xavier on W2) under
 * each scaling of the list (-1: none): the std of the residual stream
 * after each block over the input's, for one batch of N(0, 1) inputs. */
typedef struct nninit_lab_residual_opts {
    nninit_lab_common c;
    int blocks, width, hidden, batch;
    int n_schemes;
    int schemes[8]; /* nninit_scaling_kind, or -1 for none */
} nninit_lab_residual_opts;

typedef struct nninit_lab_residual_run {
    char scheme[32];
    int blocks;
    double *ratio; /* std after block l / the input's, l = 1..blocks */
} nninit_lab_residual_run;

typedef struct nninit_lab_residual_result {
    int n_runs;
    nninit_lab_residual_run runs[NNINIT_LAB_MAX_RUNS];
    int n_figures; /* the stream's std by block */
    nninit_lab_figure figures[NNINIT_LAB_MAX_FIGURES];
    const nninit_allocator *alloc;
} nninit_lab_residual_result;

NNINIT_API nninit_lab_residual_opts nninit_lab_residual_defaults(void);
NNINIT_API int nninit_lab_residual(const nninit_lab_residual_opts *o,
                                   nninit_lab_residual_result *r,
                                   nninit_error *err);
NNINIT_API void nninit_lab_residual_free(nninit_lab_residual_result *r);

/* mup: learning-rate transfer (Yang et al. 2022). MLPs 784-W-...-W-10
 * (hidden_layers of width W, act) for each width, trained `steps` steps
 * of Adam (batch) on Fashion-MNIST at each learning rate of the grid, in
 * the standard parametrization (PyTorch's default init, one learning
 * rate) and in muP over a base of width base_width (nninit's mup scaling
 * on the same defaults, the readout's output times 1/width_mult, MuAdam's
 * learning rate / width_mult for the hidden matrices). Recorded: the
 * training loss (mean over the last `window` steps) for each learning
 * rate, the best one, and the centre of the good window (the learning
 * rates within 10% of the best loss, mean of their log2). */
typedef struct nninit_lab_mup_opts {
    nninit_lab_common c;
    int n_widths;
    int widths[8];
    int base_width, hidden_layers;
    nninit_activation act;
    int steps, batch, window, n_train;
    int n_lrs;
    double lrs[16]; /* increasing */
} nninit_lab_mup_opts;

typedef struct nninit_lab_mup_run {
    int mup;    /* 0: standard parametrization, 1: muP */
    int width;
    int n_lrs;
    double *lr, *loss; /* n_lrs each; a diverged run's loss is NAN */
    double best_lr;
    double window_centre; /* log2 of the learning rate */
} nninit_lab_mup_run;

typedef struct nninit_lab_mup_result {
    int n_runs; /* SP for every width, then muP */
    nninit_lab_mup_run runs[NNINIT_LAB_MAX_RUNS];
    int n_figures; /* loss by learning rate per width, SP and muP */
    nninit_lab_figure figures[NNINIT_LAB_MAX_FIGURES];
    const nninit_allocator *alloc;
} nninit_lab_mup_result;

NNINIT_API nninit_lab_mup_opts nninit_lab_mup_defaults(void);
NNINIT_API int nninit_lab_mup(const nninit_lab_mup_opts *o,
                              nninit_lab_mup_result *r, nninit_error *err);
NNINIT_API void nninit_lab_mup_free(nninit_lab_mup_result *r);

/* Any experiment's options and result, by the table: every options struct
 * starts with its nninit_lab_common, which `c` reads. */
typedef union nninit_lab_any_opts {
    nninit_lab_common c;
    nninit_lab_symmetry_opts symmetry;
    nninit_lab_signal_opts signal;
    nninit_lab_depth_opts depth;
    nninit_lab_selu_opts selu;
    nninit_lab_isometry_opts isometry;
    nninit_lab_deeplinear_opts deeplinear;
    nninit_lab_rnn_opts rnn;
    nninit_lab_train_opts train;
    nninit_lab_residual_opts residual;
    nninit_lab_mup_opts mup;
} nninit_lab_any_opts;

typedef union nninit_lab_any_result {
    nninit_lab_symmetry_result symmetry;
    nninit_lab_signal_result signal;
    nninit_lab_depth_result depth;
    nninit_lab_selu_result selu;
    nninit_lab_isometry_result isometry;
    nninit_lab_deeplinear_result deeplinear;
    nninit_lab_rnn_result rnn;
    nninit_lab_train_result train;
    nninit_lab_residual_result residual;
    nninit_lab_mup_result mup;
} nninit_lab_any_result;

/* The experiment's defaults (what `nninit lab NAME` runs). */
NNINIT_API nninit_lab_any_opts nninit_lab_defaults(nninit_lab_experiment e);
/* Run experiment e on o->`e`; r->`e` is filled (free with
 * nninit_lab_result_free, also after a failure). */
NNINIT_API int nninit_lab_run(nninit_lab_experiment e,
                              const nninit_lab_any_opts *o,
                              nninit_lab_any_result *r, nninit_error *err);
NNINIT_API void nninit_lab_result_free(nninit_lab_experiment e,
                                       nninit_lab_any_result *r);
/* The result's figures (NULL if none). */
NNINIT_API const nninit_lab_figure *nninit_lab_result_figures(
    nninit_lab_experiment e, const nninit_lab_any_result *r, int *count);

/* ------------------------------------------------------------------------ */
/* The tour: the claims the demo checks                                     */
/* ------------------------------------------------------------------------ */

/* The tour is one table of sections, each an experiment's settings run over
 * several seeds, and of the claims each section decides: the sentence, the
 * predicate and its thresholds, and the prose generated from the settings
 * it describes. `nninit demo` runs it all, `nninit lab NAME --claims` the
 * sections of one experiment, and the tests the quick scale. */
typedef enum nninit_lab_scale {
    NNINIT_LAB_FULL = 0,  /* the demo: every claim decided over its seeds */
    NNINIT_LAB_QUICK = 1, /* fewer seeds and smaller subsets, same verdicts
                             (the test suite checks this) */
    NNINIT_LAB_TINY = 2   /* smoke test: seconds under sanitizers; its
                             verdicts mean little */
} nninit_lab_scale;

NNINIT_API const char *nninit_lab_scale_name(nninit_lab_scale s);

#define NNINIT_LAB_MAX_SEEDS 16
#define NNINIT_LAB_MAX_CLAIMS 4

typedef struct nninit_lab_verdict {
    const char *id;        /* stable, for scripts: "rnn.recall" */
    char claim[200];       /* the sentence */
    char predicted[400];   /* what it predicts, with the thresholds */
    char measured[800];    /* what was measured, with the spread */
    char metric[96];       /* what per_seed holds */
    int n_seeds;
    double per_seed[NNINIT_LAB_MAX_SEEDS];
    int holds;
    char why[600];         /* if it does not hold: what the setup lacks */
} nninit_lab_verdict;

typedef struct nninit_lab_section {
    const char *id;                /* "rnn-memory" */
    nninit_lab_experiment exp;
    char title[160];
    char setup[1400];              /* the settings, in words */
    int n_seeds;
    uint64_t seeds[NNINIT_LAB_MAX_SEEDS];
    nninit_lab_any_opts opts;      /* the first seed's settings */
    /* The first seed's results, for tables, figures and JSON: one, or two
     * when the section compares two runs of its experiment (train: the
     * rule, then small weights; the second's figure series are merged into
     * the first's figures of the same name). */
    int n_results;
    char result_label[2][48];
    nninit_lab_any_result result[2];
    int n_claims;
    nninit_lab_verdict claims[NNINIT_LAB_MAX_CLAIMS];
} nninit_lab_section;

typedef struct nninit_lab_tour_opts {
    nninit_lab_common c;    /* c.seed: the first seed; then seed+1, ... */
    nninit_lab_scale scale;
} nninit_lab_tour_opts;

/* The number of sections, and which experiment section i runs. */
NNINIT_API int nninit_lab_tour_count(void);
NNINIT_API nninit_lab_experiment nninit_lab_tour_experiment(int i);
/* Run section i: its experiment over its seeds, then its claims. Free
 * with nninit_lab_section_free (also after a failure). */
NNINIT_API int nninit_lab_tour_run(int i, const nninit_lab_tour_opts *o,
                                   nninit_lab_section *s, nninit_error *err);
NNINIT_API void nninit_lab_section_free(nninit_lab_section *s);

/* Helpers the experiments use, public because tests and the CLI check them:
 * the std (population) of n values, and the number of distinct rows of a
 * rows x cols matrix (rows equal within tol count as one; -1 when out of
 * memory). */
NNINIT_API double nninit_lab_std(const nninit_lab_real *x, size_t n,
                                 double *mean);
NNINIT_API int nninit_lab_distinct_rows(const nninit_lab_real *m, int rows,
                                        int cols, double tol,
                                        const nninit_allocator *alloc);


#ifdef __cplusplus
}
#endif

#endif /* NNINIT_LAB_H */
