/*
 * nninit/io.h: writing tensors to files (libnninit_io).
 *
 * Output files are written atomically: to a temporary file in the same
 * directory, renamed over the final name only when complete. An error, a full
 * disk or a kill never leaves a partial file under the output name and never
 * damages an existing one.
 *
 * NumPy .npy v1.0 (numpy/lib/format.py):
 *     "\x93NUMPY" 0x01 0x00  u16le HEADER_LEN  header
 *     header = "{'descr': '<f4', 'fortran_order': False, 'shape': (50, 10), }"
 *              padded with spaces and a final '\n' so that the data starts at
 *              a multiple of 64 bytes; then the data, C order, little-endian.
 *
 * Quickstart:
 *     nninit_ofile f;
 *     char hdr[256]; size_t n;
 *     nninit_npy_header(hdr, sizeof hdr, NNINIT_F32, &shape, &n, &err);
 *     if (nninit_ofile_open(&f, "w.npy", &err) == NNINIT_OK) {
 *         nninit_ofile_write(&f, hdr, n, &err);
 *         nninit_ofile_write(&f, data, bytes, &err);
 *         nninit_ofile_commit(&f, &err);          // or nninit_ofile_abort(&f)
 *     }
 */
#ifndef NNINIT_IO_H
#define NNINIT_IO_H

#include "init.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Atomic output files                                                      */
/* ------------------------------------------------------------------------ */

typedef struct nninit_ofile {
    FILE *fp;
    char *path;     /* final name (owned) */
    char *tmp_path; /* temporary name in the same directory (owned) */
    uint64_t written;
    int failed;     /* a write failed: commit will refuse */
} nninit_ofile;

/* Create a temporary file next to `path`. NNINIT_EIO (with the reason, e.g.
 * "cannot create 'out/x.npy': No such file or directory") on failure. */
NNINIT_API int nninit_ofile_open(nninit_ofile *f, const char *path,
                                 nninit_error *err);
NNINIT_API int nninit_ofile_write(nninit_ofile *f, const void *data,
                                  size_t size, nninit_error *err);
/* Flush, fsync and rename over the final name; the file is closed either way
 * (on failure the temporary file is removed). */
NNINIT_API int nninit_ofile_commit(nninit_ofile *f, nninit_error *err);
/* Close and remove the temporary file; the final name is untouched. */
NNINIT_API void nninit_ofile_abort(nninit_ofile *f);

/* ------------------------------------------------------------------------ */
/* NumPy .npy                                                               */
/* ------------------------------------------------------------------------ */

/* Write the magic, version and padded header for an array of dtype and shape
 * into buf; *len receives its size (a multiple of 64). NNINIT_EINVAL for
 * bf16 (NumPy has no bfloat16) or if buf is too small (512 bytes always
 * suffice). */
NNINIT_API int nninit_npy_header(char *buf, size_t size, nninit_dtype dtype,
                                 const nninit_shape *shape, size_t *len,
                                 nninit_error *err);

#ifdef __cplusplus
}
#endif

#endif /* NNINIT_IO_H */
