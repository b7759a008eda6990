/* ops/ops_merge.c — the input check and buffer lists of the merge ops. */
#include "merge.h"

#include <stdlib.h>

/* A shape without the batch, as the messages print it: "(13, 13, 32)", "(10)". */
static char *dims(shape3 s)
{
    return s.flat ? xasprintf("(%d)", s.c) : xasprintf("(%d, %d, %d)", s.h, s.w, s.c);
}

int merge_check_inputs(const gnode *n, const model *m, int same_hw)
{
    shape3 a = node_in(m, n, 0)->shape;
    for (int k = 1; k < n->num_in; k++) {
        shape3 b = node_in(m, n, k)->shape;
        int hw = a.flat == b.flat && a.h == b.h && a.w == b.w;
        if (hw && (same_hw || a.c == b.c))
            continue;
        char *sa = dims(a), *sb = dims(b);
        if (same_hw)
            diag_error(n->loc, "%s: inputs %s and %s differ in height and width; %s joins "
                               "images of one size along the channels (axis -1)",
                       n->ctx, sa, sb, n->op->name);
        else
            diag_error(n->loc, "%s: inputs %s and %s differ; %s needs inputs of one shape",
                       n->ctx, sa, sb, n->op->name);
        free(sa), free(sb);
        return -1;
    }
    return 0;
}

void merge_put_inputs(emit_ctx *e, const gnode *n)
{
    sb_puts(e->out, "(const nnc_real *[]){");
    for (int k = 0; k < n->num_in; k++)
        sb_printf(e->out, "%s%s", k ? ", " : "", emit_act(e, n->in[k]));
    sb_puts(e->out, "}");
}

void merge_put_dx(emit_ctx *e, const gnode *n)
{
    sb_puts(e->out, "(nnc_real *[]){");
    for (int k = 0; k < n->num_in; k++)
        sb_printf(e->out, "%s%s", k ? ", " : "", emit_dx(e, n, k));
    sb_puts(e->out, "}");
}
