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

/* Keras's names, in ACT_* order ("gelu" is the exact one; the tanh
 * approximation is the activation layer's approximate: true). */
static const char *const act_names[] = {"linear", "relu",    "softmax", "sigmoid",
                                        "relu6",  "leaky_relu", "elu",  "gelu",
                                        "gelu", "tanh", "swish", NULL};
static const char *const spellings[] = {"linear", "relu", "softmax", "sigmoid", "relu6",
                                        "leaky_relu", "elu", "gelu", "tanh", "swish", "silu",
                                        NULL};
static const int spelled_act[] = {ACT_LINEAR, ACT_RELU, ACT_SOFTMAX, ACT_SIGMOID, ACT_RELU6,
                                  ACT_LEAKY_RELU, ACT_ELU, ACT_GELU, ACT_TANH, ACT_SWISH,
                                  ACT_SWISH};

const char *act_name(int act) { return act >= 0 && act < ACT_KINDS ? act_names[act] : "?"; }

/* Keras's defaults for the parameter of an activation given by name:
 * activations.leaky_relu's negative_slope 0.2, elu's alpha 1. */
double act_default_alpha(int act) { return act == ACT_LEAKY_RELU ? 0.2 : act == ACT_ELU ? 1 : 0; }

int parse_activation(gnode *n, attrs *a)
{
    const ynode *nd = attrs_get(a, "activation");
    if (nd && nd->kind == NODE_NULL) { /* activation: null, Keras's activation=None */
        n->act = ACT_LINEAR;
        return 0;
    }
    int k;
    if (attrs_enum(a, "activation", spellings, 0, &k))
        return -1;
    n->act = spelled_act[k];
    n->act_alpha = act_default_alpha(n->act);
    return 0;
}

/* Keras 3's names, in INIT_* order. */
static const char *const init_names[] = {"zeros", "glorot_uniform", "ones", "glorot_normal",
                                         "he_normal", "he_uniform", "lecun_normal",
                                         "lecun_uniform", NULL};

const char *init_name(int init) { return init >= 0 && init < INIT_KINDS ? init_names[init] : "?"; }

int parse_initializer(gnode *n, attrs *a, const char *key, int def, int *init)
{
    (void)n;
    return attrs_enum(a, key, init_names, def, init);
}
