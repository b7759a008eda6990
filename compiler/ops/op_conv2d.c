/* ops/op_conv2d.c — Keras Conv2D: kernel (kh, kw, cin, cout), strides, padding
 * valid|same, bias and relu|linear activation fused into the kernel. With
 * dilation_rate or groups, kernel (kh, kw, cin/groups, cout) and the kernels
 * of templates/conv2d_dg.c. */
#include "ops.h"

typedef struct conv2d_attr {
    int filters, kernel[2], strides[2], padding, use_bias;
    int kernel_init, bias_init; /* INIT_* */
    int dilation[2], groups;
    int pad_top, pad_left; /* infer */
} conv2d_attr;

static const char *const positional[] = {"filters", "kernel_size", "strides", "padding", NULL};
static const char *const keys[] = {"filters", "kernel_size", "strides", "padding",
                                   "activation", "use_bias", "kernel_initializer",
                                   "bias_initializer", "dilation_rate", "groups", NULL};
static const char *const paddings[] = {"valid", "same", NULL};

static int parse(gnode *n, attrs *a)
{
    conv2d_attr *c = n->attr = xcalloc(1, sizeof *c);
    long filters, k[2], s[2], dl[2], groups;
    if (!attrs_get(a, "filters") || !attrs_get(a, "kernel_size")) {
        diag_error(n->loc, "%s: needs 'filters' and 'kernel_size' (e.g. {filters: 32, "
                           "kernel_size: 3})", n->ctx);
        return -1;
    }
    if (attrs_int(a, "filters", 0, 1, 65536, &filters) ||
        attrs_pair(a, "kernel_size", 0, 1, 64, k) || attrs_pair(a, "strides", 1, 1, 64, s) ||
        attrs_enum(a, "padding", paddings, PAD_VALID, &c->padding) ||
        attrs_bool(a, "use_bias", 1, &c->use_bias) ||
        parse_initializer(n, a, "kernel_initializer", INIT_GLOROT_UNIFORM, &c->kernel_init) ||
        parse_initializer(n, a, "bias_initializer", INIT_ZEROS, &c->bias_init) ||
        attrs_pair(a, "dilation_rate", 1, 1, 64, dl) ||
        attrs_int(a, "groups", 1, 1, 65536, &groups) ||
        parse_activation(n, a))
        return -1;
    c->filters = (int)filters;
    c->kernel[0] = (int)k[0], c->kernel[1] = (int)k[1];
    c->strides[0] = (int)s[0], c->strides[1] = (int)s[1];
    c->dilation[0] = (int)dl[0], c->dilation[1] = (int)dl[1];
    c->groups = (int)groups;
    if ((s[0] > 1 || s[1] > 1) && (dl[0] > 1 || dl[1] > 1)) {
        diag_error(attrs_get(a, "dilation_rate")->loc,
                   "%s: dilation_rate %ldx%ld with strides %ldx%ld: Keras allows a "
                   "dilation_rate above 1 only with strides 1", n->ctx, dl[0], dl[1], s[0], s[1]);
        return -1;
    }
    if (filters % groups) {
        diag_error(attrs_get(a, "groups")->loc, "%s: groups %ld does not divide filters %ld",
                   n->ctx, groups, filters);
        return -1;
    }
    return 0;
}

static shape3 in_shape(const model *m, const gnode *n) { return node_in(m, n, 0)->shape; }
static shape3 out_shape(const model *m, const gnode *n) { return node_out(m, n)->shape; }
static int needs_dx(const model *m, const gnode *n) { return node_in(m, n, 0)->needs_grad; }

/* dilated or grouped: templates/conv2d_dg.c */
static int is_dg(const gnode *n)
{
    const conv2d_attr *c = n->attr;
    return c->groups > 1 || c->dilation[0] > 1 || c->dilation[1] > 1;
}

/* Sample groups of a SIMD kernel gradient, each with its own copy of dw:
 * threads take whole groups (at most this many threads share that work). */
