/* ops/op_concatenate.c — Keras Concatenate along the channels (axis -1, the
 * default; another axis is refused): 2 to 16 inputs of one height and width,
 * given with inputs: [a, b]. Each input's channels go to their slice of every
 * output pixel: one copy per input and pixel, forward and backward. */
#include "merge.h"

#include <string.h>

static const char *const keys[] = {"axis", NULL};
static const char *const positional[] = {"axis", NULL};

static int parse(gnode *n, attrs *a)
{
    long axis;
    const ynode *nd = attrs_get(a, "axis");
    if (attrs_int(a, "axis", -1, -1000000, 1000000, &axis))
        return -1;
    if (axis != -1) {
        diag_error(nd->loc, "%s: axis %ld: only the channel axis (axis: -1, the default) is "
                            "supported", n->ctx, axis);
        return -1;
    }
    return 0;
}

static int infer(gnode *n, const model *m, shape3 *out)
{
    if (merge_check_inputs(n, m, 1))
        return -1;
    out->c = 0;
    for (int k = 0; k < n->num_in; k++)
        out->c += node_in(m, n, k)->shape.c;
    return 0;
}

static void emit(emit_ctx *e, const gnode *n)
{
    shape3 o = node_out(e->m, n)->shape;
    subst s[4];
    emit_lit_int(&s[0], "PIXELS", (long)o.h * o.w);
    emit_lit_int(&s[1], "CT", o.c);
    emit_lit_name(&s[2], "concatenate_fwd", n, "fwd");
    emit_lit_name(&s[3], "concatenate_bwd", n, "bwd");
    emit_comment_loc(e, n, "axis -1");
    template_emit(e->out, "concatenate", s, 4);
}

/* one call per input: its channels and their offset in the output */
static void calls(emit_ctx *e, const gnode *n, int bwd)
{
    int off = 0;
    for (int k = 0; k < n->num_in; k++) {
        int c = node_in(e->m, n, k)->shape.c;
        if (!bwd)
            sb_printf(e->out, "    %s_fwd(%s, %s, %d, %d, n);\n", n->id, emit_act(e, n->out),
                      emit_act(e, n->in[k]), c, off);
        else if (strcmp(emit_dx(e, n, k), "NULL")) /* an input that needs its gradient */
            sb_printf(e->out, "    %s_bwd(%s, %s, %d, %d, n);\n", n->id, emit_dx(e, n, k),
                      emit_grad(e, n->out), c, off);
        off += c;
    }
}

static void call_fwd(emit_ctx *e, const gnode *n, int mode)
{
    (void)mode;
    calls(e, n, 0);
}

static void call_bwd(emit_ctx *e, const gnode *n) { calls(e, n, 1); }

const op_def op_concatenate = {
    .name = "concatenate", .keys = keys, .positional = positional, .min_inputs = 2,
    .max_inputs = NODE_MAX_INPUTS, .parse = parse, .infer = infer, .emit = emit,
    .call_fwd = call_fwd, .call_bwd = call_bwd,
};
