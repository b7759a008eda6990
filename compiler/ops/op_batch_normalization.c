/* ops/op_batch_normalization.c — Keras BatchNormalization over the last axis
 * (the channels of an image, per pixel of every sample; the units of a flat
 * input): gamma and beta (trainable, as scale and center ask), moving_mean
 * and moving_variance (state). Fit normalizes by the batch's mean and biased
 * variance, which it keeps per batch for backward and for the moving update
 * after each optimizer step; evaluate, predict and validation by the moving
 * statistics, folded into the conv2d or dense before it where fuse.c allows
 * (the exported classifier: with the folded weights as constants). A ReLU
 * after it is applied by its kernels. */
#include "nnc.h"

#include <math.h>

static const char *const keys[] = {"axis", "momentum", "epsilon", "center", "scale",
                                   "beta_initializer", "gamma_initializer",
                                   "moving_mean_initializer", "moving_variance_initializer",
                                   NULL};
/* the initializers a vector of per-channel values takes here */
static const char *const inits[] = {"zeros", "ones", NULL};

typedef struct bn_attr {
    long axis;
    nnc_loc axis_loc; /* the axis: key's value, or the item */
    double momentum, epsilon;
    int center, scale;
    int init[4];      /* gamma, beta, moving_mean, moving_variance: 0 zeros, 1 ones */
    int ig, ib, imm, imv; /* tensor indices; -1 without gamma (scale) or beta (center) */
} bn_attr;

static int parse(gnode *n, attrs *a)
{
    bn_attr *b = n->attr = xcalloc(1, sizeof *b);
    if (attrs_int(a, "axis", -1, -4, 3, &b->axis) ||
        attrs_real(a, "momentum", 0.99, 0, 1, &b->momentum) ||
        attrs_real(a, "epsilon", 1e-3, 1e-12, 1e6, &b->epsilon) ||
        attrs_bool(a, "center", 1, &b->center) || attrs_bool(a, "scale", 1, &b->scale) ||
        attrs_enum(a, "gamma_initializer", inits, 1, &b->init[0]) ||
        attrs_enum(a, "beta_initializer", inits, 0, &b->init[1]) ||
        attrs_enum(a, "moving_mean_initializer", inits, 0, &b->init[2]) ||
        attrs_enum(a, "moving_variance_initializer", inits, 1, &b->init[3]))
        return -1;
    const ynode *ax = attrs_get(a, "axis");
    b->axis_loc = ax ? ax->loc : n->loc;
    return 0;
}

static int init_of(int i) { return i ? INIT_ONES : INIT_ZEROS; }

static int infer(gnode *n, const model *m, shape3 *out)
{
    bn_attr *b = n->attr;
    shape3 in = node_in(m, n, 0)->shape;
    int rank = in.flat ? 1 : 3; /* axes after the batch's */
    if (b->axis != -1 && b->axis != rank) {
        diag_error(b->axis_loc, "%s: axis %ld: only the last axis (-1, or %d for input %s%d%s) is "
                           "supported", n->ctx, b->axis, rank, in.flat ? "(" : "(h, w, ",
                   in.c, ")");
        return -1;
    }
    *out = in;
    int c = in.c, k = 0;
    b->ig = b->ib = -1;
    if (b->scale)
        b->ig = k++, node_add_tensor(n, "gamma", TENSOR_TRAINABLE, 1, &c, init_of(b->init[0]), 0, 0);
    if (b->center)
        b->ib = k++, node_add_tensor(n, "beta", TENSOR_TRAINABLE, 1, &c, init_of(b->init[1]), 0, 0);
    b->imm = k++;
    node_add_tensor(n, "moving_mean", TENSOR_STATE, 1, &c, init_of(b->init[2]), 0, 0);
    b->imv = k++;
    node_add_tensor(n, "moving_variance", TENSOR_STATE, 1, &c, init_of(b->init[3]), 0, 0);
    n->batch_floats = 3 * (size_t)c; /* mean, variance, 1/sqrt(variance + epsilon) */
    n->scratch = 4 * (size_t)m->batch_size * c; /* per-sample partial sums, in double */
    return 0;
}