static int dw_groups(const model *m)
{
    return m->batch_size < 8 ? m->batch_size : 8;
}

static int infer(gnode *n, const model *m, shape3 *out)
{
    conv2d_attr *c = n->attr;
    shape3 in = in_shape(m, n);
    if (node_needs_image(n, m))
        return -1;
    int ekh = (c->kernel[0] - 1) * c->dilation[0] + 1, ekw = (c->kernel[1] - 1) * c->dilation[1] + 1;
    int oh = shape_window(in.h, ekh, c->strides[0], c->padding, &c->pad_top);
    int ow = shape_window(in.w, ekw, c->strides[1], c->padding, &c->pad_left);
    if (in.c % c->groups) {
        diag_error(n->loc, "%s: groups %d does not divide the input's %d channels", n->ctx,
                   c->groups, in.c);
        return -1;
    }
    if (oh < 1 || ow < 1) {
        diag_error(n->loc, "%s: kernel_size %dx%d does not fit input %dx%dx%d with padding %s",
                   n->ctx, c->kernel[0], c->kernel[1], in.h, in.w, in.c, paddings[c->padding]);
        return -1;
    }
    *out = (shape3){oh, ow, c->filters, 0};
    int ks[4] = {c->kernel[0], c->kernel[1], in.c / c->groups, c->filters};
    int rf = c->kernel[0] * c->kernel[1];
    node_add_tensor(n, "kernel", TENSOR_TRAINABLE, 4, ks, c->kernel_init, rf * ks[2],
                    rf * c->filters);
    if (c->use_bias) /* Keras's fans of a vector: its length, both */
        node_add_tensor(n, "bias", TENSOR_TRAINABLE, 1, &c->filters, c->bias_init, c->filters,
                        c->filters);
    if (is_dg(n)) { /* per-sample partials of dw and db, then the transposed kernel */
        n->scratch = (size_t)(m->batch_size + 1) * n->t[0].count +
                     (size_t)m->batch_size * c->filters;
        return 0;
    }
    /* scratch: the kernel (transposed, or dw's partial sums), or first the
     * bias gradient's per-sample sums; then (SIMD) the sample groups' copies
     * of dw */
    size_t dw = (size_t)ks[0] * ks[1] * ks[2] * ks[3], b = (size_t)m->batch_size * c->filters;
    n->scratch = (b > dw ? b : dw) + (size_t)dw_groups(m) * dw;
    return 0;
}

/* The vector width of this conv's SIMD kernels (target_layer_vw): its
 * filters pick them, and its input channels pick the dx kernel. */
static int conv_vw(const model *m, const gnode *n)
{
    int counts[2] = {out_shape(m, n).c, in_shape(m, n).c};
    return target_layer_vw(m, counts, needs_dx(m, n) ? 2 : 1);
}

/* Windows that tile the conv's output (max_pooling2d_tiled), after a conv2d
 * with SIMD kernels whose row tile (pool rows x covered columns x 4 vectors)
 * fits 64 KiB of stack: the conv computes the pool, and its own output never
 * goes to memory. *bwd: its backward also reads the pool's gradient and window
 * positions instead of a dx the pool would write: always without an input
 * gradient, and with one when the stride-1 SIMD kernel computes it, expanding
 * one sample's conv gradient at a time into a buffer per sample group, up to
 * 256 KiB so that it stays in cache. */
int conv2d_can_absorb_pool(const model *m, const gnode *conv, const gnode *pool, int *bwd)
{
    const conv2d_attr *c = conv->attr;
    shape3 co = out_shape(m, conv), po = out_shape(m, pool), ci = in_shape(m, conv);
    int size[2];
    max_pooling2d_size(pool, size);
    int vw = conv_vw(m, conv);
    size_t tile = (size_t)size[0] * po.w * size[1] * 4 * (size_t)vw;
    if (!vw || co.c % vw || is_dg(conv) || !max_pooling2d_tiled(m, pool) || tile > 16384)
        return 0;
    size_t sample = (size_t)co.h * co.w * co.c;
    *bwd = !needs_dx(m, conv) || (ci.c % vw == 0 && c->strides[0] == 1 &&
                                  c->strides[1] == 1 && sample <= 65536);
    return 1;
}

