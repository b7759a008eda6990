/* ops/op_dropout.c — Keras Dropout(rate, noise_shape=None, seed=None): in fit,
 * each value is dropped with probability rate and the rest scaled by
 * 1 / (1 - rate); outside fit (evaluate, predict, validation, the exported
 * classifier) the layer is its input: a view, no code. The mask is a function
 * of the training batch's key (seed, epoch, sample id), the node and the
 * element (templates/dropout.c). spatial_dropout2d (op_spatial_dropout2d.c)
 * shares all of this with one draw per channel. */
#include "ops/ops.h"

#include <math.h>

typedef struct dropout_attr {
    double rate;
    long seed;      /* the layer's seed: replaces the model's in the key; -1: none */
    int spatial;
} dropout_attr;

static const char *const positional[] = {"rate", NULL};
static const char *const keys[] = {"rate", "noise_shape", "seed", NULL};

int dropout_parse_common(gnode *n, attrs *a, int spatial)
{
    dropout_attr *d = n->attr = xcalloc(1, sizeof *d);
    d->spatial = spatial;
    const ynode *rate = attrs_get(a, "rate"), *seed = attrs_get(a, "seed");
    if (!rate) {
        diag_error(n->loc, "%s: missing 'rate', the fraction of %s to drop (e.g. '- %s: 0.5')",
                   n->ctx, spatial ? "channels" : "inputs", n->op->name);
        return -1;
    }
    if (attrs_real(a, "rate", 0, -1e30, 1e30, &d->rate))
        return -1;
    if (!(d->rate >= 0 && d->rate < 1)) {
        diag_error(rate->loc, "%s: rate must be in [0, 1) (the fraction dropped), found %g",
                   n->ctx, d->rate);
        return -1;
    }
    d->seed = -1;
    if (seed && seed->kind != NODE_NULL &&
        attrs_int(a, "seed", -1, 0, ((long)1 << 62), &d->seed))
        return -1;
    return 0;
}

static int parse(gnode *n, attrs *a)
{
    const ynode *ns = attrs_get(a, "noise_shape");
    if (ns && ns->kind != NODE_NULL) {
        diag_error(ns->loc, "%s: noise_shape is not supported (only null, one draw per value); "
                            "for one draw per channel use spatial_dropout2d", n->ctx);
        return -1;
    }
    return dropout_parse_common(n, a, 0);
}

/* The node's stream: FNV-1a of its generated id ("l08_dropout"), so two
 * dropout layers draw unrelated masks. */
uint64_t dropout_stream(const gnode *n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *p = n->id; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    return h;
}

static int groups(const gnode *n, shape3 s)
{
    const dropout_attr *d = n->attr;
    return d->spatial ? s.c : s.h * s.w * s.c;
}

int dropout_infer_common(gnode *n, const model *m, shape3 *out)
{
    (void)out; /* the input's shape */
    n->saved_bytes = (size_t)groups(n, node_in(m, n, 0)->shape); /* the mask, a byte a unit */
    return 0;
}

static int infer(gnode *n, const model *m, shape3 *out) { return dropout_infer_common(n, m, out); }

void dropout_emit_common(emit_ctx *e, const gnode *n)
{
    const dropout_attr *d = n->attr;
    if (e->mode == MODE_INFER) /* the exported classifier: the layer is a view */
        return;
    shape3 in = node_in(e->m, n, 0)->shape;
    subst s[12];
    int k = 0;
    emit_lit_int(&s[k++], "COUNT", (long)in.h * in.w * in.c);
    emit_lit_int(&s[k++], "GROUPS", groups(n, in));
    emit_lit_int(&s[k++], "C", in.c);
    emit_lit_int(&s[k++], "SPATIAL", d->spatial);
    s[k].from = "THRESH"; /* drop when the 53-bit draw is below rate * 2^53 (exact) */
    snprintf(s[k++].to, sizeof s[0].to, "%lluULL", (unsigned long long)ceil(d->rate * 0x1p53));
    s[k].from = "SCALE";
    snprintf(s[k++].to, sizeof s[0].to, "((nnc_real)%.17g)", 1 / (1 - d->rate));
    s[k].from = "STREAM";
    snprintf(s[k++].to, sizeof s[0].to, "0x%016llxULL", (unsigned long long)dropout_stream(n));
    emit_lit_name(&s[k++], "dropout_fwd", n, "fwd");
    emit_lit_name(&s[k++], "dropout_bwd", n, "bwd");
    emit_lit_name(&s[k++], "dropout_mix", n, "mix");
    emit_lit_name(&s[k++], "dropout_key", n, "key");
    char what[96];
    snprintf(what, sizeof what, "rate %g, %s; identity outside fit", d->rate,
             d->spatial ? "one draw per channel" : "one draw per value");
    emit_comment_loc(e, n, what);
    template_emit(e->out, "dropout", s, k);
}

void dropout_call_fwd(emit_ctx *e, const gnode *n, int mode)
{
    const dropout_attr *d = n->attr;
    if (mode == MODE_INFER) {
        sb_puts(e->out, "    /* (identity outside fit: its consumers read its input) */\n");
        return;
    }
    char seed[32];
    if (d->seed >= 0)
        snprintf(seed, sizeof seed, "%ldu", d->seed);
    else
        snprintf(seed, sizeof seed, "nnc_key.seed");
    sb_printf(e->out, "    %s_fwd(%s, (unsigned char *)%s, %s, n, %s, nnc_key.epoch, nnc_key.ids);\n",
              n->id, emit_act(e, n->out), emit_saved(e, n), emit_act(e, n->in[0]), seed);
}

void dropout_call_bwd(emit_ctx *e, const gnode *n)
{
    sb_printf(e->out, "    %s_bwd(%s, %s, (const unsigned char *)%s, n);\n", n->id, emit_dx(e, n, 0),
              emit_grad(e, n->out), emit_saved(e, n));
}

const op_def op_dropout = {
    .name = "dropout", .keys = keys, .positional = positional, .min_inputs = 1, .max_inputs = 1,
    .parse = parse, .infer = infer, .emit = dropout_emit_common, .call_fwd = dropout_call_fwd,
    .call_bwd = dropout_call_bwd, .infer_identity = 1,
};
