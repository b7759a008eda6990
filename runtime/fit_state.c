/* fit_state.c — the resume state as text lines. */
#include "fit_state.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *nncrt_fit_state_save(const nncrt_fit_state *fs, const nncrt_metrics *tm,
                           const nncrt_callbacks *cb)
{
    nncrt_buf b = { 0 };
    nncrt_buf_printf(&b, "nnc_fit_state 1\nstep %d\nlr %a\n", fs->step, (double)fs->lr);
    if (fs->step > 0) {
        nncrt_buf_printf(&b, "train %a %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64
                         " %" PRId64 " %zu\nconfusion", tm->loss_sum, tm->n, tm->correct,
                         tm->topk_hits, tm->tp, tm->fp, tm->fn, tm->nscores);
        for (size_t i = 0; i < (size_t)tm->k * (size_t)tm->k; i++)
            nncrt_buf_printf(&b, " %" PRId64, tm->confusion[i]);
        nncrt_buf_printf(&b, "\nscores");
        for (size_t i = 0; i < tm->nscores; i++)
            nncrt_buf_printf(&b, " %a:%d", (double)tm->scores[i], tm->positive[i]);
        nncrt_buf_printf(&b, "\n");
    }
    nncrt_callbacks_save(cb, &b);
    return b.data;
}

static int load_train(const char *text, nncrt_metrics *tm)
{
    const char *p = strstr(text, "\ntrain ");
    size_t ns;
    if (!p || sscanf(p + 1, "train %la %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64
                     " %" SCNd64 " %zu", &tm->loss_sum, &tm->n, &tm->correct, &tm->topk_hits,
                     &tm->tp, &tm->fp, &tm->fn, &ns) != 8)
        return -1;
    if (!(p = strstr(text, "\nconfusion")))
        return -1;
    p += strlen("\nconfusion");
    for (size_t i = 0; i < (size_t)tm->k * (size_t)tm->k; i++) {
        char *end;
        tm->confusion[i] = strtoll(p, &end, 10);
        if (end == p || tm->confusion[i] < 0)
            return -1;
        p = end;
    }
    if (!(p = strstr(p, "\nscores")))
        return -1;
    p += strlen("\nscores");
    tm->nscores = 0;
    for (size_t i = 0; i < ns; i++) {
        double v;
        int pos, used;
        if (sscanf(p, " %la:%d%n", &v, &pos, &used) != 2 || (pos != 0 && pos != 1))
            return -1;
        p += used;
        if (tm->nscores == tm->cap) {
            tm->cap = tm->cap ? 2 * tm->cap : 1024;
            tm->scores = nncrt_xrealloc(tm->scores, tm->cap * sizeof *tm->scores);
            tm->positive = nncrt_xrealloc(tm->positive, tm->cap);
        }
        tm->scores[tm->nscores] = (float)v;
        tm->positive[tm->nscores++] = (unsigned char)pos;
    }
    return 0;
}

int nncrt_fit_state_load(const char *text, nncrt_fit_state *fs, nncrt_metrics *tm,
                         nncrt_callbacks *cb)
{
    double lr;
    if (sscanf(text, "nnc_fit_state 1\nstep %d\nlr %la", &fs->step, &lr) != 2 || fs->step < 0)
        return -1;
    fs->lr = (float)lr;
    nncrt_metrics_reset(tm);
    if (fs->step > 0 && load_train(text, tm) != 0)
        return -1;
    return nncrt_callbacks_load(cb, text);
}
