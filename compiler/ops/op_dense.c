/* ops/op_dense.c — Keras Dense on a flat input: kernel (in, units), bias,
 * relu|linear|softmax. Softmax is only allowed on the last layer, where it is
 * fused with the cross-entropy loss. */
#include "ops/ops.h"

#include <string.h>

/* accumulator vectors in a register block (of 16 on AVX2), and how many of
 * them run over samples in the dx kernel */
#define DENSE_ACC 12
#define DENSE_DX_SV 2
/* inputs per pass of the forward kernel: a 512 x 32 panel of W is 64 KiB */
#define DENSE_KC 512

static const char *const positional[] = {"units", "activation", NULL};
static const char *const keys[] = {"units", "activation", "use_bias", "kernel_initializer",
                                   "bias_initializer", NULL};

typedef struct dense_attr {
    int units, use_bias;
    int kernel_init, bias_init; /* INIT_* */
} dense_attr;

/* What the emitters read, in one place: the node's sizes, attributes and annotations. */
typedef struct dense_view {
    int units, use_bias, needs_dx, activation, relu_fused_next;
    shape3 in;
    int rows; /* rows of I floats per sample (separable's pointwise: pixels); 0: 1 */
} dense_view;

/* The sample-group tree of dw and db runs over the kernels' rows: with several
 * rows per sample, over batch * rows of them instead of NNC_BATCH. */
static int batch_rows(emit_ctx *e, const dense_view *l, subst *s)
{
    if (l->rows <= 1)
        return 0;
    emit_lit_int(s, "NNC_BATCH", e->m->batch_size * l->rows);
    return 1;
}

static dense_view view(const model *m, const gnode *n)
{
    const dense_attr *d = n->attr;
    return (dense_view){d->units, d->use_bias, node_in(m, n, 0)->needs_grad, n->act,
                        n->mask_out, node_in(m, n, 0)->shape, 1};
}

static int parse(gnode *n, attrs *a)
{
    dense_attr *d = n->attr = xcalloc(1, sizeof *d);
    long units;
    if (!attrs_get(a, "units")) {
        diag_error(n->loc, "%s: missing 'units' (e.g. {units: 10, activation: softmax})", n->ctx);
        return -1;
    }
    if (attrs_int(a, "units", 0, 1, 1 << 20, &units) ||
        attrs_bool(a, "use_bias", 1, &d->use_bias) ||
        parse_initializer(n, a, "kernel_initializer", INIT_GLOROT_UNIFORM, &d->kernel_init) ||
        parse_initializer(n, a, "bias_initializer", INIT_ZEROS, &d->bias_init) ||
        parse_activation(n, a))
        return -1;
    d->units = (int)units;
    return 0;
}

static int infer(gnode *n, const model *m, shape3 *out)
{
    const dense_attr *d = n->attr;
    shape3 in = node_in(m, n, 0)->shape;
    if (!in.flat) {
        diag_error(n->loc, "%s: expects a flat input but gets (%d, %d, %d); add '- flatten' "
                           "before it", n->ctx, in.h, in.w, in.c);
        return -1;
    }
    *out = (shape3){1, 1, d->units, 1};
    int ks[2] = {in.c, d->units};
    node_add_tensor(n, "kernel", TENSOR_TRAINABLE, 2, ks, d->kernel_init, in.c, d->units);
    if (d->use_bias) /* Keras's fans of a vector: its length, both */
        node_add_tensor(n, "bias", TENSOR_TRAINABLE, 1, &d->units, d->bias_init, d->units,
                        d->units);
    /* the scalar dx transposes the kernel; the SIMD dw packs the inputs in
     * row blocks, the SIMD dx transposes dy padded to whole vectors */
    n->scratch = dense_scratch(in.c, d->units, (size_t)m->batch_size);
    return 0;
}

/* The vector width of this layer's SIMD kernels (target_layer_vw): its units
 * pick the forward and dw kernels, else its inputs pick dw's; dx runs over
 * samples whatever the width. */
static int dense_vw(const model *m, const dense_view *l)
{
    int counts[2] = {l->units, l->in.c};
    return target_layer_vw(m, counts, l->units % 8 ? 2 : 1);
}

/* templates/dense_simd.c: the forward pass. */
static void emit_simd_fwd(emit_ctx *e, const gnode *nd, const dense_view *l)
{
    subst s[9];
    int n = 0, obv = emit_pick_obv(l->units, dense_vw(e->m, l));
    emit_lit_int(&s[n++], "I", l->in.c), emit_lit_int(&s[n++], "O", l->units);
    emit_lit_int(&s[n++], "RELU", l->activation == ACT_RELU);
    emit_lit_int(&s[n++], "BIAS", l->use_bias);
    emit_lit_int(&s[n++], "OBV", obv), emit_lit_int(&s[n++], "SB", 8 / obv);
    emit_lit_int(&s[n++], "KC", DENSE_KC);
    emit_lit_name(&s[n++], "dense_simd_fwd", nd, "fwd");
    emit_lit_name(&s[n++], "dense_simd_block", nd, "block");
    template_emit(e->out, "dense_simd", s, n);
}

