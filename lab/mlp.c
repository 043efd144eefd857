/*
 * mlp.c: a stack of Linear layers, each followed by an activation.
 *
 * Layer k: z_k = h_{k-1} W_k^T + b_k (W_k is (out, in), PyTorch's layout),
 * h_k = f_k(z_k). Forward keeps every z_k and h_k for backward; backward
 * skips the gradient with respect to the input (nobody needs it).
 */
#include "lab_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct nninit_lab_mlp {
    int n_layers;
    int *sizes;
    nninit_activation *acts;
    nninit_lab_init *winit, *binit;
    double slope;
    double out_mult;          /* the last layer's input multiplier */
    int max_batch, batch;
    const nninit_allocator *alloc;
    nninit_lab_param *params; /* 2 per layer: weight, bias */
    const real *x;            /* the last input (caller's memory) */
    real **z, **h, **dh;      /* per layer: max_batch x sizes[k+1] */
};

nninit_lab_mlp_desc nninit_lab_mlp_desc_make(int n_layers, const int *sizes,
                                             const nninit_activation *acts)
{
    nninit_lab_mlp_desc d;
    memset(&d, 0, sizeof d);
    d.n_layers = n_layers;
    d.sizes = sizes;
    d.acts = acts;
    d.slope = NAN;
    d.max_batch = 128;
    d.out_mult = 1;
    return d;
}

void nninit_lab_mlp_free(nninit_lab_mlp *net)
{
    if (!net)
        return;
    const nninit_allocator *a = net->alloc;
    for (int k = 0; k < net->n_layers; k++) {
        if (net->params) {
            nninit__lab_param_free(&net->params[2 * k], a);
            nninit__lab_param_free(&net->params[2 * k + 1], a);
        }
        if (net->z)
            nninit__free(a, net->z[k]);
        if (net->h)
            nninit__free(a, net->h[k]);
        if (net->dh)
            nninit__free(a, net->dh[k]);
    }
    nninit__free(a, net->params);
    nninit__free(a, net->z);
    nninit__free(a, net->h);
    nninit__free(a, net->dh);
    nninit__free(a, net->sizes);
    nninit__free(a, net->acts);
    nninit__free(a, net->winit);
    nninit__free(a, net->binit);
    nninit__free(a, net);
}

int nninit_lab_mlp_reinit(nninit_lab_mlp *net, uint64_t seed,
                          nninit_error *err)
{
    for (int k = 0; k < net->n_layers; k++) {
        nninit_lab_param *W = &net->params[2 * k], *B = &net->params[2 * k + 1];
        nninit_spec ws, bs;
        int rc = nninit_lab_init_resolve(&net->winit[k], NNINIT_ROLE_WEIGHT,
                                         net->acts[k], net->slope, &ws, err);
        if (!rc)
            rc = nninit_lab_init_resolve(&net->binit[k], NNINIT_ROLE_BIAS,
                                         NNINIT_ACT_NONE, NAN, &bs, err);
        if (!rc)
            rc = nninit__lab_fill(&ws, W->rows, W->cols, seed, W->name, W->w,
                                  net->alloc, err);
        /* a bias has no fans: fill it as a 1-D tensor, so fan-based specs
         * are refused with a clear message */
        if (!rc)
            rc = nninit__lab_fill(&bs, B->rows, 0, seed, B->name, B->w,
                                  net->alloc, err);
        if (rc)
            return rc;
        memset(W->m, 0, W->n * sizeof(real));
        memset(W->v, 0, W->n * sizeof(real));
        memset(B->m, 0, B->n * sizeof(real));
        memset(B->v, 0, B->n * sizeof(real));
    }
    return NNINIT_OK;
}

