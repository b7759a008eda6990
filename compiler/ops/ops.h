/* ops/ops.h — what the fusion pass (fuse.c) and ops may ask of another op's
 * attributes. Each op's attribute struct stays private to its file. */
#ifndef NNC_OPS_H
#define NNC_OPS_H

#include "nnc.h"

/* max_pooling2d: its window size, and whether its windows tile its input
 * (pool_size = strides, no padding, none past the bottom or right either), so
 * a window position fits a byte and backward is a gather. */
void max_pooling2d_size(const gnode *pool, int size[2]);
int max_pooling2d_tiled(const model *m, const gnode *pool);

/* conv2d: can it compute the max pool after it (forward; *bwd: and the pool's
 * input gradient)? If so, conv2d_absorb_pool records it and the scratch it needs. */
int conv2d_can_absorb_pool(const model *m, const gnode *conv, const gnode *pool, int *bwd);
void conv2d_absorb_pool(const model *m, gnode *conv, gnode *pool, int bwd);

/* dropout and spatial_dropout2d (op_dropout.c): one set of kernels, one draw per
 * value or per channel. */
int dropout_parse_common(gnode *n, attrs *a, int spatial);
int dropout_infer_common(gnode *n, const model *m, shape3 *out);
void dropout_emit_common(emit_ctx *e, const gnode *n);
void dropout_call_fwd(emit_ctx *e, const gnode *n, int mode);
void dropout_call_bwd(emit_ctx *e, const gnode *n);
uint64_t dropout_stream(const gnode *n); /* the node's number in the mask's key */
/* The depthwise convolution of depthwise_conv2d and separable_conv2d
 * (op_depthwise_conv2d.c): Keras's kernel_size, strides, padding,
 * depth_multiplier, dilation_rate and the depthwise kernel's initializer. */
typedef struct dwconv {
    int kernel[2], strides[2], dilation[2], padding, dm, init;
    int pad_top, pad_left; /* infer */
} dwconv;
/* Reads those keys (init_key: the initializer's key) and checks them. */
int dwconv_parse(gnode *n, attrs *a, dwconv *d, const char *init_key);
/* Output shape (OH, OW, C*dm) and the depthwise_kernel tensor (kh, kw, C, dm). */
int dwconv_infer(gnode *n, const model *m, dwconv *d, shape3 in, shape3 *out);
size_t dwconv_scratch(const model *m, const dwconv *d, shape3 out); /* floats */
/* Its kernels, named ID_PRE... (fwd, bwd): in -> out, with relu, mask_dy (the
 * ReLU's mask applied to dy first), bias and need_dx. */
void dwconv_emit(emit_ctx *e, const gnode *nd, const dwconv *d, const char *pre, shape3 in,
                 shape3 out, int relu, int mask_dy, int bias, int need_dx);
extern const char *const dwconv_inits[]; /* Keras initializer names, INIT_* order */

/* dense: its kernels for I inputs and O outputs, named ID_PRE... (fwd, bwd),
 * over rows of I floats (separable_conv2d's pointwise convolution: every
 * pixel a row: `rows` per sample, over which dw and db sum their sample groups);
 * the scratch they need for `rows` rows. */
void dense_emit_kernels(emit_ctx *e, const gnode *nd, const char *pre, int in, int units,
                        int bias, int needs_dx, int act, int mask_out, int rows);
size_t dense_scratch(int in, int units, size_t rows);

#endif