static void emit(emit_ctx *e, const gnode *n)
{
    const bn_attr *b = n->attr;
    shape3 in = node_in(e->m, n, 0)->shape;
    subst s[24];
    int k = 0;
    emit_lit_int(&s[k++], "HW", (long)in.h * in.w);
    emit_lit_int(&s[k++], "C", in.c);
    s[k].from = "EPS";
    snprintf(s[k++].to, sizeof s[0].to, "((nnc_real)%.17g)", b->epsilon);
    s[k].from = "MOMENTUM";
    snprintf(s[k++].to, sizeof s[0].to, "((nnc_real)%.17g)", b->momentum);
    emit_lit_int(&s[k++], "SCALE", b->scale);
    emit_lit_int(&s[k++], "CENTER", b->center);
    emit_lit_int(&s[k++], "RELU", n->act == ACT_RELU);
    emit_lit_int(&s[k++], "MASK_DY", n->act == ACT_RELU && !n->mask_out);
    emit_lit_int(&s[k++], "NEED_DX", node_in(e->m, n, 0)->needs_grad);
    emit_lit_name(&s[k++], "batch_normalization_partials", n, "partials");
    emit_lit_name(&s[k++], "batch_normalization_partial", n, "partial");
    emit_lit_name(&s[k++], "batch_normalization_norm", n, "norm");
    emit_lit_name(&s[k++], "batch_normalization_dsums", n, "dsums");
    emit_lit_name(&s[k++], "batch_normalization_dx", n, "dx");
    emit_lit_name(&s[k++], "batch_normalization_mean_rows", n, "mean_rows");
    emit_lit_name(&s[k++], "batch_normalization_fwd_train", n, "fwd_train");
    emit_lit_name(&s[k++], "batch_normalization_affine", n, "affine");
    emit_lit_name(&s[k++], "batch_normalization_fwd_infer", n, "fwd_infer");
    emit_lit_name(&s[k++], "batch_normalization_fold", n, "fold");
    emit_lit_name(&s[k++], "batch_normalization_bwd", n, "bwd");
    emit_lit_name(&s[k++], "batch_normalization_update", n, "update");
    char what[160];
    snprintf(what, sizeof what, "momentum %g, epsilon %g%s%s", b->momentum, b->epsilon,
             n->act == ACT_RELU ? ", then ReLU" : "",
             n->infer_fold >= 0 ? "; at inference folded into the layer before" : "");
    emit_comment_loc(e, n, what);
    template_emit(e->out, "batch_normalization", s, k);
}

static const char *batch_stats(emit_ctx *e, const gnode *n)
{
    return n->batch_buf < 0 ? "NULL" : e->p->bufs[n->batch_buf].name;
}

static void call_fwd(emit_ctx *e, const gnode *n, int mode)
{
    const bn_attr *b = n->attr;
    if (mode == MODE_TRAIN) {
        sb_printf(e->out, "    %s_fwd_train(%s, %s, %s, %s, %s, nnc_scratch, n);\n", n->id,
                  emit_act(e, n->out), emit_act(e, n->in[0]), emit_tensor(e, n, b->ig, "nnc_params"),
                  emit_tensor(e, n, b->ib, "nnc_params"), batch_stats(e, n));
    } else if (n->infer_fold >= 0) {
        sb_printf(e->out, "    /* folded into %s's kernel and bias */\n",
                  e->m->nodes[n->infer_fold].id);
    } else {
        sb_printf(e->out, "    %s_fwd_infer(%s, %s, %s, %s, %s, %s, n);\n", n->id,
                  emit_act(e, n->out), emit_act(e, n->in[0]), emit_tensor(e, n, b->ig, "nnc_params"),
                  emit_tensor(e, n, b->ib, "nnc_params"), emit_tensor(e, n, b->imm, "nnc_state"),
                  emit_tensor(e, n, b->imv, "nnc_state"));
    }
}

