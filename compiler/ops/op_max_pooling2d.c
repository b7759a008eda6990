/* ops/op_max_pooling2d.c — Keras MaxPooling2D: pool_size (default 2), strides
 * (default pool_size), padding valid|same. */
#include "ops.h"

typedef struct pool_attr {
    int pool[2], strides[2], padding;
    int pad_top, pad_left; /* infer */
} pool_attr;

static const char *const positional[] = {"pool_size", "strides", "padding", NULL};
static const char *const keys[] = {"pool_size", "strides", "padding", NULL};
static const char *const paddings[] = {"valid", "same", NULL};

static int parse(gnode *n, attrs *a)
{
    pool_attr *p = n->attr = xcalloc(1, sizeof *p);
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
    pool_attr *p = n->attr;
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
    /* the position of each maximum in its window, so the backward pass reads
     * one byte per output instead of the input and output again */
    n->saved_bytes = (size_t)oh * ow * in.c;
    n->scratch = (size_t)m->batch_size * in.c; /* per-sample bias sums (DB) */
    return 0;
}

void max_pooling2d_size(const gnode *pool, int size[2])
{
    const pool_attr *p = pool->attr;
    size[0] = p->pool[0], size[1] = p->pool[1];
}

int max_pooling2d_tiled(const model *m, const gnode *pool)
{
    const pool_attr *p = pool->attr;
    shape3 in = node_in(m, pool, 0)->shape, out = node_out(m, pool)->shape;
    return p->strides[0] == p->pool[0] && p->strides[1] == p->pool[1] && p->pad_top == 0 &&
           p->pad_left == 0 && out.h * p->pool[0] <= in.h && out.w * p->pool[1] <= in.w &&
           p->pool[0] * p->pool[1] < 255;
}

/* The bias of the conv2d that computes this pool: this node's backward pass
 * sums its gradient (from dy and the window positions, not the conv's
 * larger gradient). */
static const gnode *fused_conv_with_bias(const model *m, const gnode *n)
{
    const gnode *c = n->absorbed_by >= 0 ? &m->nodes[n->absorbed_by] : NULL;
    return c && c->num_t > 1 ? c : NULL;
}

static void emit(emit_ctx *e, const gnode *n)
{
    const pool_attr *p = n->attr;
    shape3 in = node_in(e->m, n, 0)->shape, out = node_out(e->m, n)->shape;
    subst s[20];
    int k = 0;
    emit_lit_int(&s[k++], "IH", in.h), emit_lit_int(&s[k++], "IW", in.w);
    emit_lit_int(&s[k++], "C", in.c), emit_lit_int(&s[k++], "OH", out.h);
    emit_lit_int(&s[k++], "OW", out.w), emit_lit_int(&s[k++], "PH", p->pool[0]);
    emit_lit_int(&s[k++], "PW", p->pool[1]), emit_lit_int(&s[k++], "SH", p->strides[0]);
    emit_lit_int(&s[k++], "SW", p->strides[1]), emit_lit_int(&s[k++], "PT", p->pad_top);
    emit_lit_int(&s[k++], "PL", p->pad_left);
    emit_lit_int(&s[k++], "RELU_BEFORE", n->mask_in);
    emit_lit_int(&s[k++], "DB", fused_conv_with_bias(e->m, n) != NULL);
    emit_lit_int(&s[k++], "DX", !n->bwd_absorbed);
    emit_lit_name(&s[k++], "max_pooling2d_fwd", n, "fwd");
    emit_lit_name(&s[k++], "max_pooling2d_fwd_argmax", n, "fwd_argmax");
    emit_lit_name(&s[k++], "max_pooling2d_bwd", n, "bwd");
    emit_lit_name(&s[k++], "max_pooling2d_bwd_tiled", n, "bwd_tiled");
    emit_lit_name(&s[k++], "max_pooling2d_bwd_windows", n, "bwd_windows");
    emit_comment_loc(e, n, paddings[p->padding]);
    template_emit(e->out, "max_pooling2d", s, k);
}

static void call_fwd(emit_ctx *e, const gnode *n, int mode)
{
    (void)mode;
    if (n->absorbed_by >= 0) {
        sb_printf(e->out, "    /* computed by %s_fwd_pool */\n", e->m->nodes[n->absorbed_by].id);
        return;
    }
    sb_printf(e->out, "    %s_fwd(%s, %s, (unsigned char *)%s, n);\n", n->id, emit_act(e, n->out),
              emit_act(e, n->in[0]), emit_saved(e, n));
}

static void call_bwd(emit_ctx *e, const gnode *n)
{
    const gnode *c = fused_conv_with_bias(e->m, n);
    if (n->bwd_absorbed && !c) {
        sb_printf(e->out, "    /* dx: read by %s's kernel gradient */\n",
                  e->m->nodes[n->absorbed_by].id);
        return;
    }
    sb_printf(e->out, "    %s_bwd(%s, %s, %s, %s, (const unsigned char *)%s, %s, nnc_scratch, n);%s\n",
              n->id, n->bwd_absorbed ? "NULL" : emit_dx(e, n, 0), emit_grad(e, n->out),
              emit_act(e, n->in[0]), emit_act(e, n->out), emit_saved(e, n),
              c ? emit_tensor(e, c, 1, "nnc_grads") : "NULL",
              n->bwd_absorbed ? " /* the conv's bias gradient only */" : "");
}

const op_def op_max_pooling2d = {
    .name = "max_pooling2d", .keys = keys, .positional = positional, .min_inputs = 1, .max_inputs = 1,
    .parse = parse, .infer = infer, .emit = emit, .call_fwd = call_fwd, .call_bwd = call_bwd,
    .applies_mask = 1,
};
