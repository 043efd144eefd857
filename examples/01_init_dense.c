/* 01_init_dense.c: He-initialize the weight of Linear(10 -> 50) + ReLU. */
#include <nninit.h>
#include <stdio.h>

int main(void)
{
    nninit_shape shape;                              /* PyTorch layout: (out, in) */
    nninit_shape_parse("50,10", &shape, NULL);
    nninit_spec spec = nninit_spec_make(NNINIT_KAIMING_UNIFORM);
    spec.nonlinearity = NNINIT_NL_RELU;              /* gain sqrt(2), fan_in */
    nninit_fill_opts opts = nninit_fill_opts_default();
    opts.seed = 42;                                  /* explicit state, no globals */
    opts.stream = nninit_stream_from_name("fc1.weight");
    float w[500];
    nninit_error err;
    if (nninit_init(&spec, &shape, NNINIT_LAYOUT_TORCH, NNINIT_F32, w, 0, 500,
                    &opts, &err) != NNINIT_OK) {
        fprintf(stderr, "nninit: %s\n", err.msg);
        return 1;
    }
    printf("w[0] = %.6f, w[499] = %.6f\n", w[0], w[499]);
    return 0;
}
