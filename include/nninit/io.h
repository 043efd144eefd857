/*
 * nninit/io.h: files (libnninit_io): model descriptions in YAML or JSON,
 * checkpoints read (safetensors, npz, gguf, sharded ones through their
 * index or first split: names, shapes, types; never
 * more than one tensor's bytes at a time), whole models written, and the
 * .npy header.
 *
 * Every output file that is a regular file (or a new name) is written
 * atomically: to a temporary file in the same directory, renamed over the
 * final name only when complete. An error, a full disk or a kill never
 * leaves a partial file under the output name and never damages an
 * existing one. A symlink is followed and the file it points at replaced
 * that way (the link stays). Character devices (/dev/null, a terminal) and
 * FIFOs (pipes, /dev/stdout) are written in place, without that guarantee;
 * directories, block devices and sockets are refused (NNINIT_EINVAL).
 *
 * Layouts written (little-endian throughout):
 *   safetensors  u64 N | N bytes of JSON header, space-padded to a multiple
 *                of 8: {"__metadata__": {...strings}, "name": {"dtype":
 *                "F32", "shape": [50, 10], "data_offsets": [b, e]}, ...} |
 *                tensors back to back, C order (huggingface/safetensors).
 *   npz          a zip archive (ZIP_STORED, zip64 where needed) of
 *                "<name>.npy" members, as numpy.savez writes.
 *   gguf v3      "GGUF" u32 3 | u64 n_tensors | u64 n_kv | key-values |
 *                tensor infos (name, n_dims, dims fastest-first, ggml type,
 *                offset) | zero padding to 32 | data, each tensor at the
 *                running sum of the previous sizes padded to 32 (ggml).
 *   sharded      (opts.max_shard_bytes) safetensors: "OUT-00001-of-0000N.
 *                safetensors", each a whole safetensors file, and
 *                "OUT.safetensors.index.json": {"metadata": {"total_size":
 *                tensor bytes}, "weight_map": {name: file}} (huggingface_hub);
 *                gguf: "OUT-00001-of-0000N.gguf" with split.no (u16),
 *                split.count (u16), split.tensors.count (i32), the model's
 *                key-values in the first split (llama.cpp gguf-split).
 *   .npy v1.0    "\x93NUMPY" 0x01 0x00 u16le HEADER_LEN header; the header
 *                "{'descr': '<f4', 'fortran_order': False, 'shape': (50,
 *                10), }" padded with spaces and a final '\n' so the data
 *                starts at a multiple of 64 bytes (numpy/lib/format.py).
 *
 * Quickstart (a model file to safetensors; errors elided):
 *     nninit_model *m;
 *     nninit_model_new(&m, NULL, &err);
 *     nninit_model_load("model.yaml", m, 0, &err);  // "model.yaml:3:7: ..."
 *     nninit_plan *plan;
 *     nninit_plan_opts po = nninit_plan_opts_default();
 *     po.seed = 42;
 *     nninit_plan_new(m, &po, &plan, &err);
 *     nninit_write_opts wo = nninit_write_opts_default();
 *     nninit_plan_write(plan, "model.safetensors", NNINIT_FORMAT_SAFETENSORS,
 *                       &wo, &err);
 *     nninit_plan_free(plan);
 *     nninit_model_free(m);
 *
 * The .npy header alone:
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

#include "model.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Atomic output files                                                      */
/* ------------------------------------------------------------------------ */

typedef struct nninit_ofile {
    FILE *fp;
    char *path;     /* the name given (owned; used in messages) */
    char *target;   /* what the rename replaces: the end of path's symlink
                       chain (owned) */
    char *tmp_path; /* temporary name in target's directory (owned) */
    uint64_t written;
    int failed;     /* a write failed: commit will refuse */
    int unnamed;    /* an O_TMPFILE: no name until commit */
    int through;    /* a character device or FIFO, written in place */
    const nninit_allocator *alloc; /* NULL: malloc */
    int joined;     /* another process's temporary file: commit only syncs */
} nninit_ofile;

