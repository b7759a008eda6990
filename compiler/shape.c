/* shape.c — shape inference over the layer list, the checks that need the whole
 * model (softmax placement, classes), and the layer table of `nnc check`. */
#include "nnc.h"

#include <stdlib.h>
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

void layer_add_param(layer *l, const char *role, int ndim, const int *shape, int init,
                     int fan_in, int fan_out)
{
    param *p = &l->params[l->num_params++];
    p->role = role;
    p->ndim = ndim;
    p->count = 1;
    for (int i = 0; i < ndim; i++) {
        p->shape[i] = shape[i];
        p->count *= (size_t)shape[i];
    }
    p->init = init;
    p->fan_in = fan_in;
    p->fan_out = fan_out;
}

int layer_needs_image(const layer *l)
{
    if (!l->in.flat)
        return 0;
    diag_error(l->loc, "%s: expects an image (height, width, channels) but gets a flat vector "
                       "of %d values", l->ctx, l->in.c);
    return -1;
}

int parse_activation(layer *l, attrs *a, int allow_softmax)
{
    static const char *const acts[] = {"linear", "relu", "softmax", "sigmoid", NULL};
    const ynode *nd = attrs_get(a, "activation");
    if (nd && nd->kind == NODE_NULL) { /* activation: null, Keras's activation=None */
        l->activation = ACT_LINEAR;
        return 0;
    }
    if (attrs_enum(a, "activation", acts, ACT_LINEAR, &l->activation))
        return -1;
    if ((l->activation == ACT_SOFTMAX || l->activation == ACT_SIGMOID) && !allow_softmax) {
        diag_error(nd->loc, "%s: %s is only supported on the last dense layer", l->ctx,
                   acts[l->activation]);
        return -1;
    }
    return 0;
}

char *shape_str(shape3 s)
{
    if (s.flat)
        return xasprintf("(None, %d)", s.c);
    return xasprintf("(None, %d, %d, %d)", s.h, s.w, s.c);
}

/* Softmax and sigmoid are fused with the loss: only the last layer has one. */
static int check_inner_activations(const model *m)
{
    for (int i = 0; i < m->num_layers - 1; i++) {
        int act = m->layers[i].activation;
        if (act == ACT_SOFTMAX || act == ACT_SIGMOID) {
            diag_error(m->layers[i].loc, "%s: %s is only supported on the last layer",
                       m->layers[i].ctx, act == ACT_SOFTMAX ? "softmax" : "sigmoid");
            return -1;
        }
    }
    return 0;
}

/* binary_crossentropy (label_mode binary): one unit, the probability of the
 * second class; the data and the runtime still see two classes. */
