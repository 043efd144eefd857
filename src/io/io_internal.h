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
    uint32_t part;      /* a sharded checkpoint: the shard it is in */
    size_t part_index;  /* ... and its index there */
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
    uint32_t split[3];  /* gguf split.no, split.count, split.tensors.count */
    unsigned split_set; /* which of them the file has (bits) */
    /* npz */
    zip_t *za;
    zip_file_t *zf;
    size_t zf_tensor;
    uint64_t zf_pos; /* bytes of the member read so far */
    /* a sharded checkpoint (a safetensors index, a split GGUF): the
     * shards, each an open checkpoint; tensors read through them */
    nninit_ckpt **part;
    size_t nparts;
};

/* Bytes [off, off + n) of the checkpoint's file or memory. */
int nninit__ck_read_at(nninit_ckpt *ck, uint64_t off, void *buf, size_t n,
                       nninit_error *err);

/* Format-specific openers (the format table's readers); ck->fd/mem/size/
 * path are set. */
int nninit__safetensors_open(nninit_ckpt *ck, nninit_error *err);
int nninit__gguf_open(nninit_ckpt *ck, nninit_error *err);
int nninit__npz_open(nninit_ckpt *ck, nninit_error *err);
int nninit__npz_read(nninit_ckpt *ck, size_t i, uint64_t off, void *buf,
                     size_t n, nninit_error *err);
void nninit__npz_close(nninit_ckpt *ck);

/* A new, empty checkpoint handle named `path` (NULL if out of memory). */
nninit_ckpt *nninit__ck_new(const char *path, const nninit_allocator *a);
/* Open a file for reading (its size known, nothing parsed). */
int nninit__ck_open_fd(const char *path, const nninit_allocator *alloc,
                       nninit_ckpt **out, nninit_error *err);
/* Open a file of a known format as one checkpoint (no shards followed). */
int nninit__ck_open_as(const char *path, const nninit_allocator *alloc,
                       nninit_format fmt,
                       int (*open_fmt)(nninit_ckpt *, nninit_error *),
                       nninit_ckpt **out, nninit_error *err);
/* Add the shard `part` (opened; owned by ck from now on, also on
 * failure) to a sharded checkpoint: its tensors become ck's. */
int nninit__ck_add_part(nninit_ckpt *ck, nninit_ckpt *part,
                        nninit_error *err);
/* Names unique across the handle. */
int nninit__ck_check_unique(nninit_ckpt *ck, nninit_error *err);
/* A sharded checkpoint from a safetensors index (.safetensors.index.json). */
int nninit__safetensors_open_index(nninit_ckpt *ck, nninit_error *err);
/* The other splits of a split GGUF whose first split ck is. */
int nninit__gguf_open_splits(nninit_ckpt *ck, nninit_error *err);

/* Data ranges of tensors, sorted by where they begin (overlap checks). */
typedef struct nninit__range {
    uint64_t b, e;
    size_t t;
} nninit__range;
void nninit__range_sort(nninit__range *r, size_t n);

/* Set a tensor's shape with the overflow checks. */
int nninit__ck_set_shape(nninit_ckpt *ck, nninit__ck_tensor *t, int nd,
                         const int64_t *dims, nninit_error *err);

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
 * writers. */
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

/* A growable byte buffer (headers, the index); after a failed allocation
 * it only records the failure (oom). */
typedef struct nninit__gbuf {
    unsigned char *b;
    size_t n, cap;
    int oom;
    const nninit_allocator *a;
} nninit__gbuf;

void nninit__gput(nninit__gbuf *g, const void *d, size_t n);
void nninit__gtext(nninit__gbuf *g, const char *s);
void nninit__gu32(nninit__gbuf *g, uint32_t v); /* little-endian */
void nninit__gu64(nninit__gbuf *g, uint64_t v);
void nninit__gfree(nninit__gbuf *g);
/* s as a JSON string (jansson's escaping); -1 if s is not UTF-8. */
int nninit__gjson_str(nninit__gbuf *g, const char *s);
/* "key":"value", after a comma unless first. */
int nninit__gjson_pair(nninit__gbuf *g, const char *key, const char *val,
                       int first);

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
/* The plan's notes, what its schemes need beyond the weights (DeepNet's
 * alpha, muP's multipliers, ties), as "nninit.KEY" pairs after others;
 * nonzero if one is not UTF-8. */
int nninit__gjson_notes(nninit__gbuf *g, const nninit_plan *p);

/* ------------------------------------------------------------------------ */
/* Layouts: what a write makes, file by file                                */
/* ------------------------------------------------------------------------ */

/* A format's writer describes its output as a layout: the files, each
 * with its header bytes and where each tensor's bytes go; one streaming
 * writer (writer.c) then makes them. Sharding is a layout of several
 * files; several processes are several writers of one layout, each making
 * its own files or byte ranges. */
typedef struct nninit__lay_tensor {
    size_t entry;    /* plan entry */
    uint64_t offset; /* where its bytes begin in its file */
    uint32_t pad;    /* zero bytes after them */
} nninit__lay_tensor;

