/* 05_lab_mlp.c: train a small MLP with the lab (libnninit_lab) on the
 * spirals task; the weights come from nninit's per-layer rule. */
#include <nninit/lab.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    nninit_lab_data d;
    nninit_error err;
    if (nninit_lab_spirals(512, 3, 0.05, 1, NULL, &d, &err)) { /* 3 classes, 2-D */
        fprintf(stderr, "nninit: %s\n", err.msg);
        return 1;
    }
    int sizes[] = {2, 32, 32, 3};
    nninit_activation acts[] = {NNINIT_ACT_TANH, NNINIT_ACT_TANH,
                                NNINIT_ACT_NONE};
    nninit_lab_mlp_desc desc = nninit_lab_mlp_desc_make(3, sizes, acts);
    desc.seed = 42;     /* fc1.weight from (42, "fc1.weight"), ... */
    desc.max_batch = 512;
    nninit_lab_mlp *net;
    if (nninit_lab_mlp_new(&desc, NULL, &net, &err)) {
        fprintf(stderr, "nninit: %s\n", err.msg);
        nninit_lab_data_free(&d);
        return 1;
    }
    nninit_lab_optim opt = nninit_lab_optim_make(NNINIT_LAB_ADAM, 0.01);
    nninit_lab_real *dlogits = malloc(512 * 3 * sizeof *dlogits);
    for (int step = 0; dlogits && step <= 300; step++) {
        nninit_lab_mlp_forward(net, d.x, d.n);          /* full batch */
        double loss = nninit_lab_softmax_xent(nninit_lab_mlp_output(net), d.y,
                                              d.n, 3, dlogits);
        if (step % 100 == 0)
            printf("step %3d  loss %.4f  accuracy %.3f\n", step, loss,
                   nninit_lab_count_correct(nninit_lab_mlp_output(net), d.y,
                                            d.n, 3) / (double)d.n);
        nninit_lab_mlp_backward(net, dlogits);
        int np;
        nninit_lab_param *p = nninit_lab_mlp_params(net, &np);
        nninit_lab_optim_step(&opt, p, np);
    }
    free(dlogits);
    nninit_lab_mlp_free(net);
    nninit_lab_data_free(&d);
    return 0;
}
