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

/* One instance of templates/dense_simd.c: forward, or dx = dy W^T. */
static void emit_simd_gemm(emit_ctx *e, const layer *l, int in, int out, int relu, int bias,
                           const char *fn, const char *block)
{
    subst s[8];
    int n = 0, obv = emit_pick_obv(out, e->m->vw);
    emit_lit_int(&s[n++], "I", in), emit_lit_int(&s[n++], "O", out);
    emit_lit_int(&s[n++], "RELU", relu), emit_lit_int(&s[n++], "BIAS", bias);
    emit_lit_int(&s[n++], "OBV", obv), emit_lit_int(&s[n++], "SB", 8 / obv);
    emit_lit_name(&s[n++], "dense_simd_fwd", l, fn);
    emit_lit_name(&s[n++], "dense_simd_block", l, block);
    template_emit(e->out, "dense_simd", s, n);
}

static void emit_simd_bwd(emit_ctx *e, const layer *l, int simd_dx)
{
    subst s[8];
    int n = 0, obv = emit_pick_obv(l->units, e->m->vw);
    emit_lit_int(&s[n++], "I", l->in.c), emit_lit_int(&s[n++], "O", l->units);
    emit_lit_int(&s[n++], "RB", 8 / obv), emit_lit_int(&s[n++], "OBV", obv);
    emit_lit_name(&s[n++], "dense_simd_dw", l, "dw_simd");
    emit_lit_name(&s[n++], "dense_simd_dw_block", l, "dw_block");
    template_emit(e->out, "dense_simd_dw", s, n);
    if (!simd_dx)
        return;
    emit_simd_gemm(e, l, l->units, l->in.c, 0, 0, "dx_gemm", "dx_block");
    n = 2;
    emit_lit_name(&s[n++], "dense_simd_dx", l, "dx_simd");
    emit_lit_name(&s[n++], "dx_gemm", l, "dx_gemm");
    template_emit(e->out, "dense_simd_dx", s, n);
}

/* The scalar kernels always come out (reference and fallback); a SIMD target
 * adds its own where its vectors divide the outputs. */
static void emit_fwd(emit_ctx *e, const layer *l)
{
    int vw = e->m->vw, simd = vw && l->units % vw == 0;
    int simd_dx = simd && l->needs_dx && l->in.c % vw == 0;
    subst s[12];
    int n = 0;
    emit_lit_int(&s[n++], "I", l->in.c), emit_lit_int(&s[n++], "O", l->units);
    emit_lit_int(&s[n++], "RELU", l->activation == ACT_RELU);
    emit_lit_int(&s[n++], "BIAS", l->use_bias);
    emit_lit_int(&s[n++], "NEED_DX", l->needs_dx);
    emit_lit_int(&s[n++], "MASK_DY", l->activation == ACT_RELU && !l->relu_fused_next);
    emit_lit_name(&s[n++], "dense_fwd", l, simd ? "fwd_scalar" : "fwd");
    emit_lit_name(&s[n++], "dense_bwd", l, "bwd");
    emit_lit_name(&s[n++], "dense_dw", l, "dw_scalar");
    emit_lit_name(&s[n++], "dense_dx", l, "dx_scalar");
    emit_lit_name(&s[n++], "dw_impl", l, simd ? "dw_simd" : "dw_scalar");
    emit_lit_name(&s[n++], "dx_impl", l, simd_dx ? "dx_simd" : "dx_scalar");
    emit_comment_loc(e, l, l->activation == ACT_SOFTMAX ? "logits; softmax is fused with the loss"
                                                        : "");
    if (simd) {
        sb_printf(e->out, "/* %s kernels, %d-wide */\n", e->m->target, vw);
        emit_simd_gemm(e, l, l->in.c, l->units, l->activation == ACT_RELU, l->use_bias, "fwd",
                       "block");
        emit_simd_bwd(e, l, simd_dx);
    }
    template_emit(e->out, "dense", s, n);
}

const op_def op_dense = {"dense", parse, infer, emit_fwd, emit_call_weighted_fwd,
                          emit_call_weighted_bwd, 0, keys};
