/* ops/op_depthwise_conv2d.c — Keras DepthwiseConv2D: each input channel
 * convolved with depth_multiplier filters of its own, kernel (kh, kw, cin,
 * depth_multiplier), output channel c*dm + m; strides, padding valid|same,
 * dilation_rate, bias and relu|linear fused into the kernel. The depthwise
 * part is shared with separable_conv2d (dwconv_*). */
#include "ops/ops.h"

#include <string.h>

/* INIT_* order */
const char *const dwconv_inits[] = {"zeros", "glorot_uniform", "ones", "glorot_normal",
                                    "he_normal", "he_uniform", "lecun_normal", "lecun_uniform",
                                    NULL};
static const char *const paddings[] = {"valid", "same", NULL};

int dwconv_parse(gnode *n, attrs *a, dwconv *d, const char *init_key)
{
    long k[2], s[2], dl[2], dm;
    if (!attrs_get(a, "kernel_size")) {
        diag_error(n->loc, "%s: needs 'kernel_size' (e.g. {kernel_size: 3})", n->ctx);
        return -1;
    }
    if (attrs_pair(a, "kernel_size", 0, 1, 64, k) || attrs_pair(a, "strides", 1, 1, 64, s) ||
        attrs_enum(a, "padding", paddings, PAD_VALID, &d->padding) ||
        attrs_int(a, "depth_multiplier", 1, 1, 4096, &dm) ||
        attrs_pair(a, "dilation_rate", 1, 1, 64, dl) ||
        attrs_enum(a, init_key, dwconv_inits, INIT_GLOROT_UNIFORM, &d->init))
        return -1;
    d->kernel[0] = (int)k[0], d->kernel[1] = (int)k[1];
    d->strides[0] = (int)s[0], d->strides[1] = (int)s[1];
    d->dilation[0] = (int)dl[0], d->dilation[1] = (int)dl[1];
    d->dm = (int)dm;
    if ((d->strides[0] > 1 || d->strides[1] > 1) && (d->dilation[0] > 1 || d->dilation[1] > 1)) {
        diag_error(attrs_get(a, "dilation_rate")->loc,
                   "%s: dilation_rate %dx%d with strides %dx%d: Keras allows a dilation_rate "
                   "above 1 only with strides 1", n->ctx, d->dilation[0], d->dilation[1],
                   d->strides[0], d->strides[1]);
        return -1;
    }
    return 0;
}

int dwconv_infer(gnode *n, const model *m, dwconv *d, shape3 in, shape3 *out)
{
    (void)m;
    int ekh = (d->kernel[0] - 1) * d->dilation[0] + 1, ekw = (d->kernel[1] - 1) * d->dilation[1] + 1;
    int oh = shape_window(in.h, ekh, d->strides[0], d->padding, &d->pad_top);
    int ow = shape_window(in.w, ekw, d->strides[1], d->padding, &d->pad_left);
    if (oh < 1 || ow < 1) {
        diag_error(n->loc, "%s: kernel_size %dx%d (dilated %dx%d) does not fit input %dx%dx%d "
                           "with padding %s", n->ctx, d->kernel[0], d->kernel[1], ekh, ekw,
                   in.h, in.w, in.c, paddings[d->padding]);
        return -1;
    }
    if ((long)in.c * d->dm > 65536) {
        diag_error(n->loc, "%s: %d channels times depth_multiplier %d is more than 65536",
                   n->ctx, in.c, d->dm);
        return -1;
    }
    *out = (shape3){oh, ow, in.c * d->dm, 0};
    int ks[4] = {d->kernel[0], d->kernel[1], in.c, d->dm}, rf = d->kernel[0] * d->kernel[1];
    /* Keras's fans of a 4-D kernel: receptive field times its last two axes */
    node_add_tensor(n, "depthwise_kernel", TENSOR_TRAINABLE, 4, ks, d->init, rf * in.c, rf * d->dm);
    return 0;
}

/* per-sample partials of dw and db */
size_t dwconv_scratch(const model *m, const dwconv *d, shape3 out)
{
    return (size_t)m->batch_size * (size_t)(d->kernel[0] * d->kernel[1] + 1) * out.c;
}

static int dims(subst *s, const dwconv *d, shape3 in, shape3 out)
{
    int n = 0;
    emit_lit_int(&s[n++], "IH", in.h), emit_lit_int(&s[n++], "IW", in.w);
    emit_lit_int(&s[n++], "OH", out.h), emit_lit_int(&s[n++], "OW", out.w);
    emit_lit_int(&s[n++], "KH", d->kernel[0]), emit_lit_int(&s[n++], "KW", d->kernel[1]);
    emit_lit_int(&s[n++], "SH", d->strides[0]), emit_lit_int(&s[n++], "SW", d->strides[1]);
    emit_lit_int(&s[n++], "DLH", d->dilation[0]), emit_lit_int(&s[n++], "DLW", d->dilation[1]);
    emit_lit_int(&s[n++], "PT", d->pad_top), emit_lit_int(&s[n++], "PL", d->pad_left);
    return n;
}

static void name(subst *s, const char *from, const gnode *nd, const char *pre, const char *what)
{
    char suffix[40];
    snprintf(suffix, sizeof suffix, "%s%s", pre, what);
    emit_lit_name(s, from, nd, suffix);
}

/* The SIMD kernels (depth_multiplier 1: vectors over the channels, any
 * number of them), then the scalar ones, which call the SIMD dw and dx. */
