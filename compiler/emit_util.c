/* emit_util.c — what the ops' emitters share: literal and name substitutions
 * for templates, the spec-line comment of a block, and the expressions that
 * name a node's buffers in a call (activations, gradients, tensors), all
 * read from the plan and the fusion annotations. */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>

void emit_lit_int(subst *s, const char *from, long v)
{
    s->from = from;
    snprintf(s->to, sizeof s->to, "%ld", v);
}

void emit_lit_name(subst *s, const char *from, const gnode *n, const char *suffix)
{
    s->from = from;
    snprintf(s->to, sizeof s->to, "%s_%s", n->id, suffix);
}

/* Register blocking of the SIMD kernels: OBV vectors of outputs (as many as
 * divide the channels, up to 4) times 8/OBV pixels or samples, 8 accumulators
 * of the 16 vector registers. */
int emit_pick_obv(int channels, int vw)
{
    for (int obv = 4; obv > 1; obv /= 2)
        if (channels % (obv * vw) == 0)
            return obv;
    return 1;
}

/* A layer whose width differs from the target's (target_layer_vw) brackets
 * its SIMD kernels with vw's vector macros and then the target's again. */
void emit_simd_width(emit_ctx *e, int vw)
{
    template_emit(e->out, vw == 8 ? "simd_vw8" : "simd_vw16", NULL, 0);
}

void emit_comment_loc(emit_ctx *e, const gnode *n, const char *what)
{
    char *in = shape_str(node_in(e->m, n, 0)->shape), *out = shape_str(node_out(e->m, n)->shape);
    sb_puts(e->out, "\n/* ");
    c_comment_text(e->out, e->m->spec_path);
    sb_printf(e->out, ":%d: %s %s -> %s%s%s */\n", n->loc.line, n->ctx, in, out,
              *what ? ", " : "", what);
    free(in), free(out);
}

/* A few expressions live at once in one call: a ring of them. */
static char *slot(void)
{
    static char ring[16][96];
    static int next;
    return ring[next++ % 16];
}

const char *emit_act(emit_ctx *e, int value)
{
    int r = e->mode == MODE_INFER ? value_root_infer(e->m, value) : value_root(e->m, value);
    const gvalue *v = &e->m->values[r];
    if (r == e->m->input_value)
        return "x";
    if (v->not_kept || v->buf < 0)
        return "NULL";
    return e->p->bufs[v->buf].name;
}

const char *emit_grad(emit_ctx *e, int value)
{
    const gvalue *v = &e->m->values[value_root(e->m, value)];
    return v->grad_buf < 0 ? "NULL" : e->p->grads[v->grad_buf].name;
}

const char *emit_dx(emit_ctx *e, const gnode *n, int i)
{
    int r = e->p->dx_region[(n - e->m->nodes) * NODE_MAX_INPUTS + i];
    return r < 0 ? "NULL" : e->p->grads[r].name;
}

const char *emit_tensor(emit_ctx *e, const gnode *n, int k, const char *block)
{
    (void)e;
    if (k < 0 || k >= n->num_t) /* an optional tensor the node does not have (-1) */
        return "NULL";
    char *s = slot();
    snprintf(s, 96, "%s + %zu", n->t[k].kind == TENSOR_STATE ? "nnc_state" : block,
             n->t[k].offset);
    return s;
}

const char *emit_saved(emit_ctx *e, const gnode *n)
{
    return n->saved_buf < 0 ? "NULL" : e->p->bufs[n->saved_buf].name;
}

void emit_call_weighted_fwd(emit_ctx *e, const gnode *n)
{
    sb_printf(e->out, "    %s_fwd(%s, %s, %s, %s, n);\n", n->id, emit_act(e, n->out),
              emit_act(e, n->in[0]), emit_tensor(e, n, 0, "nnc_params"),
              emit_tensor(e, n, 1, "nnc_params"));
}

void emit_call_weighted_bwd(emit_ctx *e, const gnode *n)
{
    sb_printf(e->out, "    %s_bwd(%s, %s, %s, %s, %s, %s, %s, nnc_scratch, n);\n", n->id,
              emit_dx(e, n, 0), emit_tensor(e, n, 0, "nnc_grads"),
              emit_tensor(e, n, 1, "nnc_grads"), emit_grad(e, n->out), emit_act(e, n->in[0]),
              emit_act(e, n->out), emit_tensor(e, n, 0, "nnc_params"));
}

void emit_call_folded_fwd(emit_ctx *e, const gnode *n)
{
    const gnode *f = &e->m->nodes[n->infer_folded];
    char fk[64], fb[96];
    if (e->p->infer_only) {
        snprintf(fk, sizeof fk, "%s_fk", n->id);
        snprintf(fb, sizeof fb, "%s_fb", n->id);
    } else {
        snprintf(fk, sizeof fk, "nnc_scratch");
        snprintf(fb, sizeof fb, "nnc_scratch + %zu", fuse_fold_bias_offset(n));
        f->op->call_fold(e, f, n, fk, fb);
    }
    sb_printf(e->out, "    %s_fwd_folded(%s, %s, %s, %s, n);\n", n->id, emit_act(e, f->out),
              emit_act(e, n->in[0]), fk, fb);
}
