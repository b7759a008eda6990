/* check.c — rules for the whole model: the last layer gives one value per
 * class, through the activation the loss expects (softmax or sigmoid, which
 * the loss computes fused, or linear logits with from_logits). */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>

/* binary_crossentropy (label_mode binary): one unit, the probability of the
 * second class; the data and the runtime still see two classes. */
static int check_binary_output(model *m, const gnode *last)
{
    int units = node_out(m, last)->shape.c;
    if (units != 1) {
        diag_error(last->loc, "%s: binary_crossentropy needs units: 1 (the probability of the "
                              "second class), found %d", last->ctx, units);
        return -1;
    }
    if (last->act != ACT_SIGMOID && (last->act != ACT_LINEAR || !m->from_logits)) {
        diag_error(last->loc, "%s: the last layer needs activation: sigmoid for "
                              "binary_crossentropy (or linear with loss from_logits: true)",
                   last->ctx);
        return -1;
    }
    if (last->act == ACT_SIGMOID && m->from_logits) {
        diag_error(m->loss_loc, "loss: from_logits: true but %s already applies sigmoid",
                   last->ctx);
        return -1;
    }
    m->num_classes = 2;
    if (m->num_class_names && m->num_class_names != 2) {
        diag_error(last->loc, "%s: binary_crossentropy has 2 classes but data: class_names "
                              "lists %d", last->ctx, m->num_class_names);
        return -1;
    }
    return 0;
}

/* The cross-entropies: a dense layer whose softmax is fused with the loss, or
 * linear logits when the loss says from_logits. */
static int check_categorical_output(model *m, const gnode *last)
{
    int units = node_out(m, last)->shape.c;
    if (last->act == ACT_RELU || last->act == ACT_SIGMOID ||
        (last->act == ACT_LINEAR && !m->from_logits)) {
        diag_error(last->loc, "%s: the last layer needs activation: softmax for %s (or linear "
                              "with loss from_logits: true)%s", last->ctx, loss_name(m->loss),
                   last->act == ACT_SIGMOID ? "; sigmoid goes with binary_crossentropy"
                                                   : "");
        return -1;
    }
    if (last->act == ACT_SOFTMAX && m->from_logits) {
        diag_error(m->loss_loc, "loss: from_logits: true but %s already applies softmax",
                   last->ctx);
        return -1;
    }
    m->num_classes = units;
    if (m->num_classes < 2) {
        diag_error(last->loc, "%s: a classifier needs at least 2 units, found %d%s", last->ctx,
                   units, units == 1 ? " (one unit: loss binary_crossentropy)" : "");
        return -1;
    }
    if (m->num_class_names && m->num_class_names != m->num_classes) {
        diag_error(last->loc, "%s: %d units but data: class_names lists %d classes", last->ctx,
                   units, m->num_class_names);
        return -1;
    }
    return 0;
}

/* The last layer gives the class scores: a dense layer, checked by the loss. */
int check_model(model *m)
{
    const gnode *last = &m->nodes[m->num_nodes - 1];
    shape3 out = node_out(m, last)->shape;
    if (!out.flat) {
        char *s = shape_str(out);
        diag_error(last->loc, "%s: the last layer must give one value per class (a flat output, "
                              "as dense gives), not %s", last->ctx, s);
        free(s);
        return -1;
    }
    int rc = m->loss == LOSS_BCE ? check_binary_output(m, last) : check_categorical_output(m, last);
    return rc ? rc : optimizer_check(m) | class_weight_check(m);
}

