/* history.h — the training history CSV written beside the weights
 * (<weights stem>.history.csv: epoch,loss,accuracy,val_loss,val_accuracy;
 * epochs counted from 1 like the "Epoch i/N" lines), rewritten atomically
 * after every epoch so it always matches the weights file. */
#ifndef NNCRT_HISTORY_H
#define NNCRT_HISTORY_H

#include "util.h"

typedef struct nncrt_history {
    char *path;
    nncrt_buf rows;     /* data rows, without the header */
} nncrt_history;

char *nncrt_history_path(const char *weights_path);
/* keep_epochs > 0 (resuming): keep the existing rows of epochs 1..keep_epochs. */
void nncrt_history_open(nncrt_history *h, const char *weights_path, int keep_epochs);
int nncrt_history_add(nncrt_history *h, int epoch, double loss, double acc, const double *val);
void nncrt_history_free(nncrt_history *h);

#endif
