/* ops/op_rescaling.c — Keras Rescaling: y = x * scale + offset. */
#include "nnc.h"

static const char *const keys[] = {"scale", "offset", NULL};

static int parse(layer *l, attrs *a)
{
    if (!attrs_get(a, "scale")) {
        diag_error(l->loc, "%s: missing 'scale' (e.g. scale: 0.00392156862745098 for 1/255)",
                   l->ctx);
        return -1;
    }
    return attrs_real(a, "scale", 1, -1e30, 1e30, &l->scale) |
           attrs_real(a, "offset", 0, -1e30, 1e30, &l->offset);
}

static int infer(layer *l, const model *m)
{
    (void)m;
    l->out = l->in;
    return 0;
}

static void emit_fwd(emit_ctx *e, const layer *l)
{
    subst s[5];
    emit_lit_int(&s[0], "COUNT", (long)l->in.h * l->in.w * l->in.c);
    s[1].from = "SCALE";
    snprintf(s[1].to, sizeof s[1].to, "((nnc_real)%.17g)", l->scale);
    s[2].from = "OFFSET";
    snprintf(s[2].to, sizeof s[2].to, "((nnc_real)%.17g)", l->offset);
    emit_lit_name(&s[3], "rescaling_fwd", l, "fwd");
    emit_lit_name(&s[4], "rescaling_bwd", l, "bwd");
    emit_comment_loc(e, l, "");
    template_emit(e->out, "rescaling", s, 5);
}

static void call_fwd(emit_ctx *e, const layer *l, const char *y, const char *x)
{
    sb_printf(e->out, "    %s_fwd(%s, %s, n);\n", l->id, y, x);
}

static void call_bwd(emit_ctx *e, const layer *l, const char *dx, const char *dy,
                     const char *x, const char *y)
{
    (void)x, (void)y;
    sb_printf(e->out, "    %s_bwd(%s, %s, n);\n", l->id, dx, dy);
}

const op_def op_rescaling = {"rescaling", parse, infer, emit_fwd, call_fwd, call_bwd, 0, keys};
