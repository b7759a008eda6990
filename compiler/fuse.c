/* fuse.c — the fusion pass: rewrites the graph with explicit annotations that
 * the ops' emitters, the plan and the passes read. Every rule is legal only
 * where the producer's value has exactly one consumer (a second consumer
 * would read a value or gradient the fused kernel never writes) and where the
 * target supports it. The rules:
 *   - folding: a linear activation node is its input; a ReLU node after a
 *     conv2d or dense without activation becomes that layer's fused ReLU;
 *     the last node's softmax or sigmoid is computed by the loss (always:
 *     the loss kernels take logits);
 *   - ReLU mask: a node ending in ReLU leaves its backward mask to its one
 *     consumer, when that op can apply it (a max pool drops the gradient of a
 *     maximum <= 0; a conv2d zeroes dx as it stores it): one pass over the
 *     gradient fewer.
 *   - inference folding: a batch normalization after a conv2d or dense
 *     without activation is, at inference, that layer's kernel and bias
 *     scaled and shifted by its moving statistics (its ReLU, if any, too);
 *     the training passes keep both nodes.
 *   - conv2d + max_pooling2d: a SIMD conv2d computes the tiled max pool after
 *     it, so its own output never reaches memory; where it can, its backward
 *     also reads the pool's gradient and window positions directly.
 * Runs after the target is set: fusions depend on the vector width. */
#include "ops/ops.h"

static void reset(model *m)
{
    for (int i = 0; i < m->num_nodes; i++) {
        gnode *n = &m->nodes[i];
        n->act = n->spec_act;
        n->absorbs = n->absorbed_by = -1;
        n->bwd_absorbed = n->mask_in = n->mask_out = n->folded = 0;
        n->infer_fold = n->infer_folded = -1;
        m->values[n->out].view_of = n->op->view ? n->in[0] : -1;
    }
    for (int v = 0; v < m->num_values; v++)
        m->values[v].not_kept = m->values[v].grad_not_kept = 0;
    m->logits_value = m->output_value;
}

/* The one node that consumes n's output, or NULL. */
static gnode *only_consumer(model *m, const gnode *n)
{
    const gvalue *v = node_out(m, n);
    return v->num_consumers == 1 ? &m->nodes[v->consumers[0]] : NULL;
}

/* ... through folded nodes, which are their input. */
static gnode *next_consumer(model *m, const gnode *n)
{
    gnode *c = only_consumer(m, n);
    while (c && c->folded)
        c = only_consumer(m, c);
    return c;
}

static void fold(model *m, gnode *a)
{
    a->folded = 1;
    m->values[a->out].view_of = a->in[0];
}

static void fold_activations(model *m)
{
    gnode *last = &m->nodes[m->num_nodes - 1];
    for (int i = 0; i < m->num_nodes; i++) {
        gnode *a = &m->nodes[i];
        if (!a->op->is_activation)
            continue;
        const gvalue *in = node_in(m, a, 0);
        gnode *p = in->producer >= 0 ? &m->nodes[in->producer] : NULL;
        if (a->act == ACT_LINEAR) {
            fold(m, a);
        } else if (a == last && (a->act == ACT_SOFTMAX || a->act == ACT_SIGMOID)) {
            fold(m, a); /* the loss computes it from the logits */
            m->logits_value = a->in[0];
        } else if (a->act == ACT_RELU && p && !p->folded && p->act == ACT_LINEAR &&
                   (p->op->acts & ACT_BIT(ACT_RELU)) && in->num_consumers == 1) {
            fold(m, a);
            p->act = ACT_RELU;
        }
    }
}

static void fuse_relu_mask(model *m, gnode *n, gnode *c)
{
    if (n->act == ACT_RELU && (n->op->acts & ACT_BIT(ACT_RELU)) && c->op->applies_mask &&
        c->num_in == 1 && value_root(m, c->in[0]) == value_root(m, n->out) &&
        node_out(m, n)->needs_grad) {
        n->mask_out = 1;
        c->mask_in = 1;
    }
}