/* templates/dense_simd_dw.c: 12 accumulators, rows times output vectors. */
static void emit_simd_dw(emit_ctx *e, const gnode *nd, const dense_view *l)
{
    subst s[7];
    /* at most 2 vectors of outputs: 12 accumulators + OBV loads + 1 broadcast
     * must fit AVX2's 16 registers */
    int n = 0, obv = emit_pick_obv(l->units, dense_vw(e->m, l));
    obv = obv > 2 ? 2 : obv;
    emit_lit_int(&s[n++], "I", l->in.c), emit_lit_int(&s[n++], "O", l->units);
    emit_lit_int(&s[n++], "RB", DENSE_ACC / obv), emit_lit_int(&s[n++], "OBV", obv);
    emit_lit_name(&s[n++], "dense_simd_dw", nd, "dw_simd");
    emit_lit_name(&s[n++], "dense_simd_dw_block", nd, "dw_block");
    n += batch_rows(e, l, &s[n]);
    template_emit(e->out, "dense_simd_dw", s, n);
}

/* Outputs not whole vectors: templates/dense_simd_dwn.c, vectors over the
 * inputs; RO outputs (balanced blocks of up to 6) times IV input vectors, so
 * that RO*IV accumulators + IV loads + 1 broadcast fit 16 registers. */
static void emit_simd_dwn(emit_ctx *e, const gnode *nd, const dense_view *l)
{
    subst s[8];
    int n = 0, blocks = (l->units + 5) / 6, ro = (l->units + blocks - 1) / blocks;
    int iv = 15 / (ro + 1) < 12 / ro ? 15 / (ro + 1) : 12 / ro;
    emit_lit_int(&s[n++], "I", l->in.c), emit_lit_int(&s[n++], "O", l->units);
    emit_lit_int(&s[n++], "RO", ro), emit_lit_int(&s[n++], "IV", iv);
    emit_lit_name(&s[n++], "dense_simd_dwn", nd, "dw_simd");
    emit_lit_name(&s[n++], "dense_simd_dwn_block", nd, "dwn_block");
    n += batch_rows(e, l, &s[n]);
    template_emit(e->out, "dense_simd_dwn", s, n);
}

/* Vectors over samples: any number of outputs. */
static void emit_simd_dx(emit_ctx *e, const gnode *nd, const dense_view *l)
{
    subst s[6];
    int n = 0;
    emit_lit_int(&s[n++], "I", l->in.c), emit_lit_int(&s[n++], "O", l->units);
    emit_lit_int(&s[n++], "RB", DENSE_ACC / DENSE_DX_SV), emit_lit_int(&s[n++], "SV", DENSE_DX_SV);
    emit_lit_name(&s[n++], "dense_simd_dx", nd, "dx_simd");
    emit_lit_name(&s[n++], "dense_simd_dx_block", nd, "dx_block");
    template_emit(e->out, "dense_simd_dx", s, n);
}

/* With the node after it folded in at inference (infer_folded): a forward
 * kernel with a bias (the folded one) and that node's ReLU, if any. */
static void emit_folded(emit_ctx *e, const gnode *nd, int simd)
{
    dense_view v = view(e->m, nd), *l = &v;
    int relu = e->m->nodes[nd->infer_folded].act == ACT_RELU;
    subst s[12];
    int n = 0;
    sb_printf(e->out, "/* inference: with %s folded into kernel and bias */\n",
              e->m->nodes[nd->infer_folded].id);
    emit_lit_int(&s[n++], "I", l->in.c), emit_lit_int(&s[n++], "O", l->units);
    emit_lit_int(&s[n++], "RELU", relu), emit_lit_int(&s[n++], "BIAS", 1);
    if (simd) {
        int vw = dense_vw(e->m, l);
        if (vw != e->m->vw)
            emit_simd_width(e, vw);
        int obv = emit_pick_obv(l->units, dense_vw(e->m, l));
        emit_lit_int(&s[n++], "OBV", obv), emit_lit_int(&s[n++], "SB", 8 / obv);
        emit_lit_int(&s[n++], "KC", DENSE_KC);
        emit_lit_name(&s[n++], "dense_simd_fwd", nd, "fwd_folded");
        emit_lit_name(&s[n++], "dense_simd_block", nd, "block_folded");
        template_emit(e->out, "dense_simd", s, n);
        if (vw != e->m->vw)
            emit_simd_width(e, e->m->vw);
        return;
    }
    emit_lit_int(&s[n++], "NEED_DX", 0), emit_lit_int(&s[n++], "MASK_DY", 0);
    emit_lit_name(&s[n++], "dense_fwd", nd, "fwd_folded");
    emit_lit_name(&s[n++], "dense_bwd", nd, "bwd_folded_unused");
    emit_lit_name(&s[n++], "dense_dw", nd, "dw_folded_unused");
    emit_lit_name(&s[n++], "dense_dx", nd, "dx_folded_unused");
    emit_lit_name(&s[n++], "dw_impl", nd, "dw_folded_unused");
    emit_lit_name(&s[n++], "dx_impl", nd, "dx_folded_unused");
    template_emit(e->out, "dense", s, n);
}

