/* ops/op_separable_conv2d.c — Keras SeparableConv2D: a depthwise convolution
 * (depthwise_kernel (kh, kw, cin, depth_multiplier), no bias), then a
 * pointwise 1x1 convolution (pointwise_kernel (1, 1, cin*dm, filters)) with
 * the bias and relu|linear. One node, Keras's one layer: its tensors are
 * named and laid out as Keras's. The depthwise output (mid) is kept per
 * sample for the pointwise kernel gradient. */
#include "ops/ops.h"

typedef struct sep_attr {
    dwconv d;
    int filters, use_bias, pw_init;
} sep_attr;

static const char *const positional[] = {"filters", "kernel_size", "strides", "padding", NULL};
static const char *const keys[] = {"filters", "kernel_size", "strides", "padding",
                                   "depth_multiplier", "dilation_rate", "activation",
                                   "use_bias", "depthwise_initializer",
                                   "pointwise_initializer", NULL};

static int parse(gnode *n, attrs *a)
{
    sep_attr *c = n->attr = xcalloc(1, sizeof *c);
    long filters;
    if (!attrs_get(a, "filters") || !attrs_get(a, "kernel_size")) {
        diag_error(n->loc, "%s: needs 'filters' and 'kernel_size' (e.g. {filters: 64, "
                           "kernel_size: 3})", n->ctx);
        return -1;
    }
    if (attrs_int(a, "filters", 0, 1, 65536, &filters) ||
        dwconv_parse(n, a, &c->d, "depthwise_initializer") ||
        attrs_enum(a, "pointwise_initializer", dwconv_inits, INIT_GLOROT_UNIFORM, &c->pw_init) ||
        attrs_bool(a, "use_bias", 1, &c->use_bias) || parse_activation(n, a))
        return -1;
    c->filters = (int)filters;
    return 0;
}

static size_t pixels(const model *m, const gnode *n)
{
    shape3 o = node_out(m, n)->shape;
    return (size_t)o.h * o.w;
}

static int infer(gnode *n, const model *m, shape3 *out)
{
    sep_attr *c = n->attr;
    shape3 mid;
    if (node_needs_image(n, m) || dwconv_infer(n, m, &c->d, node_in(m, n, 0)->shape, &mid))
        return -1;
    *out = (shape3){mid.h, mid.w, c->filters, 0};
    int pk[4] = {1, 1, mid.c, c->filters};
    node_add_tensor(n, "pointwise_kernel", TENSOR_TRAINABLE, 4, pk, c->pw_init, mid.c, c->filters);
    if (c->use_bias)
        node_add_tensor(n, "bias", TENSOR_TRAINABLE, 1, &c->filters, INIT_ZEROS, 0, 0);
    size_t rows = (size_t)m->batch_size * mid.h * mid.w;
    n->saved_bytes = (size_t)mid.h * mid.w * mid.c * sizeof(float);
    n->scratch = dense_scratch(mid.c, c->filters, rows) + rows * mid.c +
                 (size_t)mid.c * c->filters + dwconv_scratch(m, &c->d, mid);
    return 0;
}

static void emit(emit_ctx *e, const gnode *nd)
{
    const sep_attr *c = nd->attr;
    const model *m = e->m;
    const gvalue *in = node_in(m, nd, 0);
    shape3 out = node_out(m, nd)->shape, mid = {out.h, out.w, in->shape.c * c->d.dm, 0};
    size_t rows = (size_t)m->batch_size * mid.h * mid.w;
    char what[80];
    snprintf(what, sizeof what, "%s, depth_multiplier %d, dilation %dx%d; pointwise %d -> %d",
             c->d.padding == PAD_SAME ? "same" : "valid", c->d.dm, c->d.dilation[0],
             c->d.dilation[1], mid.c, out.c);
    emit_comment_loc(e, nd, what);
    dwconv_emit(e, nd, &c->d, "dw_", in->shape, mid, 0, 0, 0, in->needs_grad);
    dense_emit_kernels(e, nd, "pw", mid.c, c->filters, c->use_bias, 0, nd->act, nd->mask_out,
                       mid.h * mid.w);
    dense_emit_kernels(e, nd, "pwt", c->filters, mid.c, 0, 0, ACT_LINEAR, 0, mid.h * mid.w);
    subst s[12];
    int n = 0;
    emit_lit_int(&s[n++], "P", (long)(mid.h * mid.w)), emit_lit_int(&s[n++], "CM", mid.c);
    emit_lit_int(&s[n++], "PWS", (long)dense_scratch(mid.c, c->filters, rows));
    emit_lit_int(&s[n++], "MIDB", (long)(rows * mid.c));
    emit_lit_name(&s[n++], "separable_conv2d_fwd", nd, "fwd");
    emit_lit_name(&s[n++], "separable_conv2d_bwd", nd, "bwd");
    emit_lit_name(&s[n++], "sep_dw_fwd", nd, "dw_fwd");
    emit_lit_name(&s[n++], "sep_dw_bwd", nd, "dw_bwd");
    emit_lit_name(&s[n++], "sep_pw_fwd", nd, "pw_fwd");
    emit_lit_name(&s[n++], "sep_pw_bwd", nd, "pw_bwd");
    emit_lit_name(&s[n++], "sep_pwt_fwd", nd, "pwt_fwd");
    emit_lit_int(&s[n++], "F", c->filters);
    template_emit(e->out, "separable_conv2d", s, n);
}

static void call_fwd(emit_ctx *e, const gnode *n, int mode)
{
    (void)mode;
    sb_printf(e->out, "    %s_fwd(%s, %s, %s, %s, %s, %s, n);\n", n->id, emit_act(e, n->out),
              emit_saved(e, n), emit_act(e, n->in[0]), emit_tensor(e, n, 0, "nnc_params"),
              emit_tensor(e, n, 1, "nnc_params"), emit_tensor(e, n, 2, "nnc_params"));
}

static void call_bwd(emit_ctx *e, const gnode *n)
{
    sb_printf(e->out, "    %s_bwd(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, nnc_scratch, n);\n",
              n->id, emit_dx(e, n, 0), emit_tensor(e, n, 0, "nnc_grads"),
              emit_tensor(e, n, 1, "nnc_grads"), emit_tensor(e, n, 2, "nnc_grads"),
              emit_grad(e, n->out), emit_act(e, n->in[0]), emit_saved(e, n),
              emit_act(e, n->out), emit_tensor(e, n, 0, "nnc_params"),
              emit_tensor(e, n, 1, "nnc_params"));
}

/* Multiply-adds of one sample (FLOPs): the depthwise and the pointwise
 * kernel values once per output pixel; backward both kernel gradients, the
 * pointwise input gradient, and the depthwise one when needed. */
static double flops(const model *m, const gnode *n, int pass)
{
    double p = (double)pixels(m, n), dw = 2.0 * (double)n->t[0].count * p,
           pw = 2.0 * (double)n->t[1].count * p;
    if (pass == 0)
        return dw + pw;
    return dw + 2 * pw + (node_in(m, n, 0)->needs_grad ? dw : 0);
}

const op_def op_separable_conv2d = {
    .name = "separable_conv2d", .keys = keys, .positional = positional, .min_inputs = 1,
    .max_inputs = 1, .parse = parse, .infer = infer, .emit = emit, .call_fwd = call_fwd,
    .call_bwd = call_bwd, .flops = flops, .acts = ACT_BIT(ACT_LINEAR) | ACT_BIT(ACT_RELU),
};