static void fuse_conv_pool(model *m, gnode *n, gnode *c)
{
    static const op_def *conv, *pool;
    int bwd;
    if (!conv)
        conv = op_find("conv2d"), pool = op_find("max_pooling2d");
    if (n->op != conv || c->op != pool || !conv2d_can_absorb_pool(m, n, c, &bwd))
        return;
    conv2d_absorb_pool(m, n, c, bwd);
    m->values[n->out].not_kept = 1;
    m->values[n->out].grad_not_kept = bwd;
}

size_t fuse_fold_bias_offset(const gnode *n)
{
    return (n->t[0].count + 15) / 16 * 16;
}

/* n (an op with call_fold) into the layer whose value it reads, when that
 * value has no other consumer and the layer applies no activation itself. */
static void fold_inference(model *m, gnode *n)
{
    const gvalue *in = node_in(m, n, 0);
    gnode *p = in->producer >= 0 ? &m->nodes[in->producer] : NULL;
    if (!n->op->call_fold || n->folded || n->num_in != 1 || !p || !p->op->takes_fold ||
        (p->op->fold_ok && !p->op->fold_ok(p)) ||
        p->folded || p->act != ACT_LINEAR || p->absorbs >= 0 || in->num_consumers != 1 ||
        value_root(m, n->in[0]) != n->in[0] || (n->act != ACT_LINEAR && n->act != ACT_RELU))
        return;
    n->infer_fold = (int)(p - m->nodes);
    p->infer_folded = (int)(n - m->nodes);
    size_t need = fuse_fold_bias_offset(p) + (size_t)in->shape.c;
    p->scratch = need > p->scratch ? need : p->scratch;
}

void fuse_graph(model *m)
{
    reset(m);
    fold_activations(m);
    for (int i = 0; i < m->num_nodes; i++)
        fold_inference(m, &m->nodes[i]);
    for (int i = 0; i < m->num_nodes; i++) {
        gnode *n = &m->nodes[i], *c = next_consumer(m, n);
        if (!c || n->folded)
            continue;
        fuse_relu_mask(m, n, c);
        fuse_conv_pool(m, n, c);
    }
}

void fuse_print(const model *m, FILE *out)
{
    int any = 0;
    for (int i = 0; i < m->num_nodes; i++) {
        const gnode *n = &m->nodes[i];
        if (n->folded) {
            const gvalue *in = node_in(m, n, 0);
            const char *by = n->spec_act == ACT_LINEAR       ? "nobody (the identity)"
                             : n->out == m->output_value      ? "the loss, from the logits"
                             : in->producer >= 0              ? m->nodes[in->producer].id
                                                              : "?";
            fprintf(out, "fused: %s (%s) is computed by %s\n", n->id, act_name(n->spec_act), by);
            any = 1;
        }
        if (n->absorbs >= 0) {
            const gnode *p = &m->nodes[n->absorbs];
            fprintf(out, "fused: %s computes %s (%s)\n", n->id, p->id,
                    p->bwd_absorbed ? "forward, and its input gradient in the backward pass"
                                    : "forward");
            any = 1;
        }
        if (n->infer_fold >= 0) {
            fprintf(out, "fused: %s is folded into %s's kernel and bias at inference\n", n->id,
                    m->nodes[n->infer_fold].id);
            any = 1;
        }
        for (int j = i + 1; n->mask_out && j < m->num_nodes; j++) {
            const gnode *c = &m->nodes[j];
            if (c->mask_in && value_root(m, c->in[0]) == value_root(m, n->out)) {
                fprintf(out, "fused: %s's ReLU mask is applied by %s's backward pass\n", n->id,
                        c->id);
                any = 1;
            }
        }
    }
    if (!any)
        fputs("fused: nothing\n", out);
}
