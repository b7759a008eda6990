/* ops/op_flatten.c — Keras Flatten in channels-last (H, W, C) order. The data
 * is already laid out that way, so it emits no code: its output aliases its input. */
#include "nnc.h"

static const char *const keys[] = {NULL};

static int parse(layer *l, attrs *a)
{
    (void)l, (void)a;
    return 0;
}

static int infer(layer *l, const model *m)
{
    (void)m;
    l->out = (shape3){1, 1, l->in.h * l->in.w * l->in.c, 1};
    return 0;
}

static void emit_fwd(emit_ctx *e, const layer *l) { (void)e, (void)l; }

static void call_fwd(emit_ctx *e, const layer *l, const char *y, const char *x)
{
    (void)y, (void)x, (void)l;
    sb_puts(e->out, "    /* (a view of the same buffer: no code) */\n");
}

static void call_bwd(emit_ctx *e, const layer *l, const char *dx, const char *dy,
                     const char *x, const char *y)
{
    (void)dx, (void)dy, (void)x, (void)y, (void)e, (void)l;
}

const op_def op_flatten = {"flatten", parse, infer, emit_fwd, call_fwd, call_bwd, 1, keys};
