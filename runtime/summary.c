/* summary.c — the Keras model.summary() table plus what nnc knows at
 * compile time: the optimizer state and the static memory plan in bytes. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "util.h"

/* 1234567 -> "1,234,567" */
static void with_commas(char *out, size_t len, size_t v)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%zu", v);
    size_t at = 0;
    for (int i = 0; i < n && at + 2 < len; i++) {
        if (i && (n - i) % 3 == 0)
            out[at++] = ',';
        out[at++] = digits[i];
    }
    out[at] = '\0';
}

/* Keras' readable_memory_size: 1024-based, two decimals. */
static void readable_bytes(char *out, size_t len, double bytes)
{
    static const char *const unit[] = { "B", "KB", "MB", "GB", "TB" };
    int u = 0;
    while (bytes >= 1024 && u < 4)
        bytes /= 1024, u++;
    snprintf(out, len, "%.2f %s", bytes, unit[u]);
}

static void count_line(FILE *out, const char *what, size_t count, size_t bytes)
{
    char n[40], b[40];
    with_commas(n, sizeof n, count);
    readable_bytes(b, sizeof b, (double)bytes);
    fprintf(out, "%s: %s (%s)\n", what, n, b);
}

static void rule(FILE *out, char c, int width)
{
    for (int i = 0; i < width; i++)
        fputc(c, out);
    fputc('\n', out);
}

static void layer_rows(const nncrt_model *m, FILE *out, int w0, int w1)
{
    for (int i = 0; i < m->num_layers; i++) {
        const nncrt_layer_info *l = &m->layers[i];
        char name[256], params[40];
        snprintf(name, sizeof name, "%s (%s)", l->name, l->kind);
        with_commas(params, sizeof params, l->params);
        if (m->layer_inputs)
            fprintf(out, " %-*s %-*s %12s   %-9d   %s\n", w0, name, w1, l->output_shape, params,
                    l->spec_line, m->layer_inputs[i]);
        else
            fprintf(out, " %-*s %-*s %12s   %d\n", w0, name, w1, l->output_shape, params,
                    l->spec_line);
    }
}

int nncrt_cmd_summary(const nncrt_model *m, FILE *out)
{
    int w0 = 28, w1 = 25;
    for (int i = 0; i < m->num_layers; i++) {
        int n = (int)(strlen(m->layers[i].name) + strlen(m->layers[i].kind) + 3);
        if (n > w0)
            w0 = n;
        if ((int)strlen(m->layers[i].output_shape) > w1)
            w1 = (int)strlen(m->layers[i].output_shape);
    }
    int width = w0 + w1 + 25, w2 = 0; /* w2: "Connected to", when not a chain */
    for (int i = 0; m->layer_inputs && i < m->num_layers; i++)
        if ((int)strlen(m->layer_inputs[i]) > w2)
            w2 = (int)strlen(m->layer_inputs[i]);
    if (m->layer_inputs)
        width += 3 + (w2 > 12 ? w2 : 12);
    fprintf(out, "Model: \"%s\" (from %s, nnc %s)\n", m->name, m->spec_file ? m->spec_file : "?",
            m->nnc_version ? m->nnc_version : "?");
    rule(out, '_', width);
    fprintf(out, " %-*s %-*s %12s   %s%s\n", w0, "Layer (type)", w1, "Output Shape", "Param #",
            m->layer_inputs ? "Spec line   " : "Spec line", m->layer_inputs ? "Connected to" : "");
    rule(out, '=', width);
    layer_rows(m, out, w0, w1);
    rule(out, '=', width);
    /* m->num_params includes the plan's alignment padding; count the tensors */
    size_t trainable = 0, state = 0;
    for (int i = 0; i < m->num_tensors; i++)
        *(m->tensors[i].kind == NNCRT_TENSOR_STATE ? &state : &trainable) += m->tensors[i].count;
    count_line(out, "Total params", trainable + state, (trainable + state) * sizeof(float));
    count_line(out, "Trainable params", trainable, trainable * sizeof(float));
    count_line(out, "Non-trainable params", state, state * sizeof(float));
    size_t opt = (size_t)m->opt_slots * trainable;
    count_line(out, "Optimizer params", opt, opt * sizeof(float));
    rule(out, '_', width);
    char plan[40], planh[40];
    with_commas(plan, sizeof plan, m->plan_bytes);
    readable_bytes(planh, sizeof planh, (double)m->plan_bytes);
    fprintf(out, "Memory plan: %s bytes (%s)\n", plan, planh);
    fprintf(out, "Input shape: (None, %d, %d, %d)\n", m->in_h, m->in_w, m->in_c);
    fprintf(out, "Classes: %d\n", m->num_classes);
    fprintf(out, "Batch size: %d (fixed at compile time)\n", m->batch_size);
    fprintf(out, "Loss: %s\n", m->loss ? m->loss : "?");
    fprintf(out, "Optimizer: %s (learning rate %g)\n", m->optimizer ? m->optimizer : "?", m->learning_rate);
    return 0;
}
