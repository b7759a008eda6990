/* safetensors.h — the .safetensors container (as read by Python's
 * safetensors and PyTorch): 8-byte little-endian header length N, N bytes of
 * JSON header (space padded), then the raw little-endian tensor data.
 * This file knows the format only; weights.c knows what nnc stores in it.
 *
 * Files come from anywhere, so reading goes in three steps, each checked
 * before the next reads more: open (file type, size, header length), the
 * header (JSON, tensor table), the data. A caller that knows what it expects
 * (weights.c) checks the size after the first step and the table after the
 * second, so a file of the wrong size is never read. A file in memory goes
 * through the same steps (nncrt_st_open_mem), which is how the fuzz target
 * reaches the parser. */
#ifndef NNCRT_SAFETENSORS_H
#define NNCRT_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define NNCRT_ST_MAX_DIMS 8
/* The reference implementation refuses larger headers too. */
#define NNCRT_ST_MAX_HEADER 100000000u

typedef struct nncrt_st_tensor {
    char *name;
    char *dtype;                         /* "F32", "F16", "I64", ... */
    int ndim;
    size_t shape[NNCRT_ST_MAX_DIMS];
    size_t begin, end;                   /* byte offsets into the data section */
} nncrt_st_tensor;

typedef struct nncrt_st_file {
    char *name;                          /* the path, for messages */
    int fd;                              /* open file until the data is read; -1 */
    const uint8_t *mem;                  /* the whole file, when it is in memory */
    uint64_t size;                       /* bytes in the file */
    uint64_t header_len;                 /* N */
    uint64_t data_len;                   /* size - 8 - N */
    const uint8_t *data;                 /* data section once read (nncrt_st_read_data) */
    uint8_t *owned;                      /* data read from fd */
    nncrt_st_tensor *tensors;
    size_t n;
    char **meta_keys, **meta_vals;       /* __metadata__, string -> string */
    size_t nmeta;
} nncrt_st_file;

/* Step 1: opens path without blocking (a FIFO or device is refused, never
   waited on), checks it is a regular file and reads the header length,
   which must fit the file. */
int nncrt_st_open(nncrt_st_file *f, const char *path);
/* Step 1 for a file already in memory: bytes[0..size) must outlive f. */
int nncrt_st_open_mem(nncrt_st_file *f, const char *name, const void *bytes, size_t size);
/* Step 2: reads and checks the header: strict JSON without duplicate keys,
   dtype sizes against shapes, offsets inside the data and tiling it exactly. */
int nncrt_st_read_header(nncrt_st_file *f);
/* Step 3: reads the data section (nothing to read for a file in memory). */
int nncrt_st_read_data(nncrt_st_file *f);
/* All three steps; closes f when one fails. Errors are reported (naming the
   path) and return -1. After a failed step 1, 2 or 3, f still needs
   nncrt_st_close (which is safe to call twice). */
int nncrt_st_read(nncrt_st_file *f, const char *path);
void nncrt_st_close(nncrt_st_file *f);

const nncrt_st_tensor *nncrt_st_find(const nncrt_st_file *f, const char *name);
const char *nncrt_st_meta(const nncrt_st_file *f, const char *key);
/* Copies an F32 tensor into dst (end-begin bytes), converting from little
   endian. Needs the data (step 3). */
void nncrt_st_get_f32(const nncrt_st_file *f, const nncrt_st_tensor *t, float *dst);

typedef struct nncrt_st_out {
    const char *name;
    int ndim;
    size_t shape[NNCRT_ST_MAX_DIMS];
    const float *data;                   /* [count] */
    size_t count;
} nncrt_st_out;

/* Writes F32 tensors in the given order plus string metadata given as
   key/value pairs meta[2*i], meta[2*i+1]; atomically (atomic_file.h). */
int nncrt_st_write(const char *path, const nncrt_st_out *t, size_t n,
                   const char *const *meta, size_t nmeta);

#endif
