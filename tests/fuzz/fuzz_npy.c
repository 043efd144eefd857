/*
 * fuzz_npy.c: libFuzzer target for the .npy reader (the header of every
 * npz member). Whatever the input, parsing must end in a status; an
 * accepted file must be self-consistent (its data is exactly the rest of
 * the file), and the header nninit writes for the same type and shape must
 * read back as that type and shape.
 *
 *   build-fuzz/tests/fuzz/fuzz_npy tests/fuzz/corpus/npy -max_total_time=600
 */
#include "io/io_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nninit_etype type, type2;
    char descr[16], descr2[16];
    nninit_shape shape, shape2;
    uint64_t off, nbytes;
    if (nninit__npy_parse(data, size, &type, descr, sizeof descr, &shape, &off,
                          &nbytes, NULL) != NNINIT_OK)
        return 0;
    if (off > size || size - off != nbytes)
        abort();
    char hdr[512];
    size_t hl, pre;
    uint64_t dl;
    if (nninit__npy_header_etype(hdr, sizeof hdr, type, &shape, &hl, NULL) !=
        NNINIT_OK)
        abort(); /* every type the reader accepts can be written */
    if (hl % 64 || nninit__npy_preamble((const unsigned char *)hdr, hl, &pre,
                                        &dl, NULL) != NNINIT_OK ||
        pre + dl != hl ||
        nninit__npy_parse_dict(hdr + pre, (size_t)dl, &type2, descr2,
                               sizeof descr2, &shape2, NULL) != NNINIT_OK)
        abort();
    if (type2 != type || shape2.ndim != shape.ndim ||
        memcmp(shape2.dim, shape.dim, sizeof shape.dim) != 0)
        abort();
    return 0;
}
