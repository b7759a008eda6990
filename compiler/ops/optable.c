/* ops/optable.c — the one place an op kind is declared. Parsing, shape
 * inference, emission and the tests all go through this table. */
#include "nnc.h"

#include <string.h>

extern const op_def op_rescaling, op_conv2d, op_max_pooling2d, op_flatten, op_dense,
    op_activation, op_relu, op_leaky_relu, op_elu, op_softmax;
extern const op_def op_batch_normalization;
extern const op_def op_average_pooling2d, op_global_average_pooling2d, op_global_max_pooling2d,
    op_add, op_concatenate, op_multiply;
extern const op_def op_dropout, op_spatial_dropout2d;
extern const op_def op_depthwise_conv2d, op_separable_conv2d;

const op_def *const op_table[] = {&op_rescaling, &op_conv2d, &op_max_pooling2d, &op_flatten,
                                  &op_dense, &op_activation, &op_relu, &op_leaky_relu, &op_elu,
                                  &op_softmax,
                                  &op_batch_normalization, &op_average_pooling2d, &op_global_average_pooling2d,
                                  &op_global_max_pooling2d, &op_add, &op_concatenate, &op_multiply,
                                  &op_dropout, &op_spatial_dropout2d,
                                  &op_depthwise_conv2d, &op_separable_conv2d};
const int op_count = sizeof op_table / sizeof op_table[0];

const op_def *op_find(const char *name)
{
    for (int i = 0; i < op_count; i++)
        if (!strcmp(op_table[i]->name, name))
            return op_table[i];
    return NULL;
}