/* Open the output `path`. A regular file or a new name (also through a
 * symlink): a temporary file next to the file, unnamed (O_TMPFILE) on
 * Linux until the commit, so even a SIGKILL leaves nothing behind;
 * elsewhere ".NAME.tmp-XXXXXX", which only a kill can leave. A character
 * device or FIFO: the target itself, opened for writing (a FIFO waits for
 * a reader). NNINIT_EINVAL naming it for a directory, block device or
 * socket; NNINIT_EIO (with the reason, e.g. "cannot create 'out/x.npy': No
 * such file or directory") when it cannot be opened. */
NNINIT_API int nninit_ofile_open(nninit_ofile *f, const char *path,
                                 nninit_error *err);
NNINIT_API int nninit_ofile_write(nninit_ofile *f, const void *data,
                                  size_t size, nninit_error *err);
/* Reserve `size` bytes of disk for the file (Linux fallocate), so a disk
 * that is too small (or a file-size limit) fails at once rather than after
 * writing gigabytes. NNINIT_EIO with "no space" if it cannot; a no-op where
 * unsupported and for devices and FIFOs. */
NNINIT_API int nninit_ofile_reserve(nninit_ofile *f, uint64_t size,
                                    nninit_error *err);
/* Current position, and moving it (writers that patch a header). */
NNINIT_API uint64_t nninit_ofile_tell(const nninit_ofile *f);
NNINIT_API int nninit_ofile_seek(nninit_ofile *f, uint64_t offset,
                                 nninit_error *err);
/* Flush, fsync and rename over the final name (devices and FIFOs: flush);
 * the file is closed either way (on failure the temporary file is
 * removed). */
NNINIT_API int nninit_ofile_commit(nninit_ofile *f, nninit_error *err);
/* Close and remove the temporary file; the final name is untouched (a
 * device or FIFO keeps what was written to it). */
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

/* ------------------------------------------------------------------------ */
/* Model descriptions (YAML or JSON, read with libyaml)                     */
/* ------------------------------------------------------------------------ */

/* Only `rules:`, `scaling:`, `base_shapes:` (and `name:`) may appear: a
 * rules file for checkpoints. */
#define NNINIT_LOAD_RULES_ONLY 1u

/* Read a model description into m (layers, rules, name, architecture,
 * scalings, base shapes):
 *
 *     name: CustomNN
 *     layers:
 *       - {name: fc1, type: linear, in: 10, out: 50, activation: relu}
 *       - {name: h, repeat: 2, layers: [{name: ln, type: layernorm, dim: 8}]}
 *     rules:
 *       - {match: "fc3.weight", init: xavier_normal, gain: 1.0}
 *
 * Places and schemes (nninit/model.h): a layer's `role:` (attn_out,
 * ffn_in, readout, ...) and `tie: LAYER`; a repeated block is a stack of
 * blocks (`stack: encoder|decoder` names it); `scaling:` a name,
 * {name: ..., option: value} or a list; `base_shapes: FILE` (relative to
 * the description) a description of the narrower base model or the mup
 * package's .bsh file.
 *
 * JSON is read too (it is YAML). Every error names the file, line and
 * column ("net.yaml:4:31: in must be a positive integer (got 0)"), also
 * stored in err->line and err->column. NNINIT_EIO if the file cannot be
 * read, NNINIT_EINVAL for a malformed or invalid description, and for one
 * past a budget (checked while parsing, before libyaml builds anything):
 * more than 64 MiB, a second YAML document, lists and mappings nested more
 * than 64 deep, an alias inside the node it names, aliases expanding to
 * more than 2^24 nodes, more than 1,000,000 layers or 100,000 rules. */
NNINIT_API int nninit_model_load(const char *path, nninit_model *m,
                                 unsigned flags, nninit_error *err);
/* The same from memory; `name` is used in messages. */
NNINIT_API int nninit_model_load_mem(const char *text, size_t len,
                                     const char *name, nninit_model *m,
                                     unsigned flags, nninit_error *err);

