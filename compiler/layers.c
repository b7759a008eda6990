/* layers.c — the layers: list → graph nodes. An item is one op with its
 * attributes; it may also carry `name: NAME` and `inputs: [NAME, ...]` (the
 * Keras functional API). Without inputs an item takes the previous item's
 * output; `input` names the model input. Names are data (messages, the
 * summary); identifiers stay generated. An item may only name items before
 * it, so spec order is a topological order and no cycle can form. */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 999

typedef struct item_names {
    const char **name; /* [item]: NULL when the item has none */
    nnc_loc *loc;
    int *value;        /* [item]: the value it gives (-1 until parsed) */
    int n;
} item_names;

static const char *op_names[64];

static const op_def *lookup_op(const char *kind, nnc_loc loc, int index)
{
    const op_def *op = op_find(kind);
    if (op)
        return op;
    for (int i = 0; i < op_count; i++)
        op_names[i] = op_table[i]->name;
    const char *near = diag_closest(kind, op_names, op_count);
    diag_error(loc, "layer %d: unknown layer type '%s'%s%s%s", index, kind,
               near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
    return NULL;
}

/* The op key of an item and its attributes: `- flatten`, `- dense: {...}`,
 * or a mapping with the op beside name: and inputs:. */
static int split_item(const ynode *item, int index, const char **kind, nnc_loc *loc,
                      const ynode **args, const ynode **name, const ynode **inputs)
{
    *args = *name = *inputs = NULL;
    *loc = item->loc;
    if (item->kind == NODE_SCALAR) {
        *kind = item->text;
        return 0;
    }
    *kind = NULL;
    for (int i = 0; item->kind == NODE_MAP && i < item->n; i++) {
        if (!strcmp(item->keys[i], "name"))
            *name = item->items[i];
        else if (!strcmp(item->keys[i], "inputs"))
            *inputs = item->items[i];
        else if (*kind) {
            diag_error(item->key_locs[i], "layer %d: one layer per item, found '%s' and '%s' "
                                          "(besides name: and inputs:)", index, *kind,
                       item->keys[i]);
            return -1;
        } else {
            *kind = item->keys[i], *loc = item->key_locs[i], *args = item->items[i];
        }
    }
    if (!*kind) {
        diag_error(item->loc, "layer %d: expected one layer, e.g. '- dense: {units: 10}'", index);
        return -1;
    }
    return 0;
}

/* name: a string, unique, not "input". */
static int read_name(item_names *nm, int i, const ynode *name)
{
    if (!name)
        return 0;
    if (name->kind != NODE_SCALAR || !*name->text) {
        diag_error(name->loc, "layer %d: name: expected a name for the item", i + 1);
        return -1;
    }
    if (!strcmp(name->text, "input")) {
        diag_error(name->loc, "layer %d: name: 'input' names the model input; choose another",
                   i + 1);
        return -1;
    }
    for (int j = 0; j < i; j++)
        if (nm->name[j] && !strcmp(nm->name[j], name->text)) {
            diag_error(name->loc, "layer %d: name: '%s' is already the name of layer %d (line %d)",
                       i + 1, name->text, j + 1, nm->loc[j].line);
            return -1;
        }
    nm->name[i] = name->text;
    nm->loc[i] = name->loc;
    return 0;
}

/* The value a name in item i's inputs: stands for. */
static int resolve(const item_names *nm, int i, const ynode *ref, int *value)
{
    if (ref->kind != NODE_SCALAR) {
        diag_error(ref->loc, "layer %d: inputs: expected names of earlier layers", i + 1);
        return -1;
    }
    if (!strcmp(ref->text, "input")) {
        *value = 0;
        return 0;
    }
    for (int j = 0; j < nm->n; j++)
        if (nm->name[j] && !strcmp(nm->name[j], ref->text)) {
            if (j < i) {
                *value = nm->value[j];
                return 0;
            }
            diag_error(ref->loc, "layer %d: inputs: '%s' is layer %d (line %d), which comes %s; "
                                 "an input must come before the layer that uses it",
                       i + 1, ref->text, j + 1, nm->loc[j].line, j == i ? "here" : "later");
            return -1;
        }
    const char *cands[MAX_ITEMS + 2];
    int nc = 0;
    cands[nc++] = "input";
    for (int j = 0; j < i; j++)
        if (nm->name[j])
            cands[nc++] = nm->name[j];
    const char *near = diag_closest(ref->text, cands, nc);
    diag_error(ref->loc, "layer %d: inputs: no layer before this one is named '%s'%s%s%s", i + 1,
               ref->text, near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
    return -1;
}

static int read_inputs(model *m, const item_names *nm, int i, const ynode *inputs, gnode *n,
                       nnc_loc loc)
{
    if (!inputs) {
        n->in[0] = i ? nm->value[i - 1] : 0;
        n->num_in = 1;
    } else if (inputs->kind == NODE_SCALAR) {
        if (resolve(nm, i, inputs, &n->in[0]))
            return -1;
        n->num_in = 1;
    } else if (inputs->kind == NODE_SEQ && inputs->n >= 1 && inputs->n <= NODE_MAX_INPUTS) {
        for (int k = 0; k < inputs->n; k++)
            if (resolve(nm, i, inputs->items[k], &n->in[k]))
                return -1;
        n->num_in = inputs->n;
    } else {
        diag_error(inputs->loc, "layer %d: inputs: expected a list of 1 to %d names", i + 1,
                   NODE_MAX_INPUTS);
        return -1;
    }
    const op_def *op = n->op;
    if (n->num_in < op->min_inputs || n->num_in > op->max_inputs) {
        if (op->min_inputs == op->max_inputs)
            diag_error(inputs ? inputs->loc : loc, "%s: takes %d input%s, given %d", n->ctx,
                       op->min_inputs, op->min_inputs == 1 ? "" : "s", n->num_in);
        else
            diag_error(inputs ? inputs->loc : loc, "%s: takes %d to %d inputs, given %d%s",
                       n->ctx, op->min_inputs, op->max_inputs, n->num_in,
                       inputs ? "" : " (list them with inputs: [a, b])");
        return -1;
    }
    (void)m;
    return 0;
}

/* An activation: option the op's kernels cannot apply (conv2d's gelu), or a
 * softmax or sigmoid before the last layer (on the last one it is fused with
 * the loss), is applied by an activation node after it. */
static int needs_act_node(const gnode *n, int last)
{
    int a = n->act;
    if (n->op->is_activation || a == ACT_LINEAR)
        return 0;
    return !(n->op->acts & ACT_BIT(a)) || ((a == ACT_SOFTMAX || a == ACT_SIGMOID) && !last);
}

/* The activation node after node `at`, in the same item; its value. */
static int add_act_node(model *m, int at)
{
    gnode *p = &m->nodes[at];
    int act = p->act;
    double alpha = p->act_alpha;
    nnc_loc loc = p->loc;
    p->act = ACT_LINEAR;
    int index = p->index, in = p->out;
    char ctx[48];
    snprintf(ctx, sizeof ctx, "%s", p->ctx);
    gnode *a = graph_add_node(m, &op_activation, index, loc); /* p is stale from here */
    snprintf(a->ctx, sizeof a->ctx, "%s", ctx);
    snprintf(a->id, sizeof a->id, "l%02d_activation", index);
    a->act = act;
    a->act_alpha = alpha;
    a->implicit = 1;
    a->in[0] = in;
    a->num_in = 1;
    a->out = graph_add_value(m, (shape3){0, 0, 0, 0}, m->num_nodes - 1);
    return a->out;
}

static int parse_item(model *m, item_names *nm, const ynode *item, int i)
{
    const char *kind;
    nnc_loc loc;
    const ynode *args, *name, *inputs;
    if (split_item(item, i + 1, &kind, &loc, &args, &name, &inputs) || read_name(nm, i, name))
        return -1;
    const op_def *op = lookup_op(kind, loc, i + 1);
    if (!op)
        return -1;
    gnode *n = graph_add_node(m, op, i + 1, loc);
    int self = m->num_nodes - 1;
    snprintf(n->ctx, sizeof n->ctx, "%s #%d", op->name, i + 1);
    snprintf(n->id, sizeof n->id, "l%02d_%s", i + 1, op->name);
    n->name = name ? xstrdup(name->text) : NULL;
    if (read_inputs(m, nm, i, inputs, n, loc))
        return -1;
    ynode *pos = NULL;
    if (args && args->kind != NODE_MAP && args->kind != NODE_NULL &&
        !(pos = positional_args(n->op->positional, args, n->ctx)))
        return -1;
    attrs a;
    attrs_init(&a, pos ? pos : args, n->ctx);
    int rc = op->parse(n, &a); /* unknown keys are reported even then: often the cause */
    rc = attrs_finish(&a, op->keys) | rc;
    positional_free(pos);
    int out = graph_add_value(m, (shape3){0, 0, 0, 0}, self);
    m->nodes[self].out = out;
    nm->value[i] = needs_act_node(&m->nodes[self], i == nm->n - 1) ? add_act_node(m, self) : out;
    return rc;
}

/* Every item's output feeds a later item, or is the model's output. */
static int check_used(const model *m)
{
    int rc = 0;
    for (int i = 0; i < m->num_nodes; i++) {
        const gnode *n = &m->nodes[i];
        if (n->out != m->output_value && !m->values[n->out].num_consumers) {
            diag_error(n->loc, "%s: its output is not used by any later layer (only the last "
                               "layer gives the model's output)", n->ctx);
            rc = -1;
        }
    }
    return rc;
}

int layers_parse(model *m, const ynode *nd)
{
    if (nd->kind != NODE_SEQ || nd->n == 0) {
        diag_error(nd->loc, "layers: expected a non-empty list of layers");
        return -1;
    }
    if (nd->n > MAX_ITEMS) {
        diag_error(nd->loc, "layers: at most %d layers are supported, found %d", MAX_ITEMS, nd->n);
        return -1;
    }
    m->input_value = graph_add_value(m, m->input, -1);
    item_names nm = {xcalloc((size_t)nd->n, sizeof(char *)),
                     xcalloc((size_t)nd->n, sizeof(nnc_loc)), xcalloc((size_t)nd->n, sizeof(int)),
                     nd->n};
    for (int i = 0; i < nd->n; i++) { /* names first: a forward reference is named as such */
        const ynode *it = nd->items[i];
        for (int k = 0; it->kind == NODE_MAP && k < it->n; k++)
            if (!strcmp(it->keys[k], "name") && it->items[k]->kind == NODE_SCALAR)
                nm.name[i] = it->items[k]->text, nm.loc[i] = it->items[k]->loc;
        nm.value[i] = -1;
    }
    int rc = 0;
    for (int i = 0; i < nd->n && !rc; i++) {
        nm.name[i] = NULL; /* read_name checks it against the ones before */
        rc = parse_item(m, &nm, nd->items[i], i);
    }
    free(nm.name), free(nm.loc), free(nm.value);
    if (rc)
        return -1;
    m->output_value = m->nodes[m->num_nodes - 1].out;
    graph_connect(m);
    return check_used(m);
}
