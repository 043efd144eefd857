/*
 * io_internal.h: what the io layer's files share (not installed).
 */
#ifndef NNINIT_IO_INTERNAL_H
#define NNINIT_IO_INTERNAL_H

#include "../model/model_internal.h"
#include "nninit/io.h"

#include <zip.h>

/* nninit_ofile_open with an allocator for its names. */
int nninit__ofile_open(nninit_ofile *f, const char *path,
                       const nninit_allocator *alloc, nninit_error *err);
/* 1 if the output can seek (a regular file, /dev/null; not a pipe). */
int nninit__ofile_seekable(const nninit_ofile *f);

/* Read a whole file of at most `max` bytes (NUL-terminated copy in *out,
 * freed through alloc). NNINIT_EIO if it cannot be read, NNINIT_EINVAL if larger. */
int nninit__read_small_file(const char *path, size_t max,
                            const nninit_allocator *alloc, char **out,
                            size_t *len, nninit_error *err);

/* GGUF value types and ggml tensor types. */
enum {
    GGUF_U8 = 0,
    GGUF_I8 = 1,
    GGUF_U16 = 2,
    GGUF_I16 = 3,
    GGUF_U32 = 4,
    GGUF_I32 = 5,
    GGUF_F32 = 6,
    GGUF_BOOL = 7,
    GGUF_STRING = 8,
    GGUF_ARRAY = 9,
    GGUF_U64 = 10,
    GGUF_I64 = 11,
    GGUF_F64 = 12,
    GGUF_TYPE_COUNT = 13
};

/* ggml type id of an element type; -1 if GGUF has none. */
int nninit__ggml_type(nninit_etype t);

typedef struct nninit__ck_tensor {
    nninit_ckpt_tensor pub;
    char *name;
    char type_name[24];
    uint64_t offset; /* safetensors, gguf: absolute offset of the data;
                        npz: offset of the data inside its member */
    zip_int64_t zindex; /* npz member */
} nninit__ck_tensor;

typedef struct nninit__ck_kv {
    char *key;
    uint64_t begin, end; /* the whole key-value record in the file */
} nninit__ck_kv;

struct nninit_ckpt {
    const nninit_allocator *alloc; /* NULL: malloc */
    nninit_format fmt;
    int fd;                   /* file input, or -1 */
    const unsigned char *mem; /* memory input */
    uint64_t size;
    char *path;
    nninit__ck_tensor *t;
    size_t n, cap;
    /* safetensors __metadata__ */
    char **meta_key, **meta_val;
    size_t nmeta;
    /* gguf key-values (copied to a gguf output) */
    nninit__ck_kv *kv;
    size_t nkv;
    char *gguf_name, *gguf_arch;
    /* npz */
    zip_t *za;
    zip_file_t *zf;
    size_t zf_tensor;
    uint64_t zf_pos; /* bytes of the member read so far */
};

/* Bytes [off, off + n) of the checkpoint's file or memory. */
int nninit__ck_read_at(nninit_ckpt *ck, uint64_t off, void *buf, size_t n,
                       nninit_error *err);

/* Format-specific openers; ck->fd/mem/size/path are set. */
int nninit__safetensors_open(nninit_ckpt *ck, nninit_error *err);
int nninit__gguf_open(nninit_ckpt *ck, nninit_error *err);
int nninit__npz_open(nninit_ckpt *ck, nninit_error *err);
int nninit__npz_read(nninit_ckpt *ck, size_t i, uint64_t off, void *buf,
                     size_t n, nninit_error *err);
void nninit__npz_close(nninit_ckpt *ck);

/* Room for n tensor records (the count a header announces):
 * NNINIT_EFORMAT past NNINIT_MAX_TENSORS. */
int nninit__ck_reserve(nninit_ckpt *ck, uint64_t n, nninit_error *err);
/* Append a tensor record (name copied). */
int nninit__ck_push(nninit_ckpt *ck, const char *name, size_t name_len,
                    nninit__ck_tensor **out, nninit_error *err);

