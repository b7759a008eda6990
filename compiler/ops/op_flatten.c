/* ops/op_flatten.c — Keras Flatten in channels-last (H, W, C) order. The data
 * is already laid out that way, so it emits no code: its output is a view of
 * its input. */
#include "nnc.h"

static const char *const keys[] = {NULL};

static int parse(gnode *n, attrs *a)
{
    (void)n, (void)a;
    return 0;
}

static int infer(gnode *n, const model *m, shape3 *out)
{
    shape3 in = node_in(m, n, 0)->shape;
    *out = (shape3){1, 1, in.h * in.w * in.c, 1};
    return 0;
}

static void emit(emit_ctx *e, const gnode *n) { (void)e, (void)n; }

static void call_fwd(emit_ctx *e, const gnode *n, int mode)
{
    (void)n, (void)mode;
    sb_puts(e->out, "    /* (a view of the same buffer: no code) */\n");
}

static void call_bwd(emit_ctx *e, const gnode *n) { (void)e, (void)n; }

const op_def op_flatten = {
    .name = "flatten", .keys = keys, .min_inputs = 1, .max_inputs = 1,
    .parse = parse, .infer = infer, .emit = emit, .call_fwd = call_fwd, .call_bwd = call_bwd,
    .view = 1,
};
