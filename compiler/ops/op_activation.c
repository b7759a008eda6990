/* ops/op_activation.c — Keras's activation layers: Activation(name) and the
 * layers ReLU, LeakyReLU (negative_slope 0.3 as a layer, 0.2 by name), ELU
 * and Softmax. One node applies n->act element by element (softmax over the
 * channels). It is also the node an activation: option becomes when the
 * layer's own kernels cannot apply it (conv2d's activation: gelu). Fusion
 * folds a ReLU into the conv2d or dense before it, and a final softmax or
 * sigmoid into the loss. */
#include "nnc.h"

#include <string.h>

static const char *const act_keys[] = {"activation", "negative_slope", "alpha", "approximate",
                                       NULL};
static const char *const act_positional[] = {"activation", NULL};

/* The parameter keys an activation takes, and the one each names. */
static int read_alpha(gnode *n, attrs *a, double def_slope)
{
    const ynode *slope = attrs_get(a, "negative_slope"), *alpha = attrs_get(a, "alpha");
    if (slope && n->act != ACT_LEAKY_RELU) {
        diag_error(slope->loc, "%s: negative_slope is a parameter of leaky_relu, not %s", n->ctx,
                   act_name(n->act));
        return -1;
    }
    if (alpha && n->act != ACT_ELU) {
        diag_error(alpha->loc, "%s: alpha is a parameter of elu, not %s", n->ctx,
                   act_name(n->act));
        return -1;
    }
    if (n->act == ACT_LEAKY_RELU)
        return attrs_real(a, "negative_slope", def_slope, 0, 1e6, &n->act_alpha);
    if (n->act == ACT_ELU)
        return attrs_real(a, "alpha", 1.0, 0, 1e6, &n->act_alpha);
    return 0;
}

static int read_approximate(gnode *n, attrs *a)
{
    const ynode *nd = attrs_get(a, "approximate");
    int approx;
    if (!nd)
        return 0;
    if (n->act != ACT_GELU) {
        diag_error(nd->loc, "%s: approximate is a parameter of gelu, not %s", n->ctx,
                   act_name(n->act));
        return -1;
    }
    if (attrs_bool(a, "approximate", 0, &approx))
        return -1;
    n->act = approx ? ACT_GELU_TANH : ACT_GELU;
    return 0;
}

static int parse_activation_layer(gnode *n, attrs *a)
{
    if (!attrs_get(a, "activation")) {
        diag_error(n->loc, "%s: needs the activation's name (e.g. '- activation: relu')", n->ctx);
        return -1;
    }
    return parse_activation(n, a) || read_alpha(n, a, 0.2) || read_approximate(n, a) ? -1 : 0;
}

/* ReLU, LeakyReLU, ELU and Softmax as layers of their own. */
static const char *const relu_keys[] = {"max_value", NULL};
static int parse_relu(gnode *n, attrs *a)
{
    const ynode *mv = attrs_get(a, "max_value");
    double v = 0;
    n->act = ACT_RELU;
    if (!mv || mv->kind == NODE_NULL) /* max_value: null, Keras's default */
        return 0;
    if (attrs_real(a, "max_value", 0, 0, 1e30, &v))
        return -1;
    if (v != 6) {
        diag_error(mv->loc, "%s: max_value: only 6 (relu6) is supported, found %g", n->ctx, v);
        return -1;
    }
    n->act = ACT_RELU6;
    return 0;
}

static const char *const leaky_keys[] = {"negative_slope", NULL};
static const char *const leaky_positional[] = {"negative_slope", NULL};
static int parse_leaky(gnode *n, attrs *a)
{
    n->act = ACT_LEAKY_RELU;
    return read_alpha(n, a, 0.3);
}

static const char *const elu_keys[] = {"alpha", NULL};
static const char *const elu_positional[] = {"alpha", NULL};
static int parse_elu(gnode *n, attrs *a)
{
    n->act = ACT_ELU;
    return read_alpha(n, a, 1.0);
}

static const char *const softmax_keys[] = {"axis", NULL};
static int parse_softmax(gnode *n, attrs *a)
{
    long axis;
    n->act = ACT_SOFTMAX;
    if (attrs_int(a, "axis", -1, -1, -1, &axis)) /* the channels, as Keras's default */
        return -1;
    return 0;
}

static int infer(gnode *n, const model *m, shape3 *out)
{
    (void)n, (void)m, (void)out;
    return 0;
}

static void emit(emit_ctx *e, const gnode *n)
{
    shape3 in = node_in(e->m, n, 0)->shape;
    subst s[6];
    int k = 0;
    emit_lit_int(&s[k++], "COUNT", (long)in.h * in.w * in.c);
    emit_lit_int(&s[k++], "C", in.c);
    emit_lit_int(&s[k++], "ACT", n->act);
    s[k].from = "ALPHA";
    snprintf(s[k++].to, sizeof s[0].to, "((nnc_real)%.17g)", n->act_alpha);
    emit_lit_name(&s[k++], "activation_fwd", n, "fwd");
    emit_lit_name(&s[k++], "activation_bwd", n, "bwd");
    char what[64];
    snprintf(what, sizeof what, "%s%s", act_name(n->act),
             n->act == ACT_GELU_TANH ? " (tanh approximation)" : "");
    emit_comment_loc(e, n, what);
    /* the template's helpers are static: one set per node, under its name */
    subst h[3];
    emit_lit_name(&h[0], "activation_f", n, "f");
    emit_lit_name(&h[1], "activation_df", n, "df");
    emit_lit_name(&h[2], "activation_softmax", n, "softmax");
    subst all[9];
    memcpy(all, s, sizeof s);
    memcpy(all + 6, h, sizeof h);
    template_emit(e->out, "activation", all, 9);
}

static void call_fwd(emit_ctx *e, const gnode *n, int mode)
{
    (void)mode;
    sb_printf(e->out, "    %s_fwd(%s, %s, n);\n", n->id, emit_act(e, n->out), emit_act(e, n->in[0]));
}

static void call_bwd(emit_ctx *e, const gnode *n)
{
    sb_printf(e->out, "    %s_bwd(%s, %s, %s, %s, n);\n", n->id, emit_dx(e, n, 0),
              emit_grad(e, n->out), emit_act(e, n->in[0]), emit_act(e, n->out));
}

#define ACTIVATION_OP(NAME, KEYS, POS, PARSE)                                                    \
    {.name = NAME, .keys = KEYS, .positional = POS, .min_inputs = 1, .max_inputs = 1,           \
     .parse = PARSE, .infer = infer, .emit = emit, .call_fwd = call_fwd, .call_bwd = call_bwd,  \
     .is_activation = 1}

const op_def op_activation = ACTIVATION_OP("activation", act_keys, act_positional,
                                           parse_activation_layer);
const op_def op_relu = ACTIVATION_OP("relu", relu_keys, NULL, parse_relu);
const op_def op_leaky_relu = ACTIVATION_OP("leaky_relu", leaky_keys, leaky_positional, parse_leaky);
const op_def op_elu = ACTIVATION_OP("elu", elu_keys, elu_positional, parse_elu);
const op_def op_softmax = ACTIVATION_OP("softmax", softmax_keys, NULL, parse_softmax);
