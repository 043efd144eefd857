/*
 * torch_kern_avx2.c: torch_kern_body.h compiled with -mavx2 -mfma (and
 * -fno-math-errno so sqrtf vectorizes; it is exact either way). Only called
 * after a runtime CPU check. Same bits as the portable copy.
 */
#define KERNELS nninit__torch_kernels_avx2
#include "torch_kern_body.h"
