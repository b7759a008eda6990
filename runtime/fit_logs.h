/* fit_logs.h — the values of one epoch by Keras's log names (loss,
 * accuracy, the spec's metrics, their val_ twins, learning_rate): the
 * epoch line, the history columns, what callbacks monitor and what
 * evaluate --json returns. */
#ifndef NNCRT_FIT_LOGS_H
#define NNCRT_FIT_LOGS_H

#include <stdbool.h>
#include <stdio.h>

#include "metrics.h"
#include "nncrt.h"

typedef struct nncrt_logs {
    int n;
    char **names;       /* [n] */
    double *v;          /* [n] */
    bool *has;          /* [n]: false for val_* without validation data */
    int per_set;        /* columns of one data set (loss, accuracy, metrics) */
    bool lr;            /* the last column is learning_rate */
} nncrt_logs;

void nncrt_logs_init(nncrt_logs *l, const nncrt_model *m);
void nncrt_logs_free(nncrt_logs *l);
/* The columns' values: tm the training metrics, vm validation's or NULL. */
void nncrt_logs_fill(nncrt_logs *l, const nncrt_model *m, const nncrt_metrics *tm,
                     const nncrt_metrics *vm, double lr);
/* The values of one data set (per_set of them) from mt, into v. */
void nncrt_logs_set(const nncrt_model *m, const nncrt_metrics *mt, double *v);
int nncrt_logs_find(const nncrt_logs *l, const char *name);   /* -1: none */
/* "epoch,loss,accuracy,...\n" (caller frees). */
char *nncrt_logs_header(const nncrt_logs *l);
/* The model's history header (caller frees). */
char *nncrt_history_header(const nncrt_model *m);
/* The metrics' settings on mt from the spec (top-k, binary, auc). */
void nncrt_metrics_from_model(nncrt_metrics *mt, const nncrt_model *m);
/* " - name: value" for every column with a value from `from` on. */
void nncrt_logs_print(const nncrt_logs *l, int from, FILE *out);

#endif