/* The scalar kernels always come out (reference and fallback); a SIMD target
 * adds its own for what its vectors divide: the forward pass and dw need
 * whole vectors of outputs (or dw, of inputs); dx runs over samples. */
static void emit_view(emit_ctx *e, const gnode *nd, const dense_view *l, int comment)
{
    int vw = dense_vw(e->m, l), simd = vw && l->units % vw == 0, simd_dx = vw && l->needs_dx;
    int simd_dwn = vw && !simd && l->in.c % vw == 0;
    subst s[13];
    int n = 0;
    emit_lit_int(&s[n++], "I", l->in.c), emit_lit_int(&s[n++], "O", l->units);
    emit_lit_int(&s[n++], "RELU", l->activation == ACT_RELU);
    emit_lit_int(&s[n++], "BIAS", l->use_bias);
    emit_lit_int(&s[n++], "NEED_DX", l->needs_dx);
    emit_lit_int(&s[n++], "MASK_DY", l->activation == ACT_RELU && !l->relu_fused_next);
    emit_lit_name(&s[n++], "dense_fwd", nd, simd ? "fwd_scalar" : "fwd");
    emit_lit_name(&s[n++], "dense_bwd", nd, "bwd");
    emit_lit_name(&s[n++], "dense_dw", nd, "dw_scalar");
    emit_lit_name(&s[n++], "dense_dx", nd, "dx_scalar");
    emit_lit_name(&s[n++], "dw_impl", nd, simd || simd_dwn ? "dw_simd" : "dw_scalar");
    emit_lit_name(&s[n++], "dx_impl", nd, simd_dx ? "dx_simd" : "dx_scalar");
    n += batch_rows(e, l, &s[n]);
    if (comment)
        emit_comment_loc(e, nd, l->activation == ACT_SOFTMAX ? "logits; softmax is fused with the loss"
                                                            : "");
    if (simd || simd_dx || simd_dwn)
        sb_printf(e->out, "/* %s kernels, %d-wide%s */\n", e->m->target, vw,
                  simd ? "" : "; the forward pass by the scalar kernel");
    if ((simd || simd_dx || simd_dwn) && vw != e->m->vw)
        emit_simd_width(e, vw);
    if (simd) {
        emit_simd_fwd(e, nd, l);
        emit_simd_dw(e, nd, l);
    }
    if (simd_dwn)
        emit_simd_dwn(e, nd, l);
    if (simd_dx)
        emit_simd_dx(e, nd, l);
    if ((simd || simd_dx || simd_dwn) && vw != e->m->vw)
        emit_simd_width(e, e->m->vw);
    template_emit(e->out, "dense", s, n);
    if (nd->infer_folded >= 0)
        emit_folded(e, nd, simd);
}

static void emit(emit_ctx *e, const gnode *nd)
{
    dense_view v = view(e->m, nd);
    emit_view(e, nd, &v, 1);
}

/* Another op's kernels: a copy of its node named ID_PRE stands for it. */
void dense_emit_kernels(emit_ctx *e, const gnode *nd, const char *pre, int in, int units,
                        int bias, int needs_dx, int act, int mask_out, int rows)
{
    gnode c = *nd;
    size_t len = strlen(nd->id);
    if (len + 1 + strlen(pre) >= sizeof c.id)
        unreachable();
    c.id[len] = '_';
    strcpy(c.id + len + 1, pre);
    dense_view v = {units, bias, needs_dx, act, mask_out, (shape3){1, 1, in, 1}, rows};
    emit_view(e, &c, &v, 0);
}

size_t dense_scratch(int in, int units, size_t rows)
{
    size_t i = (size_t)in, o = (size_t)units, s = i * o;
    if ((i + DENSE_ACC) * rows > s)
        s = (i + DENSE_ACC) * rows;
    if (o * (rows + 16) > s)
        s = o * (rows + 16);
    return s;
}

static void call_fwd(emit_ctx *e, const gnode *n, int mode)
{
    if (mode == MODE_INFER && n->infer_folded >= 0)
        emit_call_folded_fwd(e, n);
    else
        emit_call_weighted_fwd(e, n);
}

static double flops(const model *m, const gnode *n, int pass)
{
    double per = 2.0 * (double)n->t[0].count;
    return pass == 0 ? per : per * (1 + node_in(m, n, 0)->needs_grad);
}

/* dense's weight and bias gradients: the sample-group tree */
static int tree_grads(const gnode *n)
{
    (void)n;
    return 1;
}

const op_def op_dense = {
    .name = "dense", .keys = keys, .positional = positional, .min_inputs = 1, .max_inputs = 1,
    .parse = parse, .infer = infer, .emit = emit, .call_fwd = call_fwd,
    .call_bwd = emit_call_weighted_bwd, .flops = flops,
    .acts = ACT_BIT(ACT_LINEAR) | ACT_BIT(ACT_RELU) | ACT_BIT(ACT_SOFTMAX) | ACT_BIT(ACT_SIGMOID),
    .takes_fold = 1,
    .tree_grads = tree_grads,
};
