/* ops/op_average_pooling2d.c — Keras AveragePooling2D: pool_size (default 2),
 * strides (default pool_size), padding valid|same. With same padding the
 * divisor counts only the cells inside the input, as Keras (TensorFlow's
 * avg_pool) does: padding is not averaged in. */
#include "nnc.h"

typedef struct avg_pool_attr {
    int pool[2], strides[2], padding;
    int pad_top, pad_left; /* infer */
} avg_pool_attr;

static const char *const positional[] = {"pool_size", "strides", "padding", NULL};
static const char *const keys[] = {"pool_size", "strides", "padding", NULL};
static const char *const paddings[] = {"valid", "same", NULL};

static int parse(gnode *n, attrs *a)
{
    avg_pool_attr *p = n->attr = xcalloc(1, sizeof *p);
    long ps[2], s[2];
    if (attrs_pair(a, "pool_size", 2, 1, 64, ps) || attrs_pair(a, "strides", 0, 1, 64, s) ||
        attrs_enum(a, "padding", paddings, PAD_VALID, &p->padding))
        return -1;
    p->pool[0] = (int)ps[0], p->pool[1] = (int)ps[1];
    p->strides[0] = s[0] ? (int)s[0] : p->pool[0];
    p->strides[1] = s[1] ? (int)s[1] : p->pool[1];
    return 0;
}

static int infer(gnode *n, const model *m, shape3 *out)
{
    avg_pool_attr *p = n->attr;
    shape3 in = node_in(m, n, 0)->shape;
    if (node_needs_image(n, m))
        return -1;
    int oh = shape_window(in.h, p->pool[0], p->strides[0], p->padding, &p->pad_top);
    int ow = shape_window(in.w, p->pool[1], p->strides[1], p->padding, &p->pad_left);
    if (oh < 1 || ow < 1) {
        diag_error(n->loc, "%s: pool_size %dx%d does not fit input %dx%dx%d with padding %s",
                   n->ctx, p->pool[0], p->pool[1], in.h, in.w, in.c, paddings[p->padding]);
        return -1;
    }
    *out = (shape3){oh, ow, in.c, 0};
    return 0;
}

static void emit(emit_ctx *e, const gnode *n)
{
    const avg_pool_attr *p = n->attr;
    shape3 in = node_in(e->m, n, 0)->shape, out = node_out(e->m, n)->shape;
    subst s[13];
    int k = 0;
    emit_lit_int(&s[k++], "IH", in.h), emit_lit_int(&s[k++], "IW", in.w);
    emit_lit_int(&s[k++], "C", in.c), emit_lit_int(&s[k++], "OH", out.h);
    emit_lit_int(&s[k++], "OW", out.w), emit_lit_int(&s[k++], "PH", p->pool[0]);
    emit_lit_int(&s[k++], "PW", p->pool[1]), emit_lit_int(&s[k++], "SH", p->strides[0]);
    emit_lit_int(&s[k++], "SW", p->strides[1]), emit_lit_int(&s[k++], "PT", p->pad_top);
    emit_lit_int(&s[k++], "PL", p->pad_left);
    emit_lit_name(&s[k++], "average_pooling2d_fwd", n, "fwd");
    emit_lit_name(&s[k++], "average_pooling2d_bwd", n, "bwd");
    emit_comment_loc(e, n, paddings[p->padding]);
    template_emit(e->out, "average_pooling2d", s, k);
}

static void call_fwd(emit_ctx *e, const gnode *n, int mode)
{
    (void)mode;
    sb_printf(e->out, "    %s_fwd(%s, %s, n);\n", n->id, emit_act(e, n->out),
              emit_act(e, n->in[0]));
}

static void call_bwd(emit_ctx *e, const gnode *n)
{
    sb_printf(e->out, "    %s_bwd(%s, %s, n);\n", n->id, emit_dx(e, n, 0), emit_grad(e, n->out));
}

const op_def op_average_pooling2d = {
    .name = "average_pooling2d", .keys = keys, .positional = positional, .min_inputs = 1,
    .max_inputs = 1, .parse = parse, .infer = infer, .emit = emit, .call_fwd = call_fwd,
    .call_bwd = call_bwd,
};
