/* safetensors.h — the .safetensors container (as read by Python's
 * safetensors and PyTorch): 8-byte little-endian header length N, N bytes of
 * JSON header (space padded), then the raw little-endian tensor data.
 * This file knows the format only; weights.c knows what nnc stores in it. */
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
    uint8_t *bytes;                      /* the whole file */
    size_t size;
    const uint8_t *data;                 /* data section */
    size_t data_len;
    nncrt_st_tensor *tensors;
    size_t n;
    char **meta_keys, **meta_vals;       /* __metadata__, string -> string */
    size_t nmeta;
} nncrt_st_file;

/* Reads and validates the whole file: header bounds and JSON, dtype sizes
   against shapes, offsets inside the data and covering it exactly.
   Errors are reported (naming path) and return -1. */
int nncrt_st_read(nncrt_st_file *f, const char *path);
void nncrt_st_close(nncrt_st_file *f);
const nncrt_st_tensor *nncrt_st_find(const nncrt_st_file *f, const char *name);
const char *nncrt_st_meta(const nncrt_st_file *f, const char *key);
/* Copies an F32 tensor into dst (end-begin bytes), converting from little endian. */
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