static void call_bwd(emit_ctx *e, const gnode *n)
{
    const bn_attr *b = n->attr;
    sb_printf(e->out, "    %s_bwd(%s, %s, %s, %s, %s, %s, %s, %s, nnc_scratch, n);\n", n->id,
              emit_dx(e, n, 0), emit_tensor(e, n, b->ig, "nnc_grads"),
              emit_tensor(e, n, b->ib, "nnc_grads"), emit_grad(e, n->out), emit_act(e, n->in[0]),
              emit_act(e, n->out), emit_tensor(e, n, b->ig, "nnc_params"), batch_stats(e, n));
}

static void call_update(emit_ctx *e, const gnode *n)
{
    const bn_attr *b = n->attr;
    sb_printf(e->out, "    %s_update(%s, %s, %s);\n", n->id, emit_tensor(e, n, b->imm, "nnc_state"),
              emit_tensor(e, n, b->imv, "nnc_state"), batch_stats(e, n));
}

/* The trainer's fold, at every inference pass (the weights change in fit):
 * INTO's kernel and bias with this node's affine, into fk and fb. */
static void call_fold(emit_ctx *e, const gnode *n, const gnode *into, const char *fk,
                      const char *fb)
{
    const bn_attr *b = n->attr;
    sb_printf(e->out, "    %s_fold(%s, %s, %s, %s, %zu, %s, %s, %s, %s);\n", n->id, fk, fb,
              emit_tensor(e, into, 0, "nnc_params"), emit_tensor(e, into, 1, "nnc_params"),
              into->t[0].count / (size_t)node_in(e->m, n, 0)->shape.c,
              emit_tensor(e, n, b->ig, "nnc_params"), emit_tensor(e, n, b->ib, "nnc_params"),
              emit_tensor(e, n, b->imm, "nnc_state"), emit_tensor(e, n, b->imv, "nnc_state"));
}

/* The same at export time, in float as the trainer's kernel computes it. */
static void fold_consts(const model *m, const gnode *n, const gnode *into, const float *params,
                        const float *state, float *fk, float *fb)
{
    const bn_attr *b = n->attr;
    int C = node_in(m, n, 0)->shape.c;
    size_t rows = into->t[0].count / (size_t)C;
    const float *k = params + into->t[0].offset;
    const float *bias = into->num_t > 1 ? params + into->t[1].offset : NULL;
    const float *mm = state + n->t[b->imm].offset, *mv = state + n->t[b->imv].offset;
    for (int c = 0; c < C; c++) {
        float a = 1 / sqrtf(mv[c] + (float)b->epsilon);
        a = b->scale ? a * params[n->t[b->ig].offset + c] : a;
        float t = (b->center ? params[n->t[b->ib].offset + c] : 0) - mm[c] * a;
        for (size_t r = 0; r < rows; r++)
            fk[r * C + c] = k[r * C + c] * a;
        fb[c] = (bias ? bias[c] : 0) * a + t;
    }
}

static double flops(const model *m, const gnode *n, int pass)
{
    shape3 s = node_in(m, n, 0)->shape;
    double count = (double)s.h * s.w * s.c;
    return pass == 0 ? 6 * count : 10 * count;
}

const op_def op_batch_normalization = {
    .name = "batch_normalization", .keys = keys, .min_inputs = 1, .max_inputs = 1,
    .parse = parse, .infer = infer, .emit = emit, .call_fwd = call_fwd, .call_bwd = call_bwd,
    .call_update = call_update, .call_fold = call_fold, .fold_consts = fold_consts,
    .flops = flops, .acts = ACT_BIT(ACT_LINEAR) | ACT_BIT(ACT_RELU),
};
