/* ops/op_conv2d.c — Keras Conv2D: kernel (kh, kw, cin, cout), strides, padding
 * valid|same, bias and relu|linear activation fused into the kernel. */
#include "nnc.h"

static const char *const keys[] = {"filters", "kernel_size", "strides", "padding",
                                   "activation", "use_bias", NULL};
static const char *const paddings[] = {"valid", "same", NULL};

static int parse(layer *l, attrs *a)
{
    long filters, k[2], s[2];
    if (!attrs_get(a, "filters") || !attrs_get(a, "kernel_size")) {
        diag_error(l->loc, "%s: needs 'filters' and 'kernel_size' (e.g. {filters: 32, "
                           "kernel_size: 3})", l->ctx);
        return -1;
    }
    if (attrs_int(a, "filters", 0, 1, 65536, &filters) ||
        attrs_pair(a, "kernel_size", 0, 1, 64, k) || attrs_pair(a, "strides", 1, 1, 64, s) ||
        attrs_enum(a, "padding", paddings, PAD_VALID, &l->padding) ||
        attrs_bool(a, "use_bias", 1, &l->use_bias) || parse_activation(l, a, 0))
        return -1;
    l->filters = (int)filters;
    l->kernel[0] = (int)k[0], l->kernel[1] = (int)k[1];
    l->strides[0] = (int)s[0], l->strides[1] = (int)s[1];
    return 0;
}

/* Sample groups of a SIMD kernel gradient, each with its own copy of dw:
 * threads take whole groups (at most this many threads share that work). */
static int dw_groups(const model *m)
{
    return m->batch_size < 8 ? m->batch_size : 8;
}

size_t conv_pool_buffers(const model *m, const layer *l)
{
    const layer *next = l->index < m->num_layers ? &m->layers[l->index] : NULL;
    if (!l->needs_dx || !next || !pool_bwd_fused(m, next))
        return 0;
    return (size_t)dw_groups(m) * l->out.h * l->out.w * l->out.c;
}

static int infer(layer *l, const model *m)
{
    if (layer_needs_image(l))
        return -1;
    int oh = shape_window(l->in.h, l->kernel[0], l->strides[0], l->padding, &l->pad_top);
    int ow = shape_window(l->in.w, l->kernel[1], l->strides[1], l->padding, &l->pad_left);
    if (oh < 1 || ow < 1) {
        diag_error(l->loc, "%s: kernel_size %dx%d does not fit input %dx%dx%d with padding %s",
                   l->ctx, l->kernel[0], l->kernel[1], l->in.h, l->in.w, l->in.c,
                   paddings[l->padding]);
        return -1;
    }
    l->out = (shape3){oh, ow, l->filters, 0};
    int ks[4] = {l->kernel[0], l->kernel[1], l->in.c, l->filters};
    int rf = l->kernel[0] * l->kernel[1];
    layer_add_param(l, "kernel", 4, ks, INIT_GLOROT_UNIFORM, rf * l->in.c, rf * l->filters);
    if (l->use_bias)
        layer_add_param(l, "bias", 1, &l->filters, INIT_ZEROS, 0, 0);
    /* scratch: the kernel (transposed, or dw's partial sums), or first the
     * bias gradient's per-sample sums; then (SIMD) the sample groups' copies
     * of dw */
    size_t dw = (size_t)ks[0] * ks[1] * ks[2] * ks[3], b = (size_t)m->batch_size * l->filters;
    l->scratch = (b > dw ? b : dw) + (size_t)dw_groups(m) * dw;
    return 0;
}

/* Placeholders shared by every conv template: shapes, window, padding. */
static int conv_dims(subst *s, shape3 in, shape3 out, const layer *l, int pt, int pl)
{
    int n = 0;
    emit_lit_int(&s[n++], "IH", in.h), emit_lit_int(&s[n++], "IW", in.w);
    emit_lit_int(&s[n++], "IC", in.c), emit_lit_int(&s[n++], "OH", out.h);
    emit_lit_int(&s[n++], "OW", out.w), emit_lit_int(&s[n++], "OC", out.c);
    emit_lit_int(&s[n++], "KH", l->kernel[0]), emit_lit_int(&s[n++], "KW", l->kernel[1]);
    emit_lit_int(&s[n++], "SH", l->strides[0]), emit_lit_int(&s[n++], "SW", l->strides[1]);
    emit_lit_int(&s[n++], "PT", pt), emit_lit_int(&s[n++], "PL", pl);
    return n;
}

