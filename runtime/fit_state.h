/* fit_state.h — what fit --resume needs beyond the weights and the
 * optimizer: the batch an interrupted epoch stopped after, the learning
 * rate, the epoch's training metrics so far and the callbacks' state,
 * kept as text ("fit_state" in the weights file's metadata). Values are
 * written as hex floats, so a resumed run continues bit for bit. */
#ifndef NNCRT_FIT_STATE_H
#define NNCRT_FIT_STATE_H

#include "callbacks.h"
#include "metrics.h"
#include "util.h"

typedef struct nncrt_fit_state {
    int step;               /* batches of epoch `epoch + 1` done; 0: at an epoch's start */
    float lr;
} nncrt_fit_state;

/* tm is saved only when step > 0 (an epoch in progress). */
char *nncrt_fit_state_save(const nncrt_fit_state *fs, const nncrt_metrics *tm,
                           const nncrt_callbacks *cb);
/* Returns 0, or -1 when the text is not such a state. */
int nncrt_fit_state_load(const char *text, nncrt_fit_state *fs, nncrt_metrics *tm,
                         nncrt_callbacks *cb);

#endif
