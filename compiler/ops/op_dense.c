/* ops/op_dense.c — Keras Dense on a flat input: kernel (in, units), bias,
 * relu|linear|softmax. Softmax is only allowed on the last layer, where it is
 * fused with the cross-entropy loss. */
#include "nnc.h"

static const char *const keys[] = {"units", "activation", "use_bias", NULL};

static int parse(layer *l, attrs *a)
{
    long units;
    if (!attrs_get(a, "units")) {
        diag_error(l->loc, "%s: missing 'units' (e.g. {units: 10, activation: softmax})", l->ctx);
        return -1;
    }
    if (attrs_int(a, "units", 0, 1, 1 << 20, &units) ||
        attrs_bool(a, "use_bias", 1, &l->use_bias) || parse_activation(l, a, 1))
        return -1;
    l->units = (int)units;
    return 0;
}

static int infer(layer *l, const model *m)
{
    (void)m;
    if (!l->in.flat) {
        diag_error(l->loc, "%s: expects a flat input but gets (%d, %d, %d); add '- flatten' "
                           "before it", l->ctx, l->in.h, l->in.w, l->in.c);
        return -1;
    }
    l->out = (shape3){1, 1, l->units, 1};
    int ks[2] = {l->in.c, l->units};
    layer_add_param(l, "kernel", 2, ks, INIT_GLOROT_UNIFORM, l->in.c, l->units);
    if (l->use_bias)
        layer_add_param(l, "bias", 1, &l->units, INIT_ZEROS, 0, 0);
    return 0;
}

static void emit_fwd(emit_ctx *e, const layer *l)
{
    subst s[7];
    int n = 0;
    emit_lit_int(&s[n++], "I", l->in.c), emit_lit_int(&s[n++], "O", l->units);
    emit_lit_int(&s[n++], "RELU", l->activation == ACT_RELU);
    emit_lit_int(&s[n++], "BIAS", l->use_bias);
    emit_lit_int(&s[n++], "NEED_DX", l->needs_dx);
    emit_lit_name(&s[n++], "dense_fwd", l, "fwd");
    emit_lit_name(&s[n++], "dense_bwd", l, "bwd");
    emit_comment_loc(e, l, l->activation == ACT_SOFTMAX ? "logits; softmax is fused with the loss"
                                                        : "");
    template_emit(e->out, "dense", s, n);
}

const op_def op_dense = {"dense", parse, infer, emit_fwd, emit_call_weighted_fwd,
                          emit_call_weighted_bwd, 0, keys};