static int check_binary_output(model *m, const layer *last)
{
    if (last->units != 1) {
        diag_error(last->loc, "%s: binary_crossentropy needs units: 1 (the probability of the "
                              "second class), found %d", last->ctx, last->units);
        return -1;
    }
    if (last->activation != ACT_SIGMOID && (last->activation != ACT_LINEAR || !m->from_logits)) {
        diag_error(last->loc, "%s: the last layer needs activation: sigmoid for "
                              "binary_crossentropy (or linear with loss from_logits: true)",
                   last->ctx);
        return -1;
    }
    if (last->activation == ACT_SIGMOID && m->from_logits) {
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
static int check_categorical_output(model *m, const layer *last)
{
    if (last->activation == ACT_RELU || last->activation == ACT_SIGMOID ||
        (last->activation == ACT_LINEAR && !m->from_logits)) {
        diag_error(last->loc, "%s: the last layer needs activation: softmax for %s (or linear "
                              "with loss from_logits: true)%s", last->ctx, loss_name(m->loss),
                   last->activation == ACT_SIGMOID ? "; sigmoid goes with binary_crossentropy"
                                                   : "");
        return -1;
    }
    if (last->activation == ACT_SOFTMAX && m->from_logits) {
        diag_error(m->loss_loc, "loss: from_logits: true but %s already applies softmax",
                   last->ctx);
        return -1;
    }
    m->num_classes = last->units;
    if (m->num_classes < 2) {
        diag_error(last->loc, "%s: a classifier needs at least 2 units, found %d%s", last->ctx,
                   last->units, last->units == 1 ? " (one unit: loss binary_crossentropy)" : "");
        return -1;
    }
    if (m->num_class_names && m->num_class_names != m->num_classes) {
        diag_error(last->loc, "%s: %d units but data: class_names lists %d classes", last->ctx,
                   last->units, m->num_class_names);
        return -1;
    }
    return 0;
}

/* The last layer gives the class scores: a dense layer, checked by the loss. */
static int check_output(model *m)
{
    const layer *last = &m->layers[m->num_layers - 1];
    if (check_inner_activations(m))
        return -1;
    if (last->op != op_find("dense")) {
        diag_error(last->loc, "%s: the last layer must be dense (one unit per class)", last->ctx);
        return -1;
    }
    return m->loss == LOSS_BCE ? check_binary_output(m, last) : check_categorical_output(m, last);
}

/* A hash of everything that fixes the weights' meaning: layer kinds, shapes and
 * parameter tensors. Weight files carry it; a trainer refuses others. */
static void arch_hash(model *m)
{
    strbuf sb = {0};
    sb_printf(&sb, "nnc-arch-1 input %d %d %d\n", m->input.h, m->input.w, m->input.c);
    for (int i = 0; i < m->num_layers; i++) {
        const layer *l = &m->layers[i];
        sb_printf(&sb, "%s %d %d %d %d act %d\n", l->id, l->out.h, l->out.w, l->out.c,
                  l->out.flat, l->activation);
        for (int p = 0; p < l->num_params; p++)
            sb_printf(&sb, " %s %d %d %d %d\n", l->params[p].role, l->params[p].shape[0],
                      l->params[p].shape[1], l->params[p].shape[2], l->params[p].shape[3]);
    }
    m->arch_sha256 = xmalloc(65);
    sha256_hex(sb.data, sb.len, m->arch_sha256);
    sb_free(&sb);
}

int shape_infer(model *m)
{
    shape3 cur = m->input;
    int seen_params = 0;
    for (int i = 0; i < m->num_layers; i++) {
        layer *l = &m->layers[i];
        l->in = cur;
        l->needs_dx = seen_params;
        if (l->op->infer(l, m))
            return -1;
        size_t vol = (size_t)l->out.h * l->out.w * l->out.c;
        if (vol > ((size_t)1 << 28)) {
            diag_error(l->loc, "%s: output of %zu values per image is too large", l->ctx, vol);
            return -1;
        }
        for (int p = 0; p < l->num_params; p++)
            m->num_params += l->params[p].count;
        seen_params |= l->num_params > 0;
        cur = l->out;
    }
    if (!seen_params) {
        diag_error(m->layers[0].loc, "the model has no trainable layer");
        return -1;
    }
    if (check_output(m))
        return -1;
    /* a max pool or a conv2d after a ReLU applies the ReLU's mask in its own
     * backward pass (a conv2d as it stores dx) */
    for (int i = 0; i + 1 < m->num_layers; i++) {
        const op_def *next = m->layers[i + 1].op;
        m->layers[i].relu_fused_next = m->layers[i].activation == ACT_RELU &&
                                       (next == op_find("max_pooling2d") ||
                                        next == op_find("conv2d"));
    }
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
    fprintf(out, "%-34s %-20s %10s  %s\n", "Layer (type)", "Output Shape", "Param #", "Line");
    char *in = shape_str(m->input);
    fprintf(out, "%-34s %-20s %10s  %d\n", "input", in, "0", m->input_loc.line);
    free(in);
    for (int i = 0; i < m->num_layers; i++) {
        const layer *l = &m->layers[i];
        size_t np = 0;
        for (int p = 0; p < l->num_params; p++)
            np += l->params[p].count;
        char *s = shape_str(l->out), *name = xasprintf("%s (%s)", l->id, l->op->name);
        fprintf(out, "%-34s %-20s %10zu  %d\n", name, s, np, l->loc.line);
        free(s), free(name);
    }
    augment_print(m, out);
    fputs("Total params: ", out);
    print_count(out, m->num_params);
    fprintf(out, " (%.2f KB)\n", m->num_params * 4 / 1024.0);
    fprintf(out, "Loss: %s, optimizer: %s (learning_rate %g), batch size %d, %d classes\n",
            loss_name(m->loss), optimizer_name(m->optimizer), m->lr, m->batch_size,
            m->num_classes);
}