/* The layer before l ends in a ReLU whose mask l's dx applies. */
static int mask_dx(const model *m, const layer *l)
{
    return l->needs_dx && l->index > 1 && m->layers[l->index - 2].relu_fused_next;
}

/* Placeholders of the max pool a conv computes (pool, or none: NULL): its
 * windows and its output size. */
static int pool_dims(subst *s, const layer *pool)
{
    emit_lit_int(&s[0], "PPH", pool ? pool->pool[0] : 1);
    emit_lit_int(&s[1], "PPW", pool ? pool->pool[1] : 1);
    emit_lit_int(&s[2], "POH", pool ? pool->out.h : 1);
    emit_lit_int(&s[3], "POW", pool ? pool->out.w : 1);
    return 4;
}

/* The max pool after l when l computes it, else NULL. */
static const layer *fused_pool(const model *m, const layer *l)
{
    const layer *next = l->index < m->num_layers ? &m->layers[l->index] : NULL;
    return next && pool_fused(m, next) ? next : NULL;
}

/* Register block of a kernel reducing over `reduce` channels into `outc`:
 * 12 accumulators, 6 pixels x 2 vectors, where the reduction per tap is long
 * enough to pay for the bigger block (AVX2 has 16 registers: 12 + 2 kernel
 * vectors + 1 broadcast); else 8. */
static void pick_block(int reduce, int outc, int vw, int *obv, int *pb)
{
    *obv = emit_pick_obv(outc, vw), *pb = 8 / *obv;
    if (reduce >= 8 && outc % (2 * vw) == 0)
        *obv = 2, *pb = 6;
}

/* One instance of templates/conv2d_simd.c: forward (with the max pool after
 * it, pool), or dx as a convolution of dy. */
static void emit_simd_conv(emit_ctx *e, const layer *l, shape3 in, shape3 out, int pt, int pl,
                           int relu, int bias, int mask, const layer *pool, const char *fn,
                           const char *block)
{
    subst s[31];
    int n = conv_dims(s, in, out, l, pt, pl), obv, pb;
    pick_block(in.c, out.c, e->m->vw, &obv, &pb);
    emit_lit_int(&s[n++], "RELU", relu), emit_lit_int(&s[n++], "BIAS", bias);
    emit_lit_int(&s[n++], "OBV", obv), emit_lit_int(&s[n++], "PB", pb);
    emit_lit_int(&s[n++], "POOL", pool != NULL), emit_lit_int(&s[n++], "MASK", mask);
    n += pool_dims(&s[n], pool);
    emit_lit_name(&s[n++], "conv2d_simd_fwd_pool", l, "fwd_pool");
    emit_lit_name(&s[n++], "conv2d_simd_fwd", l, fn);
    char fm[32], row[32];
    snprintf(fm, sizeof fm, "%s_mask", fn);
    snprintf(row, sizeof row, "%s_row", block);
    emit_lit_name(&s[n++], "conv2d_simd_fwd_mask", l, fm);
    emit_lit_name(&s[n++], "conv2d_simd_row", l, row);
    emit_lit_name(&s[n++], "conv2d_simd_block", l, block);
    char taps[32];
    snprintf(taps, sizeof taps, "%s_taps", block);
    emit_lit_name(&s[n++], "conv2d_simd_taps", l, taps);
    template_emit(e->out, "conv2d_simd", s, n);
}

