/* loss.c — the loss key. Both cross-entropies run fused with the final softmax
 * (stable log-sum-exp), as Keras does when the output comes from a softmax. */
#include "nnc.h"

#include <string.h>

static const char *const loss_names[] = {"sparse_categorical_crossentropy",
                                         "categorical_crossentropy", NULL};
static const char *const loss_keys[] = {"from_logits", NULL};

const char *loss_name(int loss) { return loss_names[loss]; }

static int loss_lookup(const char *name, nnc_loc loc, int *out)
{
    for (int i = 0; loss_names[i]; i++)
        if (!strcmp(name, loss_names[i])) {
            *out = i;
            return 0;
        }
    const char *near = diag_closest(name, loss_names, 2);
    diag_error(loc, "loss: unknown loss '%s'%s%s%s; supported: %s, %s", name,
               near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "", loss_names[0],
               loss_names[1]);
    return -1;
}

int loss_parse(model *m, const node *nd)
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
    const node *args = nd->items[0];
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