typedef struct nninit__lay_file {
    char *path;          /* the final name (owned) */
    nninit__gbuf head;   /* the header: these bytes, */
    uint64_t src_bytes;  /* then this many of the source's (copy_src), */
    nninit__gbuf tail;   /* then these */
    size_t first, count; /* its tensors, t[first .. first + count) */
    uint64_t size;       /* the whole file */
} nninit__lay_file;

typedef struct nninit__layout {
    const nninit_plan *p;
    const nninit_write_opts *o;
    const nninit_allocator *a;
    nninit__lay_file *f;
    size_t nf;
    nninit__lay_tensor *t; /* every tensor, file by file */
    size_t nt;
    /* the source's bytes a header copies (GGUF's key-values) */
    int (*copy_src)(const struct nninit__layout *L, nninit_ofile *out,
                    void *buf, size_t n, nninit_error *err);
    char *index_path;     /* written last, when every file is complete */
    nninit__gbuf index;   /* (index_path NULL: none) */
} nninit__layout;

/* The plan's tensors in shards of at most max_bytes (0: one file), in
 * plan order: file g holds the plan-order positions pos[start[g] ..
 * start[g + 1]) (the last up to the plan's size); *ng files. align 0:
 * as huggingface_hub packs them (a tensor larger than max_bytes becomes a
 * shard of its own at once, the others keep filling the current shard;
 * tensor bytes only); align > 0: as llama.cpp's gguf-split (each tensor
 * counted padded to align; one larger than max_bytes ends the current
 * split and is alone). Through L->a. */
int nninit__layout_groups(const nninit__layout *L, uint64_t max_bytes,
                          unsigned align, size_t **pos, size_t **start,
                          size_t *ng, nninit_error *err);
/* Room for nf files and nt tensors (zeroed). */
int nninit__layout_alloc(nninit__layout *L, size_t nf, size_t nt,
                         nninit_error *err);
/* A shard's name: "OUT.ext" -> "OUT-00001-of-00005.ext" (k from 0). */
char *nninit__shard_name(const nninit_allocator *a, const char *path,
                         const char *ext, size_t k, size_t n);
void nninit__layout_free(nninit__layout *L);

/* One row of THE table of model file formats. */
typedef struct nninit__format_row {
    nninit_format_info pub;
    /* 1 if the first bytes (n of them, of a file of `size`) are this
     * format's */
    int (*sniff)(const unsigned char *b, size_t n, uint64_t size);
    int (*open)(nninit_ckpt *ck, nninit_error *err);
    /* the layout of a plan written to path (or NULL, and write_whole) */
    int (*layout)(nninit__layout *L, const char *path, uint64_t max_shard,
                  nninit_error *err);
    int (*write_whole)(const nninit_plan *p, nninit_ofile *f,
                       nninit__stream *s, nninit_error *err);
} nninit__format_row;

extern const nninit__format_row nninit__formats[NNINIT_FORMAT_COUNT];

/* Make the layout's files (this process's share of them), then the index:
 * every file complete under its temporary name first, then all renamed,
 * then the index; on any failure (of any process) nothing this run made
 * is left under an output name. */
int nninit__layout_write(nninit__layout *L, nninit_error *err);
/* A format that writes itself (npz) into one atomic file (rank 0 of a
 * team writes it). */
int nninit__write_whole(const nninit_plan *p, const char *path,
                        const nninit_write_opts *o,
                        int (*write)(const nninit_plan *, nninit_ofile *,
                                     nninit__stream *, nninit_error *),
                        nninit_error *err);
/* A failure before the team's first collective step: reported to the
 * others (their write fails too); returns rc. */
int nninit__team_fail(const nninit_team *team, int rc, nninit_error *err);

int nninit__safetensors_layout(nninit__layout *L, const char *path,
                               uint64_t max_shard, nninit_error *err);
int nninit__gguf_layout(nninit__layout *L, const char *path,
                        uint64_t max_shard, nninit_error *err);
int nninit__npz_write(const nninit_plan *p, nninit_ofile *f,
                      nninit__stream *s, nninit_error *err);
int nninit__safetensors_sniff(const unsigned char *b, size_t n,
                              uint64_t size);
int nninit__gguf_sniff(const unsigned char *b, size_t n, uint64_t size);
int nninit__npz_sniff(const unsigned char *b, size_t n, uint64_t size);

/* ------------------------------------------------------------------------ */
/* Output files shared by several processes                                 */
/* ------------------------------------------------------------------------ */

/* Open path's temporary file with a name (never O_TMPFILE), so other
 * processes can join it: f->tmp_path. Refused for devices and FIFOs. */
int nninit__ofile_open_named(nninit_ofile *f, const char *path,
                             const nninit_allocator *alloc,
                             nninit_error *err);
/* Join the temporary file another process opened (tmp_path): writes go
 * to it; commit flushes and syncs only, abort only closes. */
int nninit__ofile_join(nninit_ofile *f, const char *path,
                       const char *tmp_path, const nninit_allocator *alloc,
                       nninit_error *err);

#endif /* NNINIT_IO_INTERNAL_H */