void dwconv_emit(emit_ctx *e, const gnode *nd, const dwconv *d, const char *pre, shape3 in,
                 shape3 out, int relu, int mask_dy, int bias, int need_dx)
{
    int simd = e->m->vw && d->dm == 1;
    subst s[32];
    int n;
    if (simd) {
        int taps = d->kernel[0] * d->kernel[1];
        /* TB accumulators + dy + x: at most 12 of AVX2's 16 registers, in
         * blocks as even as they go */
        int blocks = (taps + 9) / 10, tb = (taps + blocks - 1) / blocks;
        n = dims(s, d, in, out);
        emit_lit_int(&s[n++], "C", in.c), emit_lit_int(&s[n++], "RELU", relu);
        emit_lit_int(&s[n++], "BIAS", bias), emit_lit_int(&s[n++], "PB", 4);
        emit_lit_int(&s[n++], "TB", tb);
        name(&s[n++], "depthwise_conv2d_simd_block", nd, pre, "block");
        name(&s[n++], "depthwise_conv2d_simd_fwd", nd, pre, "fwd");
        name(&s[n++], "depthwise_conv2d_simd_dw_taps", nd, pre, "dw_taps");
        name(&s[n++], "depthwise_conv2d_simd_dw", nd, pre, "dw_simd");
        name(&s[n++], "depthwise_conv2d_simd_dx", nd, pre, "dx_simd");
        sb_printf(e->out, "/* %s kernels, %d-wide */\n", e->m->target, e->m->vw);
        template_emit(e->out, "depthwise_conv2d_simd", s, n);
    }
    n = dims(s, d, in, out);
    emit_lit_int(&s[n++], "IC", in.c), emit_lit_int(&s[n++], "OC", out.c);
    emit_lit_int(&s[n++], "DM", d->dm);
    emit_lit_int(&s[n++], "RELU", relu), emit_lit_int(&s[n++], "BIAS", bias);
    emit_lit_int(&s[n++], "NEED_DX", need_dx), emit_lit_int(&s[n++], "MASK_DY", mask_dy);
    name(&s[n++], "depthwise_conv2d_fwd", nd, pre, simd ? "fwd_scalar" : "fwd");
    name(&s[n++], "depthwise_conv2d_reduce", nd, pre, "reduce");
    name(&s[n++], "depthwise_conv2d_dw", nd, pre, "dw_scalar");
    name(&s[n++], "depthwise_conv2d_dx", nd, pre, "dx_scalar");
    name(&s[n++], "depthwise_conv2d_bwd", nd, pre, "bwd");
    name(&s[n++], "dwc_dw_impl", nd, pre, simd ? "dw_simd" : "dw_scalar");
    name(&s[n++], "dwc_dx_impl", nd, pre, simd ? "dx_simd" : "dx_scalar");
    template_emit(e->out, "depthwise_conv2d", s, n);
}

typedef struct dw_attr {
    dwconv d;
    int use_bias;
} dw_attr;

static const char *const positional[] = {"kernel_size", "strides", "padding", NULL};
static const char *const keys[] = {"kernel_size", "strides", "padding", "depth_multiplier",
                                   "dilation_rate", "activation", "use_bias",
                                   "depthwise_initializer", NULL};

static int parse(gnode *n, attrs *a)
{
    dw_attr *c = n->attr = xcalloc(1, sizeof *c);
    if (dwconv_parse(n, a, &c->d, "depthwise_initializer") ||
        attrs_bool(a, "use_bias", 1, &c->use_bias) || parse_activation(n, a))
        return -1;
    return 0;
}

static int infer(gnode *n, const model *m, shape3 *out)
{
    dw_attr *c = n->attr;
    if (node_needs_image(n, m) || dwconv_infer(n, m, &c->d, node_in(m, n, 0)->shape, out))
        return -1;
    if (c->use_bias)
        node_add_tensor(n, "bias", TENSOR_TRAINABLE, 1, &out->c, INIT_ZEROS, 0, 0);
    n->scratch = dwconv_scratch(m, &c->d, *out);
    return 0;
}

static void emit(emit_ctx *e, const gnode *nd)
{
    const dw_attr *c = nd->attr;
    const model *m = e->m;
    const gvalue *in = node_in(m, nd, 0);
    int relu = nd->act == ACT_RELU;
    char what[64];
    snprintf(what, sizeof what, "%s, depth_multiplier %d, dilation %dx%d",
             paddings[c->d.padding], c->d.dm, c->d.dilation[0], c->d.dilation[1]);
    emit_comment_loc(e, nd, what);
    dwconv_emit(e, nd, &c->d, "", in->shape, node_out(m, nd)->shape, relu,
                relu && !nd->mask_out, c->use_bias, in->needs_grad);
}

static void call_fwd(emit_ctx *e, const gnode *n, int mode)
{
    (void)mode;
    emit_call_weighted_fwd(e, n);
}

/* Multiply-adds of one sample (FLOPs): one per kernel value and output pixel. */
static double flops(const model *m, const gnode *n, int pass)
{
    shape3 out = node_out(m, n)->shape;
    double f = 2.0 * (double)n->t[0].count * out.h * out.w;
    return pass == 0 ? f : f * (1 + node_in(m, n, 0)->needs_grad);
}

const op_def op_depthwise_conv2d = {
    .name = "depthwise_conv2d", .keys = keys, .positional = positional, .min_inputs = 1,
    .max_inputs = 1, .parse = parse, .infer = infer, .emit = emit, .call_fwd = call_fwd,
    .call_bwd = emit_call_weighted_bwd, .flops = flops,
    .acts = ACT_BIT(ACT_LINEAR) | ACT_BIT(ACT_RELU),
};
