/* torch_kern_scalar.c: the portable copy of torch_kern_body.h. */
#define KERNELS nninit__torch_kernels_scalar
#include "torch_kern_body.h"