int nninit_lab_mlp_new(const nninit_lab_mlp_desc *d,
                       const nninit_allocator *alloc, nninit_lab_mlp **out,
                       nninit_error *err)
{
    *out = NULL;
    if (d->n_layers < 1 || d->n_layers > 10000 || !d->sizes || !d->acts)
        return nninit__fail(err, NNINIT_EINVAL,
                            "an MLP needs 1 to 10000 layers with sizes and "
                            "activations");
    if (d->max_batch < 1 || d->max_batch > (1 << 20))
        return nninit__fail(err, NNINIT_EINVAL,
                            "max_batch must be in [1, 2^20] (got %d)",
                            d->max_batch);
    for (int k = 0; k <= d->n_layers; k++)
        if (d->sizes[k] < 1 || d->sizes[k] > (1 << 20))
            return nninit__fail(err, NNINIT_EINVAL,
                                "layer width %d must be in [1, 2^20] (got %d)",
                                k, d->sizes[k]);
    for (int k = 0; k < d->n_layers; k++)
        if (!nninit_lab_act_supported(d->acts[k]))
            return nninit__fail(err, NNINIT_EINVAL,
                                "activation '%s' is not supported by the lab",
                                nninit_activation_name(d->acts[k]));
    const int L = d->n_layers;
    nninit_lab_mlp *net = (nninit_lab_mlp *)nninit__alloc(alloc, sizeof *net);
    if (!net)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    memset(net, 0, sizeof *net);
    net->alloc = alloc;
    net->n_layers = L;
    net->slope = isnan(d->slope) ? 0.01 : d->slope;
    if (!(d->out_mult > 0) || !isfinite(d->out_mult)) {
        nninit__free(alloc, net);
        return nninit__fail(err, NNINIT_EINVAL,
                            "out_mult must be finite and > 0 (got %g)",
                            d->out_mult);
    }
    net->out_mult = d->out_mult;
    net->max_batch = d->max_batch;
    net->sizes = (int *)nninit__alloc(alloc, (size_t)(L + 1) * sizeof(int));
    net->acts = (nninit_activation *)nninit__alloc(
        alloc, (size_t)L * sizeof(nninit_activation));
    net->winit = (nninit_lab_init *)nninit__alloc(
        alloc, (size_t)L * sizeof(nninit_lab_init));
    net->binit = (nninit_lab_init *)nninit__alloc(
        alloc, (size_t)L * sizeof(nninit_lab_init));
    net->params = (nninit_lab_param *)nninit__alloc(
        alloc, (size_t)2 * L * sizeof(nninit_lab_param));
    net->z = (real **)nninit__alloc(alloc, (size_t)L * sizeof(real *));
    net->h = (real **)nninit__alloc(alloc, (size_t)L * sizeof(real *));
    net->dh = (real **)nninit__alloc(alloc, (size_t)L * sizeof(real *));
    if (!net->sizes || !net->acts || !net->winit || !net->binit ||
        !net->params || !net->z || !net->h || !net->dh) {
        nninit__free(alloc, net->params);
        net->params = NULL;
        nninit__free(alloc, net->z);
        nninit__free(alloc, net->h);
        nninit__free(alloc, net->dh);
        net->z = net->h = net->dh = NULL;
        net->n_layers = 0;
        nninit_lab_mlp_free(net);
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    }
    memset(net->params, 0, (size_t)2 * L * sizeof(nninit_lab_param));
    memset(net->z, 0, (size_t)L * sizeof(real *));
    memset(net->h, 0, (size_t)L * sizeof(real *));
    memset(net->dh, 0, (size_t)L * sizeof(real *));
    memcpy(net->sizes, d->sizes, (size_t)(L + 1) * sizeof(int));
    memcpy(net->acts, d->acts, (size_t)L * sizeof(nninit_activation));
    for (int k = 0; k < L; k++) {
        net->winit[k] = d->weight_init ? d->weight_init[k] : nninit_lab_init_rule();
        net->binit[k] = d->bias_init ? d->bias_init[k] : nninit_lab_init_rule();
    }
    for (int k = 0; k < L; k++) {
        char name[40];
        int rc;
        snprintf(name, sizeof name, "fc%d.weight", k + 1);
        rc = nninit__lab_param_alloc(&net->params[2 * k], name, d->sizes[k + 1],
                                     d->sizes[k], alloc);
        snprintf(name, sizeof name, "fc%d.bias", k + 1);
        if (!rc)
            rc = nninit__lab_param_alloc(&net->params[2 * k + 1], name,
                                         d->sizes[k + 1], 1, alloc);
        size_t n = (size_t)d->max_batch * (size_t)d->sizes[k + 1];
        net->z[k] = nninit__lab_zalloc(alloc, n);
        net->h[k] = nninit__lab_zalloc(alloc, n);
        net->dh[k] = nninit__lab_zalloc(alloc, n);
        if (rc || !net->z[k] || !net->h[k] || !net->dh[k]) {
            nninit_lab_mlp_free(net);
            return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        }
    }
    int rc = nninit_lab_mlp_reinit(net, d->seed, err);
    if (rc) {
        nninit_lab_mlp_free(net);
        return rc;
    }
    *out = net;
    return NNINIT_OK;
}

