/* ops/op_max_pooling2d.c — Keras MaxPooling2D: pool_size (default 2), strides
 * (default pool_size), padding valid|same. */
#include "nnc.h"

static const char *const keys[] = {"pool_size", "strides", "padding", NULL};
static const char *const paddings[] = {"valid", "same", NULL};

static int parse(layer *l, attrs *a)
{
    long p[2], s[2];
    if (attrs_pair(a, "pool_size", 2, 1, 64, p) || attrs_pair(a, "strides", 0, 1, 64, s) ||
        attrs_enum(a, "padding", paddings, PAD_VALID, &l->padding))
        return -1;
    l->pool[0] = (int)p[0], l->pool[1] = (int)p[1];
    l->strides[0] = s[0] ? (int)s[0] : l->pool[0];
    l->strides[1] = s[1] ? (int)s[1] : l->pool[1];
    return 0;
}

static int infer(layer *l, const model *m)
{
    if (layer_needs_image(l))
        return -1;
    int oh = shape_window(l->in.h, l->pool[0], l->strides[0], l->padding, &l->pad_top);
    int ow = shape_window(l->in.w, l->pool[1], l->strides[1], l->padding, &l->pad_left);
    if (oh < 1 || ow < 1) {
        diag_error(l->loc, "%s: pool_size %dx%d does not fit input %dx%dx%d with padding %s",
                   l->ctx, l->pool[0], l->pool[1], l->in.h, l->in.w, l->in.c,
                   paddings[l->padding]);
        return -1;
    }
    l->out = (shape3){oh, ow, l->in.c, 0};
    /* the position of each maximum in its window, so the backward pass reads
     * one byte per output instead of the input and output again */
    l->saved_bytes = (size_t)oh * ow * l->in.c;
    l->scratch = (size_t)m->batch_size * l->in.c; /* per-sample bias sums (DB) */
    return 0;
}

static const param *fused_conv_bias(const model *m, const layer *l);

static void emit_fwd(emit_ctx *e, const layer *l)
{
    subst s[18];
    int n = 0;
    emit_lit_int(&s[n++], "IH", l->in.h), emit_lit_int(&s[n++], "IW", l->in.w);
    emit_lit_int(&s[n++], "C", l->in.c), emit_lit_int(&s[n++], "OH", l->out.h);
    emit_lit_int(&s[n++], "OW", l->out.w), emit_lit_int(&s[n++], "PH", l->pool[0]);
    emit_lit_int(&s[n++], "PW", l->pool[1]), emit_lit_int(&s[n++], "SH", l->strides[0]);
    emit_lit_int(&s[n++], "SW", l->strides[1]), emit_lit_int(&s[n++], "PT", l->pad_top);
    emit_lit_int(&s[n++], "PL", l->pad_left);
    emit_lit_int(&s[n++], "RELU_BEFORE", l->index > 1 && e->m->layers[l->index - 2].relu_fused_next);
    emit_lit_int(&s[n++], "DB", fused_conv_bias(e->m, l) != NULL);
    emit_lit_int(&s[n++], "DX", !pool_bwd_fused(e->m, l));
    emit_lit_name(&s[n++], "max_pooling2d_fwd", l, "fwd");
    emit_lit_name(&s[n++], "max_pooling2d_fwd_argmax", l, "fwd_argmax");
    emit_lit_name(&s[n++], "max_pooling2d_bwd", l, "bwd");
    emit_lit_name(&s[n++], "max_pooling2d_bwd_tiled", l, "bwd_tiled");
    emit_comment_loc(e, l, paddings[l->padding]);
    template_emit(e->out, "max_pooling2d", s, n);
}

/* Windows that tile the input (the usual pool_size = strides, no padding: none
 * past the bottom or right either, as `same` adds to an odd size),
 * after a conv2d with SIMD kernels whose row tile (pool rows x covered
 * columns x 4 vectors) fits 64 KiB of stack: that conv computes the pool, and
 * its own output never goes to memory. */
int pool_fused(const model *m, const layer *l)
{
    if (l->op != op_find("max_pooling2d") || l->index < 2)
        return 0;
    const layer *c = &m->layers[l->index - 2];
    size_t tile = (size_t)l->pool[0] * l->out.w * l->pool[1] * 4 * (size_t)m->vw;
    return c->op == op_find("conv2d") && m->vw && c->out.c % m->vw == 0 &&
           l->strides[0] == l->pool[0] && l->strides[1] == l->pool[1] && l->pad_top == 0 &&
           l->pad_left == 0 && l->out.h * l->pool[0] <= l->in.h &&
           l->out.w * l->pool[1] <= l->in.w && l->pool[0] * l->pool[1] < 255 && tile <= 16384;
}

int pool_bwd_fused(const model *m, const layer *l)
{
    if (!pool_fused(m, l))
        return 0;
    /* ... or with an input gradient by the stride-1 SIMD kernel, which
     * expands one sample's conv gradient at a time into a buffer per sample
     * group (conv_pool_buffers), up to 256 KiB so that it stays in cache */
    const layer *c = &m->layers[l->index - 2];
    size_t sample = (size_t)c->out.h * c->out.w * c->out.c;
    return !c->needs_dx || (c->in.c % m->vw == 0 && c->strides[0] == 1 &&
                            c->strides[1] == 1 && sample <= 65536);
}

/* The bias of the conv2d that computes this pool: this layer's backward pass
 * sums its gradient (from dy and the window positions, not the conv's
 * larger gradient). */
static const param *fused_conv_bias(const model *m, const layer *l)
{
    const layer *c = pool_fused(m, l) ? &m->layers[l->index - 2] : NULL;
    return c && c->num_params > 1 ? &c->params[1] : NULL;
}

static void call_fwd(emit_ctx *e, const layer *l, const char *y, const char *x)
{
    if (pool_fused(e->m, l)) {
        sb_printf(e->out, "    /* computed by %s_fwd_pool */\n", e->m->layers[l->index - 2].id);
        return;
    }
    sb_printf(e->out, "    %s_fwd(%s, %s, (unsigned char *)%s, n);\n", l->id, y, x,
              e->p->bufs[l->saved_buf].name);
}

static void call_bwd(emit_ctx *e, const layer *l, const char *dx, const char *dy,
                     const char *x, const char *y)
{
    const param *b = fused_conv_bias(e->m, l);
    char db[64] = "NULL";
    if (b)
        snprintf(db, sizeof db, "nnc_grads + %zu", b->offset);
    int fused = pool_bwd_fused(e->m, l);
    if (fused && !b) {
        sb_printf(e->out, "    /* dx: read by %s's kernel gradient */\n",
                  e->m->layers[l->index - 2].id);
        return;
    }
    sb_printf(e->out, "    %s_bwd(%s, %s, %s, %s, (const unsigned char *)%s, %s, nnc_scratch, n);%s\n",
              l->id, fused ? "NULL" : dx, dy, x, y, e->p->bufs[l->saved_buf].name, db,
              fused ? " /* the conv's bias gradient only */" : "");
}

const op_def op_max_pooling2d = {"max_pooling2d", parse, infer, emit_fwd, call_fwd, call_bwd,
                                 0, keys};
