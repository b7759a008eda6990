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

#endif