/* ------------------------------------------------------------------------ */
/* Model file formats                                                       */
/* ------------------------------------------------------------------------ */

typedef enum nninit_format {
    NNINIT_FORMAT_SAFETENSORS = 0,
    NNINIT_FORMAT_NPZ = 1,
    NNINIT_FORMAT_GGUF = 2
} nninit_format;

#define NNINIT_FORMAT_COUNT 3

/* One row of the table of model file formats (what --format, the help
 * text and the tests list). */
typedef struct nninit_format_info {
    const char *name;      /* "safetensors" */
    const char *extension; /* ".safetensors" */
    int shards;            /* 1 if it can be written in shards */
    const char *sharded;   /* the sharded layout's names, for help text */
    const char *about;     /* one line for help text */
} nninit_format_info;

/* Row fmt of the table; NULL past NNINIT_FORMAT_COUNT. */
NNINIT_API const nninit_format_info *nninit_format_get(nninit_format fmt);
/* From its name: "safetensors", "npz", "gguf". */
NNINIT_API int nninit_format_parse(const char *name, nninit_format *out,
                                   nninit_error *err);
/* From the file name's extension (.safetensors, .npz, .gguf). */
NNINIT_API int nninit_format_from_path(const char *path, nninit_format *out,
                                       nninit_error *err);
NNINIT_API const char *nninit_format_name(nninit_format fmt);

/* A size such as "5GB", "500MB", "5GiB", "1000" (bytes): decimal units
 * (kB, MB, GB, TB: powers of 1000, as huggingface_hub) and binary ones
 * (KiB, MiB, GiB, TiB); a decimal fraction is allowed ("1.5GB"). *out is
 * the bytes, at least 1. NNINIT_EINVAL naming the text otherwise. */
NNINIT_API int nninit_size_parse(const char *text, uint64_t *out,
                                 nninit_error *err);

/* ------------------------------------------------------------------------ */
/* Reading checkpoints                                                      */
/* ------------------------------------------------------------------------ */

typedef struct nninit_ckpt nninit_ckpt;

typedef struct nninit_ckpt_tensor {
    const char *name;
    nninit_shape shape;     /* row-major (GGUF's dims reversed) */
    nninit_etype type;      /* NNINIT_ET_OTHER for a quantized GGUF type */
    const char *type_name;  /* the file's spelling: "F32", "<f4", "Q4_0" */
    uint64_t nbytes;        /* bytes of its data */
} nninit_ckpt_tensor;

/* Open a checkpoint and validate its header completely: names, shapes,
 * types and data offsets. Every inconsistency is NNINIT_EFORMAT with one
 * line naming it: a header longer than the file, invalid JSON, an unknown
 * dtype, offsets that overlap, leave holes or run past the end, a size that
 * does not match the shape, a duplicate name, a truncated zip member or
 * .npy header, a GGUF string longer than the file, a size of more than
 * NNINIT_MAX_BYTES, more than NNINIT_MAX_TENSORS tensors. The format comes
 * from the file's first bytes. A path ending in ".safetensors.index.json"
 * opens the shards its weight_map names (next to it), a GGUF whose
 * split.count is above 1 (its first split) the other splits by name: one
 * handle over all the tensors, in shard order; a shard that is missing or
 * holds a tensor the index puts elsewhere, split keys that disagree, a
 * name in two shards are NNINIT_EFORMAT. NNINIT_EIO if it cannot be read. nninit's
 * own memory comes from alloc (NULL: malloc); the libraries it reads
 * through (jansson, libzip) use malloc. */
NNINIT_API int nninit_ckpt_open(const char *path,
                                const nninit_allocator *alloc,
                                nninit_ckpt **out, nninit_error *err);
/* The same over memory (tests, fuzzing); data must outlive the handle. */
NNINIT_API int nninit_ckpt_open_mem(const void *data, size_t size,
                                    const nninit_allocator *alloc,
                                    nninit_ckpt **out, nninit_error *err);
NNINIT_API void nninit_ckpt_close(nninit_ckpt *ck);

