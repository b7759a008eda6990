/* metrics_fit.c — the metrics a spec's metrics: list adds to fit and
 * evaluate (Keras 3's names and formulas): sparse top-k accuracy,
 * thresholded precision and recall, F1 (every average) and ROC AUC. */
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "nncrt.h"
#include "util.h"

void nncrt_metrics_enable(nncrt_metrics *m, int top_k, bool binary, bool auc)
{
    m->top_k = top_k;
    m->binary = binary;
    m->keep_scores = auc;
}

static void keep_score(nncrt_metrics *m, float p, int positive)
{
    if (m->nscores == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 1024;
        m->scores = nncrt_xrealloc(m->scores, m->cap * sizeof *m->scores);
        m->positive = nncrt_xrealloc(m->positive, m->cap);
    }
    m->scores[m->nscores] = p;
    m->positive[m->nscores++] = (unsigned char)positive;
}

void nncrt_metrics_add_fit(nncrt_metrics *m, const float *probs, const int *labels, int n)
{
    for (int i = 0; i < n; i++) {
        const float *p = probs + (size_t)i * (size_t)m->k;
        int y = labels[i];
        if (m->top_k) {   /* in the top k: fewer than k classes score higher (ties are in) */
            int above = 0;
            for (int c = 0; c < m->k; c++)
                above += p[c] > p[y];
            m->topk_hits += above < m->top_k;
        }
        for (int c = m->binary ? 1 : 0; c < m->k; c++) {
            bool pred = p[c] > 0.5f, truth = c == y;
            m->tp += pred && truth;
            m->fp += pred && !truth;
            m->fn += !pred && truth;
        }
        if (m->keep_scores)
            keep_score(m, p[m->k - 1], y == m->k - 1);
    }
}

double nncrt_metrics_top_k(const nncrt_metrics *m)
{
    return m->n ? (double)m->topk_hits / (double)m->n : 0.0;
}

static double ratio(int64_t a, int64_t b)
{
    return b ? (double)a / (double)b : 0.0;   /* Keras's divide_no_nan */
}

double nncrt_metrics_precision(const nncrt_metrics *m)
{
    return ratio(m->tp, m->tp + m->fp);
}

double nncrt_metrics_recall(const nncrt_metrics *m)
{
    return ratio(m->tp, m->tp + m->fn);
}

static double f1_of(int64_t tp, int64_t fp, int64_t fn)
{
    double p = ratio(tp, tp + fp), r = ratio(tp, tp + fn);
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

/* Class c's true positives, false positives and false negatives. */
static void class_counts(const nncrt_metrics *m, int c, int64_t *tp, int64_t *fp, int64_t *fn)
{
    size_t k = (size_t)m->k;
    *tp = m->confusion[(size_t)c * k + (size_t)c];
    *fp = *fn = 0;
    for (int o = 0; o < m->k; o++) {
        if (o == c)
            continue;
        *fp += m->confusion[(size_t)o * k + (size_t)c];
        *fn += m->confusion[(size_t)c * k + (size_t)o];
    }
}

double nncrt_metrics_f1(const nncrt_metrics *m, int average, int c)
{
    int64_t tp, fp, fn;
    if (m->binary) {   /* one output: class 1 against the rest, the argmax is p > 0.5 */
        class_counts(m, 1, &tp, &fp, &fn);
        return f1_of(tp, fp, fn);
    }
    if (average == NNCRT_F1_NONE) {
        class_counts(m, c, &tp, &fp, &fn);
        return f1_of(tp, fp, fn);
    }
    int64_t stp = 0, sfp = 0, sfn = 0, support = 0;
    double sum = 0, weighted = 0;
    for (int k = 0; k < m->k; k++) {
        class_counts(m, k, &tp, &fp, &fn);
        double f = f1_of(tp, fp, fn);
        stp += tp, sfp += fp, sfn += fn;
        sum += f;
        weighted += f * (double)(tp + fn);
        support += tp + fn;
    }
    if (average == NNCRT_F1_MICRO)
        return f1_of(stp, sfp, sfn);
    if (average == NNCRT_F1_WEIGHTED)
        return support ? weighted / (double)support : 0.0;
    return sum / m->k;   /* macro: every class, as Keras (and scikit-learn with labels=) */
}

static const float *sort_scores;

static int by_score(const void *a, const void *b)
{
    float x = sort_scores[*(const size_t *)a], y = sort_scores[*(const size_t *)b];
    return (x > y) - (x < y);
}

/* Mann-Whitney: the positives' mean rank among all scores, tied runs given
   their mean rank. */
double nncrt_metrics_auc(const nncrt_metrics *m)
{
    size_t n = m->nscores, npos = 0;
    for (size_t i = 0; i < n; i++)
        npos += m->positive[i];
    if (npos == 0 || npos == n)
        return 0.0;
    size_t *ix = nncrt_xmalloc_array(n, sizeof *ix);
    for (size_t i = 0; i < n; i++)
        ix[i] = i;
    sort_scores = m->scores;
    qsort(ix, n, sizeof *ix, by_score);
    double rank_sum = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i, pos = 0;
        while (j < n && m->scores[ix[j]] == m->scores[ix[i]])
            pos += m->positive[ix[j++]];
        rank_sum += (double)pos * ((double)(i + 1) + (double)j) / 2.0;
        i = j;
    }
    free(ix);
    double nneg = (double)(n - npos);
    return (rank_sum - (double)npos * ((double)npos + 1) / 2.0) / ((double)npos * nneg);
}
