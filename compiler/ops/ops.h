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

#endif
