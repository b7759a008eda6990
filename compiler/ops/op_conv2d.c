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

static int infer(layer *l, const model *m)
{
    (void)m;
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
    return 0;
}

static void emit_fwd(emit_ctx *e, const layer *l)
{
    subst s[19];
    int n = 0;
    emit_lit_int(&s[n++], "IH", l->in.h), emit_lit_int(&s[n++], "IW", l->in.w);
    emit_lit_int(&s[n++], "IC", l->in.c), emit_lit_int(&s[n++], "OH", l->out.h);
    emit_lit_int(&s[n++], "OW", l->out.w), emit_lit_int(&s[n++], "OC", l->out.c);
    emit_lit_int(&s[n++], "KH", l->kernel[0]), emit_lit_int(&s[n++], "KW", l->kernel[1]);
    emit_lit_int(&s[n++], "SH", l->strides[0]), emit_lit_int(&s[n++], "SW", l->strides[1]);
    emit_lit_int(&s[n++], "PT", l->pad_top), emit_lit_int(&s[n++], "PL", l->pad_left);
    emit_lit_int(&s[n++], "RELU", l->activation == ACT_RELU);
    emit_lit_int(&s[n++], "BIAS", l->use_bias);
    emit_lit_int(&s[n++], "NEED_DX", l->needs_dx);
    emit_lit_name(&s[n++], "conv2d_fwd", l, "fwd");
    emit_lit_name(&s[n++], "conv2d_bwd", l, "bwd");
    emit_lit_name(&s[n++], "conv2d_bwd_w", l, "bwd_w");
    emit_lit_name(&s[n++], "conv2d_bwd_x", l, "bwd_x");
    emit_comment_loc(e, l, paddings[l->padding]);
    template_emit(e->out, "conv2d", s, n);
}

const op_def op_conv2d = {"conv2d", parse, infer, emit_fwd, emit_call_weighted_fwd,
                           emit_call_weighted_bwd, 0, keys};
