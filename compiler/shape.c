/* shape.c — shape inference over the graph in spec order (every input comes
 * first), the architecture hash, and the layer table of `nnc check`. */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>

char *shape_str(shape3 s)
{
    if (s.flat)
        return xasprintf("(None, %d)", s.c);
    return xasprintf("(None, %d, %d, %d)", s.h, s.w, s.c);
}

/* A hash of everything that fixes the weights' meaning: node kinds, shapes,
 * tensors and the edges between nodes. Weight files carry it; a trainer
 * refuses others. */
static void arch_hash(model *m)
{
    strbuf sb = {0};
    sb_printf(&sb, "nnc-arch-1 input %d %d %d\n", m->input.h, m->input.w, m->input.c);
    for (int i = 0; i < m->num_nodes; i++) {
        const gnode *n = &m->nodes[i];
        shape3 o = node_out(m, n)->shape;
        sb_printf(&sb, "%s %d %d %d %d act %d\n", n->id, o.h, o.w, o.c, o.flat, n->act);
        if (!graph_chained(m, i)) { /* a chain hashes as before: its weights files stay valid */
            sb_puts(&sb, " inputs");
            for (int k = 0; k < n->num_in; k++)
                sb_printf(&sb, " %d", n->in[k]);
            sb_puts(&sb, "\n");
        }
        for (int k = 0; k < n->num_t; k++)
            sb_printf(&sb, " %s%s %d %d %d %d\n", n->t[k].role,
                      n->t[k].kind == TENSOR_STATE ? " state" : "", n->t[k].shape[0],
                      n->t[k].shape[1], n->t[k].shape[2], n->t[k].shape[3]);
    }
    m->arch_sha256 = xmalloc(65);
    sha256_hex(sb.data, sb.len, m->arch_sha256);
    sb_free(&sb);
}

/* One node: its output shape and tensors from its inputs'. */
static int infer_node(model *m, gnode *n)
{
    shape3 out = node_in(m, n, 0)->shape;
    if (n->op->infer(n, m, &out))
        return -1;
    size_t vol = (size_t)out.h * out.w * out.c;
    if (vol > ((size_t)1 << 28)) {
        diag_error(n->loc, "%s: output of %zu values per image is too large", n->ctx, vol);
        return -1;
    }
    gvalue *v = &m->values[n->out];
    n->spec_act = n->act;
    v->shape = out;
    v->needs_grad = node_trainable(n);
    for (int i = 0; i < n->num_in; i++)
        v->needs_grad |= node_in(m, n, i)->needs_grad;
    if (n->op->view)
        v->view_of = n->in[0];
    for (int k = 0; k < n->num_t; k++)
        if (n->t[k].kind == TENSOR_TRAINABLE)
            m->num_params += n->t[k].count;
        else
            m->num_state += n->t[k].count;
    return 0;
}

int shape_infer(model *m)
{
    int trainable = 0;
    for (int i = 0; i < m->num_nodes; i++) {
        if (infer_node(m, &m->nodes[i]))
            return -1;
        trainable |= node_trainable(&m->nodes[i]);
    }
    if (!trainable) {
        diag_error(m->nodes[0].loc, "the model has no trainable layer");
        return -1;
    }
    if (check_model(m))
        return -1;
    arch_hash(m);
    return 0;
}

static void print_count(FILE *out, size_t n)
{
    char buf[32], grouped[48];
    int len = snprintf(buf, sizeof buf, "%zu", n), j = 0;
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            grouped[j++] = ',';
        grouped[j++] = buf[i];
    }
    grouped[j] = '\0';
    fputs(grouped, out);
}

void shape_print_table(const model *m, FILE *out)
{
    fprintf(out, "Model: \"%s\"  (", m->name);
    diag_put_escaped(out, m->spec_path);
    fputs(")\n", out);
    /* a graph that is not a chain: Keras's "Connected to", the makers of each
       node's inputs (a chain prints as it always has) */
    int graph = !graph_is_chain(m), w = 34;
    for (int i = 0; graph && i < m->num_nodes; i++) {
        int len = (int)(strlen(m->nodes[i].id) + strlen(m->nodes[i].op->name) + 3);
        w = len > w ? len : w;
    }
    fprintf(out, "%-*s %-20s %10s  %s%s\n", w, "Layer (type)", "Output Shape", "Param #", "Line",
            graph ? "  Connected to" : "");
    char *in = shape_str(m->input);
    fprintf(out, "%-*s %-20s %10s  %d\n", w, "input", in, "0", m->input_loc.line);
    free(in);
    for (int i = 0; i < m->num_nodes; i++) {
        const gnode *n = &m->nodes[i];
        size_t np = 0;
        for (int k = 0; k < n->num_t; k++)
            np += n->t[k].count;
        char *s = shape_str(node_out(m, n)->shape), *name = xasprintf("%s (%s)", n->id, n->op->name);
        if (graph) {
            char *from = graph_inputs_str(m, n);
            fprintf(out, "%-*s %-20s %10zu  %-4d  %s\n", w, name, s, np, n->loc.line, from);
            free(from);
        } else {
            fprintf(out, "%-*s %-20s %10zu  %d\n", w, name, s, np, n->loc.line);
        }
        free(s), free(name);
    }
    augment_print(m, out);
    fputs("Total params: ", out);
    print_count(out, m->num_params + m->num_state);
    fprintf(out, " (%.2f KB)\n", (m->num_params + m->num_state) * 4 / 1024.0);
    if (m->num_state) { /* Keras's split, when there is one to show */
        fputs("Trainable params: ", out);
        print_count(out, m->num_params);
        fputs("\nNon-trainable params: ", out);
        print_count(out, m->num_state);
        fputs("\n", out);
    }
    fprintf(out, "Loss: %s, optimizer: %s (learning_rate %g), batch size %d, %d classes\n",
            loss_name(m->loss), optimizer_name(m->optimizer), m->lr, m->batch_size,
            m->num_classes);
}
