/* ops/op_multiply.c — Keras Multiply: the element-wise product of 2 to 16 inputs of one
 * shape, given with inputs: [a, b]. */
#include "merge.h"

static const char *const keys[] = {NULL};

static int parse(gnode *n, attrs *a)
{
    (void)n, (void)a;
    return 0;
}

static int infer(gnode *n, const model *m, shape3 *out)
{
    (void)out; /* input 0's shape, which every input shares */
    return merge_check_inputs(n, m, 0);
}

static void emit(emit_ctx *e, const gnode *n)
{
    shape3 in = node_in(e->m, n, 0)->shape;
    subst s[9];
    emit_lit_int(&s[0], "COUNT", (long)in.h * in.w * in.c);
    emit_lit_int(&s[1], "K", n->num_in);
    emit_lit_int(&s[2], "PRODUCT", 1);
    emit_lit_name(&s[3], "merge_fwd", n, "fwd");
    emit_lit_name(&s[4], "merge_bwd", n, "bwd");
    emit_lit_name(&s[5], "merge_two", n, "two"); /* static helpers: one set per node */
    emit_lit_name(&s[6], "merge_acc", n, "acc");
    emit_lit_int(&s[7], "RELU", n->act == ACT_RELU);
    emit_lit_int(&s[8], "MASK_DY", n->act == ACT_RELU && !n->mask_out);
    emit_comment_loc(e, n, n->act == ACT_RELU ? "relu" : "");
    template_emit(e->out, "merge", s, 9);
}

static void call_fwd(emit_ctx *e, const gnode *n, int mode)
{
    (void)mode;
    sb_printf(e->out, "    %s_fwd(%s, ", n->id, emit_act(e, n->out));
    merge_put_inputs(e, n);
    sb_puts(e->out, ", n);\n");
}

static void call_bwd(emit_ctx *e, const gnode *n)
{
    sb_printf(e->out, "    %s_bwd(", n->id);
    merge_put_dx(e, n);
    sb_printf(e->out, ", %s, ", emit_grad(e, n->out));
    merge_put_inputs(e, n);
    sb_printf(e->out, ", %s, n);\n", emit_act(e, n->out));
}

const op_def op_multiply = {
    .name = "multiply", .keys = keys, .min_inputs = 2, .max_inputs = NODE_MAX_INPUTS,
    .parse = parse, .infer = infer, .emit = emit, .call_fwd = call_fwd, .call_bwd = call_bwd,
};