/* t->pub.nbytes from its shape: elements / block * block_bytes (block 1:
 * the element type's size). NNINIT_EFORMAT naming the tensor if that is
 * more than NNINIT_MAX_BYTES. */
int nninit__ck_set_bytes(nninit_ckpt *ck, nninit__ck_tensor *t,
                         unsigned block, unsigned block_bytes,
                         nninit_error *err);

#define NNINIT__NPY_MAX_HEADER (1u << 20)

/* The preamble of a .npy file in b[0..n) (n >= 10; 12 for versions 2 and
 * 3): its length (*pre) and the header dict's (*dict, at most
 * NNINIT__NPY_MAX_HEADER). */
int nninit__npy_preamble(const unsigned char *b, size_t n, size_t *pre,
                         uint64_t *dict, nninit_error *err);

/* A whole .npy file in memory: its type, the type's spelling, shape, where
 * the data starts and how many bytes it has (which must be the rest of the
 * file). NNINIT_EFORMAT naming what is wrong. */
int nninit__npy_parse(const void *data, size_t size, nninit_etype *type,
                      char *descr, size_t dn, nninit_shape *shape,
                      uint64_t *data_off, uint64_t *nbytes,
                      nninit_error *err);

/* Parse a .npy header dict ("{'descr': '<f4', 'fortran_order': False,
 * 'shape': (50, 10), }"): type, its spelling and shape. */
int nninit__npy_parse_dict(const char *text, size_t len, nninit_etype *type,
                           char *descr, size_t dn, nninit_shape *shape,
                           nninit_error *err);

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */
/* ------------------------------------------------------------------------ */

/* Streams the plan's tensors chunk by chunk into a sink; shared by the
 * three writers. */
typedef struct nninit__stream {
    const nninit_plan *p;
    const nninit_write_opts *o;
    nninit_producer *pr;
    void *buf;
    size_t buf_bytes;
    uint64_t done, total;
    nninit_error *err;
    const void *owner; /* npz: the member whose bytes are in buf */
    int failed;        /* a chunk failed (this status): err holds why */
    void *buf2;        /* the second buffer of the write-behind pipeline */
} nninit__stream;

int nninit__stream_init(nninit__stream *s, const nninit_plan *p,
                        const nninit_write_opts *o, nninit_error *err);
void nninit__stream_free(nninit__stream *s);
/* Bytes [off, off + n) of entry i (n <= s->buf_bytes), in s->buf. Reports
 * progress; NNINIT_EIO "interrupted" if the callback asks to stop. */
int nninit__stream_chunk(nninit__stream *s, size_t i, uint64_t off, size_t n);
/* The same into dst (buf_bytes long). */
int nninit__stream_chunk_into(nninit__stream *s, size_t i, uint64_t off,
                              size_t n, void *dst);

int nninit__npz_write(const nninit_plan *p, nninit_ofile *f,
                      nninit__stream *s, nninit_error *err);

/* The metadata every writer records: (key, value) strings, in order. */
typedef struct nninit__meta {
    const char *key, *val;
} nninit__meta;

#define NNINIT__META_MAX 8

/* The .npy header of any element type (not bf16 or quantized types). */
int nninit__npy_header_etype(char *buf, size_t size, nninit_etype type,
                             const nninit_shape *shape, size_t *len,
                             nninit_error *err);

/* The plan's record (version, preset, generator, seed, model name) into m
 * (NNINIT__META_MAX long); values point into the plan, its model and
 * seed. Returns the count. */
size_t nninit__plan_meta(const nninit_plan *p, nninit__meta *m, char seed[32]);
/* The pairs, then p's notes, as one JSON object (NUL-terminated, through
 * alloc; NULL if out of memory or not UTF-8). */
char *nninit__meta_json(const nninit__meta *m, size_t n, const nninit_plan *p,
                        const nninit_allocator *alloc);

#endif /* NNINIT_IO_INTERNAL_H */
