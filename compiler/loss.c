/* loss.c — the loss key and its kernels, and fit's class_weight. The
 * cross-entropies run fused with the final softmax (stable log-sum-exp),
 * binary cross-entropy with the final sigmoid (stable log1p(exp(-|z|))), as
 * Keras does when the output comes from that activation.
 *
 * A target row is the one-hot label times the sample's class weight (the
 * runtime builds it), so its sum is the sample's weight: the kernels scale
 * each sample's loss by it and divide by n, Keras's sum_over_batch_size.
 * label_smoothing maps a row t to t*(1-ls) + ls/K*sum(t) before the kernel,
 * which is Keras's y*(1-ls) + ls/K on the one-hot y, times the weight. */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>

static const char *const loss_names[] = {"sparse_categorical_crossentropy",
                                         "categorical_crossentropy", "binary_crossentropy",
                                         NULL};
static const char *const loss_keys[] = {"from_logits", "label_smoothing", NULL};

const char *loss_name(int loss) { return loss_names[loss]; }

static int loss_lookup(const char *name, nnc_loc loc, int *out)
{
    for (int i = 0; loss_names[i]; i++)
        if (!strcmp(name, loss_names[i])) {
            *out = i;
            return 0;
        }
    const char *near = diag_closest(name, loss_names, 3);
    diag_error(loc, "loss: unknown loss '%s'%s%s%s; supported: %s, %s, %s", name,
               near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "", loss_names[0],
               loss_names[1], loss_names[2]);
    return -1;
}

int loss_parse(model *m, const ynode *nd)
{
    if (!nd) {
        diag_error((nnc_loc){m->spec_path, 0, 0},
                   "missing 'loss:' (e.g. loss: sparse_categorical_crossentropy)");
        return -1;
    }
    m->loss_loc = nd->loc;
    if (nd->kind == NODE_SCALAR)
        return loss_lookup(nd->text, nd->loc, &m->loss);
    if (nd->kind != NODE_MAP || nd->n != 1) {
        diag_error(nd->loc, "loss: expected a loss name, or {name: {from_logits: true}}");
        return -1;
    }
    m->loss_loc = nd->key_locs[0];
    if (loss_lookup(nd->keys[0], nd->key_locs[0], &m->loss))
        return -1;
    const ynode *args = nd->items[0];
    if (args->kind != NODE_MAP && args->kind != NODE_NULL) {
        diag_error(args->loc, "loss: %s: expected a mapping of settings ({from_logits: true})",
                   nd->keys[0]);
        return -1;
    }
    attrs a;
    attrs_init(&a, args, "loss");
    int rc = attrs_bool(&a, "from_logits", 0, &m->from_logits);
    rc |= attrs_real(&a, "label_smoothing", 0, 0, 1, &m->label_smoothing);
    return attrs_finish(&a, loss_keys) | rc;
}

/* ---- fit: class_weight ---- */

int class_weight_parse(model *m, const ynode *nd)
{
    if (!nd)
        return 0;
    if (nd->kind == NODE_SCALAR && !strcmp(nd->text, "balanced")) {
        m->class_weight_balanced = 1;
        return 0;
    }
    if (nd->kind != NODE_MAP || nd->n == 0) {
        diag_error(nd->loc, "fit: class_weight: expected balanced, or a mapping of class names "
                            "or indices to weights ({0: 1.0, Coat: 5.0})");
        return -1;
    }
    m->cw_keys = xcalloc((size_t)nd->n, sizeof *m->cw_keys);
    m->cw_values = xcalloc((size_t)nd->n, sizeof *m->cw_values);
    m->cw_locs = xcalloc((size_t)nd->n, sizeof *m->cw_locs);
    for (int i = 0; i < nd->n; i++) {
        char ctx[160];
        snprintf(ctx, sizeof ctx, "fit: class_weight: %s", nd->keys[i]);
        if (node_real(nd->items[i], ctx, 0, 1e6, &m->cw_values[i]))
            return -1;
        m->cw_keys[i] = xstrdup(nd->keys[i]);
        m->cw_locs[i] = nd->key_locs[i];
        m->num_cw++;
    }
    return 0;
}

