/* ops/op_global_average_pooling2d.c — Keras GlobalAveragePooling2D: the mean of each
 * channel over height and width. keepdims false (Keras's default) gives
 * (None, C), keepdims true (None, 1, 1, C); the data is the same. */
#include "nnc.h"

typedef struct global_pool_attr {
    int keepdims;
} global_pool_attr;

static const char *const keys[] = {"keepdims", NULL};

static int parse(gnode *n, attrs *a)
{
    global_pool_attr *p = n->attr = xcalloc(1, sizeof *p);
    return attrs_bool(a, "keepdims", 0, &p->keepdims);
}

static int infer(gnode *n, const model *m, shape3 *out)
{
    const global_pool_attr *p = n->attr;
    shape3 in = node_in(m, n, 0)->shape;
    if (node_needs_image(n, m))
        return -1;
    *out = (shape3){1, 1, in.c, !p->keepdims};
    return 0;
}

static void emit(emit_ctx *e, const gnode *n)
{
    const global_pool_attr *p = n->attr;
    shape3 in = node_in(e->m, n, 0)->shape;
    subst s[5];
    emit_lit_int(&s[0], "HW", (long)in.h * in.w);
    emit_lit_int(&s[1], "C", in.c);
    emit_lit_int(&s[2], "MAX", 0);
    emit_lit_name(&s[3], "global_pooling2d_fwd", n, "fwd");
    emit_lit_name(&s[4], "global_pooling2d_bwd", n, "bwd");
    emit_comment_loc(e, n, p->keepdims ? "keepdims" : "");
    template_emit(e->out, "global_pooling2d", s, 5);
}

static void call_fwd(emit_ctx *e, const gnode *n, int mode)
{
    (void)mode;
    sb_printf(e->out, "    %s_fwd(%s, %s, n);\n", n->id, emit_act(e, n->out),
              emit_act(e, n->in[0]));
}

static void call_bwd(emit_ctx *e, const gnode *n)
{
    sb_printf(e->out, "    %s_bwd(%s, %s, %s, %s, n);\n", n->id, emit_dx(e, n, 0),
              emit_grad(e, n->out), emit_act(e, n->in[0]), emit_act(e, n->out));
}

const op_def op_global_average_pooling2d = {
    .name = "global_average_pooling2d", .keys = keys, .min_inputs = 1,
    .max_inputs = 1, .parse = parse, .infer = infer, .emit = emit, .call_fwd = call_fwd,
    .call_bwd = call_bwd,
};
