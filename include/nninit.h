/*
 * nninit.h: neural-network weight initialization, done right, in C11.
 *
 * The umbrella header of the core library (libnninit: libc and libm only).
 *
 *   nninit/common.h  status codes, errors, allocator, dtypes
 *   nninit/rng.h     Philox4x32-10, the counter-based generator
 *   nninit/sample.h  bulk fills: uniform, normal, truncated normal
 *   nninit/init.h    shapes, fans, gains, initializers, the per-layer rule
 *   nninit/torch.h   torch-exact mode: PyTorch's generator, nn.init, modules
 *
 * Quickstart: the weights of Linear(10 -> 50) followed by ReLU.
 *
 *     #include <nninit.h>
 *     #include <stdio.h>
 *
 *     int main(void) {
 *         nninit_advice adv;                       // He for ReLU
 *         nninit_recommend(NNINIT_ROLE_WEIGHT, NNINIT_ACT_RELU, NAN, &adv, NULL);
 *         nninit_shape shape;
 *         nninit_shape_parse("50,10", &shape, NULL);
 *         float w[500];
 *         nninit_fill_opts opts = nninit_fill_opts_default();
 *         opts.seed = 42;
 *         opts.stream = nninit_stream_from_name("fc1.weight");
 *         nninit_error err;
 *         int rc = nninit_init(&adv.spec, &shape, NNINIT_LAYOUT_TORCH,
 *                              NNINIT_F32, w, 0, 500, &opts, &err);
 *         if (rc != NNINIT_OK) { fprintf(stderr, "%s\n", err.msg); return 1; }
 *         printf("%s: w[0] = %g\n", nninit_kind_name(adv.spec.kind), w[0]);
 *         return 0;
 *     }
 */
#ifndef NNINIT_H
#define NNINIT_H

#include "nninit/common.h"
#include "nninit/init.h"
#include "nninit/rng.h"
#include "nninit/sample.h"
#include "nninit/torch.h"

#endif /* NNINIT_H */
