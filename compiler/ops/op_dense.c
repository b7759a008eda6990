/* ops/op_dense.c — Keras Dense on a flat input: kernel (in, units), bias,
 * relu|linear|softmax. Softmax is only allowed on the last layer, where it is
 * fused with the cross-entropy loss. */
#include "nnc.h"

/* accumulator vectors in a register block (of 16 on AVX2), and how many of
 * them run over samples in the dx kernel */
#define DENSE_ACC 12
#define DENSE_DX_SV 2
/* inputs per pass of the forward kernel: a 512 x 32 panel of W is 64 KiB */
#define DENSE_KC 512

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
    /* the scalar dx transposes the kernel; the SIMD dw packs the inputs in
     * row blocks, the SIMD dx transposes dy padded to whole vectors */
    size_t B = (size_t)m->batch_size, in = (size_t)l->in.c, out = (size_t)l->units;
    l->scratch = in * out;
    if ((in + DENSE_ACC) * B > l->scratch)
        l->scratch = (in + DENSE_ACC) * B;
    if (out * (B + 16) > l->scratch)
        l->scratch = out * (B + 16);
    return 0;
}

/* templates/dense_simd.c: the forward pass. */
static void emit_simd_fwd(emit_ctx *e, const layer *l)
{
    subst s[9];
    int n = 0, obv = emit_pick_obv(l->units, e->m->vw);
    emit_lit_int(&s[n++], "I", l->in.c), emit_lit_int(&s[n++], "O", l->units);
    emit_lit_int(&s[n++], "RELU", l->activation == ACT_RELU);
    emit_lit_int(&s[n++], "BIAS", l->use_bias);
    emit_lit_int(&s[n++], "OBV", obv), emit_lit_int(&s[n++], "SB", 8 / obv);
    emit_lit_int(&s[n++], "KC", DENSE_KC);
    emit_lit_name(&s[n++], "dense_simd_fwd", l, "fwd");
    emit_lit_name(&s[n++], "dense_simd_block", l, "block");
    template_emit(e->out, "dense_simd", s, n);
}

/* templates/dense_simd_dw.c: 12 accumulators, rows times output vectors. */
static void emit_simd_dw(emit_ctx *e, const layer *l)
{
    subst s[6];
    /* at most 2 vectors of outputs: 12 accumulators + OBV loads + 1 broadcast
     * must fit AVX2's 16 registers */
    int n = 0, obv = emit_pick_obv(l->units, e->m->vw);
    obv = obv > 2 ? 2 : obv;
    emit_lit_int(&s[n++], "I", l->in.c), emit_lit_int(&s[n++], "O", l->units);
    emit_lit_int(&s[n++], "RB", DENSE_ACC / obv), emit_lit_int(&s[n++], "OBV", obv);
    emit_lit_name(&s[n++], "dense_simd_dw", l, "dw_simd");
    emit_lit_name(&s[n++], "dense_simd_dw_block", l, "dw_block");
    template_emit(e->out, "dense_simd_dw", s, n);
}

/* Outputs not whole vectors: templates/dense_simd_dwn.c, vectors over the
 * inputs; RO outputs (balanced blocks of up to 6) times IV input vectors, so
 * that RO*IV accumulators + IV loads + 1 broadcast fit 16 registers. */
static void emit_simd_dwn(emit_ctx *e, const layer *l)
{
    subst s[7];
    int n = 0, blocks = (l->units + 5) / 6, ro = (l->units + blocks - 1) / blocks;
    int iv = 15 / (ro + 1) < 12 / ro ? 15 / (ro + 1) : 12 / ro;
    emit_lit_int(&s[n++], "I", l->in.c), emit_lit_int(&s[n++], "O", l->units);
    emit_lit_int(&s[n++], "RO", ro), emit_lit_int(&s[n++], "IV", iv);
    emit_lit_name(&s[n++], "dense_simd_dwn", l, "dw_simd");
    emit_lit_name(&s[n++], "dense_simd_dwn_block", l, "dwn_block");
    template_emit(e->out, "dense_simd_dwn", s, n);
}

/* Vectors over samples: any number of outputs. */
static void emit_simd_dx(emit_ctx *e, const layer *l)
{
    subst s[6];
    int n = 0;
    emit_lit_int(&s[n++], "I", l->in.c), emit_lit_int(&s[n++], "O", l->units);
    emit_lit_int(&s[n++], "RB", DENSE_ACC / DENSE_DX_SV), emit_lit_int(&s[n++], "SV", DENSE_DX_SV);
    emit_lit_name(&s[n++], "dense_simd_dx", l, "dx_simd");
    emit_lit_name(&s[n++], "dense_simd_dx_block", l, "dx_block");
    template_emit(e->out, "dense_simd_dx", s, n);
}

/* The scalar kernels always come out (reference and fallback); a SIMD target
 * adds its own for what its vectors divide: the forward pass and dw need
 * whole vectors of outputs (or dw, of inputs); dx runs over samples. */
static void emit_fwd(emit_ctx *e, const layer *l)
{
    int vw = e->m->vw, simd = vw && l->units % vw == 0, simd_dx = vw && l->needs_dx;
    int simd_dwn = vw && !simd && l->in.c % vw == 0;
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
    emit_lit_name(&s[n++], "dw_impl", l, simd || simd_dwn ? "dw_simd" : "dw_scalar");
    emit_lit_name(&s[n++], "dx_impl", l, simd_dx ? "dx_simd" : "dx_scalar");
    emit_comment_loc(e, l, l->activation == ACT_SOFTMAX ? "logits; softmax is fused with the loss"
                                                        : "");
    if (simd || simd_dx || simd_dwn)
        sb_printf(e->out, "/* %s kernels, %d-wide%s */\n", e->m->target, vw,
                  simd ? "" : "; the forward pass by the scalar kernel");
    if (simd) {
        emit_simd_fwd(e, l);
        emit_simd_dw(e, l);
    }
    if (simd_dwn)
        emit_simd_dwn(e, l);
    if (simd_dx)
        emit_simd_dx(e, l);
    template_emit(e->out, "dense", s, n);
}

const op_def op_dense = {"dense", parse, infer, emit_fwd, emit_call_weighted_fwd,
                          emit_call_weighted_bwd, 0, keys};
