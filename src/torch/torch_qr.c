/*
 * torch_qr.c: the QR step of torch.nn.init.orthogonal_. PyTorch factorizes
 * its Gaussian matrix with LAPACK ?geqrf/?orgqr in the tensor's precision
 * and multiplies column j of Q by sign(R_jj). That product is the unique Q
 * of the factorization whose R has a positive diagonal, so any correct
 * Householder QR gives the same matrix up to rounding. This one is the
 * library's own code (the core stays libc + libm): the blocked LAPACK
 * algorithms ?geqrf (panels of NB columns, compact WY updates I - V T V^T,
 * Schreiber & Van Loan 1989) and ?orgqr, with the big products in the
 * twice-compiled kernel template (torch_kern_qr.h). Like PyTorch it works
 * in the tensor's precision: float for float32 (8 lanes per AVX2
 * instruction; max|Q^T Q - I| about 5e-7 at 1024 x 1024 and more, as
 * LAPACK's sgeqrf gives) and double for float64. Every sum has a fixed
 * order, so the bits depend neither on the CPU path nor on the number of
 * threads. torch_qr_body.h has the steps, instantiated here twice.
 */
#include "torch_internal.h"

#include <math.h>
#include <string.h>

#define REAL double
#define SFX d
#include "torch_qr_body.h"
#undef REAL
#undef SFX

#define REAL float
#define SFX f
#include "torch_qr_body.h"
#undef REAL
#undef SFX
