/* ops/op_spatial_dropout2d.c — Keras SpatialDropout2D(rate, data_format=None,
 * seed=None): dropout of whole channels, one draw per (sample, channel) for
 * all its pixels (Keras's noise_shape (batch, 1, 1, channels)), with the kept
 * channels scaled by 1 / (1 - rate); identity outside fit. The kernels,
 * mask and key are dropout's (op_dropout.c, templates/dropout.c). */
#include "ops/ops.h"

#include <string.h>

static const char *const positional[] = {"rate", NULL};
static const char *const keys[] = {"rate", "data_format", "seed", NULL};

static int parse(gnode *n, attrs *a)
{
    const ynode *df = attrs_get(a, "data_format");
    if (df && df->kind != NODE_NULL &&
        !(df->kind == NODE_SCALAR && !strcmp(df->text, "channels_last"))) {
        diag_error(df->loc, "%s: data_format: only channels_last (nnc's layout) is supported",
                   n->ctx);
        return -1;
    }
    return dropout_parse_common(n, a, 1);
}

static int infer(gnode *n, const model *m, shape3 *out)
{
    if (node_needs_image(n, m))
        return -1;
    return dropout_infer_common(n, m, out);
}

const op_def op_spatial_dropout2d = {
    .name = "spatial_dropout2d", .keys = keys, .positional = positional, .min_inputs = 1,
    .max_inputs = 1, .parse = parse, .infer = infer, .emit = dropout_emit_common,
    .call_fwd = dropout_call_fwd, .call_bwd = dropout_call_bwd, .infer_identity = 1,
};
