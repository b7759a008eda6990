/* metrics.c — confusion-matrix based classification metrics. */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void nncrt_metrics_init(nncrt_metrics *m, int k)
{
    memset(m, 0, sizeof *m);
    m->k = k;
    m->confusion = nncrt_xcalloc((size_t)k * (size_t)k, sizeof *m->confusion);
    nncrt_metrics_reset(m);
}

void nncrt_metrics_reset(nncrt_metrics *m)
{
    memset(m->confusion, 0, (size_t)m->k * (size_t)m->k * sizeof *m->confusion);
    m->loss_sum = 0;
    m->n = m->correct = 0;
    m->topk_hits = m->tp = m->fp = m->fn = 0;
    m->nscores = 0;
}

void nncrt_metrics_free(nncrt_metrics *m)
{
    free(m->confusion);
    free(m->scores);
    free(m->positive);
    m->confusion = NULL;
    m->scores = NULL;
    m->positive = NULL;
}

int nncrt_argmax(const float *p, int k)
{
    int best = 0;
    for (int i = 1; i < k; i++)
        if (p[i] > p[best])
            best = i;
    return best;
}

void nncrt_metrics_add(nncrt_metrics *m, const float *probs, const int *labels, int n, double mean_loss)
{
    for (int i = 0; i < n; i++) {
        int pred = nncrt_argmax(probs + (size_t)i * (size_t)m->k, m->k);
        m->confusion[(size_t)labels[i] * (size_t)m->k + (size_t)pred]++;
        m->correct += pred == labels[i];
    }
    nncrt_metrics_add_fit(m, probs, labels, n);
    m->loss_sum += mean_loss * n;
    m->n += n;
}

void nncrt_metrics_add_preds(nncrt_metrics *m, const int *preds, const int *labels, int n,
                             double mean_loss)
{
    for (int i = 0; i < n; i++) {
        m->confusion[(size_t)labels[i] * (size_t)m->k + (size_t)preds[i]]++;
        m->correct += preds[i] == labels[i];
    }
    m->loss_sum += mean_loss * n;
    m->n += n;
}

double nncrt_metrics_loss(const nncrt_metrics *m)
{
    return m->n ? m->loss_sum / (double)m->n : 0.0;
}

double nncrt_metrics_accuracy(const nncrt_metrics *m)
{
    return m->n ? (double)m->correct / (double)m->n : 0.0;
}

static int64_t predicted(const nncrt_metrics *m, int c)
{
    int64_t s = 0;
    for (int t = 0; t < m->k; t++)
        s += m->confusion[(size_t)t * (size_t)m->k + (size_t)c];
    return s;
}

nncrt_class_stats nncrt_metrics_class(const nncrt_metrics *m, int c)
{
    nncrt_class_stats s = { 0, 0, 0, 0 };
    int64_t tp = m->confusion[(size_t)c * (size_t)m->k + (size_t)c];
    int64_t pred = predicted(m, c);
    for (int p = 0; p < m->k; p++)
        s.support += m->confusion[(size_t)c * (size_t)m->k + (size_t)p];
    /* 0/0 counts as 0, as scikit-learn's zero_division default does. */
    s.precision = pred ? (double)tp / (double)pred : 0.0;
    s.recall = s.support ? (double)tp / (double)s.support : 0.0;
    if (s.precision + s.recall > 0)
        s.f1 = 2 * s.precision * s.recall / (s.precision + s.recall);
    return s;
}

nncrt_class_stats nncrt_metrics_macro(const nncrt_metrics *m)
{
    nncrt_class_stats avg = { 0, 0, 0, 0 };
    int used = 0;
    for (int c = 0; c < m->k; c++) {
        nncrt_class_stats s = nncrt_metrics_class(m, c);
        avg.support += s.support;
        if (s.support == 0 && predicted(m, c) == 0)
            continue;
        avg.precision += s.precision;
        avg.recall += s.recall;
        avg.f1 += s.f1;
        used++;
    }
    if (used) {
        avg.precision /= used;
        avg.recall /= used;
        avg.f1 /= used;
    }
    return avg;
}
