/* fit_logs.c — the epoch's logs by Keras's names, from the metrics. */
#include "fit_logs.h"

#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "util.h"

static bool is_binary(const nncrt_model *m)
{
    return m->loss && strcmp(m->loss, "binary_crossentropy") == 0;
}

/* f1_score with average None: one column per class (one for a binary model). */
static int f1_columns(const nncrt_model *m)
{
    return m->f1_average == NNCRT_F1_NONE && !is_binary(m) ? m->num_classes : 1;
}

static int set_names(const nncrt_model *m, char **names, const char *prefix)
{
    int n = 0;
    nncrt_buf b = { 0 };
#define NAME(...) (b.len = 0, nncrt_buf_printf(&b, "%s", prefix), nncrt_buf_printf(&b, __VA_ARGS__), \
                   names ? (void)(names[n] = nncrt_xstrdup(b.data)) : (void)0, n++)
    NAME("loss");
    NAME("accuracy");
    if (m->metrics & NNCRT_METRIC_TOP_K)
        NAME("sparse_top_k_categorical_accuracy");
    if (m->metrics & NNCRT_METRIC_PRECISION)
        NAME("precision");
    if (m->metrics & NNCRT_METRIC_RECALL)
        NAME("recall");
    if (m->metrics & NNCRT_METRIC_F1) {
        int k = f1_columns(m);
        for (int c = 0; c < k; c++) {
            if (k > 1)
                NAME("f1_score_%d", c);
            else
                NAME("f1_score");
        }
    }
    if (m->metrics & NNCRT_METRIC_AUC)
        NAME("auc");
#undef NAME
    nncrt_buf_free(&b);
    return n;
}

void nncrt_logs_init(nncrt_logs *l, const nncrt_model *m)
{
    memset(l, 0, sizeof *l);
    l->per_set = set_names(m, NULL, "");
    l->lr = 1; /* the learning rate after the epoch: always a column, as in the epoch line */
    l->n = 2 * l->per_set + l->lr;
    l->names = nncrt_xcalloc((size_t)l->n, sizeof *l->names);
    l->v = nncrt_xcalloc((size_t)l->n, sizeof *l->v);
    l->has = nncrt_xcalloc((size_t)l->n, sizeof *l->has);
    set_names(m, l->names, "");
    set_names(m, l->names + l->per_set, "val_");
    if (l->lr)
        l->names[l->n - 1] = nncrt_xstrdup("learning_rate");
}

void nncrt_logs_free(nncrt_logs *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    free(l->v);
    free(l->has);
    memset(l, 0, sizeof *l);
}

void nncrt_logs_set(const nncrt_model *m, const nncrt_metrics *mt, double *v)
{
    int n = 0;
    v[n++] = nncrt_metrics_loss(mt);
    v[n++] = nncrt_metrics_accuracy(mt);
    if (m->metrics & NNCRT_METRIC_TOP_K)
        v[n++] = nncrt_metrics_top_k(mt);
    if (m->metrics & NNCRT_METRIC_PRECISION)
        v[n++] = nncrt_metrics_precision(mt);
    if (m->metrics & NNCRT_METRIC_RECALL)
        v[n++] = nncrt_metrics_recall(mt);
    if (m->metrics & NNCRT_METRIC_F1) {
        int k = f1_columns(m);
        for (int c = 0; c < k; c++)
            v[n++] = nncrt_metrics_f1(mt, m->f1_average, c);
    }
    if (m->metrics & NNCRT_METRIC_AUC)
        v[n++] = nncrt_metrics_auc(mt);
}

void nncrt_logs_fill(nncrt_logs *l, const nncrt_model *m, const nncrt_metrics *tm,
                     const nncrt_metrics *vm, double lr)
{
    nncrt_logs_set(m, tm, l->v);
    for (int i = 0; i < l->per_set; i++)
        l->has[i] = true, l->has[l->per_set + i] = vm != NULL;
    if (vm)
        nncrt_logs_set(m, vm, l->v + l->per_set);
    if (l->lr)
        l->v[l->n - 1] = lr, l->has[l->n - 1] = true;
}

int nncrt_logs_find(const nncrt_logs *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->names[i], name) == 0)
            return i;
    return -1;
}

char *nncrt_logs_header(const nncrt_logs *l)
{
    nncrt_buf b = { 0 };
    nncrt_buf_printf(&b, "epoch");
    for (int i = 0; i < l->n; i++)
        nncrt_buf_printf(&b, ",%s", l->names[i]);
    nncrt_buf_printf(&b, "\n");
    return b.data;
}

char *nncrt_history_header(const nncrt_model *m)
{
    nncrt_logs l;
    nncrt_logs_init(&l, m);
    char *h = nncrt_logs_header(&l);
    nncrt_logs_free(&l);
    return h;
}

void nncrt_metrics_from_model(nncrt_metrics *mt, const nncrt_model *m)
{
    nncrt_metrics_enable(mt, (m->metrics & NNCRT_METRIC_TOP_K) ? m->top_k : 0, is_binary(m),
                         (m->metrics & NNCRT_METRIC_AUC) != 0);
}

void nncrt_logs_print(const nncrt_logs *l, int from, FILE *out)
{
    for (int i = from; i < l->n; i++) {
        if (!l->has[i])
            continue;
        char num[32];
        nncrt_format_value(num, sizeof num, l->v[i]);
        fprintf(out, " - %s: %s", l->names[i], num);
    }
}