/* With bwd and a dx: one sample's gradient per sample group in the scratch. */
void conv2d_absorb_pool(const model *m, gnode *conv, gnode *pool, int bwd)
{
    shape3 co = out_shape(m, conv);
    conv->absorbs = (int)(pool - m->nodes);
    pool->absorbed_by = (int)(conv - m->nodes);
    pool->bwd_absorbed = bwd;
    if (bwd && needs_dx(m, conv))
        conv->scratch += (size_t)dw_groups(m) * co.h * co.w * co.c;
}

/* Placeholders shared by every conv template: shapes, window, padding. */
static int conv_dims(subst *s, shape3 in, shape3 out, const gnode *nd, int pt, int pl)
{
    const conv2d_attr *l = nd->attr;
    int n = 0;
    emit_lit_int(&s[n++], "IH", in.h), emit_lit_int(&s[n++], "IW", in.w);
    emit_lit_int(&s[n++], "IC", in.c), emit_lit_int(&s[n++], "OH", out.h);
    emit_lit_int(&s[n++], "OW", out.w), emit_lit_int(&s[n++], "OC", out.c);
    emit_lit_int(&s[n++], "KH", l->kernel[0]), emit_lit_int(&s[n++], "KW", l->kernel[1]);
    emit_lit_int(&s[n++], "SH", l->strides[0]), emit_lit_int(&s[n++], "SW", l->strides[1]);
    emit_lit_int(&s[n++], "PT", pt), emit_lit_int(&s[n++], "PL", pl);
    return n;
}

/* The node before ends in a ReLU whose mask this node's dx applies. */
static int mask_dx(const model *m, const gnode *n) { return needs_dx(m, n) && n->mask_in; }

/* Placeholders of the max pool a conv computes (pool, or none: NULL): its
 * windows and its output size. */
static int pool_dims(subst *s, const model *m, const gnode *pool)
{
    int size[2] = {1, 1};
    if (pool)
        max_pooling2d_size(pool, size);
    emit_lit_int(&s[0], "PPH", size[0]);
    emit_lit_int(&s[1], "PPW", size[1]);
    emit_lit_int(&s[2], "POH", pool ? out_shape(m, pool).h : 1);
    emit_lit_int(&s[3], "POW", pool ? out_shape(m, pool).w : 1);
    return 4;
}