NNINIT_API nninit_format nninit_ckpt_format(const nninit_ckpt *ck);
NNINIT_API size_t nninit_ckpt_count(const nninit_ckpt *ck);
NNINIT_API const nninit_ckpt_tensor *nninit_ckpt_get(const nninit_ckpt *ck,
                                                     size_t i);
/* Bytes [offset, offset + n) of tensor i's data. npz members are read in
 * order: reading backwards reopens the member. */
NNINIT_API int nninit_ckpt_read(nninit_ckpt *ck, size_t i, uint64_t offset,
                                void *buf, size_t n, nninit_error *err);

/* Add every tensor to m as a bare tensor (the plan decides each scheme
 * from its name; non-float tensors are copied). GGUF's general.name and
 * general.architecture become the model's. */
NNINIT_API int nninit_ckpt_add_to_model(const nninit_ckpt *ck,
                                        nninit_model *m, nninit_error *err);

/* ------------------------------------------------------------------------ */
/* Writing models                                                           */
/* ------------------------------------------------------------------------ */

/* Called after each chunk; a non-zero return stops the write (the output
 * is not created; nninit_plan_write returns NNINIT_EIO, "interrupted"). */
typedef int (*nninit_progress_fn)(void *ud, uint64_t done, uint64_t total);

/* Several processes writing one output together (MPI ranks): every
 * process calls nninit_plan_write with the same plan, path and options and
 * its own rank. The callbacks are collective: every process calls them in
 * the same order. The library itself uses no MPI. */
typedef struct nninit_team {
    int rank, size;
    void *ud;
    /* Every process passes its status (0: fine); returns, on every
     * process, the lowest rank whose status was not 0, or -1. */
    int (*agree)(void *ud, int status);
    /* n bytes of rank 0's buf into every process's buf; 0 on success. */
    int (*bcast)(void *ud, void *buf, size_t n);
} nninit_team;

typedef struct nninit_write_opts {
    nninit_fill_opts fill;      /* threads, SIMD path, allocator */
    nninit_ckpt *source;        /* where copied tensors come from */
    nninit_progress_fn progress;
    void *progress_ud;
    size_t chunk_bytes;         /* memory per chunk; 0: 16 MiB */
    uint64_t max_shard_bytes;   /* 0: one file; else shards of at most this
                                   many tensor bytes (safetensors, gguf) */
    const nninit_team *team;    /* NULL: this process alone */
} nninit_write_opts;

NNINIT_API nninit_write_opts nninit_write_opts_default(void);

/* Write every tensor of the plan, in nninit_plan_order (in shards when
 * opts->max_shard_bytes is set: the files named above; every shard is
 * written and synced before any is renamed, the index last; a failure
 * removes what this call renamed), streaming chunk by
 * chunk (memory: one chunk, plus one orthogonal/sparse tensor while it is
 * written). The file records nninit's version, the bytes version
 * (NNINIT_BYTES_VERSION), the seed, preset, generator and each tensor's
 * scheme (safetensors __metadata__, GGUF keys nninit.*,
 * the npz archive comment); metadata of a checkpoint source is kept.
 * NNINIT_EINVAL before anything is written if the format cannot hold the
 * model (bf16 in npz; more than 4 dims, names of 64 bytes or more
 * or unsigned types in GGUF), NNINIT_EIO on write errors (disk full, ...);
 * either way the output name is untouched. */
/* With opts->team, every process of the team calls this alike and writes
 * its share (whole files, or byte ranges of each when there are fewer
 * files than processes); the bytes are those of one process. A failure in
 * any process fails the call in all of them (NNINIT_EIO "process R of N
 * failed" where another failed). NNINIT_EINVAL for --rng torch on more than
 * one process (one sequential generator). */
NNINIT_API int nninit_plan_write(const nninit_plan *p, const char *path,
                                 nninit_format fmt,
                                 const nninit_write_opts *opts,
                                 nninit_error *err);

#ifdef __cplusplus
}
#endif

#endif /* NNINIT_IO_H */
