/* ops/op_rescaling.c — Keras Rescaling: y = x * scale + offset. */
#include "nnc.h"

typedef struct rescaling_attr {
    double scale, offset;
} rescaling_attr;

static const char *const positional[] = {"scale", "offset", NULL};
static const char *const keys[] = {"scale", "offset", NULL};

static int parse(gnode *n, attrs *a)
{
    rescaling_attr *r = n->attr = xcalloc(1, sizeof *r);
    if (!attrs_get(a, "scale")) {
        diag_error(n->loc, "%s: missing 'scale' (e.g. scale: 0.00392156862745098 for 1/255)",
                   n->ctx);
        return -1;
    }
    return attrs_real(a, "scale", 1, -1e30, 1e30, &r->scale) |
           attrs_real(a, "offset", 0, -1e30, 1e30, &r->offset);
}

static int infer(gnode *n, const model *m, shape3 *out)
{
    (void)n, (void)m, (void)out; /* *out is the input's shape already */
    return 0;
}

static void emit(emit_ctx *e, const gnode *n)
{
    const rescaling_attr *r = n->attr;
    shape3 in = node_in(e->m, n, 0)->shape;
    subst s[5];
    emit_lit_int(&s[0], "COUNT", (long)in.h * in.w * in.c);
    s[1].from = "SCALE";
    snprintf(s[1].to, sizeof s[1].to, "((nnc_real)%.17g)", r->scale);
    s[2].from = "OFFSET";
    snprintf(s[2].to, sizeof s[2].to, "((nnc_real)%.17g)", r->offset);
    emit_lit_name(&s[3], "rescaling_fwd", n, "fwd");
    emit_lit_name(&s[4], "rescaling_bwd", n, "bwd");
    emit_comment_loc(e, n, "");
    template_emit(e->out, "rescaling", s, 5);
}

static void call_fwd(emit_ctx *e, const gnode *n, int mode)
{
    (void)mode;
    sb_printf(e->out, "    %s_fwd(%s, %s, n);\n", n->id, emit_act(e, n->out), emit_act(e, n->in[0]));
}

static void call_bwd(emit_ctx *e, const gnode *n)
{
    sb_printf(e->out, "    %s_bwd(%s, %s, n);\n", n->id, emit_dx(e, n, 0), emit_grad(e, n->out));
}

const op_def op_rescaling = {
    .name = "rescaling", .keys = keys, .positional = positional, .min_inputs = 1, .max_inputs = 1,
    .parse = parse, .infer = infer, .emit = emit, .call_fwd = call_fwd, .call_bwd = call_bwd,
};