/* The max pool after n when n computes it, else NULL. */
static const gnode *fused_pool(const model *m, const gnode *n)
{
    return n->absorbs >= 0 ? &m->nodes[n->absorbs] : NULL;
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
static void emit_simd_conv(emit_ctx *e, const gnode *l, shape3 in, shape3 out, int pt, int pl,
                           int relu, int bias, int mask, const gnode *pool, const char *fn,
                           const char *block)
{
    subst s[31];
    int n = conv_dims(s, in, out, l, pt, pl), obv, pb;
    pick_block(in.c, out.c, conv_vw(e->m, l), &obv, &pb);
    emit_lit_int(&s[n++], "RELU", relu), emit_lit_int(&s[n++], "BIAS", bias);
    emit_lit_int(&s[n++], "OBV", obv), emit_lit_int(&s[n++], "PB", pb);
    emit_lit_int(&s[n++], "POOL", pool != NULL), emit_lit_int(&s[n++], "MASK", mask);
    n += pool_dims(&s[n], e->m, pool);
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

static void emit_simd_bwd(emit_ctx *e, const gnode *nd, int simd_dx)
{
    const model *m = e->m;
    const conv2d_attr *l = nd->attr;
    shape3 lin = in_shape(m, nd), lout = out_shape(m, nd);
    subst s[34];
    int n = conv_dims(s, lin, lout, nd, l->pad_top, l->pad_left);
    /* 8 accumulators: 4 kernel rows times 2 vectors reuse each dy load
     * better than 2 times 4 (dy of a sample often outgrows L1), when there
     * are 4 rows (KW*IC) to block */
    int obv = emit_pick_obv(lout.c, conv_vw(m, nd)), rows = l->kernel[1] * lin.c, kb = 1;
    if (obv > 2 && rows >= 4)
        obv = 2;
    int rb = 8 / obv;
    /* A few input channels (a first layer): blocks of whole kh rows, 8 or 9
     * taps against one vector, so each dy load meets 8-9 taps and no block
     * is a short tail (measured 60 -> 76 GFLOP/s per core on 3x3x1 and 3x3x3) */
    int k = rows <= 9 ? 9 / rows : 0;
    k = k > l->kernel[0] ? l->kernel[0] : k;
    if (lin.c <= 4 && k > 0 && k * rows >= 8 && l->kernel[0] % k == 0)
        obv = 1, rb = rows, kb = k;
    emit_lit_int(&s[n++], "RB", rb), emit_lit_int(&s[n++], "KB", kb);
    emit_lit_int(&s[n++], "OBV", obv);
    const gnode *pool = fused_pool(m, nd);
    int psz[2] = {1, 1};
    if (pool)
        max_pooling2d_size(pool, psz);
    emit_lit_int(&s[n++], "GH", pool ? out_shape(m, pool).h * psz[0] : lout.h);
    emit_lit_int(&s[n++], "GW", pool ? out_shape(m, pool).w * psz[1] : lout.w);
    emit_lit_int(&s[n++], "POOLED", pool && pool->bwd_absorbed);
    n += pool_dims(&s[n], m, pool);
    emit_lit_int(&s[n++], "DBS", l->use_bias && !pool);
    emit_lit_int(&s[n++], "BATCH", e->m->batch_size);
    emit_lit_int(&s[n++], "NPART", dw_groups(e->m));
    emit_lit_name(&s[n++], "conv2d_simd_dw_all", nd, "dw_all");
    emit_lit_name(&s[n++], "conv2d_simd_dw_units", nd, "dw_units");
    emit_lit_name(&s[n++], "conv2d_simd_group_start", nd, "group_start");
    emit_lit_name(&s[n++], "conv2d_simd_dw_reduce", nd, "dw_reduce");
    emit_lit_name(&s[n++], "conv2d_simd_dw", nd, "dw_simd");
    emit_lit_name(&s[n++], "conv2d_simd_dw_unit", nd, "dw_unit");
    emit_lit_name(&s[n++], "conv2d_simd_dw_rows", nd, "dw_rows_simd");
    template_emit(e->out, "conv2d_simd_bwd", s, n);
    if (!simd_dx)
        return;
    if (l->strides[0] > 1 || l->strides[1] > 1) { /* one column phase at a time */
        int cbv, pb;
        pick_block(lout.c, lin.c, conv_vw(m, nd), &cbv, &pb);
        n = conv_dims(s, lin, lout, nd, l->pad_top, l->pad_left);
        emit_lit_int(&s[n++], "PB", pb), emit_lit_int(&s[n++], "OBV", cbv);
        emit_lit_int(&s[n++], "MASK", mask_dx(m, nd));
        emit_lit_name(&s[n++], "conv2d_simd_dxs", nd, "dx_simd");
        emit_lit_name(&s[n++], "conv2d_simd_dxs_block", nd, "dxs_block");
        emit_lit_name(&s[n++], "conv2d_simd_dxs_tap", nd, "dxs_tap");
        template_emit(e->out, "conv2d_simd_dxs", s, n);
        return;
    }
    /* dx = dy (OH x OW x OC) convolved into IH x IW x IC with padding K-1-P */
    emit_simd_conv(e, nd, lout, lin, l->kernel[0] - 1 - l->pad_top,
                   l->kernel[1] - 1 - l->pad_left, 0, 0, mask_dx(m, nd), NULL, "dx_conv",
                   "dx_block");
    n = conv_dims(s, lin, lout, nd, l->pad_top, l->pad_left);
    emit_lit_int(&s[n++], "MASK", mask_dx(m, nd));
    emit_lit_int(&s[n++], "POOLED", pool && pool->bwd_absorbed);
    n += pool_dims(&s[n], m, pool);
    emit_lit_name(&s[n++], "conv2d_simd_dx_kernel", nd, "dx_kernel");
    emit_lit_name(&s[n++], "conv2d_simd_bwd_pool", nd, "bwd_pool");
    emit_lit_name(&s[n++], "conv2d_simd_dx", nd, "dx_simd");
    emit_lit_name(&s[n++], "dx_conv_mask", nd, "dx_conv_mask");
    emit_lit_name(&s[n++], "dx_conv_row", nd, "dx_block_row");
    emit_lit_name(&s[n++], "conv2d_simd_dw_unit", nd, "dw_unit");
    emit_lit_name(&s[n++], "conv2d_simd_dw_units", nd, "dw_units");
    emit_lit_int(&s[n++], "NPART", dw_groups(e->m));
    emit_lit_name(&s[n++], "conv2d_simd_group_start", nd, "group_start");
    emit_lit_name(&s[n++], "conv2d_simd_dw_reduce", nd, "dw_reduce");
    template_emit(e->out, "conv2d_simd_dx", s, n);
}

/* With the node after it folded in at inference (infer_folded): a forward
 * kernel with a bias (the folded one) and that node's ReLU, if any: the SIMD
 * one where the target's is used, else the scalar template under other names. */
static void emit_folded(emit_ctx *e, const gnode *nd, int simd)
{
    const model *m = e->m;
    const conv2d_attr *l = nd->attr;
    shape3 lin = in_shape(m, nd), lout = out_shape(m, nd);
    int relu = m->nodes[nd->infer_folded].act == ACT_RELU;
    sb_printf(e->out, "/* inference: with %s folded into kernel and bias */\n",
              m->nodes[nd->infer_folded].id);
    if (simd) {
        int vw = conv_vw(m, nd);
        if (vw != m->vw)
            emit_simd_width(e, vw);
        emit_simd_conv(e, nd, lin, lout, l->pad_top, l->pad_left, relu, 1, 0, NULL, "fwd_folded",
                       "block_folded");
        if (vw != m->vw)
            emit_simd_width(e, m->vw);
        return;
    }
    subst s[28];
    int n = conv_dims(s, lin, lout, nd, l->pad_top, l->pad_left);
    emit_lit_int(&s[n++], "RELU", relu), emit_lit_int(&s[n++], "BIAS", 1);
    emit_lit_int(&s[n++], "NEED_DX", 0), emit_lit_int(&s[n++], "MASK_DY", 0);
    emit_lit_int(&s[n++], "DB_DONE", 0), emit_lit_int(&s[n++], "DB_IN_DW", 0);
    emit_lit_int(&s[n++], "MASK_DX", 0);
    emit_lit_name(&s[n++], "conv2d_fwd", nd, "fwd_folded");
    emit_lit_name(&s[n++], "conv2d_bwd", nd, "bwd_folded_unused");
    emit_lit_name(&s[n++], "conv2d_dw_rows", nd, "dw_rows_folded_unused");
    emit_lit_name(&s[n++], "conv2d_dw", nd, "dw_folded_unused");
    emit_lit_name(&s[n++], "conv2d_dx", nd, "dx_folded_unused");
    emit_lit_name(&s[n++], "dw_impl", nd, "dw_folded_unused");
    emit_lit_name(&s[n++], "dx_impl", nd, "dx_folded_unused");
    template_emit(e->out, "conv2d", s, n);
}

static int no_dg(const gnode *n) { return !is_dg(n); }

static void emit_dg(emit_ctx *e, const gnode *nd)
{
    const model *m = e->m;
    const conv2d_attr *l = nd->attr;
    shape3 lin = in_shape(m, nd), lout = out_shape(m, nd);
    int relu = nd->act == ACT_RELU;
    subst s[24];
    int n = conv_dims(s, lin, lout, nd, l->pad_top, l->pad_left);
    emit_lit_int(&s[n++], "G", l->groups);
    emit_lit_int(&s[n++], "DLH", l->dilation[0]), emit_lit_int(&s[n++], "DLW", l->dilation[1]);
    emit_lit_int(&s[n++], "RELU", relu), emit_lit_int(&s[n++], "BIAS", l->use_bias);
    emit_lit_int(&s[n++], "NEED_DX", needs_dx(m, nd));
    emit_lit_int(&s[n++], "MASK_DY", relu && !nd->mask_out);
    emit_lit_int(&s[n++], "MASK_DX", mask_dx(m, nd));
    emit_lit_name(&s[n++], "conv2d_dg_fwd", nd, "fwd");
    emit_lit_name(&s[n++], "conv2d_dg_dw", nd, "dw");
    emit_lit_name(&s[n++], "conv2d_dg_dx", nd, "dx");
    emit_lit_name(&s[n++], "conv2d_dg_bwd", nd, "bwd");
    char what[64];
    snprintf(what, sizeof what, "%s, dilation %dx%d, groups %d",
             l->padding == PAD_SAME ? "same" : "valid", l->dilation[0], l->dilation[1],
             l->groups);
    emit_comment_loc(e, nd, what);
    template_emit(e->out, "conv2d_dg", s, n);
}

/* The scalar kernels always come out (they are the reference and the
 * fallback); a SIMD target adds its own for what its vectors divide. */
static void emit(emit_ctx *e, const gnode *nd)
{
    const model *m = e->m;
    const conv2d_attr *l = nd->attr;
    shape3 lin = in_shape(m, nd), lout = out_shape(m, nd);
    if (is_dg(nd)) {
        emit_dg(e, nd);
        return;
    }
    int vw = conv_vw(m, nd), relu = nd->act == ACT_RELU;
    int simd = vw && lout.c % vw == 0;
    int simd_dx = simd && needs_dx(m, nd) && lin.c % vw == 0;
    subst s[28];
    int n = conv_dims(s, lin, lout, nd, l->pad_top, l->pad_left);
    emit_lit_int(&s[n++], "RELU", relu);
    emit_lit_int(&s[n++], "BIAS", l->use_bias);
    emit_lit_int(&s[n++], "NEED_DX", needs_dx(m, nd));
    emit_lit_int(&s[n++], "MASK_DY", relu && !nd->mask_out);
    emit_lit_int(&s[n++], "DB_DONE", l->use_bias && fused_pool(m, nd) != NULL);
    emit_lit_int(&s[n++], "DB_IN_DW", simd);
    emit_lit_int(&s[n++], "MASK_DX", mask_dx(m, nd));
    emit_lit_name(&s[n++], "conv2d_fwd", nd, simd ? "fwd_scalar" : "fwd");
    emit_lit_name(&s[n++], "conv2d_bwd", nd, "bwd");
    emit_lit_name(&s[n++], "conv2d_dw_rows", nd, "dw_rows");
    emit_lit_name(&s[n++], "conv2d_dw", nd, "dw_scalar");
    emit_lit_name(&s[n++], "conv2d_dx", nd, "dx_scalar");
    emit_lit_name(&s[n++], "dw_impl", nd, simd ? "dw_simd" : "dw_scalar");
    emit_lit_name(&s[n++], "dx_impl", nd, simd_dx ? "dx_simd" : "dx_scalar");
    emit_comment_loc(e, nd, l->padding == PAD_SAME ? "same" : "valid");
    if (simd) {
        sb_printf(e->out, "/* %s kernels, %d-wide%s */\n", m->target, vw,
                  simd_dx ? "" : "; dx by the scalar kernel");
        if (vw != m->vw)
            emit_simd_width(e, vw);
        emit_simd_conv(e, nd, lin, lout, l->pad_top, l->pad_left, relu, l->use_bias, 0,
                       fused_pool(m, nd), "fwd", "block");
        emit_simd_bwd(e, nd, simd_dx);
        if (vw != m->vw)
            emit_simd_width(e, m->vw);
    }
    template_emit(e->out, "conv2d", s, n);
    if (nd->infer_folded >= 0)
        emit_folded(e, nd, simd);
}

/* Fused with the max pool after it: that node's output and window
 * positions, written by this node's kernel. */
static void call_fwd(emit_ctx *e, const gnode *n, int mode)
{
    if (mode == MODE_INFER && n->infer_folded >= 0) {
        emit_call_folded_fwd(e, n);
        return;
    }
    const gnode *pool = fused_pool(e->m, n);
    if (!pool) {
        emit_call_weighted_fwd(e, n);
        return;
    }
    sb_printf(e->out, "    %s_fwd_pool(%s, (unsigned char *)%s, %s, %s, %s, n);\n", n->id,
              emit_act(e, pool->out), emit_saved(e, pool), emit_act(e, n->in[0]),
              emit_tensor(e, n, 0, "nnc_params"), emit_tensor(e, n, 1, "nnc_params"));
}

/* With the pool after it leaving dx to this node (bwd_absorbed), dy is that
 * pool's gradient: dw reads it and the window positions (no dx), or bwd_pool
 * expands it one sample at a time for dw and dx; the pool sums the bias
 * gradient. */
static void call_bwd(emit_ctx *e, const gnode *n)
{
    const gnode *pool = fused_pool(e->m, n);
    if (!pool || !pool->bwd_absorbed) {
        emit_call_weighted_bwd(e, n);
        return;
    }
    const char *am = emit_saved(e, pool), *dy = emit_grad(e, pool->out);
    if (needs_dx(e->m, n))
        sb_printf(e->out, "    %s_bwd_pool(%s, %s, %s, (const unsigned char *)%s, %s, "
                          "%s, nnc_scratch, n);\n",
                  n->id, emit_tensor(e, n, 0, "nnc_grads"), emit_dx(e, n, 0), dy, am,
                  emit_act(e, n->in[0]), emit_tensor(e, n, 0, "nnc_params"));
    else
        sb_printf(e->out, "    %s_dw_all(%s, NULL, nnc_scratch, %s, (const unsigned char *)%s, "
                          "%s, n);\n", n->id, emit_tensor(e, n, 0, "nnc_grads"), dy, am,
                  emit_act(e, n->in[0]));
}

/* Multiply-adds of one sample, as FLOPs: over the output pixels a max pool it
 * computes reads (the others are neither computed nor get dw work); dx as for
 * every pixel. */
static double flops(const model *m, const gnode *n, int pass)
{
    shape3 out = out_shape(m, n);
    const gnode *pool = fused_pool(m, n);
    double per_pixel = 2.0 * (double)n->t[0].count, pixels = (double)out.h * out.w, used = pixels;
    if (pool) {
        int size[2];
        max_pooling2d_size(pool, size);
        used = (double)out_shape(m, pool).h * size[0] * out_shape(m, pool).w * size[1];
    }
    return pass == 0 ? per_pixel * used : per_pixel * (used + (needs_dx(m, n) ? pixels : 0));
}

const op_def op_conv2d = {
    .name = "conv2d", .keys = keys, .positional = positional, .min_inputs = 1, .max_inputs = 1,
    .parse = parse, .infer = infer, .emit = emit, .call_fwd = call_fwd, .call_bwd = call_bwd,
    .flops = flops, .acts = ACT_BIT(ACT_LINEAR) | ACT_BIT(ACT_RELU), .applies_mask = 1,
    .takes_fold = 1,
    .fold_ok = no_dg, /* the grouped/dilated kernels have no folded variant */
    .tree_grads = no_dg,
};