static void emit_simd_bwd(emit_ctx *e, const layer *l, int simd_dx)
{
    subst s[34];
    int n = conv_dims(s, l->in, l->out, l, l->pad_top, l->pad_left);
    /* 8 accumulators: 4 kernel rows times 2 vectors reuse each dy load
     * better than 2 times 4 (dy of a sample often outgrows L1), when there
     * are 4 rows (KW*IC) to block */
    int obv = emit_pick_obv(l->out.c, e->m->vw), rows = l->kernel[1] * l->in.c, kb = 1;
    if (obv > 2 && rows >= 4)
        obv = 2;
    int rb = 8 / obv;
    /* A few input channels (a first layer): blocks of whole kh rows, 8 or 9
     * taps against one vector, so each dy load meets 8-9 taps and no block
     * is a short tail (measured 60 -> 76 GFLOP/s per core on 3x3x1 and 3x3x3) */
    int k = rows <= 9 ? 9 / rows : 0;
    k = k > l->kernel[0] ? l->kernel[0] : k;
    if (l->in.c <= 4 && k > 0 && k * rows >= 8 && l->kernel[0] % k == 0)
        obv = 1, rb = rows, kb = k;
    emit_lit_int(&s[n++], "RB", rb), emit_lit_int(&s[n++], "KB", kb);
    emit_lit_int(&s[n++], "OBV", obv);
    const layer *pool = fused_pool(e->m, l);
    emit_lit_int(&s[n++], "GH", pool ? pool->out.h * pool->pool[0] : l->out.h);
    emit_lit_int(&s[n++], "GW", pool ? pool->out.w * pool->pool[1] : l->out.w);
    emit_lit_int(&s[n++], "POOLED", pool && pool_bwd_fused(e->m, pool));
    n += pool_dims(&s[n], pool);
    emit_lit_int(&s[n++], "DBS", l->use_bias && !pool);
    emit_lit_int(&s[n++], "BATCH", e->m->batch_size);
    emit_lit_int(&s[n++], "NPART", dw_groups(e->m));
    emit_lit_name(&s[n++], "conv2d_simd_dw_all", l, "dw_all");
    emit_lit_name(&s[n++], "conv2d_simd_dw_units", l, "dw_units");
    emit_lit_name(&s[n++], "conv2d_simd_group_start", l, "group_start");
    emit_lit_name(&s[n++], "conv2d_simd_dw_reduce", l, "dw_reduce");
    emit_lit_name(&s[n++], "conv2d_simd_dw", l, "dw_simd");
    emit_lit_name(&s[n++], "conv2d_simd_dw_unit", l, "dw_unit");
    emit_lit_name(&s[n++], "conv2d_simd_dw_rows", l, "dw_rows_simd");
    template_emit(e->out, "conv2d_simd_bwd", s, n);
    if (!simd_dx)
        return;
    if (l->strides[0] > 1 || l->strides[1] > 1) { /* one column phase at a time */
        int cbv, pb;
        pick_block(l->out.c, l->in.c, e->m->vw, &cbv, &pb);
        n = conv_dims(s, l->in, l->out, l, l->pad_top, l->pad_left);
        emit_lit_int(&s[n++], "PB", pb), emit_lit_int(&s[n++], "OBV", cbv);
        emit_lit_int(&s[n++], "MASK", mask_dx(e->m, l));
        emit_lit_name(&s[n++], "conv2d_simd_dxs", l, "dx_simd");
        emit_lit_name(&s[n++], "conv2d_simd_dxs_block", l, "dxs_block");
        emit_lit_name(&s[n++], "conv2d_simd_dxs_tap", l, "dxs_tap");
        template_emit(e->out, "conv2d_simd_dxs", s, n);
        return;
    }
    /* dx = dy (OH x OW x OC) convolved into IH x IW x IC with padding K-1-P */
    emit_simd_conv(e, l, l->out, l->in, l->kernel[0] - 1 - l->pad_top,
                   l->kernel[1] - 1 - l->pad_left, 0, 0, mask_dx(e->m, l), NULL, "dx_conv",
                   "dx_block");
    n = conv_dims(s, l->in, l->out, l, l->pad_top, l->pad_left);
    emit_lit_int(&s[n++], "MASK", mask_dx(e->m, l));
    emit_lit_int(&s[n++], "POOLED", pool && pool_bwd_fused(e->m, pool));
    n += pool_dims(&s[n], pool);
    emit_lit_name(&s[n++], "conv2d_simd_dx_kernel", l, "dx_kernel");
    emit_lit_name(&s[n++], "conv2d_simd_bwd_pool", l, "bwd_pool");
    emit_lit_name(&s[n++], "conv2d_simd_dx", l, "dx_simd");
    emit_lit_name(&s[n++], "dx_conv_mask", l, "dx_conv_mask");
    emit_lit_name(&s[n++], "dx_conv_row", l, "dx_block_row");
    emit_lit_name(&s[n++], "conv2d_simd_dw_unit", l, "dw_unit");
    emit_lit_name(&s[n++], "conv2d_simd_dw_units", l, "dw_units");
    emit_lit_int(&s[n++], "NPART", dw_groups(e->m));
    emit_lit_name(&s[n++], "conv2d_simd_group_start", l, "group_start");
    emit_lit_name(&s[n++], "conv2d_simd_dw_reduce", l, "dw_reduce");
    template_emit(e->out, "conv2d_simd_dx", s, n);
}

/* The scalar kernels always come out (they are the reference and the
 * fallback); a SIMD target adds its own for what its vectors divide. */
