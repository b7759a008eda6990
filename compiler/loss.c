/* loss.c — the loss key and its kernels. The cross-entropies run fused with the
 * final softmax (stable log-sum-exp), binary cross-entropy with the final
 * sigmoid (stable log1p(exp(-|z|))), as Keras does when the output comes from
 * that activation. */
#include "nnc.h"

#include <string.h>

static const char *const loss_names[] = {"sparse_categorical_crossentropy",
                                         "categorical_crossentropy", "binary_crossentropy",
                                         NULL};
static const char *const loss_keys[] = {"from_logits", NULL};

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
    return attrs_finish(&a, loss_keys) | rc;
}

void loss_emit(emit_ctx *e)
{
    const model *m = e->m;
    int bce = m->loss == LOSS_BCE;
    subst s[3];
    emit_lit_int(&s[0], "K", m->num_classes);
    s[1].from = bce ? "sigmoid_probs" : "softmax";
    snprintf(s[1].to, sizeof s[1].to, "nnc_output_probs");
    s[2].from = bce ? "sigmoid_bce" : "softmax_xent";
    snprintf(s[2].to, sizeof s[2].to, "nnc_loss");
    sb_puts(e->out, "\n/* ");
    c_comment_text(e->out, m->spec_path);
    sb_printf(e->out, ":%d: loss %s%s */\n", m->loss_loc.line, loss_name(m->loss),
              m->from_logits ? " (from_logits)"
              : bce          ? ", fused with the final sigmoid"
                             : ", fused with the final softmax");
    template_emit(e->out, bce ? "sigmoid_bce" : "softmax_xent", s, 3);
}
