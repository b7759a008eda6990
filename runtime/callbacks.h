/* callbacks.h — fit: callbacks: (Keras 3's EarlyStopping, ModelCheckpoint,
 * ReduceLROnPlateau, CSVLogger, TerminateOnNaN, LearningRateScheduler),
 * called in the spec's order, with a state that the checkpoint keeps so
 * that fit --resume continues them exactly. */
#ifndef NNCRT_CALLBACKS_H
#define NNCRT_CALLBACKS_H

#include <stdbool.h>

#include "fit_logs.h"
#include "nncrt.h"
#include "util.h"
#include "weights.h"

typedef struct nncrt_cb_state {
    bool has_best;          /* best is None until the first monitored epoch */
    double best;
    int wait, cooldown, best_epoch;
} nncrt_cb_state;

typedef struct nncrt_callbacks {
    const nncrt_model *m;
    nncrt_cb_state *s;      /* [m->num_callbacks] */
    char *best_path;        /* restore_best_weights: the best epoch's weights */
    int stopped_epoch;      /* early_stopping stopped after this epoch (1-based); 0: not */
} nncrt_callbacks;

void nncrt_callbacks_init(nncrt_callbacks *cb, const nncrt_model *m, const char *weights);
void nncrt_callbacks_free(nncrt_callbacks *cb);
/* learning_rate_scheduler at the start of epoch (0-based): the new rate. */
float nncrt_callbacks_epoch_begin(nncrt_callbacks *cb, int epoch, float lr);
/* After epoch (0-based) with its logs: may lower *lr, write checkpoint
   files (meta: what they record) and the CSV log, and set stopped_epoch.
   Returns 0, or -1 when a file could not be written. */
int nncrt_callbacks_epoch_end(nncrt_callbacks *cb, int epoch, const nncrt_logs *logs,
                              float *lr, const nncrt_weights_meta *meta, const char *history_csv);
/* At the end of training: restore_best_weights puts the best weights back.
   Returns 0, or -1. */
int nncrt_callbacks_train_end(nncrt_callbacks *cb);
/* The state as text lines for the checkpoint, and back. */
void nncrt_callbacks_save(const nncrt_callbacks *cb, nncrt_buf *out);
int nncrt_callbacks_load(nncrt_callbacks *cb, const char *text);
/* model_checkpoint's file name for epoch (0-based) and its logs (caller frees). */
char *nncrt_checkpoint_path(const char *pattern, int epoch, const nncrt_logs *logs);

#endif