int nninit_lab_mlp_forward(nninit_lab_mlp *net, const real *x, int batch)
{
    if (batch < 1 || batch > net->max_batch)
        return NNINIT_EINVAL;
    net->x = x;
    net->batch = batch;
    const real *in = x;
    for (int k = 0; k < net->n_layers; k++) {
        const int ni = net->sizes[k], no = net->sizes[k + 1];
        const real *W = net->params[2 * k].w, *b = net->params[2 * k + 1].w;
        real *z = net->z[k];
        /* z starts as the bias in every row, then gemm adds x W^T (times
         * the readout's multiplier on the last layer) */
        const real m = k == net->n_layers - 1 ? (real)net->out_mult : 1;
        for (int r = 0; r < batch; r++)
            memcpy(z + (size_t)r * no, b, (size_t)no * sizeof(real));
        lab_gemm(0, 1, batch, no, ni, m, in, ni, W, ni, 1, z, no);
        if (net->acts[k] == NNINIT_ACT_NONE) {
            memcpy(net->h[k], z, (size_t)batch * no * sizeof(real));
        } else {
            nninit_lab_act_forward(net->acts[k], net->slope, z, net->h[k],
                                   (size_t)batch * no);
        }
        in = net->h[k];
    }
    return NNINIT_OK;
}

const real *nninit_lab_mlp_output(const nninit_lab_mlp *net)
{
    return net->h[net->n_layers - 1];
}

const real *nninit_lab_mlp_layer_output(const nninit_lab_mlp *net, int k)
{
    return (k >= 0 && k < net->n_layers) ? net->h[k] : NULL;
}

const real *nninit_lab_mlp_layer_grad(const nninit_lab_mlp *net, int k)
{
    return (k >= 0 && k < net->n_layers) ? net->dh[k] : NULL;
}

int nninit_lab_mlp_batch(const nninit_lab_mlp *net) { return net->batch; }

nninit_lab_param *nninit_lab_mlp_params(nninit_lab_mlp *net, int *count)
{
    if (count)
        *count = 2 * net->n_layers;
    return net->params;
}

void nninit_lab_mlp_backward(nninit_lab_mlp *net, const real *dout)
{
    const int B = net->batch, L = net->n_layers;
    memcpy(net->dh[L - 1], dout,
           (size_t)B * net->sizes[L] * sizeof(real));
    for (int k = L - 1; k >= 0; k--) {
        const int ni = net->sizes[k], no = net->sizes[k + 1];
        real *dz = net->dh[k]; /* dh becomes dz in place */
        nninit_lab_act_backward(net->acts[k], net->slope, net->z[k], net->h[k],
                                dz, dz, (size_t)B * no);
        const real *in = k ? net->h[k - 1] : net->x;
        nninit_lab_param *W = &net->params[2 * k], *b = &net->params[2 * k + 1];
        const real m = k == L - 1 ? (real)net->out_mult : 1;
        lab_gemm(1, 0, no, ni, B, m, dz, no, in, ni, 0, W->g, ni);
        memset(b->g, 0, (size_t)no * sizeof(real));
        for (int r = 0; r < B; r++) {
            const real *row = dz + (size_t)r * no;
            for (int j = 0; j < no; j++)
                b->g[j] += row[j];
        }
        if (k)
            lab_gemm(0, 0, B, ni, no, m, dz, no, W->w, ni, 0, net->dh[k - 1],
                     ni);
    }
}

int nninit_lab_mlp_lsuv(nninit_lab_mlp *net, const real *x, int batch,
                        double tol, int max_tries, int *tries,
                        nninit_error *err)
{
    if (batch < 2 || batch > net->max_batch)
        return nninit__fail(err, NNINIT_EINVAL,
                            "lsuv: batch must be in [2, %d] (got %d)",
                            net->max_batch, batch);
    if (!(tol > 0) || max_tries < 1)
        return nninit__fail(err, NNINIT_EINVAL,
                            "lsuv: tol must be > 0 and max_tries >= 1");
    for (int k = 0; k < net->n_layers; k++) {
        nninit_lab_param *W = &net->params[2 * k];
        const size_t n = (size_t)batch * (size_t)net->sizes[k + 1];
        int t = 0;
        for (;; t++) {
            /* the earlier layers are final: one forward gives z_k */
            nninit_lab_mlp_forward(net, x, batch);
            double var = nninit_lab_std(net->z[k], n, NULL);
            var *= var;
            if (fabs(var - 1) < tol || t == max_tries)
                break;
            if (!(var > 0) || !isfinite(var))
                return nninit__fail(err, NNINIT_EINVAL,
                                    "lsuv: layer %d's output has variance "
                                    "%g: nothing to rescale", k + 1, var);
            const real f = (real)(1 / sqrt(var));
            for (size_t i = 0; i < W->n; i++)
                W->w[i] *= f;
        }
        if (tries)
            tries[k] = t;
    }
    return NNINIT_OK;
}
