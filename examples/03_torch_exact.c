/*
 * 03_torch_exact.c: the same starting weights as this PyTorch script, bit
 * for bit (PyTorch 2.6 or 1.13 on an x86-64 CPU with AVX2):
 *
 *     import torch, torch.nn as nn
 *     torch.manual_seed(42)
 *     fc1, fc2, fc3 = nn.Linear(10, 50), nn.Linear(50, 30), nn.Linear(30, 1)
 *     nn.init.kaiming_uniform_(fc1.weight, nonlinearity='relu')
 *     nn.init.xavier_uniform_(fc2.weight)
 *     nn.init.xavier_uniform_(fc3.weight)
 *     print(fc1.weight[0, :3], fc2.weight[0, :3], fc3.weight[0, :3], fc3.bias)
 *
 * Usage: 03_torch_exact [SEED]
 */
#include <nninit.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct layer {
    const char *name;
    int in, out;
    float *weight, *bias;
} layer;

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? (uint64_t)strtoll(argv[1], NULL, 10) : 42;
    layer net[3] = {{"fc1", 10, 50, NULL, NULL},
                    {"fc2", 50, 30, NULL, NULL},
                    {"fc3", 30, 1, NULL, NULL}};
    nninit_torch_gen g; /* PyTorch's global generator, made explicit */
    nninit_torch_gen_init(&g, seed, NNINIT_TORCH_KERNEL_AVX2);
    nninit_error err;

    /* 1. Construction: each nn.Linear draws its weight, then its bias. */
    for (int i = 0; i < 3; i++) {
        nninit_torch_layer l = nninit_torch_layer_make(NNINIT_TORCH_LINEAR);
        l.in = net[i].in;
        l.out = net[i].out;
        net[i].weight = malloc(sizeof(float) * (size_t)(l.in * l.out));
        net[i].bias = malloc(sizeof(float) * (size_t)l.out);
        void *bufs[2] = {net[i].weight, net[i].bias};
        if (!net[i].weight || !net[i].bias ||
            nninit_torch_layer_init(&g, &l, NNINIT_F32, bufs, NULL, &err)) {
            fprintf(stderr, "%s: %s\n", net[i].name, err.msg);
            return 1;
        }
    }

    /* 2. The explicit nn.init calls, in the script's order. */
    for (int i = 0; i < 3; i++) {
        nninit_spec spec = nninit_spec_make(i == 0 ? NNINIT_KAIMING_UNIFORM
                                                   : NNINIT_XAVIER_UNIFORM);
        if (i == 0)
            spec.nonlinearity = NNINIT_NL_RELU;
        int64_t dims[2] = {net[i].out, net[i].in};
        nninit_shape shape;
        nninit_shape_make(&shape, 2, dims, NULL);
        if (nninit_torch_init(&g, &spec, &shape, NNINIT_F32, net[i].weight,
                              NULL, &err)) {
            fprintf(stderr, "%s.weight: %s\n", net[i].name, err.msg);
            return 1;
        }
    }

    for (int i = 0; i < 3; i++) {
        printf("%s.weight[0, :3] = [%.8f, %.8f, %.8f]  %s.bias[0] = %.8f\n",
               net[i].name, net[i].weight[0], net[i].weight[1],
               net[i].weight[2], net[i].name, net[i].bias[0]);
        free(net[i].weight);
        free(net[i].bias);
    }
    return 0;
}
