/* ops/ops_util.c — what several ops share: window arithmetic, tensors, the
 * image-input check and the activation option. */
#include "nnc.h"

#include <string.h>

int shape_window(int in, int k, int stride, int padding, int *pad_before)
{
    *pad_before = 0;
    if (padding == PAD_VALID)
        return in < k ? -1 : (in - k) / stride + 1;
    int out = (in + stride - 1) / stride;
    int total = (out - 1) * stride + k - in;
    *pad_before = total > 0 ? total / 2 : 0;
    return out;
}

void node_add_tensor(gnode *n, const char *role, int kind, int ndim, const int *shape, int init,
                     int fan_in, int fan_out)
{
    if (n->num_t >= NODE_MAX_TENSORS)
        unreachable();
    tensor *t = &n->t[n->num_t++];
    t->role = role;
    t->kind = kind;
    t->ndim = ndim;
    t->count = 1;
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = shape[i];
        t->count *= (size_t)shape[i];
    }
    t->init = init;
    t->fan_in = fan_in;
    t->fan_out = fan_out;
}

int node_needs_image(const gnode *n, const model *m)
{
    const gvalue *in = node_in(m, n, 0);
    if (!in->shape.flat)
        return 0;
    diag_error(n->loc, "%s: expects an image (height, width, channels) but gets a flat vector "
                       "of %d values", n->ctx, in->shape.c);
    return -1;
}

/* Keras's names, in ACT_* order. */
static const char *const act_names[] = {"linear", "relu",    "softmax", "sigmoid",
                                        "relu6",  "leaky_relu", "elu",  "gelu",
                                        "gelu_tanh", "tanh", "swish", NULL};

const char *act_name(int act) { return act >= 0 && act < ACT_KINDS ? act_names[act] : "?"; }

int parse_activation(gnode *n, attrs *a, unsigned allowed)
{
    const ynode *nd = attrs_get(a, "activation");
    if (nd && nd->kind == NODE_NULL) { /* activation: null, Keras's activation=None */
        n->act = ACT_LINEAR;
        return 0;
    }
    static const char *const supported[] = {"linear", "relu", "softmax", "sigmoid", NULL};
    if (attrs_enum(a, "activation", supported, ACT_LINEAR, &n->act))
        return -1;
    if (!(allowed & ACT_BIT(n->act))) {
        diag_error(nd->loc, "%s: %s is only supported on the last dense layer", n->ctx,
                   act_names[n->act]);
        return -1;
    }
    return 0;
}