static void emit_fwd(emit_ctx *e, const layer *l)
{
    int vw = e->m->vw;
    int simd = vw && l->out.c % vw == 0;
    int simd_dx = simd && l->needs_dx && l->in.c % vw == 0;
    subst s[28];
    int n = conv_dims(s, l->in, l->out, l, l->pad_top, l->pad_left);
    emit_lit_int(&s[n++], "RELU", l->activation == ACT_RELU);
    emit_lit_int(&s[n++], "BIAS", l->use_bias);
    emit_lit_int(&s[n++], "NEED_DX", l->needs_dx);
    emit_lit_int(&s[n++], "MASK_DY", l->activation == ACT_RELU && !l->relu_fused_next);
    emit_lit_int(&s[n++], "DB_DONE", l->use_bias && fused_pool(e->m, l) != NULL);
    emit_lit_int(&s[n++], "DB_IN_DW", simd);
    emit_lit_int(&s[n++], "MASK_DX", mask_dx(e->m, l));
    emit_lit_name(&s[n++], "conv2d_fwd", l, simd ? "fwd_scalar" : "fwd");
    emit_lit_name(&s[n++], "conv2d_bwd", l, "bwd");
    emit_lit_name(&s[n++], "conv2d_dw_rows", l, "dw_rows");
    emit_lit_name(&s[n++], "conv2d_dw", l, "dw_scalar");
    emit_lit_name(&s[n++], "conv2d_dx", l, "dx_scalar");
    emit_lit_name(&s[n++], "dw_impl", l, simd ? "dw_simd" : "dw_scalar");
    emit_lit_name(&s[n++], "dx_impl", l, simd_dx ? "dx_simd" : "dx_scalar");
    emit_comment_loc(e, l, l->padding == PAD_SAME ? "same" : "valid");
    if (simd) {
        sb_printf(e->out, "/* %s kernels, %d-wide%s */\n", e->m->target, vw,
                  simd_dx ? "" : "; dx by the scalar kernel");
        emit_simd_conv(e, l, l->in, l->out, l->pad_top, l->pad_left,
                       l->activation == ACT_RELU, l->use_bias, 0, fused_pool(e->m, l), "fwd",
                       "block");
        emit_simd_bwd(e, l, simd_dx);
    }
    template_emit(e->out, "conv2d", s, n);
}

/* Fused with the max pool after it: that layer's output and window
 * positions, written by this layer's kernel. */
static void call_fwd(emit_ctx *e, const layer *l, const char *y, const char *x)
{
    const layer *pool = fused_pool(e->m, l);
    if (!pool) {
        emit_call_weighted_fwd(e, l, y, x);
        return;
    }
    char b[64] = "NULL";
    if (l->num_params > 1)
        snprintf(b, sizeof b, "nnc_params + %zu", l->params[1].offset);
    sb_printf(e->out, "    %s_fwd_pool(%s, (unsigned char *)%s, %s, nnc_params + %zu, %s, n);\n",
              l->id, e->p->bufs[pool->act].name, e->p->bufs[pool->saved_buf].name, x,
              l->params[0].offset, b);
}

/* With the pool after it leaving dx to this layer (pool_bwd_fused), dy is
 * that pool's gradient: dw reads it and the window positions (no dx), or
 * bwd_pool expands it one sample at a time for dw and dx; the pool sums the
 * bias gradient. */
static void call_bwd(emit_ctx *e, const layer *l, const char *dx, const char *dy,
                     const char *x, const char *y)
{
    const layer *pool = fused_pool(e->m, l);
    if (!pool || !pool_bwd_fused(e->m, pool)) {
        emit_call_weighted_bwd(e, l, dx, dy, x, y);
        return;
    }
    const char *am = e->p->bufs[pool->saved_buf].name;
    if (l->needs_dx)
        sb_printf(e->out, "    %s_bwd_pool(nnc_grads + %zu, %s, %s, (const unsigned char *)%s, %s, "
                          "nnc_params + %zu, nnc_scratch, n);\n",
                  l->id, l->params[0].offset, dx, dy, am, x, l->params[0].offset);
    else
        sb_printf(e->out, "    %s_dw_all(nnc_grads + %zu, NULL, nnc_scratch, %s, (const unsigned char *)%s, "
                          "%s, n);\n", l->id, l->params[0].offset, dy, am, x);
}

const op_def op_conv2d = {"conv2d", parse, infer, emit_fwd, call_fwd, call_bwd, 0, keys};
