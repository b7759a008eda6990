/* ops/merge.h — what the merge ops (add, multiply, concatenate) share: the
 * check that their inputs agree, and the calls that pass a list of buffers. */
#ifndef NNC_MERGE_H
#define NNC_MERGE_H

#include "nnc.h"

/* Every input's shape equals input 0's (same_hw: only height, width and
 * flatness, as concatenate needs); else an error naming both shapes. */
int merge_check_inputs(const gnode *n, const model *m, int same_hw);
/* "(const nnc_real *[]){a03, a05}", the inputs' activations */
void merge_put_inputs(emit_ctx *e, const gnode *n);
/* "(nnc_real *[]){d03, NULL}", the inputs' gradients (NULL: none needed) */
void merge_put_dx(emit_ctx *e, const gnode *n);

#endif