/* A key is a class index 0..K-1 or one of data.class_names. */
static int class_of(const model *m, int i)
{
    const char *k = m->cw_keys[i];
    size_t digits = strspn(k, "0123456789");
    if (*k && !k[digits]) {
        long v = digits <= 9 ? strtol(k, NULL, 10) : -1;
        if (v >= 0 && v < m->num_classes)
            return (int)v;
        diag_error(m->cw_locs[i], "fit: class_weight: class %s is out of range; the model has "
                                  "%d classes (0..%d)", k, m->num_classes, m->num_classes - 1);
        return -1;
    }
    for (int c = 0; c < m->num_class_names; c++)
        if (!strcmp(k, m->class_names[c]))
            return c;
    if (!m->num_class_names) {
        diag_error(m->cw_locs[i], "fit: class_weight: '%s' is not a class index, and the spec "
                                  "has no data: class_names to look a name up in", k);
        return -1;
    }
    const char *near =
        diag_closest(k, (const char *const *)m->class_names, m->num_class_names);
    diag_error(m->cw_locs[i], "fit: class_weight: '%s' is not one of data: class_names%s%s%s", k,
               near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
    return -1;
}

/* After shape inference, when the classes are known. A class left out keeps
 * weight 1, as Keras's class_weight.get(class, 1.0). */
int class_weight_check(model *m)
{
    if (!m->num_cw)
        return 0;
    int *from = xcalloc((size_t)m->num_classes, sizeof *from);
    m->class_weight = xcalloc((size_t)m->num_classes, sizeof *m->class_weight);
    for (int c = 0; c < m->num_classes; c++)
        m->class_weight[c] = 1, from[c] = -1;
    int rc = 0;
    for (int i = 0; i < m->num_cw && !rc; i++) {
        int c = class_of(m, i);
        if (c >= 0 && from[c] >= 0) {
            diag_error(m->cw_locs[i], "fit: class_weight: class %d is given twice (first as "
                                      "'%s')", c, m->cw_keys[from[c]]);
            c = -1;
        }
        if (c < 0) {
            rc = -1;
            break;
        }
        from[c] = i;
        m->class_weight[c] = m->cw_values[i];
    }
    free(from);
    return rc;
}

void loss_free(model *m)
{
    for (int i = 0; i < m->num_cw; i++)
        free(m->cw_keys[i]);
    free(m->cw_keys);
    free(m->cw_values);
    free(m->cw_locs);
    free(m->class_weight);
}

/* ---- emission ---- */

void loss_emit(emit_ctx *e)
{
    const model *m = e->m;
    int bce = m->loss == LOSS_BCE, smooth = m->label_smoothing > 0;
    const char *kernel = bce ? "sigmoid_bce" : "softmax_xent";
    subst s[4];
    emit_lit_int(&s[0], "K", m->num_classes);
    s[1].from = bce ? "sigmoid_probs" : "softmax";
    snprintf(s[1].to, sizeof s[1].to, "nnc_output_probs");
    s[2].from = kernel;
    snprintf(s[2].to, sizeof s[2].to, smooth ? "nnc_loss_of_targets" : "nnc_loss");
    sb_puts(e->out, "\n/* ");
    c_comment_text(e->out, m->spec_path);
    sb_printf(e->out, ":%d: loss %s%s */\n", m->loss_loc.line, loss_name(m->loss),
              m->from_logits ? " (from_logits)"
              : bce          ? ", fused with the final sigmoid"
                             : ", fused with the final softmax");
    template_emit(e->out, kernel, s, 3);
    if (!smooth)
        return;
    sb_printf(e->out, "\n/* label_smoothing %g */\n", m->label_smoothing);
    s[1].from = "LOSS_KERNEL";
    snprintf(s[1].to, sizeof s[1].to, "nnc_loss_of_targets");
    s[2].from = "smoothed_loss";
    snprintf(s[2].to, sizeof s[2].to, "nnc_loss");
    emit_lit_int(&s[3], "BATCH", m->batch_size);
    subst ls[5] = {s[0], s[1], s[2], s[3]};
    ls[4].from = "LABEL_SMOOTHING";
    snprintf(ls[4].to, sizeof ls[4].to, "((nnc_real)%.17g)", m->label_smoothing);
    template_emit(e->out, "label_smoothing", ls, 5);
}

/* The class weights of fit: class_weight, for the runtime's target rows
 * (before the model struct, in the runtime part of the file). */
void class_weight_emit_table(emit_ctx *e)
{
    const model *m = e->m;
    if (!m->class_weight)
        return;
    sb_printf(e->out, "\n/* fit: class_weight, by class */\n"
                      "static const float nnc_class_weight[%d] = {", m->num_classes);
    for (int c = 0; c < m->num_classes; c++)
        sb_printf(e->out, "%s%.9g", c ? ", " : "", m->class_weight[c]);
    sb_puts(e->out, "};\n");
}

void class_weight_emit_fields(emit_ctx *e)
{
    const model *m = e->m;
    if (!m->class_weight && !m->class_weight_balanced)
        return;
    sb_printf(e->out, "    .class_weight = %s, .class_weight_balanced = %d,\n",
              m->class_weight ? "nnc_class_weight" : "NULL", m->class_weight_balanced);
}
