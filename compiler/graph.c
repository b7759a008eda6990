/* graph.c — the model as a graph: values (a batch of one shape, made by one
 * node) and nodes (one op applied to input values). spec.c adds them in spec
 * order, in which every input already exists, so that order is a topological
 * one and the backward pass is its reverse. */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>

int graph_add_value(model *m, shape3 shape, int producer)
{
    m->values = xrealloc(m->values, (size_t)(m->num_values + 1) * sizeof *m->values);
    gvalue *v = &m->values[m->num_values];
    memset(v, 0, sizeof *v);
    v->shape = shape;
    v->producer = producer;
    v->view_of = -1;
    v->buf = v->grad_buf = -1;
    return m->num_values++;
}

gnode *graph_add_node(model *m, const op_def *op, int index, nnc_loc loc)
{
    m->nodes = xrealloc(m->nodes, (size_t)(m->num_nodes + 1) * sizeof *m->nodes);
    gnode *n = &m->nodes[m->num_nodes++];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->index = index;
    n->loc = loc;
    n->out = -1;
    n->absorbs = n->absorbed_by = -1;
    n->infer_fold = n->infer_folded = -1;
    n->saved_buf = n->batch_buf = -1;
    return n;
}

void graph_connect(model *m)
{
    for (int v = 0; v < m->num_values; v++) {
        free(m->values[v].consumers);
        m->values[v].consumers = NULL;
        m->values[v].num_consumers = 0;
    }
    for (int i = 0; i < m->num_nodes; i++)
        for (int k = 0; k < m->nodes[i].num_in; k++) {
            gvalue *v = &m->values[m->nodes[i].in[k]];
            if (v->num_consumers && v->consumers[v->num_consumers - 1] == i)
                continue; /* add: [a, a] consumes a once */
            v->consumers = xrealloc(v->consumers, (size_t)(v->num_consumers + 1) * sizeof(int));
            v->consumers[v->num_consumers++] = i;
        }
}

const gvalue *node_in(const model *m, const gnode *n, int i) { return &m->values[n->in[i]]; }
const gvalue *node_out(const model *m, const gnode *n) { return &m->values[n->out]; }

int value_root(const model *m, int v)
{
    while (v >= 0 && m->values[v].view_of >= 0)
        v = m->values[v].view_of;
    return v;
}

int value_root_infer(const model *m, int v)
{
    for (;;) {
        v = value_root(m, v);
        int p = v >= 0 ? m->values[v].producer : -1;
        if (p < 0 || !m->nodes[p].op->infer_identity)
            return v;
        v = m->nodes[p].in[0];
    }
}

int node_trainable(const gnode *n)
{
    for (int k = 0; k < n->num_t; k++)
        if (n->t[k].kind == TENSOR_TRAINABLE)
            return 1;
    return 0;
}

int node_has_bwd(const model *m, const gnode *n)
{
    if (node_trainable(n))
        return 1;
    for (int i = 0; i < n->num_in; i++)
        if (node_in(m, n, i)->needs_grad)
            return 1;
    return 0;
}

int graph_chained(const model *m, int i)
{
    const gnode *n = &m->nodes[i];
    return n->num_in == 1 && n->in[0] == (i ? m->nodes[i - 1].out : m->input_value);
}

int graph_is_chain(const model *m)
{
    for (int i = 0; i < m->num_nodes; i++)
        if (!graph_chained(m, i))
            return 0;
    return 1;
}

char *graph_inputs_str(const model *m, const gnode *n)
{
    strbuf sb = {0};
    for (int k = 0; k < n->num_in; k++) {
        int p = m->values[n->in[k]].producer;
        sb_printf(&sb, "%s%s", k ? ", " : "", p < 0 ? "input" : m->nodes[p].id);
    }
    return sb.data ? sb.data : xstrdup("");
}

void graph_free(model *m)
{
    for (int i = 0; i < m->num_nodes; i++) {
        free(m->nodes[i].attr);
        free(m->nodes[i].name);
    }
    for (int v = 0; v < m->num_values; v++)
        free(m->values[v].consumers);
    free(m->nodes);
    free(m->values);
    m->nodes = NULL, m->values = NULL;
    m->num_nodes = m->num_values = 0;
}
